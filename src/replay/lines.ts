/**
 * Output lines gathered into large byte batches, off the JS heap, for a few dozen writes of a
 * 30 MB replay output instead of one per line. Lines come whole (`line`) or are built piece by
 * piece straight into the bytes (`piece`, `quoted`, `number`, then `endLine`): no string per line,
 * which is what made formatting a quarter of a million records cost as much as the analysis.
 */

/** Bytes per batch. */
const BATCH_BYTES = 1 << 20;
/**
 * Characters of whole lines gathered into a string before it is encoded: one call into the
 * encoder per line costs more than the encoding, and a much longer string would be built
 * outside V8's young generation.
 */
const STRING_CHARS = 1 << 14;
/** Pieces longer than this are copied by `set` (a call into the runtime), shorter ones byte by byte. */
const LONG_PIECE = 32;
/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;

/** A place in a `LineBatches`' current batch. */
export interface LinePosition {
  batch: Buffer;
  at: number;
}

export class LineBatches {
  private batches: Buffer[] = [];
  private batch: Buffer = Buffer.alloc(0);
  private used = 0;
  private pending = '';
  private lines = 0;
  /** Whether `flushTo`'s writer has been given bytes. */
  private flushed = false;

  /**
   * `flushTo`, when given, takes each batch as soon as it is full, so the lines are not held
   * (`writeTo` then hands on only what is left).
   */
  constructor(
    private readonly batchBytes = BATCH_BYTES,
    private readonly flushTo?: (bytes: Buffer) => void,
  ) {}

  /** Whether bytes have already gone to the `flushTo` writer. */
  get startedWriting(): boolean {
    return this.flushed;
  }

  /** A whole line (without its newline). */
  readonly line = (text: string): void => {
    this.pending += text;
    this.pending += '\n';
    this.lines++;
    if (this.pending.length >= STRING_CHARS) this.encodePending();
  };

  /** Starts a line built from pieces (after any whole lines still held as a string). */
  startLine(): void {
    if (this.pending.length > 0) this.encodePending();
  }

