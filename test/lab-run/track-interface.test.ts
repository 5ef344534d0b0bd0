/**
 * track_interface weights as keepalived 2.2.7 applies them, recorded once in the lab
 * (`vrrplab lab test/fixtures/recordings/track-interface/VARIANT/scenario.yaml --compare --out …`, the
 * tracked eth1 a link of the host's own namespace taken down at 6 s and up at 14 s) and read back
 * here with no root: a 110/100 pair whose master tracks eth1 with weight -5 keeps the VIP with the
 * link down (110 -> 105, above 100); with weight -20 B takes over. simulate agrees with each, state
 * change by state change, and names the first an unhealthy master, the second nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/lab/compare.js';
import { readRecording } from '../../src/lab/recording.js';
import { loadHostConfig, runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ROOT } from '../sim/helpers.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/recordings/track-interface');

function both(variant: 'too-small' | 'fixed') {
  const loaded = loadScenario(path.join(FIXTURES, variant, 'scenario.yaml'));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const scenario = loaded.scenario;
  const configs = new Map(scenario.hosts.map((host) => [host.name, loadHostConfig(host, scenario.scripts, scenario.directory).config]));
  const recorded = readRecording(path.join(FIXTURES, variant, 'keepalived'), scenario, configs);
  const simulated = runScenario(scenario);
  if (!simulated.ok) throw new Error(simulated.errors.join('\n'));
  const log = fs.readFileSync(path.join(FIXTURES, variant, 'keepalived', 'A.log'), 'utf8');
  return { recorded, simulated: simulated.result, log };
}

describe('track_interface weights, keepalived 2.2.7 recorded in the lab', () => {
  it('weight -5: keepalived lowers A to 105 at the link-down and keeps it MASTER; simulate does the same and names an unhealthy master', () => {
    const { recorded, simulated, log } = both('too-small');
    expect(log).toMatch(/^6\.0\d\d .*Netlink reports eth1 down\n6\.0\d\d .*\(VI_1\) Changing effective priority from 110 to 105$/m);
    expect(log).toMatch(/^14\.0\d\d .*\(VI_1\) Changing effective priority from 105 to 110$/m);
    const comparison = compareRuns(simulated, recorded);
    expect(comparison.divergences.map((d) => d.message)).toEqual([]);
    expect(comparison.matched).toBe(3);
    for (const run of [recorded, simulated]) {
      expect(run.vips).toEqual({ A: ['10.99.0.100'], B: [] });
      expect(run.findings.map((f) => f.kind)).toEqual(['unhealthy-master']);
    }
    expect(simulated.findings[0]?.message).toContain("A's 110 - 5 (eth1 down) = 105 stays above B's 100");
    const priorities = (records: typeof simulated.records) => records.flatMap((r) => (r.type === 'priority' ? [`${r.host} ${r.from}->${r.to}`] : []));
    expect(priorities(simulated.records)).toEqual(priorities(recorded.records));
  });

  it('weight -20: keepalived lowers A to 90 and B takes the VIP about 3.2 s later, A takes it back after the link-up; simulate agrees within 50 ms and names nothing', () => {
    const { recorded, simulated, log } = both('fixed');
    expect(log).toMatch(/\(VI_1\) Changing effective priority from 110 to 90$/m);
    const comparison = compareRuns(simulated, recorded);
    expect(comparison.divergences.map((d) => d.message)).toEqual([]);
    expect(comparison.matched).toBe(7);
    expect(comparison.largestErrorS).toBeLessThanOrEqual(0.05);
    for (const run of [recorded, simulated]) {
      expect(run.findings).toEqual([]);
      expect(run.records.filter((r) => r.type === 'transition' && r.to === 'MASTER').map((r) => (r.type === 'transition' ? r.host : ''))).toEqual(['A', 'B', 'A']);
    }
  });
});
