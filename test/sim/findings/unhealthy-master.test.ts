import { describe, expect, it } from 'vitest';
import { failures, kinds, simulateSet, variant } from './helpers.js';

describe('unhealthy-master', () => {
  it('is named when a check weight of -20 cannot move the VIP from 150 to 100 after nginx stops on the master', () => {
    const result = simulateSet('weight-too-small', '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 25s, host: A, do: service-start, service: nginx }']);
    expect(kinds(failures(result))).toEqual(['unhealthy-master']);
    const finding = result.findings[0];
    expect(finding?.hosts).toEqual(['A', 'B']);
    expect(finding?.instances).toEqual(['A/VI_1', 'B/VI_1']);
    // chk_nginx (fall 2 x interval 2) notices by 14 s; it recovers (rise 2) by 29 s.
    expect(finding?.from).toBeGreaterThan(10);
    expect(finding?.from).toBeLessThanOrEqual(14.2);
    expect(finding?.to).toBeGreaterThan(25);
    expect(finding?.to).toBeLessThanOrEqual(29.2);
    expect(finding?.duringFaults).toEqual(['A service-stop nginx']);
    expect(finding?.message).toMatch(/A stayed MASTER of VI_1 .* while chk_nginx failed there, although B passed every check/);
    expect(result.vips).toEqual({ A: ['192.168.50.10'], B: [] });
  });

  it('is not named when the failing check is on the backup, or nothing fails', () => {
    expect(failures(simulateSet('weight-too-small', '40s'))).toEqual([]);
    expect(failures(simulateSet('weight-too-small', '40s', ['{ at: 10s, host: B, do: service-stop, service: nginx }']))).toEqual([]);
  });

  it('is not named when every peer fails the check as well', () => {
    const result = simulateSet('weight-too-small', '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 10s, host: B, do: service-stop, service: nginx }']);
    expect(kinds(failures(result))).not.toContain('unhealthy-master');
  });

  it('is not named for a weight-0 check: keepalived puts the master in FAULT and the VIP moves', () => {
    const set = variant('weight-too-small', (text) => text.replace('weight -20', 'weight 0'));
    const result = simulateSet(set, '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }']);
    expect(failures(result)).toEqual([]);
    expect(result.vips).toEqual({ A: [], B: ['192.168.50.10'] });
  });

  it('is not named for a script that no instance tracks', () => {
    const set = variant('weight-too-small', (text) => text.replace(/\n {4}track_script \{\n {8}chk_nginx\n {4}\}/, ''));
    const result = simulateSet(set, '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }']);
    expect(failures(result)).toEqual([]);
  });

  it('is named for a reverse weight whose check succeeding lowers the priority', () => {
    const set = variant('weight-too-small', (text) => text.replace('weight -20', 'weight 20 reverse'));
    // With `reverse`, nginx running is what lowers A's priority (to 130): A is master with that check "bad" and B is not.
    const result = simulateSet(set, '30s', ['{ at: 0s, host: B, do: service-stop, service: nginx }']);
    expect(kinds(failures(result))).toEqual(['unhealthy-master']);
  });
});

