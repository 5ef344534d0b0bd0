/**
 * The log's writer (src/runtime/log-writer.ts): a reader that falls behind never blocks the loop,
 * never makes memory grow past the bound, and never loses or reorders a line. Fake streams for the
 * rules, fast-check for any interleaving, and a real pipe nobody reads for a while (a child process).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LogWriter, type LineSink } from '../../src/runtime/log-writer.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** A stream whose reader takes chunks only when told to (release), as a pipe nobody reads. */
class SlowSink implements LineSink {
  private chunks: { data: string; done: (error?: Error | null) => void }[] = [];
  out = '';
  writableLength = 0;
  writes = 0;
  failWith: Error | undefined;

  write(chunk: string | Uint8Array, done: (error?: Error | null) => void): boolean {
    const data = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    this.writes++;
    if (this.failWith) {
      const error = this.failWith;
      queueMicrotask(() => done(error));
      return false;
    }
    this.chunks.push({ data, done });
    this.writableLength += Buffer.byteLength(data);
    return this.writableLength < 16384;
  }

  /** The reader takes up to `count` chunks; their callbacks run after, as a stream's do. */
  release(count = Infinity): void {
    for (; count > 0 && this.chunks.length > 0; count--) {
      const chunk = this.chunks.shift()!;
      this.out += chunk.data;
      this.writableLength -= Buffer.byteLength(chunk.data);
      queueMicrotask(() => chunk.done());
    }
  }

  /** Reads until nothing more comes (the writer hands over spilled chunks as each is written). */
  async drainAll(): Promise<void> {
    for (let i = 0; i < 100_000 && (this.chunks.length > 0 || i < 3); i++) {
      this.release();
      await new Promise((done) => setImmediate(done));
    }
  }
}

const dirs: string[] = [];
function spillDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vrrplab-logw-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const lines = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `Sun Dec  6 09:00:00 2026: (VI_1) line ${from + i} ${'x'.repeat(60)}\n`);

