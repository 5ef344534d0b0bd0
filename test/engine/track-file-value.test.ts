/** What keepalived 2.2.7 reads from a tracked file: strtol(buf, NULL, 0) on its first 127 bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trackFileValue } from '../../src/engine/track-file.js';

describe('a tracked file\'s value', () => {
  it('is the number the file starts with, in decimal, hex after 0x or octal after 0, white space and sign allowed', () => {
    expect(['1\n', ' 3', '-30', '+7 apples', '0x1f', '010', '0x', '08', ''].map(trackFileValue)).toEqual([1, 3, -30, 7, 31, 8, 0, 0, 0]);
  });

  it('is 0 for a missing file or text that is no number', () => {
    expect(trackFileValue(undefined)).toBe(0);
    expect(trackFileValue('up')).toBe(0);
  });

  it('is ignored (null: the previous value stays) outside int32 or strtol\'s range', () => {
    expect(trackFileValue('2147483648')).toBe(2147483648);
    expect(trackFileValue('2147483649')).toBeNull();
    expect(trackFileValue('-2147483649')).toBeNull();
    expect(trackFileValue('99999999999999999999')).toBeNull();
  });

  it('reads any decimal int32 back, whatever follows it, and never throws', () => {
    fc.assert(fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), fc.string({ maxLength: 20 }), (n, tail) => {
      const text = `${n}${/^[0-9]/.test(tail) ? ` ${tail}` : tail}`;
      expect(trackFileValue(text)).toBe(n);
    }));
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      const value = trackFileValue(text);
      expect(value === null || Number.isInteger(value)).toBe(true);
    }));
  });
});
