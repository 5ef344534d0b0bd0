/**
 * Plain values for what travels on the wire (the "Repr" face of the codec).
 * Byte-level views and parse/emit functions live beside them in this folder.
 */

export type IpFamily = 4 | 6;

/** VRRP advertisement, as RFC 3768 (v2) and RFC 5798 (v3) define it, independent of the IP header. */
export interface VrrpAdvert {
  version: 2 | 3;
  vrid: number;
  priority: number;
  /** v2: 0 none, 1 simple text password, 2 IP AH. Always 0 for v3. */
  authType: number;
  /** v2 PASS: the password as sent (at most 8 bytes, trailing NULs removed). Empty otherwise. */
  auth: string;
  /** v2 carries whole seconds, v3 centiseconds; both expressed here in milliseconds. */
  advertIntervalMs: number;
  family: IpFamily;
  /** Dotted-quad IPv4 or RFC 5952 IPv6 text. */
  addresses: string[];
}

/** An advert with the IP facts a receiver needs (source, TTL/hop limit). */
export interface ReceivedAdvert {
  advert: VrrpAdvert;
  src: string;
  dst: string;
  /** IPv4 TTL or IPv6 hop limit. */
  ttl: number;
  /** IPv4 only: the advert came behind an IPsec AH header (auth type AH). Absent means no. */
  viaAh?: boolean;
  /**
   * keepalived 2.4's auth_hmac trailer after the PDU (28 bytes on the wire: the IP length covers
   * it). Absent: no trailer.
   */
  hmac?: ReceivedTrailer;
}

/** An auth_hmac trailer as a receiver reads it (src/wire/auth-hmac.ts has the bytes). */
export interface ReceivedTrailer {
  extType: number;
  keyId: number;
  reserved: number;
  /** UTC seconds (uint32). */
  seconds: number;
  /** Binary fraction of a second, 0..65535. */
  fraction: number;
  counter: number;
  /**
   * The simulator's symbolic HMAC: the bytes (hex) of the key the sender signed with, which a
   * receiver compares with its key of `keyId` (its pseudo header, source, VRID and version are
   * the sender's by construction). Absent when the advert came as bytes: the HMAC is verified on
   * them.
   */
  signedWith?: string;
}
