/**
 * Human-readable replay timeline (one line per record, like a log) and JSON lines, both produced
 * one record at a time into a `LineSink`, so a caller can format records as they become final
 * (`streamReplay`) and write them out in batches (src/cli/commands/replay.ts).
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
  const timeline = new TimelineWriter(out, start);
  for (const r of records) timeline.write(r);
  timeline.end();
}

type MasterRecord = Extract<ReplayRecord, { type: 'master' }>;
type SummaryRecord = Extract<ReplayRecord, { type: 'summary' }>;
type CaptureRecord = Extract<ReplayRecord, { type: 'capture' }>;

/**
 * `writeTimeline` a record at a time: each event's line goes out as its record comes; master
 * periods are listed under their VRID's summary, so they, the summaries and the totals are kept
 * (as text) for `end()`.
 */
export class TimelineWriter {
  private readonly summaries: SummaryRecord[] = [];
  /** Master period lines by VRID key (VRID, +256 for IPv6), in record order. */
  private readonly spans = new Map<number, SpanLines>();
  private total: CaptureRecord | undefined;
  // Records often share a time (a transition and its gap): the last one's text is kept.
  private lastTs = Number.NaN;
  private lastAt = '';

  /** `origin` (epoch s) is where relative times count from; it may be set later, before the first timed record. */
  constructor(
    private readonly out: LineSink,
    public origin: number | null = null,
  ) {}

  write(r: ReplayRecord): void {
    const out = this.out;
    switch (r.type) {
      case 'problem':
        out(problemLine(r));
        break;
      case 'transition':
        out(
          r.from === null
            ? `${this.at(r.ts)}  ${vridText(r)}  ${r.to} is master (priority ${r.priority})`
            : `${this.at(r.ts)}  ${vridText(r)}  ${r.to} takes over from ${r.from} (priority ${r.priority}; old master ${r.reason})`,
        );
        break;
      case 'gap':
        out(`${this.at(r.firstNew)}  ${vridText(r)}  failover gap ${fixed(r.seconds, 3)} s (last advert of ${r.from} -> first of ${r.to})`);
        break;
      case 'master': {
        // Listed under the summary; the text is made now so the record need not be kept.
        const key = r.vrid + (r.family === 6 ? 256 : 0);
        let lines = this.spans.get(key);
        if (lines === undefined) this.spans.set(key, (lines = new SpanLines()));
        lines.add(spanLine(r));
        break;
      }
      case 'priority':
        out(`${this.at(r.ts)}  ${vridText(r)}  ${r.src} priority ${r.from} -> ${r.to}`);
        break;
      case 'resign':
        out(`${this.at(r.ts)}  ${vridText(r)}  ${r.src} resigns (priority 0)`);
        break;
      case 'garp':
        out(
          `${this.at(r.ts)}  gratuitous ARP x${r.count} for ${r.ip} from ${r.mac}${r.src ? ` (${r.src})` : ''}` +
            (r.vrids.length ? ` [VRID ${r.vrids.join(', ')}]` : ' [no VRID advertises it]'),
        );
        break;
      case 'anomaly':
        out(`${this.at(r.ts)}  ${r.vrid === undefined ? '' : `${vridText({ vrid: r.vrid, family: r.family })}  `}ANOMALY ${r.kind}: ${r.detail}`);
        break;
      case 'summary':
        this.summaries.push(r);
        break;
      case 'capture':
        this.total ??= r;
        break;
    }
  }

  /** The master periods per VRID and the totals. */
  end(): void {
    const out = this.out;
    const summaries = this.summaries;
    if (summaries.length > 0) {
      out('');
      out('Masters:');
    }
    for (const s of summaries) {
      out(`  ${vridText(s)}: ${s.adverts} adverts from ${s.sources.map((x) => `${x.src} (${x.adverts}, priorities ${x.priorities.join('/')}${x.virtualMac ? ', from the virtual MAC' : ''})`).join(', ')}`);
      this.spans.get(s.vrid + (s.family === 6 ? 256 : 0))?.writeTo(out);
      const anomalies = Object.entries(s.anomalies);
      if (anomalies.length) out(`    anomalies: ${anomalies.map(([k, n]) => `${k} x${n}`).join(', ')}`);
    }
    const total = this.total;
    if (total !== undefined) {
      out('');
      out(
        `${total.frames} frames: ${total.adverts} VRRP adverts, ${total.arp} ARP (${total.garps} gratuitous), ${total.other} other` +
          (total.problems ? `, ${total.problems} capture problem(s)` : ''),
      );
    }
  }

  private at(ts: number): string {
    if (ts !== this.lastTs) {
      this.lastTs = ts;
      this.lastAt = `${clock(ts)} +${fixed(ts - (this.origin ?? 0), 3).padStart(8)}s`;
    }
    return this.lastAt;
  }
}

/** A file problem's line in the timeline. */
export function problemLine(p: Extract<ReplayRecord, { type: 'problem' }>): string {
  return `capture problem at byte ${p.fileOffset}: ${p.message}`;
}

/** Lines per joined block of `SpanLines`. */
const SPAN_BLOCK = 256;

/**
 * Lines kept for the end, joined into flat blocks as they come: a long capture has tens of
 * thousands of master periods, and each line as built is a tree of string pieces, costly to
 * keep alive (the garbage collector walks every piece of every kept tree).
 */
class SpanLines {
  private readonly blocks: string[] = [];
  private recent: string[] = [];

  add(line: string): void {
    this.recent.push(line);
    if (this.recent.length === SPAN_BLOCK) {
      this.blocks.push(this.recent.join('\n'));
      this.recent = [];
    }
  }

