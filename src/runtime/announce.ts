/**
 * Telling the LAN where a VIP now lives: a gratuitous ARP for IPv4 (arp.ts) or an unsolicited
 * neighbour advertisement for IPv6 (ndisc.ts), each on a send-only socket of the native helper,
 * one per interface and kind, opened on first use.
 */
import { buildGratuitousArp } from './arp.js';
import { ALL_NODES, buildUnsolicitedNa, ipv6Forwarding, openNaSocket } from './ndisc.js';
import type { Outcome } from './system.js';
import { closeAll } from './transport.js';
import { loadVrrpSocket, VrrpSocket } from './vrrp-socket.js';

export class Announcer {
  private sockets = new Map<string, VrrpSocket>();

  /** One GARP or NA for `address` (the kind follows from it), from `mac` on `iface`. */
  announce(iface: string, ifindex: number, mac: string | undefined, address: string): Outcome {
    if (!mac) return { ok: false, error: `no link-layer address on ${iface}` };
    const v6 = address.includes(':');
    const message = v6 ? buildUnsolicitedNa(address, mac, ipv6Forwarding(iface)) : buildGratuitousArp(address, mac);
    if (!message) return { ok: false, error: `bad address ${address} or MAC ${mac}` };
    try {
      const key = `${iface}/${v6 ? 'na' : 'arp'}`;
      let socket = this.sockets.get(key);
      if (!socket) {
        const loaded = loadVrrpSocket();
        if (!loaded.ok) return loaded;
        socket = v6 ? openNaSocket(ifindex) : VrrpSocket.openPacket(ifindex);
        this.sockets.set(key, socket);
      }
      // A packet socket is bound to its interface and ignores the address.
      socket.send(message, v6 ? ALL_NODES : '', ifindex);
      return { ok: true };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }

  close(): void {
    closeAll(this.sockets.values());
    this.sockets.clear();
  }
}
