/**
 * Replay records as a timeline: a lane per advertising source per VRID, MASTER while the analysis
 * saw it as master, "not advertising" otherwise (a capture cannot tell a backup from a stopped
 * host: backups are silent). Priorities are the advertised ones; markers are failover gaps,
 * gratuitous ARP bursts and anomalies. Times are seconds from the capture's first frame.
 */
import type { ReplayRecord } from '../replay/records.js';
import { renderReport, writeReportFile } from './html.js';
import { appendTo, type Lane, type LaneGroup, type Marker, type PriorityPoint, type StateSpan, type Timeline } from './timeline.js';

export interface ReplayReportOptions {
  /** Page and timeline title, e.g. the capture's file name. */
  title: string;
}

type Keyed = { vrid: number; family?: 6 };

function vridKey(r: Keyed): string {
  return `VRID ${r.vrid}${r.family === 6 ? ' (IPv6)' : ''}`;
}

function laneId(src: string, r: Keyed): string {
  return `${src}/${vridKey(r)}`;
}

export function replayTimeline(records: readonly ReplayRecord[], options: ReplayReportOptions): Timeline {
  const capture = records.find((r) => r.type === 'capture');
  const origin = capture?.type === 'capture' && capture.first !== null ? capture.first : 0;
  const last = capture?.type === 'capture' && capture.last !== null ? capture.last : origin;
  const end = Math.max(last - origin, 1);
  const rel = (ts: number) => Math.round((ts - origin) * 1e6) / 1e6;

  const groups: LaneGroup[] = [];
  const lanes = new Map<string, Lane>();
  for (const summary of records) {
    if (summary.type !== 'summary') continue;
    const group: LaneGroup = { title: vridKey(summary), lanes: [] };
    for (const source of summary.sources) {
      const lane: Lane = { id: laneId(source.src, summary), host: source.src, instance: vridKey(summary), spans: [], priorities: [], holds: [] };
      lanes.set(lane.id, lane);
      group.lanes.push(lane);
    }
    groups.push(group);
  }

  // Transitions per VRID, to stretch a one-advert mastership up to its successor's first advert.
  const transitions = new Map<string, number[]>();
  for (const r of records) if (r.type === 'transition') appendTo(transitions, vridKey(r), rel(r.ts));

  const masters = new Map<string, StateSpan[]>();
  const points = new Map<string, PriorityPoint[]>();
  const addPoint = (id: string, point: PriorityPoint) => appendTo(points, id, point);
  const markers: Marker[] = [];
  const notes: string[] = [];
  for (const r of records) {
    switch (r.type) {
      case 'master': {
        const id = laneId(r.src, r);
        const from = rel(r.from);
        let to = rel(r.to);
        if (to <= from) to = Math.min(firstAfter(transitions.get(vridKey(r)) ?? [], from) ?? from, end);
        appendTo(masters, id, { from, to, state: 'MASTER', note: `priority ${r.priority}, ${r.adverts} adverts, ended: ${r.end}` });
        addPoint(id, { t: from, priority: r.priority });
        break;
      }
      case 'priority':
        addPoint(laneId(r.src, r), { t: rel(r.ts), priority: r.to });
        break;
      case 'resign':
        // A marker, not a point at 0: that would flatten the chart's real priorities.
        markers.push({ kind: 'resign', at: rel(r.ts), lane: laneId(r.src, r), label: `${r.src} ${vridKey(r)}: priority 0 advert (resigns mastership)` });
        addPoint(laneId(r.src, r), { t: rel(r.ts), priority: null });
        break;
      case 'gap':
        markers.push({ kind: 'gap', at: rel(r.lastOld), to: rel(r.firstNew), lane: laneId(r.to, r), label: `${vridKey(r)} failover gap ${r.seconds.toFixed(3)} s: last advert of ${r.from}, first of ${r.to}` });
        break;
      case 'garp': {
        const label = `gratuitous ARP ×${r.count} for ${r.ip} from ${r.mac}${r.src === undefined ? '' : ` (${r.src})`}${r.vrids.length > 0 ? '' : ', no VRID advertises it'}`;
        const targets = r.src === undefined ? [] : r.vrids.map((vrid) => laneId(r.src as string, { vrid })).filter((id) => lanes.has(id));
        if (targets.length === 0) markers.push({ kind: 'garp', at: rel(r.ts), label });
        for (const lane of targets) markers.push({ kind: 'garp', at: rel(r.ts), lane, label });
        break;
      }
      case 'anomaly': {
        const id = r.src !== undefined && r.vrid !== undefined ? laneId(r.src, { vrid: r.vrid, family: r.family }) : undefined;
        const lane = id !== undefined && lanes.has(id) ? id : undefined;
        const label = `${r.vrid === undefined ? '' : `${vridKey({ vrid: r.vrid, family: r.family })} `}${r.kind}: ${r.detail}`;
        markers.push({ kind: 'anomaly', at: rel(r.ts), ...(r.to !== undefined && lane !== undefined ? { to: rel(r.to) } : {}), lane, label });
        break;
      }
      case 'problem':
        notes.push(`capture problem at byte ${r.fileOffset}: ${r.message}`);
        break;
      case 'summary': {
        const anomalies = Object.entries(r.anomalies).map(([kind, n]) => `${kind} ×${n}`);
        notes.push(
          `${vridKey(r)}: ${r.adverts} adverts from ${r.sources.map((s) => `${s.src} (${s.adverts}, priorities ${s.priorities.join('/')})`).join(', ')}; ${r.masters} master period(s)` +
            (anomalies.length > 0 ? `; anomalies: ${anomalies.join(', ')}` : ''),
        );
        for (const source of r.sources) {
          // After its last advert a source's priority is unknown.
          if (rel(source.last) < end) addPoint(laneId(source.src, r), { t: rel(source.last), priority: null });
        }
        break;
      }
      case 'transition':
      case 'capture':
        break;
    }
  }

  for (const lane of lanes.values()) {
    lane.spans = fillUnknown(masters.get(lane.id) ?? [], end);
    lane.priorities = [...(points.get(lane.id) ?? [])].sort((a, b) => a.t - b.t);
  }

  let subtitle = 'empty capture';
  if (capture?.type === 'capture') {
    subtitle =
      `${capture.first === null ? 'no frames' : `starts ${isoTime(capture.first)} UTC, ${end.toFixed(3)} s`}; ` +
      `${capture.frames} frames, ${capture.adverts} VRRP adverts, ${capture.garps} gratuitous ARPs${capture.problems > 0 ? `, ${capture.problems} capture problem(s)` : ''}`;
  }
  return { title: options.title, subtitle, start: 0, end, groups, markers, notes };
}

/** The first value greater than `t` in an ascending list. */
function firstAfter(sorted: readonly number[], t: number): number | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] <= t) low = mid + 1;
    else high = mid;
  }
  return sorted[low];
}

/** Master spans with the time between them marked UNKNOWN. */
function fillUnknown(spans: StateSpan[], end: number): StateSpan[] {
  const out: StateSpan[] = [];
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.from - b.from)) {
    if (span.from > at) out.push({ from: at, to: span.from, state: 'UNKNOWN' });
    out.push(span);
    at = Math.max(at, span.to);
  }
  if (end > at) out.push({ from: at, to: end, state: 'UNKNOWN' });
  return out;
}

function isoTime(epochSeconds: number): string {
  return new Date(Math.round(epochSeconds * 1000)).toISOString().replace('T', ' ').replace('Z', '');
}

export function renderReplayReport(records: readonly ReplayRecord[], options: ReplayReportOptions): string {
  return renderReport({ title: `vrrplab replay: ${options.title}`, timelines: [replayTimeline(records, options)] });
}

export function writeReplayReport(records: readonly ReplayRecord[], file: string, options: ReplayReportOptions): void {
  writeReportFile(file, renderReplayReport(records, options));
}
