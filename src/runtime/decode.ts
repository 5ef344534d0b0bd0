/**
 * From a received IP packet to the engine's `ReceivedAdvert`, or a counted reason for dropping
 * it. The checks are the ones keepalived makes before an advert reaches an instance (IP header
 * sane, protocol 112, VRRP length, checksum, type advertisement); instance-level checks (TTL,
 * auth, address list, interval) are the engine's.
 */
import { formatIpv4, formatIpv6, readIpv4 } from '../wire/address.js';
import { field as ip4 } from '../wire/ipv4.js';
import { field as ip6 } from '../wire/ipv6.js';
import { expectedVrrpLength, locateVrrp, newLocation, vrrpChecksumValid } from '../wire/packet.js';
import { readAdvert } from '../wire/vrrp.js';
import type { ReceivedAdvert } from '../wire/types.js';

export type DecodeError = 'not-vrrp' | 'truncated' | 'bad-length' | 'bad-version' | 'bad-checksum' | 'bad-type';

export type DecodeResult = { ok: true; value: ReceivedAdvert } | { ok: false; error: DecodeError };

const loc = newLocation();

/**
 * `checksumVerified`: the kernel already checked it (IPv6 raw sockets with IPV6_CHECKSUM), and
 * the reconstructed header may not carry the real destination.
 */
export function decodeAdvertPacket(packet: Uint8Array, checksumVerified = false): DecodeResult {
  const where = locateVrrp(packet, loc);
  if (where !== 'ok') return { ok: false, error: where };
  const version = packet[loc.vrrp] >> 4;
  // VRRPv2 over IPv6 too (keepalived 2.2.7 sends it for an IPv6 instance configured `version 2`):
  // a VRRPv3 instance rejects it for its version, as keepalived does.
  if (version !== 2 && version !== 3) return { ok: false, error: 'bad-version' };
  if ((packet[loc.vrrp] & 0x0f) !== 1) return { ok: false, error: 'bad-type' };
  const expected = expectedVrrpLength(packet, loc);
  // keepalived accepts trailing bytes after the address list/auth data only for v2 auth padding;
  // anything shorter than the announced addresses is a length error.
  if (loc.end - loc.vrrp < expected) return { ok: false, error: 'bad-length' };
  const end = loc.vrrp + expected;
  if (!checksumVerified) {
    if (!vrrpChecksumValid(packet, { ...loc, end })) return { ok: false, error: 'bad-checksum' };
  }
  const advert = readAdvert(packet, loc.vrrp, end, loc.family);
  const src = loc.family === 4 ? formatIpv4(readIpv4(packet, ip4.SRC)) : formatIpv6(packet, ip6.SRC);
  const dst = loc.family === 4 ? formatIpv4(readIpv4(packet, ip4.DST)) : formatIpv6(packet, ip6.DST);
  return { ok: true, value: { advert, src, dst, ttl: loc.ttl } };
}
