/**
 * keepalived 2.4's auth_hmac trailer in the wire codec: golden packets captured from keepalived
 * 2.4.3 (captures/auth-hmac, see captures/README.md) verified with their keys, tshark's reading of
 * them (tshark 4.0.17 knows no trailer), the malformed shapes, and property tests.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipPacketOf } from '../../src/capture/link.js';
import { decodeAdvertPacket, verdictLogLine } from '../../src/wire/decode.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { checkVrrpPacket } from '../../src/wire/validate.js';
import type { VrrpAdvert } from '../../src/wire/types.js';
import {
  checkTrailerHmac,
  HMAC_TRAILER_LEN,
  keyBytes,
  readHmacTrailer,
  withTrailer,
} from '../../src/wire/auth-hmac.js';

const KEY1 = keyBytes('vrrplab-auth-hmac-key-one-0123456789');
const KEY2 = keyBytes('hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');

function packets(run: string): { ts: number; ip: Uint8Array }[] {
  const out: { ts: number; ip: Uint8Array }[] = [];
  for (const f of readCaptureFile(`captures/auth-hmac/${run}/capture.pcap`)) out.push({ ts: f.ts, ip: f.data.subarray(ipPacketOf(f)!.offset) });
  return out;
}

/** Checks the trailer of a decoded packet (VRRP at 20, PDU of 20 bytes for these captures) with `keys`. */
function check(ip: Uint8Array, keys: [number, Uint8Array][]): string {
  const d = decodeAdvertPacket(ip)!;
  return checkTrailerHmac(ip, d.vrrpOffset!, d.expectedLength!, d.length, new Map(keys));
}

describe("keepalived 2.4.3's auth_hmac adverts (captured)", () => {
  it('decode as valid 68-byte adverts whose trailer carries key 1, the send time and a zero counter, and verify with key 1', () => {
    const all = packets('enforce');
    expect(all.length).toBe(4);
    for (const { ts, ip } of all) {
      const d = decodeAdvertPacket(ip)!;
      expect(d.length).toBe(68);
      expect(d.verdict).toBe('ok');
      expect(d.checksumValid).toBe(true);
      expect(d.received!.advert).toMatchObject({ version: 2, vrid: 51, authType: 0, addresses: ['172.16.25.51'] });
      expect(d.hmac).toMatchObject({ length: 28, extType: 1, keyId: 1, reserved: 0, counter: 0, problem: null });
      // The trailer's time is the send time: the capture's timestamp to within 10 ms.
      const sent = d.hmac!.seconds! + d.hmac!.fraction! / 65536;
      expect(Math.abs(sent - ts)).toBeLessThan(0.01);
      expect(check(ip, [[1, KEY1]])).toBe('good');
    }
    // The last one is the priority-0 advert of the stopping master, signed as the others.
    expect(decodeAdvertPacket(all[3].ip)!.received!.advert.priority).toBe(0);
  });

  it('fail with another key, and say so when the key id is not among the keys', () => {
    const { ip } = packets('enforce')[0];
    expect(check(ip, [[1, KEY2]])).toBe('bad-hmac');
    expect(check(ip, [[2, KEY1]])).toBe('unknown-key');
  });

  it('verify the hex key 2 of a rotated sender and key 1 of the other (keyid run)', () => {
    const seen = new Map<string, Set<string>>();
    for (const { ip } of packets('keyid')) {
      const d = decodeAdvertPacket(ip)!;
      const who = `${d.src} key ${d.hmac!.keyId}`;
      const set = seen.get(who) ?? new Set<string>();
      set.add(`${check(ip, [[1, KEY1], [2, KEY2]])}/${check(ip, [[1, KEY1]])}`);
      seen.set(who, set);
    }
    expect(Object.fromEntries([...seen].map(([k, v]) => [k, [...v]]))).toEqual({
      '172.16.25.1 key 2': ['good/unknown-key'],
      '172.16.25.2 key 1': ['good/good'],
    });
  });

  it('are bound to their source address, VRID and priority: changing any byte the HMAC covers fails it', () => {
    const { ip } = packets('enforce')[0];
    for (const at of [15 /* source address */, 21 /* VRID */, 22 /* priority */, 20 + 20 + 5 /* trailer seconds */, 20 + 20 + 13 /* the HMAC */]) {
      const forged = ip.slice();
      forged[at] ^= 0x01;
      expect(check(forged, [[1, KEY1]]), `byte ${at}`).toBe('bad-hmac');
    }
    // The checksum field is read as zero: changing it leaves the HMAC good (and the checksum bad).
    const sum = ip.slice();
    sum[26] ^= 0xff;
    expect(check(sum, [[1, KEY1]])).toBe('good');
    expect(decodeAdvertPacket(sum)!.verdict).toBe('bad-checksum');
  });

  it("are 'too long' for keepalived 2.2.7's checks, with its numbers (68 and 40), and valid for 2.4's with auth_hmac", () => {
    const { ip } = packets('enforce')[0];
    expect(checkVrrpPacket(ip)).toBe('bad-length');
    expect(checkVrrpPacket(ip, { hmacTrailer: true })).toBe('ok');
    const d = decodeAdvertPacket(ip)!;
    expect(verdictLogLine('bad-length', { instance: 'VI_1', packet: d })).toBe('(VI_1) vrrp packet too long, length 68 and expect 40');
  });

  it("agree with tshark 4.0.17's header fields, where tshark (which knows no trailer) calls every checksum bad", () => {
    const rows = readFileSync('test/wire/fixtures/auth-hmac-enforce.tshark.csv', 'utf8').trim().split('\n').map((l) => l.split(','));
    const all = packets('enforce');
    expect(rows.length).toBe(all.length);
    rows.forEach(([, src, len, version, vrid, prio, authType, advInt, addr, status], i) => {
      const d = decodeAdvertPacket(all[i].ip)!;
      const a = d.received!.advert;
      expect([d.src, d.length, a.version, a.vrid, a.priority, a.authType, a.advertIntervalMs / 1000, a.addresses.join('|')]).toEqual([
        src, Number(len), Number(version), Number(vrid), Number(prio), Number(authType), Number(advInt), addr,
      ]);
      // tshark sums all 48 bytes; keepalived 2.4.3 sums the 20-byte PDU, which verifies.
      expect(status).toBe('0');
      expect(d.checksumValid).toBe(true);
    });
  });
});

