import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../../src/wire/address.js';

describe('IPv4 text', () => {
  it('round-trips every address', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (a) => { expect(parseIpv4(formatIpv4(a))).toBe(a); }));
  });
  it('rejects what is not a dotted quad', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1..2.3', '1.2.3.4 ', 'a.b.c.d', '1.2.3.']) expect(parseIpv4(bad), bad).toBeNull();
    expect(parseIpv4('0.0.0.0')).toBe(0);
    expect(parseIpv4('224.0.0.18')).toBe(0xe0000012);
  });
});

describe('IPv6 text', () => {
  it('formats as RFC 5952 and parses back', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => { expect(parseIpv6(formatIpv6(b))).toEqual(b); }));
  });
  it('compresses the longest zero run, lower case', () => {
    expect(canonicalAddress('FF02:0:0:0:0:0:0:12')).toBe('ff02::12');
    expect(canonicalAddress('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalAddress('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonicalAddress('::ffff:10.0.0.1')).toBe('::ffff:10.0.0.1');
    expect(canonicalAddress('1:2:3:4:5:6:7::')).toBe('1:2:3:4:5:6:7:0');
    expect(canonicalAddress('1::2::3')).toBeNull();
  });
});
