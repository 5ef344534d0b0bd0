/**
 * The per-instance half of keepalived's vrrp_check_packet(), delegated to the wire layer's
 * `checkAdvertForInstance` so that the engine, `vrrplab decode` and replay share one definition of
 * what keepalived accepts, counts and logs. Byte-level checks (length, checksum) happen when the
 * packet is decoded; a packet that reaches the engine is well formed.
 */
import { decodeAdvertPacket, verdictLogLine, type DecodedPacket } from '../wire/decode.js';
import { HMAC_DIGEST_LEN, hmacField, trailerHmac } from '../wire/auth-hmac.js';
import { locateVrrp, newLocation } from '../wire/packet.js';
import {
  checkAdvertForInstance,
  compileExpectation,
  recordVerdict,
  validateAdvertPacket,
  type AdvertExpectation,
  type CompiledExpectation,
  type InstanceVerdict,
  type Verdict,
} from '../wire/validate.js';
import type { VrrpInstance } from '../config/model.js';
import type { ReceivedAdvert } from '../wire/types.js';
import type { InstanceState } from './instance.js';

export interface ReceiveCheck {
  ok: boolean;
  /** The line keepalived logs for a rejected packet. */
  log?: string;
  /** Why it was rejected. */
  verdict?: Verdict;
}

export function expectationOf(instance: InstanceState, checkAddresses: boolean): AdvertExpectation {
  return configExpectation(instance.config, checkAddresses, instance.advertIntervalMs);
}

/** What an instance of this configuration accepts (the findings ask it of configs alone; checkAddresses undefined: keepalived's default, checked). */
export function configExpectation(config: VrrpInstance, checkAddresses?: boolean, advertIntervalMs = config.advertIntervalMs): AdvertExpectation {
  const auth = config.version === 2 ? config.authentication : undefined;
  return {
    version: config.version,
    vrid: config.vrid,
    family: config.family,
    authType: auth === undefined ? 0 : auth.type === 'PASS' ? 1 : 2,
    auth: auth?.password ?? '',
    advertIntervalMs,
    addresses: config.virtualIpaddresses.filter((vip) => vip.family === config.family).map((vip) => vip.address),
    unicast: config.unicastPeers.length > 0,
    ...(checkAddresses !== undefined ? { checkAddresses } : {}),
    unicastPeers: config.unicastPeers,
    ...(config.checkUnicastSrc === true ? { checkUnicastSrc: true } : {}),
    ...(config.unicastPeerTtl !== undefined ? { unicastPeerTtl: config.unicastPeerTtl } : {}),
    ...(config.authHmac !== undefined ? { hmac: true } : {}),
  };
}

/**
 * An expectation with the verdict on the packet it last judged. A packet is a value nobody changes,
 * and a driver may hand the same one in again (the simulator: every advert of a steady master),
 * so its verdict is reused rather than worked out again.
 */
interface Judged {
  expectation: AdvertExpectation;
  packet: ReceivedAdvert | undefined;
  verdict: InstanceVerdict;
}

/** Expectations depend only on the instance's configuration and one flag: built once per instance config. */
const expectations = new WeakMap<VrrpInstance, [Judged, Judged]>();

const ACCEPTED: ReceiveCheck = { ok: true };

export function checkReceivedAdvert(instance: InstanceState, packet: ReceivedAdvert, checkAddresses: boolean): ReceiveCheck {
  let pair = expectations.get(instance.config);
  if (pair === undefined) {
    pair = [judged(expectationOf(instance, false)), judged(expectationOf(instance, true))];
    expectations.set(instance.config, pair);
  }
  const judgedBy = pair[checkAddresses ? 1 : 0];
  const { expectation } = judgedBy;
  if (judgedBy.packet !== packet) {
    judgedBy.verdict = checkAdvertForInstance(packet, expectation);
    judgedBy.packet = packet;
  }
  const verdict = judgedBy.verdict;
  recordVerdict(instance.stats, verdict, packet.advert.priority, instance.config.family);
  if (verdict === 'ok') return ACCEPTED;
  return { ok: false, verdict, log: verdictLogLine(verdict, { instance: instance.name, received: packet, expectation }) ?? undefined };
}

/**
 * What keepalived's vrrp_dispatcher_read() sees first in a datagram from its raw socket, before any
 * instance is involved: vrrp_get_header() (too short for the IP header plus the 8-byte VRRP header:
 * "IPvN VRRP packet too short", then it stops reading the socket this round and no timer moves),
 * then the VRID that selects the instance. `ah`: IPv4 protocol AH, which only the socket of an
 * auth_type AH instance reads (and only it).
 */
export type PacketHead =
  | { kind: 'not-vrrp' }
  | { kind: 'truncated'; family: 4 | 6; length: number; ah: boolean; ahLine: boolean }
  | { kind: 'vrrp'; family: 4 | 6; vrid: number; ah: boolean };

