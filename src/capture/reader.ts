/**
 * Streaming reader for classic pcap and pcapng capture files.
 *
 * - pcap: microsecond and nanosecond magic, either byte order (and the old "modified pcap"
 *   record layout with its 8 extra bytes per record).
 * - pcapng: any number of sections (each with its own byte order), several interfaces with their
 *   own link type, `if_tsresol` and `if_tsoffset`; Enhanced, Simple and obsolete Packet blocks;
 *   other blocks are skipped.
 *
 * The file is read in large chunks; each frame's `data` is a view into the current chunk and is
 * only valid until the next frame is asked for (copy it if you keep it). Nothing here throws on bad
 * input: what can be read is yielded, the rest is reported through `onProblem` with its offset.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import type { CapturedFrame, CaptureProblem, FrameCursor } from './types.js';
import { ReadWindow } from './window.js';

export interface ReadCaptureOptions {
  onProblem?: (problem: CaptureProblem) => void;
  /** Called after each chunk read from the file. */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Read chunk size in bytes (tests use tiny chunks to exercise refills). */
  chunkSize?: number;
}

/** Magic numbers as read little-endian from the first four bytes. */
export const PCAP_US_LE = 0xa1b2c3d4;
const PCAP_US_BE = 0xd4c3b2a1;
export const PCAP_NS_LE = 0xa1b23c4d;
const PCAP_NS_BE = 0x4d3cb2a1;
const PCAP_MODIFIED_LE = 0xa1b2cd34;
const PCAP_MODIFIED_BE = 0x34cdb2a1;
export const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

export const PCAP_HEADER_LEN = 24;
/** Records larger than this are taken as corruption (Wireshark's own limit is 256 KiB for most links). */
export const MAX_RECORD = 16 * 1024 * 1024;

export function* readCaptureFile(path: string, options: ReadCaptureOptions = {}): Generator<CapturedFrame> {
  for (const c of scanCaptureFile(path, options)) {
    yield { ts: c.ts, linkType: c.linkType, data: c.bytes.subarray(c.start, c.end), originalLength: c.originalLength, fileOffset: c.fileOffset };
  }
}

/**
 * A capture file read one frame at a time: `next()` hands out the same cursor object each time,
 * pointing into the read buffer (`bytes[start..end)`) and valid until the next call, or undefined
 * once the file has ended (it is then closed). `close()` leaves it early. A plain method call per
 * frame: no generator to resume, no iterator result to allocate.
 */
export interface CaptureFrames {
  next(): FrameCursor | undefined;
  close(): void;
}

/**
 * `readCaptureFile` without an allocation per frame, for `for...of` loops: every frame is the
 * same cursor object (as `CaptureFrames` hands it out). The file is opened when iteration starts
 * and closed when it ends or is left.
 */
