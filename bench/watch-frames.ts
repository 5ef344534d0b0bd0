/**
 * The Watcher's own cost a frame, in-process (issue 21): bench/watch.ts's link made in memory
 * (test/watch/flood-frames.ts: a master of 255 VRIDs at advert_int 1 and a 2,000/s flood of TTL 64,
 * wrong-password, bad-checksum, truncated and random-bytes adverts, 20 s of it) handed to a fresh
 * Watcher as `watch -i` hands them: hot (every frame in one loop, best of 5), and live-like (90
 * frames, then a 40 ms rest, as the capture's hold; its caches run cold after each rest).
 */
import { pathToFileURL } from 'node:url';
import { Watcher } from '../src/watch/watcher.js';
import { floodFrames, type FloodFrame } from '../test/watch/flood-frames.js';

const SECONDS = 20;
const BATCH = 90;
const REST_MS = 40;

function pass(frames: readonly FloodFrame[]): number {
  const w = new Watcher({ iface: 'eth0', garpVisible: true });
  const start = process.hrtime.bigint();
  for (const f of frames) w.frame(f.ts * 1000, f.data, 1);
  w.poll();
  return Number(process.hrtime.bigint() - start) / 1e3 / frames.length;
}

function rested(frames: readonly FloodFrame[]): number {
  const w = new Watcher({ iface: 'eth0', garpVisible: true });
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let busy = 0n;
  for (let i = 0; i < frames.length; i += BATCH) {
    const start = process.hrtime.bigint();
    for (let j = i; j < Math.min(frames.length, i + BATCH); j++) w.frame(frames[j].ts * 1000, frames[j].data, 1);
    w.poll();
    busy += process.hrtime.bigint() - start;
    Atomics.wait(pause, 0, 0, REST_MS);
  }
  return Number(busy) / 1e3 / frames.length;
}

export function watcherCost(): { hotUs: number[]; restedUs: number; frames: number } {
  const frames = floodFrames({ vrids: 255, floodPps: 2000, seconds: SECONDS });
  pass(frames);
  const hotUs = Array.from({ length: 5 }, () => pass(frames));
  // 4 s of the link in 40 ms rests (~2 s of rests).
  const restedUs = rested(frames.slice(0, Math.floor(frames.length / 5)));
  return { hotUs, restedUs, frames: frames.length };
}

export async function run(): Promise<void> {
  const r = watcherCost();
  const f = (n: number) => n.toFixed(2);
  console.log(`watch-frames: ${r.frames} frames (255 VRIDs at advert_int 1 + 2,000/s bad adverts, ${SECONDS} s): Watcher hot ${f(Math.min(...r.hotUs))} us/frame (runs ${r.hotUs.map(f).join(', ')}), ` +
    `${BATCH} frames then a ${REST_MS} ms rest: ${f(r.restedUs)} us/frame`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
