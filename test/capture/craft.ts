/**
 * Builders for crafted capture files in tests: VRRP/ARP packets, link-layer framings and a
 * pcapng encoder (the classic pcap encoder is the library's own, src/capture/writer.ts).
 */

export function ipv4Bytes(a: string): number[] {
  return a.split('.').map((x) => Number(x));
}

function checksum16(bytes: Uint8Array, from: number, to: number, initial = 0): number {
  let sum = initial;
  for (let i = from; i < to; i += 2) sum += (bytes[i] << 8) | (i + 1 < to ? bytes[i + 1] : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export interface CraftAdvert {
  src: string;
  vrid: number;
  priority: number;
  version?: 2 | 3;
  /** Seconds (v2) — converted to centiseconds for v3. */
  interval?: number;
  addresses?: string[];
  authType?: number;
  password?: string;
  ttl?: number;
  /** Destination (default 224.0.0.18); a unicast peer's address for unicast adverts. */
  dst?: string;
  badChecksum?: boolean;
  /** VRRPv2 only: leave out the 8 auth bytes (the packet ends after its addresses). */
  noAuthBytes?: boolean;
}

/** An IPv4 packet carrying a VRRP advert (v2 by default), with correct checksums unless asked otherwise. */
export function vrrpIpv4(a: CraftAdvert): Uint8Array {
  const version = a.version ?? 2;
  const addrs = a.addresses ?? ['172.16.25.10'];
  const authLen = version === 2 && !a.noAuthBytes ? 8 : 0;
  const vrrpLen = 8 + 4 * addrs.length + authLen;
  const pkt = new Uint8Array(20 + vrrpLen);
  pkt[0] = 0x45;
  pkt[2] = pkt.length >> 8;
  pkt[3] = pkt.length & 0xff;
  pkt[8] = a.ttl ?? 255;
  pkt[9] = 112;
  pkt.set(ipv4Bytes(a.src), 12);
  pkt.set(a.dst === undefined ? [224, 0, 0, 18] : ipv4Bytes(a.dst), 16);
  const ipSum = checksum16(pkt, 0, 20);
  pkt[10] = ipSum >> 8;
  pkt[11] = ipSum & 0xff;
  const v = 20;
  pkt[v] = (version << 4) | 1;
  pkt[v + 1] = a.vrid;
  pkt[v + 2] = a.priority;
  pkt[v + 3] = addrs.length;
  if (version === 2) {
    pkt[v + 4] = a.authType ?? (a.password ? 1 : 0);
    pkt[v + 5] = a.interval ?? 1;
  } else {
    const cs = Math.round((a.interval ?? 1) * 100);
    pkt[v + 4] = (cs >> 8) & 0x0f;
    pkt[v + 5] = cs & 0xff;
  }
  addrs.forEach((addr, i) => pkt.set(ipv4Bytes(addr), v + 8 + 4 * i));
  if (version === 2 && a.password && !a.noAuthBytes) {
    const pw = new TextEncoder().encode(a.password).subarray(0, 8);
    pkt.set(pw, v + 8 + 4 * addrs.length);
  }
  let initial = 0;
  if (version === 3) {
    // IPv4 pseudo-header: src, dst, zero+protocol, length
    const ph = new Uint8Array(12);
    ph.set(pkt.subarray(12, 20), 0);
    ph[9] = 112;
    ph[10] = vrrpLen >> 8;
    ph[11] = vrrpLen & 0xff;
    initial = (~checksum16(ph, 0, 12)) & 0xffff;
  }
  let sum = checksum16(pkt, v, pkt.length, initial);
  if (a.badChecksum) sum ^= 0x5a5a;
  pkt[v + 6] = sum >> 8;
  pkt[v + 7] = sum & 0xff;
  return pkt;
}

/** A minimal IPv6 packet (header only + payload) — enough for the link-layer tests. */
export function ipv6Packet(nextHeader: number, payload: Uint8Array): Uint8Array {
  const pkt = new Uint8Array(40 + payload.length);
  pkt[0] = 0x60;
  pkt[4] = payload.length >> 8;
  pkt[5] = payload.length & 0xff;
  pkt[6] = nextHeader;
  pkt[7] = 255;
  pkt[8] = 0xfe;
  pkt[9] = 0x80;
  pkt[23] = 1;
  pkt[24] = 0xff;
  pkt[25] = 0x02;
  pkt[39] = 0x12;
  pkt.set(payload, 40);
  return pkt;
}

/** A gratuitous ARP request (sender IP == target IP) as an ARP payload. */
export function garpPayload(ip: string, mac = [0x92, 0xf1, 0x51, 0x46, 0x76, 0xc6]): Uint8Array {
  const p = new Uint8Array(28);
  p.set([0, 1, 8, 0, 6, 4, 0, 1], 0);
  p.set(mac, 8);
  p.set(ipv4Bytes(ip), 14);
  p.set(ipv4Bytes(ip), 24);
  return p;
}

const MAC_SRC = [0x00, 0x00, 0x5e, 0x00, 0x01, 0x33];
const MAC_DST = [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12];

/** Ethernet II frame; `tags` are the tag EtherTypes (0x8100, 0x88a8) outermost first. */
export function ethernet(payload: Uint8Array, etherType: number, tags: number[] = []): Uint8Array {
  const out = new Uint8Array(14 + 4 * tags.length + payload.length);
  out.set(MAC_DST, 0);
  out.set(MAC_SRC, 6);
  let at = 12;
  tags.forEach((tpid, i) => {
    out[at] = tpid >> 8;
    out[at + 1] = tpid & 0xff;
    out[at + 2] = 0;
    out[at + 3] = 10 + i; // VLAN id
    at += 4;
  });
  out[at] = etherType >> 8;
  out[at + 1] = etherType & 0xff;
  out.set(payload, at + 2);
  return out;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export function sll(payload: Uint8Array, etherType: number): Uint8Array {
  const out = new Uint8Array(16 + payload.length);
  out[1] = 2; // packet type: broadcast/multicast from somebody else
  out[3] = 1; // ARPHRD_ETHER
  out[5] = 6;
  out.set(MAC_SRC, 6);
  out[14] = etherType >> 8;
  out[15] = etherType & 0xff;
  out.set(payload, 16);
  return out;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276). */
export function sll2(payload: Uint8Array, etherType: number): Uint8Array {
  const out = new Uint8Array(20 + payload.length);
  out[0] = etherType >> 8;
  out[1] = etherType & 0xff;
  out[7] = 2; // interface index
  out[9] = 1; // ARPHRD_ETHER
  out[10] = 2;
  out[11] = 6;
  out.set(MAC_SRC, 12);
  out.set(payload, 20);
  return out;
}

/** BSD loopback (LINKTYPE_NULL): 4-byte address family in host (here little-endian) order. */
export function nullLoop(payload: Uint8Array, family: number): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, family, true);
  out.set(payload, 4);
  return out;
}

// ------------------------------------------------------------------------------------------------
// pcapng

export class PcapngBuilder {
  private parts: Uint8Array[] = [];
  constructor(private little = true) {}

  private block(type: number, body: Uint8Array): this {
    const padded = (body.length + 3) & ~3;
    const len = 12 + padded;
    const out = new Uint8Array(len);
    const v = new DataView(out.buffer);
    v.setUint32(0, type, this.little);
    v.setUint32(4, len, this.little);
    out.set(body, 8);
    v.setUint32(len - 4, len, this.little);
    this.parts.push(out);
    return this;
  }

  private options(opts: Array<[number, Uint8Array]>): Uint8Array {
    if (opts.length === 0) return new Uint8Array(0);
    const chunks: number[] = [];
    const push16 = (n: number) => {
      const b = new Uint8Array(2);
      new DataView(b.buffer).setUint16(0, n, this.little);
      chunks.push(...b);
    };
    for (const [code, value] of opts) {
      push16(code);
      push16(value.length);
      chunks.push(...value);
      while (chunks.length % 4) chunks.push(0);
    }
    push16(0);
    push16(0);
    return Uint8Array.from(chunks);
  }

  /** Section header; `little` switches this and following blocks' byte order. */
  section(little = this.little): this {
    this.little = little;
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, 0x1a2b3c4d, little);
    v.setUint16(4, 1, little);
    v.setUint16(6, 0, little);
    v.setInt32(8, -1, little);
    v.setInt32(12, -1, little);
    return this.block(0x0a0d0d0a, body);
  }

  /** Interface description; `tsresol` is the raw if_tsresol byte (6 = µs, 9 = ns, 0x80|n = 2^-n). */
  interface(linkType: number, tsresol?: number, snaplen = 262144, tsoffset?: number): this {
    const opts: Array<[number, Uint8Array]> = [[2, new TextEncoder().encode('eth0')]];
    if (tsresol !== undefined) opts.push([9, Uint8Array.of(tsresol)]);
    if (tsoffset !== undefined) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, BigInt(tsoffset), this.little);
      opts.push([14, b]);
    }
    const o = this.options(opts);
    const body = new Uint8Array(8 + o.length);
    const v = new DataView(body.buffer);
    v.setUint16(0, linkType, this.little);
    v.setUint32(4, snaplen, this.little);
    body.set(o, 8);
    return this.block(1, body);
  }

  /** Enhanced packet block; `units` is the timestamp in the interface's units. */
  enhanced(ifId: number, units: bigint, data: Uint8Array, originalLength = data.length): this {
    const padded = (data.length + 3) & ~3;
    const body = new Uint8Array(20 + padded);
    const v = new DataView(body.buffer);
    v.setUint32(0, ifId, this.little);
    v.setUint32(4, Number(units >> 32n), this.little);
    v.setUint32(8, Number(units & 0xffffffffn), this.little);
    v.setUint32(12, data.length, this.little);
    v.setUint32(16, originalLength, this.little);
    body.set(data, 20);
    return this.block(6, body);
  }

  obsolete(ifId: number, units: bigint, data: Uint8Array): this {
    const padded = (data.length + 3) & ~3;
    const body = new Uint8Array(20 + padded);
    const v = new DataView(body.buffer);
    v.setUint16(0, ifId, this.little);
    v.setUint32(4, Number(units >> 32n), this.little);
    v.setUint32(8, Number(units & 0xffffffffn), this.little);
    v.setUint32(12, data.length, this.little);
    v.setUint32(16, data.length, this.little);
    body.set(data, 20);
    return this.block(2, body);
  }

  simple(data: Uint8Array): this {
    const body = new Uint8Array(4 + ((data.length + 3) & ~3));
    new DataView(body.buffer).setUint32(0, data.length, this.little);
    body.set(data, 4);
    return this.block(3, body);
  }

  /** Any other block type, e.g. interface statistics (5) or something unknown. */
  other(type: number, body: Uint8Array): this {
    return this.block(type, body);
  }

  bytes(): Uint8Array {
    return Uint8Array.from(Buffer.concat(this.parts));
  }
}
