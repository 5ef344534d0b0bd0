/**
 * VRRP over raw IP sockets (protocol 112), one socket per interface and family, set up the way
 * keepalived 2.2.7 sets up its own (vrrp_if.c open_vrrp_send_socket / open_vrrp_read_socket):
 *  - IPv4: IP_HDRINCL, the IP header written here (TOS 0xc0, TTL 255, chosen source address);
 *  - IP_MULTICAST_IF and IP_ADD_MEMBERSHIP with a struct ip_mreqn carrying the ifindex, so a
 *    namespace without a default route can still send to 224.0.0.18;
 *  - SO_BINDTODEVICE: only packets that arrived on the configured interface are read;
 *  - IP_MULTICAST_LOOP and IP_MULTICAST_ALL off;
 *  - IPv6: IPV6_CHECKSUM at offset 6 (the kernel computes and checks the VRRPv3 checksum),
 *    IPV6_MULTICAST_HOPS 255, IPV6_TCLASS 0xc0, IPV6_ADD_MEMBERSHIP ff02::12. No
 *    IPV6_UNICAST_HOPS: keepalived 2.2.7 sets none (without unicast_ttl), so its IPv6 unicast
 *    adverts leave with the kernel's default hop limit, 64 (lab, issue 23), and so do ours; every
 *    IPv6 advert carries its source address (IPV6_PKTINFO), as keepalived's
 *    vrrp_build_ancillary_data gives it: left to the kernel, a master's adverts left from its VIP
 *    once the VIP was on the interface (issue 23: 19 of 22 from fd44::100, not unicast_src_ip).
 * The sockets are native/vrrp_socket.c's (vrrp-socket.ts): recvmmsg gives each advert's kernel
 * receive time and, for IPv6, its hop limit and destination, every datagram of a wake-up in one
 * batch (the listener's batchEnd follows the last); sends are a sendto() at the call.
 * See native-notes/README.md (Raw sockets).
 */
import type { IpFamily } from '../wire/types.js';
import { parseIpv4 as parseIpv4Text, parseIpv6 as parseIpv6Text } from '../wire/address.js';
import { field as ipv6Field, IPV6_HEADER_LEN } from '../wire/ipv6.js';
import { PROTO_VRRP, VRRP_TOS, VRRP_TTL } from '../wire/ipv4.js';
import { intOption, loadVrrpSocket, VrrpSocket, type Datagram } from './vrrp-socket.js';
import { closeAll, type InboundAdvert, type InterfaceInfo, type OutboundAdvert, type SendResult, type Transport, type TransportListener } from './transport.js';

const IPPROTO_VRRP = PROTO_VRRP;
const IPV6_SRC = ipv6Field.SRC;
/** What a reused InboundAdvert holds between datagrams (not the last read buffer). */
const NO_BYTES = new Uint8Array(0);

// Linux <netinet/in.h>, <linux/in6.h>, <asm-generic/socket.h> values.
const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const SO_RCVBUF = 8;
const IPPROTO_IP = 0;
const IPPROTO_IPV6 = 41;
const IP_TOS = 1;
const IP_HDRINCL = 3;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IP_ADD_MEMBERSHIP = 35;
const IP_MULTICAST_ALL = 49;
const IPV6_CHECKSUM = 7;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_ADD_MEMBERSHIP = 20;
const IPV6_MULTICAST_ALL = 29;
const IPV6_TCLASS = 67;

/** struct ip_mreqn { in_addr multiaddr; in_addr address; int ifindex; } */
function ipMreqn(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(12);
  const address = group ? parseIpv4Text(group) : null;
  if (address !== null) b.writeUInt32BE(address >>> 0, 0);
  b.writeInt32LE(ifindex, 8);
  return b;
}

/** struct ipv6_mreq { in6_addr multiaddr; int ifindex; } */
function ipv6Mreq(group: string, ifindex: number): Buffer {
  const b = Buffer.alloc(20);
  const address = parseIpv6Text(group);
  if (address) b.set(address, 0);
  b.writeInt32LE(ifindex, 16);
  return b;
}

export interface RawTransportOptions {
  interfaces: InterfaceInfo[];
  /** Which families to open per interface. */
  families: IpFamily[];
  group4: string;
  group6: string;
  listener: TransportListener;
}

interface Channel {
  socket: VrrpSocket;
  info: InterfaceInfo;
  family: IpFamily;
  /**
   * What is handed to the listener, refilled for each datagram (InboundAdvert: read during the
   * call, keep nothing), and for IPv6 the buffer the header is rebuilt in with a view of it per
   * length: nothing is allocated per received advert (issue 15's soak, see runtime.ts).
   */
  inbound: InboundAdvert;
  rebuilt: Uint8Array | undefined;
  rebuiltView: Uint8Array | undefined;
}

