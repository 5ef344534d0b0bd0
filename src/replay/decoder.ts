/**
 * Captured frames to replay inputs: VRRP adverts (decoded with the wire codec), gratuitous ARPs,
 * and malformed VRRP packets. Hot path for large captures: a sender repeats the same advert
 * bytes, so each (source, VRID) keeps its last decoded advert and reuses it while the bytes
 * (and TTL, destination) stay the same; only changes are decoded again.
 */
import { ETHERTYPE, LINKTYPE, locateLinkPayloadIn, type LinkPayload } from '../capture/link.js';
import type { CapturedFrame, FrameCursor } from '../capture/types.js';
import { formatIpv4, formatIpv6, readIpv4 } from '../wire/address.js';
import { expectedVrrpLength, locateVrrp, newLocation, vrrpChecksumVariant, type ChecksumVariant, type VrrpLocation } from '../wire/packet.js';
import type { ReceivedAdvert } from '../wire/types.js';
import { AUTH_CISCO_MD5, readAdvert, readPartialAdvert, VRRP_AUTH_LEN, VRRP_TYPE_ADVERT } from '../wire/vrrp.js';
import { HMAC_TRAILER_LEN, readHmacTrailer, trailerChecksumValid, trailerLengthAt } from '../wire/auth-hmac.js';

/** A decoded advert, shared by every identical packet of one sender: treat it as read-only. */
export interface SeenAdvert {
  packet: ReceivedAdvert;
  checksumOk: boolean;
  /** Which checksum verifies ('no-pseudo-header': a VRRPv3/IPv4 checksum summed without the pseudo-header). */
  checksumVariant?: ChecksumVariant;
  /**
   * Set when the VRRP part's length does not match its address count but the header and every
   * address are there (Cisco MD5 authentication, extra trailing bytes, a VRRPv2 advert without its
   * 8 auth bytes): keepalived drops such a packet ("vrrp packet too long" / "too short"), yet it
   * shows who advertises what, so replay follows it.
   */
  lengthNote?: string;
  /** What keepalived 2.2.7 logs when it drops this advert for its length (set with `lengthNote`). */
  dropLog?: string;
  /** keepalived 2.4's auth_hmac: the key id of a well-formed trailer (absent: the advert is unsigned). */
  hmacKeyId?: number;
  /** Sender's link-layer address (Ethernet and Linux cooked captures), lower-case hex with colons. */
  mac: string | undefined;
}

/** Where decoded frames go; the replay analyzer implements it. */
export interface FrameSink {
  advert(ts: number, advert: SeenAdvert): void;
  garp(ts: number, ip: string, mac: string): void;
  /** The sender of an ordinary (not gratuitous) ARP packet: which address a MAC has. */
  arpSender?(ts: number, ip: string, mac: string): void;
  malformed(ts: number, src: string | undefined, vrid: number | undefined, reason: string): void;
}

export interface DecodeCounts {
  frames: number;
  adverts: number;
  arp: number;
  garps: number;
  malformed: number;
  other: number;
}

interface CacheEntry {
  seen: SeenAdvert;
  /** IPv4 source as a number (0 for IPv6). */
  src4: number;
  ttl: number;
  viaAh: boolean;
  dst: Uint8Array;
  vrrp: Uint8Array;
}

const IPV4_DST = 16;
const IPV6_SRC = 8;
const IPV6_DST = 24;
/** IPv4 senders per VRID that the in-place fast path looks at (more are found through cache4). */
const FAST_SENDERS = 8;
/** Earlier adverts kept per sender and VRID besides the latest. */
const EARLIER_MAX = 4;
/** Address and MAC texts kept for gratuitous ARPs (bounded: a capture of many hosts starts over). */
const TEXT_CACHE_MAX = 4096;
/** Malformed packets' reasons, made once (by the header's 4-bit version or type). */
const SNAP_CUT = 'packet cut by the capture snap length';
const TRUNCATED = 'truncated VRRP packet';
const UNKNOWN_VERSION = Array.from({ length: 16 }, (_, v) => `unknown VRRP version ${v}`);
const NOT_ADVERT = Array.from({ length: 16 }, (_, t) => `VRRP type ${t} is not an advertisement`);

