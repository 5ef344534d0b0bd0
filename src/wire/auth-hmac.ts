/**
 * keepalived 2.4's `auth_hmac` trailer (not in any RFC): 28 bytes after the VRRP PDU, whose
 * header still says auth type 0 (lab, keepalived 2.4.3: IPv4 total length 68 for a VRRPv2 PDU of
 * 20 bytes). The layout, what the HMAC covers and how the checksum treats the trailer are read
 * from keepalived 2.4.3's vrrp_auth_hmac.c / vrrp.c and checked on its captured adverts
 * (captures/auth-hmac):
 *
 *   0 ext_type (1: HMAC-SHA256 truncated to 128 bits)   1 key id   2..3 reserved (zero)
 *   4..7 UTC seconds   8..9 fraction of a second (1/65536)   10..11 counter   12..27 HMAC
 *
 * The HMAC (key = the configured key's bytes) runs over a 20-byte pseudo header (4 or 6 for the
 * family, the VRRP version, the VRID, a zero byte, the source address, zero-padded), then the
 * PDU and the trailer with the VRRP checksum field and the HMAC field read as zeros. The IPv4
 * VRRP checksum covers the PDU without the trailer; over IPv6 the kernel computes it
 * (IPV6_CHECKSUM) over the whole payload, trailer included (captures/auth-hmac/v6: VRRPv3 from a
 * link-local source, verified both ways, and tshark finds that checksum good).
 *
 * keepalived itself finds a trailer only when the instance has auth_hmac and the packet is
 * exactly 28 bytes longer than its PDU; a receiver without auth_hmac (and keepalived 2.2.7) drops
 * such an advert as "too long". Decoding here does not know the receiver, so it reads the trailer
 * whenever the bytes after the PDU can be one (see `trailerLengthAt`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { field as ip4 } from './ipv4.js';
import { field as ip6 } from './ipv6.js';
import { finishChecksum, internetChecksum, sumWords } from './checksum.js';
import { PROTO_VRRP } from './ipv4.js';
import { ipv6PseudoSum } from './ipv6.js';
import { AUTH_CISCO_MD5, field as vf, hexOf } from './vrrp.js';

/** Field offsets into the trailer. */
export const hmacField = {
  EXT_TYPE: 0,
  KEY_ID: 1,
  RESERVED: 2,
  SECONDS: 4,
  FRACTION: 8,
  COUNTER: 10,
  HMAC: 12,
} as const;

export const HMAC_TRAILER_LEN = 28;
export const HMAC_DIGEST_LEN = 16;
/** The only ext_type keepalived 2.4.3 knows: HMAC-SHA256 truncated to 128 bits. */
export const HMAC_EXT_SHA256 = 1;
export const HMAC_PSEUDO_LEN = 20;
/** keepalived 2.4.3's key length bounds (VRRP_AUTH_HMAC_KEY_MIN/MAX), in bytes. */
export const HMAC_KEY_MIN = 32;
export const HMAC_KEY_MAX = 64;

/**
 * A trailer as read. Fields that do not fit in a short trailer are null. `problem`: null for a
 * well-formed HMAC-SHA256 trailer; 'short' (fewer than 28 bytes: keepalived 2.4.3 drops it as "too
 * long"), 'unknown-ext-type' or 'reserved' (28 bytes, but keepalived 2.4.3 says "malformed
 * authentication trailer").
 */
export interface HmacTrailer {
  length: number;
  extType: number;
  keyId: number | null;
  reserved: number | null;
  /** UTC seconds since the epoch. */
  seconds: number | null;
  /** Binary fraction of a second, 0..65535 (x / 65536 s). */
  fraction: number | null;
  counter: number | null;
  /** The 16-byte HMAC, hex. */
  hmac: string | null;
  problem: null | 'short' | 'unknown-ext-type' | 'reserved';
}

