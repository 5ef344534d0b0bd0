/**
 * `vrrplab lab --compare`'s judge of agreement (src/lab/compare.ts), on simulator results: the
 * simulation compared with itself agrees; a state change moved past the tolerance, one missing, one
 * of another state and a different VIP holder at the end are each a divergence, explained.
 */
import { describe, expect, it } from 'vitest';
import { compareRuns, formatComparison } from '../../src/lab/compare.js';
import type { SimRecord } from '../../src/sim/cluster.js';
import type { SimulationResult } from '../../src/sim/run.js';
import { seedScenario, simulate } from '../sim/helpers.js';

const base = simulate(seedScenario('fixed', '40s', ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }', '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));

/** The same result with its records changed. */
function edited(result: SimulationResult, edit: (records: SimRecord[]) => SimRecord[], vips = result.vips): SimulationResult {
  return { ...result, records: edit(result.records.map((record) => ({ ...record }))), vips };
}

const isTransition = (record: SimRecord, host: string, instance: string, to: string): boolean =>
  record.type === 'transition' && record.host === host && record.instance === instance && record.to === to;

describe('comparing a simulation with a lab run', () => {
  it('a run compared with itself agrees, every state change matched', () => {
    const comparison = compareRuns(base, base);
    expect(comparison.divergences).toEqual([]);
    expect(comparison.matched).toBeGreaterThan(10);
    expect(formatComparison(comparison)).toContain('No divergence: simulate and keepalived agree.');
  });

  it('a MASTER entered later than the tolerance is a divergence naming host, instance, both times and how far apart', () => {
    const late = edited(base, (records) => records.map((record) => (isTransition(record, 'B', 'VI_1', 'MASTER') ? { ...record, t: record.t + 0.8 } : record)));
    const first = compareRuns(base, late, { toleranceMs: 500 }).divergences[0];
    expect(first?.host).toBe('B');
    expect(first?.instance).toBe('VI_1');
    expect(first?.message).toMatch(/^B VI_1: simulate entered MASTER at \d+\.\d{3} s, keepalived entered MASTER at \d+\.\d{3} s \(800 ms apart, tolerance 500 ms\)$/);
  });

  it('after a change at another time the instance is still compared, so a second late change is a divergence of its own', () => {
    // B's VI_1: BACKUP at start, MASTER while A is stopped, BACKUP when A is back; both later changes 0.8 s late.
    const late = edited(base, (records) => records.map((record) => (record.type === 'transition' && record.host === 'B' && record.instance === 'VI_1' && record.from !== 'INIT' ? { ...record, t: record.t + 0.8 } : record)));
    expect(compareRuns(base, late).divergences.map((d) => d.key)).toEqual(['B/VI_1#1:MASTER>MASTER~', 'B/VI_1#2:BACKUP>BACKUP~']);
  });

  it('the same shift within the tolerance is no divergence', () => {
    const late = edited(base, (records) => records.map((record) => (isTransition(record, 'B', 'VI_1', 'MASTER') ? { ...record, t: record.t + 0.3 } : record)));
    expect(compareRuns(base, late, { toleranceMs: 500 }).divergences).toEqual([]);
  });

  it('a takeover keepalived never made is a divergence that says which state the instance stayed in', () => {
    const masters = base.records.filter((record) => isTransition(record, 'B', 'VI_1', 'MASTER'));
    const never = edited(base, (records) => records.filter((record) => !(isTransition(record, 'B', 'VI_1', 'MASTER') && record.t === masters[0]?.t)));
    const messages = compareRuns(base, never).divergences.map((d) => d.message);
    expect(messages).toContainEqual(expect.stringMatching(/^B VI_1: simulate entered MASTER at [\d.]+ s, keepalived no further change \(stays BACKUP\)$/));
  });

  it('another VIP holder at the end is a divergence, even with every state change matched', () => {
    const other = edited(base, (records) => records, { ...base.vips, A: [], B: ['172.16.25.10', '172.16.25.11'] });
    const divergences = compareRuns(base, other).divergences;
    expect(divergences.map((d) => d.message)).toContain('A: at the end simulate holds 172.16.25.10, keepalived holds no VIP');
  });

  it('transitions keepalived never logs (the silent FAULT before a first script result) are left out on both sides', () => {
    const first = base.records.find((record) => record.type === 'transition');
    if (first?.type !== 'transition') throw new Error('no transition');
    const silent: SimRecord = { ...first, to: 'FAULT', silent: true };
    const withSilent = edited(base, (records) => [silent, ...records]);
    expect(compareRuns(withSilent, base).divergences).toEqual([]);
  });

  it('divergences come earliest first, and the text says the first one', () => {
    const shifted = edited(base, (records) => records.map((record) => (record.type === 'transition' && record.to === 'MASTER' ? { ...record, t: record.t + 2 } : record)));
    const comparison = compareRuns(base, shifted);
    expect(comparison.divergences.length).toBeGreaterThan(1);
    const times = comparison.divergences.map((d) => d.t);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(formatComparison(comparison, 'keepalived')).toContain(`First divergence at ${times[0]?.toFixed(3)} s`);
  });
});