export class FrameDecoder {
  readonly counts: DecodeCounts = { frames: 0, adverts: 0, arp: 0, garps: 0, malformed: 0, other: 0 };
  private readonly link: LinkPayload = { etherType: 0, offset: 0 };
  private readonly loc: VrrpLocation = newLocation();
  private readonly cache4 = new Map<number, CacheEntry>();
  /** Per VRID, the latest entries of its first FAST_SENDERS IPv4 senders (the in-place fast path; cache4 has them all). */
  private readonly latest4: CacheEntry[][] = [];
  private readonly cache6 = new Map<string, CacheEntry>();
  /** Each sender's adverts before its latest one, most recent last (at most EARLIER_MAX). */
  private readonly earlier4 = new Map<number, CacheEntry[]>();
  private readonly earlier6 = new Map<string, CacheEntry[]>();
  private readonly ipText = new Map<number, string>();
  /** The last malformed packet's IPv4 source and its text (a flood comes from few). */
  private lastSrc4 = -1;
  private lastSrc4Text = '';
  /** Ordinary ARP senders handed on: MAC text by IPv4 address. */
  private readonly arpSenders = new Map<number, string>();
  private readonly macText = new Map<number, string>();
  /** The latest gratuitous ARP's sender address and MAC (as numbers) and their texts. */
  private readonly lastGarp = { sender: -1, macHigh: -1, macLow: -1, ip: '', mac: '' };
  private readonly cursor: FrameCursor = { ts: 0, linkType: 0, bytes: new Uint8Array(0), start: 0, end: 0, originalLength: 0, fileOffset: 0 };

  constructor(private readonly sink: FrameSink) {}

  decode(frame: CapturedFrame): void {
    const c = this.cursor;
    c.ts = frame.ts;
    c.linkType = frame.linkType;
    c.bytes = frame.data;
    c.start = 0;
    c.end = frame.data.length;
    c.originalLength = frame.originalLength;
    c.fileOffset = frame.fileOffset;
    this.decodeAt(c);
  }

  /** `decode` for a frame in place (scanCaptureFile's cursor): nothing is sliced unless the frame is new. */
  decodeAt(frame: FrameCursor): void {
    this.counts.frames++;
    const data = frame.bytes;
    const end = frame.end;
    if (!locateLinkPayloadIn(frame.linkType, data, frame.start, end, this.link)) {
      this.counts.other++;
      return;
    }
    const type = this.link.etherType;
    const at = this.link.offset;
    if (type === ETHERTYPE.IPV4 || type === ETHERTYPE.IPV6) {
      // Cheap reject of IPv4 packets that are neither VRRP nor AH before slicing.
      if (type === ETHERTYPE.IPV4 && at + 10 <= end && data[at + 9] !== 112 && data[at + 9] !== 51) {
        this.counts.other++;
        return;
      }
      if (type === ETHERTYPE.IPV4 && (this.repeatedIpv4(frame, at) || this.malformedIpv4(frame, at))) return;
      const whole: CapturedFrame = {
        ts: frame.ts,
        linkType: frame.linkType,
        data: data.subarray(frame.start, end),
        originalLength: frame.originalLength,
        fileOffset: frame.fileOffset,
      };
      this.ip(whole, data.subarray(at, end), at - frame.start);
    } else if (type === ETHERTYPE.ARP) {
      this.arp(frame.ts, data, at, end);
    } else {
      this.counts.other++;
    }
  }

