import { describe, expect, it } from 'vitest';
import { buildUnsolicitedNa } from '../../src/runtime/ndisc.js';

describe('unsolicited neighbour advertisements for IPv6 VIPs', () => {
  it('announces the VIP with the Override flag and the interface MAC as target link-layer address', () => {
    const na = buildUnsolicitedNa('2001:db8::10', '02:00:5e:00:01:07', false);
    expect(na).not.toBeNull();
    expect(Buffer.from(na!).toString('hex')).toBe(
      '88000000' + '20000000' + '20010db8000000000000000000000010' + '0201' + '02005e000107',
    );
  });

  it('sets the Router flag when the interface forwards', () => {
    expect(buildUnsolicitedNa('fe80::1', '02:00:00:00:00:01', true)![4]).toBe(0xa0);
  });

  it('refuses a bad address or MAC instead of sending garbage', () => {
    expect(buildUnsolicitedNa('10.0.0.1', '02:00:00:00:00:01', false)).toBeNull();
    expect(buildUnsolicitedNa('fe80::1', 'zz:00:00:00:00:01', false)).toBeNull();
    expect(buildUnsolicitedNa('fe80::1', '02:00:00:00:01', false)).toBeNull();
  });
});