describe("keepalived 2.4.3's auth_hmac adverts over IPv6 (VRRPv3, captured)", () => {
  it('verify with the key over the IPv6 pseudo header (family 6, the link-local source), their checksum over the whole payload as tshark 4.0.17 also finds it', () => {
    const rows = readFileSync('test/wire/fixtures/auth-hmac-v6.tshark.csv', 'utf8').trim().split('\n').map((l) => l.split(','));
    const all = packets('v6');
    expect(all.length).toBe(rows.length);
    rows.forEach(([, src, plen, version, vrid, prio, addr, status], i) => {
      const { ip } = all[i];
      const d = decodeAdvertPacket(ip)!;
      const a = d.received!.advert;
      expect([d.src, d.length - 40, a.version, a.vrid, a.priority, a.addresses.join('|')]).toEqual([src, Number(plen), Number(version), Number(vrid), Number(prio), addr]);
      expect(status).toBe('1');
      expect(d.checksumValid).toBe(true);
      expect(d.verdict).toBe('ok');
      expect(d.hmac).toMatchObject({ keyId: 1, problem: null });
      expect(check(ip, [[1, KEY1]])).toBe('good');
      expect(check(ip, [[1, KEY2]])).toBe('bad-hmac');
    });
  });
});

const advert: VrrpAdvert = { version: 2, vrid: 51, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.51'] };
const seq = { keyId: 1, seconds: 1_796_000_000, fraction: 1234, counter: 0 };

describe('a malformed auth_hmac trailer', () => {
  it("of an unknown ext_type or with reserved bits is 'bad-trailer' with what it holds, and keepalived 2.4.3's line", () => {
    const ip = withTrailer(buildAdvertPacket(advert, { src: '172.16.25.1' }), { ...seq, extType: 2 }, KEY1);
    const d = decodeAdvertPacket(ip)!;
    expect(d.verdict).toBe('bad-trailer');
    expect(d.hmac).toMatchObject({ extType: 2, keyId: 1, seconds: seq.seconds, problem: 'unknown-ext-type' });
    expect(d.received!.advert.priority).toBe(150);
    expect(verdictLogLine('bad-trailer', { instance: 'VI_1', packet: d })).toBe('(VI_1) malformed authentication trailer from 172.16.25.1');
    expect(checkTrailerHmac(ip, 20, 40, ip.length, new Map([[1, KEY1]]))).toBe('malformed');
    const reserved = withTrailer(buildAdvertPacket(advert, { src: '172.16.25.1' }), seq, KEY1);
    reserved[40 + 3] = 1;
    expect(decodeAdvertPacket(reserved)!.verdict).toBe('bad-trailer');
    expect(decodeAdvertPacket(reserved)!.hmac!.problem).toBe('reserved');
  });

  it("cut short is 'bad-length' (keepalived 2.4.3 reads a trailer only at exactly 28 bytes) with the fields that fit", () => {
    const whole = withTrailer(buildAdvertPacket(advert, { src: '172.16.25.1' }), seq, KEY1);
    const cut = whole.slice(0, 40 + 10);
    cut[3] = cut.length; // IPv4 total length
    const d = decodeAdvertPacket(cut)!;
    expect(d.verdict).toBe('bad-length');
    expect(d.hmac).toEqual({ length: 10, extType: 1, keyId: 1, reserved: 0, seconds: seq.seconds, fraction: 1234, counter: null, hmac: null, problem: 'short' });
    expect(d.checksumValid).toBe(true);
  });

  it('is not read into bytes after the PDU that cannot be one: other trailing bytes stay a plain length error', () => {
    const plain = buildAdvertPacket(advert, { src: '172.16.25.1' });
    const longer = new Uint8Array(plain.length + 5);
    longer.set(plain);
    longer[3] = longer.length;
    const d = decodeAdvertPacket(longer)!;
    expect(d.hmac).toBeNull();
    expect(d.verdict).toBe('bad-length');
    // And an advert without a trailer decodes as before.
    expect(decodeAdvertPacket(plain)!.hmac).toBeNull();
    expect(decodeAdvertPacket(plain)!.verdict).toBe('ok');
  });
});

describe('keyBytes', () => {
  it('reads hex: as bytes and anything else as its ASCII bytes, as keepalived 2.4.3 does (lab: hex:abc is 2 bytes, a non-hex digit 0)', () => {
    expect([...keyBytes('hex:00ff10')]).toEqual([0, 255, 16]);
    expect([...keyBytes('hex:00FF 1')]).toEqual([0, 255, 1]);
    expect([...keyBytes('AB')]).toEqual([65, 66]);
    expect([...keyBytes('hex:abc')]).toEqual([0xab, 0x0c]);
    expect(keyBytes('hex:0g').length).toBe(0);
    expect(keyBytes('hex:').length).toBe(0);
  });
});

const arbAdvert: fc.Arbitrary<VrrpAdvert> = fc.oneof(
  fc.record({
    version: fc.constant(2 as const), vrid: fc.integer({ min: 1, max: 255 }), priority: fc.integer({ min: 0, max: 255 }),
    authType: fc.constant(0), auth: fc.constant(''), advertIntervalMs: fc.integer({ min: 1, max: 255 }).map((s) => s * 1000),
    family: fc.constant(4 as const), addresses: fc.array(fc.ipV4(), { minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    version: fc.constant(3 as const), vrid: fc.integer({ min: 1, max: 255 }), priority: fc.integer({ min: 0, max: 255 }),
    authType: fc.constant(0), auth: fc.constant(''), advertIntervalMs: fc.integer({ min: 1, max: 4095 }).map((c) => c * 10),
    family: fc.constant(6 as const), addresses: fc.array(fc.constantFrom('fd00::1', '2001:db8::5', 'fe80::1:2'), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    version: fc.constant(3 as const), vrid: fc.integer({ min: 1, max: 255 }), priority: fc.integer({ min: 0, max: 255 }),
    authType: fc.constant(0), auth: fc.constant(''), advertIntervalMs: fc.integer({ min: 1, max: 4095 }).map((c) => c * 10),
    family: fc.constant(4 as const), addresses: fc.array(fc.ipV4(), { minLength: 1, maxLength: 8 }),
  }),
);
const arbSeq = fc.record({
  keyId: fc.integer({ min: 1, max: 255 }), seconds: fc.integer({ min: 0, max: 0xffffffff }),
  fraction: fc.integer({ min: 0, max: 0xffff }), counter: fc.integer({ min: 0, max: 0xffff }),
});
const arbKey = fc.uint8Array({ minLength: 1, maxLength: 100 });

describe('auth_hmac trailer properties', () => {
  it('a signed trailer decodes back to its fields, its advert and checksum valid, and verifies with its key', () => {
    fc.assert(fc.property(arbAdvert, arbSeq, arbKey, (a, t, key) => {
      const src = a.family === 4 ? '10.0.0.1' : 'fe80::2';
      const ip = withTrailer(buildAdvertPacket(a, { src }), t, key);
      const d = decodeAdvertPacket(ip)!;
      expect(d.verdict).toBe('ok');
      expect(d.checksumValid).toBe(true);
      expect(d.received!.advert).toEqual(a);
      expect(d.hmac).toMatchObject({ ...t, extType: 1, reserved: 0, length: HMAC_TRAILER_LEN, problem: null });
      expect(checkTrailerHmac(ip, d.vrrpOffset!, d.expectedLength!, d.length, new Map([[t.keyId, key]]))).toBe('good');
    }), { numRuns: 150 });
  });

  it('any change of one byte the HMAC covers (but the checksum) makes it fail', () => {
    fc.assert(fc.property(arbAdvert, arbSeq, arbKey, fc.nat(), fc.integer({ min: 1, max: 255 }), (a, t, key, pick, flip) => {
      const src = a.family === 4 ? '10.0.0.1' : 'fe80::2';
      const ip = withTrailer(buildAdvertPacket(a, { src }), t, key);
      const vrrp = a.family === 4 ? 20 : 40;
      const srcAt = a.family === 4 ? 12 : 8;
      const srcLen = a.family === 4 ? 4 : 16;
      // Source address, the PDU but its checksum, the trailer (key id excepted: that is 'unknown-key').
      const covered = [
        ...Array.from({ length: srcLen }, (_, i) => srcAt + i),
        ...Array.from({ length: ip.length - vrrp }, (_, i) => vrrp + i).filter((i) => i !== vrrp + 6 && i !== vrrp + 7 && i !== ip.length - 27),
      ];
      const at = covered[pick % covered.length];
      const forged = ip.slice();
      forged[at] ^= flip;
      const pduEnd = ip.length - HMAC_TRAILER_LEN;
      const r = checkTrailerHmac(forged, vrrp, pduEnd, ip.length, new Map([[t.keyId, key]]));
      // A changed ext_type or reserved byte makes it malformed before the HMAC.
      expect(['bad-hmac', 'malformed']).toContain(r);
    }), { numRuns: 200 });
  });

  it('decoding and reading trailers never throw on any bytes after a valid PDU', () => {
    fc.assert(fc.property(arbAdvert, fc.uint8Array({ maxLength: 40 }), (a, tail) => {
      const src = a.family === 4 ? '10.0.0.1' : 'fe80::2';
      const plain = buildAdvertPacket(a, { src });
      const ip = new Uint8Array(plain.length + tail.length);
      ip.set(plain);
      ip.set(tail, plain.length);
      if (a.family === 4) { ip[2] = ip.length >> 8; ip[3] = ip.length & 0xff; } else { ip[4] = (ip.length - 40) >> 8; ip[5] = (ip.length - 40) & 0xff; }
      const d = decodeAdvertPacket(ip);
      expect(d).not.toBeNull();
      if (d!.hmac !== null) {
        expect(d!.hmac.length).toBe(tail.length);
        checkTrailerHmac(ip, d!.vrrpOffset!, d!.expectedLength!, d!.length, new Map([[1, KEY1]]));
      }
      readHmacTrailer(ip, plain.length, ip.length);
    }), { numRuns: 300 });
  });
});
