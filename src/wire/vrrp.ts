/**
 * The VRRP layer alone: VRRPv2 (RFC 3768 section 5) and VRRPv3 (RFC 5798 section 5) headers as a
 * byte view with named offsets, and emit/parse between bytes and the plain `VrrpAdvert`.
 * The IP layer around it is in packet.ts.
 */
import type { IpFamily, VrrpAdvert } from './types.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6, readIpv4, writeIpv4 } from './address.js';
import { finishChecksum, sumWords } from './checksum.js';

/** Field offsets into a VRRP header. */
export const field = {
  VER_TYPE: 0,
  VRID: 1,
  PRIORITY: 2,
  COUNT: 3,
  /** v2 only. */
  AUTH_TYPE: 4,
  /** v2: advert interval in seconds (one byte). */
  ADVER_INT_V2: 5,
  /** v3: 4 reserved bits and a 12-bit max advert interval in centiseconds. */
  ADVER_INT_V3: 4,
  CHECKSUM: 6,
  ADDRESSES: 8,
} as const;

export const VRRP_HEADER_LEN = 8;
/** v2 authentication data trails the address list. */
export const VRRP_AUTH_LEN = 8;
export const VRRP_TYPE_ADVERT = 1;

export const AUTH_NONE = 0;
export const AUTH_PASS = 1;
export const AUTH_AH = 2;
/**
 * Not in any RFC: Cisco IOS's VRRPv2 MD5 authentication, as Wireshark's dissector reads it ("Cisco
 * VRRP MD5 authentication"): after the address list and the 8 auth-data bytes comes a Cisco block
 * whose last 16 bytes are the MD5 digest, so the VRRP part is longer than RFC 3768 says. keepalived
 * 2.2.7 has no such type: it drops the packet for its length ("vrrp packet too long") before it
 * reads the auth type, and an auth type above 2 is "Invalid auth type" when the length is right.
 */
export const AUTH_CISCO_MD5 = 254;
/** Length of the MD5 digest that ends a Cisco MD5 VRRP part. */
export const CISCO_MD5_DIGEST_LEN = 16;

export const VRRP_GROUP_V4 = '224.0.0.18';
export const VRRP_GROUP_V6 = 'ff02::12';

/**
 * Length of the VRRP part for a version, family and address count. VRRPv2 over IPv6 (keepalived
 * 2.2.7 sends it for an IPv6 instance configured `version 2`) has no auth bytes (vrrp_pkt_len; lab:
 * 8 + 16 per address).
 */
export function vrrpLength(version: number, family: IpFamily, count: number): number {
  return VRRP_HEADER_LEN + count * (family === 4 ? 4 : 16) + (version === 2 && family === 4 ? VRRP_AUTH_LEN : 0);
}

