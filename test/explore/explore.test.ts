/**
 * `vrrplab explore` from host directories alone: what it finds on the seed pair and on the
 * fixture sets (one per failure kind, and a clean set), that every failure it reports replays
 * under `vrrplab simulate`, and that a count budget gives one answer whatever the workers/shards.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore, mergeShrunk, type ExploreResult } from '../../src/explore/explore.js';
import { raceOutcomes, type Shrunk } from '../../src/explore/explorer.js';
import type { Runner } from '../../src/explore/judge.js';
import { scheduleScenario } from '../../src/explore/plan.js';
import { failureJson, failureReports, formatText, racesFromJson, type FailureReport } from '../../src/explore/report.js';
import { exploreSpace, scenarioFromHosts } from '../../src/explore/space.js';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { EXPLORE_FIXTURES, fixtureHosts } from '../sim/findings/helpers.js';
import { ROOT } from '../sim/helpers.js';

const BUDGET = 2500;

function seedPair(variant: 'buggy' | 'fixed'): Scenario {
  return scenarioFromHosts(['A', 'B'].map((name) => ({ name, root: path.join(ROOT, 'examples/seed', variant, name) })), 1);
}

function fixtureSet(set: string): Scenario {
  return scenarioFromHosts(fixtureHosts(set).map((name) => ({ name, root: path.join(EXPLORE_FIXTURES, set, name) })), 1);
}

async function exploreWith(base: Scenario, budget = BUDGET, workers = 1): Promise<ExploreResult> {
  return explore(base, { seed: 1, depth: 2, budget: { kind: 'count', schedules: budget }, workers });
}

/** The one-fault failures, as "what:kinds" strings (the host and the fault, then the kinds). */
function singleFaults(result: ExploreResult): string[] {
  return result.failures.filter((failure) => failure.schedule.faults.length === 1 && failure.schedule.start === undefined).map((failure) => {
    const fault = failure.schedule.faults[0];
    const where = fault !== undefined && 'host' in fault ? `${fault.host}:` : '';
    return `${where}${fault?.do}:${failure.kinds.join(',')}`;
  });
}

function noFault(result: ExploreResult): Shrunk[] {
  return result.failures.filter((failure) => failure.schedule.faults.length === 0 && failure.schedule.start === undefined);
}

/** Every reported scenario, run by the simulator as `vrrplab simulate` would, shows its kinds. */
function expectReproducible(base: Scenario, result: ExploreResult): FailureReport[] {
  const space = exploreSpace(base);
  const reports = failureReports(result, (schedule) => scheduleScenario(space, schedule));
  for (const report of reports) {
    const parsed = parseScenario(report.yaml, '/', `${report.name}.yaml`);
    expect(parsed.ok ? [] : parsed.errors, report.name).toEqual([]);
    if (!parsed.ok) continue;
    expect(parsed.warnings, report.name).toEqual([]);
    const outcome = runScenario(parsed.scenario);
    expect(outcome.ok, report.name).toBe(true);
    if (!outcome.ok) continue;
    const seen = new Set<string>(outcome.result.findings.filter((finding) => finding.byDesign !== true).map((finding) => finding.kind));
    for (const kind of report.kinds) expect(seen.has(kind), `${report.name} reproduces ${kind}`).toBe(true);
  }
  return reports;
}