/**
 * How many bytes after the PDU (`pduEnd`, up to the IP packet's `end`) are taken as a trailer: 28
 * when exactly 28 follow; fewer when fewer follow and the first is ext_type 1 (a trailer cut
 * short); 0 otherwise (no trailer: trailing bytes of another kind, Cisco MD5's block with auth type
 * 254, or nothing at all). Never throws.
 */
export function trailerLengthAt(bytes: Uint8Array, vrrp: number, pduEnd: number, end: number): number {
  const extra = end - pduEnd;
  if (extra <= 0 || pduEnd > bytes.length || end > bytes.length) return 0;
  if (bytes[vrrp] >> 4 === 2 && bytes[vrrp + vf.AUTH_TYPE] === AUTH_CISCO_MD5) return 0;
  if (extra === HMAC_TRAILER_LEN) return extra;
  if (extra < HMAC_TRAILER_LEN && bytes[pduEnd] === HMAC_EXT_SHA256) return extra;
  return 0;
}

const u16 = (b: Uint8Array, at: number): number => (b[at] << 8) | b[at + 1];

/** Reads the trailer in `bytes[start, end)` (at least 1 byte); what does not fit is null. Never throws. */
export function readHmacTrailer(bytes: Uint8Array, start: number, end: number): HmacTrailer {
  const n = Math.min(end, bytes.length) - start;
  const has = (field: number, size: number): boolean => n >= field + size;
  const extType = n >= 1 ? bytes[start] : 0;
  const out: HmacTrailer = {
    length: Math.max(0, n),
    extType,
    keyId: has(hmacField.KEY_ID, 1) ? bytes[start + hmacField.KEY_ID] : null,
    reserved: has(hmacField.RESERVED, 2) ? u16(bytes, start + hmacField.RESERVED) : null,
    seconds: has(hmacField.SECONDS, 4) ? readU32(bytes, start + hmacField.SECONDS) : null,
    fraction: has(hmacField.FRACTION, 2) ? u16(bytes, start + hmacField.FRACTION) : null,
    counter: has(hmacField.COUNTER, 2) ? u16(bytes, start + hmacField.COUNTER) : null,
    hmac: has(hmacField.HMAC, HMAC_DIGEST_LEN) ? hexOf(bytes, start + hmacField.HMAC, start + hmacField.HMAC + HMAC_DIGEST_LEN) : null,
    problem: null,
  };
  if (n < HMAC_TRAILER_LEN) out.problem = 'short';
  else if (extType !== HMAC_EXT_SHA256) out.problem = 'unknown-ext-type';
  else if (out.reserved !== 0) out.problem = 'reserved';
  return out;
}

function readU32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

/** The trailer's time as text: UTC seconds with the fraction, and the counter (for a line of output). */
export function trailerSequenceText(t: HmacTrailer): string {
  if (t.seconds === null) return '';
  const iso = new Date(t.seconds * 1000).toISOString().replace('.000Z', 'Z');
  const frac = t.fraction === null ? '' : ` +${t.fraction}/65536`;
  return `${iso}${frac}${t.counter === null ? '' : ` ctr ${t.counter}`}`;
}

/** Outcome of checking a trailer's HMAC with a set of keys. */
export type HmacCheck = 'good' | 'bad-hmac' | 'unknown-key' | 'malformed';

/**
 * The 16-byte truncated HMAC-SHA256 keepalived 2.4.3 puts in a trailer, for the IP packet `ip`
 * whose VRRP part starts at `vrrp`, PDU ends at `pduEnd` and 28-byte trailer follows: over the
 * pseudo header (family, version, VRID, 0, source address), the PDU with its checksum read as
 * zero, and the trailer with its HMAC read as zero.
 */