const headLocation = newLocation();
const NOT_VRRP: PacketHead = { kind: 'not-vrrp' };
const truncatedHead: Extract<PacketHead, { kind: 'truncated' }> = { kind: 'truncated', family: 4, length: 0, ah: false, ahLine: false };
const vrrpHead: Extract<PacketHead, { kind: 'vrrp' }> = { kind: 'vrrp', family: 4, vrid: 0, ah: false };

/**
 * The head of a datagram. The object is reused by the next call (no allocation per received
 * packet: a backup of 255 instances reads 255 a second): read it before calling again.
 */
export function packetHead(ip: Uint8Array): PacketHead {
  const where = locateVrrp(ip, headLocation);
  if (where === 'not-vrrp') return NOT_VRRP;
  if (where === 'truncated') {
    truncatedHead.family = ip.length > 0 && ip[0] >> 4 === 6 ? 6 : 4;
    truncatedHead.length = ip.length;
    // Protocol AH (IPv4): read on an AH instance's socket. With the IP header and 8 bytes after
    // it, but not the AH header and the VRRP header both, it gets vrrp_get_header()'s second line.
    truncatedHead.ah = truncatedHead.family === 4 && ip.length >= 20 && ip[9] === 51;
    truncatedHead.ahLine = truncatedHead.ah && ip.length >= ((ip[0] & 0x0f) << 2) + 8;
    return truncatedHead;
  }
  vrrpHead.family = headLocation.family;
  vrrpHead.vrid = ip[headLocation.vrrp + 1];
  vrrpHead.ah = headLocation.viaAh;
  return vrrpHead;
}

/**
 * The line keepalived logs for an IPv4 datagram too short for a VRRP header, or for the AH header
 * and a VRRP header (vrrp_get_header()).
 * An IPv6 one never reaches it: its socket has the kernel verify the checksum at offset 6
 * (IPV6_CHECKSUM), which drops a VRRP part under 8 bytes (lab: no line, timer unmoved).
 */
export function truncatedLogLine(head: Extract<PacketHead, { kind: 'truncated' }>): string {
  // Lab: an AH datagram of 40 bytes (IP header and 20 of AH's 24) to an AH instance logs this line.
  return `IPv${head.family} VRRP packet ${head.ahLine ? 'with AH ' : ''}too short - ${head.length} bytes`;
}

/**
 * The advert in a datagram for the engine's state functions. A packet too malformed to decode
 * (length, version) still reaches the instance's checks, which reject it: the placeholder only
 * carries the VRID, family and IP facts there.
 */
export function receivedOf(ip: Uint8Array, head: Extract<PacketHead, { kind: 'vrrp' }>, instance?: InstanceState): ReceivedAdvert {
  if (instance === undefined) return receivedFrom(decodeAdvertPacket(ip), head);
  const memo = seen(instance, ip);
  memo.received ??= receivedFrom(memo.decoded, head);
  return memo.received;
}

function receivedFrom(decoded: DecodedPacket | null, head: Extract<PacketHead, { kind: 'vrrp' }>): ReceivedAdvert {
  return decoded?.received ?? {
    advert: { version: 2, vrid: head.vrid, priority: 0, authType: 0, auth: '', advertIntervalMs: 0, family: head.family, addresses: [] },
    src: decoded?.src ?? '',
    dst: decoded?.dst ?? '',
    ttl: decoded?.ttl ?? 0,
  };
}

/**
 * The last datagram an instance was handed as bytes, with what was worked out from them. A master
 * sends the same bytes every advert_int, so a backup's next datagram is nearly always byte for byte
 * the last one: then its decoding and verdicts are taken from here. Decoding allocates (objects,
 * address strings), a backup of 255 instances reads 255 adverts a second, and what it kept of each
 * (the master's address) lived about a second: long enough to survive scavenges into old space,
 * which grew until a mark-compact (issue 15's soak: the backup's RSS moved in a band). Decoded
 * values are changed by no one, so handing the same ones out again is what decoding anew gives.
 */
interface Seen {
  /** A copy of the bytes: the first `length` of `bytes`. */
  bytes: Uint8Array;
  length: number;
  decoded: DecodedPacket | null;
  /** receivedOf()'s advert for these bytes, once asked for. */
  received: ReceivedAdvert | undefined;
  /** Verdicts on these bytes (without, with the address check) under `compiled` and `checksumVerified`. */
  verdicts: [Verdict | undefined, Verdict | undefined];
  compiled: [CompiledExpectation, CompiledExpectation] | undefined;
  checksumVerified: boolean;
  /** checkReceivedPacket()'s accepting answer for these bytes, made once. */
  accepted: RawReceiveCheck | undefined;
}

const seenBy = new WeakMap<InstanceState, Seen>();

/**
 * Whether `ip` is `bytes` but for an IPv4 header's identification and header checksum: the
 * kernel sets those afresh in every datagram a master sends (keepalived's and ours: id 0 with
 * IP_HDRINCL), and no check or decoding here reads either.
 */
