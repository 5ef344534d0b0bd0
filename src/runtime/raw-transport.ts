/**
 * VRRP over raw IP sockets (protocol 112), one socket per interface and family, set up the way
 * keepalived 2.2.7 sets up its own (vrrp_if.c open_vrrp_send_socket / open_vrrp_read_socket):
 *  - IPv4: IP_HDRINCL, the IP header written here (TOS 0xc0, TTL 255, chosen source address);
 *  - IP_MULTICAST_IF and IP_ADD_MEMBERSHIP with a struct ip_mreqn carrying the ifindex, so a
 *    namespace without a default route can still send to 224.0.0.18;
 *  - SO_BINDTODEVICE: only packets that arrived on the configured interface are read;
 *  - IP_MULTICAST_LOOP and IP_MULTICAST_ALL off;
 *  - IPv6: IPV6_CHECKSUM at offset 6 (the kernel computes and checks the VRRPv3 checksum),
 *    IPV6_MULTICAST_HOPS / IPV6_UNICAST_HOPS 255, IPV6_TCLASS 0xc0, IPV6_ADD_MEMBERSHIP ff02::12.
 * raw-socket exposes only setsockopt with raw numbers and recvfrom (no recvmsg), so the IPv6
 * hop limit of received packets is not visible: see native-notes/README.md (Raw sockets).
 */
import { createRequire } from 'node:module';
import type { IpFamily } from '../wire/types.js';
import { parseIpv4 as parseIpv4Text, parseIpv6 as parseIpv6Text, formatIpv4, readIpv4 } from '../wire/address.js';
import { IPV6_HEADER_LEN, emitIpv6 } from '../wire/ipv6.js';
import { PROTO_VRRP, VRRP_TOS, VRRP_TTL, field as ip4 } from '../wire/ipv4.js';
import { closeAll, type InterfaceInfo, type OutboundAdvert, type SendResult, type Transport, type TransportListener } from './transport.js';

const IPPROTO_VRRP = PROTO_VRRP;

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
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_ADD_MEMBERSHIP = 20;
const IPV6_MULTICAST_ALL = 29;
const IPV6_TCLASS = 67;

