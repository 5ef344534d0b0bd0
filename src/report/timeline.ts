/**
 * The report's data model: a generic timeline that simulation results and replay records are
 * both turned into, and that the HTML renderer draws. Times are seconds from the timeline's origin.
 */

/** What a lane shows at a moment. UNKNOWN: nothing observed (a replayed source not advertising). */
export type LaneState = 'MASTER' | 'BACKUP' | 'FAULT' | 'DOWN' | 'UNKNOWN';

export const LANE_STATES: readonly LaneState[] = ['MASTER', 'BACKUP', 'FAULT', 'DOWN', 'UNKNOWN'];

export interface StateSpan {
  from: number;
  to: number;
  state: LaneState;
  /** Extra words for the hover text (e.g. "priority 104"). */
  note?: string;
}

/** A step series: each value holds until the next point; `null` means no value (a break). */
export interface PriorityPoint {
  t: number;
  priority: number | null;
}

/** Something a lane holds over a time (the instance's VIPs on that host). */
export interface HoldSpan {
  from: number;
  to: number;
  label: string;
}

/** One host (or capture source) running one instance (or VRID). */
export interface Lane {
  /** `host/instance`, unique in a timeline; the DOM hook `data-lane`. */
  id: string;
  host: string;
  instance: string;
  spans: StateSpan[];
  priorities: PriorityPoint[];
  holds: HoldSpan[];
}

/** Lanes drawn together under one effective-priority chart (the instances sharing a VRID). */
export interface LaneGroup {
  title: string;
  lanes: Lane[];
}

export type MarkerKind = 'event' | 'service' | 'notify' | 'resign' | 'garp' | 'gap' | 'anomaly' | 'finding';

export const MARKER_KINDS: readonly MarkerKind[] = ['event', 'service', 'notify', 'resign', 'garp', 'gap', 'anomaly', 'finding'];

export interface Marker {
  kind: MarkerKind;
  at: number;
  /** Markers with an end are drawn as spans (findings, failover gaps). */
  to?: number;
  /** The lane it belongs to; without one it goes in the events row (or the findings rows). */
  lane?: string;
  /** Lanes a finding concerns, shaded behind them. */
  lanes?: string[];
  label: string;
  /** Drawn in red (a service stopping) or green (starting). */
  tone?: 'good' | 'bad';
}

export interface Timeline {
  title: string;
  /** One line under the title (run parameters, capture start). */
  subtitle: string;
  start: number;
  end: number;
  groups: LaneGroup[];
  markers: Marker[];
  /** Lines listed under the chart (findings, totals). */
  notes: string[];
}

/** Lane ids in drawing order. */
export function laneIds(timeline: Timeline): string[] {
  return timeline.groups.flatMap((group) => group.lanes.map((lane) => lane.id));
}

/** Round to the microsecond and print without trailing zeros beyond milliseconds. */
export function formatSeconds(t: number): string {
  const fixed = (Math.round(t * 1e6) / 1e6).toFixed(6).replace(/0{1,3}$/, '');
  return fixed === '-0.000' ? '0.000' : fixed;
}

/** Append to the list kept under `key`, creating it. */
export function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