export function trailerHmac(ip: Uint8Array, vrrp: number, pduEnd: number, key: Uint8Array): Uint8Array {
  const v6 = ip[0] >> 4 === 6;
  const pseudo = new Uint8Array(HMAC_PSEUDO_LEN);
  pseudo[0] = v6 ? 6 : 4;
  pseudo[1] = ip[vrrp] >> 4;
  pseudo[2] = ip[vrrp + vf.VRID];
  if (v6) pseudo.set(ip.subarray(ip6.SRC, ip6.SRC + 16), 4);
  else pseudo.set(ip.subarray(ip4.SRC, ip4.SRC + 4), 4);
  const h = createHmac('sha256', key);
  h.update(pseudo);
  h.update(ip.subarray(vrrp, vrrp + vf.CHECKSUM));
  h.update(new Uint8Array(2));
  h.update(ip.subarray(vrrp + vf.CHECKSUM + 2, pduEnd + hmacField.HMAC));
  h.update(new Uint8Array(HMAC_DIGEST_LEN));
  return new Uint8Array(h.digest().subarray(0, HMAC_DIGEST_LEN));
}

/**
 * Checks the trailer at `pduEnd` with `keys` (key id to key bytes), as keepalived 2.4.3's
 * vrrp_auth_hmac_check() does apart from the time window and replay state: a malformed trailer
 * (short, unknown ext_type, reserved not zero), a key id not in `keys`, a wrong HMAC, or good.
 */
export function checkTrailerHmac(ip: Uint8Array, vrrp: number, pduEnd: number, end: number, keys: ReadonlyMap<number, Uint8Array>): HmacCheck {
  const t = readHmacTrailer(ip, pduEnd, end);
  if (t.problem !== null || t.keyId === null) return 'malformed';
  const key = keys.get(t.keyId);
  if (key === undefined) return 'unknown-key';
  const want = trailerHmac(ip, vrrp, pduEnd, key);
  const got = ip.subarray(pduEnd + hmacField.HMAC, pduEnd + HMAC_TRAILER_LEN);
  return timingSafeEqual(want, got) ? 'good' : 'bad-hmac';
}

/**
 * Writes a trailer after the PDU of `ip` (which must have room for it at `pduEnd`) and signs it,
 * as keepalived 2.4.3's vrrp_auth_hmac_sign() does. Used by tests and forged packets.
 */
export function writeTrailer(ip: Uint8Array, vrrp: number, pduEnd: number, t: TrailerFields, key: Uint8Array): void {
  const at = pduEnd;
  ip.fill(0, at, at + HMAC_TRAILER_LEN);
  ip[at] = t.extType ?? HMAC_EXT_SHA256;
  ip[at + hmacField.KEY_ID] = t.keyId & 0xff;
  const s = t.seconds >>> 0;
  ip[at + 4] = s >>> 24;
  ip[at + 5] = (s >>> 16) & 0xff;
  ip[at + 6] = (s >>> 8) & 0xff;
  ip[at + 7] = s & 0xff;
  ip[at + 8] = (t.fraction >>> 8) & 0xff;
  ip[at + 9] = t.fraction & 0xff;
  ip[at + 10] = (t.counter >>> 8) & 0xff;
  ip[at + 11] = t.counter & 0xff;
  ip.set(trailerHmac(ip, vrrp, pduEnd, key), at + hmacField.HMAC);
}

/** The fields a sender chooses for a trailer. */
export interface TrailerFields {
  keyId: number;
  /** UTC seconds (taken modulo 2^32). */
  seconds: number;
  fraction: number;
  counter: number;
  /** Default 1 (HMAC-SHA256/128); another value makes a malformed trailer for tests. */
  extType?: number;
}

/**
 * A copy of the IP packet `ip` (IPv4 without options or AH, or IPv6 without extension headers,
 * VRRP directly after the IP header, as `buildAdvertPacket` makes them) with a signed trailer
 * appended as keepalived 2.4.3 sends it: the IP length grows by 28, the IPv4 header checksum is
 * redone, the IPv4 VRRP checksum is left as it was (it covers the PDU alone) and the IPv6 one is
 * redone over the whole payload. Throws on a packet of another shape (programming error).
 */