describe('explore on the seed pair, from its host directories alone', () => {
  it('finds a keepalived restart and a haproxy restart on the buggy pair, each a one-fault failure with collective-drift and stranded-service', async () => {
    const result = await exploreWith(seedPair('buggy'));
    const singles = singleFaults(result);
    expect(singles).toContain('A:stop:collective-drift,stranded-service');
    expect(singles).toContain('A:service-stop:collective-drift,stranded-service');
    expect(singles).toContain('B:stop:collective-drift,stranded-service');
    // Started all at once the pair is fine; started apart, it drifts with no other fault.
    expect(noFault(result)).toEqual([]);
    expect(result.failures.some((failure) => failure.schedule.start?.skewMs === 2000 && failure.kinds.includes('collective-drift'))).toBe(true);
    expectReproducible(seedPair('buggy'), result);
  });

  it('finds no failure on the fixed pair, having tried every single fault and every pair', async () => {
    const result = await exploreWith(seedPair('fixed'));
    expect(result.failures.map((failure) => failure.key)).toEqual([]);
    expect(result.summary.exhaustiveDepth).toBe(2);
    // Split brains while the LAN was split were seen, and not counted: VRRP by design.
    expect(result.summary.excused['split-brain']).toBeGreaterThan(0);
  });

  it('keepalived restarts of the buggy pair are shrunk to the fewest, earliest and shortest faults', async () => {
    const result = await exploreWith(seedPair('buggy'));
    const restart = result.failures.find((failure) => failure.key === 'collective-drift,stranded-service|A:stop');
    const plan = result.summary.phases;
    expect(plan.map((phase) => phase.phase)).toEqual(['start', 'single', 'pair']);
    expect(restart?.schedule.faults).toHaveLength(1);
    const [stop] = restart?.schedule.faults ?? [];
    // Down for 1 s, the shortest a stop can be: a stopped keepalived exits a second after SIGTERM.
    expect(stop !== undefined && stop.until !== undefined ? stop.until - stop.at : undefined).toBe(1000);
  });
});

describe("explore reports keepalived's races as races, with both outcomes", () => {
  it("reports the buggy pair's haproxy stop on A as a race: it fails as simulated, and not when B's keepalived comes up first", async () => {
    const result = await exploreWith(seedPair('buggy'));
    const haproxy = result.failures.find((failure) => failure.kinds.join() === 'collective-drift,stranded-service' && failure.schedule.start === undefined && JSON.stringify(failure.schedule.faults.map((fault) => ['host' in fault ? fault.host : '', fault.do])) === '[["A","service-stop"]]');
    expect(haproxy?.races).toEqual([{ kind: 'start', variant: "with B's start-up 42 ms shorter than the others'", kinds: [] }]);
    const [report] = failureReports({ ...result, failures: haproxy === undefined ? [] : [haproxy] }, (schedule) => scheduleScenario(exploreSpace(seedPair('buggy')), schedule));
    if (report === undefined) throw new Error('no report');
    const text = formatText([report], result.summary, new Map());
    expect(text).toContain("1 distinct failure (a race of keepalived's: failing in one outcome, not in another):");
    expect(text).toContain('  [collective-drift, stranded-service]  1 fault  RACE\n');
    expect(text).toContain("  a race of keepalived's, with another outcome:\n    as simulated: collective-drift, stranded-service\n    with B's start-up 42 ms shorter than the others': no failure\n");
    const line = JSON.parse(failureJson(report)) as Record<string, unknown>;
    expect(line['race']).toEqual({ outcomes: [{ variant: 'as simulated', kinds: ['collective-drift', 'stranded-service'] }, { kind: 'start', variant: "with B's start-up 42 ms shorter than the others'", kinds: [] }] });
    // explore merge reads it back.
    expect(racesFromJson(line['race'])).toEqual(haproxy?.races);
  });

  it('says nothing of a race where the failure happens in every outcome: a keepalived restart on A drifts whoever comes up first', async () => {
    const result = await exploreWith(seedPair('buggy'));
    const restart = result.failures.find((failure) => failure.key === 'collective-drift,stranded-service|A:stop');
    expect(restart).toBeDefined();
    expect(restart?.races).toBeUndefined();
    const reports = failureReports({ ...result, failures: restart === undefined ? [] : [restart] }, (schedule) => scheduleScenario(exploreSpace(seedPair('buggy')), schedule));
    expect(formatText(reports, result.summary, new Map())).not.toMatch(/RACE|race of keepalived/);
    expect(reports[0] === undefined ? '' : failureJson(reports[0])).not.toContain('"race"');
    // Starts 2 s apart are no race: no other order is within keepalived's start-up jitter.
    for (const failure of result.failures.filter((item) => item.schedule.start?.skewMs === 2000)) expect(failure.races, failure.key).toBeUndefined();
  });

  it('names a preempt_delay boundary outcome that lacks a kind, and none that fails alike or that has every kind', () => {
    const tie = { t: 7.468537, host: 'B', instance: 'VI_2', from: 'A' };
    const verdict = (kinds: string[]) => ({ kinds, failures: [], excused: [], transitions: [] });
    const runner = (kinds: string[]): Runner => ({
      space: exploreSpace(seedPair('fixed')),
      run: () => {
        throw new Error('not used');
      },
      raceOutcomes: () => [{ variant: { kind: 'preempt-boundary', tie, options: { preemptBoundary: { B: 'discard' } } }, verdict: verdict(kinds) }],
    });
    const schedule = { phase: 'start' as const, faults: [] };
    const result = {} as SimulationResult;
    expect(raceOutcomes(runner([]), schedule, result, ['slow-failover'])).toEqual([
      { kind: 'preempt-boundary', variant: "with B discarding A's advert that came exactly as its VI_2's preempt_delay ended (7.469 s)", kinds: [] },
    ]);
    expect(raceOutcomes(runner(['split-brain']), schedule, result, ['slow-failover', 'split-brain'])[0]?.kinds).toEqual(['split-brain']);
    expect(raceOutcomes(runner(['slow-failover']), schedule, result, ['slow-failover'])).toEqual([]);
    expect(raceOutcomes(runner(['flapping', 'slow-failover']), schedule, result, ['slow-failover'])).toEqual([]);
  });
});

