/**
 * Human-readable replay timeline (one line per record, like a log) and JSON lines, both produced
 * one record at a time into a `LineSink`, so a caller can format records as they become final
 * (`streamReplay`) and write them out in batches (src/cli/commands/replay.ts).
 */
import { LineBatches, utf8 } from './lines.js';
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
  for (const r of records) out(JSON.stringify(r));
}

/** `JSON.stringify(r)` as a string, through `writeJsonLine` (for tests and the odd record). */
export function jsonLine(r: ReplayRecord): string {
  const out = new LineBatches(4096);
  writeJsonLine(r, out);
  const bytes: Buffer[] = [];
  out.writeTo((b) => bytes.push(b));
  return Buffer.concat(bytes).toString('utf8').slice(0, -1);
}

/**
 * `JSON.stringify(r)` and a newline, byte for byte, written straight into `out` for the records
 * a long capture has many of (fields in the order the analyzer creates them, which is the order
 * of their type); the rest go through JSON.stringify.
 */
export function writeJsonLine(r: ReplayRecord, out: LineBatches): void {
  switch (r.type) {
    case 'transition':
      out.startLine();
      out.piece(J.transition);
      vridJson(r, out);
      out.piece(J.ts);
      num(r.ts, out);
      out.piece(J.from);
      if (r.from === null) out.piece(J.null);
      else str(r.from, out);
      out.piece(J.to);
      str(r.to, out);
      out.piece(J.priority);
      num(r.priority, out);
      out.piece(J.reason);
      str(r.reason, out);
      break;
    case 'master':
      out.startLine();
      out.piece(J.master);
      vridJson(r, out);
      out.piece(J.src);
      str(r.src, out);
      out.piece(J.from);
      num(r.from, out);
      out.piece(J.to);
      num(r.to, out);
      out.piece(J.priority);
      num(r.priority, out);
      out.piece(J.adverts);
      num(r.adverts, out);
      out.piece(J.end);
      str(r.end, out);
      break;
    case 'gap':
      out.startLine();
      out.piece(J.gap);
      vridJson(r, out);
      out.piece(J.from);
      str(r.from, out);
      out.piece(J.to);
      str(r.to, out);
      out.piece(J.lastOld);
      num(r.lastOld, out);
      out.piece(J.firstNew);
      num(r.firstNew, out);
      out.piece(J.seconds);
      num(r.seconds, out);
      break;
    case 'priority':
      out.startLine();
      out.piece(J.priorityType);
      vridJson(r, out);
      out.piece(J.src);
      str(r.src, out);
      out.piece(J.ts);
      num(r.ts, out);
      out.piece(J.from);
      num(r.from, out);
      out.piece(J.to);
      num(r.to, out);
      break;
    case 'resign':
      out.startLine();
      out.piece(J.resign);
      vridJson(r, out);
      out.piece(J.src);
      str(r.src, out);
      out.piece(J.ts);
      num(r.ts, out);
      break;
    case 'garp':
      out.startLine();
      out.piece(J.garp);
      num(r.ts, out);
      out.piece(J.ip);
      str(r.ip, out);
      out.piece(J.mac);
      str(r.mac, out);
      out.piece(J.count);
      num(r.count, out);
      out.piece(J.vrids);
      for (let i = 0; i < r.vrids.length; i++) {
        if (i > 0) out.byte(0x2c);
        num(r.vrids[i], out);
      }
      out.byte(0x5d);
      if (r.src !== undefined) {
        out.piece(J.src);
        str(r.src, out);
      }
      break;
    case 'anomaly':
      out.startLine();
      out.piece(J.anomaly);
      str(r.kind, out);
      if (r.vrid !== undefined) {
        out.piece(J.vridAfter);
        num(r.vrid, out);
      }
      if (r.family !== undefined) {
        out.piece(J.family);
        num(r.family, out);
      }
      if (r.src !== undefined) {
        out.piece(J.src);
        str(r.src, out);
      }
      out.piece(J.ts);
      num(r.ts, out);
      if (r.to !== undefined) {
        out.piece(J.to);
        num(r.to, out);
      }
      out.piece(J.detail);
      out.string(JSON.stringify(r.detail));
      break;
    default:
      out.line(JSON.stringify(r));
      return;
  }
  out.byte(0x7d);
  out.endLine();
}

/** The fixed pieces of the JSON lines, as bytes. */
const J = {
  transition: utf8('{"type":"transition","vrid":'),
  master: utf8('{"type":"master","vrid":'),
  gap: utf8('{"type":"gap","vrid":'),
  priorityType: utf8('{"type":"priority","vrid":'),
  resign: utf8('{"type":"resign","vrid":'),
  garp: utf8('{"type":"garp","ts":'),
  anomaly: utf8('{"type":"anomaly","kind":'),
  vridAfter: utf8(',"vrid":'),
  family: utf8(',"family":'),
  ts: utf8(',"ts":'),
  from: utf8(',"from":'),
  to: utf8(',"to":'),
  src: utf8(',"src":'),
  priority: utf8(',"priority":'),
  reason: utf8(',"reason":'),
  adverts: utf8(',"adverts":'),
  end: utf8(',"end":'),
  lastOld: utf8(',"lastOld":'),
  firstNew: utf8(',"firstNew":'),
  seconds: utf8(',"seconds":'),
  ip: utf8(',"ip":'),
  mac: utf8(',"mac":'),
  count: utf8(',"count":'),
  vrids: utf8(',"vrids":['),
  detail: utf8(',"detail":'),
  null: utf8('null'),
};

/** The VRID, and `"family":6` when the record has one (the `"vrid":` before it is in the opening piece). */
function vridJson(r: { vrid: number; family?: 6 }, out: LineBatches): void {
  num(r.vrid, out);
  if (r.family !== undefined) {
    out.piece(J.family);
    num(r.family, out);
  }
}

const QUOTED_MAX = 4096;
const quoted = new Map<string, Uint8Array>();

/** A string as JSON: addresses and kinds repeat, so each one's bytes are made once. */
function str(s: string, out: LineBatches): void {
  let q = quoted.get(s);
  if (q === undefined) {
    if (quoted.size >= QUOTED_MAX) quoted.clear();
    quoted.set(s, (q = utf8(JSON.stringify(s))));
  }
  out.text(q);
}

/**
 * A number as JSON (as `String(x)` for finite numbers, else `null`). Capture timestamps are whole
 * microseconds: when `x` is exactly the double of its microseconds, their decimal digits (trailing
 * zeros dropped) are its shortest round-trip text, which is what `String` gives; below 2^33 two
 * such decimals are more than a double's spacing apart, so no shorter text could round-trip.
 */
function num(x: number, out: LineBatches): void {
  if (x >= 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x) {
    out.digits(x);
    return;
  }
  if (x > 0 && x < 8_589_934_592) {
    const micros = Math.round(x * 1e6);
    if (micros / 1e6 === x) {
      const whole = Math.floor(micros / 1e6);
      let part = micros - whole * 1e6;
      if (part > 0 && part < 1e6) {
        out.digits(whole);
        out.byte(0x2e);
        let width = 6;
        while (part % 10 === 0) {
          part /= 10;
          width--;
        }
        out.fixedDigits(part, width);
        return;
      }
    }
  }
  out.string(Number.isFinite(x) ? String(x) : 'null');
}