  private ip(frame: CapturedFrame, ip: Uint8Array, linkOffset: number): void {
    const loc = this.loc;
    const where = locateVrrp(ip, loc);
    if (where === 'not-vrrp') {
      this.counts.other++;
      return;
    }
    const v4 = loc.family === 4;
    if (where === 'truncated') {
      this.counts.malformed++;
      const src = ip.length >= 20 && ip[0] >> 4 === 4 ? formatIpv4(readIpv4(ip, 12)) : ip.length >= 40 ? formatIpv6(ip, IPV6_SRC) : undefined;
      this.sink.malformed(frame.ts, src, undefined, frame.data.length < frame.originalLength ? SNAP_CUT : TRUNCATED);
      return;
    }
    const vr = loc.vrrp;
    const vrid = ip[vr + 1];
    let entry: CacheEntry | undefined;
    let key4 = 0;
    let key6 = '';
    if (v4) {
      key4 = readIpv4(ip, 12) * 256 + vrid;
      entry = this.cache4.get(key4);
    } else {
      key6 = `${formatIpv6(ip, IPV6_SRC)}/${vrid}`;
      entry = this.cache6.get(key6);
    }
    if (entry !== undefined && this.same(entry, ip, loc)) {
      this.counts.adverts++;
      this.sink.advert(frame.ts, entry.seen);
      return;
    }
    // A sender that goes back to an advert it sent before (priorities that alternate, a
    // restart's first advert): the earlier decoding serves when bytes and MAC are the same,
    // exactly what decoding again would give.
    const mac = this.macOf(frame.linkType, frame.data, linkOffset);
    const earlier = v4 ? this.earlier4.get(key4) : this.earlier6.get(key6);
    if (earlier !== undefined) {
      for (let i = 0; i < earlier.length; i++) {
        const e = earlier[i];
        if (e.seen.mac !== mac || !this.same(e, ip, loc)) continue;
        earlier.splice(i, 1);
        if (entry !== undefined) earlier.push(entry);
        if (v4) this.setLatest4(key4, e);
        else this.cache6.set(key6, e);
        this.counts.adverts++;
        this.sink.advert(frame.ts, e.seen);
        return;
      }
    }
    // Changed or new: validate and decode.
    const src = v4 ? formatIpv4(readIpv4(ip, 12)) : formatIpv6(ip, IPV6_SRC);
    const version = ip[vr] >> 4;
    const kind = ip[vr] & 0x0f;
    if (version !== 2 && version !== 3) return this.bad(frame.ts, src, vrid, UNKNOWN_VERSION[version]);
    // VRRPv2 over IPv6 is read too: keepalived 2.2.7 sends it for an IPv6 instance configured `version 2`.
    if (kind !== VRRP_TYPE_ADVERT) return this.bad(frame.ts, src, vrid, NOT_ADVERT[kind]);
    const expected = expectedVrrpLength(ip, loc);
    const actual = loc.end - vr;
    let lengthNote: string | undefined;
    let dropLog: string | undefined;
    // keepalived 2.4's auth_hmac trailer (28 bytes after the PDU, well formed): an advert as its
    // receivers with auth_hmac take it, the IPv4 checksum over the PDU alone.
    // A malformed one (short, unknown ext_type) is a length note of its own, its checksum still
    // the PDU's.
    const trailerLength = expected < actual ? trailerLengthAt(ip, vr, vr + expected, loc.end) : 0;
    const problem = trailerLength > 0 ? readHmacTrailer(ip, vr + expected, loc.end).problem : null;
    const trailer = trailerLength === HMAC_TRAILER_LEN && problem === null;
    if (trailerLength > 0 && !trailer) {
      dropLog = `vrrp packet too long, length ${loc.end} and expect ${vr + expected}`;
      lengthNote =
        problem === 'short'
          ? `auth_hmac trailer of ${trailerLength} bytes, not 28; keepalived drops these ("vrrp packet too long")`
          : `auth_hmac trailer ${problem === 'reserved' ? 'with reserved bits set' : `of unknown ext_type ${ip[vr + expected]}`}; keepalived 2.4.3 drops these ("malformed authentication trailer")`;
    } else if (expected !== actual && !trailer) {
      const reason = `VRRP length ${actual} does not match ${ip[vr + 3]} addresses (expected ${expected})`;
      // keepalived counts the whole IP packet in its log line.
      dropLog = `vrrp packet too ${actual > expected ? 'long' : 'short'}, length ${loc.end} and expect ${vr + expected}`;
      if (actual > expected) {
        // Longer than its count says (Cisco MD5's block, trailing bytes): header, addresses and
        // auth data are all there, so follow it.
        lengthNote = `${version === 2 && ip[vr + 4] === AUTH_CISCO_MD5 ? 'Cisco MD5 authentication (auth type 254): ' : ''}${reason}; keepalived drops these ("vrrp packet too long")`;
      } else if (version === 2 && v4 && actual === expected - VRRP_AUTH_LEN && vrrpChecksumVariant(ip, loc) === 'rfc') {
        // A VRRPv2 advert that ends right after its addresses, its checksum verifying over what is
        // there: only the 8 auth bytes are missing (some senders leave them out with auth type 0).
        // tshark shows it whole; follow it. (With a bad checksum it could as well be a wrong
        // address count over one address fewer and its auth bytes.)
        lengthNote = `VRRPv2 advert without its ${VRRP_AUTH_LEN} auth bytes (auth type ${ip[vr + 4]}): ${reason}; keepalived drops these ("${dropLog}")`;
      } else {
        // Shorter by anything else: what is missing cannot be told apart.
        return this.bad(frame.ts, src, vrid, reason);
      }
    }
    const dstAt = v4 ? IPV4_DST : IPV6_DST;
    const dstLen = v4 ? 4 : 16;
    const packet: ReceivedAdvert = {
      advert: trailerLength > 0 ? readAdvert(ip, vr, vr + expected, loc.family) : lengthNote === undefined ? readAdvert(ip, vr, loc.end, loc.family) : readPartialAdvert(ip, vr, loc.end, loc.family),
      src,
      dst: v4 ? formatIpv4(readIpv4(ip, dstAt)) : formatIpv6(ip, dstAt),
      ttl: loc.ttl,
    };
    const fresh: CacheEntry = {
      seen: { packet, checksumOk: false, mac },
      src4: 0,
      ttl: loc.ttl,
      viaAh: loc.viaAh,
      dst: ip.slice(dstAt, dstAt + dstLen),
      vrrp: ip.slice(vr, loc.end),
    };
    const variant = trailerLength > 0 ? (trailerChecksumValid(ip, vr, vr + expected, loc.end) ? 'rfc' : 'bad') : vrrpChecksumVariant(ip, loc);
    fresh.seen.checksumOk = variant === 'rfc';
    if (variant !== 'rfc') fresh.seen.checksumVariant = variant;
    if (lengthNote !== undefined) fresh.seen.lengthNote = lengthNote;
    if (dropLog !== undefined) fresh.seen.dropLog = dropLog;
    if (trailer) fresh.seen.hmacKeyId = ip[vr + expected + 1];
    if (entry !== undefined) {
      const list = earlier ?? [];
      if (list.length >= EARLIER_MAX) list.shift();
      list.push(entry);
      if (earlier === undefined) {
        if (v4) this.earlier4.set(key4, list);
        else this.earlier6.set(key6, list);
      }
    }
    if (v4) this.setLatest4(key4, fresh);
    else this.cache6.set(key6, fresh);
    this.counts.adverts++;
    this.sink.advert(frame.ts, fresh.seen);
  }

