/**
 * A pitfall of vrrp_track_process that neither keepalived -t nor a running keepalived names:
 * keepalived follows processes through the kernel's process events (the netlink proc connector),
 * which answer only in the first network namespace. Lab, 2.2.7: started inside another one, it
 * logs "Failed to set/clear process event listen - errno 111 - Connection refused" and counts
 * every tracked process absent, running or not; started outside with `net_namespace NAME`, it
 * opens the connector first and follows them.
 */
import type { KeepalivedConfig, TrackProcess } from '../config/model.js';

/** The note `check` prints for a config that tracks a process (undefined otherwise, or with net_namespace). */
export function processEventsNote(config: KeepalivedConfig): string | undefined {
  const tracked = [...config.instances, ...config.syncGroups].some((o) => (o.trackProcesses?.length ?? 0) > 0);
  if (!tracked || config.ignored.some((block) => block.keyword === 'net_namespace')) return undefined;
  return 'track_process needs the kernel\'s process events, which only the first network namespace has: keepalived started inside a network namespace (a container) ' +
    'logs "Failed to set/clear process event listen - errno 111" and counts every tracked process absent; start it outside with net_namespace NAME instead';
}

/** The kernel keeps at most this many characters of a process's name (comm: TASK_COMM_LEN - 1). */
const COMM_MAX = 15;

/**
 * Why keepalived can never count a vrrp_track_process, from its config alone (undefined: it can).
 * Without full_command (or parameters) keepalived compares `process` with the process's comm, the
 * kernel's name for it: no path, 15 characters at most. Lab, 2.2.7 via net_namespace: with both
 * processes running, `process /tmp/.../vltpslash01` (weight -30) and `process vltplongname0123`
 * (16 characters, weight -7) counted absent: 150 -> 112 with a third, full_command one whose
 * argv[0] was written otherwise (./vltplongname0123 started, the absolute path configured, -1).
 */
export function neverMatches(process: TrackProcess): string | undefined {
  if (process.fullCommand) return undefined;
  if (process.process.includes('/')) {
    const name = process.process.split('/').filter((part) => part !== '').pop() ?? process.process;
    return `process ${process.process} is compared with the process's name (comm), which has no path: it never matches and counts absent; write ${name.slice(0, COMM_MAX)}, or add full_command to compare the command line's first word`;
  }
  if (process.process.length > COMM_MAX) {
    return `process ${process.process} is compared with the process's name (comm), which the kernel cuts to ${COMM_MAX} characters: it never matches and counts absent; write ${process.process.slice(0, COMM_MAX)}, or add full_command`;
  }
  return undefined;
}
