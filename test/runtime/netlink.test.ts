import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeAcks, decodeAddressChanges, decodeAddressDump, encodeAddressDump, encodeAddressRequest, hasLinkChange, type DumpedAddress } from '../../src/runtime/netlink.js';
import { formatIpv4, formatIpv6 } from '../../src/wire/address.js';

/** The attributes of an ifaddr request, as type -> bytes (hex). */
function attributes(message: Uint8Array): Record<number, string> {
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  const found: Record<number, string> = {};
  for (let at = 24; at + 4 <= message.length; ) {
    const length = view.getUint16(at, true);
    found[view.getUint16(at + 2, true)] = Buffer.from(message.subarray(at + 4, at + length)).toString('hex');
    at += (length + 3) & ~3;
  }
  return found;
}

function ack(seq: number, errno: number): Uint8Array {
  const message = new Uint8Array(36);
  const view = new DataView(message.buffer);
  view.setUint32(0, 36, true);
  view.setUint16(4, 2, true); // NLMSG_ERROR
  view.setUint32(8, seq, true);
  view.setInt32(16, -errno, true);
  return message;
}

describe('rtnetlink address requests', () => {
  it('add an IPv4 VIP as `ip addr add 10.1.2.3/24 dev #7 broadcast + label eth0:1` does', () => {
    const message = encodeAddressRequest('add', { address: '10.1.2.3', prefixLength: 24, family: 4, broadcast: '+', label: 'eth0:1' }, 7, 42);
    if (typeof message === 'string') throw new Error(message);
    const view = new DataView(message.buffer);
    expect(view.getUint32(0, true)).toBe(message.length);
    expect(view.getUint16(4, true)).toBe(20); // RTM_NEWADDR
    expect(view.getUint16(6, true)).toBe(0x1 | 0x4 | 0x400 | 0x200); // REQUEST | ACK | CREATE | EXCL
    expect(view.getUint32(8, true)).toBe(42);
    expect([...message.subarray(16, 20)]).toEqual([2, 24, 0, 0]); // AF_INET, /24, no flags, scope global
    expect(view.getUint32(20, true)).toBe(7);
    expect(attributes(message)).toEqual({ 1: '0a010203', 2: '0a010203', 3: Buffer.from('eth0:1\0').toString('hex'), 4: '0a0102ff' });
  });

  it('add an IPv6 VIP with IFA_F_NODAD (keepalived) and remove one with only its address', () => {
    const add = encodeAddressRequest('add', { address: '2001:db8::7', prefixLength: 64, family: 6, scope: 'link' }, 3, 1);
    const del = encodeAddressRequest('del', { address: '2001:db8::7', prefixLength: 64, family: 6, label: 'ignored' }, 3, 2);
    if (typeof add === 'string' || typeof del === 'string') throw new Error('encode failed');
    expect([...add.subarray(16, 20)]).toEqual([10, 64, 0x02, 253]);
    expect(new DataView(del.buffer).getUint16(4, true)).toBe(21); // RTM_DELADDR
    expect(new DataView(del.buffer).getUint16(6, true)).toBe(0x1 | 0x4);
    expect(Object.keys(attributes(del))).toEqual(['1', '2']);
  });

  it('refuse what they cannot encode instead of sending something else', () => {
    expect(encodeAddressRequest('add', { address: '10.1.2', prefixLength: 24, family: 4 }, 1, 1)).toBe('bad address 10.1.2');
    expect(encodeAddressRequest('add', { address: '10.1.2.3', prefixLength: 24, family: 4, scope: 'galaxy' }, 1, 1)).toBe('unknown scope galaxy');
    expect(encodeAddressRequest('add', { address: '10.1.2.3', prefixLength: 24, family: 4, broadcast: 'x' }, 1, 1)).toBe('bad broadcast x');
  });
});

