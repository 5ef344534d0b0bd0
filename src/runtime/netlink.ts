/**
 * Virtual addresses over rtnetlink (RTM_NEWADDR / RTM_DELADDR), as keepalived 2.2.7's
 * vrrp_ipaddress.c sets them: no `ip` child process, so a VIP is on the interface within a
 * millisecond of the takeover advert instead of after a fork+exec.
 *
 * The request is what `ip addr add|del ADDR/LEN dev DEV [broadcast B] [scope S] [label L]` (and
 * `nodad` for IPv6, keepalived's IFA_F_NODAD) sends: IFA_LOCAL and IFA_ADDRESS both the address,
 * NLM_F_CREATE|NLM_F_EXCL on add, and an ACK asked for. keepalived treats "exists" on add and
 * "not there" on delete as done; so does this.
 */
import { endianness } from 'node:os';
import { getSystemErrorName } from 'node:util';
import type { VirtualAddress } from '../config/model.js';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6 } from '../wire/address.js';
import { interfaceIndex } from './sysfs.js';
import type { Outcome } from './system.js';
import { loadVrrpSocket, VrrpSocket } from './vrrp-socket.js';

// <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_addr.h>
const NLMSG_HDRLEN = 16;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
const RTM_NEWADDR = 20;
const RTM_DELADDR = 21;
const IFADDRMSG_LEN = 8;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_LABEL = 3;
const IFA_BROADCAST = 4;
const IFA_F_NODAD = 0x02;
const AF_INET = 2;
const AF_INET6 = 10;
const EEXIST = 17;
const EADDRNOTAVAIL = 99;
/** A request the kernel has not answered by then is reported as failed (it never should happen). */
const ANSWER_TIMEOUT_MS = 5000;

/** iproute2's scope names (rt_scopes); a number is taken as is. */
const SCOPES: Record<string, number> = { global: 0, universe: 0, site: 200, link: 253, host: 254, nowhere: 255 };

type VipSpec = Pick<VirtualAddress, 'address' | 'prefixLength' | 'family' | 'label' | 'scope' | 'broadcast'>;

const align4 = (n: number) => (n + 3) & ~3;
/** Netlink headers are in host byte order. */
const LE = endianness() === 'LE';

function addressBytes(vip: VipSpec): Uint8Array | null {
  if (vip.family === 6) return parseIpv6(vip.address);
  const v4 = parseIpv4(vip.address);
  if (v4 === null) return null;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, v4 >>> 0);
  return bytes;
}

/** `broadcast +` (host bits set), `-` (host bits clear) or an address, as iproute2 reads it. */
function broadcastBytes(vip: VipSpec, local: Uint8Array): Uint8Array | null {
  const text = vip.broadcast;
  if (!text || vip.family !== 4) return null;
  if (text !== '+' && text !== '-') return addressBytes({ ...vip, address: text });
  const address = new DataView(local.buffer, local.byteOffset).getUint32(0);
  const host = vip.prefixLength >= 32 ? 0 : 0xffffffff >>> vip.prefixLength;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, text === '+' ? (address | host) >>> 0 : (address & ~host) >>> 0);
  return bytes;
}

function scopeOf(vip: VipSpec): number | null {
  if (!vip.scope) return 0;
  if (/^\d+$/.test(vip.scope)) return Number(vip.scope) <= 255 ? Number(vip.scope) : null;
  return SCOPES[vip.scope] ?? null;
}

