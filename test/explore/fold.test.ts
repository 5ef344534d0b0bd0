import { describe, expect, it } from 'vitest';
import { mergeShrunk, type ExploreSummary } from '../../src/explore/explore.js';
import type { Shrunk } from '../../src/explore/explorer.js';
import { formatText, type FailureReport } from '../../src/explore/report.js';
import type { Fault } from '../../src/explore/space.js';

const PERMUTATIONS = [
  ['A', 'B', 'C'],
  ['A', 'C', 'B'],
  ['B', 'A', 'C'],
  ['B', 'C', 'A'],
  ['C', 'A', 'B'],
  ['C', 'B', 'A'],
];

function shrunk(index: number, kinds: string[], faults: Fault[], start?: { order: string[]; skewMs: number }): Shrunk {
  const key = `${kinds.join(',')}|${start ? `start:${start.order.join('>')}+${start.skewMs}ms` : faults.length === 0 ? 'no fault' : faults.map((f) => ('host' in f ? `${f.host}:${f.do}` : f.do)).join(' ')}`;
  return { origin: { index, phase: start ? 'start' : 'single', kinds, key }, key, kinds, schedule: { phase: start ? 'start' : 'single', faults, ...(start ? { start } : {}) }, findings: [] };
}

function report(failure: Shrunk, i: number): FailureReport {
  return {
    name: `${String(i + 1).padStart(2, '0')}-x`,
    kinds: failure.kinds,
    faults: failure.schedule.faults,
    ...(failure.schedule.start ? { start: failure.schedule.start } : {}),
    findings: [],
    prefix: false,
    yaml: '',
    origin: { schedule: failure.origin.index, phase: failure.origin.phase, key: failure.origin.key },
    ...(failure.alike ? { alike: failure.alike } : {}),
  };
}

const SUMMARY: ExploreSummary = { schedules: 100, seconds: 1, failures: 0, exhaustiveDepth: 2, phases: [], excused: {} };
const STOP_A: Fault = { at: 16_000, until: 17_000, do: 'stop', host: 'A' } as Fault;

describe('explore folds failures that differ only in how the hosts start', () => {
  it('reports one failure for the start orders that fail alike, listing the other orders', () => {
    const merged = mergeShrunk(PERMUTATIONS.map((order, i) => shrunk(i, ['flapping'], [], { order, skewMs: 50 })));
    expect(merged).toHaveLength(1);
    expect(merged[0].schedule.start?.order).toEqual(['A', 'B', 'C']);
    expect(merged[0].alike).toHaveLength(5);
  });

  it('keeps start orders apart when they start a different time apart or fail differently', () => {
    const merged = mergeShrunk([
      shrunk(0, ['flapping'], [], { order: ['A', 'B', 'C'], skewMs: 50 }),
      shrunk(1, ['flapping'], [], { order: ['B', 'A', 'C'], skewMs: 2000 }),
      shrunk(2, ['split-brain'], [], { order: ['C', 'A', 'B'], skewMs: 50 }),
    ]);
    expect(merged).toHaveLength(3);
    expect(merged.every((failure) => failure.alike === undefined)).toBe(true);
  });

  it('does not list failures under faults that show only what the cluster does started at once and in every start order', () => {
    const merged = mergeShrunk([shrunk(20, ['flapping'], []), ...PERMUTATIONS.map((order, i) => shrunk(i, ['flapping'], [], { order, skewMs: 50 })), shrunk(10, ['flapping'], [STOP_A]), shrunk(11, ['flapping', 'split-brain'], [STOP_A])]);
    const text = formatText(merged.map(report), SUMMARY, new Map());
    expect(text).toContain('4 distinct failures, 3 listed');
    expect(text).toContain('the same in 5 other start orders: A>C>B, B>A>C, B>C>A, C>A>B, C>B>A');
    expect(text).toContain('[flapping, split-brain]');
    expect(text).toContain('Not listed: 1 failure under faults showing only what the cluster does without any fault, started at once or in any order (flapping)');
  });

  it('lists every failure under faults when the cluster is fine started at once, or fails in some start orders only', () => {
    const everyOrder = PERMUTATIONS.map((order, i) => shrunk(i, ['collective-drift'], [], { order, skewMs: 2000 }));
    const fineAtOnce = formatText(mergeShrunk([...everyOrder, shrunk(10, ['collective-drift'], [STOP_A])]).map(report), SUMMARY, new Map());
    expect(fineAtOnce).toContain('2 distinct failures:');
    expect(fineAtOnce).not.toContain('Not listed');
    const someOrders = formatText(mergeShrunk([shrunk(20, ['flapping'], []), shrunk(0, ['collective-drift'], [], { order: ['A', 'B', 'C'], skewMs: 50 }), shrunk(10, ['collective-drift'], [STOP_A])]).map(report), SUMMARY, new Map());
    expect(someOrders).toContain('3 distinct failures:');
  });
});