  /**
   * The common cases without slicing: an IPv4 VRRP packet (no AH) whose bytes repeat its sender's
   * cached advert, or one of the sender's earlier adverts (from the same MAC), as `ip` would find
   * them. Anything else returns false and takes the general path, which reaches the same verdict
   * for these packets (locateVrrp's checks, then `same`).
   */
  private repeatedIpv4(frame: FrameCursor, at: number): boolean {
    const data = frame.bytes;
    const end = frame.end;
    if (end - at < 20 || data[at + 9] !== 112 || data[at] >> 4 !== 4) return false;
    const ihl = (data[at] & 0x0f) << 2;
    const total = (data[at + 2] << 8) | data[at + 3];
    if (ihl < 20 || total < ihl + 8 || total > end - at) return false;
    const vr = at + ihl;
    const vrid = data[vr + 1];
    const senders = this.latest4[vrid];
    if (senders === undefined) return false;
    const src = readIpv4(data, at + 12);
    let e: CacheEntry | undefined;
    for (let i = 0; i < senders.length; i++) {
      if (senders[i].src4 === src) {
        e = senders[i];
        break;
      }
    }
    if (e === undefined) return false;
    if (!sameIpv4InPlace(e, data, at, total - ihl)) return this.earlierIpv4(frame, at, total - ihl, src * 256 + vrid, e);
    this.counts.adverts++;
    this.sink.advert(frame.ts, e.seen);
    return true;
  }

