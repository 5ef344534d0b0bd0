/**
 * Fitting timelines into pixels: sub-pixel spans merge, priority points bucket per pixel column,
 * point markers merge per column, so big captures give small pages.
 */
import { describe, expect, it } from 'vitest';
import { drawMarkers, drawPriorities, drawSpans, type Scale } from '../../src/report/aggregate.js';
import { tickStep } from '../../src/report/html.js';
import type { Marker, PriorityPoint, StateSpan } from '../../src/report/timeline.js';

const scale: Scale = { start: 0, end: 100, width: 1000 }; // 0.1 s per pixel

describe('state spans', () => {
  it('draws wide spans as they are and joins touching spans of the same state', () => {
    const spans: StateSpan[] = [
      { from: 0, to: 10, state: 'BACKUP' },
      { from: 10, to: 20, state: 'BACKUP' },
      { from: 20, to: 100, state: 'MASTER' },
    ];
    expect(drawSpans(spans, scale).map((s) => [s.state, s.x0, s.x1, s.merged])).toEqual([
      ['BACKUP', 0, 200, 1],
      ['MASTER', 200, 1000, 1],
    ]);
  });

  it('drops zero-length spans (INIT and BACKUP at the same instant)', () => {
    const spans: StateSpan[] = [
      { from: 0, to: 0, state: 'DOWN' },
      { from: 0, to: 100, state: 'BACKUP' },
    ];
    expect(drawSpans(spans, scale).map((s) => s.state)).toEqual(['BACKUP']);
  });

  it('merges a run of sub-pixel spans into one pixel of the state that lasted longest', () => {
    const spans: StateSpan[] = [
      { from: 0, to: 50, state: 'BACKUP' },
      { from: 50, to: 50.06, state: 'MASTER' },
      { from: 50.06, to: 50.08, state: 'FAULT' },
      { from: 50.08, to: 100, state: 'BACKUP' },
    ];
    const drawn = drawSpans(spans, scale);
    expect(drawn.map((s) => [s.state, s.merged])).toEqual([
      ['BACKUP', 1],
      ['MASTER', 2],
      ['BACKUP', 1],
    ]);
    expect(drawn[1].x1 - drawn[1].x0).toBeGreaterThanOrEqual(1);
  });

  it('keeps a flapping lane to about one rectangle per pixel', () => {
    const spans: StateSpan[] = [];
    for (let i = 0; i < 200_000; i++) spans.push({ from: i * 0.0005, to: (i + 1) * 0.0005, state: i % 2 === 0 ? 'MASTER' : 'BACKUP' });
    const drawn = drawSpans(spans, scale);
    expect(drawn.length).toBeLessThanOrEqual(1000);
    expect(drawn.reduce((n, s) => n + s.merged, 0)).toBe(200_000);
  });
});

describe('priority lines', () => {
  const y = (priority: number) => 200 - priority;

  it('draws a step line: each value holds until the next change', () => {
    const points: PriorityPoint[] = [
      { t: 0, priority: 100 },
      { t: 10, priority: 102 },
    ];
    const drawn = drawPriorities(points, scale, y);
    expect(drawn.path).toBe('M0 100H100V98H1000');
    expect(drawn.columns.map((c) => [c.before, c.last])).toEqual([[null, 100], [100, 102]]);
  });

  it('breaks the line at a null (keepalived stopped) and starts again at the next value', () => {
    const points: PriorityPoint[] = [
      { t: 0, priority: 100 },
      { t: 10, priority: null },
      { t: 20, priority: 104 },
    ];
    expect(drawPriorities(points, scale, y).path).toBe('M0 100H100M200 96H1000');
  });

  it('keeps one column per pixel with the range of values inside it', () => {
    const points: PriorityPoint[] = [];
    for (let i = 0; i < 1_000_000; i++) points.push({ t: i * 0.0001, priority: 100 + (i % 5) });
    const drawn = drawPriorities(points, scale, y);
    expect(drawn.columns.length).toBe(1000);
    expect(drawn.columns[0]).toMatchObject({ min: 100, max: 104, changes: 1000 });
    expect(drawn.path.length).toBeLessThan(40_000);
  });
});

describe('markers', () => {
  it('merges point markers of one kind within a pixel column and counts them', () => {
    const markers: Marker[] = [];
    for (let i = 0; i < 50; i++) markers.push({ kind: 'notify', at: 5 + i * 0.001, label: `notify ${i}` });
    markers.push({ kind: 'event', at: 5, label: 'A stop' });
    const drawn = drawMarkers(markers, scale);
    expect(drawn.map((m) => [m.kind, m.count])).toEqual([['notify', 50], ['event', 1]]);
    expect(drawn[0].labels.length).toBe(6);
    expect(drawn[0].to).toBeCloseTo(5.049, 6);
  });

  it('keeps span markers (failover gaps) as spans at least a pixel wide', () => {
    const drawn = drawMarkers([{ kind: 'gap', at: 3, to: 3.01, label: 'gap' }], scale);
    expect(drawn[0].x).toBe(30);
    expect(drawn[0].x1).toBe(31);
  });
});

describe('time axis', () => {
  it('picks round steps of 1, 2 or 5 giving about ten ticks', () => {
    expect(tickStep(40)).toBe(5);
    expect(tickStep(22.9)).toBe(5);
    expect(tickStep(86_400)).toBe(10_000);
    expect(tickStep(0.3)).toBe(0.05);
    expect(tickStep(0)).toBe(1);
  });
});