export function withTrailer(ip: Uint8Array, t: TrailerFields, key: Uint8Array): Uint8Array {
  const v6 = ip[0] >> 4 === 6;
  const vrrp = v6 ? 40 : 20;
  if (ip.length < vrrp + 8 || (!v6 && (ip[0] & 0x0f) !== 5)) throw new RangeError('withTrailer: not a plain IPv4/IPv6 VRRP packet');
  const pduEnd = ip.length;
  const out = new Uint8Array(pduEnd + HMAC_TRAILER_LEN);
  out.set(ip);
  if (v6) {
    const payload = pduEnd + HMAC_TRAILER_LEN - 40;
    out[ip6.PAYLOAD_LEN] = payload >>> 8;
    out[ip6.PAYLOAD_LEN + 1] = payload & 0xff;
  } else {
    const total = pduEnd + HMAC_TRAILER_LEN;
    out[ip4.LENGTH] = total >>> 8;
    out[ip4.LENGTH + 1] = total & 0xff;
    out[ip4.CHECKSUM] = out[ip4.CHECKSUM + 1] = 0;
    const sum = internetChecksum(out, 0, 20);
    out[ip4.CHECKSUM] = sum >>> 8;
    out[ip4.CHECKSUM + 1] = sum & 0xff;
  }
  writeTrailer(out, vrrp, pduEnd, t, key);
  if (v6) {
    out[vrrp + vf.CHECKSUM] = out[vrrp + vf.CHECKSUM + 1] = 0;
    const end = out.length;
    const sum = finishChecksum(sumWords(out, vrrp, end, ipv6PseudoSum(out, ip6.SRC, out, ip6.DST, end - vrrp, PROTO_VRRP)));
    out[vrrp + vf.CHECKSUM] = sum >>> 8;
    out[vrrp + vf.CHECKSUM + 1] = sum & 0xff;
  }
  return out;
}

/**
 * Whether the checksum of a VRRP part with a trailer verifies as keepalived 2.4.3 computes it:
 * IPv4 over the PDU alone (the v3 pseudo header's length is the PDU's); IPv6 over the whole
 * payload, as the kernel does.
 */
export function trailerChecksumValid(ip: Uint8Array, vrrp: number, pduEnd: number, end: number): boolean {
  if (ip[0] >> 4 === 6) {
    return finishChecksum(sumWords(ip, vrrp, end, ipv6PseudoSum(ip, ip6.SRC, ip, ip6.DST, end - vrrp, PROTO_VRRP))) === 0;
  }
  if (ip[vrrp] >> 4 === 2) return finishChecksum(sumWords(ip, vrrp, pduEnd, 0)) === 0;
  const pseudo = sumWords(ip, ip4.SRC, ip4.DST + 4, PROTO_VRRP + (pduEnd - vrrp));
  return finishChecksum(sumWords(ip, vrrp, pduEnd, pseudo)) === 0;
}

/**
 * A key as keepalived 2.4.3 reads its value (vrrp_auth_hmac_decode_key, read_hex_str): `hex:` then
 * hex digits, two to a byte (a lone digit before a space or the end is a byte of its own; spaces
 * are skipped), and any other digit makes the key empty (length 0, which keepalived then refuses
 * as out of range); anything else is the text's bytes up to a NUL. The length bounds (32..64)
 * are the caller's to check.
 */
export function keyBytes(text: string): Uint8Array {
  if (!text.startsWith('hex:')) {
    const nul = text.indexOf('\0');
    return new TextEncoder().encode(nul < 0 ? text : text.slice(0, nul));
  }
  const hex = text.slice(4);
  const out: number[] = [];
  const digit = (c: string | undefined): number => (c !== undefined && /^[0-9a-fA-F]$/.test(c) ? parseInt(c, 16) : -1);
  let i = 0;
  for (;;) {
    while (hex[i] === ' ' || hex[i] === '\t') i++;
    if (i >= hex.length) break;
    let value = digit(hex[i++]);
    if (value < 0) return new Uint8Array(0);
    if (i < hex.length && hex[i] !== ' ') {
      const low = digit(hex[i++]);
      if (low < 0) return new Uint8Array(0);
      value = (value << 4) | low;
    }
    out.push(value);
  }
  return Uint8Array.from(out);
}
