import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openCaptureFrames, readCaptureFile, scanCaptureFile } from '../../src/capture/reader.js';
import { encodePcap, PcapWriter } from '../../src/capture/writer.js';
import type { CapturedFrame, CaptureProblem } from '../../src/capture/types.js';
import { ethernet, PcapngBuilder, vrrpIpv4 } from './craft.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function file(bytes: Uint8Array): string {
  const path = join(dir, `c${fileNo++}.cap`);
  writeFileSync(path, bytes);
  return path;
}

interface Read {
  frames: Array<Omit<CapturedFrame, 'data'> & { data: Uint8Array }>;
  problems: CaptureProblem[];
}

function readAll(path: string, chunkSize?: number): Read {
  const problems: CaptureProblem[] = [];
  const frames: Read['frames'] = [];
  for (const f of readCaptureFile(path, { onProblem: (p) => problems.push(p), chunkSize })) {
    frames.push({ ...f, data: f.data.slice() });
  }
  return { frames, problems };
}

const adverts = [1, 2, 3].map((i) => ethernet(vrrpIpv4({ src: `10.0.0.${i}`, vrid: 51, priority: 100 + i }), 0x0800));

describe('classic pcap', () => {
  for (const nanosecond of [false, true]) {
    for (const bigEndian of [false, true]) {
      it(`reads every record of a ${bigEndian ? 'big' : 'little'}-endian ${nanosecond ? 'nanosecond' : 'microsecond'} file with its timestamp`, () => {
        const ts = [1700000000.123456, 1700000001.5, 1700000002.000001];
        const path = file(encodePcap({ linkType: 1, nanosecond, bigEndian }, adverts.map((data, i) => ({ ts: ts[i], data }))));
        const { frames, problems } = readAll(path);
        expect(problems).toEqual([]);
        expect(frames.map((f) => f.linkType)).toEqual([1, 1, 1]);
        frames.forEach((f, i) => {
          expect(f.ts).toBeCloseTo(ts[i], 6);
          expect(Array.from(f.data)).toEqual(Array.from(adverts[i]));
        });
        expect(frames.map((f) => f.fileOffset)).toEqual([24, 24 + 16 + adverts[0].length, 24 + 32 + 2 * adverts[0].length]);
      });
    }
  }

  it('keeps nanosecond precision below the microsecond', () => {
    // (Epoch seconds as a float keep about 0.2 µs; a small timestamp shows the full resolution.)
    const path = file(encodePcap({ linkType: 1, nanosecond: true }, [{ ts: 12.000000789, data: adverts[0] }]));
    const { frames } = readAll(path);
    expect(Math.round((frames[0].ts - 12) * 1e9)).toBe(789);
  });

  it('reports the original length of a record cut by the snap length', () => {
    const path = file(encodePcap({ linkType: 1 }, [{ ts: 1, data: adverts[0].subarray(0, 20), originalLength: adverts[0].length }]));
    const { frames } = readAll(path);
    expect(frames[0].data.length).toBe(20);
    expect(frames[0].originalLength).toBe(adverts[0].length);
  });

  it('keeps the good packets of a file truncated inside a record and reports where', () => {
    const whole = encodePcap({ linkType: 1 }, adverts.map((data, i) => ({ ts: i, data })));
    const path = file(whole.subarray(0, whole.length - 10));
    const { frames, problems } = readAll(path);
    expect(frames).toHaveLength(2);
    expect(problems).toHaveLength(1);
    expect(problems[0].fileOffset).toBe(24 + 2 * (16 + adverts[0].length));
    expect(problems[0].message).toMatch(/truncated/);
  });

  it('reports a file truncated inside a record header', () => {
    const whole = encodePcap({ linkType: 1 }, adverts.map((data, i) => ({ ts: i, data })));
    const cut = 24 + 16 + adverts[0].length + 7;
    const { frames, problems } = readAll(file(whole.subarray(0, cut)));
    expect(frames).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ fileOffset: cut - 7 })]);
  });

  it('reports a truncated file header', () => {
    const { frames, problems } = readAll(file(encodePcap({ linkType: 1 }, []).subarray(0, 10)));
    expect(frames).toEqual([]);
    expect(problems[0].fileOffset).toBe(0);
  });

  it('skips a corrupt record header and resumes at the next valid record', () => {
    const ts = [1700000000, 1700000001, 1700000002];
    const whole = encodePcap({ linkType: 1 }, adverts.map((data, i) => ({ ts: ts[i], data })));
    const second = 24 + 16 + adverts[0].length;
    const bad = whole.slice();
    new DataView(bad.buffer).setUint32(second + 8, 0x7fffffff, true); // absurd captured length
    const { frames, problems } = readAll(file(bad));
    expect(frames.map((f) => f.ts)).toEqual([ts[0], ts[2]]);
    expect(problems).toHaveLength(1);
    expect(problems[0].fileOffset).toBe(second);
    expect(problems[0].message).toMatch(/skipped/);
  });

  it('reads the same frames whatever the read chunk size', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ ts: 1700000000 + i / 10, data: adverts[i % 3] }));
    const path = file(encodePcap({ linkType: 1 }, many));
    const small = readAll(path, 37);
    const big = readAll(path);
    expect(small.problems).toEqual([]);
    expect(small.frames).toEqual(big.frames);
    expect(small.frames).toHaveLength(200);
  });

  it('streams through PcapWriter files larger than its buffer', () => {
    const path = join(dir, 'writer.pcap');
    const w = new PcapWriter(path, { linkType: 1 }, 256);
    for (let i = 0; i < 100; i++) w.write(1700000000 + i, adverts[i % 3]);
    w.write(1700000100, new Uint8Array(1000));
    w.close();
    const { frames, problems } = readAll(path);
    expect(problems).toEqual([]);
    expect(frames).toHaveLength(101);
    expect(frames[100].data.length).toBe(1000);
  });

  it('reports progress up to the file size', () => {
    const path = file(encodePcap({ linkType: 1 }, adverts.map((data, i) => ({ ts: i, data }))));
    const seen: Array<[number, number]> = [];
    for (const _ of readCaptureFile(path, { onProgress: (a, b) => seen.push([a, b]), chunkSize: 50 }));
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1][0]).toBe(seen[seen.length - 1][1]);
  });
});

