/** keepalived 2.2.7's start: pid files a killed daemon left behind are removed ("Remove a zombie pid file"). */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { processExists, removeStalePidFiles } from '../../src/runtime/pid-files.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-pid-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('pid files at start', () => {
  it('removes a pid file whose process is gone, and one holding no pid, and keeps one whose process runs', () => {
    const gone = path.join(dir, 'gone.pid');
    const empty = path.join(dir, 'empty.pid');
    const live = path.join(dir, 'live.pid');
    const missing = path.join(dir, 'missing.pid');
    fs.writeFileSync(gone, '4000001\n');
    fs.writeFileSync(empty, 'not a pid\n');
    fs.writeFileSync(live, `${process.pid}\n`);
    expect(removeStalePidFiles([gone, empty, live, missing], (pid) => pid === process.pid)).toEqual([gone, empty]);
    expect([gone, empty, live, missing].map((f) => fs.existsSync(f))).toEqual([false, false, true, false]);
  });

  it('tells a running process from a PID nobody has', () => {
    expect(processExists(process.pid)).toBe(true);
    // Above the kernel's pid_max ceiling (4194304): no process can have it.
    expect(processExists(4_194_305)).toBe(false);
  });
});
