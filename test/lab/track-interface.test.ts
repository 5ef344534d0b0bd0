/**
 * Lab tier, issue 23: a track_interface weight on keepalived 2.2.7, live. Two 110/100 pairs side by
 * side, each master tracking eth1, a veth of its own namespace (the peer end eth1p beside it), taken
 * down once both masters are settled: with weight -5, keepalived lowers A to 105 and keeps the VIP
 * with the link down; with weight -20, A drops to 90 and B takes the VIP one Master_Down_Interval
 * after A's last winning advert. The simulator, given the same configs and the link-down, does the
 * same. The fuller runs (link-up too, state by state) are recorded in
 * test/fixtures/recordings/track-interface and compared with simulate without root
 * (test/lab-run/track-interface.test.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Lab } from './lab.js';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, addresses, sleep, startDaemon, waitFor, type Started } from '../runtime/lab-helpers.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { runScenario } from '../../src/sim/run.js';

const VIP = '10.99.0.100';
const FIXTURES = join(ROOT, 'test/fixtures/recordings/track-interface');
const made = removedAfterEach();

interface Pair {
  lab: Lab;
  a: Started;
  holder(): string;
}

function pair(variant: 'too-small' | 'fixed', dir: string): Pair {
  const lab = made.lab();
  // The tracked backend link: a veth pair inside A's namespace, joined to nothing else.
  lab.exec(0, ['ip', 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'eth1p']);
  lab.exec(0, ['ip', 'link', 'set', 'eth1p', 'up']);
  lab.exec(0, ['ip', 'link', 'set', 'eth1', 'up']);
  const a = startDaemon(lab, 0, 'keepalived', join(FIXTURES, variant, 'A.conf'), dir);
  startDaemon(lab, 1, 'keepalived', join(FIXTURES, variant, 'B.conf'), dir);
  const holder = (): string => (addresses(lab, 0).includes(VIP) ? 'A' : addresses(lab, 1).includes(VIP) ? 'B' : '-');
  return { lab, a, holder };
}

/** simulate on the same configs, eth1 down at `downS`: the priority changes and who is MASTER when. */
function simulated(variant: 'too-small' | 'fixed', downS: number) {
  const yaml = [
    `name: ${variant}`, `duration: ${downS + 8}s`, 'hosts:',
    '  A: { config: A.conf, address: 172.16.25.1 }', '  B: { config: B.conf, address: 172.16.25.2 }',
    'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }',
    `  - { at: ${downS}s, host: A, do: link-down, interface: eth1 }`,
  ].join('\n');
  const parsed = parseScenario(yaml, join(FIXTURES, variant), `${variant}.yaml`);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

describe('track_interface weight on keepalived 2.2.7 (a veth of the host going down)', () => {
  it('keeps the VIP on A with weight -5 (110 -> 105) and hands it to B with -20 (110 -> 90), as simulate does', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const dir = made.scratch('vltrackif');
    const small = pair('too-small', dir);
    const fixed = pair('fixed', dir);
    expect(await waitFor(() => small.holder() === 'A' && fixed.holder() === 'A', 10_000)).toBeGreaterThanOrEqual(0);
    await sleep(1000);
    for (const p of [small, fixed]) p.lab.exec(0, ['ip', 'link', 'set', 'eth1', 'down']);
    const took = await waitFor(() => fixed.holder() === 'B', 5000);
    await sleep(1500);
    const lab = { tookOverS: Math.round(took) / 1000, smallHolder: small.holder(), fixedHolder: fixed.holder() };
    console.log('lab track_interface:', JSON.stringify(lab));
    expect(small.a.log()).toMatch(/Netlink reports eth1 down\n.*\(VI_1\) Changing effective priority from 110 to 105/);
    expect(fixed.a.log()).toMatch(/\(VI_1\) Changing effective priority from 110 to 90/);
    expect(lab.smallHolder).toBe('A');
    expect(lab.fixedHolder).toBe('B');
    // One Master_Down_Interval (3.61 s at priority 100) after A's last advert at 110, which went out up to a second before the link-down.
    expect(lab.tookOverS).toBeGreaterThan(2.3);
    expect(lab.tookOverS).toBeLessThan(3.8);

    const sim = { small: simulated('too-small', 8), fixed: simulated('fixed', 8) };
    const priorities = (result: ReturnType<typeof simulated>) => result.records.flatMap((r) => (r.type === 'priority' ? [`${r.host} ${r.from}->${r.to}@${r.t}`] : []));
    expect(priorities(sim.small)).toEqual(['A 110->105@8']);
    expect(priorities(sim.fixed)).toEqual(['A 110->90@8']);
    expect(sim.small.vips).toEqual({ A: [VIP], B: [] });
    expect(sim.small.findings.map((f) => f.kind)).toEqual(['unhealthy-master']);
    const takeover = sim.fixed.records.find((r) => r.type === 'transition' && r.host === 'B' && r.to === 'MASTER');
    expect(takeover !== undefined && takeover.t - 8).toBeGreaterThan(2.3);
    expect(takeover !== undefined && takeover.t - 8).toBeLessThan(3.8);
    expect(sim.fixed.findings).toEqual([]);
  }, 40_000);
});