describe('explore on config sets with one known fault each', () => {
  it('finds the unicast peer typo as a split brain with no fault at all', async () => {
    const result = await exploreWith(fixtureSet('unicast-typo'));
    expect(noFault(result).map((failure) => failure.kinds)).toEqual([['split-brain']]);
    expectReproducible(fixtureSet('unicast-typo'), result);
  });

  it('finds the split brain of a unicast_peer typo that shows only once the master\'s check fails: one fault, the service stop', async () => {
    // Issue 19: B's unicast_peer names 10.77.4.13 for A's .31; keepalived 2.2.7 held the VIP on both for the whole outage.
    const result = await exploreWith(fixtureSet('unicast-typo-takeover'));
    expect(singleFaults(result)).toContain('A:service-stop:split-brain');
    expect(noFault(result)).toEqual([]);
    const stop = result.failures.find((failure) => failure.key === 'split-brain|A:service-stop:nginx');
    expect(stop?.findings.map((finding) => finding.message).join('\n')).toMatch(/A never gets B's adverts: B's unicast_peer \(10\.77\.4\.13\) does not list 10\.77\.4\.31/);
    expectReproducible(fixtureSet('unicast-typo-takeover'), result);
  });

  it('gives hosts of an IPv6 unicast pair their IPv6 unicast_src_ip, and finds nothing with no fault where keepalived elected one master', async () => {
    // Issue 23: the hosts advertised from fe80::1 and fe80::2, which neither unicast_peer list
    // names: a split brain "with no fault" on a pair that elected one master every time in the lab.
    const base = fixtureSet('ipv6-unicast');
    expect(base.hosts.map((host) => [host.name, host.address6])).toEqual([['A', 'fd44::a'], ['B', 'fd44::b']]);
    const result = await exploreWith(base, 400);
    expect(noFault(result)).toEqual([]);
  });

  it('finds the IPv6 unicast peer typo (fd44::c for fd44::b) as a split brain with no fault at all', async () => {
    const result = await exploreWith(fixtureSet('ipv6-unicast-typo'), 400);
    expect(noFault(result).map((failure) => failure.kinds)).toEqual([['split-brain']]);
    expect(noFault(result)[0]?.findings.map((finding) => finding.message).join('\n')).toMatch(/B never gets A's adverts: A's unicast_peer \(fd44::c\) does not list fd44::b/);
    expectReproducible(fixtureSet('ipv6-unicast-typo'), result);
  });

  it('finds a weight too small as unhealthy-master after one service stop on the master', async () => {
    const result = await exploreWith(fixtureSet('weight-too-small'));
    expect(singleFaults(result)).toContain('A:service-stop:unhealthy-master');
    expect(noFault(result)).toEqual([]);
    expectReproducible(fixtureSet('weight-too-small'), result);
  });

  it('finds a track_interface weight too small (110 - 5 = 105 > 100) as unhealthy-master after one link-down of the tracked eth1 on A, and nothing on weight -20', async () => {
    const result = await exploreWith(fixtureSet('interface-weight-too-small'));
    expect(singleFaults(result)).toContain('A:link-down:unhealthy-master');
    const down = result.failures.find((failure) => failure.key === 'unhealthy-master|A:link-down:eth1');
    expect(down?.schedule.faults.map((fault) => ('interface' in fault ? fault.interface : undefined))).toEqual(['eth1']);
    expect(noFault(result)).toEqual([]);
    expectReproducible(fixtureSet('interface-weight-too-small'), result);
    const fixed = await exploreWith(fixtureSet('interface-weight'));
    expect(fixed.failures.map((failure) => failure.key)).toEqual([]);
    expect(fixed.summary.exhaustiveDepth).toBe(2);
  });

  it('finds the flapping pair flapping with no fault', async () => {
    const result = await exploreWith(fixtureSet('flapping'));
    expect(noFault(result).flatMap((failure) => failure.kinds)).toContain('flapping');
    expectReproducible(fixtureSet('flapping'), result);
  });

  it('finds the slow failover when the master stops or dies', async () => {
    const result = await exploreWith(fixtureSet('slow-failover'));
    const slow = result.failures.filter((failure) => failure.kinds.includes('slow-failover') && failure.schedule.faults.length === 1);
    expect(slow.map((failure) => failure.schedule.faults[0]?.do).sort()).toEqual(expect.arrayContaining(['kill', 'stop']));
    expectReproducible(fixtureSet('slow-failover'), result);
  });

  it('finds one VIP under two VRIDs as duplicate-vip with no fault', async () => {
    const result = await exploreWith(fixtureSet('duplicate-vip'));
    expect(noFault(result).flatMap((failure) => failure.kinds)).toContain('duplicate-vip');
    expectReproducible(fixtureSet('duplicate-vip'), result);
  });

  it('never names a host of the other cluster where two clusters share VRID 51 with other auth_pass and VIPs', async () => {
    const result = await exploreWith(fixtureSet('shared-vrid'));
    const sides = [new Set(['A', 'B']), new Set(['C', 'D'])];
    const findings = result.failures.flatMap((failure) => failure.findings).filter((finding) => finding.kind !== 'vrid-conflict');
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) expect(sides.some((side) => finding.hosts.every((host) => side.has(host))), finding.message).toBe(true);
    expect(singleFaults(result)).toEqual(expect.arrayContaining(['A:service-stop:unhealthy-master,vrid-conflict', 'C:service-stop:unhealthy-master,vrid-conflict']));
    expectReproducible(fixtureSet('shared-vrid'), result);
  });

  it('finds no slow failover in the three-node nginx cluster with nopreempt and preempt_delay, and blames nopreempt for the master kept on a failing check', async () => {
    const result = await exploreWith(fixtureSet('nginx-nopreempt'));
    expect(result.failures.filter((failure) => failure.kinds.includes('slow-failover')).map((failure) => failure.key)).toEqual([]);
    const stop = result.failures.find((failure) => failure.key === 'unhealthy-master|A:service-stop:nginx');
    expect(stop?.findings.map((finding) => finding.message).join('\n')).toMatch(/B \(100\) has nopreempt, and a BACKUP with nopreempt does not take over from a lower-priority master \(A at 150 - 60 \(chk_nginx\) = 90\)/);
    expectReproducible(fixtureSet('nginx-nopreempt'), result);
  });

  it('keeps a clean three-node cluster clean under every single fault and every pair', async () => {
    const result = await exploreWith(fixtureSet('three-node-clean'), 4000);
    expect(result.failures.map((failure) => failure.key)).toEqual([]);
    expect(result.summary.exhaustiveDepth).toBe(2);
  });
});

