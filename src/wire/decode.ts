/**
 * Decoding an IP packet into a `ReceivedAdvert` for display, replay and the engine, with the
 * byte-level verdict; and keepalived-worded log lines for verdicts.
 */
import type { IpFamily, ReceivedAdvert, VrrpAdvert } from './types.js';
import { canonicalAddress, formatIpv4, formatIpv6, readIpv4 } from './address.js';
import { field as ip4 } from './ipv4.js';
import { field as ip6 } from './ipv6.js';
import { expectedVrrpLength, locateVrrp, newLocation, vrrpChecksumVariant, type ChecksumVariant } from './packet.js';
import { readAdvert, readAuthTrailer, readPartialAdvert, readVrrpHeader, type AuthTrailer, type VrrpHeader } from './vrrp.js';
import { checkVrrpPacket, type AdvertExpectation, type PacketVerdict, type Verdict } from './validate.js';
import { HMAC_TRAILER_LEN, readHmacTrailer, trailerChecksumValid, trailerLengthAt, type HmacTrailer } from './auth-hmac.js';

export interface DecodedPacket {
  /** Result of `checkVrrpPacket()` (never 'not-vrrp': those decode to null). */
  verdict: PacketVerdict;
  family: IpFamily;
  src: string;
  dst: string;
  ttl: number;
  viaAh: boolean;
  /** The fixed VRRP header, when the packet holds one. */
  header: VrrpHeader | null;
  /** The decoded advert; null when truncated, of the wrong length or of an unknown version. */
  received: ReceivedAdvert | null;
  /**
   * Whether the VRRP checksum verifies as the RFC computes it, over the whole VRRP part the IP
   * header delimits (as tshark does, also when its length is wrong); null when it could not be
   * computed (truncated, unknown version).
   */
  checksumValid: boolean | null;
  /** Which checksum verifies ('no-pseudo-header': VRRPv3/IPv4 summed without the pseudo-header). */
  checksumVariant: ChecksumVariant | null;
  /** VRRPv2: the authentication part as read (PASS text, AH, Cisco MD5 digest, or missing). */
  auth: AuthTrailer | null;
  /**
   * keepalived 2.4's auth_hmac trailer after the PDU, when the bytes there can be one (see
   * `trailerLengthAt`); `problem` says when it is malformed. The verdict is then keepalived 2.4's
   * with auth_hmac ('ok', 'bad-trailer', or 'bad-length' for a short one) and the checksum is
   * checked as 2.4.3 computes it (IPv4: over the PDU alone). Keepalived 2.2.7, and 2.4 without
   * auth_hmac, drop such an advert as too long (`expectedLength` stays the PDU's for that line).
   */
  hmac: HmacTrailer | null;
  /**
   * What could be read when `received` is null but the fixed header is there (a length that does
   * not match the address count, e.g. Cisco MD5): the header fields and the addresses that fit.
   */
  partial: VrrpAdvert | null;
  /** IP packet length and the length the VRRP header implies, for messages. */
  length: number;
  expectedLength: number | null;
  /** Where the VRRP part starts (after the IP and any AH or IPv6 extension headers), when it was found. */
  vrrpOffset?: number;
}

const loc = newLocation();
const WITH_TRAILER = { hmacTrailer: true } as const;

/**
 * Decodes an IP packet (IPv4 or IPv6; trailing link padding ignored). Returns null when it is not
 * VRRP at all; malformed VRRP comes back with its verdict and whatever could be read. Never throws.
 */
