import { describe, expect, it } from 'vitest';
import { failures, kinds, simulateSet } from './helpers.js';

describe('duplicate-vip', () => {
  it('is named when one host uses VRID 61 for the VIP the others hold under 51', () => {
    const result = simulateSet('duplicate-vip', '30s');
    expect(kinds(failures(result))).toEqual(['duplicate-vip']);
    const finding = result.findings[0];
    expect(finding?.hosts.sort()).toEqual(['A', 'C']);
    expect(finding?.message).toMatch(/192\.168\.50\.10 was held by .*VRID 51.*VRID 61/);
    expect(finding?.from).toBeLessThan(5);
    expect(finding?.to).toBe(30);
  });

  it('is not named for a VIP a killed keepalived left behind while its own VRID moved on', () => {
    const result = simulateSet('three-node-clean', '30s', ['{ at: 10s, host: A, do: kill }']);
    expect(result.vips['A']).toEqual(['192.168.50.10']);
    expect(result.vips['B']).toContain('192.168.50.10');
    expect(kinds(result.findings)).not.toContain('duplicate-vip');
  });
});
