/**
 * Whole IP packets carrying VRRP: build one from a `VrrpAdvert`, find the VRRP part inside one
 * (IPv4 with or without IPsec AH, IPv6 with extension headers), and checksum helpers.
 */
import type { IpFamily, VrrpAdvert } from './types.js';
import { parseIpv4 as parseIpv4Text, parseIpv6 as parseIpv6Text } from './address.js';
import { emitIpv4, IPV4_HEADER_LEN, PROTO_AH, PROTO_VRRP, ah, field as ip4 } from './ipv4.js';
import { emitIpv6, IPV6_HEADER_LEN, ipv6PseudoSum, ipv6UpperLayer, field as ip6 } from './ipv6.js';
import { finishChecksum, sumWords } from './checksum.js';
import { emitVrrp, field as vf, VRRP_GROUP_V4, VRRP_GROUP_V6, VRRP_HEADER_LEN, vrrpLength } from './vrrp.js';

/** Where the VRRP part sits in an IP packet. Callers allocate one and reuse it (hot path). */
export interface VrrpLocation {
  family: IpFamily;
  /** Offset of the VRRP header. */
  vrrp: number;
  /** End of the IP packet (total length / payload length; link padding excluded). */
  end: number;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 packet with an IPsec AH header in front of VRRP (auth type 2). */
  viaAh: boolean;
}

export function newLocation(): VrrpLocation {
  return { family: 4, vrrp: 0, end: 0, ttl: 0, viaAh: false };
}

/**
 * Finds the VRRP header in an IP packet. 'not-vrrp': not IPv4/IPv6, or another protocol (an AH
 * header protecting something else included). 'truncated': too short for the IP header(s) plus
 * the fixed 8-byte VRRP header. Allocation-free; never throws.
 */
export function locateVrrp(ip: Uint8Array, out: VrrpLocation): 'ok' | 'not-vrrp' | 'truncated' {
  const len = ip.length;
  if (len < 1) return 'truncated';
  const version = ip[0] >> 4;
  if (version === 4) {
    if (len < IPV4_HEADER_LEN) return 'truncated';
    const ihl = (ip[0] & 0x0f) << 2;
    const total = (ip[ip4.LENGTH] << 8) | ip[ip4.LENGTH + 1];
    const proto = ip[ip4.PROTOCOL];
    if (proto !== PROTO_VRRP && proto !== PROTO_AH) return 'not-vrrp';
    if (ihl < IPV4_HEADER_LEN || total < ihl || total > len) return 'truncated';
    let at = ihl;
    out.viaAh = false;
    if (proto === PROTO_AH) {
      if (total < ihl + ah.LENGTH) return 'truncated';
      if (ip[ihl + ah.NEXT_HEADER] !== PROTO_VRRP) return 'not-vrrp';
      at += ah.LENGTH;
      out.viaAh = true;
    }
    if (total < at + VRRP_HEADER_LEN) return 'truncated';
    out.family = 4;
    out.vrrp = at;
    out.end = total;
    out.ttl = ip[ip4.TTL];
    return 'ok';
  }
  if (version === 6) {
    if (len < IPV6_HEADER_LEN) return 'truncated';
    const end = IPV6_HEADER_LEN + ((ip[ip6.PAYLOAD_LEN] << 8) | ip[ip6.PAYLOAD_LEN + 1]);
    if (end > len) return 'truncated';
    const upper = ipv6UpperLayer(ip, end);
    if (upper === -2) return 'not-vrrp';
    if (upper < 0) return 'truncated';
    if ((upper & 0xff) !== PROTO_VRRP) return 'not-vrrp';
    const at = (upper - (upper & 0xff)) / 256;
    if (end < at + VRRP_HEADER_LEN) return 'truncated';
    out.family = 6;
    out.vrrp = at;
    out.end = end;
    out.ttl = ip[ip6.HOP_LIMIT];
    out.viaAh = false;
    return 'ok';
  }
  return 'not-vrrp';
}

/** Length the VRRP part must have for its header's version and address count (as keepalived). */
export function expectedVrrpLength(ip: Uint8Array, loc: VrrpLocation): number {
  const version = ip[loc.vrrp] >> 4;
  return vrrpLength(version === 2 ? 2 : 3, loc.family, ip[loc.vrrp + vf.COUNT]);
}