export class RawTransport implements Transport {
  readonly kind = 'raw' as const;
  private channels = new Map<string, Channel>();

  private constructor(private readonly options: RawTransportOptions) {
    this.group6Bytes = parseIpv6Text(options.group6) ?? new Uint8Array(16);
  }

  /** Opens every socket or none: a setup failure (EPERM, ENODEV) is returned, never thrown. */
  static open(options: RawTransportOptions): { ok: true; transport: RawTransport } | { ok: false; error: string } {
    const loaded = loadVrrpSocket();
    if (!loaded.ok) return loaded;
    if (options.families.includes(6) && !VrrpSocket.canSendFromSource) {
      // A helper built before IPV6_PKTINFO sends would let the kernel pick each advert's source.
      return { ok: false, error: 'native/vrrp_socket was built from an older vrrplab (IPv6 adverts could not carry their source address): `npm rebuild vrrplab` rebuilds it' };
    }
    const transport = new RawTransport(options);
    for (const info of options.interfaces) {
      for (const family of options.families) {
        try {
          transport.openChannel(info, family);
        } catch (error) {
          // An interface with no IPv6 address yet (carrier still down at start) may refuse IPv6
          // options; it then has no IPv6 socket, as before. One that has an address must not.
          if (family === 6 && !info.ipv6) {
            transport.channels.get(`${info.name}/6`)?.socket.close();
            transport.channels.delete(`${info.name}/6`);
            continue;
          }
          transport.close();
          return { ok: false, error: `${info.name} (IPv${family}): ${(error as Error).message}` };
        }
      }
    }
    return { ok: true, transport };
  }

  openFamily(info: InterfaceInfo, family: IpFamily): { ok: true } | { ok: false; error: string } {
    if (this.channels.has(`${info.name}/${family}`)) return { ok: true };
    try {
      this.openChannel(info, family);
      return { ok: true };
    } catch (error) {
      this.channels.get(`${info.name}/${family}`)?.socket.close();
      this.channels.delete(`${info.name}/${family}`);
      return { ok: false, error: `${info.name} (IPv${family}): ${(error as Error).message}` };
    }
  }

