import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from './helpers.js';

const BOTH_START = ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }'];

describe('simulation findings', () => {
  it('names a collective drift and a stranded haproxy when the buggy notify script stops haproxy on BACKUP', () => {
    const result = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));
    expect(result.vips).toEqual({ A: [], B: ['172.16.25.10', '172.16.25.11'] });
    const kinds = result.findings.map((finding) => finding.kind);
    expect(kinds).toContain('collective-drift');
    expect(kinds).toContain('stranded-service');
    const drift = result.findings.filter((finding) => finding.kind === 'collective-drift').at(-1);
    expect(drift?.hosts).toEqual(['B', 'A']);
    expect(drift?.to).toBe(40);
  });

  it('calls a service stranded on a host whose keepalived was stopped for good expected, not a failure', () => {
    // B's notify backup stops its haproxy at start-up, and A takes both VIPs (the drift); then B goes.
    const result = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: B, do: stop }']));
    const stranded = result.findings.filter((finding) => finding.kind === 'stranded-service');
    expect(stranded.map((finding) => [finding.hosts, finding.byDesign])).toEqual([[['B'], true]]);
    expect(stranded[0]?.message).toMatch(/^haproxy on B was stopped by notify backup .* on a host whose keepalived the scenario stopped for good: expected$/);
    // Started again, B's stranded haproxy is a failure.
    const restarted = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: B, do: stop }', '{ at: 20s, host: B, do: start }']));
    const again = restarted.findings.filter((finding) => finding.kind === 'stranded-service');
    expect(again.map((finding) => [finding.hosts, finding.byDesign])).toEqual([[['B'], undefined]]);
  });

  it('finds nothing when the fixed notify script keeps haproxy running and the VIPs return home', () => {
    const result = simulate(seedScenario('fixed', '40s', [...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));
    expect(result.vips).toEqual({ A: ['172.16.25.10'], B: ['172.16.25.11'] });
    expect(result.findings).toEqual([]);
  });

  it('does not call a failover caused by an injected haproxy stop a drift', () => {
    const result = simulate(seedScenario('fixed', '40s', [...BOTH_START, '{ at: 12s, host: A, do: service-stop, service: haproxy }', '{ at: 20s, host: A, do: service-start, service: haproxy }']));
    expect(result.findings).toEqual([]);
    expect(result.vips).toEqual({ A: ['172.16.25.10'], B: ['172.16.25.11'] });
  });

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

  it('does not call state changes flapping when each follows an injected haproxy bounce on A', () => {
    const bounces = Array.from({ length: 6 }, (_, index) => [
      `{ at: ${10 + index * 8}s, host: A, do: service-stop, service: haproxy }`,
      `{ at: ${14 + index * 8}s, host: A, do: service-start, service: haproxy }`,
    ]).flat();
    const result = simulate(seedScenario('fixed', '70s', [...BOTH_START, ...bounces]));
    // VI_1 does move back and forth, twice per bounce: the cluster doing what the faults ask.
    const moves = result.records.filter((record) => record.type === 'transition' && record.host === 'A' && record.instance === 'VI_1' && record.from !== 'INIT');
    expect(moves.length).toBeGreaterThan(8);
    expect(result.findings.filter((finding) => finding.kind === 'flapping')).toEqual([]);
  });

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
});
