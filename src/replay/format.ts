/**
 * Human-readable replay timeline (one line per record, like a log) and JSON lines, both produced
 * one record at a time into a `LineSink`, so a caller can format records as they become final
 * (`streamReplay`) and write them out in batches (src/cli/commands/replay.ts).
 */
import { LineBatches, StringBytes, utf8 } from './lines.js';
import { SpillingSpans } from './spans.js';
import type { ReplayRecord } from './records.js';

/** Receives output lines one by one, without their newline. */
export type LineSink = (line: string) => void;

const MS_PER_DAY = 86_400_000;

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

/**
 * Lines for a whole record list; `start` (epoch s) is the origin of the relative times. (A line
 * whose text has a newline in it, such as a password in an anomaly, comes as two.)
 */
export function formatTimeline(records: readonly ReplayRecord[], start: number | null): string[] {
  const lines: string[] = [];
  writeTimeline(records, start, (line) => lines.push(line));
  return lines;
}

/** The lines of `formatTimeline`, handed to `out` one at a time. */
export function writeTimeline(records: readonly ReplayRecord[], start: number | null, out: LineSink): void {
  const bytes = new LineBatches(1 << 16);
  const timeline = new TimelineWriter(bytes, start);
  for (const r of records) timeline.write(r);
  timeline.end();
  const chunks: Buffer[] = [];
  bytes.writeTo((b) => chunks.push(b));
  const text = Buffer.concat(chunks).toString('utf8');
  for (const line of text.slice(0, -1).split('\n')) out(line);
}

type MasterRecord = Extract<ReplayRecord, { type: 'master' }>;
type GarpRecord = Extract<ReplayRecord, { type: 'garp' }>;
type SummaryRecord = Extract<ReplayRecord, { type: 'summary' }>;
type CaptureRecord = Extract<ReplayRecord, { type: 'capture' }>;

/**
 * The timeline a record at a time, written straight into output bytes: each event's line goes
 * out as its record comes; master periods are listed under their VRID's summary, so their lines
 * (bytes, in `spans`), the summaries and the totals are kept for `end()`.
 */
export class TimelineWriter {
  private readonly summaries: SummaryRecord[] = [];
  private total: CaptureRecord | undefined;
  private readonly garpTails = new GarpTails();

  /**
   * `origin` (epoch s) is where relative times count from; it may be set later, before the first
   * timed record. `spans` keeps the master period lines (by default all in memory).
   */
  constructor(
    private readonly out: LineBatches,
    public origin: number | null = null,
    private readonly spans = new SpillingSpans(Number.POSITIVE_INFINITY),
  ) {}

