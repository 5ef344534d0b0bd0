/**
 * Foreign and malformed VRRPv2/IPv4 packets of a named kind, as a hostile or misconfigured
 * neighbour sends them (issue 13). One definition serves the simulator's `inject` event and the
 * lab's sender, so both put the same bytes on the LAN. Pure: bytes out, nothing read or sent.
 */
import { finishChecksum, sumWords } from './checksum.js';
import { IPV4_HEADER_LEN, field as ip4 } from './ipv4.js';
import { buildAdvertPacket } from './packet.js';
import type { VrrpAdvert } from './types.js';
import { field as vf } from './vrrp.js';

/** The kinds of packet a sender can forge; `valid` is a well-formed advert with the chosen fields. */
export const PACKET_KINDS = [
  'valid',
  'wrong-password',
  'ttl-64',
  'bad-checksum',
  'no-auth',
  'wrong-interval',
  'vrrp-v3',
  'truncated',
  'count-mismatch',
  'random',
] as const;

export type PacketKind = (typeof PACKET_KINDS)[number];

export function isPacketKind(text: string): text is PacketKind {
  return (PACKET_KINDS as readonly string[]).includes(text);
}

/** The advert a forged packet is made from: the victim's VRID, password, interval and VIPs. */
export interface ForgeSpec {
  kind: PacketKind;
  /** Source address (dotted quad). */
  src: string;
  /** Destination; default the VRRP group 224.0.0.18. */
  dst?: string;
  vrid: number;
  priority: number;
  /** The PASS password the victims expect (`wrong-password` sends another one); '' for no auth. */
  password: string;
  advertIntervalMs: number;
  addresses: string[];
  /** Seed of the `random` kind's bytes (packet `index` of a stream gets its own). */
  seed?: number;
}

/** Length of a `random` packet's payload after the IPv4 header. */
export const RANDOM_PAYLOAD = 40;
/** VRRP bytes a `truncated` packet carries (fewer than the 8-byte header keepalived needs). */
export const TRUNCATED_PAYLOAD = 4;

function setVrrpChecksum(ip: Uint8Array, start: number, end: number): void {
  ip[start + vf.CHECKSUM] = 0;
  ip[start + vf.CHECKSUM + 1] = 0;
  const sum = finishChecksum(sumWords(ip, start, end, 0));
  ip[start + vf.CHECKSUM] = sum >> 8;
  ip[start + vf.CHECKSUM + 1] = sum & 0xff;
}

function setTotalLength(ip: Uint8Array): void {
  ip[ip4.LENGTH] = ip.length >> 8;
  ip[ip4.LENGTH + 1] = ip.length & 0xff;
  ip[ip4.CHECKSUM] = 0;
  ip[ip4.CHECKSUM + 1] = 0;
  const sum = finishChecksum(sumWords(ip, 0, IPV4_HEADER_LEN, 0));
  ip[ip4.CHECKSUM] = sum >> 8;
  ip[ip4.CHECKSUM + 1] = sum & 0xff;
}

/** xorshift32: the same bytes for the same seed and index, in the simulator and the lab. */
function randomBytes(seed: number, index: number, length: number): Uint8Array {
  let x = ((seed * 0x9e3779b1) ^ (index * 0x85ebca6b) ^ 0x2545f491) >>> 0 || 1;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The IPv4 packet (header included, checksums right unless the kind is a bad checksum) that packet
 * `index` of a stream of `spec.kind` carries. Throws only on unparsable address text.
 */
export function forgePacket(spec: ForgeSpec, index = 0): Uint8Array {
  const advert: VrrpAdvert = {
    version: 2,
    vrid: spec.vrid,
    priority: spec.priority,
    authType: spec.password === '' ? 0 : 1,
    auth: spec.password,
    advertIntervalMs: spec.advertIntervalMs,
    family: 4,
    addresses: spec.addresses,
  };
  const options = { src: spec.src, dst: spec.dst };
  switch (spec.kind) {
    case 'valid':
      return buildAdvertPacket(advert, options);
    case 'wrong-password':
      return buildAdvertPacket({ ...advert, authType: 1, auth: spec.password === 'intruder' ? 'stranger' : 'intruder' }, options);
    case 'ttl-64':
      return buildAdvertPacket(advert, { ...options, ttl: 64 });
    case 'no-auth':
      return buildAdvertPacket({ ...advert, authType: 0, auth: '' }, options);
    case 'wrong-interval':
      return buildAdvertPacket({ ...advert, advertIntervalMs: spec.advertIntervalMs === 2000 ? 3000 : 2000 }, options);
    case 'vrrp-v3':
      return buildAdvertPacket({ ...advert, version: 3, authType: 0, auth: '' }, options);
    case 'bad-checksum': {
      const ip = buildAdvertPacket(advert, options);
      ip[IPV4_HEADER_LEN + vf.CHECKSUM] ^= 0x5a;
      return ip;
    }
    case 'count-mismatch': {
      // One address more in the count than in the packet: keepalived's length check fails.
      const ip = buildAdvertPacket(advert, options);
      ip[IPV4_HEADER_LEN + vf.COUNT] += 1;
      setVrrpChecksum(ip, IPV4_HEADER_LEN, ip.length);
      return ip;
    }
    case 'truncated': {
      const full = buildAdvertPacket(advert, options);
      const ip = full.slice(0, IPV4_HEADER_LEN + TRUNCATED_PAYLOAD);
      setTotalLength(ip);
      return ip;
    }
    case 'random': {
      const head = buildAdvertPacket(advert, options).slice(0, IPV4_HEADER_LEN);
      const ip = new Uint8Array(IPV4_HEADER_LEN + RANDOM_PAYLOAD);
      ip.set(head);
      ip.set(randomBytes(spec.seed ?? 1, index, RANDOM_PAYLOAD), IPV4_HEADER_LEN);
      setTotalLength(ip);
      return ip;
    }
  }
}
