/**
 * Configuration rollouts by SIGHUP as keepalived 2.2.7 performs them, recorded once in the lab
 * (`vrrplab lab test/fixtures/recordings/rollout/VARIANT/scenario*.yaml --compare --out …`, two hosts
 * in namespaces, VRID 51) and read back here with no root:
 * - a priority swap (150/100 -> 100/150), B reloaded at 8 s, A at 14 s: the VIP moves once, to B,
 *   about 3.4 s after A's reload (B, a BACKUP, discards A's lower-priority adverts until its
 *   Master_Down_Interval runs out);
 * - an advert_int change 1 -> 3 under VRRPv2, A (the master) reloaded at 8 s, B 6 s later: B rejects
 *   A's adverts ("advertisement interval mismatch") and takes over at 11.6 s, a split brain until
 *   B's reload; 1 s later instead, nothing happens.
 * - the same change reloaded on both (8 s, 9 s), then A killed at 15 s: B takes over at 23.63 s, 9.6 s
 *   after A's last advert (3 x 3 s + skew: the new advert_int is B's Master_Down_Interval at once);
 * - B reloaded 3.4 s after A (just before its old 3.6 s down timer ran out): no takeover, the reload
 *   moves B's running down timer to the new interval.
 * And keepalived 2.4.3's auth_hmac (`--keepalived PATH` of the 2.4.3 build, scenarios with
 * `keepalived-version: "2.4"`): the three sweeps and a key rotation in two steps, hitless; a key
 * added and made active on the master alone, a split brain.
 * simulate agrees with each, state change by state change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/lab/compare.js';
import { readRecording } from '../../src/lab/recording.js';
import { acrossChanges, loadHostConfig, rejudged, runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ROOT } from '../sim/helpers.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/recordings/rollout');

function both(scenarioFile: string, recording: string) {
  const loaded = loadScenario(path.join(FIXTURES, scenarioFile));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const scenario = loaded.scenario;
  const configs = new Map(scenario.hosts.map((host) => [host.name, loadHostConfig(host, scenario.scripts, scenario.directory, scenario.keepalivedVersion).config]));
  const dir = path.join(FIXTURES, recording);
  const recorded = readRecording(dir, scenario, configs);
  const simulated = runScenario(scenario);
  if (!simulated.ok) throw new Error(simulated.errors.join('\n'));
  const logs = { A: fs.readFileSync(path.join(dir, 'A.log'), 'utf8'), B: fs.readFileSync(path.join(dir, 'B.log'), 'utf8') };
  return { recorded, simulated: simulated.result, logs };
}

type Run = ReturnType<typeof both>['simulated'];
const masters = (run: Run) => run.records.flatMap((r) => (r.type === 'transition' && r.to === 'MASTER' ? [{ host: r.host, t: r.t }] : []));

describe('rollouts by SIGHUP, keepalived 2.2.7 recorded in the lab', () => {
  it('a priority swap reloaded on B then A moves the VIP once, to B, about 3.4 s after A\'s reload, in keepalived and in simulate', () => {
    const { recorded, simulated, logs } = both('priority-swap/scenario.yaml', 'priority-swap/keepalived');
    expect(logs.B).toMatch(/^8\.0\d\d .*Reloading$/m);
    expect(logs.A).toMatch(/^14\.0\d\d .*Reloading$/m);
    expect(logs.B).toMatch(/^17\.4\d\d .*\(VI_1\) Entering MASTER STATE$/m);
    const comparison = compareRuns(simulated, recorded);
    expect(comparison.divergences.map((d) => d.message)).toEqual([]);
    for (const run of [recorded, simulated]) {
      expect(masters(run).map((m) => m.host)).toEqual(['A', 'B']);
      const takeover = masters(run)[1]?.t ?? 0;
      expect(takeover).toBeGreaterThan(17.3);
      expect(takeover).toBeLessThan(17.6);
      expect(run.vips).toEqual({ A: [], B: ['10.99.0.100'] });
      expect(run.findings).toEqual([]);
    }
  });

  it('an advert_int change reloaded on the master, then on B 6 s later, is a split brain from B\'s takeover at 11.6 s to B\'s reload, in keepalived and in simulate', () => {
    const { recorded, simulated, logs } = both('advert-int/scenario-unsafe.yaml', 'advert-int/keepalived-unsafe');
    expect(logs.B).toMatch(/^8\.0\d\d .*\(VI_1\) advertisement interval mismatch mine=1 sec rcv'd=3 sec$/m);
    expect(logs.A).toMatch(/\(VI_1\) advertisement interval mismatch mine=3 sec rcv'd=1 sec$/m);
    const comparison = compareRuns(simulated, recorded);
    expect(comparison.divergences.map((d) => d.message)).toEqual([]);
    expect(comparison.largestErrorS).toBeLessThanOrEqual(0.1);
    for (const run of [recorded, simulated]) {
      expect(masters(run).map((m) => m.host)).toEqual(['A', 'B']);
      const split = run.findings.filter((f) => f.kind === 'split-brain');
      expect(split).toHaveLength(1);
      expect(split[0]?.from).toBeGreaterThan(11.5);
      expect(split[0]?.from).toBeLessThan(11.7);
      expect(split[0]?.to).toBeGreaterThan(13.99);
      expect(split[0]?.to).toBeLessThan(14.1);
      expect(run.vips).toEqual({ A: ['10.99.0.100'], B: [] });
    }
  });

  it('after the advert_int change B takes over 9.6 s after the killed master\'s last advert (the new Master_Down_Interval, at once), in keepalived and in simulate, and neither names a slow failover by the new configs', () => {
    const { recorded, simulated, logs } = both('advert-int/scenario-then-kill.yaml', 'advert-int/keepalived-then-kill');
    expect(logs.B).toMatch(/^23\.6\d\d .*\(VI_1\) Entering MASTER STATE$/m);
    const comparison = compareRuns(simulated, recorded);
    expect(comparison.divergences.map((d) => d.message)).toEqual([]);
    expect(comparison.largestErrorS).toBeLessThanOrEqual(0.1);
    const takeover = masters(simulated).at(-1);
    expect(takeover?.host).toBe('B');
    expect(takeover?.t).toBeCloseTo(23.611, 2);
    expect(simulated.findings).toEqual([]);
    // keepalived's run judged as the lab judges a rollout: by the new configs after the last reload.
    const finalConfigs = new Map(['A', 'B'].map((name) => [name, loadHostConfig({ name, address: '', configPath: path.join(FIXTURES, 'advert-int/new', `${name}.conf`) }, 'model', FIXTURES).config]));
    expect(recorded.findings.map((f) => f.kind)).toEqual(['slow-failover']);
    expect(acrossChanges(recorded.scenario, recorded.findings, rejudged(recorded, finalConfigs).findings)).toEqual([]);
  });

  it('B reloaded 3.4 s after A, just inside its old 3.6 s down timer, does not take over: the reload moves its running timer to the new interval, in keepalived and in simulate', () => {
    const { recorded, simulated, logs } = both('advert-int/scenario-gap.yaml', 'advert-int/keepalived-gap');
    expect(logs.B).toMatch(/^12\.4\d\d .*Reloading$/m);
    expect(compareRuns(simulated, recorded).divergences.map((d) => d.message)).toEqual([]);
    for (const run of [recorded, simulated]) {
      expect(masters(run).map((m) => m.host)).toEqual(['A']);
      expect(run.findings).toEqual([]);
    }
  });

  it('the same advert_int change with B reloaded 1 s after A (inside its Master_Down_Interval) keeps A master throughout, in keepalived and in simulate', () => {
    const { recorded, simulated, logs } = both('advert-int/scenario-safe.yaml', 'advert-int/keepalived-safe');
    expect(logs.B).toMatch(/^9\.0\d\d .*Reloading$/m);
    const comparison = compareRuns(simulated, recorded);
    expect(comparison.divergences.map((d) => d.message)).toEqual([]);
    for (const run of [recorded, simulated]) {
      expect(masters(run).map((m) => m.host)).toEqual(['A']);
      expect(run.findings).toEqual([]);
    }
  });
});

describe('auth_hmac rollouts by SIGHUP, keepalived 2.4.3 recorded in the lab', () => {
  it("the man page's three sweeps (receive-only, permissive, enforce) and a key rotation in two (key 2 added, then made active), each host 2 s after the other, change no state and log no rejection, in keepalived and in simulate", () => {
    const { recorded, simulated, logs } = both('hmac/scenario-sweeps.yaml', 'hmac/keepalived-sweeps');
    expect(logs.A).toMatch(/^26\.0\d\d .*Reload complete$/m);
    expect(logs.B).toMatch(/^28\.0\d\d .*Reload complete$/m);
    for (const log of [logs.A, logs.B]) expect(log).not.toMatch(/authentication|trailer|too long/);
    expect(compareRuns(simulated, recorded).divergences.map((d) => d.message)).toEqual([]);
    for (const run of [recorded, simulated]) {
      expect(masters(run).map((m) => m.host)).toEqual(['A']);
      expect(run.vips).toEqual({ A: ['10.99.0.100'], B: [] });
      expect(run.findings).toEqual([]);
    }
  });

  it('a key added and made active in one step on the master alone is a split brain from B\'s takeover 3.6 s later (B: "unknown authentication key id 2"), in keepalived and in simulate', () => {
    const { recorded, simulated, logs } = both('hmac/scenario-rush.yaml', 'hmac/keepalived-rush');
    expect(logs.B).toMatch(/^8\.0\d\d .*\(VI_1\) unknown authentication key id 2 from 10\.99\.0\.1$/m);
    expect(compareRuns(simulated, recorded).divergences.map((d) => d.message)).toEqual([]);
    for (const run of [recorded, simulated]) {
      expect(masters(run).map((m) => m.host)).toEqual(['A', 'B']);
      expect(masters(run)[1]!.t).toBeGreaterThan(11.5);
      expect(masters(run)[1]!.t).toBeLessThan(11.8);
      expect(run.findings.map((f) => f.kind)).toEqual(['split-brain']);
    }
  });
});
