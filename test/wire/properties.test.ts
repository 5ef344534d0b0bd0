/** Property tests: round trips for every valid advert, and no input of any shape makes the codec throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VrrpAdvert } from '../../src/wire/types.js';
import { formatIpv4, formatIpv6, parseIpv6 } from '../../src/wire/address.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { passwordText, quotedPassword } from '../../src/wire/vrrp.js';
import { decodeAdvertPacket, verdictLogLine } from '../../src/wire/decode.js';
import { checkAdvertForInstance, checkVrrpPacket, compileExpectation, validateAdvertPacket, type AdvertExpectation } from '../../src/wire/validate.js';

const ipv4 = fc.integer({ min: 0, max: 0xffffffff }).map(formatIpv4);
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b));
const password = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789!-_'), minLength: 0, maxLength: 8 });

const v2: fc.Arbitrary<VrrpAdvert> = fc.record({
  version: fc.constant(2 as const),
  vrid: fc.integer({ min: 0, max: 255 }),
  priority: fc.integer({ min: 0, max: 255 }),
  authType: fc.integer({ min: 0, max: 2 }),
  auth: password,
  advertIntervalMs: fc.integer({ min: 0, max: 255 }).map((s) => s * 1000),
  family: fc.constant(4 as const),
  addresses: fc.array(ipv4, { maxLength: 20 }),
}).map((a) => (a.authType === 1 ? a : { ...a, auth: '' }));

/** VRRPv2 over IPv6, as keepalived 2.2.7 sends it for an IPv6 instance configured `version 2`: no auth bytes, so no password. */
const v2over6: fc.Arbitrary<VrrpAdvert> = fc.record({
  version: fc.constant(2 as const),
  vrid: fc.integer({ min: 0, max: 255 }),
  priority: fc.integer({ min: 0, max: 255 }),
  authType: fc.integer({ min: 0, max: 2 }),
  auth: fc.constant(''),
  advertIntervalMs: fc.integer({ min: 0, max: 255 }).map((s) => s * 1000),
  family: fc.constant(6 as const),
  addresses: fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIpv6(b)), { maxLength: 15 }),
});

const v3 = (family: 4 | 6): fc.Arbitrary<VrrpAdvert> => fc.record({
  version: fc.constant(3 as const),
  vrid: fc.integer({ min: 0, max: 255 }),
  priority: fc.integer({ min: 0, max: 255 }),
  authType: fc.constant(0),
  auth: fc.constant(''),
  advertIntervalMs: fc.integer({ min: 0, max: 0x0fff }).map((c) => c * 10),
  family: fc.constant(family),
  addresses: fc.array(family === 4 ? ipv4 : ipv6, { maxLength: 15 }),
});

const roundTrip = (gen: fc.Arbitrary<VrrpAdvert>, srcGen: fc.Arbitrary<string>, dstGen: fc.Arbitrary<string>) =>
  fc.assert(fc.property(gen, srcGen, dstGen, fc.integer({ min: 0, max: 255 }), (advert, src, dst, ttl) => {
    const ip = buildAdvertPacket(advert, { src, dst, ttl });
    const d = decodeAdvertPacket(ip);
    expect(d?.received).toEqual({ advert, src, dst, ttl });
    expect(d?.checksumValid).toBe(true);
    // keepalived checks the TTL of multicast adverts only.
    const multicast = dst.includes(':') ? parseIpv6(dst)?.[0] === 0xff : Number(dst.split('.')[0]) >> 4 === 0xe;
    expect(d?.verdict).toBe(ttl === 255 || !multicast ? 'ok' : 'bad-ttl');
  }), { numRuns: 2000 });

describe('the TTL / hop limit verdict of a decoded advert', () => {
  // keepalived 2.2.7 (vrrp_check_packet) checks it on multicast instances only; its own IPv6
  // unicast adverts leave with hop limit 64 and are accepted (lab, issue 23).
  const hops = fc.integer({ min: 0, max: 254 });
  it('is bad-ttl for any TTL but 255 to a multicast group, IPv4 or IPv6', () => fc.assert(fc.property(v3(4), v3(6), hops, (a4, a6, ttl) => {
    expect(decodeAdvertPacket(buildAdvertPacket(a4, { src: '10.0.0.1', dst: '224.0.0.18', ttl }))?.verdict).toBe('bad-ttl');
    expect(decodeAdvertPacket(buildAdvertPacket(a6, { src: 'fe80::1', dst: 'ff02::12', ttl }))?.verdict).toBe('bad-ttl');
  }), { numRuns: 300 }));
  it('is ok for any TTL to a unicast peer, IPv4 or IPv6', () => fc.assert(fc.property(v3(4), v3(6), hops, (a4, a6, ttl) => {
    expect(decodeAdvertPacket(buildAdvertPacket(a4, { src: '10.0.0.1', dst: '10.0.0.2', ttl }))?.verdict).toBe('ok');
    expect(decodeAdvertPacket(buildAdvertPacket(a6, { src: 'fd44::a', dst: 'fd44::b', ttl }))?.verdict).toBe('ok');
  }), { numRuns: 300 }));
});