/** The RTM_NEWADDR / RTM_DELADDR request for one VIP; an error text for an address it cannot encode. */
export function encodeAddressRequest(verb: 'add' | 'del', vip: VipSpec, ifindex: number, seq: number): Uint8Array | string {
  const local = addressBytes(vip);
  if (!local) return `bad address ${vip.address}`;
  const scope = scopeOf(vip);
  if (scope === null) return `unknown scope ${vip.scope}`;
  const attributes: [number, Uint8Array][] = [[IFA_LOCAL, local], [IFA_ADDRESS, local]];
  if (verb === 'add') {
    const broadcast = broadcastBytes(vip, local);
    if (vip.broadcast && vip.family === 4 && !broadcast) return `bad broadcast ${vip.broadcast}`;
    if (broadcast) attributes.push([IFA_BROADCAST, broadcast]);
    if (vip.label && vip.family === 4) attributes.push([IFA_LABEL, new TextEncoder().encode(`${vip.label}\0`)]);
  }
  const length = NLMSG_HDRLEN + IFADDRMSG_LEN + attributes.reduce((sum, [, data]) => sum + align4(4 + data.length), 0);
  const message = new Uint8Array(length);
  const view = new DataView(message.buffer);
  // nlmsghdr
  view.setUint32(0, length, LE);
  view.setUint16(4, verb === 'add' ? RTM_NEWADDR : RTM_DELADDR, LE);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_ACK | (verb === 'add' ? NLM_F_CREATE | NLM_F_EXCL : 0), LE);
  view.setUint32(8, seq, LE);
  // ifaddrmsg
  message[16] = vip.family === 6 ? AF_INET6 : AF_INET;
  message[17] = vip.prefixLength;
  message[18] = verb === 'add' && vip.family === 6 ? IFA_F_NODAD : 0;
  message[19] = verb === 'add' ? scope : 0;
  view.setUint32(20, ifindex, LE);
  let at = NLMSG_HDRLEN + IFADDRMSG_LEN;
  for (const [type, data] of attributes) {
    view.setUint16(at, 4 + data.length, LE);
    view.setUint16(at + 2, type, LE);
    message.set(data, at + 4);
    at += align4(4 + data.length);
  }
  return message;
}

/** The whole messages of a netlink datagram, in order; a cut-off or malformed one ends it. */
function* messages(datagram: Uint8Array): Generator<{ type: number; at: number; length: number; view: DataView }> {
  const view = new DataView(datagram.buffer, datagram.byteOffset, datagram.byteLength);
  for (let at = 0; at + NLMSG_HDRLEN <= datagram.length; ) {
    const length = view.getUint32(at, LE);
    if (length < NLMSG_HDRLEN || at + length > datagram.length) return;
    yield { type: view.getUint16(at + 4, LE), at, length, view };
    at += align4(length);
  }
}

/** The (sequence, errno) of every NLMSG_ERROR (an ACK when errno is 0) in a netlink datagram. */
export function decodeAcks(datagram: Uint8Array): { seq: number; errno: number }[] {
  const acks: { seq: number; errno: number }[] = [];
  for (const { type, at, length, view } of messages(datagram)) {
    if (type === NLMSG_ERROR && length >= NLMSG_HDRLEN + 4) {
      acks.push({ seq: view.getUint32(at + 8, LE), errno: 0 - view.getInt32(at + NLMSG_HDRLEN, LE) });
    }
  }
  return acks;
}

/** One rtnetlink socket; requests are answered in the order sent, matched by sequence number. */
export class AddressChanger {
  private socket: VrrpSocket | undefined;
  private seq = 0;
  private readonly waiting = new Map<number, { done: (outcome: Outcome) => void; verb: 'add' | 'del'; timer: NodeJS.Timeout }>();

  add(vip: VirtualAddress, dev: string): Promise<Outcome> {
    return this.change('add', vip, dev);
  }

  remove(vip: VirtualAddress, dev: string): Promise<Outcome> {
    return this.change('del', vip, dev);
  }

  private change(verb: 'add' | 'del', vip: VipSpec, dev: string): Promise<Outcome> {
    const ifindex = interfaceIndex(dev);
    if (ifindex === undefined) return Promise.resolve({ ok: false, error: `Device "${dev}" does not exist.` });
    const seq = (this.seq = (this.seq + 1) >>> 0 || 1);
    const request = encodeAddressRequest(verb, vip, ifindex, seq);
    if (typeof request === 'string') return Promise.resolve({ ok: false, error: request });
    return new Promise((done) => {
      try {
        const socket = this.open();
        const timer = setTimeout(() => this.answer(seq, -1), ANSWER_TIMEOUT_MS);
        this.waiting.set(seq, { done, verb, timer });
        socket.send(request);
      } catch (error) {
        this.waiting.delete(seq);
        done({ ok: false, error: (error as Error).message });
      }
    });
  }

