/**
 * Lab tier (issue 21, watch -i's CPU): the capture socket as `vrrplab watch -i` opens it
 * (src/watch/live.ts: ETH_P_ALL, the BPF program of src/watch/filter.ts, startBatch's hold), in a
 * namespace of its own, fed from another namespace's packet socket: VRRP frames 10 ms apart with
 * UDP frames between them. One short run (~5 s).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { collect, ensureBuilt, ROOT, sleep, waitFor } from '../runtime/lab-helpers.js';

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable()) await ensureBuilt();
}, 240_000);

const FRAMES = 12;
const SPACING_MS = 10;

/** Reads eth0 for 2.5 s; prints one JSON line: the batches, each frame's tag, kernel time and delivery time. */
const CAPTURE = `
const { loadVrrpSocket, VrrpSocket } = await import('${ROOT}/dist/src/runtime/vrrp-socket.js');
const { encodeFilter, watchFilter } = await import('${ROOT}/dist/src/watch/filter.js');
const { HOLD_MS } = await import('${ROOT}/dist/src/watch/live.js');
const { interfaceIndex } = await import('${ROOT}/dist/src/runtime/sysfs.js');
const { endianness } = await import('node:os');
if (!loadVrrpSocket().ok || !VrrpSocket.canCaptureQuietly) { console.log(JSON.stringify({ error: 'no quiet capture in this build' })); process.exit(0); }
const s = VrrpSocket.openCapture(interfaceIndex('eth0'));
s.setFilter(encodeFilter(watchFilter(), endianness() === 'LE'));
const batches = [];
let batch = [];
let other = 0;
s.start(() => performance.now(), (d) => {
  const p = d.packet;
  // Ours: IPv4 (no tag) from 172.16.25.1, VRID 99; the tag is the last byte.
  if (p.length > 34 && p[12] === 8 && p[13] === 0 && p[26] === 172 && p[29] === 1 && p[35] === 99) batch.push({ proto: p[23], tag: p[p.length - 1], at: d.receivedAt, read: performance.now() });
  else other++;
}, (m) => console.error(m), () => { if (batch.length) batches.push(batch); batch = []; }, HOLD_MS);
console.log('ready');
setTimeout(() => { console.log(JSON.stringify({ batches, other, hold: HOLD_MS, dropped: s.dropped })); s.close(); }, 2500);
`;

/** Writes FRAMES VRRP frames SPACING_MS apart on eth0, each followed by a UDP frame; prints the send times. */
const SEND = `
const { loadVrrpSocket, VrrpSocket } = await import('${ROOT}/dist/src/runtime/vrrp-socket.js');
const { interfaceIndex } = await import('${ROOT}/dist/src/runtime/sysfs.js');
loadVrrpSocket();
const s = VrrpSocket.openPacket(interfaceIndex('eth0'));
function frame(proto, tag) {
  const f = new Uint8Array(14 + 20 + 20);
  f.set([1, 0, 0x5e, 0, 0, 0x12, 2, 0, 0, 0, 0, 1, 8, 0]);
  f.set([0x45, 0, 0, 40, 0, 0, 0, 0, 255, proto, 0, 0, 172, 16, 25, 1, 224, 0, 0, 18], 14);
  f[35] = 99; // VRRP: VRID at offset 1 (UDP: the source port's low byte)
  f[34] = 0x21;
  f[53] = tag;
  return f;
}
const sent = [];
// Spun to absolute times (a timer's lateness would stretch the run and change how frames batch).
const start = performance.now();
for (let i = 0; i < ${FRAMES}; i++) {
  while (performance.now() < start + i * ${SPACING_MS});
  sent.push(performance.now());
  s.send(frame(112, i));
  s.send(frame(17, 100 + i));
}
console.log(JSON.stringify({ sent }));
s.close();
`;

interface Seen {
  proto: number;
  tag: number;
  at: number;
  read: number;
}

describe('watch -i capture socket', () => {
  it('hands over only what the filter keeps, several frames a wake-up after a rest, each with its own kernel receive time', async (ctx) => {
    requireLab(ctx);
    const lab = made.lab({ hosts: 2 });
    const capture = collect(lab.spawn(1, [process.execPath, '--input-type=module', '-e', CAPTURE]));
    expect(await waitFor(() => capture.log().includes('ready'), 5000), capture.log()).toBeGreaterThanOrEqual(0);
    const sender = lab.exec(0, [process.execPath, '--input-type=module', '-e', SEND], { timeoutMs: 10_000 });
    const { sent } = JSON.parse(sender.trim().split('\n').at(-1)!) as { sent: number[] };
    expect(await waitFor(() => capture.log().includes('"batches"'), 5000), capture.log()).toBeGreaterThanOrEqual(0);
    await sleep(100);
    const result = JSON.parse(capture.log().split('\n').find((l) => l.includes('"batches"'))!) as { batches: Seen[][]; other: number; hold: number; dropped: number; error?: string };
    expect(result.error).toBeUndefined();
    const frames = result.batches.flat();
    // The filter: every VRRP frame, not one UDP frame (the kernel took the program).
    expect(frames.map((f) => f.tag)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(frames.every((f) => f.proto === 112)).toBe(true);
    expect(result.dropped).toBe(0);
    // The hold: the first frame alone, then a wake-up per hold at most (~4 for 110 ms of frames),
    // frames read together, each waiting up to about the hold.
    const span = sent[FRAMES - 1] - sent[0];
    expect(result.batches.length).toBeLessThanOrEqual(2 + Math.ceil(span / result.hold));
    expect(result.batches.length).toBeLessThan(FRAMES / 2);
    expect(Math.max(...result.batches.map((b) => b.length))).toBeGreaterThanOrEqual(3);
    const waits = frames.map((f) => f.read - f.at);
    expect(Math.max(...waits)).toBeGreaterThan(SPACING_MS / 2);
    expect(Math.max(...waits)).toBeLessThan(result.hold + 250);
    // The first frame after a quiet spell is not held.
    expect(waits[0]).toBeLessThan(result.hold / 2);
    // Receive times are the kernel's, not the read's: their spacing is the sender's (within 5 ms),
    // while frames of one batch were read within a fraction of a millisecond of each other.
    for (let i = 1; i < FRAMES; i++) expect(Math.abs(frames[i].at - frames[i - 1].at - (sent[i] - sent[i - 1])), `frame ${i}`).toBeLessThan(5);
    console.log(`watch capture lab: ${FRAMES} frames in ${result.batches.length} batches (${result.batches.map((b) => b.length).join('+')}), waits ${waits.map((w) => w.toFixed(1)).join(' ')} ms, hold ${result.hold} ms`);
  }, 30_000);
});
