/**
 * The per-instance half of keepalived's vrrp_check_packet(), delegated to the wire layer's
 * `checkAdvertForInstance` so that the engine, `vrrplab decode` and replay share one definition of
 * what keepalived accepts, counts and logs. Byte-level checks (length, checksum) happen when the
 * packet is decoded; a packet that reaches the engine is well formed.
 */
import { decodeAdvertPacket, verdictLogLine } from '../wire/decode.js';
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
  const { config } = instance;
  const auth = config.version === 2 ? config.authentication : undefined;
  return {
    version: config.version,
    vrid: config.vrid,
    family: config.family,
    authType: auth === undefined ? 0 : auth.type === 'PASS' ? 1 : 2,
    auth: auth?.password ?? '',
    advertIntervalMs: instance.advertIntervalMs,
    addresses: config.virtualIpaddresses.filter((vip) => vip.family === config.family).map((vip) => vip.address),
    unicast: instance.unicast,
    checkAddresses,
    unicastPeers: config.unicastPeers,
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
 * then the VRID that selects the instance.
 */
export type PacketHead =
  | { kind: 'not-vrrp' }
  | { kind: 'truncated'; family: 4 | 6; length: number }
  | { kind: 'vrrp'; family: 4 | 6; vrid: number };

const headLocation = newLocation();

export function packetHead(ip: Uint8Array): PacketHead {
  const where = locateVrrp(ip, headLocation);
  const family: 4 | 6 = ip.length > 0 && ip[0] >> 4 === 6 ? 6 : 4;
  if (where === 'not-vrrp') return { kind: 'not-vrrp' };
  if (where === 'truncated') return { kind: 'truncated', family, length: ip.length };
  return { kind: 'vrrp', family: headLocation.family, vrid: ip[headLocation.vrrp + 1] };
}

/** The line keepalived logs for a datagram too short for a VRRP header (vrrp_get_header()). */
export function truncatedLogLine(head: Extract<PacketHead, { kind: 'truncated' }>): string {
  return `IPv${head.family} VRRP packet too short - ${head.length} bytes`;
}

/**
 * The advert in a datagram for the engine's state functions. A packet too malformed to decode
 * (length, version) still reaches the instance's checks, which reject it: the placeholder only
 * carries the VRID, family and IP facts there.
 */
export function receivedOf(ip: Uint8Array, head: Extract<PacketHead, { kind: 'vrrp' }>): ReceivedAdvert {
  const decoded = decodeAdvertPacket(ip);
  return decoded?.received ?? {
    advert: { version: 2, vrid: head.vrid, priority: 0, authType: 0, auth: '', advertIntervalMs: 0, family: head.family, addresses: [] },
    src: decoded?.src ?? '',
    dst: decoded?.dst ?? '',
    ttl: decoded?.ttl ?? 0,
  };
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
  const verdict = validateAdvertPacket(ip, expectation, checksumVerified);
  const decoded = decodeAdvertPacket(ip);
  const priority = decoded?.received?.advert.priority ?? -1;
  recordVerdict(instance.stats, verdict, priority, instance.config.family);
  if (verdict === 'ok' && decoded?.received) return { ok: true, received: decoded.received };
  const log = verdictLogLine(verdict === 'ok' ? 'bad-length' : verdict, {
    instance: instance.name,
    packet: decoded ?? undefined,
    expectation: expectation.expectation,
  });
  return { ok: false, verdict, log: log ?? undefined };
}