describe('rtnetlink answers', () => {
  it('give the sequence and errno of each acknowledgement in a datagram', () => {
    const both = new Uint8Array(72);
    both.set(ack(5, 0), 0);
    both.set(ack(6, 17), 36);
    expect(decodeAcks(both)).toEqual([{ seq: 5, errno: 0 }, { seq: 6, errno: 17 }]);
  });

  it('never throw and never read past the datagram, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        for (const a of decodeAcks(bytes)) expect(Number.isInteger(a.seq) && Number.isInteger(a.errno)).toBe(true);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 0, max: 36 }), (seq, errno, cut) => {
        const acks = decodeAcks(ack(seq, errno).subarray(0, cut));
        expect(acks).toEqual(cut === 36 ? [{ seq, errno }] : []);
      }),
    );
  });
});

/** A bare netlink message of `type` (its header, then zeros). */
const message = (type: number, length = 32): Uint8Array => {
  const bytes = new Uint8Array(length);
  new DataView(bytes.buffer).setUint32(0, length, true);
  new DataView(bytes.buffer).setUint16(4, type, true);
  return bytes;
};

describe('rtnetlink link notifications', () => {

  it('are found in a datagram, after other messages too', () => {
    expect(hasLinkChange(message(16))).toBe(true); // RTM_NEWLINK
    expect(hasLinkChange(message(17))).toBe(true); // RTM_DELLINK
    const both = new Uint8Array(68);
    both.set(ack(1, 0), 0);
    both.set(message(16), 36);
    expect(hasLinkChange(both)).toBe(true);
  });

  it('are not seen in acknowledgements, address messages or a cut-off datagram', () => {
    expect(hasLinkChange(ack(1, 0))).toBe(false);
    expect(hasLinkChange(message(20))).toBe(false); // RTM_NEWADDR
    expect(hasLinkChange(message(16).subarray(0, 20))).toBe(false);
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => typeof hasLinkChange(bytes) === 'boolean'), { numRuns: 5000 });
  });
});

/** An RTM_NEWADDR message as the kernel writes one: ifaddrmsg, then IFA_ADDRESS, IFA_LOCAL (IPv4) and IFA_FLAGS. */
function newAddress(a: { family: 4 | 6; ifindex: number; bytes: Uint8Array; prefixLength: number; scope: number; flags: number; seq: number; withLocal: boolean; flagsAttribute: boolean }): Uint8Array {
  const attributes: [number, Uint8Array][] = [[1, a.bytes]];
  if (a.withLocal) attributes.push([2, a.bytes]);
  if (a.flagsAttribute) {
    const flags = new Uint8Array(4);
    new DataView(flags.buffer).setUint32(0, a.flags, true);
    attributes.push([8, flags]);
  }
  const length = 24 + attributes.reduce((sum, [, data]) => sum + ((4 + data.length + 3) & ~3), 0);
  const message = new Uint8Array(length);
  const view = new DataView(message.buffer);
  view.setUint32(0, length, true);
  view.setUint16(4, 20, true); // RTM_NEWADDR
  view.setUint16(6, 0x2, true); // NLM_F_MULTI
  view.setUint32(8, a.seq, true);
  message.set([a.family === 4 ? 2 : 10, a.prefixLength, a.flagsAttribute ? a.flags & 0xff : a.flags, a.scope], 16);
  view.setUint32(20, a.ifindex, true);
  let at = 24;
  for (const [type, data] of attributes) {
    view.setUint16(at, 4 + data.length, true);
    view.setUint16(at + 2, type, true);
    message.set(data, at + 4);
    at += (4 + data.length + 3) & ~3;
  }
  return message;
}

function done(seq: number): Uint8Array {
  const message = new Uint8Array(20);
  new DataView(message.buffer).setUint32(0, 20, true);
  new DataView(message.buffer).setUint16(4, 3, true); // NLMSG_DONE
  new DataView(message.buffer).setUint32(8, seq, true);
  return message;
}