/** Whether this VRRP part carries the 8 auth bytes: VRRPv2 over IPv4 only. */
export function hasAuthBytes(version: number, family: IpFamily): boolean {
  return version === 2 && family === 4;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The 8 auth-data bytes for a PASS password: longer passwords are cut to 8 bytes and shorter ones
 * zero-padded, exactly as keepalived's auth_pass handler does (it also warns "Truncating auth_pass
 * to 8 characters" while reading the config).
 */
export function passwordBytes(password: string): Uint8Array {
  const out = new Uint8Array(VRRP_AUTH_LEN);
  let ascii = true;
  for (let i = 0; i < password.length && i < VRRP_AUTH_LEN; i++) {
    const c = password.charCodeAt(i);
    if (c >= 0x80) { ascii = false; break; }
    out[i] = c;
  }
  if (!ascii) out.set(utf8.encode(password).subarray(0, VRRP_AUTH_LEN));
  return out;
}

/**
 * A password read off the wire, in double quotes, for a line of text: quotes, backslashes and
 * control characters (C0, DEL, C1) are escaped (`\"`, `\\`, `\n`, `\xNN`), and so are the line
 * separators and bidirectional overrides (`\uNNNN`). A forged advert's auth data must not be able
 * to end a timeline line early, add lines of its own, reorder what a terminal shows, or send it
 * escape sequences.
 */
export function quotedPassword(password: string): string {
  let out = '"';
  for (let i = 0; i < password.length; i++) {
    const c = password.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${password[i]}`;
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) out += `\\u${c.toString(16)}`;
    else out += password[i];
  }
  return out + '"';
}

/** Auth-data bytes back to text, trailing NULs removed. */
export function passwordText(bytes: Uint8Array, offset: number): string {
  let end = offset + VRRP_AUTH_LEN;
  while (end > offset && bytes[end - 1] === 0) end--;
  let ascii = true;
  for (let i = offset; i < end; i++) if (bytes[i] >= 0x80) ascii = false;
  if (ascii) return String.fromCharCode(...bytes.subarray(offset, end));
  return utf8Decoder.decode(bytes.subarray(offset, end));
}

/** Address list of an advert as bytes (4 or 16 each); null when one does not parse. */
export function addressBytes(family: IpFamily, addresses: readonly string[]): Uint8Array | null {
  const size = family === 4 ? 4 : 16;
  const out = new Uint8Array(addresses.length * size);
  for (let i = 0; i < addresses.length; i++) {
    if (family === 4) {
      const a = parseIpv4(addresses[i]);
      if (a === null) return null;
      writeIpv4(out, i * 4, a);
    } else {
      const a = parseIpv6(addresses[i]);
      if (a === null) return null;
      out.set(a, i * 16);
    }
  }
  return out;
}

/**
 * Writes the VRRP part of `advert` at `bytes[offset]` and fills in its checksum. For v3 pass the
 * partial sum of the IP pseudo-header (see packet.ts); v2 sums the VRRP part alone.
 * Returns the number of bytes written. Throws only on programming errors (unparsable address).
 */
export function emitVrrp(advert: VrrpAdvert, bytes: Uint8Array, offset: number, pseudoSum = 0): number {
  const addrs = addressBytes(advert.family, advert.addresses);
  if (addrs === null) throw new RangeError(`unparsable address in ${advert.addresses.join(', ')}`);
  const count = advert.addresses.length;
  const length = vrrpLength(advert.version, advert.family, count);
  const b = bytes.subarray(offset, offset + length);
  b.fill(0);
  b[field.VER_TYPE] = (advert.version << 4) | VRRP_TYPE_ADVERT;
  b[field.VRID] = advert.vrid & 0xff;
  b[field.PRIORITY] = advert.priority & 0xff;
  b[field.COUNT] = count & 0xff;
  if (advert.version === 2) {
    b[field.AUTH_TYPE] = advert.authType & 0xff;
    b[field.ADVER_INT_V2] = Math.min(255, Math.max(0, Math.round(advert.advertIntervalMs / 1000)));
  } else {
    const centis = Math.min(0x0fff, Math.max(0, Math.round(advert.advertIntervalMs / 10)));
    b[field.ADVER_INT_V3] = centis >>> 8;
    b[field.ADVER_INT_V3 + 1] = centis & 0xff;
  }
  b.set(addrs, field.ADDRESSES);
  if (hasAuthBytes(advert.version, advert.family) && advert.authType === AUTH_PASS) {
    b.set(passwordBytes(advert.auth), field.ADDRESSES + addrs.length);
  }
  // IPv6 sums the pseudo-header whatever the version: the kernel computes it (IPV6_CHECKSUM), also
  // over keepalived's VRRPv2 adverts.
  const sum = finishChecksum(sumWords(b, 0, length, advert.version === 3 || advert.family === 6 ? pseudoSum : 0));
  b[field.CHECKSUM] = sum >>> 8;
  b[field.CHECKSUM + 1] = sum & 0xff;
  return length;
}

/** Plain fields read from a VRRP header whose length has already been checked. */
export interface VrrpHeader {
  version: number;
  type: number;
  vrid: number;
  priority: number;
  count: number;
  authType: number;
  advertIntervalMs: number;
  checksum: number;
}

/** Reads the fixed header at `offset` (8 bytes must be there). */
export function readVrrpHeader(bytes: Uint8Array, offset: number): VrrpHeader {
  const version = bytes[offset + field.VER_TYPE] >> 4;
  const v3 = version === 3;
  return {
    version,
    type: bytes[offset + field.VER_TYPE] & 0x0f,
    vrid: bytes[offset + field.VRID],
    priority: bytes[offset + field.PRIORITY],
    count: bytes[offset + field.COUNT],
    authType: v3 ? 0 : bytes[offset + field.AUTH_TYPE],
    advertIntervalMs: v3
      ? (((bytes[offset + field.ADVER_INT_V3] & 0x0f) << 8) | bytes[offset + field.ADVER_INT_V3 + 1]) * 10
      : bytes[offset + field.ADVER_INT_V2] * 1000,
    checksum: (bytes[offset + field.CHECKSUM] << 8) | bytes[offset + field.CHECKSUM + 1],
  };
}

/** How the authentication part of a VRRPv2 advert reads (what tshark shows of it). */
export type AuthTrailer =
  | { kind: 'none' }
  /** auth_type PASS: the 8-byte text (trailing NULs removed). */
  | { kind: 'pass'; text: string }
  /** RFC 2338's IP Authentication Header type: the auth data is unused, an AH header precedes VRRP. */
  | { kind: 'ah' }
  /** Cisco MD5: the bytes between the address list and the digest (hex), and the digest (hex). */
  | { kind: 'cisco-md5'; block: string; digest: string }
  /** Any other type: its auth-data bytes as hex. */
  | { kind: 'unknown'; type: number; data: string }
  /** The packet ends before the auth data. */
  | { kind: 'missing'; type: number };

export function hexOf(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += bytes[i].toString(16).padStart(2, '0');
  return out;
}

/** Human name of a VRRPv2 auth type, as Wireshark names them. */
export function authTypeName(type: number): string {
  switch (type) {
    case AUTH_NONE: return 'none';
    case AUTH_PASS: return 'PASS';
    case AUTH_AH: return 'AH (RFC 2338 IP Authentication Header)';
    case AUTH_CISCO_MD5: return 'Cisco MD5';
    default: return `unknown (${type})`;
  }
}

/**
 * Reads whatever addresses fit in `bytes[offset, end)` (at most the header's count), for packets
 * whose length does not match their count: as tshark, show what can be read.
 */
export function readAddressesUpTo(bytes: Uint8Array, offset: number, end: number, family: IpFamily): string[] {
  const size = family === 4 ? 4 : 16;
  const count = bytes[offset + field.COUNT];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + field.ADDRESSES + i * size;
    if (at + size > end) break;
    out.push(family === 4 ? formatIpv4(readIpv4(bytes, at)) : formatIpv6(bytes, at));
  }
  return out;
}

/**
 * The auth part of a VRRPv2 VRRP part `bytes[offset, end)` (8-byte header already there): PASS
 * text, Cisco MD5 block and digest (the last 16 bytes, when at least 16 follow the addresses), or
 * 'missing' when the packet ends before it. Never throws.
 */
export function readAuthTrailer(bytes: Uint8Array, offset: number, end: number, family: IpFamily): AuthTrailer {
  const type = bytes[offset + field.AUTH_TYPE];
  const after = offset + field.ADDRESSES + bytes[offset + field.COUNT] * (family === 4 ? 4 : 16);
  // Auth type 0 still carries 8 (zero) auth bytes; a packet that ends before them has them missing.
  if (type === AUTH_NONE) return end - after < VRRP_AUTH_LEN ? { kind: 'missing', type } : { kind: 'none' };
  if (type === AUTH_AH) return { kind: 'ah' };
  if (type === AUTH_CISCO_MD5) {
    if (end - after < CISCO_MD5_DIGEST_LEN) return { kind: 'missing', type };
    return { kind: 'cisco-md5', block: hexOf(bytes, after, end - CISCO_MD5_DIGEST_LEN), digest: hexOf(bytes, end - CISCO_MD5_DIGEST_LEN, end) };
  }
  if (end - after < VRRP_AUTH_LEN) return { kind: 'missing', type };
  if (type === AUTH_PASS) return { kind: 'pass', text: passwordText(bytes, after) };
  return { kind: 'unknown', type, data: hexOf(bytes, after, after + VRRP_AUTH_LEN) };
}

/**
 * Builds the `VrrpAdvert` of a length-checked VRRP part `bytes[offset, end)` of the given version
 * (2 or 3) and family. Auth text is reported for PASS only.
 */
export function readAdvert(bytes: Uint8Array, offset: number, end: number, family: IpFamily): VrrpAdvert {
  const h = readVrrpHeader(bytes, offset);
  const size = family === 4 ? 4 : 16;
  const addresses: string[] = [];
  for (let i = 0; i < h.count; i++) {
    const at = offset + field.ADDRESSES + i * size;
    addresses.push(family === 4 ? formatIpv4(readIpv4(bytes, at)) : formatIpv6(bytes, at));
  }
  const version = h.version === 3 ? 3 : 2;
  return {
    version,
    vrid: h.vrid,
    priority: h.priority,
    authType: h.authType,
    auth: hasAuthBytes(version, family) && h.authType === AUTH_PASS ? passwordText(bytes, end - VRRP_AUTH_LEN) : '',
    advertIntervalMs: h.advertIntervalMs,
    family,
    addresses,
  };
}

/**
 * The advert as far as it can be read from a VRRP part whose length does not match its address
 * count (Cisco MD5, a missing auth part, a short address list): the fixed header, the addresses
 * that fit, and a PASS text when the auth data is there.
 */
export function readPartialAdvert(bytes: Uint8Array, offset: number, end: number, family: IpFamily): VrrpAdvert {
  const h = readVrrpHeader(bytes, offset);
  const version = h.version === 3 ? 3 : 2;
  const trailer = hasAuthBytes(version, family) ? readAuthTrailer(bytes, offset, end, family) : null;
  return {
    version,
    vrid: h.vrid,
    priority: h.priority,
    authType: h.authType,
    auth: trailer?.kind === 'pass' ? trailer.text : '',
    advertIntervalMs: h.advertIntervalMs,
    family,
    addresses: readAddressesUpTo(bytes, offset, end, family),
  };
}