  private openChannel(info: InterfaceInfo, family: IpFamily): void {
    const socket = VrrpSocket.open(family, IPPROTO_VRRP);
    const inbound: InboundAdvert = { iface: info.name, packet: NO_BYTES, src: '', ttlKnown: true, checksumVerified: false, receivedAt: 0 };
    const channel: Channel = { socket, info, family, inbound, rebuilt: undefined, rebuiltView: undefined };
    this.channels.set(`${info.name}/${family}`, channel);
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from(`${info.name}\0`));
    socket.setOption(SOL_SOCKET, SO_RCVBUF, intOption(1 << 20));
    if (family === 4) {
      socket.setOption(IPPROTO_IP, IP_HDRINCL, intOption(1));
      socket.setOption(IPPROTO_IP, IP_TOS, intOption(VRRP_TOS));
      socket.setOption(IPPROTO_IP, IP_MULTICAST_TTL, intOption(VRRP_TTL));
      socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, intOption(0));
      socket.setOption(IPPROTO_IP, IP_MULTICAST_ALL, intOption(0));
      socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn('', info.index));
      if (!info.sendOnly) socket.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(this.options.group4, info.index));
    } else {
      socket.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, intOption(6));
      socket.setOption(IPPROTO_IPV6, IPV6_TCLASS, intOption(VRRP_TOS));
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, intOption(VRRP_TTL));
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, intOption(0));
      try {
        socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_ALL, intOption(0));
      } catch {
        // Older kernels lack IPV6_MULTICAST_ALL; SO_BINDTODEVICE still limits what is read.
      }
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, intOption(info.index));
      if (!info.sendOnly) socket.setOption(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, ipv6Mreq(this.options.group6, info.index));
    }
    const { listener } = this.options;
    socket.start(
      () => listener.now(),
      (datagram) => this.receive(channel, datagram),
      (message) => listener.error(info.name, message),
      () => listener.batchEnd?.(),
    );
  }

  private receive(channel: Channel, datagram: Datagram): void {
    if (channel.info.sendOnly) return;
    const { packet, receivedAt } = datagram;
    const inbound = channel.inbound;
    inbound.receivedAt = receivedAt;
    if (channel.family === 4) {
      // A raw IPv4 socket returns the header; the decoder checks it (and the engine the TTL).
      // The bytes are the helper's read buffer: the listener reads them before returning.
      // Its header carries the source; a text copy is made only for a packet too short to (InboundAdvert.src).
      inbound.packet = packet;
      inbound.src = packet.length >= 20 ? '' : datagram.source;
      inbound.ttlKnown = true;
      inbound.checksumVerified = false;
      this.options.listener.advert(inbound);
      inbound.packet = NO_BYTES;
      return;
    }
    // IPv6: the kernel keeps the header but hands its facts over (recvmsg ancillary data); put
    // one back in front for the decoder and the pcap (as emitIpv6 writes it). The kernel checked the checksum.
    const length = IPV6_HEADER_LEN + packet.length;
    if (channel.rebuilt === undefined || channel.rebuilt.length < length) {
      channel.rebuilt = new Uint8Array(Math.max(length, IPV6_HEADER_LEN + 1024));
      channel.rebuiltView = undefined;
    }
    const full = channel.rebuilt;
    if (channel.rebuiltView?.length !== length) channel.rebuiltView = full.subarray(0, length);
    full[0] = 0x60;
    full[1] = 0;
    full[2] = 0;
    full[3] = 0;
    full[4] = packet.length >>> 8;
    full[5] = packet.length & 0xff;
    full[6] = IPPROTO_VRRP;
    full[7] = datagram.hopLimit ?? VRRP_TTL;
    const src = datagram.sourceBytes;
    const dst = datagram.destinationBytes ?? this.group6Bytes;
    if (src.length === 16 && dst.length === 16) {
      full.set(src, 8);
      full.set(dst, 24);
    } else {
      full.fill(0, 8, IPV6_HEADER_LEN);
      full.set(src.subarray(0, 16), 8);
      full.set(dst.subarray(0, 16), 24);
    }
    full.set(packet, IPV6_HEADER_LEN);
    inbound.packet = channel.rebuiltView;
    inbound.src = '';
    inbound.ttlKnown = datagram.hopLimit !== undefined;
    inbound.checksumVerified = true;
    this.options.listener.advert(inbound);
    inbound.packet = NO_BYTES;
  }

  private readonly group6Bytes: Uint8Array;

  readonly sendAt = VrrpSocket.canSendAt ? (out: OutboundAdvert, at: number, tag?: number): SendResult => this.send(out, at, tag) : undefined;

  readonly cancelScheduled = VrrpSocket.canCancel ? (tag: number, from: number): number => VrrpSocket.cancelScheduled(tag, from) : undefined;

  scheduledPending(at: number): number {
    return VrrpSocket.scheduledPending(at);
  }

  /** Sends now, or at `at` (performance.now()'s clock) on the helper's sender thread. */
  send(out: OutboundAdvert, at?: number, tag = 0): SendResult {
    const family: IpFamily = out.packet[0] >> 4 === 6 ? 6 : 4;
    const channel = this.channels.get(`${out.iface}/${family}`);
    if (!channel) return { ok: false, error: `no IPv${family} socket on ${out.iface}` };
    const wire = family === 4 ? out.packet : out.packet.subarray(IPV6_HEADER_LEN);
    const lower = out.dst.toLowerCase();
    const scope = family === 6 && (lower.startsWith('fe80') || lower.startsWith('ff02')) ? channel.info.index : 0;
    // IPv4's header (IP_HDRINCL) already names the source; IPv6's is the kernel's, told by IPV6_PKTINFO.
    const source = family === 6 ? out.packet.subarray(IPV6_SRC, IPV6_SRC + 16) : undefined;
    try {
      if (at === undefined) channel.socket.send(wire, out.dst, scope, source);
      else channel.socket.sendAt(wire, out.dst, scope, at, source, tag);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  addInterface(info: InterfaceInfo, families: IpFamily[]): SendResult {
    for (const family of families) {
      if (this.channels.has(`${info.name}/${family}`)) continue;
      try {
        this.openChannel(info, family);
      } catch (error) {
        this.removeInterface(info.name);
        return { ok: false, error: `${info.name} (IPv${family}): ${(error as Error).message}` };
      }
    }
    return { ok: true };
  }

  removeInterface(name: string): void {
    for (const family of [4, 6] as const) {
      const channel = this.channels.get(`${name}/${family}`);
      if (!channel) continue;
      closeAll([channel.socket]);
      this.channels.delete(`${name}/${family}`);
    }
  }

  close(): void {
    closeAll([...this.channels.values()].map((channel) => channel.socket));
    this.channels.clear();
  }
}