describe('the log writer', () => {
  it('hands each line to the stream at once while the stream keeps up', () => {
    const sink = new SlowSink();
    const writer = new LogWriter(sink, { spillDir: spillDir() });
    writer.write('a\n');
    sink.release();
    writer.write('b\n');
    expect(sink.out).toBe('a\n');
    sink.release();
    expect(sink.out).toBe('a\nb\n');
    expect(writer.stats.spilled).toBe(0);
  });

  it('keeps at most its memory bound waiting while nobody reads, spills the rest, and delivers every line in order once the reader comes back', async () => {
    const sink = new SlowSink();
    const dir = spillDir();
    const writer = new LogWriter(sink, { memoryLimit: 4096, spillDir: dir, chunkSize: 1000 });
    const all = lines(2000);
    for (const line of all) writer.write(line);
    await new Promise((done) => setImmediate(done));
    expect(writer.stats.maxInMemory).toBeLessThanOrEqual(4096);
    expect(writer.stats.spilled).toBeGreaterThan(100_000);
    // The spill file was unlinked as soon as it was made: nothing is left in the directory.
    expect(readdirSync(dir)).toEqual([]);
    let flushed = false;
    const done = writer.flush().then(() => (flushed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    await sink.drainAll();
    await done;
    expect(sink.out).toBe(all.join(''));
    // Lines that come after the spill has emptied go straight through again.
    writer.write('after\n');
    sink.release();
    expect(sink.out.endsWith(`${all.at(-1)}after\n`)).toBe(true);
    writer.close();
  });

  it('batches the lines of one loop turn into one write while the stream is backed up', async () => {
    const sink = new SlowSink();
    const writer = new LogWriter(sink, { spillDir: spillDir() });
    for (const line of lines(500)) writer.write(line);
    await new Promise((done) => setImmediate(done));
    // The first line went at once; the other 499 waited for the turn's end and left together.
    expect(sink.writes).toBe(2);
    await sink.drainAll();
    expect(sink.out).toBe(lines(500).join(''));
  });

  it('keeps lines in memory, still in order, when no spill file can be made', async () => {
    const sink = new SlowSink();
    const writer = new LogWriter(sink, { memoryLimit: 1000, spillDir: join(spillDir(), 'no', 'such', 'dir') });
    for (const line of lines(100)) writer.write(line);
    expect(writer.stats.spilled).toBe(0);
    await sink.drainAll();
    expect(sink.out).toBe(lines(100).join(''));
  });

  it('stops waiting when the stream fails (the reader went): flush resolves and later lines are dropped', async () => {
    const sink = new SlowSink();
    const writer = new LogWriter(sink, { memoryLimit: 1000, spillDir: spillDir() });
    sink.failWith = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    for (const line of lines(100)) writer.write(line);
    await writer.flush();
    const writes = sink.writes;
    writer.write('more\n');
    expect(sink.writes).toBe(writes);
    writer.close();
  });

  it('delivers any sequence of lines whole and in order, however the reader takes them', async () => {
    const dir = spillDir();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string({ maxLength: 120 }).map((text) => ({ line: `${text}\n` })), fc.nat(4).map((release) => ({ release }))), { maxLength: 300 }),
        fc.integer({ min: 64, max: 4096 }),
        async (steps, memoryLimit) => {
          const sink = new SlowSink();
          const writer = new LogWriter(sink, { memoryLimit, spillDir: dir, chunkSize: 100 });
          let expected = '';
          for (const step of steps) {
            if ('line' in step) {
              writer.write(step.line);
              expected += step.line;
            } else {
              sink.release(step.release);
              await new Promise((done) => setImmediate(done));
            }
          }
          const flushed = writer.flush();
          await sink.drainAll();
          await flushed;
          writer.close();
          expect(sink.out).toBe(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});

/**
 * A child writes 40,000 log lines (about 3.6 MB) over 1.6 s through the writer to its stderr, a
 * pipe this test does not read until the child is done, while a 5 ms interval timer stands for the
 * protocol.
 */
const CHILD = `
import { stderrLines } from ${JSON.stringify(join(ROOT, 'src/runtime/log.ts'))};
const writer = stderrLines();
let last = performance.now(), lag = 0, ticks = 0;
const beat = setInterval(() => { const now = performance.now(); lag = Math.max(lag, now - last - 5); last = now; ticks++; }, 5);
const rss0 = process.memoryUsage().rss;
let n = 0, rss = 0;
const write = setInterval(() => {
  for (let i = 0; i < 500 && n < 40000; i++, n++) writer.write('Sun Dec  6 09:00:00 2026: (VI_1) line ' + n + ' ' + 'x'.repeat(50) + '\\n');
  rss = Math.max(rss, process.memoryUsage().rss - rss0);
  if (n >= 40000) {
    clearInterval(write);
    setTimeout(() => {
      clearInterval(beat);
      process.stdout.write(JSON.stringify({ lagMs: lag, ticks, rssGrowthMb: rss / 1048576, maxInMemory: writer.stats.maxInMemory, spilled: writer.stats.spilled }) + '\\n');
      writer.flush().then(() => process.stdout.write('flushed\\n'));
    }, 300);
  }
}, 20);
`;

describe('the log writer on a real pipe', () => {
  it('keeps a 5 ms timer on time and memory flat while nobody reads its pipe, and every line arrives, in order, once someone does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrrplab-logw-child-'));
    dirs.push(dir);
    const script = join(dir, 'child.mts');
    writeFileSync(script, CHILD);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let report = '';
    child.stdout.on('data', (chunk: Buffer) => (report += chunk.toString()));
    // Nobody reads stderr until the child has written every line and measured (its stdout says so).
    child.stderr.pause();
    const unreadFrom = Date.now();
    while (!report.includes('\n') && Date.now() - unreadFrom < 15_000) await new Promise((done) => setTimeout(done, 50));
    let got = '';
    child.stderr.on('data', (chunk: Buffer) => (got += chunk.toString()));
    child.stderr.resume();
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code).toBe(0);
    const [measured, flushed] = report.trim().split('\n');
    const m = JSON.parse(measured!) as { lagMs: number; ticks: number; rssGrowthMb: number; maxInMemory: number; spilled: number };
    process.stderr.write(`log writer, pipe unread: timer lag ${m.lagMs.toFixed(1)} ms, RSS +${m.rssGrowthMb.toFixed(1)} MB, ${m.maxInMemory} bytes in memory at most, ${m.spilled} spilled\n`);
    expect(flushed).toBe('flushed');
    expect(m.maxInMemory).toBeLessThanOrEqual(1 << 20);
    expect(m.spilled).toBeGreaterThan(2_000_000);
    // process.stderr blocked it 2.1 s here; 0.5 s leaves room for a loaded CI machine.
    expect(m.lagMs).toBeLessThan(500);
    expect(m.rssGrowthMb).toBeLessThan(30);
    const received = got.split('\n').filter((l) => l.length > 0);
    expect(received).toHaveLength(40_000);
    expect(received.every((l, i) => l.includes(`line ${i} `))).toBe(true);
  }, 20_000);
});
