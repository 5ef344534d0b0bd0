/**
 * Long captures made from a short recording, for benchmarks and tests: the recording is played
 * again and again, each copy shifted to start one second after the previous one ended, so every
 * copy repeats its transitions, failover gaps, GARP bursts and anomalies.
 */
import { readCaptureFile } from './reader.js';
import { PcapWriter } from './writer.js';

export interface RepeatOptions {
  /**
   * Also replay each copy's first frame a few more times, at these offsets (seconds from the
   * copy's start): with a VRRP advert there, its sender advertises again after another host took
   * over, which the analysis reports as two masters.
   */
  echoFirstAt?: readonly number[];
}

/** Writes `frames` frames to `out` from repeated copies of the capture at `source`; returns how many copies started. */
export function repeatCapture(source: string, out: string, frames: number, options: RepeatOptions = {}): number {
  const recorded = [...readCaptureFile(source)].map((f) => ({ ts: f.ts, data: f.data.slice(), linkType: f.linkType, originalLength: f.originalLength }));
  if (recorded.length === 0) throw new Error(`${source}: no frames`);
  const first = recorded[0];
  const copy = [...recorded, ...(options.echoFirstAt ?? []).map((dt) => ({ ...first, ts: first.ts + dt }))].sort((x, y) => x.ts - y.ts);
  const span = copy[copy.length - 1].ts - first.ts + 1;
  const writer = new PcapWriter(out, { linkType: first.linkType }, 4 << 20);
  let written = 0;
  let copies = 0;
  try {
    for (; written < frames; copies++) {
      for (const f of copy) {
        if (written >= frames) break;
        writer.write(f.ts + copies * span, f.data, f.originalLength);
        written++;
      }
    }
  } finally {
    writer.close();
  }
  return copies;
}
