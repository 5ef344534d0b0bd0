import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ipPacketOf, linkPayloadOf } from '../../src/capture/link.js';
import type { CapturedFrame } from '../../src/capture/types.js';
import { ethernet, garpPayload, ipv6Packet, nullLoop, sll, sll2, vrrpIpv4 } from './craft.js';

function frame(linkType: number, data: Uint8Array): CapturedFrame {
  return { ts: 0, linkType, data, originalLength: data.length, fileOffset: 0 };
}

const v4 = vrrpIpv4({ src: '172.16.25.2', vrid: 51, priority: 103 });
const v6 = ipv6Packet(112, new Uint8Array(16));

describe('ipPacketOf', () => {
  const cases: Array<[string, number, Uint8Array, 4 | 6, number]> = [
    ['Ethernet, IPv4', 1, ethernet(v4, 0x0800), 4, 14],
    ['Ethernet, IPv6', 1, ethernet(v6, 0x86dd), 6, 14],
    ['Ethernet with an 802.1Q tag', 1, ethernet(v4, 0x0800, [0x8100]), 4, 18],
    ['Ethernet with 802.1ad QinQ tags', 1, ethernet(v4, 0x0800, [0x88a8, 0x8100]), 4, 22],
    ['Ethernet with old-style 0x9100 QinQ tags', 1, ethernet(v6, 0x86dd, [0x9100, 0x8100]), 6, 22],
    ['Linux cooked v1', 113, sll(v4, 0x0800), 4, 16],
    ['Linux cooked v1 with a VLAN tag', 113, sll(ethernet(v4, 0x0800, [0x8100]).subarray(14), 0x8100), 4, 20],
    ['Linux cooked v2', 276, sll2(v4, 0x0800), 4, 20],
    ['Linux cooked v2, IPv6', 276, sll2(v6, 0x86dd), 6, 20],
    ['raw IP (101), IPv4', 101, v4, 4, 0],
    ['raw IP (101), IPv6', 101, v6, 6, 0],
    ['DLT_RAW 12', 12, v4, 4, 0],
    ['DLT_RAW 14', 14, v6, 6, 0],
    ['LINKTYPE_IPV4 (228)', 228, v4, 4, 0],
    ['LINKTYPE_IPV6 (229)', 229, v6, 6, 0],
    ['BSD null/loopback, IPv4', 0, nullLoop(v4, 2), 4, 4],
    ['BSD null/loopback, IPv6', 0, nullLoop(v6, 30), 6, 4],
  ];
  for (const [name, linkType, data, family, offset] of cases) {
    it(`finds the IP packet in ${name}`, () => {
      expect(ipPacketOf(frame(linkType, data))).toEqual({ family, offset });
    });
  }

  it('finds no IP packet in an ARP frame but gives its payload', () => {
    const f = frame(1, ethernet(garpPayload('172.16.25.10'), 0x0806));
    expect(ipPacketOf(f)).toBeUndefined();
    expect(linkPayloadOf(f)).toEqual({ etherType: 0x0806, offset: 14 });
  });

  it('finds no IP packet when the EtherType says IPv4 but the version nibble does not', () => {
    expect(ipPacketOf(frame(1, ethernet(v6, 0x0800)))).toBeUndefined();
  });

  it('finds no IP packet for an unknown link type', () => {
    expect(ipPacketOf(frame(147, v4))).toBeUndefined();
  });

  it('never throws and never points outside the frame', () => {
    fc.assert(
      fc.property(fc.constantFrom(0, 1, 12, 14, 101, 108, 113, 228, 229, 276, 9999), fc.uint8Array({ maxLength: 64 }), (lt, bytes) => {
        const r = ipPacketOf(frame(lt, bytes));
        if (r) expect(r.offset).toBeLessThan(bytes.length);
      }),
    );
  });
});
