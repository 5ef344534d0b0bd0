/**
 * Lab tier: a BACKUP held up (SIGSTOP) for longer than Master_Down_Interval while its master keeps
 * advertising. keepalived 2.2.7 reads its socket before it looks at due timers, so on waking it
 * usually finds the adverts and stays BACKUP; vrrplab must, every time (runtime.ts fire(): a late timer lets the
 * sockets be read first, and the adverts carry the kernel's receive time). Each daemon gets its
 * own lab; processes are stopped and continued by PID.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { daemonPids, ensureBuilt, sleep, startDaemon, waitFor, type Daemon } from '../runtime/lab-helpers.js';

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
});

const conf = (priority: number) => `vrrp_instance VI_1 {\n  interface eth0\n  state BACKUP\n  priority ${priority}\n  virtual_router_id 71\n  advert_int 1\n  virtual_ipaddress {\n    172.16.25.171/16\n  }\n}\n`;

async function heldUpBackup(kind: Daemon): Promise<string[]> {
  const lab = made.lab();
  const dir = made.scratch('vlstall');
  const master = join(dir, 'master.conf');
  const backup = join(dir, 'backup.conf');
  writeFileSync(master, conf(200));
  writeFileSync(backup, conf(100));
  const m = startDaemon(lab, 0, 'keepalived', master, dir, { detail: false });
  expect(await waitFor(() => m.log().includes('(VI_1) Entering MASTER STATE'), 10_000)).toBeGreaterThanOrEqual(0);
  const b = startDaemon(lab, 1, kind, backup, dir, { detail: false });
  expect(await waitFor(() => b.log().includes('(VI_1) Entering BACKUP STATE'), 10_000)).toBeGreaterThanOrEqual(0);
  await sleep(2500);
  // keepalived's VRRP work is in its child; vrrplab is one process.
  const pids = daemonPids(b);
  const target = pids[pids.length - 1];
  const before = b.log().length;
  process.kill(target, 'SIGSTOP');
  await sleep(5000);
  process.kill(target, 'SIGCONT');
  await sleep(2500);
  return [...b.log().slice(before).matchAll(/\(VI_1\) Entering (MASTER|BACKUP|FAULT) STATE/g)].map((x) => x[0]);
}

describe('a BACKUP held up longer than Master_Down_Interval, vrrplab against keepalived 2.2.7', () => {
  it('stays BACKUP on waking when its master advertised all along', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const [k, v] = await Promise.all([heldUpBackup('keepalived'), heldUpBackup('vrrplab')]);
    // keepalived stays BACKUP in most runs and not in all (whether its timer or its read comes
    // first after the wake is a race there): reported, not asserted.
    process.stderr.write(`runtime lab: held-up backup, transitions after the wake: keepalived ${JSON.stringify(k)}, vrrplab ${JSON.stringify(v)}\n`);
    expect(v).toEqual([]);
  }, 60_000);
});
