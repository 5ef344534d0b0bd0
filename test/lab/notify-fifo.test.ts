/**
 * Lab tier, issue 23: notify_fifo written by `vrrplab run` as keepalived 2.2.7 writes it. Two labs
 * at once, each a pair with a sync group G (VI_1, VI_2) and an instance V6 whose master tracks eth1
 * (a veth of its namespace) with weight -20 (test/fixtures/recordings/notify-fifo): A is keepalived
 * in one, vrrplab run in the other; B is keepalived in both. The same events in both: start, eth1
 * down (B takes V6), eth1 up (A takes it back), SIGTERM to A. The lines A wrote into its fifo are
 * identical, and the fifo each daemon made (a global notify_fifo) is still there once it exited.
 */
import { createReadStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, addresses, ensureBuilt, exited, sleep, startDaemon, waitFor, type Daemon, type Started } from '../runtime/lab-helpers.js';

const FIXTURE = join(ROOT, 'test/fixtures/recordings/notify-fifo');
const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
});

interface Run {
  lab: Lab;
  a: Started;
  fifo: string;
  lines: string[];
  holds(host: number, vip: string): boolean;
}

async function pair(kind: Daemon, dir: string): Promise<Run> {
  const lab = made.lab();
  lab.exec(0, ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
  lab.exec(0, ['ip', 'link', 'set', 'eth1p', 'up']);
  lab.exec(0, ['ip', 'link', 'set', 'eth1', 'up']);
  const confs = ['A', 'B'].map((host) => {
    const file = join(dir, `${kind}-${host}.conf`);
    writeFileSync(file, readFileSync(join(FIXTURE, `${host}.conf`), 'utf8').replace(`/run/twfifo/${host}.fifo`, join(dir, `${kind}-${host}.fifo`)));
    return file;
  });
  const fifo = join(dir, `${kind}-A.fifo`);
  const a = startDaemon(lab, 0, kind, confs[0] ?? '', dir);
  startDaemon(lab, 1, 'keepalived', confs[1] ?? '', dir);
  const lines: string[] = [];
  // The daemon makes the fifo and holds it open read-write: lines written before this reader opens wait in it.
  if ((await waitFor(() => existsSync(fifo), 5000)) < 0) throw new Error(`${kind} made no fifo ${fifo}: ${a.log()}`);
  let rest = '';
  createReadStream(fifo, { encoding: 'utf8' }).on('data', (chunk) => {
    const parts = (rest + String(chunk)).split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
  }).on('error', () => undefined);
  return { lab, a, fifo, lines, holds: (host, vip) => addresses(lab, host).includes(vip) };
}

describe('notify_fifo from vrrplab run and from keepalived 2.2.7 on the same events', () => {
  it('are identical, line for line: start, a sync group taking over, a tracked link down and up, a stop', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vlfifo');
    const runs = [await pair('keepalived', dir), await pair('vrrplab', dir)];
    const all = (check: (run: Run) => boolean): (() => boolean) => () => runs.every(check);
    expect(await waitFor(all((r) => r.holds(0, '10.98.0.51') && r.holds(0, '10.98.0.52') && r.holds(0, '10.98.0.53')), 8000)).toBeGreaterThanOrEqual(0);
    await sleep(500);
    for (const r of runs) r.lab.exec(0, ['ip', 'link', 'set', 'eth1', 'down']);
    expect(await waitFor(all((r) => r.holds(1, '10.98.0.53') && !r.holds(0, '10.98.0.53')), 6000)).toBeGreaterThanOrEqual(0);
    for (const r of runs) r.lab.exec(0, ['ip', 'link', 'set', 'eth1', 'up']);
    expect(await waitFor(all((r) => r.holds(0, '10.98.0.53')), 6000)).toBeGreaterThanOrEqual(0);
    await sleep(300);
    for (const r of runs) r.a.child.kill('SIGTERM');
    await Promise.all(runs.map((r) => Promise.race([exited(r.a.child), sleep(5000)])));
    await sleep(200);
    const [keepalived, vrrplab] = runs;
    console.log('keepalived fifo:', JSON.stringify(keepalived?.lines));
    console.log('vrrplab fifo:   ', JSON.stringify(vrrplab?.lines));
    expect(keepalived?.lines).toEqual([
      'GROUP "G" BACKUP 0', 'INSTANCE "VI_1" BACKUP 110', 'INSTANCE "VI_2" BACKUP 110', 'INSTANCE "V6" BACKUP 110',
      'INSTANCE "VI_2" MASTER 110', 'INSTANCE "VI_1" MASTER 110', 'GROUP "G" MASTER 0', 'INSTANCE "V6" MASTER 110',
      'INSTANCE "V6" BACKUP 90', 'INSTANCE "V6" MASTER 110',
      'INSTANCE "VI_1" STOP 110', 'INSTANCE "VI_2" STOP 110', 'INSTANCE "V6" STOP 110', 'GROUP "G" STOP 0',
    ]);
    expect(vrrplab?.lines).toEqual(keepalived?.lines);
    // A global notify_fifo each made stays after exit: keepalived removes what it made only with a
    // vrrp_notify_fifo configured (test/runtime/notify-fifo.test.ts).
    for (const r of runs) expect(existsSync(r.fifo), r.fifo).toBe(true);
  }, 40_000);
});
