/**
 * How VRRP bytes leave and reach this host. The runtime encodes/decodes the VRRP message
 * itself (src/wire); a transport only carries the VRRP bytes and reports the IP facts the engine
 * needs (source, destination, TTL/hop limit, interface).
 */
import type { IpFamily } from '../wire/types.js';

export interface OutboundAdvert {
  iface: string;
  /**
   * The whole IP packet (src/wire buildAdvertPacket): IPv4 goes out as is (IP_HDRINCL); for IPv6
   * the kernel writes the header, so only the VRRP part after the 40-byte header is sent.
   */
  packet: Uint8Array;
  /** Destination: the multicast group or a unicast peer (must match the packet's). */
  dst: string;
}

export interface InboundAdvert {
  iface: string;
  /**
   * The whole IP packet as received (IPv4), or with a header put back in front (IPv6, whose raw
   * sockets hide it: then `verified` says the kernel already checked the VRRP checksum and
   * `ttlKnown` is false because the hop limit is not visible).
   */
  packet: Uint8Array;
  /** The source address as text; '' when the packet's IP header carries it (raw sockets: not made per packet). */
  src: string;
  ttlKnown: boolean;
  checksumVerified: boolean;
  /**
   * The listener's clock when the socket became readable, taken before anything else: the
   * engine's master-down timer runs from here (keepalived takes the time as epoll returns).
   */
  receivedAt: number;
}

/** Why a received packet never reached the decoder. */
export type DropReason = 'foreign-interface' | 'own-packet' | 'spoofed-source';

export type SendResult = { ok: true } | { ok: false; error: string };

export interface TransportListener {
  /** The clock received adverts are stamped with. */
  now(): number;
  /**
   * One received packet. Its bytes may be the transport's read buffer, and the InboundAdvert
   * itself the transport's, both reused for the next one: read them before returning (the engine
   * decodes them at once; the pcap writer copies).
   */
  advert(inbound: InboundAdvert): void;
  /**
   * After the last packet of a batch read at one wake-up (raw sockets): what waits for the batch
   * (re-arming the timer) is done once. A transport without batches need not call it.
   */
  batchEnd?(): void;
  dropped(iface: string, reason: DropReason, packet: Uint8Array): void;
  error(iface: string, message: string): void;
}

export interface Transport {
  readonly kind: 'raw' | 'udp';
  /** Sends one advert; failures (e.g. ENETUNREACH) are returned or reported, never thrown. */
  send(out: OutboundAdvert): SendResult;
  /**
   * Sends one advert at `at` (the listener's clock, performance.now()) without the caller waiting
   * (the native helper's sender thread); adverts for the same moment leave in the order given.
   * Absent where it cannot (UDP shim, a helper built before it had it).
   */
  sendAt?(out: OutboundAdvert, at: number, tag?: number): SendResult;
  /**
   * Takes back adverts queued by sendAt with `tag` (not 0) due at or after `from` that have not
   * left yet; how many. Absent where it cannot.
   */
  cancelScheduled?(tag: number, from: number): number;
  /** How many adverts queued by sendAt to leave at or before `at` have not left yet. */
  scheduledPending?(at: number): number;
  /**
   * Starts sending and receiving on an interface for a family it could not at start (IPv6 with no
   * link-local address then): when the address comes. Returns an error, never throws.
   */
  openFamily?(info: InterfaceInfo, family: 4 | 6): { ok: true } | { ok: false; error: string };
  /** Opens sockets on an interface that appeared (a VMAC; `info.sendOnly`: no reading); absent where it cannot. */
  addInterface?(info: InterfaceInfo, families: IpFamily[]): SendResult;
  /** Closes the sockets of an interface (a VMAC about to be removed). */
  removeInterface?(name: string): void;
  close(): void;
}

export interface InterfaceInfo {
  name: string;
  index: number;
  /** Primary IPv4 address (advert source), if any. */
  ipv4?: string;
  ipv4PrefixLength?: number;
  /** Link-local IPv6 address, if any. */
  ipv6?: string;
  mac?: string;
  /** Adverts are only sent here: no group is joined and nothing read is handed on. */
  sendOnly?: boolean;
}

/** Closes every socket of a transport; one that is already closed is fine. */
export function closeAll(sockets: Iterable<{ close(): unknown }>): void {
  for (const socket of sockets) {
    try {
      socket.close();
    } catch {
      // already closed
    }
  }
}
