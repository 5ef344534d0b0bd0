/**
 * Faults against a vrrplab pair and, in the same run and at the same moments, a keepalived
 * pair (each in its own lab): the link going down and up, 20% packet loss for 30 s, the master
 * killed. No crash, the same end state as keepalived, and no more spurious transitions under
 * loss than keepalived has.
 *
 * Loss is random per packet (tc netem, or nftables numgen where the kernel has no netem), so the
 * two pairs see different drop patterns: with a 1 s advert interval a backup needs three adverts
 * in a row lost to take over (~0.8% per window at 20%), i.e. ~0.2 spurious takeovers in 30 s for
 * either daemon. The comparison allows vrrplab one more than keepalived so chance alone does not
 * fail it; both counts are printed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import {
  addresses, crash, ensureBuilt, exited, lossAvailable, sleep, startDaemon, startLoss, stopLoss, transitions, waitFor,
  type Daemon, type LossMethod, type Started,
} from '../runtime/lab-helpers.js';

const VIP = '172.16.25.100';
const LOSS_SECONDS = Number(process.env.VRRPLAB_LOSS_SECONDS ?? 30);

function config(priority: number): string {
  return `vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 52
  advert_int 1
  virtual_ipaddress {
    ${VIP}/16 dev eth0
  }
}
`;
}

interface Pair {
  kind: Daemon;
  lab: Lab;
  a: Started;
  b: Started;
}

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
});

const holds = (l: Lab, host: number) => addresses(l, host).includes(VIP);
const masterIsA = (p: Pair) => holds(p.lab, 0) && !holds(p.lab, 1);
const alive = (s: Started) => s.child.exitCode === null && s.child.signalCode === null;

describe('vrrplab run under faults, next to keepalived', () => {
  it('survives link down and up, 20% loss for 30 s and a killed master, with no more spurious transitions than keepalived', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vlfault');
    const pairs: Pair[] = (['vrrplab', 'keepalived'] as const).map((kind) => {
      const lab = made.lab();
      const conf = (priority: number) => {
        const path = join(dir, `${kind}-${priority}.conf`);
        writeFileSync(path, config(priority));
        return path;
      };
      return { kind, lab, a: startDaemon(lab, 0, kind, conf(150), dir), b: startDaemon(lab, 1, kind, conf(100), dir) };
    });
    const found = lossAvailable(pairs[0].lab);
    if (found === null) {
      if (process.env.VRRPLAB_LAB === 'required') throw new Error('lab tier required but neither tc netem nor nftables (nft) can drop packets');
      console.warn('\n!! LAB TEST SKIPPED: no packet loss emulation (tc netem or nft)\n');
      ctx.skip('no packet loss emulation (tc netem or nft)');
      return;
    }
    const method: LossMethod = found;
    const each = async (check: (p: Pair) => boolean, timeoutMs: number) => Promise.all(pairs.map((p) => waitFor(() => check(p), timeoutMs)));

    // Election.
    for (const t of await each(masterIsA, 8000)) expect(t).toBeGreaterThanOrEqual(0);

    // Link down for 3 s (the veth peer loses carrier too: both go FAULT), then up.
    for (const p of pairs) p.lab.exec(1, ['ip', 'link', 'set', 'eth0', 'down']);
    await sleep(3000);
    for (const p of pairs) p.lab.exec(1, ['ip', 'link', 'set', 'eth0', 'up']);
    for (const t of await each(masterIsA, 10_000)) expect(t).toBeGreaterThanOrEqual(0);
    await sleep(1500);
    // Each change logged once on each host, as keepalived does (B's link, A's carrier); vrrplab
    // logged both twice before, once from its link poll and once from the engine.
    const netlinkLines = (p: Pair) => [p.a, p.b].map((s) => s.log().match(/Netlink reports eth0 (down|up)/g) ?? []);
    expect(netlinkLines(pairs[0])).toEqual(netlinkLines(pairs[1]));
    expect(netlinkLines(pairs[1])[1].filter((line) => line.endsWith('down'))).toHaveLength(1);

    // 20% loss in both directions.
    const mark = pairs.map((p) => ({ a: p.a.log().length, b: p.b.log().length }));
    for (const p of pairs) for (const host of [0, 1]) startLoss(p.lab, host, 20, method);
    await sleep(LOSS_SECONDS * 1000);
    for (const p of pairs) for (const host of [0, 1]) stopLoss(p.lab, host, method);
    for (const t of await each(masterIsA, 8000)) expect(t).toBeGreaterThanOrEqual(0);
    const spurious = pairs.map((p, i) => transitions(p.a.log().slice(mark[i].a)).length + transitions(p.b.log().slice(mark[i].b)).length);
    process.stderr.write(`runtime faults lab: ${LOSS_SECONDS} s of 20% loss (${method}): spurious transitions vrrplab ${spurious[0]}, keepalived ${spurious[1]}\n`);
    // nft drops the same packets in both pairs: vrrplab may not do worse than keepalived. netem's
    // random loss differs per pair, so there one spurious takeover (two transitions) of slack.
    expect(spurious[0]).toBeLessThanOrEqual(spurious[1] + (method === 'nft' ? 0 : 2));
    for (const p of pairs) for (const s of [p.a, p.b]) expect(alive(s)).toBe(true);

    // The master is killed: the backup takes over after Master_Down_Interval.
    await Promise.all(pairs.map((p) => crash(p.a)));
    for (const t of await each((p) => holds(p.lab, 1), 6000)) expect(t).toBeGreaterThanOrEqual(0);
    for (const p of pairs) {
      expect(alive(p.b)).toBe(true);
      expect(p.b.log()).not.toMatch(/TypeError|RangeError|uncaught/i);
      p.b.child.kill('SIGTERM');
    }
    expect(await exited(pairs[0].b.child)).toBe(0);
  }, 120_000);
});
