/**
 * The replay driver: reads a capture file, decodes its frames and runs the analysis. The only
 * part of replay that touches the file system; everything it calls is pure.
 */
import { keepalivedRelease, type KeepalivedVersion } from '../config/version.js';
import { openCaptureFrames } from '../capture/reader.js';
import { ReplayAnalyzer } from './analyzer.js';
import { FrameDecoder } from './decoder.js';
import { RecordOrder } from './order.js';
import { recordTime, type ReplayRecord } from './records.js';

export interface ReplayOptions {
  vrid?: number;
  /** The keepalived the receivers run (default 2.2: 2.2.7 drops adverts with an auth_hmac trailer as too long). */
  keepalivedVersion?: KeepalivedVersion;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** `streamReplay`: frames between looks at new records (tests use 1 to try every seam). */
  pollFrames?: number;
}

export interface ReplayResult {
  /**
   * Every record: the timeline in time order, then the file's problems, the summaries and the
   * totals (problems can turn up anywhere in a file; after the timeline, it can be written out
   * as it is read).
   */
  records: ReplayRecord[];
}

export type ProblemRecord = Extract<ReplayRecord, { type: 'problem' }>;
export type CaptureRecord = Extract<ReplayRecord, { type: 'capture' }>;

export interface StreamedReplay {
  /** False when the timeline could not be kept in order as it went (see RecordOrder): every record was handed on, but not in time order throughout; `replayCapture` sorts them all. */
  inOrder: boolean;
  /** Problems reading the file (handed on after the timeline, as in `replayCapture`'s list). */
  problems: ProblemRecord[];
  /** The whole-capture totals, `replayCapture`'s last record. */
  capture: CaptureRecord;
}

/** Frames between looks at the analyzer's new records. */
const POLL_FRAMES = 0x1000;

/**
 * `replayCapture`'s records but the totals, handed to `onRecord` in the same order as the
 * capture is read, each timeline record once it is final: memory stays flat in the number of
 * records. `first` is the capture's first timestamp (set before the first timed record).
 */
export function streamReplay(path: string, onRecord: (record: ReplayRecord, first: number) => void, options: ReplayOptions = {}): StreamedReplay {
  const analyzer = new ReplayAnalyzer({ vrid: options.vrid, ...(options.keepalivedVersion !== undefined ? { keepalivedVersion: options.keepalivedVersion } : {}) });
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
  const last = analyzer.poll();
  order.add(last.filter((r) => r.type !== 'summary'));
  order.end();
  // After the timeline: file problems, then the summaries (replayCapture's order).
  const first = analyzer.first ?? 0;
  for (const p of problems) onRecord(p, first);
  for (const r of last) if (r.type === 'summary') onRecord(r, first);
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
    keepalived: keepalivedRelease(analyzer.keepalivedVersion),
  };
}

/** Analyse a capture file end to end, every record collected (`streamReplay` hands them on as it goes). */
export function replayCapture(path: string, options: ReplayOptions = {}): ReplayResult {
  const analyzer = new ReplayAnalyzer({ vrid: options.vrid, ...(options.keepalivedVersion !== undefined ? { keepalivedVersion: options.keepalivedVersion } : {}) });
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
    records: [...timeline, ...problems, ...records.filter((r) => r.type === 'summary'), captureTotals(decoder, analyzer, problems.length)],
  };
}
