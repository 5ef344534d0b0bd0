import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from '../helpers.js';
import { failures, simulateSet } from './helpers.js';

const BOTH_START = ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }'];

describe('split-brain', () => {
  it('names a split brain when a partition makes both hosts MASTER for longer than an advert interval', () => {
    const result = simulate(seedScenario('fixed', '30s', [...BOTH_START, '{ at: 10s, do: partition, groups: [[A], [B]] }', '{ at: 20s, do: heal }']));
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split.map((finding) => finding.message).join('\n')).toMatch(/VRID 125/);
    expect(split.map((finding) => finding.message).join('\n')).toMatch(/VRID 126/);
    for (const finding of split) {
      expect(finding.byDesign).toBe(true);
      expect(finding.message).toMatch(/during a partition: expected of VRRP$/);
      expect(finding.from).toBeGreaterThan(13);
      // After the heal, the split ends with the first advert that crosses: within one interval.
      expect(finding.to).toBeGreaterThanOrEqual(20);
      expect(finding.to).toBeLessThan(21);
    }
  });
});

describe('split brain during a partition', () => {
  it('is reported while a partition lasts but marked as expected of VRRP', () => {
    const result = simulateSet('three-node-clean', '30s', ['{ at: 10s, do: partition, groups: [[A], [B, C]] }', '{ at: 20s, do: heal }']);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split.length).toBeGreaterThan(0);
    for (const finding of split) {
      expect(finding.byDesign).toBe(true);
      expect(finding.message).toMatch(/during a partition: expected of VRRP/);
      expect(finding.duringFaults).toEqual(['partition A | B+C']);
      expect(finding.to).toBeGreaterThanOrEqual(20);
      expect(finding.to).toBeLessThan(21.1);
    }
  });

  it('is a failure when it happens with no fault at all, as with a unicast peer typo', () => {
    const result = simulateSet('unicast-typo', '30s');
    const split = failures(result).filter((finding) => finding.kind === 'split-brain');
    expect(split).toHaveLength(1);
    expect(split[0]?.hosts.sort()).toEqual(['A', 'B']);
    expect(split[0]?.to).toBe(30);
    expect(split[0]?.duringFaults).toBeUndefined();
  });

  it('is a failure when it outlives the heal, and says by how much', () => {
    // B is stopped before the partition and starts during it, so the split brain begins there; the typo keeps it after the heal.
    const result = simulateSet('unicast-typo', '40s', ['{ at: 0.8s, host: B, do: stop }', '{ at: 5s, do: partition, groups: [[A], [B]] }', '{ at: 6s, host: B, do: start }', '{ at: 20s, do: heal }']);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split).toHaveLength(1);
    expect(split[0]?.byDesign).toBeUndefined();
    expect(split[0]?.from).toBeGreaterThan(6);
    expect(split[0]?.to).toBe(40);
    expect(split[0]?.message).toMatch(/outliving the end of partition A \| B at 20\.000 s by 20\.000 s/);
  });
});
