/**
 * Fitting a timeline into pixels: spans narrower than a pixel are merged, priority points are
 * bucketed per pixel column and markers per column, so a report's size follows its width, not the
 * length of the capture.
 */
import { formatSeconds, type LaneState, type Marker, type PriorityPoint, type StateSpan } from './timeline.js';

/** Seconds to x pixels. */
export interface Scale {
  start: number;
  end: number;
  /** Plot width in pixels. */
  width: number;
}

export function xOf(scale: Scale, t: number): number {
  const range = scale.end - scale.start;
  if (range <= 0) return 0;
  return Math.min(scale.width, Math.max(0, ((t - scale.start) / range) * scale.width));
}

export interface DrawnSpan {
  x0: number;
  x1: number;
  state: LaneState;
  /** Number of spans merged into this one (1 when drawn as is). */
  merged: number;
  from: number;
  to: number;
  note?: string;
}

/**
 * Spans as rectangles at least one pixel wide. Runs of sub-pixel spans become one rectangle of
 * the state that lasted longest in it; zero-length spans (INIT then BACKUP at the same instant)
 * are dropped.
 */
export function drawSpans(spans: readonly StateSpan[], scale: Scale): DrawnSpan[] {
  const out: DrawnSpan[] = [];
  let pending: { x0: number; x1: number; from: number; to: number; count: number; time: Map<LaneState, number> } | undefined;
  const flush = () => {
    if (pending === undefined) return;
    let best: LaneState = 'UNKNOWN';
    let bestTime = -1;
    for (const [state, time] of pending.time) if (time > bestTime) [best, bestTime] = [state, time];
    const x1 = Math.max(pending.x1, pending.x0 + 1);
    out.push({ x0: pending.x0, x1, state: best, merged: pending.count, from: pending.from, to: pending.to });
    pending = undefined;
  };
  for (const span of spans) {
    if (!(span.to > span.from)) continue;
    const x0 = xOf(scale, span.from);
    const x1 = xOf(scale, span.to);
    if (x1 - x0 >= 1) {
      flush();
      const last = out[out.length - 1];
      if (last !== undefined && last.state === span.state && last.merged === 1 && last.note === span.note && Math.abs(last.x1 - x0) < 1e-9) {
        last.x1 = x1;
        last.to = span.to;
        continue;
      }
      out.push({ x0, x1, state: span.state, merged: 1, from: span.from, to: span.to, note: span.note });
      continue;
    }
    if (pending === undefined) pending = { x0, x1, from: span.from, to: span.to, count: 0, time: new Map() };
    pending.x1 = Math.max(pending.x1, x1);
    pending.to = span.to;
    pending.count++;
    pending.time.set(span.state, (pending.time.get(span.state) ?? 0) + (span.to - span.from));
    if (pending.x1 - pending.x0 >= 1) flush();
  }
  flush();
  return out;
}

export interface PriorityColumn {
  x: number;
  from: number;
  to: number;
  /** Value before the column's first change (null at the start of a series or after a break). */
  before: number | null;
  min: number;
  max: number;
  last: number;
  changes: number;
}

export interface DrawnPriority {
  /** SVG path data; y is computed by `yOf`. */
  path: string;
  columns: PriorityColumn[];
}

/**
 * A step line through the priority points with at most one vertical stroke per pixel column: the
 * column's values from min to max, ending on its last value.
 */
export function drawPriorities(points: readonly PriorityPoint[], scale: Scale, yOf: (priority: number) => number): DrawnPriority {
  const columns: PriorityColumn[] = [];
  const parts: string[] = [];
  let current: PriorityColumn | undefined;
  let value: number | null = null;
  let open = false;
  const px = (n: number) => round2(n);
  const flush = () => {
    if (current === undefined) return;
    const c = current;
    current = undefined;
    columns.push(c);
    const x = px(c.x);
    if (!open) {
      parts.push(`M${x} ${px(yOf(c.min))}`);
      open = true;
    } else parts.push(`H${x}V${px(yOf(c.min))}`);
    if (c.max !== c.min) parts.push(`V${px(yOf(c.max))}`);
    if (c.last !== c.max) parts.push(`V${px(yOf(c.last))}`);
  };
  for (const point of points) {
    const x = Math.floor(xOf(scale, point.t));
    if (point.priority === null) {
      flush();
      if (open && value !== null) parts.push(`H${px(xOf(scale, point.t))}`);
      open = false;
      value = null;
      continue;
    }
    if (current !== undefined && x === Math.floor(current.x)) {
      current.min = Math.min(current.min, point.priority);
      current.max = Math.max(current.max, point.priority);
      current.last = point.priority;
      current.to = point.t;
      current.changes++;
    } else {
      flush();
      const x0 = xOf(scale, point.t);
      current = { x: x0, from: point.t, to: point.t, before: value, min: point.priority, max: point.priority, last: point.priority, changes: 1 };
    }
    value = point.priority;
  }
  flush();
  if (open && value !== null) parts.push(`H${px(scale.width)}`);
  return { path: parts.join(''), columns };
}

export interface DrawnMarker {
  x: number;
  /** x of the end for span markers. */
  x1?: number;
  kind: Marker['kind'];
  count: number;
  from: number;
  to: number;
  labels: string[];
  tone?: 'good' | 'bad';
}

/** Markers of one row: point markers sharing a pixel column are merged (span markers are kept). */
export function drawMarkers(markers: readonly Marker[], scale: Scale): DrawnMarker[] {
  const out: DrawnMarker[] = [];
  const byColumn = new Map<string, DrawnMarker>();
  for (const marker of markers) {
    const x = xOf(scale, marker.at);
    if (marker.to !== undefined) {
      out.push({ x, x1: Math.max(xOf(scale, marker.to), x + 1), kind: marker.kind, count: 1, from: marker.at, to: marker.to, labels: [marker.label], tone: marker.tone });
      continue;
    }
    const key = `${marker.kind} ${Math.floor(x)}`;
    const existing = byColumn.get(key);
    if (existing !== undefined) {
      existing.count++;
      existing.to = Math.max(existing.to, marker.at);
      if (existing.labels.length < MAX_LABELS) existing.labels.push(marker.label);
      continue;
    }
    const drawn: DrawnMarker = { x, kind: marker.kind, count: 1, from: marker.at, to: marker.at, labels: [marker.label], tone: marker.tone };
    byColumn.set(key, drawn);
    out.push(drawn);
  }
  return out;
}

/** Labels listed in a merged marker's hover text. */
export const MAX_LABELS = 6;

export function describeMarker(marker: DrawnMarker): string {
  const when = marker.from === marker.to ? `${formatSeconds(marker.from)} s` : `${formatSeconds(marker.from)}–${formatSeconds(marker.to)} s`;
  const more = marker.count > marker.labels.length ? `\n… and ${marker.count - marker.labels.length} more` : '';
  const head = marker.count > 1 ? `${marker.count} × ${marker.kind}, ${when}` : when;
  return `${head}\n${marker.labels.join('\n')}${more}`;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