  write(r: ReplayRecord): void {
    const out = this.out;
    switch (r.type) {
      case 'problem':
        out.line(problemLine(r));
        return;
      case 'transition':
        this.at(r.ts);
        vridBytes(r, out);
        out.piece(T.twoSpaces);
        text(r.to, out);
        if (r.from === null) {
          out.piece(T.isMaster);
          number(r.priority, out);
        } else if (r.from === r.to) {
          // Its own comeback after a silence: not a takeover.
          out.piece(T.isMasterAgain);
          number(r.priority, out);
          out.piece(T.afterSilence);
        } else {
          out.piece(T.takesOverFrom);
          text(r.from, out);
          out.piece(T.priorityOpen);
          number(r.priority, out);
          out.piece(T.oldMaster);
          text(r.reason, out);
        }
        out.byte(0x29);
        break;
      case 'gap':
        this.at(r.firstNew);
        vridBytes(r, out);
        out.piece(T.failoverGap);
        fixedBytes(r.seconds, 3, 0, out);
        out.piece(T.lastAdvertOf);
        text(r.from, out);
        out.piece(T.firstOf);
        text(r.to, out);
        out.byte(0x29);
        break;
      case 'master': {
        // Listed under the summary; the line is made now so the record need not be kept.
        spanLine(r, this.spans.lines(r.vrid + (r.family === 6 ? 256 : 0)));
        return;
      }
      case 'priority':
        this.at(r.ts);
        vridBytes(r, out);
        out.piece(T.twoSpaces);
        text(r.src, out);
        out.piece(T.priorityWord);
        number(r.from, out);
        out.piece(T.arrow);
        number(r.to, out);
        break;
      case 'resign':
        this.at(r.ts);
        vridBytes(r, out);
        out.piece(T.twoSpaces);
        text(r.src, out);
        out.piece(T.resigns);
        break;
      case 'garp': {
        this.at(r.ts);
        const known = this.garpTails.find(r);
        if (known !== undefined) {
          out.piece(known);
          break;
        }
        const from = out.position();
        out.piece(T.garp);
        number(r.count, out);
        if (r.last !== undefined) {
          out.piece(T.over);
          fixedBytes(r.last - r.ts, 1, 0, out);
          out.piece(T.seconds);
        }
        out.piece(T.for);
        text(r.ip, out);
        out.piece(T.fromWord);
        text(r.mac, out);
        if (r.src) {
          out.piece(T.spaceOpen);
          text(r.src, out);
          out.byte(0x29);
        }
        if (r.vrids.length) {
          out.piece(T.vridList);
          for (let i = 0; i < r.vrids.length; i++) {
            if (i > 0) out.piece(T.comma);
            number(r.vrids[i], out);
          }
          out.byte(0x5d);
        } else out.piece(T.noVrid);
        this.garpTails.remember(r, out.copySince(from));
        break;
      }
      case 'anomaly':
        this.at(r.ts);
        if (r.vrid !== undefined) {
          vridBytes({ vrid: r.vrid, family: r.family }, out);
          out.piece(T.twoSpaces);
        }
        out.piece(T.anomaly);
        text(r.kind, out);
        out.piece(T.colon);
        // Details repeat too (the same two masters for the same time, copy after copy).
        text(r.detail, out);
        break;
      case 'summary':
        this.summaries.push(r);
        return;
      case 'capture':
        this.total ??= r;
        return;
    }
    out.endLine();
  }

  /** The master periods per VRID and the totals. */
  end(): void {
    const out = this.out;
    const summaries = this.summaries;
    if (summaries.length > 0) {
      out.line('');
      out.line('Masters:');
    }
    for (const s of summaries) {
      out.line(`  ${vridText(s)}: ${s.adverts} adverts from ${s.sources.map((x) => `${x.src} (${x.adverts}, priorities ${x.priorities.join('/')}${x.virtualMac ? ', from the virtual MAC' : ''})`).join(', ')}`);
      this.spans.appendTo(s.vrid + (s.family === 6 ? 256 : 0), out);
      if (s.garps !== undefined && s.garps.length > 0) {
        out.line(`    gratuitous ARPs: ${s.garps.map((g) => `${g.mac}${g.src === undefined ? '' : ` (${g.src})`} x${g.count}`).join(', ')}`);
      }
      const anomalies = Object.entries(s.anomalies);
      if (anomalies.length) out.line(`    anomalies: ${anomalies.map(([k, n]) => `${k} x${n}`).join(', ')}`);
    }
    const total = this.total;
    if (total !== undefined) {
      out.line('');
      out.line(
        `${total.frames} frames: ${total.adverts} VRRP adverts, ${total.arp} ARP (${total.garps} gratuitous), ${total.other} other` +
          (total.problems ? `, ${total.problems} capture problem(s)` : '') +
          (total.keepalived !== undefined ? `; read as keepalived ${total.keepalived}` : ''),
      );
    }
  }

  /** A line's start: `YYYY-MM-DD hh:mm:ss.mmm +%8.3fs  ` of the record's time. */
  private at(ts: number): void {
    const out = this.out;
    out.startLine();
    clockBytes(ts, out);
    out.piece(T.spacePlus);
    fixedBytes(ts - (this.origin ?? 0), 3, 8, out);
    out.piece(T.secondsSpaces);
  }
}

/** Tails kept per line format: a few bursts' worth. */
const GARP_TAILS = 8;

/**
 * A GARP line's bytes after its time, kept for the last few (address, MAC, count, VRIDs, sender):
 * most bursts repeat one of them, and their bytes then go out in one copy.
 */
class GarpTails {
  private readonly records: GarpRecord[] = [];
  private readonly tails: Uint8Array[] = [];
  private next = 0;

