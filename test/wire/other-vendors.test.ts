/**
 * Golden packets from implementations other than keepalived, built byte by byte from the way
 * Wireshark's VRRP dissector reads them (auth type 254 "Cisco VRRP MD5 authentication": the MD5
 * digest is the last 16 bytes of the VRRP part; v2 checksums cover the whole VRRP part the IP
 * header delimits; v3 checksums use the pseudo-header unless its "v3_checksum_as_in_v2"
 * preference is set). The expected fields are tshark 4.0's reading of the same bytes
 * (test/wire/fixtures/vendors.tshark.csv, with the command in its first line; the pcap it read
 * holds these five packets in this order, the first in an 802.1Q-tagged Ethernet frame).
 */
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap } from '../../src/capture/writer.js';
import { decodeAdvertPacket, verdictLogLine } from '../../src/wire/decode.js';
import { checkVrrpPacket, validateAdvertPacket, compileExpectation } from '../../src/wire/validate.js';
import { replayCapture } from '../../src/replay/replay.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { FrameDecoder } from '../../src/replay/decoder.js';
import { ReplayAnalyzer } from '../../src/replay/analyzer.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipPacketOf } from '../../src/capture/link.js';

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'hex'));

/** Cisco-style VRRPv2 with MD5: 192.168.10.2, VRID 10, priority 120, one address, 40-byte VRRP part. */
export const CISCO_MD5 = hex(`
  45 c0 00 3c 00 00 00 00 ff 70 0f d5  c0 a8 0a 02  e0 00 00 12
  21 0a 78 01 fe 01 99 49
  c0 a8 0a 01
  00 00 00 00 00 00 00 00
  00 00 00 01
  5b 1e 9a 43 d2 07 6c 81 3f a4 2b 90 ee 15 77 c8`);
/** VRRPv3 over IPv4 whose checksum leaves out the pseudo-header (computed as for v2). */
export const V3_NO_PSEUDO = hex('45c0002000000000ff70cf98 0a010102 e0000012  31146e01 0064 5487 0a0101fe');
/** The same advert with the RFC 5798 checksum (IPv4 pseudo-header included). */
export const V3_RFC = hex('45c0002000000000ff70cf98 0a010102 e0000012  31146e01 0064 68f5 0a0101fe');
/** RFC 2338's IP-AH auth type: an AH header (next header 112, SPI 0x100, sequence 7) in front of VRRPv2 auth type 2. */
export const RFC2338_AH = hex(`
  45 c0 00 40 00 00 00 00 ff 33 2e a6  ac 10 00 02  e0 00 00 12
  70 04 00 00 00 00 01 00 00 00 00 07 a1 b2 c3 d4 e5 f6 07 18 29 3a 4b 5c
  21 1e 64 01 02 01 cc b0  ac 10 00 1e  00 00 00 00 00 00 00 00`);
/** VRRPv2 PASS whose 8 auth-data bytes are missing (the IP length ends after the two addresses). */
export const PASS_NO_AUTH = hex('45c0002400000000ff702e84 ac100003 e0000012  21289602 0101ef61 ac100028 ac100029');

/** 802.1Q tag (VLAN 100) in an Ethernet frame from VRRP's virtual MAC for VRID 10. */
function vlanFrame(ip: Uint8Array): Uint8Array {
  return Uint8Array.from([...hex('01005e000012 00005e00010a 8100 0064 0800'), ...ip]);
}

