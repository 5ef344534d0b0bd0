import { describe, expect, it } from 'vitest';
import { stopLines } from '../../src/runtime/host-info.js';
import { interfaceKind } from '../../src/runtime/sysfs.js';

const start = { user: 0.01, system: 0.02, childUser: 0, childSystem: 0 };
const end = { user: 0.05, system: 0.03, childUser: 0.01, childSystem: 0 };

describe("keepalived's stop lines", () => {
  it('counts children\'s time once a script or notify child has ended', () => {
    expect(stopLines(start, end, { children: true })[0]).toBe('Stopped - used (self/children) 0.040000/0.010000 user time, 0.010000/0.000000 system time');
  });
  it('leaves children out when none has ended', () => {
    expect(stopLines(start, end, { children: false })).toEqual([
      'Stopped - used 0.040000 user time, 0.010000 system time',
      'CPU usage (self/children) user: 0.050000/0.010000 system: 0.030000/0.000000',
    ]);
  });
  it('is only "Stopped" without -D', () => {
    expect(stopLines(start, end, { detail: false, children: true })).toEqual(['Stopped']);
  });
});

describe('looking an interface up as keepalived does at start', () => {
  it('knows the loopback by its ARP type and reports a name that is not in /sys/class/net as missing', () => {
    expect(interfaceKind('lo')).toBe('loopback');
    expect(interfaceKind('no-such-if0')).toBe('missing');
    expect(interfaceKind('../lo')).toBe('missing');
  });
});