  /**
   * A flood's malformed IPv4 packets (no AH) without slicing or formatting: truncated, or a VRRP
   * version or type that is not an advert's, as `ip` reports them (a cached advert never has such
   * bytes, so its caches play no part), the source's text and the reason made once. Anything else
   * returns false and takes the general path.
   */
  private malformedIpv4(frame: FrameCursor, at: number): boolean {
    const data = frame.bytes;
    const end = frame.end;
    const len = end - at;
    if (len < 20 || data[at] >> 4 !== 4 || data[at + 9] !== 112) return false;
    const ihl = (data[at] & 0x0f) << 2;
    const total = (data[at + 2] << 8) | data[at + 3];
    if (ihl < 20 || total < ihl || total > len || total < ihl + 8) {
      this.counts.malformed++;
      this.sink.malformed(frame.ts, this.ipv4Text(readIpv4(data, at + 12)), undefined, end - frame.start < frame.originalLength ? SNAP_CUT : TRUNCATED);
      return true;
    }
    const vr = at + ihl;
    const version = data[vr] >> 4;
    const kind = data[vr] & 0x0f;
    if (version !== 2 && version !== 3) this.bad(frame.ts, this.ipv4Text(readIpv4(data, at + 12)), data[vr + 1], UNKNOWN_VERSION[version]);
    else if (kind !== VRRP_TYPE_ADVERT) this.bad(frame.ts, this.ipv4Text(readIpv4(data, at + 12)), data[vr + 1], NOT_ADVERT[kind]);
    else return false;
    return true;
  }

  /** An IPv4 address's text, made once per address (the last one without a lookup). */
  private ipv4Text(address: number): string {
    if (address === this.lastSrc4) return this.lastSrc4Text;
    let text = this.ipText.get(address);
    if (text === undefined) {
      if (this.ipText.size >= TEXT_CACHE_MAX) this.ipText.clear();
      this.ipText.set(address, (text = formatIpv4(address)));
    }
    this.lastSrc4 = address;
    this.lastSrc4Text = text;
    return text;
  }

  /** `ip`'s return to an earlier advert of the sender (`latest`: its cached one), in place. */
  private earlierIpv4(frame: FrameCursor, at: number, vrrpLength: number, key4: number, latest: CacheEntry): boolean {
    const earlier = this.earlier4.get(key4);
    if (earlier === undefined) return false;
    const macAt = macOffset(frame.linkType, frame.bytes, frame.start, frame.end, at);
    const mac = macAt < 0 ? undefined : this.macTextAt(frame.bytes, macAt);
    for (let i = 0; i < earlier.length; i++) {
      const e = earlier[i];
      if (e.seen.mac !== mac || !sameIpv4InPlace(e, frame.bytes, at, vrrpLength)) continue;
      earlier.splice(i, 1);
      earlier.push(latest);
      this.setLatest4(key4, e);
      this.counts.adverts++;
      this.sink.advert(frame.ts, e.seen);
      return true;
    }
    return false;
  }

  /** The latest IPv4 advert of a sender and VRID (`key4`: source * 256 + VRID). */
  private setLatest4(key4: number, entry: CacheEntry): void {
    this.cache4.set(key4, entry);
    const vrid = key4 % 256;
    entry.src4 = (key4 - vrid) / 256;
    const senders = (this.latest4[vrid] ??= []);
    for (let i = 0; i < senders.length; i++) {
      if (senders[i].src4 === entry.src4) {
        senders[i] = entry;
        return;
      }
    }
    if (senders.length < FAST_SENDERS) senders.push(entry);
  }

  private same(e: CacheEntry, ip: Uint8Array, loc: VrrpLocation): boolean {
    if (e.ttl !== loc.ttl || e.viaAh !== loc.viaAh) return false;
    const vr = loc.vrrp;
    const cached = e.vrrp;
    if (loc.end - vr !== cached.length) return false;
    for (let i = 0; i < cached.length; i++) if (ip[vr + i] !== cached[i]) return false;
    const dst = e.dst;
    const dstAt = loc.family === 4 ? IPV4_DST : IPV6_DST;
    for (let i = 0; i < dst.length; i++) if (ip[dstAt + i] !== dst[i]) return false;
    return true;
  }

  private bad(ts: number, src: string, vrid: number, reason: string): void {
    this.counts.malformed++;
    this.sink.malformed(ts, src, vrid, reason);
  }

  /** The sender MAC's text (made once per MAC: a changed advert comes from a MAC seen before). */
  private macOf(linkType: number, data: Uint8Array, payloadOffset: number): string | undefined {
    const at = macOffset(linkType, data, 0, data.length, payloadOffset);
    return at < 0 ? undefined : this.macTextAt(data, at);
  }

