import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FrameCursor } from '../../src/capture/types.js';
import { readCaptureFile, scanCaptureFile } from '../../src/capture/reader.js';
import { repeatCapture } from '../../src/capture/repeat.js';
import { FrameDecoder, type FrameSink, type SeenAdvert } from '../../src/replay/decoder.js';
import { ethernet, sll, vrrpIpv4 } from '../capture/craft.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-in-place-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Every call the decoder makes, with the advert's content (not its identity). `withMac: false`
 * leaves the sender's MAC out: a repeated advert keeps the MAC it was first decoded with, as the
 * decoder always did.
 */
function recorder(withMac = true): { sink: FrameSink; calls: unknown[] } {
  const calls: unknown[] = [];
  const content = (s: SeenAdvert) => JSON.stringify(withMac ? s : { ...s, mac: undefined });
  return {
    calls,
    sink: {
      advert: (ts, seen) => calls.push(['advert', ts, content(seen)]),
      garp: (ts, ip, mac) => calls.push(['garp', ts, ip, mac]),
      malformed: (ts, src, vrid, reason) => calls.push(['malformed', ts, src, vrid, reason]),
    },
  };
}

/** The decoder as the replay runs it: frames in place in the reader's buffer, cached adverts reused. */
function inPlace(path: string, withMac = true): unknown[] {
  const r = recorder(withMac);
  const d = new FrameDecoder(r.sink);
  for (const c of scanCaptureFile(path, { chunkSize: 4096 })) d.decodeAt(c);
  return [...r.calls, d.counts];
}

/** Each frame sliced out of the file and decoded by one decoder. */
function sliced(path: string): unknown[] {
  const r = recorder();
  const d = new FrameDecoder(r.sink);
  for (const f of readCaptureFile(path)) d.decode({ ...f, data: f.data.slice() });
  return [...r.calls, d.counts];
}

/** Each frame sliced out and decoded by a fresh decoder: no cache, nothing shared between frames. */
function oneByOne(path: string): unknown[] {
  const r = recorder(false);
  const counts = { frames: 0, adverts: 0, arp: 0, garps: 0, malformed: 0, other: 0 };
  for (const f of readCaptureFile(path)) {
    const d = new FrameDecoder(r.sink);
    d.decode({ ...f, data: f.data.slice() });
    for (const k of Object.keys(counts) as (keyof typeof counts)[]) counts[k] += d.counts[k];
  }
  return [...r.calls, counts];
}

// The buggy seed recording twice, with its first master advertising again after the takeover:
// senders that change their adverts and go back to earlier ones (the decoder's caches at work).
const base = join(dir, 'base.pcap');
repeatCapture('captures/reference/seed-buggy-f1/capture.pcap', base, 200, { echoFirstAt: [5, 6, 7] });
const good = readFileSync(base);

describe('decoding frames in place', () => {
  it('hands the analysis exactly what decoding frames sliced out of the file does', () => {
    expect(inPlace(base)).toEqual(sliced(base));
  });

  it('hands the analysis what decoding every frame afresh does, reused adverts included', () => {
    expect(inPlace(base, false)).toEqual(oneByOne(base));
  });

  it('still does when the capture is corrupted at random places', () => {
    let n = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }), fc.nat(), (flips, cut) => {
        const bytes = good.subarray(0, good.length - (cut % 200));
        const copy = Uint8Array.from(bytes);
        // Flips past the file header, so that most of the file still reads as frames.
        for (const [at, value] of flips) copy[24 + (at % (copy.length - 24))] = value;
        const path = join(dir, `c${n++}.pcap`);
        writeFileSync(path, copy);
        expect(inPlace(path)).toEqual(sliced(path));
        expect(inPlace(path, false)).toEqual(oneByOne(path));
        rmSync(path);
      }),
      { numRuns: 200 },
    );
  });
});

describe('a sender going back to an earlier advert', () => {
  /** Frames at offset 7 of a larger buffer (as in the reader's window), each decoded in place. */
  function decodeInPlace(frames: Array<{ linkType: number; bytes: Uint8Array }>): SeenAdvert[] {
    const seen: SeenAdvert[] = [];
    const d = new FrameDecoder({ advert: (_, s) => seen.push(s), garp: () => {}, malformed: () => {} });
    frames.forEach((f, i) => {
      const bytes = new Uint8Array(f.bytes.length + 20);
      bytes.set(f.bytes, 7);
      const cursor: FrameCursor = { ts: i, linkType: f.linkType, bytes, start: 7, end: 7 + f.bytes.length, originalLength: f.bytes.length, fileOffset: 0 };
      d.decodeAt(cursor);
    });
    return seen;
  }
  const advert = (priority: number) => vrrpIpv4({ src: '10.0.0.1', vrid: 9, priority });
  const fromMac = (frame: Uint8Array, last: number) => {
    const copy = frame.slice();
    copy[11] = last;
    return copy;
  };

  it('gets the advert decoded before, when bytes and MAC are the same, and a fresh one from another MAC', () => {
    for (const [linkType, frame] of [[1, (p: Uint8Array) => ethernet(p, 0x0800)], [113, (p: Uint8Array) => sll(p, 0x0800)]] as const) {
      const a = frame(advert(100));
      const b = frame(advert(50));
      const seen = decodeInPlace([a, b, a, b, fromMac(a, 0x77), b, a].map((bytes) => ({ linkType, bytes })));
      expect(seen.map((s) => s.packet.advert.priority)).toEqual([100, 50, 100, 50, 100, 50, 100]);
      expect(seen[2]).toBe(seen[0]);
      expect(seen[3]).toBe(seen[1]);
      expect(seen[4]).not.toBe(seen[0]);
      expect(seen[4].mac).not.toBe(seen[0].mac);
      // Back to earlier adverts, past the one from the other MAC.
      expect(seen[5]).toBe(seen[1]);
      expect(seen[6]).toBe(seen[0]);
    }
  });
});

