/**
 * The log's way out when whoever reads stdout/stderr is slow. Node writes to a pipe without
 * blocking, but keeps what the reader has not taken in memory, one write request per line: under a
 * logged flood with a reader that fell behind, RSS rose to 94 MB and the loop stalled (issue 22).
 * keepalived's own writes block its VRRP process instead. Here no line is lost and the protocol is
 * never held up:
 *  - the lines of one loop turn leave as one write;
 *  - at most `memoryLimit` bytes wait in memory; past that, lines go to a spill file (opened and
 *    unlinked at once in `spillDir`, so nothing is left behind), in order, and are handed to the
 *    stream from there, a chunk at a time, each time it has drained;
 *  - flush() resolves once every line has been handed over and written.
 * A disk that fills up is the only limit on a reader that never reads; writing to the spill file
 * failing (ENOSPC) keeps the lines in memory instead, still in order.
 */
import { closeSync, ftruncateSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the writer needs of a stream (process.stderr, a net.Socket, a test's fake). */
export interface LineSink {
  /** Writes in order; `done` runs once this chunk has been written (or failed). */
  write(chunk: string | Uint8Array, done: (error?: Error | null) => void): boolean;
  /** Bytes handed over and not yet written. */
  readonly writableLength: number;
}

export interface LogWriterOptions {
  /** Bytes that may wait in memory before lines go to the spill file (default 1 MiB). */
  memoryLimit?: number;
  /** Where the spill file is made (default the system's temporary directory). */
  spillDir?: string;
  /** Bytes read back from the spill file per write (default 64 KiB, a pipe's buffer). */
  chunkSize?: number;
}

export class LogWriter {
  /** Lines of this loop turn, waiting for flushTurn() while the stream is backed up. */
  private pending: string[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  /** Writes handed to the stream whose callback has not run yet. */
  private inFlight = 0;
  private spillFd: number | undefined;
  /** Spill file: bytes written, and how far they have been handed to the stream. */
  private spillEnd = 0;
  private spillRead = 0;
  /** Lines that came while the spill file could not be written (kept in order behind it). */
  private overflow: string[] = [];
  /** The stream failed (EPIPE: the reader went): lines are dropped from then on. */
  private broken = false;
  private readonly waiters: (() => void)[] = [];
  private readonly memoryLimit: number;
  private readonly chunkSize: number;
  private readonly written = (error?: Error | null) => {
    this.inFlight--;
    if (error) this.broken = true;
    this.kick();
  };
  /** Most bytes ever waiting in memory, and bytes that went through the spill file. */
  readonly stats = { maxInMemory: 0, spilled: 0 };

  constructor(
    private readonly sink: LineSink,
    private readonly options: LogWriterOptions = {},
  ) {
    this.memoryLimit = options.memoryLimit ?? 1 << 20;
    this.chunkSize = options.chunkSize ?? 64 << 10;
  }

  /** Queues one line (with its newline) for the stream; never blocks. */
  write(line: string): void {
    if (this.broken) return;
    if (this.spilling()) {
      this.spill(line);
      return;
    }
    // The stream keeps up: straight through, as a plain write would.
    if (this.sink.writableLength === 0 && this.pending.length === 0) {
      this.send(line);
      return;
    }
    const bytes = Buffer.byteLength(line);
    if (this.sink.writableLength + this.pendingBytes + bytes > this.memoryLimit) {
      this.spill(line);
      return;
    }
    this.pending.push(line);
    this.pendingBytes += bytes;
    this.note();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flushTurn());
    }
  }

  /** Resolves when every line written so far has been written to the stream (or it failed). */
  flush(): Promise<void> {
    if (this.idle()) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push(resolve);
      this.kick();
    });
  }

  private idle(): boolean {
    return this.broken || (this.pending.length === 0 && !this.spilling() && this.inFlight === 0);
  }

  private spilling(): boolean {
    return this.spillEnd > this.spillRead || this.overflow.length > 0;
  }

  private send(chunk: string | Uint8Array): void {
    this.inFlight++;
    this.sink.write(chunk, this.written);
    this.note();
  }

  private note(): void {
    this.stats.maxInMemory = Math.max(this.stats.maxInMemory, this.sink.writableLength + this.pendingBytes);
  }

  private flushTurn(): void {
    this.scheduled = false;
    this.sendPending();
    this.kick();
  }

  private sendPending(): void {
    if (this.pending.length === 0 || this.broken) return;
    const chunk = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    this.pending = [];
    this.pendingBytes = 0;
    this.send(chunk);
  }

  /** A line goes to the spill file, in order behind what waits in memory (which goes first). */
  private spill(line: string): void {
    if (!this.spilling()) this.sendPending();
    if (this.overflow.length === 0) {
      try {
        if (this.spillFd === undefined) this.spillFd = openSpill(this.options.spillDir ?? tmpdir());
        const bytes = Buffer.from(line);
        writeSync(this.spillFd, bytes, 0, bytes.length, this.spillEnd);
        this.spillEnd += bytes.length;
        this.stats.spilled += bytes.length;
        this.kick();
        return;
      } catch {
        // No spill file (a full disk, a read-only directory): memory it is, behind the file's lines.
      }
    }
    this.overflow.push(line);
    this.kick();
  }

  /** When the stream has written everything: the next chunk of the spill file (or the overflow), or done. */
  private kick(): void {
    if (this.broken) {
      this.pending = [];
      this.overflow = [];
      this.spillRead = this.spillEnd = 0;
      for (const resolve of this.waiters.splice(0)) resolve();
      return;
    }
    if (this.inFlight > 0) return; // its callback calls again
    if (this.spillEnd > this.spillRead && this.spillFd !== undefined) {
      const buffer = Buffer.allocUnsafe(Math.min(this.chunkSize, this.spillEnd - this.spillRead));
      const read = readSync(this.spillFd, buffer, 0, buffer.length, this.spillRead);
      this.spillRead += read;
      if (this.spillRead >= this.spillEnd) {
        // All handed over: the file starts again from nothing.
        this.spillRead = 0;
        this.spillEnd = 0;
        try {
          ftruncateSync(this.spillFd, 0);
        } catch { /* the positions start again either way */ }
      }
      this.send(buffer.subarray(0, read));
      return;
    }
    if (this.overflow.length > 0) {
      const chunk = this.overflow.join('');
      this.overflow = [];
      this.send(chunk);
      return;
    }
    if (this.pending.length > 0) return; // flushTurn() is scheduled and calls again
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** Closes the spill file (lines in it not yet handed over are lost: flush() first). */
  close(): void {
    if (this.spillFd !== undefined) closeSync(this.spillFd);
    this.spillFd = undefined;
  }
}

/** A spill file nobody else can open and that goes when it is closed (or the process dies). */
function openSpill(dir: string): number {
  const path = join(dir, `vrrplab-log-${process.pid}-${Date.now().toString(36)}`);
  const fd = openSync(path, 'wx+', 0o600);
  unlinkSync(path);
  return fd;
}