  find(r: GarpRecord): Uint8Array | undefined {
    const records = this.records;
    for (let i = 0; i < records.length; i++) if (sameTail(records[i], r)) return this.tails[i];
    return undefined;
  }

  /** `tail` (undefined: it could not be copied) is the bytes made for `r`. */
  remember(r: GarpRecord, tail: Uint8Array | undefined): void {
    if (tail === undefined) return;
    const slot = this.next;
    this.next = (slot + 1) % GARP_TAILS;
    this.records[slot] = r;
    this.tails[slot] = tail;
  }
}

/** Whether two GARP records' lines are the same after their time. */
function sameTail(a: GarpRecord, b: GarpRecord): boolean {
  if (a.ip !== b.ip || a.mac !== b.mac || a.count !== b.count || a.src !== b.src || a.vrids.length !== b.vrids.length) return false;
  // A long burst's tail has its length in it.
  if (a.last !== undefined || b.last !== undefined) return false;
  for (let i = 0; i < a.vrids.length; i++) if (a.vrids[i] !== b.vrids[i]) return false;
  return true;
}

/** A file problem's line in the timeline. */
export function problemLine(p: Extract<ReplayRecord, { type: 'problem' }>): string {
  return `capture problem at byte ${p.fileOffset}: ${p.message}`;
}

function spanLine(m: MasterRecord, out: LineBatches): void {
  out.startLine();
  out.piece(T.indent);
  clockBytes(m.from, out);
  out.piece(T.dots);
  clockBytes(m.to, out);
  out.piece(T.twoSpaces);
  text(m.src, out);
  out.piece(T.priorityOpen);
  number(m.priority, out);
  out.piece(T.commaSpace);
  number(m.adverts, out);
  out.piece(T.adverts);
  fixedBytes(m.to - m.from, 1, 0, out);
  out.piece(T.ended);
  text(m.end, out);
  out.byte(0x29);
  out.endLine();
}

/** The fixed pieces of the timeline lines, as bytes. */
const T = {
  twoSpaces: utf8('  '),
  spacePlus: utf8(' +'),
  secondsSpaces: utf8('s  '),
  isMaster: utf8(' is master (priority '),
  isMasterAgain: utf8(' is master again (priority '),
  over: utf8(' over '),
  seconds: utf8(' s'),
  afterSilence: utf8('; after a silence of its own'),
  takesOverFrom: utf8(' takes over from '),
  priorityOpen: utf8(' (priority '),
  oldMaster: utf8('; old master '),
  failoverGap: utf8('  failover gap '),
  lastAdvertOf: utf8(' s (last advert of '),
  firstOf: utf8(' -> first of '),
  priorityWord: utf8(' priority '),
  arrow: utf8(' -> '),
  resigns: utf8(' resigns (priority 0)'),
  garp: utf8('gratuitous ARP x'),
  for: utf8(' for '),
  fromWord: utf8(' from '),
  spaceOpen: utf8(' ('),
  vridList: utf8(' [VRID '),
  comma: utf8(', '),
  noVrid: utf8(' [no VRID advertises it]'),
  anomaly: utf8('ANOMALY '),
  colon: utf8(': '),
  indent: utf8('    '),
  dots: utf8(' .. '),
  commaSpace: utf8(', '),
  adverts: utf8(' adverts, '),
  ended: utf8(' s, ended: '),
};

const VRID_BYTES: Uint8Array[] = [];

function vridBytes(r: { vrid: number; family?: 6 }, out: LineBatches): void {
  const vrid = r.vrid;
  if (!(vrid >= 0 && vrid <= 255 && Number.isInteger(vrid))) {
    out.string(vridText(r));
    return;
  }
  out.piece((VRID_BYTES[r.family === 6 ? vrid + 256 : vrid] ??= utf8(vridText(r))));
}

const textBytes = new StringBytes(utf8);

/** A string's bytes: addresses, kinds and reasons repeat, so each one's are made once. */
function text(s: string, out: LineBatches): void {
  out.piece(textBytes.get(s));
}

/** A number as a template literal writes it. */
function number(x: number, out: LineBatches): void {
  if (x >= 0 && x <= Number.MAX_SAFE_INTEGER && Math.floor(x) === x) out.digits(x);
  else out.string(String(x));
}

