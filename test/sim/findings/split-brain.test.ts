import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from '../helpers.js';
import { failures, simulateSet, variant } from './helpers.js';

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

describe('split-brain: only a network fault between the masters excuses it (issue 19)', () => {
  const NGINX_DOWN_ON_A = ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 30s, host: A, do: service-start, service: nginx }'];

  it('is a failure when a failing check hands over to a host whose unicast_peer misses the master, and names the typo', () => {
    const result = simulateSet('unicast-typo-takeover', '45s', NGINX_DOWN_ON_A);
    const split = failures(result).filter((finding) => finding.kind === 'split-brain');
    expect(split).toHaveLength(1);
    expect(split[0]?.hosts.sort()).toEqual(['A', 'B']);
    // chk_nginx (fall 2 x interval 1) drops A to 81 by 12 s, B takes over a Master_Down_Interval later;
    // the split ends once A's check is back (rise 2) and B hears A's 101.
    expect(split[0]?.from).toBeGreaterThan(13);
    expect(split[0]?.from).toBeLessThan(16);
    expect(split[0]?.to).toBeGreaterThan(30);
    expect(split[0]?.to).toBeLessThan(33);
    expect(split[0]?.duringFaults).toEqual(['A service-stop nginx']);
    expect(split[0]?.message).toMatch(/A never gets B's adverts: B's unicast_peer \(10\.77\.4\.13\) does not list 10\.77\.4\.31$/);
  });

  it('is not named for the same pair and fault once the unicast_peer is right', () => {
    const fixed = variant('unicast-typo-takeover', (text) => text.replace('10.77.4.13', '10.77.4.31'));
    const result = simulateSet(fixed, '45s', NGINX_DOWN_ON_A);
    expect(result.findings.filter((finding) => finding.kind === 'split-brain')).toEqual([]);
    // B did take over while A's check failed: a failover, not a split brain.
    expect(result.records.some((record) => record.type === 'transition' && record.host === 'B' && record.to === 'MASTER')).toBe(true);
  });

  it('is not named for two clusters that share a VRID with other VIPs: that is a vrid-conflict', () => {
    const result = simulateSet('shared-vrid', '30s');
    expect(result.findings.map((finding) => finding.kind)).toEqual(['vrid-conflict']);
    // Both A and C are MASTER of VRID 51 all along, each of its own VIP.
    expect(result.vips).toEqual({ A: ['192.168.60.10'], B: [], C: ['192.168.60.20'], D: [] });
  });

  it('is a failure, naming the auth_pass, when two configurations of one VRID hold the same VIP', () => {
    const same = variant('shared-vrid', (text) => text.replace('192.168.60.20', '192.168.60.10'));
    const split = failures(simulateSet(same, '30s')).filter((finding) => finding.kind === 'split-brain');
    expect(split.map((finding) => finding.hosts.sort())).toEqual([['A', 'C']]);
    expect(split[0]?.message).toMatch(/C rejects A's adverts \(other auth_pass\); A rejects C's adverts \(other auth_pass\)|A rejects C's adverts \(other auth_pass\); C rejects A's adverts \(other auth_pass\)/);
  });

  it('stays expected of VRRP while one partition follows another, both separating the masters', () => {
    const result = simulateSet('three-node-clean', '35s', [
      '{ at: 10s, do: partition, groups: [[A], [B, C]] }',
      '{ at: 15s, do: partition, groups: [[B], [A, C]] }',
      '{ at: 20s, do: heal }',
    ]);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split.length).toBeGreaterThan(0);
    expect(split.filter((finding) => finding.hosts.includes('A') && finding.hosts.includes('B')).length).toBeGreaterThan(0);
    for (const finding of split) expect(finding.byDesign, finding.message).toBe(true);
  });

  it('stays expected of VRRP when another cluster on the VRID holds back the first advert after the heal', () => {
    // C's advert timer is re-armed by A's packet right after the heal: the advert that ends the split comes up to two intervals later.
    const result = simulateSet('shared-vrid', '45s', ['{ at: 22s, host: A, do: kill }', '{ at: 25.105s, do: partition, groups: [[C], [A, B, D]] }', '{ at: 30s, host: A, do: start }', '{ at: 33.105s, do: heal }']);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split.map((finding) => finding.hosts.sort())).toEqual([['C', 'D']]);
    expect(split[0]?.to).toBeGreaterThan(33.105 + 1.1);
    expect(split[0]?.byDesign).toBe(true);
  });

  it('is a failure when it began under a host fault alone, though a partition came later', () => {
    const result = simulateSet('unicast-typo-takeover', '45s', [...NGINX_DOWN_ON_A, '{ at: 20s, do: partition, groups: [[A], [B]] }', '{ at: 25s, do: heal }']);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split.map((finding) => finding.byDesign)).toEqual([undefined]);
    expect(split[0]?.from).toBeLessThan(20);
  });
});