  private open(): VrrpSocket {
    if (this.socket) return this.socket;
    const loaded = loadVrrpSocket();
    if (!loaded.ok) throw new Error(loaded.error);
    const socket = VrrpSocket.openNetlink();
    socket.start(
      () => 0,
      (datagram) => {
        for (const ack of decodeAcks(datagram.packet)) this.answer(ack.seq, ack.errno);
      },
      () => {
        // A read error loses the answers in flight: their timers report them.
      },
    );
    this.socket = socket;
    return socket;
  }

  /** errno 0: done; -1: no answer in time. */
  private answer(seq: number, errno: number): void {
    const request = this.waiting.get(seq);
    if (!request) return;
    this.waiting.delete(seq);
    clearTimeout(request.timer);
    // keepalived: an address already there is set, one already gone is removed.
    if (errno === 0 || (request.verb === 'add' && errno === EEXIST) || (request.verb === 'del' && errno === EADDRNOTAVAIL)) {
      request.done({ ok: true });
      return;
    }
    request.done({ ok: false, error: errno < 0 ? 'no answer from the kernel' : `RTNETLINK answers: ${getSystemErrorName(-errno)}` });
  }

  close(): void {
    for (const seq of [...this.waiting.keys()]) this.answer(seq, -1);
    this.socket?.close();
    this.socket = undefined;
  }
}

// Reading an interface's addresses: one RTM_GETADDR dump, as `ip -j addr show dev DEV` sends.
const NLMSG_DONE = 3;
const NLM_F_DUMP = 0x300;
const RTM_GETADDR = 22;
const IFA_FLAGS = 8;
const IFA_F_SECONDARY = 0x01;

/** An address of an RTM_NEWADDR message, as `ip -j addr` shows it. */
export interface DumpedAddress {
  family: 4 | 6;
  ifindex: number;
  /** IFA_LOCAL, or IFA_ADDRESS without it (iproute2's "local"). */
  local: string;
  prefixLength: number;
  /** rtnetlink scope: 0 global, 253 link, 254 host. */
  scope: number;
  /** IFA_F_SECONDARY (IPv4 only: for IPv6 the bit means a temporary address). */
  secondary: boolean;
}

/** The RTM_GETADDR dump request for every address of every interface. */
export function encodeAddressDump(seq: number): Uint8Array {
  const message = new Uint8Array(NLMSG_HDRLEN + IFADDRMSG_LEN);
  const view = new DataView(message.buffer);
  view.setUint32(0, message.length, LE);
  view.setUint16(4, RTM_GETADDR, LE);
  view.setUint16(6, NLM_F_REQUEST | NLM_F_DUMP, LE);
  view.setUint32(8, seq, LE);
  // ifaddrmsg: AF_UNSPEC, every interface.
  return message;
}

/**
 * One datagram of the dump's answer (`seq`): its addresses, and whether it ends the dump
 * (NLMSG_DONE, or an error with its errno). Messages of other sequences are skipped; malformed
 * attributes end their message.
 */
export function decodeAddressDump(datagram: Uint8Array, seq: number): { addresses: DumpedAddress[]; done: boolean; errno: number } {
  const addresses: DumpedAddress[] = [];
  for (const { type, at, length, view } of messages(datagram)) {
    if (view.getUint32(at + 8, LE) !== seq) continue;
    if (type === NLMSG_DONE) return { addresses, done: true, errno: 0 };
    if (type === NLMSG_ERROR) return { addresses, done: true, errno: length >= NLMSG_HDRLEN + 4 ? 0 - view.getInt32(at + NLMSG_HDRLEN, LE) : -1 };
    if (type !== RTM_NEWADDR || length < NLMSG_HDRLEN + IFADDRMSG_LEN) continue;
    const ifa = at + NLMSG_HDRLEN;
    const familyCode = view.getUint8(ifa);
    if (familyCode !== AF_INET && familyCode !== AF_INET6) continue;
    const family = familyCode === AF_INET ? 4 : 6;
    let flags = view.getUint8(ifa + 2);
    let local: Uint8Array | undefined;
    let address: Uint8Array | undefined;
    const size = family === 4 ? 4 : 16;
    for (let a = ifa + IFADDRMSG_LEN; a + 4 <= at + length; ) {
      const attributeLength = view.getUint16(a, LE);
      if (attributeLength < 4 || a + attributeLength > at + length) break;
      const attributeType = view.getUint16(a + 2, LE) & 0x3fff;
      const data = datagram.subarray(a + 4, a + attributeLength);
      if (attributeType === IFA_LOCAL && data.length === size) local = data;
      else if (attributeType === IFA_ADDRESS && data.length === size) address = data;
      else if (attributeType === IFA_FLAGS && data.length === 4) flags = view.getUint32(a + 4, LE);
      a += align4(attributeLength);
    }
    const chosen = local ?? address;
    if (chosen === undefined) continue;
    addresses.push({
      family,
      ifindex: view.getUint32(ifa + 4, LE),
      local: family === 4 ? formatIpv4(new DataView(chosen.buffer, chosen.byteOffset).getUint32(0)) : formatIpv6(chosen),
      prefixLength: view.getUint8(ifa + 1),
      scope: view.getUint8(ifa + 3),
      secondary: family === 4 && (flags & IFA_F_SECONDARY) !== 0,
    });
  }
  return { addresses, done: false, errno: 0 };
}

