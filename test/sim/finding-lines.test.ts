import { describe, expect, it } from 'vitest';
import type { SimFinding } from '../../src/sim/findings.js';
import { formatFindings } from '../../src/sim/format.js';

function unhealthy(instance: string, vrid: number, overrides: Partial<SimFinding> = {}): SimFinding {
  return {
    kind: 'unhealthy-master',
    from: 16.074,
    to: 24.076,
    hosts: ['A'],
    instances: [`A/${instance}`],
    message: `A stayed MASTER of ${instance} (VRID ${vrid}) for 8.001 s while chk failed there`,
    ...overrides,
  };
}

describe('findings as text lines', () => {
  it('prints the same finding of the ten members of a sync group on one line naming them all', () => {
    const findings = Array.from({ length: 10 }, (_, i) => unhealthy(`VI_${i + 1}`, 51 + i));
    const lines = formatFindings(findings);
    expect(lines).toEqual(['[unhealthy-master] 16.074-24.076 s: A stayed MASTER of 10 instances (VI_1, VI_2 … VI_10, VRIDs 51-60) for 8.001 s while chk failed there']);
  });

  it('keeps findings apart when their times, hosts or wording differ', () => {
    const lines = formatFindings([unhealthy('VI_1', 51), unhealthy('VI_2', 52, { to: 25 }), unhealthy('VI_3', 53, { hosts: ['B'] })]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toContain('of VI_1 (VRID 51)');
  });

  it('names a few instances in full and their VRIDs as ranges', () => {
    const lines = formatFindings([unhealthy('web', 51), unhealthy('db', 52), unhealthy('cache', 60)]);
    expect(lines).toEqual(['[unhealthy-master] 16.074-24.076 s: A stayed MASTER of 3 instances (web, db, cache, VRIDs 51-52, 60) for 8.001 s while chk failed there']);
  });

  it('leaves a finding alone when its message does not name its instance exactly once', () => {
    const twice = unhealthy('VI_1', 51, { message: 'VI_1 (VRID 51) and VI_1 again' });
    const other = unhealthy('VI_2', 52, { message: 'VI_2 (VRID 52) and VI_2 again' });
    expect(formatFindings([twice, other])).toHaveLength(2);
    // A name inside a longer name is not a mention: VI_1 is not in VI_10.
    expect(formatFindings([unhealthy('VI_1', 51, { message: 'A stayed MASTER of VI_10' })])[0]).toContain('of VI_10');
  });
});