export function scanCaptureFile(path: string, options: ReadCaptureOptions = {}): Iterable<FrameCursor> {
  return {
    [Symbol.iterator]: (): Iterator<FrameCursor> => {
      const frames = openCaptureFrames(path, options);
      return {
        next: () => {
          const value = frames.next();
          return value === undefined ? { done: true, value: undefined } : { done: false, value };
        },
        return: () => {
          frames.close();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

const NO_FRAMES: CaptureFrames = { next: () => undefined, close: () => {} };

/** Opens a capture file for reading frame by frame; problems (even a missing file) go to `onProblem`, never thrown. */
export function openCaptureFrames(path: string, options: ReadCaptureOptions = {}): CaptureFrames {
  const report = options.onProblem ?? (() => {});
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    report({ fileOffset: 0, message: `cannot open ${path}: ${error instanceof Error ? error.message : String(error)}` });
    return NO_FRAMES;
  }
  let handedOn = false;
  try {
    let size: number;
    try {
      size = fstatSync(fd).size;
    } catch (error) {
      report({ fileOffset: 0, message: `cannot stat ${path}: ${error instanceof Error ? error.message : String(error)}` });
      return NO_FRAMES;
    }
    const win = new ReadWindow(fd, size, options.onProgress, options.chunkSize);
    const at = win.need(0, 4);
    if (at < 0) {
      report({ fileOffset: 0, message: `file too short to be a capture (${size} bytes)` });
      return NO_FRAMES;
    }
    const magic = win.view.getUint32(at, true);
    switch (magic) {
      case PCAP_US_LE:
      case PCAP_US_BE:
      case PCAP_NS_LE:
      case PCAP_NS_BE:
      case PCAP_MODIFIED_LE:
      case PCAP_MODIFIED_BE:
        handedOn = true;
        return new PcapFrames(win, magic, report, fd);
      case PCAPNG_SHB:
        handedOn = true;
        return new PcapngFrames(win, report, fd);
      default:
        report({ fileOffset: 0, message: `not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})` });
        return NO_FRAMES;
    }
  } finally {
    if (!handedOn) closeSync(fd);
  }
}

function newCursor(): FrameCursor {
  return { ts: 0, linkType: 0, bytes: new Uint8Array(0), start: 0, end: 0, originalLength: 0, fileOffset: 0 };
}

/** The file behind a reader, closed once (at the end, on a fatal problem, or when left early). */
abstract class FileFrames implements CaptureFrames {
  protected readonly frame = newCursor();
  private open = true;

  constructor(
    protected readonly win: ReadWindow,
    protected readonly report: (p: CaptureProblem) => void,
    private readonly fd: number,
  ) {}

  abstract next(): FrameCursor | undefined;

  /** The cursor, pointed at the frame whose captured bytes are [start, end) of the read window. */
  protected frameAt(ts: number, linkType: number, start: number, end: number, originalLength: number, fileOffset: number): FrameCursor {
    const frame = this.frame;
    frame.ts = ts;
    frame.linkType = linkType;
    frame.bytes = this.win.bytes;
    frame.start = start;
    frame.end = end;
    frame.originalLength = originalLength;
    frame.fileOffset = fileOffset;
    return frame;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    closeSync(this.fd);
  }

  /** The end of the frames: the file is closed. */
  protected done(): undefined {
    this.close();
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Classic pcap

class PcapFrames extends FileFrames {
  private readonly little: boolean;
  private readonly recordHeader: number;
  private readonly fracScale: number;
  private readonly fracLimit: number;
  private readonly linkType: number = 0;
  /** Captured lengths above this are taken as a corrupt record header. */
  private readonly limit: number = 0;
  /** File offset of the next record (the file size once it has ended). */
  private off = PCAP_HEADER_LEN;
  private lastSec = -1;

  constructor(win: ReadWindow, magic: number, report: (p: CaptureProblem) => void, fd: number) {
    super(win, report, fd);
    this.little = magic === PCAP_US_LE || magic === PCAP_NS_LE || magic === PCAP_MODIFIED_LE;
    const nano = magic === PCAP_NS_LE || magic === PCAP_NS_BE;
    this.recordHeader = magic === PCAP_MODIFIED_LE || magic === PCAP_MODIFIED_BE ? 24 : 16;
    this.fracScale = nano ? 1e-9 : 1e-6;
    this.fracLimit = nano ? 1e9 : 1e6;
    const at = win.need(0, PCAP_HEADER_LEN);
    if (at < 0) {
      report({ fileOffset: 0, message: `truncated pcap file header (${win.fileSize} of ${PCAP_HEADER_LEN} bytes)` });
      this.off = win.fileSize;
      return;
    }
    const snaplen = win.view.getUint32(at + 16, this.little);
    // The upper bits of the link type field carry FCS information (pcap spec, LinkType field).
    this.linkType = win.view.getUint32(at + 20, this.little) & 0x0fffffff;
    this.limit = Math.min(MAX_RECORD, Math.max(snaplen, 262144));
  }

  next(): FrameCursor | undefined {
    const { win, little, recordHeader } = this;
    const size = win.fileSize;
    let off = this.off;
    while (off < size) {
      const at = win.need(off, recordHeader);
      if (at < 0) {
        this.report({ fileOffset: off, message: `truncated pcap record header: ${size - off} of ${recordHeader} bytes at end of file` });
        break;
      }
      const v = win.view;
      const incl = v.getUint32(at + 8, little);
      if (incl > this.limit) {
        const next = this.resync(off + 1);
        this.report({
          fileOffset: off,
          message: `corrupt pcap record header (captured length ${incl})` +
            (next < 0 ? '; no further valid record found, rest of file skipped' : `; skipped ${next - off} bytes to the next valid record at ${next}`),
        });
        if (next < 0) break;
        off = next;
        continue;
      }
      const sec = v.getUint32(at, little);
      const frac = v.getUint32(at + 4, little);
      const orig = v.getUint32(at + 12, little);
      const dataAt = win.need(off + recordHeader, incl);
      if (dataAt < 0) {
        this.report({ fileOffset: off, message: `truncated pcap record: ${size - off - recordHeader} of ${incl} captured bytes at end of file` });
        break;
      }
      this.lastSec = sec;
      this.off = off + recordHeader + incl;
      return this.frameAt(sec + frac * this.fracScale, this.linkType, dataAt, dataAt + incl, orig, off);
    }
    this.off = size;
    return this.done();
  }

  /** A record header that could be real (`strict`: also its lengths, fraction and time against the last record's). */
  private plausible(idx: number, strict: boolean): boolean {
    const { little } = this;
    const v = this.win.view;
    const sec = v.getUint32(idx, little);
    const frac = v.getUint32(idx + 4, little);
    const incl = v.getUint32(idx + 8, little);
    const orig = v.getUint32(idx + 12, little);
    if (incl > this.limit) return false;
    if (!strict) return true;
    if (incl === 0 || frac >= this.fracLimit || orig < incl || orig > MAX_RECORD) return false;
    return this.lastSec < 0 || Math.abs(sec - this.lastSec) < 10 * 365 * 86400;
  }

  /** The next offset (>= from) where a plausible record header is followed by another one (or the end); -1 for none. */
  private resync(from: number): number {
    const { win, recordHeader, little } = this;
    const size = win.fileSize;
    for (let pos = from; pos + recordHeader <= size; pos++) {
      const at = win.need(pos, recordHeader);
      if (at < 0) return -1;
      if (!this.plausible(at, true)) continue;
      const next = pos + recordHeader + win.view.getUint32(at + 8, little);
      if (next === size) return pos;
      if (next > size) continue;
      const nat = win.need(next, recordHeader);
      if (nat < 0) return pos; // a truncated header follows: still take this record
      if (this.plausible(nat, true)) return pos;
      // `need(next)` may have moved the window; `pos` is re-fetched on the next iteration.
    }
    return -1;
  }
}

// ---------------------------------------------------------------------------------------------
// pcapng

const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_NRB = 0x00000004;
const BT_ISB = 0x00000005;
const BT_EPB = 0x00000006;
const BT_JOURNAL = 0x00000009;
const BT_DSB = 0x0000000a;
const BT_CUSTOM = 0x00000bad;
const BT_CUSTOM_NOCOPY = 0x40000bad;
const KNOWN_BLOCKS = new Set([PCAPNG_SHB, BT_IDB, BT_OPB, BT_SPB, BT_NRB, BT_ISB, BT_EPB, BT_JOURNAL, BT_DSB, BT_CUSTOM, BT_CUSTOM_NOCOPY]);

const OPT_END = 0;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

interface Interface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  unitsPerSecond: number;
  offsetSeconds: number;
}

class PcapngFrames extends FileFrames {
  /** Byte order of the current section. */
  private little = true;
  private interfaces: Interface[] = [];
  /** The last packet's timestamp (Simple Packet Blocks have none of their own). */
  private lastTs = 0;
  /** File offset of the next block. */
  private off = 0;

  next(): FrameCursor | undefined {
    const { win, report } = this;
    const size = win.fileSize;
    while (this.off < size) {
      const off = this.off;
      let at = win.need(off, 12);
      if (at < 0) {
        report({ fileOffset: off, message: `truncated pcapng block header: ${size - off} bytes at end of file` });
        break;
      }
      let type = win.view.getUint32(at, this.little);
      if (type === PCAPNG_SHB) {
        // The byte-order magic decides how this section (including the SHB's own length) is read.
        const bom = win.view.getUint32(at + 8, true);
        if (bom === PCAPNG_BOM) this.little = true;
        else if (bom === 0x4d3c2b1a) this.little = false;
        else {
          if (!this.skipCorrupt(off, `pcapng section header with unknown byte-order magic 0x${bom.toString(16)}`)) break;
          continue;
        }
        type = PCAPNG_SHB;
      }
      const little = this.little;
      const len = win.view.getUint32(at + 4, little);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
        if (!this.skipCorrupt(off, `corrupt pcapng block (type 0x${type.toString(16)}, length ${len})`)) break;
        continue;
      }
      at = win.need(off, len);
      if (at < 0) {
        report({ fileOffset: off, message: `truncated pcapng block (type 0x${type.toString(16)}): ${size - off} of ${len} bytes at end of file` });
        break;
      }
      const v = win.view;
      if (v.getUint32(at + len - 4, little) !== len) {
        if (!this.skipCorrupt(off, `corrupt pcapng block (type 0x${type.toString(16)}): trailing length does not match ${len}`)) break;
        continue;
      }
      this.off = off + len;
      const body = at + 8;
      const bodyEnd = at + len - 4;
      switch (type) {
        case PCAPNG_SHB:
          this.interfaces = [];
          break;
        case BT_IDB: {
          if (bodyEnd - body < 8) {
            report({ fileOffset: off, message: 'interface description block too short' });
            this.interfaces.push({ linkType: -1, snaplen: 0, unitsPerSecond: 1e6, offsetSeconds: 0 });
            break;
          }
          const iface: Interface = {
            linkType: v.getUint16(body, little),
            snaplen: v.getUint32(body + 4, little),
            unitsPerSecond: 1e6,
            offsetSeconds: 0,
          };
          readIdbOptions(v, body + 8, bodyEnd, little, iface, off, report);
          this.interfaces.push(iface);
          break;
        }
        case BT_EPB:
        case BT_OPB: {
          const epb = type === BT_EPB;
          if (bodyEnd - body < 20) {
            report({ fileOffset: off, message: `${epb ? 'enhanced' : 'obsolete'} packet block too short` });
            break;
          }
          const ifId = epb ? v.getUint32(body, little) : v.getUint16(body, little);
          const iface = this.interfaces[ifId];
          if (iface === undefined || iface.linkType < 0) {
            report({ fileOffset: off, message: `packet block for unknown interface ${ifId} (${this.interfaces.length} described)` });
            break;
          }
          const hi = v.getUint32(body + 4, little);
          const lo = v.getUint32(body + 8, little);
          let cap = v.getUint32(body + 12, little);
          const orig = v.getUint32(body + 16, little);
          if (body + 20 + cap > bodyEnd) {
            report({ fileOffset: off, message: `packet block captured length ${cap} exceeds its block; data cut to the block` });
            cap = bodyEnd - body - 20;
          }
          this.lastTs = iface.offsetSeconds + (hi * 4294967296 + lo) / iface.unitsPerSecond;
          return this.frameAt(this.lastTs, iface.linkType, body + 20, body + 20 + cap, orig, off);
        }
        case BT_SPB: {
          const iface = this.interfaces[0];
          if (iface === undefined || iface.linkType < 0) {
            report({ fileOffset: off, message: 'simple packet block without an interface description' });
            break;
          }
          if (bodyEnd - body < 4) {
            report({ fileOffset: off, message: 'simple packet block too short' });
            break;
          }
          const orig = v.getUint32(body, little);
          let cap = Math.min(orig, bodyEnd - body - 4);
          if (iface.snaplen > 0) cap = Math.min(cap, iface.snaplen);
          // Simple packet blocks carry no timestamp: use the previous packet's.
          return this.frameAt(this.lastTs, iface.linkType, body + 4, body + 4 + cap, orig, off);
        }
        default:
          break; // statistics, name resolution, custom and unknown blocks
      }
    }
    this.off = size;
    return this.done();
  }

  /** Reports a corrupt block at `pos` and moves to the next plausible one; false when there is none. */
  private skipCorrupt(pos: number, what: string): boolean {
    const next = this.resync(pos + 4);
    this.report({
      fileOffset: pos,
      message: `${what}` + (next < 0 ? '; no further valid block found, rest of file skipped' : `; skipped ${next - pos} bytes to the next valid block at ${next}`),
    });
    if (next < 0) return false;
    this.off = next;
    return true;
  }

  private resync(from: number): number {
    for (let pos = from; pos + 12 <= this.win.fileSize; pos += 4) if (this.blockPlausible(pos)) return pos;
    return -1;
  }

  private blockPlausible(pos: number): boolean {
    const { win, little } = this;
    const at = win.need(pos, 12);
    if (at < 0) return false;
    const type = win.view.getUint32(at, little);
    if (type === PCAPNG_SHB) return true; // its byte order is checked when read
    if (!KNOWN_BLOCKS.has(type)) return false;
    const len = win.view.getUint32(at + 4, little);
    if (len < 12 || len % 4 !== 0 || pos + len > win.fileSize || len > MAX_RECORD) return false;
    const tat = win.need(pos + len - 4, 4);
    return tat >= 0 && win.view.getUint32(tat, little) === len;
  }
}

function readIdbOptions(
  v: DataView,
  from: number,
  end: number,
  little: boolean,
  iface: Interface,
  blockOffset: number,
  report: (p: CaptureProblem) => void,
): void {
  let p = from;
  while (p + 4 <= end) {
    const code = v.getUint16(p, little);
    const olen = v.getUint16(p + 2, little);
    if (code === OPT_END) return;
    if (p + 4 + olen > end) {
      report({ fileOffset: blockOffset, message: `interface option ${code} overruns its block` });
      return;
    }
    if (code === OPT_IF_TSRESOL && olen >= 1) {
      const r = v.getUint8(p + 4);
      const exp = r & 0x7f;
      const units = r & 0x80 ? 2 ** exp : 10 ** exp;
      if (Number.isFinite(units) && units > 0) iface.unitsPerSecond = units;
    } else if (code === OPT_IF_TSOFFSET && olen >= 8) {
      const hi = v.getInt32(little ? p + 8 : p + 4, little);
      const lo = v.getUint32(little ? p + 4 : p + 8, little);
      iface.offsetSeconds = hi * 4294967296 + lo;
    }
    p += 4 + ((olen + 3) & ~3);
  }
}