export function decodeAdvertPacket(ip: Uint8Array): DecodedPacket | null {
  if (ip.length < 1) return null;
  const version = ip[0] >> 4;
  const where = locateVrrp(ip, loc);
  if (where === 'not-vrrp') return null;
  const family: IpFamily = version === 6 ? 6 : 4;
  const haveIp = family === 4 ? ip.length >= 20 : ip.length >= 40;
  const out: DecodedPacket = {
    verdict: 'truncated',
    family,
    src: haveIp ? (family === 4 ? formatIpv4(readIpv4(ip, ip4.SRC)) : formatIpv6(ip, ip6.SRC)) : '',
    dst: haveIp ? (family === 4 ? formatIpv4(readIpv4(ip, ip4.DST)) : formatIpv6(ip, ip6.DST)) : '',
    ttl: haveIp ? ip[family === 4 ? ip4.TTL : ip6.HOP_LIMIT] : 0,
    viaAh: false,
    header: null,
    received: null,
    checksumValid: null,
    checksumVariant: null,
    auth: null,
    hmac: null,
    partial: null,
    length: ip.length,
    expectedLength: null,
  };
  if (where === 'truncated') {
    // Cut short (snap length, a broken total length): show the fixed header and the addresses
    // that were captured, as tshark does.
    const at = truncatedVrrpOffset(ip);
    if (at !== null && at + 8 <= ip.length) {
      out.header = readVrrpHeader(ip, at);
      const v = out.header.version;
      if (v === 2 || v === 3) {
        out.partial = readPartialAdvert(ip, at, ip.length, family);
        if (v === 2 && family === 4) out.auth = readAuthTrailer(ip, at, ip.length, family);
      }
    }
    return out;
  }
  const l = { ...loc };
  out.viaAh = l.viaAh;
  out.length = l.end;
  out.vrrpOffset = l.vrrp;
  out.header = readVrrpHeader(ip, l.vrrp);
  out.expectedLength = l.vrrp + expectedVrrpLength(ip, l);
  const v = out.header.version;
  // VRRPv2 over IPv6 too: keepalived 2.2.7 sends it for an IPv6 instance configured `version 2`.
  const knownVersion = v === 2 || v === 3;
  const pduEnd = out.expectedLength;
  const trailerLength = knownVersion ? trailerLengthAt(ip, l.vrrp, pduEnd, l.end) : 0;
  // keepalived 2.2.7 checks the TTL / hop limit only on a multicast instance (vrrp_check_packet:
  // "MUST verify that the IPv4 TTL/IPv6 HL is 255 (but not if unicast)"); a unicast instance
  // checks each peer's min_ttl-max_ttl, 0-255 unless configured. Without a config, the packet's
  // destination says which: its own IPv6 unicast adverts carry the kernel's hop limit, 64 (lab,
  // issue 23), and it accepts them.
  out.verdict = checkVrrpPacket(ip, { checkTtl: multicastDestination(ip, family), ...(trailerLength > 0 ? WITH_TRAILER : {}) });
  if (!knownVersion) return out;
  if (trailerLength > 0) {
    out.hmac = readHmacTrailer(ip, pduEnd, l.end);
    out.checksumVariant = trailerChecksumValid(ip, l.vrrp, pduEnd, l.end) ? 'rfc' : 'bad';
  } else {
    out.checksumVariant = vrrpChecksumVariant(ip, l);
  }
  out.checksumValid = out.checksumVariant === 'rfc';
  const vrrpEnd = trailerLength > 0 ? pduEnd : l.end;
  if (v === 2 && family === 4) out.auth = readAuthTrailer(ip, l.vrrp, vrrpEnd, family);
  if (out.expectedLength !== vrrpEnd) {
    out.partial = readPartialAdvert(ip, l.vrrp, l.end, family);
  } else {
    const received: ReceivedAdvert = { advert: readAdvert(ip, l.vrrp, vrrpEnd, family), src: out.src, dst: out.dst, ttl: out.ttl };
    if (l.viaAh) received.viaAh = true;
    const t = out.hmac;
    if (t !== null && t.length === HMAC_TRAILER_LEN && t.keyId !== null && t.reserved !== null && t.seconds !== null && t.fraction !== null && t.counter !== null) {
      received.hmac = { extType: t.extType, keyId: t.keyId, reserved: t.reserved, seconds: t.seconds, fraction: t.fraction, counter: t.counter };
    }
    out.received = received;
  }
  return out;
}

