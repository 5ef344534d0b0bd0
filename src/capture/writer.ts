/**
 * A small classic-pcap writer: the encoding is pure (`pcapFileHeader`, `pcapRecordHeader`), and
 * `PcapWriter` buffers records into large writes to a file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface PcapFormat {
  /** LINKTYPE_* of every record (1 Ethernet, 101 raw IP, ...). */
  linkType: number;
  /** Nanosecond timestamps (magic 0xa1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** Write big-endian headers instead of little-endian. */
  bigEndian?: boolean;
  snaplen?: number;
}

export const PCAP_FILE_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export function pcapFileHeader(format: PcapFormat): Uint8Array {
  const out = new Uint8Array(PCAP_FILE_HEADER_LEN);
  const v = new DataView(out.buffer);
  const le = !format.bigEndian;
  v.setUint32(0, format.nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, 2, le);
  v.setUint16(6, 4, le);
  v.setUint32(16, format.snaplen ?? 262144, le);
  v.setUint32(20, format.linkType, le);
  return out;
}

/** Write a record header for `capturedLength` bytes at `ts` (epoch seconds) into `out` at `offset`. */
export function writePcapRecordHeader(
  out: DataView,
  offset: number,
  format: PcapFormat,
  ts: number,
  capturedLength: number,
  originalLength = capturedLength,
): void {
  const le = !format.bigEndian;
  const scale = format.nanosecond ? 1e9 : 1e6;
  let sec = Math.floor(ts);
  let frac = Math.round((ts - sec) * scale);
  if (frac >= scale) {
    sec += 1;
    frac -= scale;
  }
  out.setUint32(offset, sec, le);
  out.setUint32(offset + 4, frac, le);
  out.setUint32(offset + 8, capturedLength, le);
  out.setUint32(offset + 12, originalLength, le);
}

/** A whole pcap file in memory (for small crafted captures). */
export function encodePcap(format: PcapFormat, records: Iterable<{ ts: number; data: Uint8Array; originalLength?: number }>): Uint8Array {
  const parts: Uint8Array[] = [pcapFileHeader(format)];
  for (const r of records) {
    const rec = new Uint8Array(PCAP_RECORD_HEADER_LEN + r.data.length);
    writePcapRecordHeader(new DataView(rec.buffer), 0, format, r.ts, r.data.length, r.originalLength ?? r.data.length);
    rec.set(r.data, PCAP_RECORD_HEADER_LEN);
    parts.push(rec);
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Streams records to a pcap file through a large buffer. */
export class PcapWriter {
  private readonly fd: number;
  private readonly buf: Buffer;
  private readonly view: DataView;
  private used = 0;
  private closed = false;

  constructor(
    path: string,
    private readonly format: PcapFormat,
    bufferSize = 1 << 20,
  ) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(bufferSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.buf.set(pcapFileHeader(format), 0);
    this.used = PCAP_FILE_HEADER_LEN;
  }

  write(ts: number, data: Uint8Array, originalLength = data.length): void {
    const need = PCAP_RECORD_HEADER_LEN + data.length;
    if (this.used + need > this.buf.length) this.flush();
    if (need > this.buf.length) {
      const header = new DataView(new ArrayBuffer(PCAP_RECORD_HEADER_LEN));
      writePcapRecordHeader(header, 0, this.format, ts, data.length, originalLength);
      writeSync(this.fd, new Uint8Array(header.buffer));
      writeSync(this.fd, data);
      return;
    }
    writePcapRecordHeader(this.view, this.used, this.format, ts, data.length, originalLength);
    this.buf.set(data, this.used + PCAP_RECORD_HEADER_LEN);
    this.used += need;
  }

  flush(): void {
    let done = 0;
    while (done < this.used) done += writeSync(this.fd, this.buf, done, this.used - done);
    this.used = 0;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }
}
