/**
 * UDP multicast shim: the same VRRP bytes, carried in UDP to a configurable group and port, for
 * hosts where raw sockets are not allowed (containers, CI without CAP_NET_RAW). Two shim hosts
 * interoperate; keepalived does not speak this and never will see these packets.
 *
 * Each datagram carries the whole IPv4 packet of the advert (header built by src/wire, TTL 255),
 * so the receiver decodes exactly what the raw transport would have seen. The outer UDP TTL is
 * not visible to Node's dgram: the shim sends with multicast TTL 1 so nothing leaves the link.
 * A datagram whose inner source differs from the UDP source is dropped (`spoofed-source`), and
 * so is one from outside the interface's IPv4 subnet (`foreign-interface`). IPv4 only.
 */
import dgram from 'node:dgram';
import { formatIpv4, parseIpv4, readIpv4 } from '../wire/address.js';
import { field as ip4 } from '../wire/ipv4.js';
import { closeAll, type InterfaceInfo, type OutboundAdvert, type SendResult, type Transport, type TransportListener } from './transport.js';

export const DEFAULT_UDP_GROUP = '239.255.18.112';
export const DEFAULT_UDP_PORT = 11200;

export interface UdpTransportOptions {
  interfaces: InterfaceInfo[];
  group: string;
  port: number;
  listener: TransportListener;
}

export function sameSubnet(a: string, b: string, prefix: number): boolean {
  const x = parseIpv4(a);
  const y = parseIpv4(b);
  if (x === null || y === null) return false;
  if (prefix <= 0) return true;
  const mask = prefix >= 32 ? 0xffffffff : ~((1 << (32 - prefix)) - 1) >>> 0;
  return ((x & mask) >>> 0) === ((y & mask) >>> 0);
}

export class UdpTransport implements Transport {
  readonly kind = 'udp' as const;
  private sockets = new Map<string, dgram.Socket>();

  private constructor(private readonly options: UdpTransportOptions) {}

  static async open(options: UdpTransportOptions): Promise<{ ok: true; transport: UdpTransport } | { ok: false; error: string }> {
    const transport = new UdpTransport(options);
    for (const info of options.interfaces) {
      if (!info.ipv4) {
        transport.close();
        return { ok: false, error: `${info.name} has no IPv4 address (the UDP shim is IPv4 only)` };
      }
      const opened = await transport.openOne(info);
      if (!opened.ok) {
        transport.close();
        return opened;
      }
    }
    return { ok: true, transport };
  }

  private openOne(info: InterfaceInfo): Promise<{ ok: true } | { ok: false; error: string }> {
    const { group, port, listener } = this.options;
    const socket = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    return new Promise((resolve) => {
      socket.once('error', (error) => resolve({ ok: false, error: `${info.name}: ${error.message}` }));
      socket.bind(port, () => {
        try {
          socket.addMembership(group, info.ipv4);
          socket.setMulticastInterface(info.ipv4 as string);
          socket.setMulticastTTL(1);
          socket.setMulticastLoopback(false);
        } catch (error) {
          socket.close();
          resolve({ ok: false, error: `${info.name}: ${(error as Error).message}` });
          return;
        }
        socket.removeAllListeners('error');
        socket.on('error', (error) => listener.error(info.name, error.message));
        socket.on('message', (msg, rinfo) => {
          const receivedAt = listener.now();
          const packet = new Uint8Array(msg);
          if (rinfo.address === info.ipv4) {
            listener.dropped(info.name, 'own-packet', packet);
            return;
          }
          if (info.ipv4PrefixLength !== undefined && !sameSubnet(rinfo.address, info.ipv4 as string, info.ipv4PrefixLength)) {
            listener.dropped(info.name, 'foreign-interface', packet);
            return;
          }
          if (packet.length >= 20 && formatIpv4(readIpv4(packet, ip4.SRC)) !== rinfo.address) {
            listener.dropped(info.name, 'spoofed-source', packet);
            return;
          }
          listener.advert({ iface: info.name, packet, src: rinfo.address, ttlKnown: true, checksumVerified: false, receivedAt });
        });
        this.sockets.set(info.name, socket);
        resolve({ ok: true });
      });
    });
  }

  send(out: OutboundAdvert): SendResult {
    const socket = this.sockets.get(out.iface);
    if (!socket) return { ok: false, error: `no UDP shim socket on ${out.iface}` };
    if (out.packet[0] >> 4 !== 4) return { ok: false, error: 'the UDP shim carries IPv4 VRRP only' };
    // Multicast adverts go to the shim's group; unicast peers get the shim port directly.
    const firstOctet = Number(out.dst.split('.')[0]);
    const dst = firstOctet >= 224 && firstOctet <= 239 ? this.options.group : out.dst;
    socket.send(out.packet, this.options.port, dst, (error) => {
      if (error) this.options.listener.error(out.iface, `send to ${dst}: ${error.message}`);
    });
    return { ok: true };
  }

  close(): void {
    closeAll(this.sockets.values());
    this.sockets.clear();
  }
}
