/**
 * keepalived's pid files at start. keepalived 2.2.7 reads each one it will write; one naming a
 * process that is gone (left by a kill -9) is removed with "Remove a zombie pid file FILE" (lab,
 * after "Configuration file"). 2.4 locks its pid files instead and logs nothing there.
 */
import { readFileSync, rmSync } from 'node:fs';

/** Whether a process with this PID exists (EPERM: it does, owned by another user). */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the files among `files` whose PID names no running process (or holds no PID at all, as
 * keepalived reads 0 then) and returns them; a missing file is left alone.
 */
export function removeStalePidFiles(files: readonly string[], exists: (pid: number) => boolean = processExists): string[] {
  const removed: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const pid = Number.parseInt(text.trim(), 10);
    if (Number.isInteger(pid) && pid > 0 && exists(pid)) continue;
    rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}
