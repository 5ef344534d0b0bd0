/**
 * The decoder's allocation-free path for malformed IPv4 packets (issue 21: a flood's truncated and
 * random-bytes adverts) reports each exactly as its general path (`ip`, which slices and formats)
 * does: same source text, VRID, reason and counts, for any bytes after an IPv4 header.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapturedFrame } from '../../src/capture/types.js';
import { FrameDecoder, type FrameSink } from '../../src/replay/decoder.js';
import { ethernet } from '../capture/craft.js';

function recorder(): { sink: FrameSink; calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    sink: {
      advert: (ts, seen) => calls.push(['advert', ts, JSON.stringify(seen)]),
      garp: (ts, ip, mac) => calls.push(['garp', ts, ip, mac]),
      malformed: (ts, src, vrid, reason) => calls.push(['malformed', ts, src, vrid, reason]),
    },
  };
}

function ipv4(src: number[], ihlWords: number, total: number | undefined, payload: Uint8Array): Uint8Array {
  const header = ihlWords * 4;
  const ip = new Uint8Array(header + payload.length);
  ip[0] = 0x40 | ihlWords;
  const length = total ?? ip.length;
  ip[2] = length >> 8;
  ip[3] = length & 0xff;
  ip[8] = 255;
  ip[9] = 112;
  ip.set(src, 12);
  ip.set([224, 0, 0, 18], 16);
  ip.set(payload, header);
  return ip;
}

/** What the decoder's general path reports for the frame (a fresh decoder, its private `ip` called directly). */
function general(frame: CapturedFrame): unknown[] {
  const r = recorder();
  const d = new FrameDecoder(r.sink);
  (d as unknown as { ip(f: CapturedFrame, ip: Uint8Array, linkOffset: number): void }).ip(frame, frame.data.subarray(14), 14);
  return [...r.calls, d.counts.malformed, d.counts.adverts];
}

/** What decodeAt reports for it, after `before` frames through the same decoder (its caches warm). */
function inPlace(frame: CapturedFrame, before: readonly CapturedFrame[]): unknown[] {
  const r = recorder();
  const d = new FrameDecoder(r.sink);
  for (const f of before) d.decode(f);
  r.calls.length = 0;
  const malformed = d.counts.malformed;
  const adverts = d.counts.adverts;
  d.decode(frame);
  return [...r.calls, d.counts.malformed - malformed, d.counts.adverts - adverts];
}

const packet = fc.record({
  src: fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })),
  ihlWords: fc.integer({ min: 0, max: 15 }),
  total: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  payload: fc.uint8Array({ maxLength: 48 }),
  cut: fc.integer({ min: 0, max: 10 }),
});

function frameOf(p: { src: number[]; ihlWords: number; total: number | undefined; payload: Uint8Array; cut: number }): CapturedFrame {
  const whole = ethernet(ipv4(p.src, Math.max(5, p.ihlWords), p.total, p.payload), 0x0800);
  const data = whole.slice(0, Math.max(34, whole.length - p.cut));
  return { ts: 1.5, linkType: 1, data, originalLength: whole.length, fileOffset: 0 };
}

describe('malformed IPv4 packets without slicing', () => {
  it('are reported as the general path reports them, for any bytes after the header', () => {
    fc.assert(
      fc.property(packet, fc.array(packet, { maxLength: 3 }), (p, earlier) => {
        const frame = frameOf(p);
        expect(inPlace(frame, earlier.map(frameOf))).toEqual(general(frame));
      }),
      { numRuns: 3000 },
    );
  });

  it('name the source, VRID and reason of a random-bytes and a truncated packet', () => {
    const bad = frameOf({ src: [172, 16, 25, 2], ihlWords: 5, total: undefined, payload: new Uint8Array([0x71, 7, 0, 0, 0, 0, 0, 0]), cut: 0 });
    const short = frameOf({ src: [172, 16, 25, 2], ihlWords: 5, total: undefined, payload: new Uint8Array([0x21, 7, 0, 0]), cut: 0 });
    const wrongType = frameOf({ src: [172, 16, 25, 3], ihlWords: 5, total: undefined, payload: new Uint8Array([0x22, 9, 0, 0, 0, 0, 0, 0]), cut: 0 });
    expect(inPlace(bad, [])).toEqual([['malformed', 1.5, '172.16.25.2', 7, 'unknown VRRP version 7'], 1, 0]);
    expect(inPlace(short, [])).toEqual([['malformed', 1.5, '172.16.25.2', undefined, 'truncated VRRP packet'], 1, 0]);
    expect(inPlace(wrongType, [bad])).toEqual([['malformed', 1.5, '172.16.25.3', 9, 'VRRP type 2 is not an advertisement'], 1, 0]);
  });

  it('leave a well-formed advert to the advert paths', () => {
    const good = frameOf({ src: [172, 16, 25, 2], ihlWords: 5, total: undefined, payload: new Uint8Array([0x21, 7, 100, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), cut: 0 });
    const [call, malformed, adverts] = inPlace(good, []) as [unknown[], number, number];
    expect([call[0], malformed, adverts]).toEqual(['advert', 0, 1]);
  });
});