  private macTextAt(data: Uint8Array, at: number): string {
    const key = ((data[at] << 8) | data[at + 1]) * 4294967296 + readIpv4(data, at + 2);
    let mac = this.macText.get(key);
    if (mac === undefined) {
      if (this.macText.size >= TEXT_CACHE_MAX) this.macText.clear();
      this.macText.set(key, (mac = hex(data, at, 6)));
    }
    return mac;
  }

  /** An ordinary ARP packet's sender, handed on once per address and MAC. */
  private arpSender(ts: number, data: Uint8Array, at: number, sender: number): void {
    const sink = this.sink;
    if (sink.arpSender === undefined) return;
    const mac = this.macTextAt(data, at + 8);
    if (this.arpSenders.get(sender) === mac) return;
    if (this.arpSenders.size >= TEXT_CACHE_MAX) this.arpSenders.clear();
    this.arpSenders.set(sender, mac);
    sink.arpSender(ts, formatIpv4(sender), mac);
  }

  /** ARP for IPv4 over Ethernet; gratuitous when sender and target protocol addresses are equal. */
  private arp(ts: number, data: Uint8Array, at: number, end: number): void {
    this.counts.arp++;
    if (at + 28 > end) return;
    const hwType = (data[at] << 8) | data[at + 1];
    const protoType = (data[at + 2] << 8) | data[at + 3];
    if (hwType !== 1 || protoType !== ETHERTYPE.IPV4 || data[at + 4] !== 6 || data[at + 5] !== 4) return;
    const sender = readIpv4(data, at + 14);
    if (sender === 0) return;
    if (sender !== readIpv4(data, at + 24)) {
      this.arpSender(ts, data, at, sender);
      return;
    }
    this.counts.garps++;
    const macHigh = (data[at + 8] << 8) | data[at + 9];
    const macLow = readIpv4(data, at + 10);
    // A burst repeats its address and MAC: the previous GARP's texts serve without a lookup.
    const last = this.lastGarp;
    if (sender === last.sender && macHigh === last.macHigh && macLow === last.macLow) {
      this.sink.garp(ts, last.ip, last.mac);
      return;
    }
    // Their texts are made once (numeric keys, no strings).
    let ip = this.ipText.get(sender);
    if (ip === undefined) {
      if (this.ipText.size >= TEXT_CACHE_MAX) this.ipText.clear();
      this.ipText.set(sender, (ip = formatIpv4(sender)));
    }
    const mac = this.macTextAt(data, at + 8);
    last.sender = sender;
    last.macHigh = macHigh;
    last.macLow = macLow;
    last.ip = ip;
    last.mac = mac;
    this.sink.garp(ts, ip, mac);
  }
}

function hex(data: Uint8Array, at: number, n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(data[at + i].toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** Where the sender MAC of the frame `data[start..end)` is, its payload at `payloadAt` (-1: none known). */
function macOffset(linkType: number, data: Uint8Array, start: number, end: number, payloadAt: number): number {
  if (linkType === LINKTYPE.ETHERNET && end - start >= 12) return start + 6;
  if (linkType === LINKTYPE.LINUX_SLL && payloadAt - start >= 16 && ((data[start + 4] << 8) | data[start + 5]) === 6) return start + 6;
  if (linkType === LINKTYPE.LINUX_SLL2 && end - start >= 20 && data[start + 11] === 6) return start + 12;
  return -1;
}

/** `same` for an IPv4 packet without AH at `data[at]`, its VRRP part `vrrpLength` bytes long. */
function sameIpv4InPlace(e: CacheEntry, data: Uint8Array, at: number, vrrpLength: number): boolean {
  if (e.viaAh || e.ttl !== data[at + 8]) return false;
  const cached = e.vrrp;
  if (vrrpLength !== cached.length) return false;
  const vr = at + ((data[at] & 0x0f) << 2);
  for (let i = 0; i < cached.length; i++) if (data[vr + i] !== cached[i]) return false;
  const dst = e.dst;
  for (let i = 0; i < 4; i++) if (data[at + IPV4_DST + i] !== dst[i]) return false;
  return true;
}