describe('decode(encode(advert))', () => {
  it('gives back every valid VRRPv2 advert', () => roundTrip(v2, ipv4, ipv4));
  it('gives back every valid VRRPv3 advert over IPv4', () => roundTrip(v3(4), ipv4, ipv4));
  it('gives back every valid VRRPv3 advert over IPv6', () => roundTrip(v3(6), ipv6, ipv6));
  it('gives back every VRRPv2 advert over IPv6 (8 + 16 bytes an address, no auth bytes, the IPv6 pseudo-header checksum)', () => {
    roundTrip(v2over6, ipv6, ipv6);
    fc.assert(fc.property(v2over6, (advert) => {
      expect(buildAdvertPacket(advert, { src: 'fe80::1' }).length).toBe(40 + 8 + 16 * advert.addresses.length);
    }), { numRuns: 200 });
  });
});

/** Real-looking packets to mutate. */
const seeds: Uint8Array[] = [
  buildAdvertPacket({ version: 2, vrid: 125, priority: 104, authType: 1, auth: '1e3459f7', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.10'] }, { src: '172.16.25.1' }),
  buildAdvertPacket({ version: 3, vrid: 7, priority: 100, authType: 0, auth: '', advertIntervalMs: 100, family: 4, addresses: ['10.0.0.1', '10.0.0.2'] }, { src: '10.0.0.3' }),
  buildAdvertPacket({ version: 3, vrid: 9, priority: 255, authType: 0, auth: '', advertIntervalMs: 1000, family: 6, addresses: ['fe80::1', '2001:db8::5'] }, { src: 'fe80::2' }),
];
const exp4: AdvertExpectation = { version: 2, vrid: 125, family: 4, authType: 1, auth: '1e3459f7', advertIntervalMs: 1000, addresses: ['172.16.25.10'] };
const exp6: AdvertExpectation = { version: 3, vrid: 9, family: 6, authType: 0, auth: '', advertIntervalMs: 1000, addresses: ['fe80::1'] };
const compiled = [compileExpectation(exp4), compileExpectation(exp6), compileExpectation({ ...exp4, unicast: true, checkUnicastSrc: true, unicastPeers: ['1.2.3.4', '::1'] })];

function everything(bytes: Uint8Array): void {
  checkVrrpPacket(bytes);
  checkVrrpPacket(bytes, { checkTtl: false });
  for (const c of compiled) validateAdvertPacket(bytes, c);
  const d = decodeAdvertPacket(bytes);
  if (d?.received) {
    for (const e of [exp4, exp6]) {
      const v = checkAdvertForInstance(d.received, e);
      verdictLogLine(v, { instance: 'VI_1', packet: d, expectation: e });
    }
  }
  if (d) verdictLogLine(d.verdict, { instance: 'VI_1', packet: d });
}

describe('decoding and validation', () => {
  it('never throw on 60k random buffers of any length', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), (b) => { everything(b); }), { numRuns: 60_000 });
  });

  it('never throw on 30k random bodies behind a plausible IPv4/IPv6 VRRP or AH header', () => {
    const gen = fc.tuple(fc.constantFrom(0x45, 0x46, 0x4f, 0x60), fc.constantFrom(112, 51, 0, 44, 60), fc.uint8Array({ minLength: 0, maxLength: 120 }));
    fc.assert(fc.property(gen, ([first, proto, body]) => {
      const b = new Uint8Array(Math.max(body.length, 8));
      b.set(body);
      b[0] = first;
      if (first === 0x60) b[6] = proto; else b[9] = proto;
      if (first !== 0x60) { b[2] = 0; b[3] = Math.min(b[3], b.length); } else { b[4] = 0; b[5] = Math.max(0, b.length - 40); }
      everything(b);
    }), { numRuns: 30_000 });
  });

  it('never throw on 60k mutations of real adverts (flipped, truncated, extended bytes)', () => {
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: seeds.length - 1 }),
      edits: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      cut: fc.nat(),
      extra: fc.uint8Array({ maxLength: 40 }),
    });
    fc.assert(fc.property(mutation, ({ seed, edits, cut, extra }) => {
      const base = seeds[seed];
      const b = new Uint8Array(base.length + extra.length);
      b.set(base);
      b.set(extra, base.length);
      for (const [at, v] of edits) b[at % b.length] = v;
      everything(b.subarray(0, cut % (b.length + 1)));
      everything(b);
    }), { numRuns: 60_000 });
  });
});

describe('a password read off the wire, quoted for a line of text', () => {
  // Undoes quotedPassword's escapes.
  const unquote = (q: string) =>
    q.slice(1, -1).replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|[nrt"\\])/g, (_, e: string) =>
      e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e.length > 1 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e);

  it('holds no control character, line separator or bidirectional override, and gives back the password', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const text = passwordText(bytes, 0);
        const quoted = quotedPassword(text);
        expect(quoted).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/);
        expect(quoted.startsWith('"') && quoted.endsWith('"')).toBe(true);
        expect(unquote(quoted)).toBe(text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('does the same for any text, line separators and bidirectional overrides among it', () => {
    const special = fc.constantFrom('\u2028', '\u2029', '\u202a', '\u202e', '\u2066', '\u2069', '\u0085', '\u009b', '\x7f', '\x1b', '"', '\\');
    const unit = fc.oneof(special, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 8 }).map((units) => units.join('')), (text) => {
        const quoted = quotedPassword(text);
        expect(quoted).not.toMatch(/[\x00-\x1f\x7f-\x9f\u2028-\u202e\u2066-\u2069]/);
        expect(unquote(quoted)).toBe(text);
      }),
      { numRuns: 20_000 },
    );
  });
});
