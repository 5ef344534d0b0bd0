/**
 * The replay driver: reads a capture file, decodes its frames and runs the analysis. The only
 * part of replay that touches the file system; everything it calls is pure.
 */
import { openCaptureFrames } from '../capture/reader.js';
import { ReplayAnalyzer } from './analyzer.js';
import { FrameDecoder } from './decoder.js';
import { RecordOrder } from './order.js';
import { recordTime, type ReplayRecord } from './records.js';

export interface ReplayOptions {
  vrid?: number;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** `streamReplay`: frames between looks at new records (tests use 1 to try every seam). */
  pollFrames?: number;
}

export interface ReplayResult {
  /** Every record, in time order (file problems first, summaries and totals last). */
  records: ReplayRecord[];
}

export type ProblemRecord = Extract<ReplayRecord, { type: 'problem' }>;
export type CaptureRecord = Extract<ReplayRecord, { type: 'capture' }>;

export interface StreamedReplay {
  /** False when the timeline could not be put in order as it went (see RecordOrder): what was handed on is not the timeline, use `replayCapture`. */
  inOrder: boolean;
  /** Problems reading the file: in `replayCapture`'s list they come first. */
  problems: ProblemRecord[];
  /** The whole-capture totals, `replayCapture`'s last record. */
  capture: CaptureRecord;
}

/** Frames between looks at the analyzer's new records. */
const POLL_FRAMES = 0x1000;

/**
 * `replayCapture`'s records but the file problems and the totals, handed to `onRecord` in the
 * same order as the capture is read, each once it is final: memory stays flat in the number of
 * records. `first` is the capture's first timestamp (set before the first record).
 */
export function streamReplay(path: string, onRecord: (record: ReplayRecord, first: number) => void, options: ReplayOptions = {}): StreamedReplay {
  const analyzer = new ReplayAnalyzer({ vrid: options.vrid });
  const decoder = new FrameDecoder(analyzer);
  const problems: ProblemRecord[] = [];
  // A record exists only once a frame has been read, so `first` is set by then.
  const order = new RecordOrder((r) => onRecord(r, analyzer.first ?? 0));
  const frames = openCaptureFrames(path, {
    onProblem: (p) => problems.push({ type: 'problem', fileOffset: p.fileOffset, message: p.message }),
    onProgress: options.onProgress,
  });
  const pollFrames = options.pollFrames ?? POLL_FRAMES;
  let n = 0;
  for (let frame = frames.next(); frame !== undefined; frame = frames.next()) {
    decoder.decodeAt(frame);
    if (++n === pollFrames) {
      n = 0;
      order.add(analyzer.poll());
      order.release(analyzer.horizon());
    }
  }
  analyzer.finish();
  order.add(analyzer.poll());
  order.end();
  return { inOrder: order.inOrder, problems, capture: captureTotals(decoder, analyzer, problems.length) };
}

function captureTotals(decoder: FrameDecoder, analyzer: ReplayAnalyzer, problems: number): CaptureRecord {
  const c = decoder.counts;
  return {
    type: 'capture',
    frames: c.frames,
    adverts: c.adverts,
    arp: c.arp,
    garps: c.garps,
    other: c.other + c.malformed,
    first: analyzer.first,
    last: analyzer.last,
    problems,
  };
}

/** Analyse a capture file end to end, every record collected (`streamReplay` hands them on as it goes). */
export function replayCapture(path: string, options: ReplayOptions = {}): ReplayResult {
  const analyzer = new ReplayAnalyzer({ vrid: options.vrid });
  const decoder = new FrameDecoder(analyzer);
  const problems: ReplayRecord[] = [];
  const records: ReplayRecord[] = [];
  const frames = openCaptureFrames(path, {
    onProblem: (p) => problems.push({ type: 'problem', fileOffset: p.fileOffset, message: p.message }),
    onProgress: options.onProgress,
  });
  let n = 0;
  for (let frame = frames.next(); frame !== undefined; frame = frames.next()) {
    decoder.decodeAt(frame);
    if ((++n & (POLL_FRAMES - 1)) === 0) for (const r of analyzer.poll()) records.push(r);
  }
  analyzer.finish();
  for (const r of analyzer.poll()) records.push(r);
  const timeline = records.filter((r) => r.type !== 'summary');
  // Stable sort: records about the same instant keep the order they were produced in.
  timeline.sort((x, y) => recordTime(x) - recordTime(y));
  return {
    records: [...problems, ...timeline, ...records.filter((r) => r.type === 'summary'), captureTotals(decoder, analyzer, problems.length)],
  };
}
