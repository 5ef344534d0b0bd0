/**
 * Lab tier (root: raw sockets) for native/vrrp_socket.c through src/runtime/vrrp-socket.ts.
 * Traffic stays on loopback and uses IP protocol 253 (RFC 3692, for experiments), which nothing
 * else here speaks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { intOption, loadVrrpSocket, VrrpSocket, type Datagram } from '../../src/runtime/vrrp-socket.js';

const EXPERIMENT = 253;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;

const open: VrrpSocket[] = [];
afterEach(() => {
  for (const socket of open.splice(0)) socket.close();
});

function socket(family: 4 | 6): VrrpSocket {
  const loaded = loadVrrpSocket();
  expect(loaded).toEqual({ ok: true });
  const s = VrrpSocket.open(family, EXPERIMENT);
  open.push(s);
  return s;
}

/** What a test reads of a datagram, copied out during the call (the socket reuses the Datagram and its buffers). */
type Received = Pick<Datagram, 'source' | 'destination' | 'hopLimit' | 'receivedAt'> & { packet: Uint8Array };

/** Starts reading and resolves with the first datagram (and when JS got it), or rejects. */
function firstDatagram(receiver: VrrpSocket): Promise<{ datagram: Received; deliveredAt: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing received in 2 s')), 2000);
    receiver.start(
      () => performance.now(),
      (datagram) => {
        clearTimeout(timer);
        const { source, destination, hopLimit, receivedAt } = datagram;
        resolve({ datagram: { source, destination, hopLimit, receivedAt, packet: datagram.packet.slice() }, deliveredAt: performance.now() });
      },
      (message) => reject(new Error(message)),
    );
  });
}

describe('the native raw socket', () => {
  it('hands over an IPv4 datagram whole, with its source and the kernel receive time on our clock', async (ctx) => {
    requireLab(ctx);
    const receiver = socket(4);
    const sender = socket(4);
    const got = firstDatagram(receiver);
    const sentAt = performance.now();
    sender.send(new Uint8Array([0xde, 0xad, 0xbe, 0xef]), '127.0.0.1');
    const { datagram, deliveredAt } = await got;
    expect(datagram.source).toBe('127.0.0.1');
    expect(datagram.packet.length).toBe(24); // the IPv4 header comes with it
    expect(datagram.packet[0] >> 4).toBe(4);
    expect(datagram.packet[9]).toBe(EXPERIMENT);
    expect([...datagram.packet.subarray(20)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(datagram.hopLimit).toBeUndefined();
    // The kernel stamped it between our send and our reading it (1 µs for moving clocks over).
    expect(datagram.receivedAt).toBeGreaterThanOrEqual(sentAt - 0.001);
    expect(datagram.receivedAt).toBeLessThanOrEqual(deliveredAt);
  });

  it('reports the hop limit and destination of an IPv6 datagram, which the kernel keeps out of the payload', async (ctx) => {
    requireLab(ctx);
    const receiver = socket(6);
    const sender = socket(6);
    sender.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, intOption(7));
    const got = firstDatagram(receiver);
    sender.send(new Uint8Array([1, 2, 3]), '::1');
    const { datagram } = await got;
    expect([...datagram.packet]).toEqual([1, 2, 3]);
    expect(datagram).toMatchObject({ source: '::1', destination: '::1', hopLimit: 7 });
  });

  it('takes back a scheduled datagram by its tag before it leaves, and only that one: the others arrive, the taken one never does', async (ctx) => {
    requireLab(ctx);
    const receiver = socket(4);
    const sender = socket(4);
    const got: number[] = [];
    receiver.start(() => performance.now(), (datagram) => got.push(datagram.packet[20]), () => undefined);
    // A moment with a fraction of a nanosecond on the native clock: the cancel must find it all the same.
    const at = performance.now() + 150.3771234;
    sender.sendAt(new Uint8Array([1]), '127.0.0.1', 0, at, undefined, 7);
    sender.sendAt(new Uint8Array([2]), '127.0.0.1', 0, at, undefined, 0);
    sender.sendAt(new Uint8Array([3]), '127.0.0.1', 0, at + 0.5, undefined, 8);
    expect(VrrpSocket.cancelScheduled(0, at)).toBe(0);
    expect(VrrpSocket.cancelScheduled(8, at + 0.6)).toBe(0);
    expect(VrrpSocket.cancelScheduled(7, at)).toBe(1);
    expect(VrrpSocket.cancelScheduled(7, at)).toBe(0);
    expect(VrrpSocket.scheduledPending(at + 1)).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(VrrpSocket.scheduledPending(at + 1)).toBe(0);
    expect(got).toEqual([2, 3]);
  });

  it('throws the system error for a failed call instead of crashing, and closes twice without harm', (ctx) => {
    requireLab(ctx);
    const s = socket(4);
    expect(() => s.setOption(0, 0x7fff, intOption(1))).toThrow(/setsockopt: /);
    expect(() => s.send(new Uint8Array(4), 'not an address')).toThrow(/bad IPv4 address/);
    s.close();
    expect(() => s.send(new Uint8Array(4), '127.0.0.1')).toThrow(/Bad file descriptor/);
    expect(() => s.close()).not.toThrow();
  });

  it("sets glibc's mmap threshold for vrrplab run (issue 22) and refuses a size that is not a positive 32-bit count", () => {
    expect(loadVrrpSocket()).toEqual({ ok: true });
    expect(VrrpSocket.mallocMmapThreshold(16 * 1024)).toBe(true);
    // Errors come back as false, never as a crash: mallopt is never given these.
    for (const bad of [0, -1, 2 ** 31]) expect(VrrpSocket.mallocMmapThreshold(bad)).toBe(false);
  });
});
