/**
 * Receive validation of VRRP adverts, following RFC 3768 section 7.1 / RFC 5798 section 7.1 as
 * keepalived 2.2.7 implements them (vrrp_get_header(), vrrp_check_packet() in vrrp/vrrp.c and the
 * VRID lookup in vrrp_scheduler.c's vrrp_dispatcher_read()).
 *
 * Three entry points, one verdict type:
 * - `checkVrrpPacket(ip)`: instance-independent checks on raw bytes (a driver calls it before
 *   handing a decoded advert to the engine): truncation, length, TTL, version, type, checksum.
 * - `checkAdvertForInstance(received, expectation)`: the per-instance checks on an already decoded
 *   `ReceivedAdvert` (the engine calls it): VRID, auth, interval, addresses, unicast/multicast.
 * - `validateAdvertPacket(ip, compiled)`: everything, in keepalived's exact order, on the bytes and
 *   without allocating (hot path; `compileExpectation()` once per instance).
 *
 * Splitting means a packet with several faults may get a different (equally valid) reason than
 * keepalived picks, e.g. bad checksum + wrong password: keepalived checks the password first.
 * `VERDICTS` says what keepalived does with each verdict; `recordVerdict()` bumps the counters.
 */
import type { IpFamily, ReceivedAdvert } from './types.js';
import type { VrrpStats, VrrpStatsCounter } from './stats.js';
import { canonicalAddress, parseIpv4, parseIpv6, readIpv4 } from './address.js';
import { field as ip4 } from './ipv4.js';
import { field as ip6 } from './ipv6.js';
import { expectedVrrpLength, locateVrrp, newLocation, vrrpChecksumValid } from './packet.js';
import { AUTH_AH, AUTH_PASS, field as vf, passwordBytes, VRRP_AUTH_LEN, VRRP_TYPE_ADVERT } from './vrrp.js';
import { HMAC_TRAILER_LEN, readHmacTrailer, trailerChecksumValid, trailerLengthAt } from './auth-hmac.js';

/** Results of the byte-level checks. */
export type PacketVerdict =
  | 'ok'
  /** Not an IP packet carrying VRRP (never reaches keepalived's raw socket). */
  | 'not-vrrp'
  /** Shorter than the IP header(s) plus the 8-byte VRRP header. */
  | 'truncated'
  /** VRRP length disagrees with the address count (and version), or with the IP length. */
  | 'bad-length'
  /** TTL / hop limit is not 255 (multicast instances only; decodeAdvertPacket: multicast destinations only). */
  | 'bad-ttl'
  /** Version is not the instance's (byte level: not 2 or 3; IPv6 with v2). */
  | 'bad-version'
  /** Type is not 1 (advertisement). */
  | 'bad-type'
  | 'bad-checksum'
  /**
   * keepalived 2.4: a 28-byte auth_hmac trailer of an unknown ext_type or with reserved bits set
   * ("malformed authentication trailer"). Only with `checkVrrpPacket`'s `hmacTrailer` option.
   */
  | 'bad-trailer';

/** Results of the per-instance checks. */
export type InstanceVerdict =
  | 'ok'
  /** No instance has this VRID on the interface. */
  | 'unknown-vrid'
  /** A decoded advert with an auth_hmac trailer to an instance without auth_hmac ("too long"). */
  | 'bad-length'
  | 'bad-ttl'
  | 'bad-version'
  /** v2 auth type other than 0, 1, 2. */
  | 'invalid-auth-type'
  /** Auth type differs from ours, or an AH header present/absent contrary to ours. */
  | 'auth-type-mismatch'
  /** Wrong PASS password. */
  | 'auth-mismatch'
  /** v2 advert interval differs from ours (v3 adopts the master's interval instead). */
  | 'interval-mismatch'
  | 'address-count-mismatch'
  /** Expected multicast but got unicast, or the other way round. */
  | 'unicast-multicast-mismatch'
  /** One of our virtual addresses is missing from the advert. */
  | 'address-list-mismatch'
  /** Unicast with check_unicast_src: the source is not one of our unicast peers. */
  | 'unicast-peer-mismatch'
  /** Unicast with check_unicast_src: the TTL / hop limit is outside the peer's min_ttl-max_ttl. */
  | 'ttl-out-of-range'
  /**
   * keepalived 2.4 auth_hmac (src/engine/auth-hmac.ts decides them): no trailer in enforce mode;
   * a unicast sender that is not a peer; a key id it does not have; a wrong HMAC; a time outside
   * the window (anti_replay time); a sequence not above the sender's last.
   */
  | 'auth-missing'
  | 'auth-not-peer'
  | 'auth-unknown-key'
  | 'auth-bad-hmac'
  | 'auth-stale'
  | 'auth-replay';