/** Whether the packet's IP destination is a multicast group (224.0.0.0/4, ff00::/8). */
function multicastDestination(ip: Uint8Array, family: IpFamily): boolean {
  return family === 4 ? ip[ip4.DST] >> 4 === 0xe : ip[ip6.DST] === 0xff;
}

/** Where VRRP starts in a packet too short for `locateVrrp()` (IPv4, IPv4+AH, IPv6 without extension headers). */
function truncatedVrrpOffset(ip: Uint8Array): number | null {
  const version = ip[0] >> 4;
  if (version === 4 && ip.length >= 20) {
    const ihl = (ip[0] & 0x0f) << 2;
    if (ihl < 20) return null;
    if (ip[ip4.PROTOCOL] === 112) return ihl;
    if (ip[ip4.PROTOCOL] === 51 && ip.length >= ihl + 24 && ip[ihl] === 112) return ihl + 24;
    return null;
  }
  if (version === 6 && ip.length >= 40 && ip[ip6.NEXT_HEADER] === 112) return 40;
  return null;
}

/** Facts a log line may quote. */
export interface LogContext {
  /** Instance name (iname). */
  instance: string;
  /** Interface name, for unknown VRIDs. */
  ifname?: string;
  packet?: DecodedPacket;
  received?: ReceivedAdvert;
  expectation?: AdvertExpectation;
}