describe('the fault vocabulary', () => {
  it('writes 1 into a tracked file, which moves the VIP while it is there, and the pair stays clean', async () => {
    const base = fixtureSet('track-file');
    const space = exploreSpace(base);
    const write = space.vocabulary.find((fault) => fault.do === 'write' && fault.host === 'A');
    expect(write).toEqual({ do: 'write', host: 'A', path: '/etc/keepalived/drain', value: '1' });
    if (write === undefined) return;
    const outcome = runScenario(scheduleScenario(space, { phase: 'single', faults: [{ ...write, at: 20_000, until: 30_000 }] }), { keepLogs: false });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    const masters = outcome.result.records.filter((record) => record.type === 'transition' && record.to === 'MASTER').map((record) => `${record.host}@${Math.floor(record.t / 10) * 10}`);
    expect(masters).toEqual(['A@0', 'B@20', 'A@30']);
    const result = await exploreWith(base, 1500);
    expect(result.failures.map((failure) => failure.key)).toEqual([]);
  });

  it('leaves out the scripts keepalived would disable, and hangs the ones it runs', () => {
    const space = exploreSpace(seedPair('buggy'));
    const hangs = space.vocabulary.filter((fault) => fault.do === 'script-hang').map((fault) => (fault.do === 'script-hang' ? `${fault.host}:${fault.script}` : ''));
    expect(hangs).toEqual(['A:chk_haproxy', 'B:chk_haproxy']);
  });
});