describe('pcapng', () => {
  for (const little of [true, false]) {
    it(`reads several interfaces with their own link type and timestamp resolution (${little ? 'little' : 'big'}-endian)`, () => {
      const raw = vrrpIpv4({ src: '10.0.0.9', vrid: 7, priority: 200 });
      const bytes = new PcapngBuilder(little)
        .section()
        .interface(1) // default: microseconds
        .interface(101, 9) // nanoseconds
        .interface(1, 0x80 | 20) // 2^-20 s
        .enhanced(0, 1700000000_250000n, adverts[0])
        .other(5, new Uint8Array(16)) // interface statistics: skipped
        .enhanced(1, 1700000001_000000123n, raw)
        .other(0x12345, new Uint8Array(8)) // unknown block: skipped
        .enhanced(2, (1700000002n << 20n) + (1n << 19n), adverts[1])
        .bytes();
      const { frames, problems } = readAll(file(bytes));
      expect(problems).toEqual([]);
      expect(frames.map((f) => f.linkType)).toEqual([1, 101, 1]);
      expect(frames[0].ts).toBeCloseTo(1700000000.25, 6);
      expect(frames[1].ts).toBeCloseTo(1700000001.000000123, 6);
      expect(frames[2].ts).toBeCloseTo(1700000002.5, 6);
      expect(Array.from(frames[1].data)).toEqual(Array.from(raw));
    });
  }

  it('applies if_tsoffset to the interface timestamps', () => {
    const bytes = new PcapngBuilder().section().interface(1, 6, 262144, 1700000000).enhanced(0, 1_500000n, adverts[0]).bytes();
    expect(readAll(file(bytes)).frames[0].ts).toBeCloseTo(1700000001.5, 6);
  });

  it('reads simple and obsolete packet blocks', () => {
    const bytes = new PcapngBuilder().section().interface(1).obsolete(0, 3_000000n, adverts[0]).simple(adverts[1]).bytes();
    const { frames, problems } = readAll(file(bytes));
    expect(problems).toEqual([]);
    expect(frames.map((f) => f.ts)).toEqual([3, 3]);
    expect(Array.from(frames[1].data)).toEqual(Array.from(adverts[1]));
  });

  it('starts over with the interfaces and byte order of each new section', () => {
    const bytes = new PcapngBuilder()
      .section(true)
      .interface(1)
      .enhanced(0, 1_000000n, adverts[0])
      .section(false)
      .interface(113, 9)
      .enhanced(0, 2_000000000n, adverts[1])
      .bytes();
    const { frames, problems } = readAll(file(bytes));
    expect(problems).toEqual([]);
    expect(frames.map((f) => [f.linkType, f.ts])).toEqual([
      [1, 1],
      [113, 2],
    ]);
  });

  it('reports a packet for an interface that was never described and goes on', () => {
    const bytes = new PcapngBuilder().section().interface(1).enhanced(3, 1n, adverts[0]).enhanced(0, 2n, adverts[1]).bytes();
    const { frames, problems } = readAll(file(bytes));
    expect(frames).toHaveLength(1);
    expect(problems[0].message).toMatch(/unknown interface 3/);
  });

  it('keeps the blocks before a truncation and reports its offset', () => {
    const b = new PcapngBuilder().section().interface(1).enhanced(0, 1n, adverts[0]).enhanced(0, 2n, adverts[1]);
    const whole = b.bytes();
    const lastLen = 12 + 20 + ((adverts[1].length + 3) & ~3);
    const { frames, problems } = readAll(file(whole.subarray(0, whole.length - 5)));
    expect(frames).toHaveLength(1);
    expect(problems).toEqual([expect.objectContaining({ fileOffset: whole.length - lastLen })]);
  });

  it('skips a block whose lengths disagree and resumes at the next block', () => {
    const whole = new PcapngBuilder().section().interface(1).enhanced(0, 1n, adverts[0]).enhanced(0, 2n, adverts[1]).enhanced(0, 3n, adverts[2]).bytes().slice();
    const epbLen = 12 + 20 + ((adverts[0].length + 3) & ~3);
    const secondAt = whole.length - 2 * epbLen;
    new DataView(whole.buffer).setUint32(secondAt + epbLen - 4, 12345, true);
    const { frames, problems } = readAll(file(whole));
    expect(frames.map((f) => f.ts)).toEqual([1e-6, 3e-6]);
    expect(problems).toEqual([expect.objectContaining({ fileOffset: secondAt })]);
  });
});