/** The line keepalived 2.2.7 logs for a verdict (null when it logs nothing, e.g. 'ok'). */
export function verdictLogLine(verdict: Verdict, ctx: LogContext): string | null {
  const i = ctx.instance;
  const r = ctx.received ?? ctx.packet?.received ?? undefined;
  const h = ctx.packet?.header ?? null;
  const e = ctx.expectation;
  const a = r?.advert;
  switch (verdict) {
    case 'ok':
    case 'not-vrrp':
      return null;
    case 'truncated':
      // IPv6: keepalived's socket has the kernel verify the checksum at offset 6 (IPV6_CHECKSUM),
      // so a VRRP part shorter than 8 bytes is dropped before keepalived reads it: no line (lab).
      if (ctx.packet?.family === 6) return null;
      return `IPv4 VRRP packet too short - ${ctx.packet?.length ?? 0} bytes`;
    case 'unknown-vrid':
      return `Unknown VRID(${a?.vrid ?? h?.vrid ?? '?'}) received on interface(${ctx.ifname ?? '?'}). ignoring...`;
    case 'bad-length': {
      if (ctx.packet === undefined && r?.hmac !== undefined && a !== undefined) {
        // A decoded advert with a trailer (the simulator's) to an instance without auth_hmac:
        // keepalived 2.4.3's lengths (captures/auth-hmac/mixed: "length 68 and expect 40").
        const pdu = 8 + (a.family === 6 ? 16 : 4) * a.addresses.length + (a.version === 2 && a.family === 4 ? 8 : 0);
        const want = (a.family === 4 ? 20 : 0) + pdu;
        return `(${i}) vrrp packet from ${r.src} too long, length ${want + HMAC_TRAILER_LEN} and expect ${want}`;
      }
      // keepalived's lengths are what its raw socket reads: the IPv4 packet from its header on,
      // an IPv6 packet's VRRP part only ("length 8 and expect 24" for a VRRPv3 header that claims
      // one IPv6 address without it, lab).
      const from = ctx.packet?.family === 6 ? (ctx.packet.vrrpOffset ?? 0) : 0;
      const got = (ctx.packet?.length ?? 0) - from;
      const want = (ctx.packet?.expectedLength ?? 0) - from;
      return `(${i}) vrrp packet too ${got > want ? 'long' : 'short'}, length ${got} and expect ${want}`;
    }
    case 'bad-ttl':
      return `(${i}) invalid TTL/HL. Received ${r?.ttl ?? ctx.packet?.ttl ?? '?'} and expect 255`;
    case 'bad-version':
      return `(${i}) wrong version. Received ${a?.version ?? h?.version ?? '?'} and expect ${e?.version ?? '?'}`;
    case 'invalid-auth-type':
      return `(${i}) Invalid auth type: ${a?.authType ?? h?.authType ?? '?'}`;
    case 'auth-type-mismatch':
      if (e && e.family === 4 && (r?.viaAh === true) !== (e.authType === 2)) {
        return r?.viaAh ? `(${i}) Received AH header but auth type not AH` : `(${i}) No AH header but auth type is AH`;
      }
      return `(${i}) received a ${a?.authType ?? '?'} auth, expecting ${e?.authType ?? '?'}!`;
    case 'auth-mismatch':
      return `(${i}) received an invalid passwd!`;
    case 'interval-mismatch':
      return `(${i}) advertisement interval mismatch mine=${e ? Math.floor(e.advertIntervalMs / 1000) : '?'} sec rcv'd=${a ? a.advertIntervalMs / 1000 : '?'} sec`;
    case 'bad-type':
      return `(${i}) Invalid packet type. ${h?.type ?? '?'} and expect 1`;
    case 'address-count-mismatch':
      return `(${i}) received an unexpected ip number count ${a?.addresses.length ?? h?.count ?? '?'}, expected ${e?.addresses.length ?? '?'}!`;
    case 'bad-checksum':
      return `(${i}) Invalid VRRPv${a?.version ?? h?.version ?? '?'} checksum`;
    case 'bad-trailer':
      // keepalived 2.4.3's line (only an instance with auth_hmac reads a trailer).
      return `(${i}) malformed authentication trailer from ${r?.src ?? ctx.packet?.src ?? '?'}`;
    case 'unicast-multicast-mismatch':
      return e?.unicast
        ? `(${i}) Expected unicast packet but received multicast packet`
        : `(${i}) Expected multicast packet but received unicast packet`;
    case 'address-list-mismatch': {
      const got = new Set((a?.addresses ?? []).map((x) => canonicalAddress(x)));
      const missing = e?.addresses.find((x) => !got.has(canonicalAddress(x))) ?? '?';
      return `(${i}) ip address associated with VRID ${e?.vrid ?? a?.vrid ?? '?'} not present in MASTER advert: ${missing}`;
    }
    case 'unicast-peer-mismatch':
    case 'auth-not-peer':
      return `(${i}) unicast source address ${r?.src ?? '?'} not a unicast peer`;
    // keepalived 2.4.3's lines (vrrp.c vrrp_auth_ext_verify); the engine's own carry the skew.
    case 'auth-missing':
      return `(${i}) missing authentication trailer from ${r?.src ?? '?'}`;
    case 'auth-unknown-key':
      return `(${i}) unknown authentication key id ${r?.hmac?.keyId ?? '?'} from ${r?.src ?? '?'}`;
    case 'auth-bad-hmac':
      return `(${i}) invalid authentication HMAC from ${r?.src ?? '?'}`;
    case 'auth-stale':
      return `(${i}) stale authentication trailer from ${r?.src ?? '?'}`;
    case 'auth-replay':
      return `(${i}) replayed authentication trailer from ${r?.src ?? '?'}`;
    case 'ttl-out-of-range': {
      const src = canonicalAddress(r?.src ?? '');
      const at = e?.unicastPeers?.findIndex((p) => canonicalAddress(p) === src) ?? -1;
      const range = (at >= 0 ? e?.unicastPeerTtl?.[at] : undefined) ?? { min: 0, max: 255 };
      return `(${i}) TTL/HL ${r?.ttl ?? ctx.packet?.ttl ?? '?'} not in range ${range.min} - ${range.max}`;
    }
  }
}