/** A dump that is not over by then is reported as failed (it never should happen). */
const DUMP_TIMEOUT_MS = 2000;

/**
 * Every address of every interface, read over rtnetlink (the dump `ip addr` reads); undefined
 * when the native helper is not there.
 */
export function dumpAddresses(): Promise<{ ok: true; addresses: DumpedAddress[] } | { ok: false; error: string }> | undefined {
  if (!loadVrrpSocket().ok) return undefined;
  return new Promise((done) => {
    let socket: VrrpSocket | undefined;
    const addresses: DumpedAddress[] = [];
    const finish = (outcome: { ok: true; addresses: DumpedAddress[] } | { ok: false; error: string }): void => {
      clearTimeout(timer);
      socket?.close();
      socket = undefined;
      done(outcome);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'no answer from the kernel' }), DUMP_TIMEOUT_MS);
    try {
      socket = VrrpSocket.openNetlink();
      const seq = 1;
      socket.start(
        () => 0,
        (datagram) => {
          if (socket === undefined) return;
          const part = decodeAddressDump(datagram.packet, seq);
          for (const a of part.addresses) addresses.push(a);
          if (!part.done) return;
          finish(part.errno === 0 ? { ok: true, addresses } : { ok: false, error: `RTNETLINK answers: ${part.errno > 0 ? getSystemErrorName(-part.errno) : 'a cut-off error'}` });
        },
        (message) => finish({ ok: false, error: message }),
      );
      socket.send(encodeAddressDump(seq));
    } catch (error) {
      finish({ ok: false, error: (error as Error).message });
    }
  });
}

const RTMGRP_LINK = 0x1;
const RTMGRP_IPV4_IFADDR = 0x10;
const RTMGRP_IPV6_IFADDR = 0x100;
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;

/** Whether a netlink datagram holds a link notification (RTM_NEWLINK / RTM_DELLINK). */
export function hasLinkChange(datagram: Uint8Array): boolean {
  for (const { type } of messages(datagram)) if (type === RTM_NEWLINK || type === RTM_DELLINK) return true;
  return false;
}

/**
 * Whether a netlink datagram holds a new address (RTM_NEWADDR): an IPv6 link-local address appears
 * after the carrier, and keepalived hears it.
 */
export function hasNewAddress(datagram: Uint8Array): boolean {
  for (const { type } of messages(datagram)) if (type === RTM_NEWADDR) return true;
  return false;
}

/**
 * Calls `onChange` as soon as the kernel reports a link change (RTMGRP_LINK), as keepalived hears
 * of one; the caller reads the new state itself. A host without the native helper gets
 * undefined and keeps polling.
 */
export function watchLinks(onChange: () => void): { close(): void } | undefined {
  if (!loadVrrpSocket().ok) return undefined;
  try {
    const socket = VrrpSocket.openNetlink(RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR);
    socket.start(
      () => 0,
      (datagram) => {
        if (hasLinkChange(datagram.packet) || hasNewAddress(datagram.packet)) onChange();
      },
      () => {
        // ENOBUFS (notifications lost in a burst): look anyway.
        onChange();
      },
    );
    return socket;
  } catch {
    return undefined;
  }
}
