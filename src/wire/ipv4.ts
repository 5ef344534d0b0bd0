/**
 * IPv4 header: a byte view with named field offsets, and a plain `Ipv4Repr` with parse/emit.
 * Only what VRRP needs: no options are emitted, options in received headers are skipped.
 */
import { internetChecksum } from './checksum.js';
import { readIpv4, writeIpv4 } from './address.js';

/** Field offsets into an IPv4 header. */
export const field = {
  VER_IHL: 0,
  TOS: 1,
  LENGTH: 2,
  IDENT: 4,
  FLG_OFF: 6,
  TTL: 8,
  PROTOCOL: 9,
  CHECKSUM: 10,
  SRC: 12,
  DST: 16,
} as const;

export const IPV4_HEADER_LEN = 20;
export const PROTO_AH = 51;
export const PROTO_VRRP = 112;
/** keepalived sets TOS to "internet network control" on its adverts. */
export const VRRP_TOS = 0xc0;
export const VRRP_TTL = 255;

/** Why bytes are not a usable IPv4 header. */
export type Ipv4Error = 'truncated' | 'not-ipv4' | 'bad-header-length' | 'bad-total-length';

export interface Ipv4Repr {
  /** Addresses as unsigned 32-bit integers. */
  src: number;
  dst: number;
  protocol: number;
  ttl: number;
  tos: number;
  ident: number;
  /** Header length in bytes (20 plus options). */
  headerLength: number;
  /** Payload length taken from the total-length field. */
  payloadLength: number;
  /** Whether the header checksum verifies. */
  checksumValid: boolean;
  /** More-fragments flag or a non-zero fragment offset. */
  fragment: boolean;
}

/** Checks that `bytes` hold a whole IPv4 header and the packet its total-length announces. */
export function checkIpv4(bytes: Uint8Array): Ipv4Error | null {
  if (bytes.length < IPV4_HEADER_LEN) return 'truncated';
  if (bytes[field.VER_IHL] >> 4 !== 4) return 'not-ipv4';
  const ihl = (bytes[field.VER_IHL] & 0x0f) << 2;
  if (ihl < IPV4_HEADER_LEN || ihl > bytes.length) return 'bad-header-length';
  const total = (bytes[field.LENGTH] << 8) | bytes[field.LENGTH + 1];
  if (total < ihl) return 'bad-total-length';
  if (total > bytes.length) return 'truncated';
  return null;
}

/** Parses a checked header (see `checkIpv4`). Bytes past total-length (link padding) are ignored. */
export function parseIpv4(bytes: Uint8Array): Ipv4Repr | Ipv4Error {
  const problem = checkIpv4(bytes);
  if (problem !== null) return problem;
  const headerLength = (bytes[field.VER_IHL] & 0x0f) << 2;
  const total = (bytes[field.LENGTH] << 8) | bytes[field.LENGTH + 1];
  const flagsOffset = (bytes[field.FLG_OFF] << 8) | bytes[field.FLG_OFF + 1];
  return {
    src: readIpv4(bytes, field.SRC),
    dst: readIpv4(bytes, field.DST),
    protocol: bytes[field.PROTOCOL],
    ttl: bytes[field.TTL],
    tos: bytes[field.TOS],
    ident: (bytes[field.IDENT] << 8) | bytes[field.IDENT + 1],
    headerLength,
    payloadLength: total - headerLength,
    checksumValid: internetChecksum(bytes, 0, headerLength) === 0,
    fragment: (flagsOffset & 0x3fff) !== 0,
  };
}

export interface Ipv4Emit {
  src: number;
  dst: number;
  protocol: number;
  payloadLength: number;
  ttl?: number;
  tos?: number;
  ident?: number;
}

/** Writes a 20-byte header (no options, DF clear as keepalived) with a valid header checksum. */
export function emitIpv4(repr: Ipv4Emit, bytes: Uint8Array, offset = 0): void {
  const b = offset === 0 ? bytes : bytes.subarray(offset);
  const total = IPV4_HEADER_LEN + repr.payloadLength;
  b[field.VER_IHL] = 0x45;
  b[field.TOS] = repr.tos ?? VRRP_TOS;
  b[field.LENGTH] = total >>> 8;
  b[field.LENGTH + 1] = total & 0xff;
  const ident = repr.ident ?? 0;
  b[field.IDENT] = (ident >>> 8) & 0xff;
  b[field.IDENT + 1] = ident & 0xff;
  b[field.FLG_OFF] = 0;
  b[field.FLG_OFF + 1] = 0;
  b[field.TTL] = repr.ttl ?? VRRP_TTL;
  b[field.PROTOCOL] = repr.protocol;
  b[field.CHECKSUM] = 0;
  b[field.CHECKSUM + 1] = 0;
  writeIpv4(b, field.SRC, repr.src);
  writeIpv4(b, field.DST, repr.dst);
  const sum = internetChecksum(b, 0, IPV4_HEADER_LEN);
  b[field.CHECKSUM] = sum >>> 8;
  b[field.CHECKSUM + 1] = sum & 0xff;
}

/** Layout of an IPsec AH header as keepalived uses it (RFC 2402 with a 96-bit ICV). */
export const ah = {
  NEXT_HEADER: 0,
  PAYLOAD_LEN: 1,
  SPI: 4,
  SEQ: 8,
  ICV: 12,
  /** sizeof(ipsec_ah_t) in keepalived. */
  LENGTH: 24,
} as const;
