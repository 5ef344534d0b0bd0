import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from '../helpers.js';
import { failures, simulateSet } from './helpers.js';

const BOTH_START = ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }'];

describe('slow-failover', () => {
  it('names a slow failover when the only backup cannot take over because its link is down, as expected under those faults', () => {
    const result = simulate(seedScenario('fixed', '40s', [...BOTH_START, '{ at: 10s, host: B, do: link-down }', '{ at: 11s, host: A, do: kill }', '{ at: 20s, host: B, do: link-up }']));
    const slow = result.findings.filter((finding) => finding.kind === 'slow-failover' && finding.message.startsWith('VRID 125 '));
    expect(slow).toHaveLength(1);
    expect(slow[0]?.from).toBe(11);
    expect(slow[0]?.to).toBeGreaterThan(20);
    // B took over within Master_Down_Interval of its link coming back: the faults explain the gap.
    expect(slow[0]?.byDesign).toBe(true);
    expect(slow[0]?.duringFaults).toEqual(['B link-down', 'A kill']);
  });

  it('does not call an ordinary failover after a crash slow', () => {
    const result = simulate(seedScenario('fixed', '30s', [...BOTH_START, '{ at: 10s, host: A, do: kill }']));
    expect(result.findings.filter((finding) => finding.kind === 'slow-failover')).toEqual([]);
    // A killed keepalived leaves its VIPs behind, as the real one does.
    expect(result.vips['A']).toEqual(['172.16.25.10']);
    expect(result.vips['B']).toEqual(['172.16.25.10', '172.16.25.11']);
  });

  it('is named when the only backup sits in FAULT through its own notify script while the master is away', () => {
    const result = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']);
    const slow = failures(result).filter((finding) => finding.kind === 'slow-failover');
    expect(slow).toHaveLength(1);
    expect(slow[0]?.from).toBe(10);
    expect(slow[0]?.to).toBeGreaterThan(20);
    expect(slow[0]?.message).toMatch(/although B \(in FAULT: chk_nginx failing, weight 0\) ran keepalived with no injected fault/);
  });

  it('is named until the end when nobody ever takes over', () => {
    const result = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: kill }']);
    const slow = failures(result).filter((finding) => finding.kind === 'slow-failover');
    expect(slow.map((finding) => [finding.from, finding.to])).toEqual([[10, 40]]);
  });

  it('is not named for an ordinary failover in the clean set', () => {
    for (const fault of ['kill', 'stop', 'link-down']) {
      const result = simulateSet('three-node-clean', '30s', [`{ at: 10s, host: A, do: ${fault} }`]);
      expect(failures(result)).toEqual([]);
    }
  });
});

describe('slow-failover: only past what VRRP allows the hosts still running, never blaming one that went (issue 19)', () => {
  it('is not named when a higher-priority host started a moment later wins within its own Master_Down_Interval', () => {
    // B (100) is BACKUP from 0.07 s, A (150) from 0.22 s: A's 3.414 s beats B's 3.609 s, 3.56 s after B came up.
    const result = simulateSet('nginx-nopreempt', '20s', [], undefined, { A: 0.15, B: 0, C: 0 });
    const first = result.records.find((record) => record.type === 'transition' && record.to === 'MASTER');
    expect(first?.type === 'transition' ? [first.host, first.t] : []).toEqual(['A', expect.closeTo(3.634, 2)]);
    expect(result.findings.filter((finding) => finding.kind === 'slow-failover')).toEqual([]);
  });

  it('is named when the backup that could take over is held in FAULT by its own notify, and never blames it once killed before its deadline', () => {
    const held = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']);
    expect(failures(held).filter((finding) => finding.kind === 'slow-failover').map((finding) => finding.message)).toEqual([expect.stringMatching(/although B \(in FAULT: chk_nginx failing, weight 0\) ran keepalived/)]);
    // B's keepalived killed at 12 s: the gap is the faults' doing, and B is not blamed.
    const killed = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: stop }', '{ at: 12s, host: B, do: kill }', '{ at: 20s, host: A, do: start }']);
    const slow = killed.findings.filter((finding) => finding.kind === 'slow-failover');
    expect(slow.length).toBeGreaterThan(0);
    for (const finding of slow) {
      expect(finding.byDesign).toBe(true);
      expect(finding.message).not.toMatch(/although/);
    }
    // Killed at 17 s only, B had sat in FAULT past its deadline (about 14 s): it is blamed for that.
    const late = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: stop }', '{ at: 17s, host: B, do: kill }', '{ at: 20s, host: A, do: start }']);
    expect(failures(late).filter((finding) => finding.kind === 'slow-failover').map((finding) => finding.message)).toEqual([expect.stringMatching(/although B \(in FAULT: chk_nginx failing, weight 0\) ran keepalived/)]);
  });

  it('judges each cluster sharing a VRID on its own gap, naming neither the other cluster nor its master', () => {
    // A killed while B's link is down: cluster A/B has no master for a while, though C holds VRID 51 for its own VIP.
    const result = simulateSet('shared-vrid', '40s', ['{ at: 10s, host: B, do: link-down }', '{ at: 10.5s, host: A, do: kill }', '{ at: 20s, host: B, do: link-up }']);
    const slow = result.findings.filter((finding) => finding.kind === 'slow-failover');
    expect(slow.map((finding) => [finding.hosts.sort(), finding.byDesign])).toEqual([[['A', 'B'], true]]);
    expect(slow[0]?.from).toBeCloseTo(10.5, 1);
    expect(slow[0]?.to).toBeGreaterThan(20);
  });
});