/**
 * Whether the VRRP checksum verifies. v2: over the VRRP part including auth data. v3: over the
 * VRRP part with the IPv4 or IPv6 pseudo-header. The VRRP part's length must already be checked.
 */
export function vrrpChecksumValid(ip: Uint8Array, loc: VrrpLocation): boolean {
  const start = loc.vrrp;
  const end = loc.end;
  if (loc.family === 6) {
    return finishChecksum(sumWords(ip, start, end, ipv6PseudoSum(ip, ip6.SRC, ip, ip6.DST, end - start, PROTO_VRRP))) === 0;
  }
  if (ip[start] >> 4 === 2) return finishChecksum(sumWords(ip, start, end, 0)) === 0;
  // IPv4 pseudo-header: source, destination, zero, protocol 112, VRRP length.
  const pseudo = sumWords(ip, ip4.SRC, ip4.DST + 4, PROTO_VRRP + (end - start));
  return finishChecksum(sumWords(ip, start, end, pseudo)) === 0;
}

/**
 * How the checksum of a whole VRRP part verifies: 'rfc' (RFC 3768 for v2; RFC 5798 with the
 * pseudo-header for v3), 'no-pseudo-header' (a VRRPv3/IPv4 checksum computed over the VRRP part
 * alone, as some routers do and as Wireshark's "v3_checksum_as_in_v2" preference reads it; keepalived
 * rejects it as "Invalid VRRPv3 checksum"), or 'bad'.
 */
export type ChecksumVariant = 'rfc' | 'no-pseudo-header' | 'bad';

export function vrrpChecksumVariant(ip: Uint8Array, loc: VrrpLocation): ChecksumVariant {
  if (vrrpChecksumValid(ip, loc)) return 'rfc';
  if (loc.family === 4 && ip[loc.vrrp] >> 4 === 3 && finishChecksum(sumWords(ip, loc.vrrp, loc.end, 0)) === 0) return 'no-pseudo-header';
  return 'bad';
}

export interface BuildOptions {
  /** Source address (required: it is part of the v3 checksum). */
  src: string;
  /** Destination; defaults to the VRRP multicast group of the advert's family. */
  dst?: string;
  /** TTL / hop limit; default 255. */
  ttl?: number;
  /** IPv4 identification; keepalived leaves 0 and the kernel fills it in. */
  ident?: number;
}

/**
 * Builds a whole IP packet carrying `advert`, checksums filled in: IPv4 (TOS 0xc0, TTL 255,
 * protocol 112, as keepalived) or IPv6 (hop limit 255, next header 112). v2 with auth type 2 (AH)
 * is sent without an AH header here (vrrplab does not implement AH). Throws on bad address text.
 */
export function buildAdvertPacket(advert: VrrpAdvert, options: BuildOptions): Uint8Array {
  const length = vrrpLength(advert.version, advert.family, advert.addresses.length);
  if (advert.family === 4) {
    const src = parseIpv4Text(options.src);
    const dst = parseIpv4Text(options.dst ?? VRRP_GROUP_V4);
    if (src === null || dst === null) throw new RangeError(`bad IPv4 address: ${options.src} -> ${options.dst}`);
    const out = new Uint8Array(IPV4_HEADER_LEN + length);
    emitIpv4({ src, dst, protocol: PROTO_VRRP, payloadLength: length, ttl: options.ttl, ident: options.ident }, out, 0);
    const pseudo = sumWords(out, ip4.SRC, ip4.DST + 4, PROTO_VRRP + length);
    emitVrrp(advert, out, IPV4_HEADER_LEN, pseudo);
    return out;
  }
  const src = parseIpv6Text(options.src);
  const dst = parseIpv6Text(options.dst ?? VRRP_GROUP_V6);
  if (src === null || dst === null) throw new RangeError(`bad IPv6 address: ${options.src} -> ${options.dst}`);
  const out = new Uint8Array(IPV6_HEADER_LEN + length);
  emitIpv6({ src, dst, nextHeader: PROTO_VRRP, payloadLength: length, hopLimit: options.ttl }, out, 0);
  emitVrrp(advert, out, IPV6_HEADER_LEN, ipv6PseudoSum(src, 0, dst, 0, length, PROTO_VRRP));
  return out;
}
