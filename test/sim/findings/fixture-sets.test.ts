import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIM_FINDING_KINDS } from '../../../src/sim/findings.js';
import { runScenario } from '../../../src/sim/run.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { EXPLORE_FIXTURES, failures, kinds, simulateSet } from './helpers.js';

/** Every fault explore injects, each with its undoing, on the home host A of the clean set. */
const FAULTS: Record<string, string[]> = {
  'nginx stop/start on A': ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 20s, host: A, do: service-start, service: nginx }'],
  'nginx stop/start on B': ['{ at: 10s, host: B, do: service-stop, service: nginx }', '{ at: 20s, host: B, do: service-start, service: nginx }'],
  'a one-second nginx blip on A': ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 11s, host: A, do: service-start, service: nginx }'],
  'kill/start of A': ['{ at: 10s, host: A, do: kill }', '{ at: 20s, host: A, do: start }'],
  'kill/start of B': ['{ at: 10s, host: B, do: kill }', '{ at: 20s, host: B, do: start }'],
  'stop/start of A': ['{ at: 10s, host: A, do: stop }', '{ at: 20s, host: A, do: start }'],
  'link down/up on A': ['{ at: 10s, host: A, do: link-down }', '{ at: 20s, host: A, do: link-up }'],
  'partition A | B+C and heal': ['{ at: 10s, do: partition, groups: [[A], [B, C]] }', '{ at: 20s, do: heal }'],
  'partition A+C | B and heal': ['{ at: 10s, do: partition, groups: [[A, C], [B]] }', '{ at: 20s, do: heal }'],
  'a burst of 60% loss': ['{ at: 10s, do: loss, percent: 60 }', '{ at: 20s, do: loss, percent: 0 }'],
};

describe('the clean three-node set under every fault explore injects', () => {
  for (const [name, timeline] of Object.entries(FAULTS)) {
    it(`finds no failure in the clean three-node set under ${name}`, () => {
      for (const seed of [1, 2]) {
        const result = simulateSet('three-node-clean', '45s', timeline, seed);
        expect(failures(result)).toEqual([]);
        // Whatever happened, the VIPs are back home at the end.
        expect(result.vips['A']).toContain('192.168.50.10');
        expect(result.vips['B']).toContain('192.168.50.11');
      }
    });
  }
});

describe('the fixture sets', () => {
  const expected: Record<string, string[]> = {
    'three-node-clean': [],
    'weight-too-small': ['unhealthy-master'],
    'duplicate-vip': ['duplicate-vip'],
    'unicast-typo': ['split-brain'],
    flapping: ['flapping'],
    'slow-failover': ['slow-failover', 'stranded-service'],
    'track-file': [],
    'unicast-typo-takeover': ['split-brain'],
    'shared-vrid': ['unhealthy-master', 'vrid-conflict'],
    'nginx-nopreempt': ['unhealthy-master'],
    'postgres-sync': [],
    'interface-weight-too-small': ['unhealthy-master'],
    'interface-weight': [],
    'ipv6-unicast': [],
    'ipv6-unicast-typo': ['split-brain'],
  };

  it('each have a one-line README and scenarios that give the failure they are named for', () => {
    const sets = fs.readdirSync(EXPLORE_FIXTURES).filter((name) => fs.statSync(path.join(EXPLORE_FIXTURES, name)).isDirectory());
    expect(sets.sort()).toEqual(Object.keys(expected).sort());
    for (const set of sets) {
      expect(fs.readFileSync(path.join(EXPLORE_FIXTURES, set, 'README.md'), 'utf8').trim().length).toBeGreaterThan(20);
      const scenarios = fs.readdirSync(path.join(EXPLORE_FIXTURES, set, 'scenarios')).filter((name) => name.endsWith('.yaml'));
      expect(scenarios.length).toBeGreaterThan(0);
      for (const file of scenarios) {
        const loaded = loadScenario(path.join(EXPLORE_FIXTURES, set, 'scenarios', file));
        if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
        const outcome = runScenario(loaded.scenario);
        if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
        expect(kinds(failures(outcome.result)), `${set}/${file}`).toEqual(expected[set]);
      }
    }
  });

  it('only use finding kinds the simulator knows', () => {
    for (const list of Object.values(expected)) for (const kind of list) expect(SIM_FINDING_KINDS).toContain(kind);
  });
});
