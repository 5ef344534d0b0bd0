/**
 * A sliding read window over a file: the reader asks for `n` bytes at a file offset and gets an
 * index into `buf`, refilled with large `fs.readSync` calls. Offsets only move forward, so memory
 * stays at one chunk (or one record, if a record is larger than a chunk) whatever the file size.
 */
import { readSync } from 'node:fs';

const DEFAULT_CHUNK = 4 * 1024 * 1024;

export class ReadWindow {
  buf: Buffer;
  /** The same memory as a plain Uint8Array, so that consumers' `.slice()` copies (Buffer's would not). */
  bytes: Uint8Array;
  view: DataView;
  /** File offset of buf[0]. */
  private start = 0;
  /** Valid bytes in buf. */
  private len = 0;
  private eof = false;

  constructor(
    private readonly fd: number,
    readonly fileSize: number,
    private readonly onRead?: (bytesRead: number, totalBytes: number) => void,
    chunkSize = DEFAULT_CHUNK,
  ) {
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.bytes = new Uint8Array(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /**
   * Make bytes [fileOffset, fileOffset + n) available; returns their index in `buf`, or -1 when
   * the file ends first. Any index handed out earlier may be invalid afterwards.
   */
  need(fileOffset: number, n: number): number {
    const rel = fileOffset - this.start;
    if (rel >= 0 && rel + n <= this.len) return rel;
    if (fileOffset + n > this.fileSize && this.eof) return -1;
    return this.refill(fileOffset, n);
  }

  private refill(fileOffset: number, n: number): number {
    const rel = fileOffset - this.start;
    if (rel >= 0 && rel < this.len) {
      // Keep the tail we still need at the front of the buffer.
      this.buf.copy(this.buf, 0, rel, this.len);
      this.len -= rel;
    } else {
      this.len = 0;
    }
    this.start = fileOffset;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
      this.bytes = new Uint8Array(bigger.buffer, bigger.byteOffset, bigger.byteLength);
      this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
    }
    while (this.len < this.buf.length) {
      const pos = this.start + this.len;
      if (pos >= this.fileSize) {
        this.eof = true;
        break;
      }
      let got: number;
      try {
        got = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, pos);
      } catch {
        got = 0;
      }
      if (got === 0) {
        this.eof = true;
        break;
      }
      this.len += got;
      this.onRead?.(this.start + this.len, this.fileSize);
      if (this.len >= n) break;
    }
    return this.len >= n ? 0 : -1;
  }

  /** Bytes of the file available from `fileOffset` on (bounded by the file size). */
  remaining(fileOffset: number): number {
    return Math.max(0, this.fileSize - fileOffset);
  }
}
