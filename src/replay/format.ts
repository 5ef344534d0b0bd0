/**
 * Human-readable replay timeline (one line per record, like a log) and JSON lines, both produced
 * one line at a time into a `LineSink`, so a caller can write them out in batches as they come
 * (src/cli/commands/replay.ts) instead of building the whole text first.
 */
import type { ReplayRecord } from './records.js';

/** Receives output lines one by one, without their newline. */
export type LineSink = (line: string) => void;

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const MS_PER_DAY = 86_400_000;
let cachedDay = Number.NaN;
let cachedDayText = '';

/** `YYYY-MM-DD hh:mm:ss.mmm` (UTC) of epoch seconds, as `Date`'s UTC getters give it. */
function clock(ts: number): string {
  // Date truncates a fractional time value towards zero (TimeClip); the date part is computed
  // once per day and the time of day by arithmetic, which is what made a 250k-record timeline slow.
  const ms = Math.trunc(ts * 1000);
  if (!(ms >= 0 && ms < 8.64e15)) return slowClock(ts);
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = slowClock(day * 86_400).slice(0, 11);
  }
  let rest = ms - day * MS_PER_DAY;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = Math.floor(rest / 1000);
  return `${cachedDayText}${TWO[h]}:${TWO[m]}:${TWO[s]}.${THREE[rest - s * 1000]}`;
}

function slowClock(ts: number): string {
  const d = new Date(ts * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

const VRID_TEXT: string[] = [];

function vridText(r: { vrid: number; family?: 6 }): string {
  const vrid = r.vrid;
  if (!(vrid >= 0 && vrid <= 255 && Number.isInteger(vrid))) return `VRID ${vrid}${r.family === 6 ? ' (IPv6)' : ''}`;
  const i = r.family === 6 ? vrid + 256 : vrid;
  return (VRID_TEXT[i] ??= `VRID ${vrid}${r.family === 6 ? ' (IPv6)' : ''}`);
}

/** Lines for a whole record list; `start` (epoch s) is the origin of the relative times. */
export function formatTimeline(records: readonly ReplayRecord[], start: number | null): string[] {
  const lines: string[] = [];
  writeTimeline(records, start, (line) => lines.push(line));
  return lines;
}

/** The lines of `formatTimeline`, handed to `out` one at a time. */
export function writeTimeline(records: readonly ReplayRecord[], start: number | null, out: LineSink): void {
  const origin = start ?? 0;
  // Records often share a time (a transition and its gap): the last one's text is kept.
  let lastTs = Number.NaN;
  let lastAt = '';
  const at = (ts: number) => (ts === lastTs ? lastAt : ((lastTs = ts), (lastAt = `${clock(ts)} +${(ts - origin).toFixed(3).padStart(8)}s`)));
  for (const r of records) {
    switch (r.type) {
      case 'problem':
        out(`capture problem at byte ${r.fileOffset}: ${r.message}`);
        break;
      case 'transition':
        out(
          r.from === null
            ? `${at(r.ts)}  ${vridText(r)}  ${r.to} is master (priority ${r.priority})`
            : `${at(r.ts)}  ${vridText(r)}  ${r.to} takes over from ${r.from} (priority ${r.priority}; old master ${r.reason})`,
        );
        break;
      case 'gap':
        out(`${at(r.firstNew)}  ${vridText(r)}  failover gap ${r.seconds.toFixed(3)} s (last advert of ${r.from} -> first of ${r.to})`);
        break;
      case 'master':
        break; // spans are listed in the summary
      case 'priority':
        out(`${at(r.ts)}  ${vridText(r)}  ${r.src} priority ${r.from} -> ${r.to}`);
        break;
      case 'resign':
        out(`${at(r.ts)}  ${vridText(r)}  ${r.src} resigns (priority 0)`);
        break;
      case 'garp':
        out(
          `${at(r.ts)}  gratuitous ARP x${r.count} for ${r.ip} from ${r.mac}${r.src ? ` (${r.src})` : ''}` +
            (r.vrids.length ? ` [VRID ${r.vrids.join(', ')}]` : ' [no VRID advertises it]'),
        );
        break;
      case 'anomaly':
        out(`${at(r.ts)}  ${r.vrid === undefined ? '' : `${vridText({ vrid: r.vrid, family: r.family })}  `}ANOMALY ${r.kind}: ${r.detail}`);
        break;
      case 'summary':
      case 'capture':
        break;
    }
  }
  // Master spans per VRID, in record order: one pass over the records, not one per VRID.
  const summaries: Extract<ReplayRecord, { type: 'summary' }>[] = [];
  const spans = new Map<number, Extract<ReplayRecord, { type: 'master' }>[]>();
  let total: Extract<ReplayRecord, { type: 'capture' }> | undefined;
  for (const r of records) {
    if (r.type === 'summary') summaries.push(r);
    else if (r.type === 'capture') total ??= r;
  }
  if (summaries.length > 0) {
    for (const s of summaries) spans.set(s.vrid + (s.family === 6 ? 256 : 0), []);
    for (const r of records) if (r.type === 'master') spans.get(r.vrid + (r.family === 6 ? 256 : 0))?.push(r);
    out('');
    out('Masters:');
  }
  for (const s of summaries) {
    out(`  ${vridText(s)}: ${s.adverts} adverts from ${s.sources.map((x) => `${x.src} (${x.adverts}, priorities ${x.priorities.join('/')}${x.virtualMac ? ', from the virtual MAC' : ''})`).join(', ')}`);
    for (const m of spans.get(s.vrid + (s.family === 6 ? 256 : 0)) ?? []) {
      out(`    ${clock(m.from)} .. ${clock(m.to)}  ${m.src} (priority ${m.priority}, ${m.adverts} adverts, ${(m.to - m.from).toFixed(1)} s, ended: ${m.end})`);
    }
    const anomalies = Object.entries(s.anomalies);
    if (anomalies.length) out(`    anomalies: ${anomalies.map(([k, n]) => `${k} x${n}`).join(', ')}`);
  }
  if (total !== undefined) {
    out('');
    out(
      `${total.frames} frames: ${total.adverts} VRRP adverts, ${total.arp} ARP (${total.garps} gratuitous), ${total.other} other` +
        (total.problems ? `, ${total.problems} capture problem(s)` : ''),
    );
  }
}

/** One JSON object per record, each handed to `out` as one line. */
export function writeJsonLines(records: readonly ReplayRecord[], out: LineSink): void {
  for (const r of records) out(JSON.stringify(r));
}
