import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { PcapStream } from '../../src/capture/stream.js';

const FILE = 'captures/shared-vrid51/capture.pcap';

function frames(stream: PcapStream, bytes: Uint8Array, cuts: number[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (const cut of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
    stream.push(bytes.subarray(at, Math.max(at, cut)), (f) => out.push(`${f.ts.toFixed(6)} ${f.linkType} ${f.originalLength} ${Buffer.from(f.data).toString('hex')}`));
    at = Math.max(at, cut);
  }
  return out;
}

describe('PcapStream', () => {
  const bytes = new Uint8Array(readFileSync(FILE));
  const expected = [...readCaptureFile(FILE)].map((f) => `${f.ts.toFixed(6)} ${f.linkType} ${f.originalLength} ${Buffer.from(f.data).toString('hex')}`);

  it('hands out the frames the file reader reads, however the stream is cut into chunks', () => {
    expect(expected.length).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 30 }), (cuts) => {
        const s = new PcapStream();
        expect(frames(s, bytes, cuts)).toEqual(expected);
        expect(s.pending).toBe(0);
        expect(s.problem).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });

  it('holds back a record cut short until its end arrives', () => {
    const s = new PcapStream();
    const got = frames(s, bytes.subarray(0, bytes.length - 3), []);
    expect(got).toEqual(expected.slice(0, -1));
    expect(s.pending).toBeGreaterThan(0);
  });

  it('says a pcapng stream or another file is not read, and never throws on arbitrary bytes', () => {
    const ng = new PcapStream();
    ng.push(new Uint8Array([0x0a, 0x0d, 0x0d, 0x0a, ...new Array(40).fill(0)]), () => {});
    expect(ng.problem).toContain('pcapng');
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 10 }), (header, chunks) => {
        const s = new PcapStream();
        // Half the runs behind a valid pcap header: records of arbitrary bytes.
        if (header) s.push(bytes.subarray(0, 24), () => {});
        for (const c of chunks) s.push(c, (f) => expect(f.data.length).toBeLessThanOrEqual(100 * 10));
      }),
    );
  });
});