const POWERS = [1, 10, 100, 1000];

/**
 * `x.toFixed(digits).padStart(width)` (digits 1 or 3) by integer arithmetic where that is exact:
 * away from a rounding tie, the product's own rounding cannot change the nearest integer.
 */
function fixedBytes(x: number, digits: 1 | 3, width: number, out: LineBatches): void {
  if (x >= 0 && x < 1e9) {
    const scale = POWERS[digits];
    const y = x * scale;
    const n = Math.round(y);
    if (Math.abs(y - n) < 0.499) {
      const whole = Math.floor(n / scale);
      let len = digits + 2;
      for (let p = 10; p <= whole; p *= 10) len++;
      for (; len < width; len++) out.byte(0x20);
      out.digits(whole);
      out.byte(0x2e);
      out.fixedDigits(n - whole * scale, digits);
      return;
    }
  }
  out.string(x.toFixed(digits).padStart(width));
}

/** `clock(ts)` into the bytes: the date part made once per day, the time of day by arithmetic. */
function clockBytes(ts: number, out: LineBatches): void {
  // Date truncates a fractional time value towards zero (TimeClip).
  const ms = Math.trunc(ts * 1000);
  if (!(ms >= 0 && ms < 8.64e15)) {
    out.string(slowClock(ts));
    return;
  }
  const day = Math.floor(ms / MS_PER_DAY);
  if (day !== cachedDayBytesDay) {
    cachedDayBytesDay = day;
    cachedDayBytes = utf8(slowClock(day * 86_400).slice(0, 11));
  }
  out.piece(cachedDayBytes);
  // Milliseconds of the day fit in 32 bits: integer arithmetic from here.
  let rest = (ms - day * MS_PER_DAY) | 0;
  const h = (rest / 3_600_000) | 0;
  rest -= h * 3_600_000;
  const m = (rest / 60_000) | 0;
  rest -= m * 60_000;
  const s = (rest / 1000) | 0;
  out.timeOfDay(h, m, s, rest - s * 1000);
}

let cachedDayBytesDay = Number.NaN;
let cachedDayBytes: Uint8Array = new Uint8Array(0);

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
    case 'garp': {
      out.startLine();
      out.piece(J.garp);
      num(r.ts, out);
      const known = jsonGarpTails.find(r);
      if (known !== undefined) {
        out.piece(known);
        break;
      }
      const from = out.position();
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
      if (r.last !== undefined) {
        out.piece(J.last);
        num(r.last, out);
      }
      jsonGarpTails.remember(r, out.copySince(from));
      break;
    }
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
      str(r.detail, out);
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
  last: utf8(',"last":'),
  firstNew: utf8(',"firstNew":'),
  seconds: utf8(',"seconds":'),
  ip: utf8(',"ip":'),
  mac: utf8(',"mac":'),
  count: utf8(',"count":'),
  vrids: utf8(',"vrids":['),
  detail: utf8(',"detail":'),
  null: utf8('null'),
};

const jsonGarpTails = new GarpTails();

/** The VRID, and `"family":6` when the record has one (the `"vrid":` before it is in the opening piece). */
function vridJson(r: { vrid: number; family?: 6 }, out: LineBatches): void {
  num(r.vrid, out);
  if (r.family !== undefined) {
    out.piece(J.family);
    num(r.family, out);
  }
}

const quoted = new StringBytes((s) => utf8(JSON.stringify(s)));

/** A string as JSON: addresses and kinds repeat, so each one's bytes are made once. */
function str(s: string, out: LineBatches): void {
  out.piece(quoted.get(s));
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
      const part = micros - whole * 1e6;
      if (part > 0 && part < 1e6) {
        out.digits(whole);
        out.byte(0x2e);
        let width = 6;
        // Below 10^6: 32-bit integer arithmetic.
        let digits = part | 0;
        while (digits % 10 === 0) {
          digits = (digits / 10) | 0;
          width--;
        }
        out.fixedDigits(digits, width);
        return;
      }
    }
  }
  out.string(Number.isFinite(x) ? String(x) : 'null');
}