describe('unhealthy-master names only hosts of the master\'s cluster, and the cause (issue 19)', () => {
  const NGINX_DOWN_ON_A = ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 25s, host: A, do: service-start, service: nginx }'];

  it('names B of its own cluster, never C or D of the cluster that shares VRID 51 with another auth_pass and VIP', () => {
    const result = simulateSet('shared-vrid', '40s', NGINX_DOWN_ON_A);
    const unhealthy = result.findings.filter((finding) => finding.kind === 'unhealthy-master');
    expect(unhealthy.map((finding) => finding.hosts)).toEqual([['A', 'B']]);
    expect(unhealthy[0]?.message).toMatch(/although B passed every check and could hold it: the check's weight does not move the VIP: A's 150 - 20 \(chk_nginx\) = 130 stays above B's 100$/);
  });

  it('names D when C, master of the other cluster, fails its check: each cluster its own', () => {
    const result = simulateSet('shared-vrid', '40s', ['{ at: 10s, host: C, do: service-stop, service: nginx }']);
    expect(result.findings.filter((finding) => finding.kind === 'unhealthy-master').map((finding) => finding.hosts)).toEqual([['C', 'D']]);
  });

  it('is not named for a backup whose adverts never reach the master (left out of its unicast_peer)', () => {
    // A at 150 - 20 = 130 stays above B's 100, but B's unicast_peer names .13: A never hears B, B could not take over without a split brain.
    const typo = variant('unicast-typo-takeover', (text) => text.replace('priority 101', 'priority 150'));
    expect(simulateSet(typo, '40s', NGINX_DOWN_ON_A).findings.filter((finding) => finding.kind === 'unhealthy-master')).toEqual([]);
    const fixed = variant('unicast-typo-takeover', (text) => text.replace('priority 101', 'priority 150').replace('10.77.4.13', '10.77.4.31'));
    const named = simulateSet(fixed, '40s', NGINX_DOWN_ON_A).findings.filter((finding) => finding.kind === 'unhealthy-master');
    expect(named.map((finding) => finding.hosts)).toEqual([['A', 'B']]);
  });

  it('is blamed on nopreempt, with the numbers, when the next host down has it', () => {
    const result = simulateSet('nginx-nopreempt', '45s', ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 30s, host: A, do: service-start, service: nginx }']);
    const unhealthy = result.findings.filter((finding) => finding.kind === 'unhealthy-master');
    expect(unhealthy).toHaveLength(1);
    expect(unhealthy[0]?.message).toMatch(/: B \(100\) has nopreempt, and a BACKUP with nopreempt does not take over from a lower-priority master \(A at 150 - 60 \(chk_nginx\) = 90\)$/);
    expect(unhealthy[0]?.message).not.toMatch(/weight/);
  });

  it('is not named once B takes over without nopreempt: -60 moves A below B', () => {
    const set = variant('nginx-nopreempt', (text) => text.replace('    nopreempt\n', ''));
    const result = simulateSet(set, '45s', ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 30s, host: A, do: service-start, service: nginx }']);
    expect(failures(result)).toEqual([]);
    expect(result.records.some((record) => record.type === 'transition' && record.host === 'B' && record.to === 'MASTER')).toBe(true);
  });
});

describe('unhealthy-master on a tracked interface or file whose weight is too small (issue 23)', () => {
  const LINK_DOWN = ['{ at: 10s, host: A, do: link-down, interface: eth1 }', '{ at: 18s, host: A, do: link-up, interface: eth1 }'];

  it('is named while A keeps the VIP with its backend link eth1 down (110 - 5 = 105 stays above B\'s 100), from the link-down to the link-up', () => {
    const result = simulateSet('interface-weight-too-small', '30s', LINK_DOWN);
    expect(kinds(failures(result))).toEqual(['unhealthy-master']);
    const finding = result.findings[0];
    expect(finding?.hosts).toEqual(['A', 'B']);
    expect([finding?.from, finding?.to]).toEqual([10, 18]);
    expect(finding?.message).toContain('A stayed MASTER of VI_1 (VRID 51) for 8.000 s while link eth1 was down there, although B passed every check');
    expect(finding?.message).toContain("A's 110 - 5 (eth1 down) = 105 stays above B's 100");
    expect(result.vips).toEqual({ A: ['10.99.0.100'], B: [] });
  });

  it('is not named with weight -20 (B takes the VIP), nor when the link of the backup goes down, nor with no fault', () => {
    const fixed = simulateSet('interface-weight', '30s', LINK_DOWN);
    expect(failures(fixed)).toEqual([]);
    expect(fixed.records.filter((r) => r.type === 'transition' && r.to === 'MASTER').map((r) => r.type === 'transition' ? r.host : '')).toEqual(['A', 'B', 'A']);
    expect(failures(simulateSet('interface-weight-too-small', '30s'))).toEqual([]);
    const set = variant('interface-weight-too-small', (text) => text.replace('priority 100', 'priority 100\n  track_interface {\n    eth1 weight -5\n  }'));
    expect(failures(simulateSet(set, '30s', ['{ at: 10s, host: B, do: link-down, interface: eth1 }']))).toEqual([]);
  });

  it('is named while a track_file of weight -5 reads 1 on the master (150 - 5 = 145 stays above 130), and not at -30 or once it reads 0', () => {
    const WRITES = ['{ at: 20s, host: A, do: write, path: /etc/keepalived/drain, value: 1 }', '{ at: 30s, host: A, do: write, path: /etc/keepalived/drain, value: 0 }'];
    const small = simulateSet(variant('track-file', (text) => text.replace('weight -30', 'weight -5')), '40s', WRITES);
    expect(kinds(failures(small))).toEqual(['unhealthy-master']);
    expect(small.findings[0]?.message).toContain('while track_file drain read 1 there');
    expect(small.findings[0]?.message).toContain('150 - 5 (track_file drain reads 1) = 145');
    expect([small.findings[0]?.from, small.findings[0]?.to]).toEqual([20, 30]);
    expect(failures(simulateSet('track-file', '40s', WRITES))).toEqual([]);
  });
});
