/**
 * Gratuitous ARP for IPv4 VIPs, the frame keepalived 2.2.7 writes (vrrp_arp.c, compared with the
 * reference captures): Ethernet broadcast from the interface's MAC, an ARP *request* whose sender
 * and target are both the VIP, sender MAC the interface's, target MAC ff:ff:ff:ff:ff:ff.
 * 42 bytes; the NIC pads it on the wire where it must.
 *
 * Written on an AF_PACKET socket (announce.ts), so a burst of garp_master_repeat frames leaves
 * back to back, as keepalived's does, with no child process.
 */
import { parseIpv4 } from '../wire/address.js';

const ETHERTYPE_ARP = 0x0806;
const ARPHRD_ETHER = 1;
const ETHERTYPE_IPV4 = 0x0800;
const ARPOP_REQUEST = 1;
export const GARP_FRAME_LENGTH = 42;

function macBytes(mac: string): number[] | null {
  const bytes = mac.split(':').map((h) => (/^[0-9a-f]{1,2}$/i.test(h) ? parseInt(h, 16) : NaN));
  return bytes.length === 6 && bytes.every(Number.isInteger) ? bytes : null;
}

/** The Ethernet frame of one gratuitous ARP; null for a bad address or MAC. */
export function buildGratuitousArp(vip: string, mac: string): Uint8Array | null {
  const address = parseIpv4(vip);
  const own = macBytes(mac);
  if (address === null || !own) return null;
  const frame = new Uint8Array(GARP_FRAME_LENGTH);
  const view = new DataView(frame.buffer);
  frame.fill(0xff, 0, 6); // Ethernet destination: broadcast
  frame.set(own, 6);
  view.setUint16(12, ETHERTYPE_ARP);
  view.setUint16(14, ARPHRD_ETHER);
  view.setUint16(16, ETHERTYPE_IPV4);
  frame[18] = 6; // hardware address length
  frame[19] = 4; // protocol address length
  view.setUint16(20, ARPOP_REQUEST);
  frame.set(own, 22); // sender MAC
  view.setUint32(28, address >>> 0); // sender IP: the VIP
  frame.fill(0xff, 32, 38); // target MAC, as keepalived sets it
  view.setUint32(38, address >>> 0); // target IP: the VIP
  return frame;
}
