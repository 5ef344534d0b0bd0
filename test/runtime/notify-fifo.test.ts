/**
 * The notify fifos of `vrrplab run` (src/runtime/notify-fifo.ts), without root: made when missing,
 * used when there, written without ever blocking, and removed at exit as keepalived 2.2.7 removes
 * them (only with a vrrp_notify_fifo configured; a global notify_fifo alone stays).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readSync, closeSync, constants, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultGlobalDefs } from '../../src/config/defaults.js';
import { fifoSpecs, NotifyFifos } from '../../src/runtime/notify-fifo.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-fifo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What is waiting in a fifo, read without blocking. */
function drain(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buffer = Buffer.alloc(65536);
  let text = '';
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n <= 0) break;
      text += buffer.subarray(0, n).toString();
    }
  } catch { /* EAGAIN: nothing more */ }
  closeSync(fd);
  return text;
}

describe('notify fifos', () => {
  it('are taken from global_defs, each with its script; the same file named twice is one fifo', () => {
    const g = { ...defaultGlobalDefs(), notifyFifo: '/run/n.fifo', notifyFifoScript: '/bin/reader', vrrpNotifyFifo: '/run/v.fifo' };
    expect(fifoSpecs(g)).toEqual([{ path: '/run/n.fifo', kind: 'global', script: '/bin/reader' }, { path: '/run/v.fifo', kind: 'vrrp' }]);
    expect(fifoSpecs({ ...g, vrrpNotifyFifo: '/run/n.fifo' })).toEqual([{ path: '/run/n.fifo', kind: 'vrrp', script: '/bin/reader' }]);
    expect(fifoSpecs(defaultGlobalDefs())).toEqual([]);
  });

  it('makes a missing fifo (mode 0600), writes each line into every fifo, and removes what it made at exit when a vrrp_notify_fifo is configured', () => {
    const n = join(dir, 'a-n.fifo');
    const v = join(dir, 'a-v.fifo');
    const fifos = new NotifyFifos([{ path: n, kind: 'global' }, { path: v, kind: 'vrrp', script: '/bin/reader' }], (m) => { throw new Error(m); });
    expect(statSync(n).isFIFO()).toBe(true);
    expect(statSync(n).mode & 0o777).toBe(0o600);
    expect(fifos.scripts()).toEqual([{ path: v, argv: ['/bin/reader', v] }]);
    expect(fifos.write('INSTANCE "VI_1" BACKUP 110')).toBeUndefined();
    expect(fifos.write('GROUP "G" MASTER 0')).toBeUndefined();
    expect(drain(n)).toBe('INSTANCE "VI_1" BACKUP 110\nGROUP "G" MASTER 0\n');
    expect(drain(v)).toBe('INSTANCE "VI_1" BACKUP 110\nGROUP "G" MASTER 0\n');
    fifos.close();
    expect(existsSync(n)).toBe(false);
    expect(existsSync(v)).toBe(false);
  });

  it('leaves a global notify_fifo it made when no vrrp_notify_fifo is configured, and a fifo that was there in any case', () => {
    const n = join(dir, 'b-n.fifo');
    const there = join(dir, 'b-there.fifo');
    execFileSync('mkfifo', [there]);
    new NotifyFifos([{ path: n, kind: 'global' }], () => undefined).close();
    expect(existsSync(n)).toBe(true);
    new NotifyFifos([{ path: there, kind: 'vrrp' }], () => undefined).close();
    expect(existsSync(there)).toBe(true);
  });

  it('never blocks on a fifo nobody reads: a line that no longer fits is dropped with a reason', () => {
    const fifos = new NotifyFifos([{ path: join(dir, 'c.fifo'), kind: 'vrrp' }], () => undefined);
    const line = `INSTANCE "${'X'.repeat(1000)}" MASTER 110`;
    let problem: string | undefined;
    for (let i = 0; i < 200 && problem === undefined; i++) problem = fifos.write(line);
    expect(problem).toMatch(/notify fifo .*c\.fifo: EAGAIN, line dropped: INSTANCE/);
    fifos.close();
  });

  it('does not use a path that is a regular file, and says so', () => {
    const file = join(dir, 'd.fifo');
    writeFileSync(file, 'not a fifo\n');
    const warnings: string[] = [];
    const fifos = new NotifyFifos([{ path: file, kind: 'vrrp' }], (m) => warnings.push(m));
    expect(warnings).toEqual([`notify fifo ${file} exists and is not a fifo - not using it`]);
    expect(fifos.write('GROUP "G" STOP 0')).toBeUndefined();
    fifos.close();
    expect(existsSync(file)).toBe(true);
  });
});