describe("tshark's reading of the five golden packets", () => {
  it('is what vrrplab decodes: VLAN frame, fields, addresses, MD5 digest, checksum value and status both ways', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrrplab-vendors-'));
    try {
      const file = join(dir, 'vendors.pcap');
      const ether = (ip: Uint8Array) => Uint8Array.from([...hex('01005e000012 00005e00010a 0800'), ...ip]);
      const packets = [vlanFrame(CISCO_MD5), ether(V3_NO_PSEUDO), ether(V3_RFC), ether(RFC2338_AH), ether(PASS_NO_AUTH)];
      writeFileSync(file, encodePcap({ linkType: 1 }, packets.map((data, i) => ({ ts: 1_700_000_000 + i, data }))));
      const rows = readFileSync('test/wire/fixtures/vendors.tshark.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
      let n = 0;
      for (const frame of readCaptureFile(file)) {
        const [, vlan, src, version, vrid, prio, count, authType, advInt, shortInt, addrs, md5, checksum, status, statusAsV2] = rows[n++]!;
        const at = ipPacketOf(frame)!;
        expect(at.offset, `frame ${n}`).toBe(vlan === '' ? 14 : 18);
        const d = decodeAdvertPacket(frame.data.subarray(at.offset))!;
        const a = d.received?.advert ?? d.partial!;
        expect({ src: d.src, version: d.header!.version, vrid: d.header!.vrid, prio: d.header!.priority, count: d.header!.count })
          .toEqual({ src, version: Number(version), vrid: Number(vrid), prio: Number(prio), count: Number(count) });
        if (version === '2') expect([a.authType, a.advertIntervalMs]).toEqual([Number(authType), Number(advInt) * 1000]);
        else expect(a.advertIntervalMs).toBe(Number(shortInt) * 10);
        expect(a.addresses.join('|')).toBe(addrs);
        expect(d.auth?.kind === 'cisco-md5' ? d.auth.digest : '').toBe(md5);
        expect(`0x${d.header!.checksum.toString(16).padStart(4, '0')}`).toBe(checksum);
        // tshark's default reading is the RFC one; with v3_checksum_as_in_v2 it is the no-pseudo-header one.
        expect(d.checksumValid).toBe(status === '1');
        expect(d.checksumVariant === 'rfc' ? (version === '3' ? '0' : '1') : d.checksumVariant === 'no-pseudo-header' ? '1' : '0').toBe(statusAsV2);
      }
      expect(n).toBe(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a Cisco-style VRRPv2 advert with MD5 authentication (auth type 254)', () => {
  const d = decodeAdvertPacket(CISCO_MD5)!;

  it('decodes the fields tshark shows: version, VRID, priority, count, auth type, interval, address, digest', () => {
    expect(d.header).toMatchObject({ version: 2, vrid: 10, priority: 120, count: 1, authType: 254, advertIntervalMs: 1000, checksum: 0x9949 });
    expect(d.partial?.addresses).toEqual(['192.168.10.1']);
    expect(d.auth).toEqual({ kind: 'cisco-md5', block: '000000000000000000000001', digest: '5b1e9a43d2076c813fa42b90ee1577c8' });
  });

  it('verifies its checksum over the whole VRRP part, Cisco block included, as tshark does', () => {
    expect(d.checksumValid).toBe(true);
    expect(d.checksumVariant).toBe('rfc');
  });

  it("keeps keepalived's verdict: too long for its address count, logged as keepalived logs it", () => {
    expect(d.verdict).toBe('bad-length');
    expect(d.received).toBeNull();
    expect(verdictLogLine('bad-length', { instance: 'VI_1', packet: d })).toBe('(VI_1) vrrp packet too long, length 60 and expect 40');
    const exp = compileExpectation({ version: 2, vrid: 10, family: 4, authType: 0, auth: '', advertIntervalMs: 1000, addresses: ['192.168.10.1'] });
    expect(validateAdvertPacket(CISCO_MD5, exp)).toBe('bad-length');
  });

  it('is an invalid auth type for keepalived when its length is what the count says', () => {
    const short = Uint8Array.from(CISCO_MD5.subarray(0, 40));
    short[3] = 40;
    const exp = compileExpectation({ version: 2, vrid: 10, family: 4, authType: 0, auth: '', advertIntervalMs: 1000, addresses: ['192.168.10.1'] });
    expect(validateAdvertPacket(short, exp)).toBe('invalid-auth-type');
  });
});

describe('a VRRPv3 advert over IPv4', () => {
  it('whose checksum verifies only without the pseudo-header is named as such, and keepalived still rejects it', () => {
    const d = decodeAdvertPacket(V3_NO_PSEUDO)!;
    expect(d.checksumValid).toBe(false);
    expect(d.checksumVariant).toBe('no-pseudo-header');
    expect(d.verdict).toBe('bad-checksum');
    expect(d.received?.advert).toEqual({ version: 3, vrid: 20, priority: 110, authType: 0, auth: '', advertIntervalMs: 1000, family: 4, addresses: ['10.1.1.254'] });
  });

  it('with the RFC 5798 checksum verifies', () => {
    const d = decodeAdvertPacket(V3_RFC)!;
    expect([d.checksumValid, d.checksumVariant, d.verdict]).toEqual([true, 'rfc', 'ok']);
  });

  it('with a checksum that verifies neither way is plainly bad', () => {
    const broken = Uint8Array.from(V3_RFC);
    broken[27] ^= 0xff;
    expect(decodeAdvertPacket(broken)!.checksumVariant).toBe('bad');
  });
});

describe("RFC 2338's IP Authentication Header auth type", () => {
  it('is recognised behind its AH header, with the VRRP fields read past it', () => {
    const d = decodeAdvertPacket(RFC2338_AH)!;
    expect(d.viaAh).toBe(true);
    expect(d.auth).toEqual({ kind: 'ah' });
    expect(d.received?.viaAh).toBe(true);
    expect(d.received?.advert).toMatchObject({ vrid: 30, priority: 100, authType: 2, addresses: ['172.16.0.30'] });
    expect(d.checksumValid).toBe(true);
  });
});

describe('a malformed packet', () => {
  it('still shows its address list when its auth data is missing, as tshark does', () => {
    const d = decodeAdvertPacket(PASS_NO_AUTH)!;
    expect(d.verdict).toBe('bad-length');
    expect(d.partial).toMatchObject({ vrid: 40, priority: 150, authType: 1, auth: '', addresses: ['172.16.0.40', '172.16.0.41'] });
    expect(d.auth).toEqual({ kind: 'missing', type: 1 });
  });

  it('cut by the capture shows the fixed header and the addresses that were captured', () => {
    const d = decodeAdvertPacket(CISCO_MD5.subarray(0, 30))!;
    expect(d.verdict).toBe('truncated');
    expect(d.header).toMatchObject({ vrid: 10, priority: 120, authType: 254 });
    expect(d.partial?.addresses).toEqual([]);
    expect(decodeAdvertPacket(CISCO_MD5.subarray(0, 32))!.partial?.addresses).toEqual(['192.168.10.1']);
  });
});

describe('decoding never throws', () => {
  it('on 20k arbitrary tails after a Cisco MD5, VRRPv3 (IPv4 and IPv6) or AH header, nor in the replay decoder', () => {
    const sink = new ReplayAnalyzer();
    const decoder = new FrameDecoder(sink);
    const v6 = buildAdvertPacket({ version: 3, vrid: 9, priority: 100, authType: 0, auth: '', advertIntervalMs: 1000, family: 6, addresses: ['fd00::100'] }, { src: 'fe80::1' });
    const heads = [CISCO_MD5.subarray(0, 28), V3_RFC.subarray(0, 28), RFC2338_AH.subarray(0, 52), v6.subarray(0, 48)];
    const countAt = [23, 23, 47, 43];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 }), fc.uint8Array({ maxLength: 80 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), (which, tail, count, total) => {
        const head = Uint8Array.from(heads[which]!);
        const ip = new Uint8Array(head.length + tail.length);
        ip.set(head);
        ip.set(tail, head.length);
        ip[which === 3 ? 5 : 3] = total; // any IP total / payload length
        ip[countAt[which]!] = count;
        const d = decodeAdvertPacket(ip);
        if (d !== null) verdictLogLine(d.verdict === 'ok' ? 'bad-length' : d.verdict, { instance: 'x', packet: d });
        checkVrrpPacket(ip);
        decoder.decode({ ts: 1, linkType: 101, data: ip, originalLength: ip.length, fileOffset: 0 });
      }),
      { numRuns: 20_000 },
    );
    sink.finish();
    expect(sink.poll().length).toBeGreaterThan(0);
  });
});

describe('replay of a Cisco MD5 failover on a tagged link', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrplab-vendors-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** The golden advert from another source and priority (checksums fixed up). */
  function from(src: number, priority: number): Uint8Array {
    const p = Uint8Array.from(CISCO_MD5);
    p[15] = src;
    p[22] = priority;
    let sum = 0;
    p[10] = p[11] = 0;
    for (let i = 0; i < 20; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    p[10] = (~sum >> 8) & 0xff;
    p[11] = ~sum & 0xff;
    p[26] = p[27] = 0;
    sum = 0;
    for (let i = 20; i < p.length; i += 2) sum += (p[i] << 8) | p[i + 1];
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    p[26] = (~sum >> 8) & 0xff;
    p[27] = ~sum & 0xff;
    return p;
  }

  it('follows the masters: .2 until it stops, then .3 after its master-down interval, with the gap', () => {
    const T0 = 1_700_000_000;
    const frames: { ts: number; data: Uint8Array }[] = [];
    for (let s = 0; s <= 5; s++) frames.push({ ts: T0 + s, data: vlanFrame(from(2, 120)) });
    for (let s = 0; s <= 4; s++) frames.push({ ts: T0 + 8.6 + s, data: vlanFrame(from(3, 100)) });
    const file = join(dir, 'cisco.pcap');
    writeFileSync(file, encodePcap({ linkType: 1 }, frames));
    const records = replayCapture(file).records;
    const pick = <K extends ReplayRecord['type']>(type: K) => records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);
    expect(pick('transition').map((t) => [t.to, t.from, t.reason])).toEqual([['192.168.10.2', null, 'first'], ['192.168.10.3', '192.168.10.2', 'silent']]);
    expect(pick('gap').map((g) => g.seconds)).toEqual([3.6]);
    expect(pick('capture')[0]).toMatchObject({ adverts: 11, other: 0 });
    const anomaly = pick('anomaly').find((a) => a.kind === 'malformed');
    expect(anomaly?.detail).toMatch(/^Cisco MD5 authentication \(auth type 254\): .*keepalived drops these \("vrrp packet too long"\), replay follows them$/);
  });

  it('follows masters sending VRRPv3 checksums without the pseudo-header, and RFC 2338 AH adverts, naming the checksum variant', () => {
    const T0 = 1_700_000_100;
    const ether = (ip: Uint8Array) => Uint8Array.from([...hex('01005e000012 00005e000114 0800'), ...ip]);
    const frames: { ts: number; data: Uint8Array }[] = [];
    for (let s = 0; s < 3; s++) frames.push({ ts: T0 + s, data: ether(V3_NO_PSEUDO) }, { ts: T0 + s + 0.5, data: ether(RFC2338_AH) });
    const file = join(dir, 'v3-ah.pcap');
    writeFileSync(file, encodePcap({ linkType: 1 }, frames));
    const records = replayCapture(file).records;
    const masters = records.flatMap((r) => (r.type === 'master' ? [[r.vrid, r.src, r.adverts]] : []));
    expect(masters).toEqual([[20, '10.1.1.2', 3], [30, '172.16.0.2', 3]]);
    const anomalies = records.flatMap((r) => (r.type === 'anomaly' ? [[r.kind, r.vrid, r.detail]] : []));
    expect(anomalies).toEqual([[
      'bad-checksum', 20,
      'VRRPv3 checksum verifies only without the IPv4 pseudo-header (computed as for VRRPv2, as some routers do); keepalived drops these ("Invalid VRRPv3 checksum")',
    ]]);
  });
});
