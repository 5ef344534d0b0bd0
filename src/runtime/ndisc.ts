/**
 * Unsolicited neighbour advertisements for IPv6 VIPs (the IPv6 counterpart of a gratuitous ARP,
 * keepalived's vrrp_ndisc.c): ICMPv6 type 136 to ff02::1, hop limit 255, Override flag set,
 * Router flag when the interface forwards IPv6, target = the VIP, and a target link-layer
 * address option with the interface's MAC.
 *
 * Sent through an ICMPv6 raw socket (native/vrrp_socket.c, never read): the kernel computes the ICMPv6
 * checksum. Difference from keepalived, which writes the whole frame on a packet socket: the
 * IPv6 source is the kernel's choice (the interface's link-local address), not the VIP; receivers
 * update their neighbour cache from the target and its link-layer option either way.
 */
import { readFileSync } from 'node:fs';
import { parseIpv6 } from '../wire/address.js';
import { intOption, VrrpSocket } from './vrrp-socket.js';

const IPPROTO_ICMPV6 = 58;
const IPPROTO_IPV6 = 41;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const ND_NEIGHBOR_ADVERT = 136;
const ND_NA_FLAG_ROUTER = 0x80;
const ND_NA_FLAG_OVERRIDE = 0x20;
const ND_OPT_TARGET_LINKADDR = 2;
const NA_LENGTH = 32;

/** The ICMPv6 message (checksum left 0 for the kernel); null for a bad address or MAC. */
export function buildUnsolicitedNa(target: string, mac: string, router: boolean): Uint8Array | null {
  const address = parseIpv6(target);
  const macBytes = mac.split(':').map((h) => parseInt(h, 16));
  if (!address || macBytes.length !== 6 || macBytes.some((b) => !Number.isInteger(b) || b < 0 || b > 255)) return null;
  const na = new Uint8Array(NA_LENGTH);
  na[0] = ND_NEIGHBOR_ADVERT;
  na[4] = ND_NA_FLAG_OVERRIDE | (router ? ND_NA_FLAG_ROUTER : 0);
  na.set(address, 8);
  na[24] = ND_OPT_TARGET_LINKADDR;
  na[25] = 1; // option length in units of 8 bytes
  na.set(macBytes, 26);
  return na;
}

/** Whether the interface forwards IPv6 (the NA's Router flag). */
export function ipv6Forwarding(iface: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${iface}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/** A send-only ICMPv6 socket for unsolicited NAs on one interface (never started: reads nothing). */
export function openNaSocket(ifindex: number): VrrpSocket {
  const socket = VrrpSocket.open(6, IPPROTO_ICMPV6);
  try {
    socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, intOption(255));
    socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, intOption(ifindex));
    socket.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, intOption(0));
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/** All-nodes: where an unsolicited NA goes (RFC 4861 7.2.6). */
export const ALL_NODES = 'ff02::1';
