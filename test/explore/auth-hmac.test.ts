/**
 * explore --keepalived-version 2.4: the hosts run keepalived 2.4.3's auth_hmac, so a key rotation
 * done in the wrong order (captures/auth-hmac/keyid: A sends with key 2, which B lacks) is a split
 * brain without any fault, as 2.4.3 showed; the same hosts with one key (enforce) fail only with
 * faults. The header names the release; under 2.2 it still says auth_hmac is not modelled.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explore } from '../../src/explore/explore.js';
import { failureReports } from '../../src/explore/report.js';
import { exploreSpace } from '../../src/explore/space.js';
import { scheduleScenario } from '../../src/explore/plan.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { runScenario } from '../../src/sim/run.js';
import { KEEPALIVED_24_MODEL } from '../../src/config/version.js';
import { ROOT } from '../sim/helpers.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-hmac-explore-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function base(name: string, version?: '2.4'): Scenario {
  const dir = path.join(ROOT, 'captures/auth-hmac', name);
  const yaml = `name: ${name}\nduration: 20s\nhosts:\n  A: { config: ${dir}/A.conf, address: 172.16.25.1 }\n  B: { config: ${dir}/B.conf, address: 172.16.25.2 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - { at: 0s, host: B, do: start }\n`;
  const parsed = parseScenario(yaml, dir, `${name}.yaml`);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return version === undefined ? parsed.scenario : { ...parsed.scenario, keepalivedVersion: version };
}

const search = (scenario: Scenario) => explore(scenario, { seed: 1, depth: 0, budget: { kind: 'count', schedules: 20 }, workers: 1 });

describe('explore with keepalived 2.4 auth_hmac', () => {
  it('finds the split brain of a key rotation done in the wrong order with no fault, and names 2.4.3 in the header', async () => {
    const result = await search(base('keyid', '2.4'));
    expect(result.summary.notes?.[0]).toBe(`hosts run as keepalived 2.4.3 (${KEEPALIVED_24_MODEL}; the faults searched include each host's wall clock stepping past the auth_hmac time window, which the lab cannot play (--confirm does not run those))`);
    expect(result.summary.notes?.join('\n')).not.toContain('auth_hmac (keepalived 2.4) is not modelled');
    const noFault = result.failures.filter((f) => f.schedule.faults.length === 0);
    expect(noFault.length).toBeGreaterThan(0);
    expect(noFault.flatMap((f) => f.kinds)).toContain('split-brain');
  });

  it("searches a step of each host's wall clock past the time window (+30 s for 2.4.3's default 5 s) only where anti_replay time judges send times", () => {
    const steps = (scenario: Scenario) => exploreSpace(scenario).vocabulary.filter((fault) => fault.do === 'clock-step');
    expect(steps(base('enforce', '2.4'))).toEqual([{ do: 'clock-step', host: 'A', byMs: 30_000 }, { do: 'clock-step', host: 'B', byMs: 30_000 }]);
    // Read as 2.2.7, the auth_hmac block means nothing: no clock matters.
    expect(steps(base('enforce'))).toEqual([]);
  });

  it('finds the split brain of a wall clock stepped past the time window on the enforce pair (2.4.3 recorded it for a clock 30 s ahead: "stale authentication trailer")', async () => {
    const result = await explore(base('enforce', '2.4'), { seed: 1, depth: 1, budget: { kind: 'count', schedules: 3000 }, workers: 1 });
    const stepped = result.failures.filter((f) => f.schedule.faults.length === 1 && f.schedule.faults[0]!.do === 'clock-step');
    expect(stepped.map((f) => f.kinds)).toContainEqual(['split-brain']);
  });

  it("is not confirmed in the lab, which cannot step or offset one host's clock: the run is refused and says why, rather than called not reproduced", async () => {
    const { runLab } = await import('../../src/lab/run.js');
    const scenario = base('enforce', '2.4');
    const stepped = { ...scenario, timeline: [...scenario.timeline, { atMs: 9000, do: 'clock-step' as const, host: 'A', byMs: 30_000 }] };
    const outcome = await runLab(stepped);
    expect(outcome.ok).toBe(false);
    expect(outcome.ok ? [] : outcome.errors).toEqual([expect.stringContaining("the lab cannot offset or step a host's wall clock (keepalived reads the machine's clock): A's clock-step at 9 s")]);
  });

  it('finds no fault-free failure where both hosts hold the key (enforce)', async () => {
    const result = await search(base('enforce', '2.4'));
    expect(result.failures.filter((f) => f.schedule.faults.length === 0)).toEqual([]);
  });

  it('writes keepalived-version: 2.4 into the failing scenario, which simulate replays to the same split brain', async () => {
    const scenario = base('keyid', '2.4');
    const result = await search(scenario);
    const reports = failureReports(result, (schedule) => scheduleScenario(exploreSpace(scenario), schedule), false);
    const yaml = reports[0]!.yaml;
    expect(yaml, yaml).toMatch(/^keepalived-version: "2\.4"$/m);
    const file = path.join(scratch, 'f.yaml');
    fs.writeFileSync(file, yaml);
    const again = parseScenario(yaml, scratch, 'f.yaml');
    if (!again.ok) throw new Error(again.errors.join('\n'));
    const outcome = runScenario(again.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    expect(outcome.result.findings.map((f) => f.kind)).toContain('split-brain');
  });

  it('under 2.2 says auth_hmac is not modelled', async () => {
    const result = await search(base('keyid'));
    expect(result.summary.notes?.[0]).toBe('hosts run as keepalived 2.2.7');
    expect(result.summary.notes?.some((n) => n.startsWith('auth_hmac (keepalived 2.4) is not modelled'))).toBe(true);
  });
});
