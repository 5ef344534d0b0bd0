/**
 * The differential campaign's fixed divergences (test/fixtures/differential/), each a scenario with a
 * recording of real keepalived 2.2.7 running it: the recording read back as records (as `vrrplab lab`
 * reads its own runs) agrees with a simulation of the scenario, state change by state change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/lab/compare.js';
import { readRecording } from '../../src/lab/recording.js';
import { loadHostConfig, runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ROOT } from '../sim/helpers.js';

const FIXTURES = path.join(ROOT, 'test/fixtures/differential');
const cases = fs.readdirSync(FIXTURES).filter((name) => fs.existsSync(path.join(FIXTURES, name, 'scenario.yaml')));

describe('divergences the campaign found, kept with keepalived recordings', () => {
  it('there is at least one', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const name of cases) {
    it(`${name}: simulate agrees with the recording of keepalived`, () => {
      const loaded = loadScenario(path.join(FIXTURES, name, 'scenario.yaml'));
      if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
      const scenario = loaded.scenario;
      const configs = new Map(scenario.hosts.map((host) => [host.name, loadHostConfig(host, scenario.scripts, scenario.directory).config]));
      const recorded = readRecording(path.join(FIXTURES, name, 'keepalived'), scenario, configs);
      const simulated = runScenario(scenario);
      if (!simulated.ok) throw new Error(simulated.errors.join('\n'));
      const comparison = compareRuns(simulated.result, recorded);
      expect(comparison.divergences.map((d) => d.message)).toEqual([]);
      expect(comparison.matched).toBeGreaterThan(4);
    });
  }
});