describe('explore with a count budget is one answer', () => {
  it('gives the same failures, scenario for scenario, on one worker and on two', async () => {
    const base = seedPair('buggy');
    const one = await exploreWith(base, 1200, 1);
    const two = await exploreWith(base, 1200, 2);
    const space = exploreSpace(base);
    const yaml = (result: ExploreResult) => failureReports(result, (schedule) => scheduleScenario(space, schedule)).map((report) => report.yaml);
    expect(yaml(two)).toEqual(yaml(one));
    expect(two.summary.schedules).toBe(1200);
    // The summary too, byte for byte (but for the time taken): its excused kinds in name order.
    const summary = (result: ExploreResult) => JSON.stringify({ ...result.summary, seconds: 0 });
    expect(summary(two)).toBe(summary(one));
    expect(Object.keys(two.summary.excused)).toEqual(Object.keys(two.summary.excused).sort());
  });

  it('merges three shards into what one unsharded run finds', async () => {
    const base = seedPair('buggy');
    const whole = await exploreWith(base, 1500);
    const shards = await Promise.all([0, 1, 2].map((index) => explore(base, { seed: 1, depth: 2, budget: { kind: 'count', schedules: 1500 }, workers: 1, shard: { index, count: 3 } })));
    const merged = mergeShrunk(shards.flatMap((shard) => shard.failures));
    expect(merged.map((failure) => [failure.key, failure.origin.index, JSON.stringify(failure.schedule)])).toEqual(
      whole.failures.map((failure) => [failure.key, failure.origin.index, JSON.stringify(failure.schedule)]),
    );
    expect(shards.reduce((sum, shard) => sum + shard.summary.schedules, 0)).toBe(1500);
  });
});
