/**
 * The explore judge applies the simulator's findings: a split brain counts unless the simulator
 * found it by design (network faults between the masters for as long as it lasted), whatever
 * host fault was in force (issue 19).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeRunner } from '../../src/explore/judge.js';
import { formatText } from '../../src/explore/report.js';
import { exploreSpace, scenarioFromHosts, type Fault } from '../../src/explore/space.js';
import { EXPLORE_FIXTURES, fixtureHosts } from '../sim/findings/helpers.js';

function runnerOf(set: string) {
  const base = scenarioFromHosts(fixtureHosts(set).map((name) => ({ name, root: path.join(EXPLORE_FIXTURES, set, name) })), 1);
  return makeRunner(exploreSpace(base));
}

describe('the explore judge', () => {
  const typo = runnerOf('unicast-typo-takeover');

  it('counts a split brain that a service stop on one side of a unicast_peer typo causes, though the fault is undone right after', () => {
    const stop: Fault = { do: 'service-stop', host: 'A', service: 'nginx', at: 18_000, until: 30_000 };
    const { verdict } = typo.run({ phase: 'single', faults: [stop] });
    expect(verdict.kinds).toEqual(['split-brain']);
    expect(verdict.excused).toEqual([]);
  });

  it('excuses the split brain of a partition that ends with it', () => {
    const partition: Fault = { do: 'partition', groups: [['A'], ['B']], at: 18_000, until: 26_000 };
    const { verdict } = typo.run({ phase: 'single', faults: [partition] });
    expect(verdict.kinds).toEqual([]);
    expect(verdict.excused.map((finding) => finding.kind)).toContain('split-brain');
  });

  it('says in its report that an excused split brain lasted only while the network separated the masters', () => {
    const summary = { schedules: 1, seconds: 0, failures: 0, exhaustiveDepth: 1, phases: [], excused: { 'split-brain': 3 } };
    const text = formatText([], summary, new Map());
    expect(text).toMatch(/split-brain in 3 schedules \(two masters only while a partition, packet loss or delay separated them: VRRP by design\)/);
    expect(text).not.toMatch(/cannot hear each other/);
  });
});