/** The slice of the raw-socket package this module uses. */
interface RawSocket {
  setOption(level: number, option: number, value: number | Buffer, length?: number): void;
  send(buffer: Buffer, offset: number, length: number, address: string, callback: (error: Error | null, bytes: number) => void): void;
  on(event: 'message', listener: (buffer: Buffer, source: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(options: { protocol: number; addressFamily: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv4: number; IPv6: number };
}

let rawModule: RawSocketModule | undefined;
/** Loads the native module on first use, so hosts without it can still run the UDP shim. */
export function loadRawSocket(): { ok: true; module: RawSocketModule } | { ok: false; error: string } {
  if (rawModule) return { ok: true, module: rawModule };
  try {
    rawModule = createRequire(import.meta.url)('raw-socket') as RawSocketModule;
    return { ok: true, module: rawModule };
  } catch (error) {
    return { ok: false, error: `raw-socket native module unavailable: ${(error as Error).message}` };
  }
}

function int(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(value);
  return b;
}

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
  socket: RawSocket;
  info: InterfaceInfo;
  family: IpFamily;
}

export class RawTransport implements Transport {
  readonly kind = 'raw' as const;
  private channels = new Map<string, Channel>();

  private constructor(private readonly options: RawTransportOptions) {}

  /** Opens every socket or none: a setup failure (EPERM, ENODEV) is returned, never thrown. */
  static open(options: RawTransportOptions): { ok: true; transport: RawTransport } | { ok: false; error: string } {
    const loaded = loadRawSocket();
    if (!loaded.ok) return loaded;
    const transport = new RawTransport(options);
    for (const info of options.interfaces) {
      for (const family of options.families) {
        if (family === 6 && !info.ipv6) continue;
        try {
          transport.openChannel(loaded.module, info, family);
        } catch (error) {
          transport.close();
          return { ok: false, error: `${info.name} (IPv${family}): ${(error as Error).message}` };
        }
      }
    }
    return { ok: true, transport };
  }

  private openChannel(mod: RawSocketModule, info: InterfaceInfo, family: IpFamily): void {
    const socket = mod.createSocket({
      protocol: IPPROTO_VRRP,
      addressFamily: family === 4 ? mod.AddressFamily.IPv4 : mod.AddressFamily.IPv6,
      bufferSize: 2048,
    });
    const channel: Channel = { socket, info, family };
    const name = Buffer.from(`${info.name}\0`);
    socket.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    socket.setOption(SOL_SOCKET, SO_RCVBUF, int(1 << 20), 4);
    if (family === 4) {
      socket.setOption(IPPROTO_IP, IP_HDRINCL, int(1), 4);
      socket.setOption(IPPROTO_IP, IP_TOS, int(VRRP_TOS), 4);
      socket.setOption(IPPROTO_IP, IP_MULTICAST_TTL, int(VRRP_TTL), 4);
      socket.setOption(IPPROTO_IP, IP_MULTICAST_LOOP, int(0), 4);
      socket.setOption(IPPROTO_IP, IP_MULTICAST_ALL, int(0), 4);
      socket.setOption(IPPROTO_IP, IP_MULTICAST_IF, ipMreqn('', info.index), 12);
      socket.setOption(IPPROTO_IP, IP_ADD_MEMBERSHIP, ipMreqn(this.options.group4, info.index), 12);
    } else {
      socket.setOption(IPPROTO_IPV6, IPV6_CHECKSUM, int(6), 4);
      socket.setOption(IPPROTO_IPV6, IPV6_TCLASS, int(VRRP_TOS), 4);
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int(VRRP_TTL), 4);
      socket.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, int(VRRP_TTL), 4);
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, int(0), 4);
      try {
        socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_ALL, int(0), 4);
      } catch {
        // Older kernels lack IPV6_MULTICAST_ALL; SO_BINDTODEVICE still limits what is read.
      }
      socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, int(info.index), 4);
      socket.setOption(IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, ipv6Mreq(this.options.group6, info.index), 20);
    }
    socket.on('message', (buffer, source) => this.receive(channel, new Uint8Array(buffer), source));
    socket.on('error', (error) => this.options.listener.error(info.name, error.message));
    this.channels.set(`${info.name}/${family}`, channel);
  }

  private receive(channel: Channel, packet: Uint8Array, source: string): void {
    const iface = channel.info.name;
    if (channel.family === 4) {
      // A raw IPv4 socket returns the header; the decoder checks it (and the engine the TTL).
      const src = packet.length >= 20 ? formatIpv4(readIpv4(packet, ip4.SRC)) : source;
      this.options.listener.advert({ iface, packet, src, ttlKnown: true, checksumVerified: false });
      return;
    }
    // IPv6: no header, no hop limit, no destination through recvfrom. Put a header back for the
    // decoder and pcap (destination assumed to be the group); the kernel checked the checksum.
    const src = source.split('%')[0];
    const full = new Uint8Array(IPV6_HEADER_LEN + packet.length);
    emitIpv6(
      {
        src: parseIpv6Text(src) ?? new Uint8Array(16),
        dst: parseIpv6Text(this.options.group6) ?? new Uint8Array(16),
        nextHeader: IPPROTO_VRRP,
        payloadLength: packet.length,
        hopLimit: VRRP_TTL,
      },
      full,
      0,
    );
    full.set(packet, IPV6_HEADER_LEN);
    this.options.listener.advert({ iface, packet: full, src, ttlKnown: false, checksumVerified: true });
  }

  send(out: OutboundAdvert): SendResult {
    const family: IpFamily = out.packet[0] >> 4 === 6 ? 6 : 4;
    const channel = this.channels.get(`${out.iface}/${family}`);
    if (!channel) return { ok: false, error: `no IPv${family} socket on ${out.iface}` };
    const wire = family === 4 ? out.packet : out.packet.subarray(IPV6_HEADER_LEN);
    const lower = out.dst.toLowerCase();
    const address = family === 6 && (lower.startsWith('fe80') || lower.startsWith('ff02')) ? `${out.dst}%${out.iface}` : out.dst;
    let failure: string | undefined;
    // raw-socket queues the request and sends when the fd is writable (normally at once).
    channel.socket.send(Buffer.from(wire.buffer, wire.byteOffset, wire.length), 0, wire.length, address, (error) => {
      if (error) {
        failure = error.message;
        this.options.listener.error(out.iface, `send to ${out.dst}: ${error.message}`);
      }
    });
    return failure ? { ok: false, error: failure } : { ok: true };
  }

  close(): void {
    closeAll([...this.channels.values()].map((channel) => channel.socket));
    this.channels.clear();
  }
}