  writeTo(out: LineSink): void {
    for (const block of this.blocks) for (const line of block.split('\n')) out(line);
    for (const line of this.recent) out(line);
  }
}

function spanLine(m: MasterRecord): string {
  return `    ${clock(m.from)} .. ${clock(m.to)}  ${m.src} (priority ${m.priority}, ${m.adverts} adverts, ${fixed(m.to - m.from, 1)} s, ended: ${m.end})`;
}

const POWERS = [1, 10, 100, 1000];

/**
 * `x.toFixed(digits)` (digits 1 to 3) by integer arithmetic where that is exact: away from a
 * rounding tie the product's own rounding cannot change the nearest integer.
 */
function fixed(x: number, digits: 1 | 3): string {
  if (x >= 0 && x < 1e9) {
    const scale = POWERS[digits];
    const y = x * scale;
    const n = Math.round(y);
    if (Math.abs(y - n) < 0.499) {
      const whole = Math.floor(n / scale);
      const part = n - whole * scale;
      return `${whole}.${digits === 3 ? THREE[part] : part}`;
    }
  }
  return x.toFixed(digits);
}

/** One JSON object per record, each handed to `out` as one line. */
export function writeJsonLines(records: readonly ReplayRecord[], out: LineSink): void {
  for (const r of records) out(jsonLine(r));
}

/**
 * `JSON.stringify(r)`, byte for byte, built by hand for the records a long capture has many of
 * (fields in the order the analyzer creates them, which is the order of their type); the rest
 * go through JSON.stringify.
 */
export function jsonLine(r: ReplayRecord): string {
  switch (r.type) {
    case 'transition':
      return `{"type":"transition",${vridJson(r)}"ts":${num(r.ts)},"from":${r.from === null ? 'null' : str(r.from)},"to":${str(r.to)},"priority":${num(r.priority)},"reason":${str(r.reason)}}`;
    case 'master':
      return `{"type":"master",${vridJson(r)}"src":${str(r.src)},"from":${num(r.from)},"to":${num(r.to)},"priority":${num(r.priority)},"adverts":${num(r.adverts)},"end":${str(r.end)}}`;
    case 'gap':
      return `{"type":"gap",${vridJson(r)}"from":${str(r.from)},"to":${str(r.to)},"lastOld":${num(r.lastOld)},"firstNew":${num(r.firstNew)},"seconds":${num(r.seconds)}}`;
    case 'priority':
      return `{"type":"priority",${vridJson(r)}"src":${str(r.src)},"ts":${num(r.ts)},"from":${num(r.from)},"to":${num(r.to)}}`;
    case 'resign':
      return `{"type":"resign",${vridJson(r)}"src":${str(r.src)},"ts":${num(r.ts)}}`;
    case 'garp': {
      let vrids = '';
      for (let i = 0; i < r.vrids.length; i++) vrids += (i === 0 ? '' : ',') + num(r.vrids[i]);
      return `{"type":"garp","ts":${num(r.ts)},"ip":${str(r.ip)},"mac":${str(r.mac)},"count":${num(r.count)},"vrids":[${vrids}]${r.src === undefined ? '' : `,"src":${str(r.src)}`}}`;
    }
    case 'anomaly':
      return (
        `{"type":"anomaly","kind":${str(r.kind)},${r.vrid === undefined ? '' : `"vrid":${num(r.vrid)},`}${r.family === undefined ? '' : `"family":${num(r.family)},`}` +
        `${r.src === undefined ? '' : `"src":${str(r.src)},`}"ts":${num(r.ts)},${r.to === undefined ? '' : `"to":${num(r.to)},`}"detail":${JSON.stringify(r.detail)}}`
      );
    default:
      return JSON.stringify(r);
  }
}

/** `"vrid":N,` and `"family":6,` when the record has one. */
function vridJson(r: { vrid: number; family?: 6 }): string {
  return r.family === undefined ? `"vrid":${num(r.vrid)},` : `"vrid":${num(r.vrid)},"family":${num(r.family)},`;
}

const QUOTED_MAX = 4096;
const quoted = new Map<string, string>();

/** A string as JSON: addresses and kinds repeat, so each one's text is made once. */
function str(s: string): string {
  let q = quoted.get(s);
  if (q === undefined) {
    if (quoted.size >= QUOTED_MAX) quoted.clear();
    quoted.set(s, (q = JSON.stringify(s)));
  }
  return q;
}

const TRIMMED = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0').replace(/0+$/, ''));
let lastNum = Number.NaN;
let lastNumText = '';

/**
 * A number as JSON (as `String(x)` for finite numbers, else `null`). Capture timestamps are whole
 * microseconds: when `x` is exactly the double of its microseconds, their decimal digits (trailing
 * zeros dropped) are its shortest round-trip text, which is what `String` gives; below 2^33 two
 * such decimals are more than a double's spacing apart, so no shorter text could round-trip.
 */
function num(x: number): string {
  if ((x | 0) === x) return String(x);
  if (x === lastNum) return lastNumText;
  let text: string | undefined;
  if (x > 0 && x < 8_589_934_592) {
    const micros = Math.round(x * 1e6);
    if (micros / 1e6 === x) {
      const whole = Math.floor(micros / 1e6);
      const part = micros - whole * 1e6;
      if (part > 0 && part < 1e6) {
        const high = Math.floor(part / 1000);
        const low = part - high * 1000;
        text = low === 0 ? `${whole}.${TRIMMED[high]}` : `${whole}.${THREE[high]}${TRIMMED[low]}`;
      }
    }
  }
  text ??= Number.isFinite(x) ? String(x) : 'null';
  lastNum = x;
  lastNumText = text;
  return text;
}
