/**
 * The replay driver: reads a capture file, decodes its frames and runs the analysis. The only
 * part of replay that touches the file system; everything it calls is pure.
 */
import { scanCaptureFile } from '../capture/reader.js';
import { ReplayAnalyzer } from './analyzer.js';
import { FrameDecoder } from './decoder.js';
import { recordTime, type ReplayRecord } from './records.js';

export interface ReplayOptions {
  vrid?: number;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface ReplayResult {
  /** Every record, in time order (file problems first, summaries and totals last). */
  records: ReplayRecord[];
}

/** Analyse a capture file end to end. Records are few (events, not packets), so they are collected. */
export function replayCapture(path: string, options: ReplayOptions = {}): ReplayResult {
  const analyzer = new ReplayAnalyzer({ vrid: options.vrid });
  const decoder = new FrameDecoder(analyzer);
  const problems: ReplayRecord[] = [];
  const records: ReplayRecord[] = [];
  const frames = scanCaptureFile(path, {
    onProblem: (p) => problems.push({ type: 'problem', fileOffset: p.fileOffset, message: p.message }),
    onProgress: options.onProgress,
  });
  let n = 0;
  for (const frame of frames) {
    decoder.decodeAt(frame);
    if ((++n & 0xfff) === 0) for (const r of analyzer.poll()) records.push(r);
  }
  analyzer.finish();
  for (const r of analyzer.poll()) records.push(r);
  const c = decoder.counts;
  const timeline = records.filter((r) => r.type !== 'summary');
  // Stable sort: records about the same instant keep the order they were produced in.
  timeline.sort((x, y) => recordTime(x) - recordTime(y));
  return {
    records: [
      ...problems,
      ...timeline,
      ...records.filter((r) => r.type === 'summary'),
      {
        type: 'capture',
        frames: c.frames,
        adverts: c.adverts,
        arp: c.arp,
        garps: c.garps,
        other: c.other + c.malformed,
        first: analyzer.first,
        last: analyzer.last,
        problems: problems.length,
      },
    ],
  };
}
