/**
 * Link-layer framing: where the network-layer packet starts inside a captured frame.
 *
 * Ethernet (with any number of 802.1Q / 802.1ad / QinQ tags), Linux cooked capture v1 and v2,
 * raw IP (LINKTYPE_RAW 101, IPV4 228, IPV6 229 and the DLT_RAW values 12 and 14) and BSD
 * null/loopback (0, 108). Pure functions over the frame's bytes; nothing is copied.
 */
import type { CapturedFrame } from './types.js';

export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_DLT12: 12,
  RAW_DLT14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  QINQ: 0x88a8,
  QINQ_OLD1: 0x9100,
  QINQ_OLD2: 0x9200,
  IPV6: 0x86dd,
} as const;

/** The network-layer payload of a frame: its EtherType (synthesised for raw IP) and where it starts. */
export interface LinkPayload {
  etherType: number;
  offset: number;
}

/** Locate the network-layer payload of a frame, or undefined for link types and framings we do not know. */
export function linkPayloadOf(frame: CapturedFrame): LinkPayload | undefined {
  const out: LinkPayload = { etherType: 0, offset: 0 };
  return locateLinkPayload(frame.linkType, frame.data, out) ? out : undefined;
}

/** Allocation-free form of `linkPayloadOf` for hot loops: fills `out`, returns false when there is no payload. */
export function locateLinkPayload(linkType: number, data: Uint8Array, out: LinkPayload): boolean {
  return locateLinkPayloadIn(linkType, data, 0, data.length, out);
}

/**
 * `locateLinkPayload` for a frame held in place, `bytes[start..end)` (a capture reader's buffer):
 * `out.offset` is an index into `bytes`.
 */
export function locateLinkPayloadIn(linkType: number, bytes: Uint8Array, start: number, end: number, out: LinkPayload): boolean {
  let type: number;
  let at: number;
  switch (linkType) {
    case LINKTYPE.ETHERNET:
      at = start + 12;
      break;
    case LINKTYPE.LINUX_SLL: // 16-byte header, protocol type at 14
      at = start + 14;
      break;
    case LINKTYPE.LINUX_SLL2: {
      // 20-byte header with the protocol type at 0; an unstripped VLAN tag follows the header.
      if (end - start < 20) return false;
      type = (bytes[start] << 8) | bytes[start + 1];
      if (!isTag(type)) {
        out.etherType = type;
        out.offset = start + 20;
        return true;
      }
      at = start + 22;
      break;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT12:
    case LINKTYPE.RAW_DLT14:
      return byVersion(bytes, start, end, out);
    case LINKTYPE.IPV4:
      out.etherType = ETHERTYPE.IPV4;
      out.offset = start;
      return true;
    case LINKTYPE.IPV6:
      out.etherType = ETHERTYPE.IPV6;
      out.offset = start;
      return true;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP:
      // A 4-byte address family in the writer's byte order (NULL) or network order (LOOP); the
      // values differ between systems for IPv6, so trust the IP version nibble instead.
      return byVersion(bytes, start + 4, end, out);
    default:
      return false;
  }
  // Skip VLAN tags: each is 4 bytes (tag type + TCI) before the next EtherType.
  for (;;) {
    if (at + 2 > end) return false;
    type = (bytes[at] << 8) | bytes[at + 1];
    if (!isTag(type)) break;
    at += 4;
  }
  out.etherType = type;
  out.offset = at + 2;
  return true;
}

function isTag(type: number): boolean {
  return type === ETHERTYPE.VLAN || type === ETHERTYPE.QINQ || type === ETHERTYPE.QINQ_OLD1 || type === ETHERTYPE.QINQ_OLD2;
}

function byVersion(data: Uint8Array, offset: number, end: number, out: LinkPayload): boolean {
  if (offset >= end) return false;
  const version = data[offset] >> 4;
  if (version !== 4 && version !== 6) return false;
  out.etherType = version === 4 ? ETHERTYPE.IPV4 : ETHERTYPE.IPV6;
  out.offset = offset;
  return true;
}

/** Locate the IP packet inside a frame: its family and byte offset, or undefined when there is none. */
export function ipPacketOf(frame: CapturedFrame): { family: 4 | 6; offset: number } | undefined {
  const p = linkPayloadOf(frame);
  if (p === undefined || p.offset >= frame.data.length) return undefined;
  const version = frame.data[p.offset] >> 4;
  if (p.etherType === ETHERTYPE.IPV4 && version === 4) return { family: 4, offset: p.offset };
  if (p.etherType === ETHERTYPE.IPV6 && version === 6) return { family: 6, offset: p.offset };
  return undefined;
}