describe('files that are not captures', () => {
  it('reports an unknown magic number', () => {
    const { frames, problems } = readAll(file(new TextEncoder().encode('hello, world')));
    expect(frames).toEqual([]);
    expect(problems[0].message).toMatch(/not a pcap/);
  });

  it('reports a missing file instead of throwing', () => {
    const { problems } = readAll(join(dir, 'does-not-exist.pcap'));
    expect(problems[0].message).toMatch(/cannot open/);
  });

  it('never throws on random bytes after a valid header, and every frame lies inside the file', () => {
    const pcapHead = encodePcap({ linkType: 1 }, []);
    const ngHead = new PcapngBuilder().section().interface(1).bytes();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom(pcapHead, ngHead, new Uint8Array(0)), fc.integer({ min: 8, max: 128 }), (tail, head, chunk) => {
        const bytes = Buffer.concat([head, tail]);
        const path = file(bytes);
        const { frames } = readAll(path, chunk);
        for (const f of frames) expect(f.fileOffset + f.data.length).toBeLessThanOrEqual(bytes.length);
        rmSync(path);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws when a valid capture is corrupted at random places', () => {
    const good = encodePcap({ linkType: 1 }, Array.from({ length: 20 }, (_, i) => ({ ts: 1700000000 + i, data: adverts[i % 3] })));
    const goodNg = new PcapngBuilder().section().interface(1).enhanced(0, 1n, adverts[0]).enhanced(0, 2n, adverts[1]).enhanced(0, 3n, adverts[2]).bytes();
    fc.assert(
      fc.property(
        fc.constantFrom(good, goodNg),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        fc.nat(),
        (base, flips, cut) => {
          const bytes = base.slice(0, Math.max(4, base.length - (cut % 40)));
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          const path = file(bytes);
          readAll(path);
          rmSync(path);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the file behind a capture read', () => {
  const openFds = () => readdirSync('/proc/self/fd').length;
  const frames = [1, 2, 3].map((i) => ({ ts: 1000 + i, data: ethernet(vrrpIpv4({ vrid: i, src: '10.0.0.1', priority: 100 }), 0x0800) }));

  it('is opened only when reading starts and closed when it ends, is left early, or is no capture', () => {
    const pcap = file(encodePcap({ linkType: 1 }, frames));
    const pcapng = file(new PcapngBuilder().section().interface(1).enhanced(0, 1_000_000n, frames[0].data).bytes());
    const before = openFds();
    const unread = scanCaptureFile(pcap);
    expect(openFds()).toBe(before);
    for (const path of [pcap, pcapng]) {
      expect([...scanCaptureFile(path)].length).toBeGreaterThan(0);
      for (const f of scanCaptureFile(path)) if (f.ts > 0) break;
    }
    expect([...scanCaptureFile(file(new Uint8Array(64)))]).toEqual([]);
    expect([...scanCaptureFile(join(dir, 'missing.pcap'))]).toEqual([]);
    expect(openFds()).toBe(before);
    expect(unread).toBeDefined();
  });

  it('is read frame by frame by openCaptureFrames as by iteration, and closed at the end or when left', () => {
    const pcap = file(encodePcap({ linkType: 1 }, frames));
    const pcapng = file(new PcapngBuilder().section().interface(1).enhanced(0, 1_000_000n, frames[0].data).enhanced(0, 2_000_000n, frames[1].data).bytes());
    const before = openFds();
    for (const path of [pcap, pcapng]) {
      const iterated = [...scanCaptureFile(path, { chunkSize: 64 })].length;
      const reader = openCaptureFrames(path, { chunkSize: 64 });
      const read: Array<{ ts: number; data: number[]; fileOffset: number }> = [];
      for (let f = reader.next(); f !== undefined; f = reader.next()) read.push({ ts: f.ts, data: Array.from(f.bytes.subarray(f.start, f.end)), fileOffset: f.fileOffset });
      expect(reader.next()).toBeUndefined();
      expect(read.length).toBe(iterated);
      expect(read).toEqual(readAll(path, 64).frames.map((f) => ({ ts: f.ts, data: Array.from(f.data), fileOffset: f.fileOffset })));
      expect(openFds()).toBe(before);
      const left = openCaptureFrames(path);
      expect(left.next()).toBeDefined();
      expect(openFds()).toBe(before + 1);
      left.close();
      left.close();
      expect(openFds()).toBe(before);
    }
  });
});
