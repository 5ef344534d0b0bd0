/**
 * `vrrplab watch -r FILE`: a capture file through the watcher, time taken from its frames (the
 * timed alerts are judged at each frame's time, never past the capture's last frame).
 */
import { openCaptureFrames } from '../capture/reader.js';
import { Watcher, type WatchEvent, type WatchOptions } from './watcher.js';

export interface WatchedCapture {
  watcher: Watcher;
  events: WatchEvent[];
  problems: string[];
  /** The last frame's time (ms), or null for a capture without frames. */
  lastMs: number | null;
}

export function watchCaptureFile(path: string, options: WatchOptions = {}, onEvent?: (e: WatchEvent) => void): WatchedCapture {
  const watcher = new Watcher(options);
  const events: WatchEvent[] = [];
  const problems: string[] = [];
  const frames = openCaptureFrames(path, { onProblem: (p) => problems.push(`offset ${p.fileOffset}: ${p.message}`) });
  let lastMs: number | null = null;
  for (let f = frames.next(); f !== undefined; f = frames.next()) {
    lastMs = f.ts * 1000;
    watcher.frame(lastMs, f.bytes, f.linkType, f.start, f.end, f.originalLength);
    for (const e of watcher.poll()) {
      events.push(e);
      onEvent?.(e);
    }
  }
  return { watcher, events, problems, lastMs };
}