export type Verdict = PacketVerdict | InstanceVerdict;

export type Disposition = 'accept' | 'drop-silent' | 'drop-logged';

export interface VerdictInfo {
  disposition: Disposition;
  /** The keepalived stats counter bumped, if any. */
  counter: VrrpStatsCounter | null;
  /** keepalived counts the packet in advert_rcvd (it passed type/version/length/checksum). */
  countsAsReceived: boolean;
}

/**
 * What keepalived 2.2.7 does with each verdict. No receive check "accepts with a warning": a v3
 * advert with another interval is simply accepted and its interval adopted by a backup.
 */
export const VERDICTS: Readonly<Record<Verdict, VerdictInfo>> = {
  ok: { disposition: 'accept', counter: null, countsAsReceived: true },
  'not-vrrp': { disposition: 'drop-silent', counter: null, countsAsReceived: false },
  // vrrp_get_header() logs "IPv4 VRRP packet too short" and stops reading the socket this round.
  truncated: { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  // Logged only with global_defs log_unknown_vrids.
  'unknown-vrid': { disposition: 'drop-silent', counter: null, countsAsReceived: false },
  'bad-length': { disposition: 'drop-logged', counter: 'packet_len_err', countsAsReceived: false },
  'bad-ttl': { disposition: 'drop-logged', counter: 'ip_ttl_err', countsAsReceived: false },
  'bad-version': { disposition: 'drop-logged', counter: 'vers_err', countsAsReceived: false },
  'invalid-auth-type': { disposition: 'drop-logged', counter: 'invalid_authtype', countsAsReceived: false },
  'auth-type-mismatch': { disposition: 'drop-logged', counter: 'authtype_mismatch', countsAsReceived: false },
  'auth-mismatch': { disposition: 'drop-logged', counter: 'auth_failure', countsAsReceived: false },
  // keepalived never increments advert_interval_err (RFC: MUST count); it logs and drops.
  'interval-mismatch': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'bad-type': { disposition: 'drop-logged', counter: 'invalid_type_rcvd', countsAsReceived: false },
  'address-count-mismatch': { disposition: 'drop-logged', counter: 'addr_list_err', countsAsReceived: false },
  // IPv6: the kernel verifies the checksum (IPV6_CHECKSUM) and drops silently, uncounted.
  'bad-checksum': { disposition: 'drop-logged', counter: 'chk_err', countsAsReceived: false },
  // keepalived 2.4.3 counts it in auth_ext_malformed, a counter vrrplab's stats (2.2.7's) lack.
  'bad-trailer': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'unicast-multicast-mismatch': { disposition: 'drop-logged', counter: 'addr_list_err', countsAsReceived: false },
  // These two come after keepalived has already counted the advert as received.
  'address-list-mismatch': { disposition: 'drop-logged', counter: 'addr_list_err', countsAsReceived: true },
  'unicast-peer-mismatch': { disposition: 'drop-logged', counter: null, countsAsReceived: true },
  'ttl-out-of-range': { disposition: 'drop-logged', counter: 'ip_ttl_err', countsAsReceived: true },
  // keepalived 2.4.3 counts these in its auth_ext_* counters (the engine's InstanceState.authExt),
  // which 2.2.7's stats lack.
  'auth-missing': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'auth-not-peer': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'auth-unknown-key': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'auth-bad-hmac': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'auth-stale': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
  'auth-replay': { disposition: 'drop-logged', counter: null, countsAsReceived: false },
};

/** What keepalived does with `verdict` for a packet of `family` (IPv6 checksum errors and truncations never reach it). */
export function verdictInfo(verdict: Verdict, family: IpFamily): VerdictInfo {
  if (verdict === 'bad-checksum' && family === 6) return { disposition: 'drop-silent', counter: null, countsAsReceived: false };
  // The same kernel check drops an IPv6 VRRP part too short to hold the checksum (under 8 bytes).
  if (verdict === 'truncated' && family === 6) return { disposition: 'drop-silent', counter: null, countsAsReceived: false };
  return VERDICTS[verdict];
}

/** Bumps the counters keepalived bumps for a received packet with this verdict. */
export function recordVerdict(stats: VrrpStats, verdict: Verdict, priority: number, family: IpFamily = 4): void {
  const info = verdictInfo(verdict, family);
  if (info.counter !== null) stats[info.counter]++;
  if (info.countsAsReceived) stats.advert_rcvd++;
  if (verdict === 'ok' && priority === 0) stats.pri_zero_rcvd++;
}

/** What an instance expects of the adverts it receives (from its configuration and state). */
export interface AdvertExpectation {
  version: 2 | 3;
  vrid: number;
  family: IpFamily;
  /** 0 none, 1 PASS, 2 AH (v2 only). */
  authType: number;
  /** The configured auth_pass (compared as keepalived does: first 8 bytes, zero-padded). */
  auth: string;
  advertIntervalMs: number;
  /** The instance's virtual addresses of its family (virtual_ipaddress, not the excluded ones). */
  addresses: readonly string[];
  /** unicast_peer configured: TTL is not checked and packets must be unicast. */
  unicast?: boolean;
  /**
   * Compare the address list (count and members). keepalived always does in MASTER state; in
   * BACKUP it skips it only with skip_check_adv_addr and when the advert comes from the master it
   * already follows — see `shouldCheckAddresses()`. Default true.
   */
  checkAddresses?: boolean;
  /**
   * check_unicast_src: the source must be one of `unicastPeers`, and the TTL / hop limit within
   * that peer's `unicastPeerTtl` range (0-255 when absent).
   */
  checkUnicastSrc?: boolean;
  unicastPeers?: readonly string[];
  unicastPeerTtl?: readonly { min: number; max: number }[];
  /**
   * keepalived 2.4 with auth_hmac: a packet exactly 28 bytes longer than its PDU carries a trailer
   * (not "too long"), and the IPv4 checksum covers the PDU alone. The trailer itself is the
   * engine's to verify (src/engine/auth-hmac.ts: it needs keys, the clock and replay state).
   */
  hmac?: boolean;
}

/** keepalived's rule for `AdvertExpectation.checkAddresses` (vrrp_state_backup()). */
export function shouldCheckAddresses(state: string, skipCheckAdvAddr: boolean, masterSrc: string | null, src: string): boolean {
  if (state !== 'BACKUP' || !skipCheckAdvAddr || masterSrc === null) return true;
  return canonicalAddress(masterSrc) !== canonicalAddress(src);
}

const TTL = 255;

/** Whether `address` (of `family`) is a multicast group: 224.0.0.0/4 or ff00::/8. */
export function isMulticast(address: string, family: IpFamily): boolean {
  if (family === 4) {
    const a = parseIpv4(address);
    return a !== null && a >>> 28 === 0xe;
  }
  const a = parseIpv6(address);
  return a !== null && a[0] === 0xff;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The per-instance checks, in keepalived's order, on an advert already decoded from the wire. */
export function checkAdvertForInstance(received: ReceivedAdvert, exp: AdvertExpectation): InstanceVerdict {
  const a = received.advert;
  if (a.vrid !== exp.vrid) return 'unknown-vrid';
  if (exp.family === 4 && (received.viaAh === true) !== (exp.authType === AUTH_AH)) return 'auth-type-mismatch';
  // A trailer where the instance has no auth_hmac (keepalived 2.2.7 too): 28 bytes too long.
  if (received.hmac !== undefined && exp.hmac !== true) return 'bad-length';
  if (!exp.unicast && received.ttl !== TTL) return 'bad-ttl';
  if (a.version !== exp.version || a.family !== exp.family) return 'bad-version';
  if (a.version === 2) {
    if (a.authType > AUTH_AH) return 'invalid-auth-type';
    if (a.authType !== exp.authType) return 'auth-type-mismatch';
    // VRRPv2 over IPv6 (keepalived 2.2.7, `version 2` on an IPv6 instance) has no auth bytes; what
    // keepalived compares a PASS password with there is not modelled (config says so).
    if (a.authType === AUTH_PASS && a.family === 4 && !sameBytes(passwordBytes(a.auth), passwordBytes(exp.auth))) return 'auth-mismatch';
    // AH: recognised, the ICV is not verified by vrrplab.
    if (a.advertIntervalMs !== exp.advertIntervalMs) return 'interval-mismatch';
  }
  const checkAddresses = exp.checkAddresses !== false;
  if (checkAddresses && a.addresses.length !== exp.addresses.length) return 'address-count-mismatch';
  if (isMulticast(received.dst, exp.family) === (exp.unicast === true)) return 'unicast-multicast-mismatch';
  // Fast path: the same text in the same order (what keepalived peers with one config send).
  if (checkAddresses && !sameList(a.addresses, exp.addresses)) {
    const got = new Set(a.addresses.map((x) => canonicalAddress(x)));
    for (const want of exp.addresses) if (!got.has(canonicalAddress(want))) return 'address-list-mismatch';
  }
  if (exp.unicast && exp.checkUnicastSrc) {
    const src = canonicalAddress(received.src);
    const peer = (exp.unicastPeers ?? []).findIndex((p) => canonicalAddress(p) === src);
    if (peer < 0) return 'unicast-peer-mismatch';
    const range = exp.unicastPeerTtl?.[peer];
    if (range !== undefined && (received.ttl < range.min || received.ttl > range.max)) return 'ttl-out-of-range';
  }
  return 'ok';
}

const scratch = newLocation();

/**
 * The instance-independent checks on an IP packet (IPv4 or IPv6, link padding allowed after it):
 * truncation, length, TTL (unless `checkTtl` is false, for unicast instances), version, type and
 * checksum, in keepalived's relative order. `hmacTrailer`: as keepalived 2.4 with auth_hmac, take 28
 * bytes after the PDU as its trailer (malformed: 'bad-trailer'; the IPv4 checksum then covers the
 * PDU alone); without it, as keepalived 2.2.7, they make the packet too long. Never throws.
 */
export function checkVrrpPacket(ip: Uint8Array, options: { checkTtl?: boolean; hmacTrailer?: boolean } = {}): PacketVerdict {
  const loc = scratch;
  const where = locateVrrp(ip, loc);
  if (where !== 'ok') return where;
  // IPv6: the kernel has verified the checksum before keepalived sees anything.
  if (loc.family === 6 && !vrrpChecksumValid(ip, loc)) return 'bad-checksum';
  const pduEnd = loc.vrrp + expectedVrrpLength(ip, loc);
  // keepalived 2.4 with auth_hmac: exactly 28 bytes more than the PDU are its trailer; anything
  // else is "too long" as in 2.2.7 (a short trailer included).
  const trailer = options.hmacTrailer === true && trailerLengthAt(ip, loc.vrrp, pduEnd, loc.end) === HMAC_TRAILER_LEN;
  if (loc.end !== pduEnd && !trailer) return 'bad-length';
  if (options.checkTtl !== false && loc.ttl !== TTL) return 'bad-ttl';
  const version = ip[loc.vrrp] >> 4;
  if (version !== 2 && version !== 3) return 'bad-version';
  if (trailer && readHmacTrailer(ip, pduEnd, loc.end).problem !== null) return 'bad-trailer';
  if ((ip[loc.vrrp] & 0x0f) !== VRRP_TYPE_ADVERT) return 'bad-type';
  if (loc.family === 4 && !(trailer ? trailerChecksumValid(ip, loc.vrrp, pduEnd, loc.end) : vrrpChecksumValid(ip, loc))) return 'bad-checksum';
  return 'ok';
}

/** An `AdvertExpectation` turned into bytes and integers for `validateAdvertPacket()`. */
export interface CompiledExpectation {
  readonly expectation: AdvertExpectation;
  readonly auth: Uint8Array;
  /** IPv4 addresses as uint32, or IPv6 addresses as 16-byte runs. */
  readonly v4: Uint32Array;
  readonly v6: Uint8Array;
  readonly peersV4: Uint32Array;
  readonly peersV6: Uint8Array;
  /** Each peer's TTL range, in `peersV4` / `peersV6` order (16 bytes a peer there). */
  readonly ttl4: readonly { min: number; max: number }[];
  readonly ttl6: readonly { min: number; max: number }[];
}

/** Prepares an expectation for the hot path. Unparsable addresses are ignored. */
export function compileExpectation(exp: AdvertExpectation): CompiledExpectation {
  const v4: number[] = [];
  const v6: Uint8Array[] = [];
  for (const text of exp.addresses) {
    if (exp.family === 4) { const a = parseIpv4(text); if (a !== null) v4.push(a); }
    else { const a = parseIpv6(text); if (a !== null) v6.push(a); }
  }
  const p4: number[] = [];
  const p6: Uint8Array[] = [];
  const ttl4: { min: number; max: number }[] = [];
  const ttl6: { min: number; max: number }[] = [];
  (exp.unicastPeers ?? []).forEach((text, i) => {
    const range = exp.unicastPeerTtl?.[i] ?? { min: 0, max: 255 };
    const a = parseIpv4(text);
    if (a !== null) { p4.push(a); ttl4.push(range); }
    const b = parseIpv6(text);
    if (b !== null) { p6.push(b); ttl6.push(range); }
  });
  const flat = (list: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(list.length * 16);
    list.forEach((a, i) => out.set(a, i * 16));
    return out;
  };
  return {
    expectation: exp,
    auth: passwordBytes(exp.auth),
    v4: Uint32Array.from(v4),
    v6: flat(v6),
    peersV4: Uint32Array.from(p4),
    peersV6: flat(p6),
    ttl4,
    ttl6,
  };
}

/** Whether the 16 bytes at `bytes[at]` occur in `list[start, end)` (16-byte runs). */
function hasV6(list: Uint8Array, start: number, end: number, bytes: Uint8Array, at: number): boolean {
  outer: for (let j = start; j < end; j += 16) {
    for (let k = 0; k < 16; k++) if (list[j + k] !== bytes[at + k]) continue outer;
    return true;
  }
  return false;
}

/**
 * All receive checks of one instance on an IP packet, in keepalived 2.2.7's order, reading the
 * bytes in place (no allocation). Never throws. `checksumVerified`: an IPv6 packet whose checksum
 * the kernel already checked (IPV6_CHECKSUM) and whose header was put back by the reader.
 */
export function validateAdvertPacket(ip: Uint8Array, c: CompiledExpectation, checksumVerified = false): Verdict {
  const exp = c.expectation;
  const loc = scratch;
  const where = locateVrrp(ip, loc);
  if (where !== 'ok') return where;
  const family = loc.family;
  if (family !== exp.family) return 'not-vrrp';
  const v = loc.vrrp;
  const end = loc.end;
  if (family === 6 && !checksumVerified && !vrrpChecksumValid(ip, loc)) return 'bad-checksum';
  if (ip[v + vf.VRID] !== exp.vrid) return 'unknown-vrid';
  if (family === 4 && loc.viaAh !== (exp.authType === AUTH_AH)) return 'auth-type-mismatch';
  const pduEnd = v + expectedVrrpLength(ip, loc);
  // keepalived 2.4 with auth_hmac: exactly 28 more bytes are its trailer (verified by the engine).
  const trailer = exp.hmac === true && end - pduEnd === HMAC_TRAILER_LEN;
  if (end !== pduEnd && !trailer) return 'bad-length';
  if (!exp.unicast && loc.ttl !== TTL) return 'bad-ttl';
  const version = ip[v] >> 4;
  if (version !== exp.version) return 'bad-version';
  if (version === 2) {
    const authType = ip[v + vf.AUTH_TYPE];
    if (authType > AUTH_AH) return 'invalid-auth-type';
    if (authType !== exp.authType) return 'auth-type-mismatch';
    // VRRPv2 over IPv6 carries no password to compare (see checkAdvertForInstance).
    if (authType === AUTH_PASS && family === 4) {
      const pw = end - VRRP_AUTH_LEN;
      const want = c.auth;
      let diff = 0;
      for (let i = 0; i < VRRP_AUTH_LEN; i++) diff |= ip[pw + i] ^ want[i];
      if (diff !== 0) return 'auth-mismatch';
    }
    if (ip[v + vf.ADVER_INT_V2] * 1000 !== exp.advertIntervalMs) return 'interval-mismatch';
  }
  if ((ip[v] & 0x0f) !== VRRP_TYPE_ADVERT) return 'bad-type';
  const count = ip[v + vf.COUNT];
  const checkAddresses = exp.checkAddresses !== false;
  if (checkAddresses && count !== (family === 4 ? c.v4.length : c.v6.length >> 4)) return 'address-count-mismatch';
  if (family === 4 && !(trailer ? trailerChecksumValid(ip, v, pduEnd, end) : vrrpChecksumValid(ip, loc))) return 'bad-checksum';
  const multicast = family === 4 ? ip[ip4.DST] >> 4 === 0xe : ip[ip6.DST] === 0xff;
  if (multicast === (exp.unicast === true)) return 'unicast-multicast-mismatch';
  const list = v + vf.ADDRESSES;
  if (checkAddresses) {
    if (family === 4) {
      const want = c.v4;
      for (let i = 0; i < want.length; i++) {
        let found = false;
        for (let j = 0; j < count && !found; j++) found = readIpv4(ip, list + 4 * j) === want[i];
        if (!found) return 'address-list-mismatch';
      }
    } else {
      const want = c.v6;
      for (let i = 0; i < want.length; i += 16) {
        if (!hasV6(ip, list, list + count * 16, want, i)) return 'address-list-mismatch';
      }
    }
  }
  if (exp.unicast && exp.checkUnicastSrc) {
    // keepalived 2.2.7: the source among the peers, then the TTL / hop limit in that peer's range.
    let range: { min: number; max: number } | undefined;
    if (family === 4) {
      const src = readIpv4(ip, ip4.SRC);
      for (let i = 0; i < c.peersV4.length && range === undefined; i++) if (c.peersV4[i] === src) range = c.ttl4[i];
    } else {
      for (let j = 0; j < c.peersV6.length && range === undefined; j += 16) if (hasV6(c.peersV6, j, j + 16, ip, ip6.SRC)) range = c.ttl6[j >> 4];
    }
    if (range === undefined) return 'unicast-peer-mismatch';
    if (loc.ttl < range.min || loc.ttl > range.max) return 'ttl-out-of-range';
  }
  return 'ok';
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}
