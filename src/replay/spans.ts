/**
 * The text timeline's master period lines, held until the summaries they are listed under: in
 * memory up to a budget, then in one file per VRID in a temporary directory. A capture of tens of
 * millions of adverts has hundreds of thousands of master periods (the anomaly-heavy 5M-packet
 * capture: 40 MB of these lines), and `replay`'s memory must not grow with the capture.
 */
import { appendFileSync, closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LineBatches } from './lines.js';

/** Span bytes kept in memory before they go to files. */
const MEMORY_BYTES = 8 << 20;
/** Bytes per batch of one VRID's lines (and per file write once spilled). */
const BATCH_BYTES = 1 << 16;

/**
 * Master period lines by VRID key (VRID, +256 for IPv6): `lines` takes them in record order,
 * `appendTo` copies a key's lines so far to the output (again, when asked twice: two summaries of
 * one VRID list them both).
 */
export class SpillingSpans {
  private readonly batches = new Map<number, LineBatches>();
  /** Sealed bytes per key, in memory (before spilling). */
  private readonly held = new Map<number, Uint8Array[]>();
  private heldBytes = 0;
  /** The temporary directory, once spilling has begun. */
  private dir: string | undefined;
  private readonly spilled = new Set<number>();

  constructor(
    private readonly memoryBytes = MEMORY_BYTES,
    private readonly batchBytes = BATCH_BYTES,
  ) {}

  lines(key: number): LineBatches {
    let lines = this.batches.get(key);
    if (lines === undefined) this.batches.set(key, (lines = new LineBatches(this.batchBytes, (bytes) => this.keep(key, bytes))));
    return lines;
  }

  appendTo(key: number, out: LineBatches): void {
    this.batches.get(key)?.flush();
    // Whole lines `out` still holds as a string go first.
    out.startLine();
    if (this.dir !== undefined && this.spilled.has(key)) {
      const fd = openSync(this.file(key), 'r');
      try {
        const chunk = Buffer.allocUnsafe(Math.max(this.batchBytes, 4096));
        for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) out.piece(chunk.subarray(0, n));
      } finally {
        closeSync(fd);
      }
    }
    for (const bytes of this.held.get(key) ?? []) out.piece(bytes);
  }

  /** Removes the temporary files (the lines are gone after this). */
  close(): void {
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.spilled.clear();
  }

  /** `bytes` is never written again by its LineBatches, so it is kept as it is. */
  private keep(key: number, bytes: Uint8Array): void {
    if (this.dir === undefined && this.heldBytes + bytes.length <= this.memoryBytes) {
      let list = this.held.get(key);
      if (list === undefined) this.held.set(key, (list = []));
      list.push(bytes);
      this.heldBytes += bytes.length;
      return;
    }
    if (this.dir === undefined) {
      this.dir = mkdtempSync(join(tmpdir(), 'vrrplab-spans-'));
      for (const [k, list] of this.held) this.write(k, Buffer.concat(list));
      this.held.clear();
      this.heldBytes = 0;
    }
    this.write(key, bytes);
  }

  private write(key: number, bytes: Uint8Array): void {
    appendFileSync(this.file(key), bytes);
    this.spilled.add(key);
  }

  private file(key: number): string {
    return join(this.dir ?? '', `${key}.lines`);
  }
}
