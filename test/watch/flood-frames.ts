/**
 * bench/watch.ts's link, made in-process (issue 21): one master of `vrids` VRIDs at advert_int 1
 * (172.16.25.1) and a flood from 172.16.25.2 of the five kinds of bad advert the lab bench sends
 * (src/wire/forge.ts: TTL 64, wrong password, bad checksum, truncated, random bytes), in turn, at
 * `floodPps` a second; midway the master's priority of VRID 2 drops and a second host takes VRID 3
 * over. Ethernet frames with their times, deterministic. For the Watcher's micro-bench
 * (bench/watch-frames.ts) and the golden-output fixture (test/fixtures/watch-golden/flood.pcap).
 */
import { PcapWriter } from '../../src/capture/writer.js';
import { forgePacket, type PacketKind } from '../../src/wire/forge.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';

export interface FloodFrame {
  ts: number;
  data: Uint8Array;
}

export const FLOOD_KINDS: readonly PacketKind[] = ['ttl-64', 'wrong-password', 'bad-checksum', 'truncated', 'random'];
const VARIANTS = 64;

function ethernet(ip: Uint8Array, host: number): Uint8Array {
  const out = new Uint8Array(14 + ip.length);
  out.set([0x01, 0x00, 0x5e, 0, 0, 0x12], 0);
  out.set([0x02, 0, 0, 0, 0, host], 6);
  out[12] = 0x08;
  out[13] = 0x00;
  out.set(ip, 14);
  return out;
}

function vip(vrid: number): string {
  return `10.${100 + (vrid >> 8)}.${vrid & 255}.1`;
}

function advert(vrid: number, priority: number, host: number): Uint8Array {
  return ethernet(
    buildAdvertPacket({ version: 2, vrid, priority, authType: 0, auth: '', advertIntervalMs: 1000, family: 4, addresses: [vip(vrid)] }, { src: `172.16.25.${host}` }),
    host,
  );
}

export function floodFrames(options: { vrids: number; floodPps: number; seconds: number; t0?: number; kinds?: readonly PacketKind[] }): FloodFrame[] {
  const { vrids, floodPps, seconds } = options;
  const kinds = options.kinds ?? FLOOD_KINDS;
  const t0 = options.t0 ?? 1_800_000_000;
  const steady = Array.from({ length: vrids + 1 }, (_, v) => (v === 0 ? new Uint8Array(0) : advert(v, 200, 1)));
  const dropped = advert(2, 150, 1);
  const rival = advert(3, 250, 3);
  const bad = kinds.map((kind, i) =>
    Array.from({ length: VARIANTS }, (_, n) =>
      ethernet(forgePacket({ kind, src: '172.16.25.2', vrid: 1 + ((i * 51) % vrids), priority: 254, password: '', advertIntervalMs: 1000, addresses: [vip(1)], seed: i + 1 }, n), 2),
    ),
  );
  const frames: FloodFrame[] = [];
  const half = Math.floor(seconds / 2);
  for (let sec = 0; sec < seconds; sec++) {
    for (let v = 1; v <= vrids; v++) {
      const ts = t0 + sec + (v - 1) * (0.9 / vrids);
      frames.push({ ts, data: v === 2 && sec >= half ? dropped : steady[v] });
      if (v === 3 && sec >= half) frames.push({ ts: ts + 0.001, data: rival });
    }
    for (let n = 0; n < floodPps; n++) {
      const k = n % kinds.length;
      frames.push({ ts: t0 + sec + n / floodPps + 0.0005, data: bad[k][Math.floor(n / kinds.length + sec * floodPps) % VARIANTS] });
    }
  }
  return frames.sort((a, b) => a.ts - b.ts);
}

/** `frames` as a pcap file; every `cutEvery`th frame (0: none) cut to 38 bytes by the snap length. */
export function writeFloodCapture(path: string, frames: readonly FloodFrame[], cutEvery = 0): void {
  const w = new PcapWriter(path, { linkType: 1 });
  frames.forEach((f, i) => (cutEvery > 0 && i % cutEvery === cutEvery - 1 ? w.write(f.ts, f.data.subarray(0, 38), f.data.length) : w.write(f.ts, f.data)));
  w.close();
}

/** test/fixtures/watch-golden/flood.pcap: 12 VRIDs, 250 bad adverts a second (count mismatches too) for 6 s, one frame in 97 cut. */
export function writeGoldenFlood(path: string): void {
  writeFloodCapture(path, floodFrames({ vrids: 12, floodPps: 250, seconds: 6, kinds: [...FLOOD_KINDS, 'count-mismatch'] }), 97);
}
