/**
 * Wire codec throughput, side by side with a floor measured in the same run: a plain loop over the
 * same buffers that only reads every byte. Target: decode + validate >= 5 M adverts/s on one core
 * and within 3x of the floor.
 */
import type { VrrpAdvert } from '../src/wire/types.js';
import { buildAdvertPacket } from '../src/wire/packet.js';
import { decodeAdvertPacket } from '../src/wire/decode.js';
import { compileExpectation, validateAdvertPacket, type AdvertExpectation } from '../src/wire/validate.js';

const COUNT = 1024;
const advert = (i: number): VrrpAdvert => ({
  version: 2, vrid: 125, priority: 1 + (i % 254), authType: 1, auth: '1e3459f7', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.10'],
});
const expectation: AdvertExpectation = {
  version: 2, vrid: 125, family: 4, authType: 1, auth: '1e3459f77aba4ded', advertIntervalMs: 1000, addresses: ['172.16.25.10'],
};

/** Runs `body` (which handles all buffers once and returns a checksum) for about `ms`; packets per second. */
function measure(body: () => number, ms = 1000): { rate: number; sink: number } {
  let sink = 0;
  for (let i = 0; i < 50; i++) sink += body(); // warm-up
  let rounds = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    for (let i = 0; i < 20; i++) sink += body();
    rounds += 20;
    elapsed = process.hrtime.bigint() - start;
  }
  return { rate: (rounds * COUNT) / (Number(elapsed) / 1e9), sink };
}

const fmt = (rate: number): string => `${(rate / 1e6).toFixed(2).padStart(7)} M pkt/s`;

export interface WireBenchResult {
  floor: number;
  decodeValidate: number;
  decodeObjects: number;
  encode: number;
}

export async function run(): Promise<WireBenchResult> {
  const packets = Array.from({ length: COUNT }, (_, i) => buildAdvertPacket(advert(i), { src: `172.16.25.${1 + (i % 200)}` }));
  const compiled = compileExpectation(expectation);

  const floor = measure(() => {
    let s = 0;
    for (let p = 0; p < COUNT; p++) {
      const b = packets[p];
      for (let i = 0; i < b.length; i++) s += b[i];
    }
    return s;
  });
  const decodeValidate = measure(() => {
    let ok = 0;
    for (let p = 0; p < COUNT; p++) if (validateAdvertPacket(packets[p], compiled) === 'ok') ok++;
    if (ok !== COUNT) throw new Error(`bench packets failed validation: ${ok}/${COUNT}`);
    return ok;
  });
  const decodeObjects = measure(() => {
    let n = 0;
    for (let p = 0; p < COUNT; p++) n += decodeAdvertPacket(packets[p])?.received?.advert.priority ?? 0;
    return n;
  });
  const adverts = Array.from({ length: COUNT }, (_, i) => advert(i));
  const encode = measure(() => {
    let n = 0;
    for (let p = 0; p < COUNT; p++) n += buildAdvertPacket(adverts[p], { src: '172.16.25.1' }).length;
    return n;
  });

  const ratio = floor.rate / decodeValidate.rate;
  const verdict = decodeValidate.rate >= 5e6 && ratio <= 3 ? 'meets target' : 'MISSES target';
  console.log('wire: VRRPv2 PASS adverts, 40-byte IPv4 packets, one core');
  console.log(`  floor: read every byte           ${fmt(floor.rate)}`);
  console.log(`  decode + validate (bytes)        ${fmt(decodeValidate.rate)}   ${ratio.toFixed(2)}x slower than floor   (target >= 5 M/s, <= 3x: ${verdict})`);
  console.log(`  decode to ReceivedAdvert objects ${fmt(decodeObjects.rate)}   ${(floor.rate / decodeObjects.rate).toFixed(2)}x`);
  console.log(`  encode (buildAdvertPacket)       ${fmt(encode.rate)}   ${(floor.rate / encode.rate).toFixed(2)}x`);
  if (floor.sink + decodeValidate.sink + decodeObjects.sink + encode.sink === -1) console.log('');
  return { floor: floor.rate, decodeValidate: decodeValidate.rate, decodeObjects: decodeObjects.rate, encode: encode.rate };
}