  /** Bytes as they are (a fixed piece, or a string's UTF-8 bytes as made by `utf8`). */
  piece(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.batch.length) this.room(bytes.length);
    const b = this.batch;
    let at = this.used;
    const n = bytes.length;
    if (n > LONG_PIECE) {
      b.set(bytes, at);
      this.used = at + n;
      return;
    }
    for (let i = 0; i < n; i++) b[at++] = bytes[i];
    this.used = at;
  }

  /** A string, encoded here (for strings that do not repeat). */
  string(s: string): void {
    this.room(MAX_UTF8_PER_UNIT * s.length);
    this.used += this.batch.write(s, this.used);
  }

  /** A non-negative integer below 2^53, in decimal. */
  digits(n: number): void {
    if (this.used + 16 > this.batch.length) this.room(16);
    const b = this.batch;
    if (n < 10) {
      b[this.used++] = 48 + n;
      return;
    }
    if (n <= 0x7fffffff) {
      // Timestamps' seconds (until 2038) and every count: 32-bit integer arithmetic.
      let x = n | 0;
      let at = this.used + (x < 100 ? 2 : x < 1000 ? 3 : x < 10000 ? 4 : x < 100000 ? 5 : x < 1000000 ? 6 : x < 10000000 ? 7 : x < 100000000 ? 8 : x < 1000000000 ? 9 : 10);
      this.used = at;
      while (x >= 10) {
        const q = (x / 10) | 0;
        b[--at] = 48 + x - q * 10;
        x = q;
      }
      b[--at] = 48 + x;
      return;
    }
    let len = 1;
    for (let p = 10; p <= n; p *= 10) len++;
    let at = this.used + len;
    this.used = at;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      b[--at] = 48 + (n - q * 10);
      n = q;
    }
    b[--at] = 48 + n;
  }

  /** `count` (at most 9) digits of `n` (below 10^count), leading zeros included. */
  fixedDigits(n: number, count: number): void {
    if (this.used + count > this.batch.length) this.room(count);
    const b = this.batch;
    let at = this.used + count;
    this.used = at;
    let x = n | 0;
    for (let i = 0; i < count; i++) {
      const q = (x / 10) | 0;
      b[--at] = 48 + x - q * 10;
      x = q;
    }
  }

  /** `hh:mm:ss.mmm`. */
  timeOfDay(h: number, m: number, s: number, ms: number): void {
    if (this.used + 12 > this.batch.length) this.room(12);
    const b = this.batch;
    const at = this.used;
    b[at] = 48 + ((h / 10) | 0);
    b[at + 1] = 48 + (h % 10);
    b[at + 2] = 0x3a;
    b[at + 3] = 48 + ((m / 10) | 0);
    b[at + 4] = 48 + (m % 10);
    b[at + 5] = 0x3a;
    b[at + 6] = 48 + ((s / 10) | 0);
    b[at + 7] = 48 + (s % 10);
    b[at + 8] = 0x2e;
    b[at + 9] = 48 + ((ms / 100) | 0);
    b[at + 10] = 48 + (((ms / 10) | 0) % 10);
    b[at + 11] = 48 + (ms % 10);
    this.used = at + 12;
  }

  /** One ASCII character. */
  byte(code: number): void {
    if (this.used === this.batch.length) this.room(1);
    this.batch[this.used++] = code;
  }

  endLine(): void {
    this.byte(0x0a);
    this.lines++;
  }

  /** Where the next byte goes, for `copySince`. */
  position(): LinePosition {
    return { batch: this.batch, at: this.used };
  }

  /** A copy of the bytes written since `from` (within one line), or undefined when they went into more than one batch. */
  copySince(from: LinePosition): Uint8Array | undefined {
    // Uint8Array's copy, not Buffer#slice's view: a view would keep the whole batch alive.
    return from.batch === this.batch && this.pending.length === 0 ? Uint8Array.prototype.slice.call(this.batch, from.at, this.used) : undefined;
  }

  /** Hands what is written so far to `flushTo` (without one, seals it into the kept batches). */
  flush(): void {
    this.seal();
  }

  /** Hands on the batches: exactly `lines.join('\n') + '\n'` (a lone newline when there were no lines). */
  writeTo(write: (bytes: Buffer) => void): void {
    this.seal();
    if (this.lines === 0 && !this.flushed) write(Buffer.from('\n'));
    for (const b of this.batches) write(b);
    this.batches = [];
  }

  /** Makes room for `bytes` more (a line may go on in the next batch: the bytes are one stream). */
  private room(bytes: number): void {
    if (this.used + bytes <= this.batch.length) return;
    this.seal();
    if (this.batch.length < bytes) this.batch = Buffer.allocUnsafe(Math.max(this.batchBytes, bytes));
  }

  private encodePending(): void {
    const text = this.pending;
    this.pending = '';
    this.room(MAX_UTF8_PER_UNIT * text.length);
    this.used += this.batch.write(text, this.used);
  }

  private seal(): void {
    if (this.pending.length > 0) this.encodePending();
    if (this.used === 0) return;
    const sealed = this.batch.subarray(0, this.used);
    // The bytes after `sealed` are written next; `sealed` itself is never written again.
    if (this.flushTo !== undefined) {
      this.flushed = true;
      this.flushTo(sealed);
    } else this.batches.push(sealed);
    this.batch = this.batch.subarray(this.used);
    this.used = 0;
  }
}

/** Strings kept in a map, at most this many (a capture of many hosts starts over). */
const STRING_BYTES_MAX = 4096;

/**
 * Strings' bytes (by `encode`) made once each: the four most recently asked for are checked first
 * (a line's addresses are mostly those of the lines before it, the very same string objects),
 * then a map.
 */
export class StringBytes {
  private readonly keys: Array<string | undefined> = [undefined, undefined, undefined, undefined];
  private readonly values: Uint8Array[] = [EMPTY, EMPTY, EMPTY, EMPTY];
  private nextSlot = 0;
  private readonly all = new Map<string, Uint8Array>();

  constructor(private readonly encode: (s: string) => Uint8Array) {}

  get(s: string): Uint8Array {
    const keys = this.keys;
    if (keys[0] === s) return this.values[0];
    if (keys[1] === s) return this.values[1];
    if (keys[2] === s) return this.values[2];
    if (keys[3] === s) return this.values[3];
    let bytes = this.all.get(s);
    if (bytes === undefined) {
      if (this.all.size >= STRING_BYTES_MAX) this.all.clear();
      this.all.set(s, (bytes = this.encode(s)));
    }
    const slot = this.nextSlot;
    this.nextSlot = (slot + 1) & 3;
    keys[slot] = s;
    this.values[slot] = bytes;
    return bytes;
  }
}

const EMPTY = new Uint8Array(0);

/** A string's UTF-8 bytes. */
export function utf8(s: string): Uint8Array {
  return Buffer.from(s, 'utf8');
}