function sameExceptIpv4Ident(bytes: Uint8Array, ip: Uint8Array): boolean {
  const ipv4 = ip.length >= 20 && ip[0] >> 4 === 4;
  for (let i = 0; i < ip.length; i++) {
    if (bytes[i] !== ip[i] && !(ipv4 && (i === 4 || i === 5 || i === 10 || i === 11))) return false;
  }
  return true;
}

/** What is known of `ip` for `instance`: the last datagram's record when the bytes are the same, else a new one. */
function seen(instance: InstanceState, ip: Uint8Array): Seen {
  let memo = seenBy.get(instance);
  if (memo !== undefined && memo.length === ip.length && sameExceptIpv4Ident(memo.bytes, ip)) return memo;
  const decoded = decodeAdvertPacket(ip);
  if (memo === undefined || memo.bytes.length < ip.length) {
    const bytes = new Uint8Array(Math.max(ip.length, 128));
    memo = { bytes, length: 0, decoded, received: undefined, verdicts: [undefined, undefined], compiled: undefined, checksumVerified: false, accepted: undefined };
    seenBy.set(instance, memo);
  }
  memo.bytes.set(ip);
  memo.length = ip.length;
  memo.decoded = decoded;
  memo.received = undefined;
  memo.verdicts[0] = memo.verdicts[1] = undefined;
  memo.accepted = undefined;
  return memo;
}

function judged(expectation: AdvertExpectation): Judged {
  return { expectation, packet: undefined, verdict: 'ok' };
}

export type RawReceiveCheck =
  | { ok: true; received: ReceivedAdvert }
  | { ok: false; verdict: Verdict; log?: string };

const compiled = new WeakMap<InstanceState, [CompiledExpectation, CompiledExpectation]>();

/**
 * keepalived's vrrp_check_packet() on the bytes as they came off the socket, every check in its
 * order (validateAdvertPacket): length against the address count, TTL, version, auth, interval,
 * type, address count, checksum, address list. Counters are bumped as keepalived bumps them and
 * the rejected packet gets keepalived's log line. Never throws.
 */
export function checkReceivedPacket(instance: InstanceState, ip: Uint8Array, checkAddresses: boolean, checksumVerified = false): RawReceiveCheck {
  let pair = compiled.get(instance);
  if (pair === undefined) {
    pair = [compileExpectation(expectationOf(instance, false)), compileExpectation(expectationOf(instance, true))];
    compiled.set(instance, pair);
  }
  const expectation = pair[checkAddresses ? 1 : 0];
  const memo = seen(instance, ip);
  if (memo.compiled !== pair || memo.checksumVerified !== checksumVerified) {
    memo.compiled = pair;
    memo.checksumVerified = checksumVerified;
    memo.verdicts[0] = memo.verdicts[1] = undefined;
  }
  // validateAdvertPacket() reads only the bytes, the expectation and the flag: the same answer again.
  const verdict = (memo.verdicts[checkAddresses ? 1 : 0] ??= validateAdvertPacket(ip, expectation, checksumVerified));
  const decoded = memo.decoded;
  const priority = decoded?.received?.advert.priority ?? -1;
  recordVerdict(instance.stats, verdict, priority, instance.config.family);
  if (verdict === 'ok' && decoded?.received) return (memo.accepted ??= { ok: true, received: decoded.received });
  const log = verdictLogLine(verdict === 'ok' ? 'bad-length' : verdict, {
    instance: instance.name,
    packet: decoded ?? undefined,
    expectation: expectation.expectation,
  });
  return { ok: false, verdict, log: log ?? undefined };
}

const keyCache = new Map<string, Uint8Array>();

/**
 * Whether the auth_hmac trailer of the datagram `ip` (as the instance was handed it) verifies with
 * the key whose bytes are `keyHex`: keepalived 2.4.3's HMAC over its pseudo header, the PDU and the
 * trailer (src/wire/auth-hmac.ts trailerHmac). False when the datagram has no whole trailer.
 */
export function trailerHmacOk(instance: InstanceState, ip: Uint8Array, keyHex: string): boolean {
  const d = seen(instance, ip).decoded;
  if (d === null || d.vrrpOffset === undefined || d.expectedLength === null || d.length !== d.expectedLength + 28) return false;
  const pduEnd = d.expectedLength;
  let key = keyCache.get(keyHex);
  if (key === undefined) {
    key = Uint8Array.from(Buffer.from(keyHex, 'hex'));
    if (keyCache.size > 64) keyCache.clear();
    keyCache.set(keyHex, key);
  }
  const want = trailerHmac(ip, d.vrrpOffset, pduEnd, key);
  const at = pduEnd + hmacField.HMAC;
  let diff = 0;
  for (let i = 0; i < HMAC_DIGEST_LEN; i++) diff |= want[i] ^ ip[at + i];
  return diff === 0;
}