const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('rtnetlink address dump', () => {
  it('asks for every address of every interface, as `ip addr` does', () => {
    const request = encodeAddressDump(9);
    const view = new DataView(request.buffer);
    expect(view.getUint32(0, true)).toBe(24);
    expect(view.getUint16(4, true)).toBe(22); // RTM_GETADDR
    expect(view.getUint16(6, true)).toBe(0x1 | 0x300); // REQUEST | DUMP
    expect(view.getUint32(8, true)).toBe(9);
    expect([...request.subarray(16)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]); // AF_UNSPEC, every interface
  });

  it('gives back every address of the answer in order, secondary only for IPv4, and ends at NLMSG_DONE', () => {
    const address = fc.oneof(
      fc.record({ family: fc.constant(4 as const), raw: fc.integer({ min: 0, max: 0xffffffff }) }),
      fc.record({ family: fc.constant(6 as const), raw: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
    );
    const entry = fc.record({
      address,
      ifindex: fc.integer({ min: 1, max: 0xffffffff }),
      prefixLength: fc.integer({ min: 0, max: 128 }),
      scope: fc.constantFrom(0, 200, 253, 254),
      flags: fc.integer({ min: 0, max: 0x3ff }),
      withLocal: fc.boolean(),
      flagsAttribute: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 8 }), fc.integer({ min: 1, max: 0xffffffff }), (entries, seq) => {
        const expected: DumpedAddress[] = [];
        const parts = entries.map((e) => {
          const bytes = e.address.family === 4 ? new Uint8Array(4) : e.address.raw;
          if (e.address.family === 4) new DataView(bytes.buffer).setUint32(0, e.address.raw);
          const flags = e.flagsAttribute ? e.flags : e.flags & 0xff;
          expected.push({
            family: e.address.family,
            ifindex: e.ifindex,
            local: e.address.family === 4 ? formatIpv4(e.address.raw) : formatIpv6(bytes),
            prefixLength: e.prefixLength,
            scope: e.scope,
            secondary: e.address.family === 4 && (flags & 1) !== 0,
          });
          return newAddress({ family: e.address.family, ifindex: e.ifindex, bytes, prefixLength: e.prefixLength, scope: e.scope, flags, seq, withLocal: e.withLocal, flagsAttribute: e.flagsAttribute });
        });
        expect(decodeAddressDump(concat(parts), seq)).toEqual({ addresses: expected, done: false, errno: 0 });
        expect(decodeAddressDump(concat([...parts, done(seq)]), seq)).toEqual({ addresses: expected, done: true, errno: 0 });
        // Another request's messages are not this dump's.
        expect(decodeAddressDump(concat([...parts, done(seq)]), seq + 1 >>> 0 || 1).addresses).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });

  it('ends with the errno of an error answer', () => {
    expect(decodeAddressDump(ack(4, 1), 4)).toEqual({ addresses: [], done: true, errno: 1 });
  });

  it('never throws and never reads past the datagram, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: 3 }), (bytes, seq) => {
        const { addresses } = decodeAddressDump(bytes, seq);
        for (const a of addresses) expect(a.family === 4 || a.family === 6).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('rtnetlink address notifications', () => {
  it('reads an address added and one removed, with their interface, prefix length and scope, and nothing else', () => {
    const added = newAddress({ family: 4, ifindex: 3, bytes: Uint8Array.of(172, 16, 25, 1), prefixLength: 16, scope: 0, flags: 0, seq: 0, withLocal: true, flagsAttribute: false });
    const removed = newAddress({ family: 6, ifindex: 3, bytes: Uint8Array.from([0xfe, 0x80, ...new Array(13).fill(0), 1]), prefixLength: 64, scope: 253, flags: 0, seq: 0, withLocal: false, flagsAttribute: false });
    new DataView(removed.buffer).setUint16(4, 21, true); // RTM_DELADDR
    const link = ack(0, 0);
    new DataView(link.buffer).setUint16(4, 16, true); // RTM_NEWLINK
    expect(decodeAddressChanges(concat([added, link, removed]))).toEqual([
      { family: 4, ifindex: 3, local: '172.16.25.1', prefixLength: 16, scope: 0, secondary: false, present: true },
      { family: 6, ifindex: 3, local: 'fe80::1', prefixLength: 64, scope: 253, secondary: false, present: false },
    ]);
  });

  it('never throws on any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const change of decodeAddressChanges(bytes)) expect(typeof change.present).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});
