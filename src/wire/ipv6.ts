/**
 * IPv6 header: named field offsets, parse (walking extension headers safely) and emit.
 */

/** Field offsets into the fixed IPv6 header. */
export const field = {
  VER_TC_FLOW: 0,
  PAYLOAD_LEN: 4,
  NEXT_HEADER: 6,
  HOP_LIMIT: 7,
  SRC: 8,
  DST: 24,
} as const;

export const IPV6_HEADER_LEN = 40;

/**
 * The hop limit of keepalived 2.2.7's IPv6 unicast adverts: it sets none (IPV6_UNICAST_HOPS, or
 * unicast_ttl per packet), so the kernel's default, net.ipv6.conf.*.hop_limit, 64 (lab, issue 23).
 * Its IPv4 unicast adverts carry TTL 255 in the header it writes.
 */
export const IPV6_UNICAST_HOP_LIMIT = 64;

export type Ipv6Error = 'truncated' | 'not-ipv6' | 'bad-extension-header' | 'fragmented';

export interface Ipv6Repr {
  src: Uint8Array;
  dst: Uint8Array;
  hopLimit: number;
  /** Protocol of the upper layer after any extension headers. */
  protocol: number;
  /** Offset of the upper-layer payload in the packet, and its length. */
  payloadOffset: number;
  payloadLength: number;
}

const HOP_BY_HOP = 0;
const ROUTING = 43;
const FRAGMENT = 44;
const AUTH = 51;
const DEST_OPTS = 60;

/**
 * Finds the upper-layer header: returns `offset * 256 + protocol`, or -1 when the chain is
 * truncated or malformed, or -2 for a non-first fragment. Allocation-free (hot path).
 */
export function ipv6UpperLayer(bytes: Uint8Array, end: number): number {
  let next = bytes[field.NEXT_HEADER];
  let offset = IPV6_HEADER_LEN;
  for (let hops = 0; hops < 16; hops++) {
    if (next === HOP_BY_HOP || next === ROUTING || next === DEST_OPTS) {
      if (offset + 8 > end) return -1;
      const len = (bytes[offset + 1] + 1) * 8;
      next = bytes[offset];
      offset += len;
    } else if (next === FRAGMENT) {
      if (offset + 8 > end) return -1;
      const fragOff = ((bytes[offset + 2] << 8) | bytes[offset + 3]) >> 3;
      const more = bytes[offset + 3] & 1;
      if (fragOff !== 0 || more !== 0) return -2;
      next = bytes[offset];
      offset += 8;
    } else if (next === AUTH) {
      if (offset + 8 > end) return -1;
      const len = (bytes[offset + 1] + 2) * 4;
      next = bytes[offset];
      offset += len;
    } else {
      return offset > end ? -1 : offset * 256 + next;
    }
    if (offset > end) return -1;
  }
  return -1;
}

/** Parses an IPv6 packet; bytes beyond the payload length (link padding) are ignored. */
export function parseIpv6(bytes: Uint8Array): Ipv6Repr | Ipv6Error {
  if (bytes.length < IPV6_HEADER_LEN) return 'truncated';
  if (bytes[0] >> 4 !== 6) return 'not-ipv6';
  const end = IPV6_HEADER_LEN + ((bytes[field.PAYLOAD_LEN] << 8) | bytes[field.PAYLOAD_LEN + 1]);
  if (end > bytes.length) return 'truncated';
  const upper = ipv6UpperLayer(bytes, end);
  if (upper === -2) return 'fragmented';
  if (upper < 0) return 'bad-extension-header';
  const payloadOffset = Math.floor(upper / 256);
  return {
    src: bytes.slice(field.SRC, field.SRC + 16),
    dst: bytes.slice(field.DST, field.DST + 16),
    hopLimit: bytes[field.HOP_LIMIT],
    protocol: upper & 0xff,
    payloadOffset,
    payloadLength: end - payloadOffset,
  };
}

export interface Ipv6Emit {
  src: Uint8Array;
  dst: Uint8Array;
  nextHeader: number;
  payloadLength: number;
  hopLimit?: number;
  /** Traffic class; keepalived leaves it 0 for IPv6 adverts (the kernel builds the header). */
  trafficClass?: number;
}

export function emitIpv6(repr: Ipv6Emit, bytes: Uint8Array, offset = 0): void {
  const b = offset === 0 ? bytes : bytes.subarray(offset);
  const tc = repr.trafficClass ?? 0;
  b[0] = 0x60 | (tc >> 4);
  b[1] = (tc & 0x0f) << 4;
  b[2] = 0;
  b[3] = 0;
  b[field.PAYLOAD_LEN] = repr.payloadLength >>> 8;
  b[field.PAYLOAD_LEN + 1] = repr.payloadLength & 0xff;
  b[field.NEXT_HEADER] = repr.nextHeader;
  b[field.HOP_LIMIT] = repr.hopLimit ?? 255;
  b.set(repr.src.subarray(0, 16), field.SRC);
  b.set(repr.dst.subarray(0, 16), field.DST);
}

/** Partial checksum sum of the IPv6 pseudo-header (RFC 8200 section 8.1). */
export function ipv6PseudoSum(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number, upperLength: number, protocol: number): number {
  let sum = 0;
  for (let i = 0; i < 16; i += 2) {
    sum += (src[srcOff + i] << 8) | src[srcOff + i + 1];
    sum += (dst[dstOff + i] << 8) | dst[dstOff + i + 1];
  }
  sum += (upperLength >>> 16) + (upperLength & 0xffff) + protocol;
  return sum;
}
