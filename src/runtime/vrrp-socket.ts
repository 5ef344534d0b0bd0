/**
 * The typed face of native/vrrp_socket.c: raw IP sockets that read with recvmmsg() (kernel receive
 * time, IPv6 hop limit and destination; every datagram of a wake-up in one call, into buffers
 * allocated once) and send with a plain sendto() at the call. Built by
 * `npm ci` (node-gyp, the package's install script); where it could not be built, loading
 * returns the reason and the runtime offers the UDP shim instead.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatIpv4, formatIpv6, parseIpv4, parseIpv6, readIpv4, writeIpv4 } from '../wire/address.js';

/** An open socket (opaque: only this module's functions use it). */
export type SocketHandle = { readonly __vrrpSocket: unique symbol };

type NativeCallback = (error: string | null, packet?: Buffer, source?: string, destination?: string, hopLimit?: number, receivedNs?: number) => void;

interface NativeModule {
  open(family: 4 | 6, protocol: number): SocketHandle;
  /** `protocol` (builds with `capturesFrames`): an Ethernet protocol to receive (ETH_P_ALL 3); 0 or absent, send-only. */
  openPacket(ifindex: number, protocol?: number): SocketHandle;
  /** True in builds whose openPacket takes a protocol and whose startBatch reads packet sockets. */
  capturesFrames?: boolean;
  openNetlink(groups: number, protocol?: number): SocketHandle;
  setOption(socket: SocketHandle, level: number, option: number, value: Buffer): void;
  /** Builds with `capturesQuietly`: attaches a classic BPF program (8-byte struct sock_filter entries, host order). */
  setFilter?(socket: SocketHandle, program: Buffer): void;
  /** True in builds with setFilter, startBatch's holdMs and the dropped count (record byte 56). */
  capturesQuietly?: boolean;
  start(socket: SocketHandle, callback: NativeCallback): void;
  /** Absent from builds before batched reads. */
  startBatch?(socket: SocketHandle, callback: (error: string | null, count?: number) => void, data: Buffer, meta: Buffer, holdMs?: number): void;
  /** `source`: an IPv6 socket's source address (16 bytes, IPV6_PKTINFO); builds without sendsFromSource ignore it. */
  send(socket: SocketHandle, data: Uint8Array, address: string, scopeId: number, source?: Uint8Array): number;
  /** Absent from builds before scheduled sends at absolute times. */
  sendAtTime?(socket: SocketHandle, data: Uint8Array, address: string, scopeId: number, monotonicNs: number, source?: Uint8Array, tag?: number): void;
  /** True in builds whose send and sendAtTime take an IPv6 source address. */
  sendsFromSource?: boolean;
  /** Absent from builds before cancellable scheduled sends. */
  sendAtCancel?(tag: number, fromNs: number): number;
  sendAtErrors?(): [number, number];
  sendAtPending?(monotonicNs: number): number;
  close(socket: SocketHandle): void;
  /** Absent from builds before it: glibc's malloc_trim(0). */
  trimMemory?(): boolean;
  /** Absent from builds before it: glibc's mallopt(M_MMAP_THRESHOLD, bytes). */
  mallocMmapThreshold?(bytes: number): boolean;
}

/**
 * One datagram as read. Raw IP sockets hand over the datagrams of one wake-up in one batch, each
 * in a Datagram object and buffers that the next datagram reuses: read it during the call, keep
 * nothing of it (copy what must outlive the call).
 */
export interface Datagram {
  /** IPv4: the whole packet, header included. IPv6: the payload only (the kernel keeps the header). */
  packet: Uint8Array;
  /** The source address, 4 bytes (IPv4) or 16 (IPv6). */
  sourceBytes: Uint8Array;
  /** IPv6 only (IPV6_PKTINFO), 16 bytes; undefined for IPv4, whose destination is in the header. */
  destinationBytes: Uint8Array | undefined;
  /** The source address as text (made when read). */
  readonly source: string;
  /** The destination as text; '' for IPv4 (made when read). */
  readonly destination: string;
  /** IPv6 only (IPV6_HOPLIMIT); undefined for IPv4, whose TTL is in the header. */
  hopLimit: number | undefined;
  /**
   * When the kernel received it (SO_TIMESTAMPNS), on the caller's clock: `now()` minus how long
   * ago that was on CLOCK_MONOTONIC (process.hrtime's clock).
   */
  receivedAt: number;
}

/** An `int` socket option value, as setsockopt(2) reads it (host byte order). */
export function intOption(value: number): Buffer {
  const b = Buffer.alloc(4);
  if (endianness() === 'LE') b.writeInt32LE(value);
  else b.writeInt32BE(value);
  return b;
}

/** linux/if_ether.h: every protocol, for a capture socket. */
const ETH_P_ALL = 3;

/** native/vrrp_socket.c: bytes per datagram slot and per record of what the kernel said of it. */
const MAX_PACKET = 4096;
const META_RECORD = 64;
/** Datagrams read per wake-up (one recvmmsg); more wait for the next loop turn. */
const BATCH = 64;

/** Marks the package root (in the repository and in the published package alike). */
const BINDING = join('native', 'binding.gyp');
/**
 * A kernel receive time older than this is not believed (then: now). 10 s, not less: a process held
 * up for seconds (SIGSTOP, a stalled VM) must still see when its queued adverts really arrived, or
 * a backup takes their silence for its master's (test/lab/runtime-stall.test.ts).
 */
const MAX_BELIEVED_AGE_MS = 10_000;

let loaded: NativeModule | undefined;

/**
 * Finds and loads the add-on once (src/runtime or dist/src/runtime, both under the package root),
 * through node-gyp-build: native/build/Release when it was built here (npm ci, npm rebuild), else
 * the prebuild the package carries for this platform (native/prebuilds/linux-x64/, made by
 * `npm pack`), so an install with scripts off still has it. Node-API: one build serves Node >= 20.
 */
export function loadVrrpSocket(): { ok: true } | { ok: false; error: string } {
  if (loaded) return { ok: true };
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 5; up++, dir = dirname(dir)) {
    if (!existsSync(join(dir, BINDING))) continue;
    const require = createRequire(import.meta.url);
    let path: string;
    try {
      path = (require('node-gyp-build') as { resolve(dir: string): string }).resolve(join(dir, 'native'));
    } catch {
      break;
    }
    try {
      loaded = require(path) as NativeModule;
      return { ok: true };
    } catch (error) {
      return { ok: false, error: `native/vrrp_socket could not be loaded: ${(error as Error).message}` };
    }
  }
  return {
    ok: false,
    error:
      'native/vrrp_socket is not built and the package has no prebuild for this platform ' +
      '(npm ci or `npm rebuild vrrplab` builds it; needs g++, make and python3); --transport udp works without it',
  };
}

/** The one Datagram of a batched socket, refilled for each datagram; addresses become text only when asked. */
class BatchDatagram implements Datagram {
  destinationBytes: Uint8Array | undefined = undefined;
  hopLimit: number | undefined = undefined;
  receivedAt = 0;

  constructor(
    public packet: Uint8Array,
    public sourceBytes: Uint8Array,
  ) {}

  get source(): string {
    return addressText(this.sourceBytes);
  }

  get destination(): string {
    return this.destinationBytes ? addressText(this.destinationBytes) : '';
  }
}

function addressText(bytes: Uint8Array): string {
  return bytes.length === 4 ? formatIpv4(readIpv4(bytes, 0)) : formatIpv6(bytes, 0);
}

let offsetNs: number | undefined;

/**
 * CLOCK_MONOTONIC (process.hrtime) minus performance.now(), in ns: both read libuv's hrtime, so
 * the difference is performance.timeOrigin and fixed; read once (the closest of a few pairs).
 */
function monotonicOffsetNs(): number {
  if (offsetNs !== undefined) return offsetNs;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const before = performance.now();
    const mono = Number(process.hrtime.bigint());
    const after = performance.now();
    if (after - before < best) {
      best = after - before;
      offsetNs = mono - ((before + after) / 2) * 1e6;
    }
  }
  return offsetNs as number;
}

/** When a datagram `ageMs` old (-1: unknown) was received, on the clock that reads `at` now. */
function believed(at: number, ageMs: number): number {
  return ageMs >= 0 && ageMs <= MAX_BELIEVED_AGE_MS ? at - ageMs : at;
}

/** An address the old per-datagram read gave as text, as bytes (empty when it does not parse). */
function addressBytes(text: string): Uint8Array {
  if (text.includes(':')) return parseIpv6(text) ?? new Uint8Array(16);
  const v4 = parseIpv4(text);
  const b = new Uint8Array(4);
  if (v4 !== null) writeIpv4(b, 0, v4);
  return b;
}

function native(): NativeModule {
  if (!loaded) throw new Error('loadVrrpSocket() first');
  return loaded;
}

/** A raw IP socket of one protocol. Every method throws on a system error (with its errno text). */
export class VrrpSocket {
  private closed = false;
  /** Capture sockets: frames the kernel dropped so far because the receive buffer was full (SO_RXQ_OVFL). */
  dropped = 0;

  private constructor(private readonly handle: SocketHandle, readonly family: 4 | 6 | 'packet' | 'capture' | 'netlink') {}

  static open(family: 4 | 6, protocol: number): VrrpSocket {
    return new VrrpSocket(native().open(family, protocol), family);
  }

  /** A send-only AF_PACKET socket on one interface: `send(frame)` writes a whole Ethernet frame. */
  static openPacket(ifindex: number): VrrpSocket {
    return new VrrpSocket(native().openPacket(ifindex), 'packet');
  }

  /**
   * A receive-only AF_PACKET socket on one interface for every frame of every protocol (ETH_P_ALL),
   * as tcpdump reads them: `start()` hands each whole Ethernet frame over, with its kernel receive
   * time (`vrrplab watch -i`; it never sends on it). Throws when this build lacks it (`canCapture`).
   * `start(..., holdMs)` on it batches wake-ups (see native startBatch); setFilter narrows what it gets.
   */
  static openCapture(ifindex: number): VrrpSocket {
    if (!VrrpSocket.canCapture) throw new Error('this build of native/vrrp_socket cannot capture frames (npm rebuild vrrplab)');
    return new VrrpSocket(native().openPacket(ifindex, ETH_P_ALL), 'capture');
  }

  /** Whether this build can open capture sockets (openCapture). */
  static get canCapture(): boolean {
    return native().capturesFrames === true;
  }

  /**
   * A NETLINK_ROUTE socket: `send(request)` goes to the kernel, `start()` reads its answers and
   * the notifications of the multicast `groups` (RTMGRP_* bits).
   */
  static openNetlink(groups = 0): VrrpSocket {
    return new VrrpSocket(native().openNetlink(groups), 'netlink');
  }

  /**
   * The kernel's process events (NETLINK_CONNECTOR, group CN_IDX_PROC), as keepalived's
   * track_process opens them: `send(PROC_CN_MCAST_LISTEN)` subscribes, `start()` reads the events.
   * A build without the protocol argument opens NETLINK_ROUTE instead: the caller sees no event.
   */
  static openProcessEvents(): VrrpSocket {
    return new VrrpSocket(native().openNetlink(1, 11), 'netlink');
  }

  setOption(level: number, option: number, value: Buffer): void {
    native().setOption(this.handle, level, option, value);
  }

  /** Whether this build has setFilter, start's holdMs and the dropped count (watch -i's quiet capture). */
  static get canCaptureQuietly(): boolean {
    return native().capturesQuietly === true && typeof native().setFilter === 'function';
  }

  /** Attaches a classic BPF program (SO_ATTACH_FILTER): 8-byte struct sock_filter entries in host byte order. */
  setFilter(program: Buffer): void {
    const setFilter = native().setFilter;
    if (!setFilter) throw new Error('this build of native/vrrp_socket has no setFilter (npm rebuild vrrplab)');
    setFilter(this.handle, program);
  }

  /**
   * Starts reading: every datagram, or a read error, reaches `onDatagram` / `onError`. Raw IP
   * sockets read every datagram of a wake-up at once (recvmmsg) and call `onBatchEnd` after the
   * last one; the Datagram and its bytes are only valid during the call (see Datagram).
   */
  start(now: () => number, onDatagram: (datagram: Datagram) => void, onError: (message: string) => void, onBatchEnd?: () => void, holdMs = 0): void {
    const mod = native();
    if ((this.family === 4 || this.family === 6 || this.family === 'capture') && mod.startBatch) {
      this.startBatch(mod.startBatch, now, onDatagram, onError, onBatchEnd, holdMs);
      return;
    }
    mod.start(this.handle, (error, packet, source, destination, hopLimit, receivedNs) => {
      if (error !== null || !packet) {
        onError(error ?? 'read failed');
        return;
      }
      const at = now();
      const ageMs = receivedNs === undefined || receivedNs < 0 ? -1 : (Number(process.hrtime.bigint()) - receivedNs) / 1e6;
      onDatagram({
        packet: new Uint8Array(packet.buffer, packet.byteOffset, packet.length),
        source: source ?? '',
        destination: destination ?? '',
        sourceBytes: addressBytes(source ?? ''),
        destinationBytes: destination ? addressBytes(destination) : undefined,
        hopLimit: hopLimit === undefined || hopLimit < 0 ? undefined : hopLimit,
        receivedAt: believed(at, ageMs),
      });
      onBatchEnd?.();
    });
  }

  private startBatch(
    startBatch: NonNullable<NativeModule['startBatch']>,
    now: () => number,
    onDatagram: (datagram: Datagram) => void,
    onError: (message: string) => void,
    onBatchEnd: (() => void) | undefined,
    holdMs: number,
  ): void {
    // Allocated once: the helper reads into them on every wake-up.
    const data = Buffer.alloc(BATCH * MAX_PACKET);
    const meta = Buffer.alloc(BATCH * META_RECORD);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
    const f64 = new Float64Array(meta.buffer, meta.byteOffset, meta.length / 8);
    const i32 = new Int32Array(meta.buffer, meta.byteOffset, meta.length / 4);
    // A capture socket's frames carry their own addresses; its slots' source bytes stay zero.
    const sourceLength = this.family === 4 ? 4 : 16;
    const sources: Uint8Array[] = [];
    const destinations: Uint8Array[] = [];
    for (let i = 0; i < BATCH; i++) {
      sources.push(new Uint8Array(meta.buffer, meta.byteOffset + i * META_RECORD + 24, sourceLength));
      destinations.push(new Uint8Array(meta.buffer, meta.byteOffset + i * META_RECORD + 40, 16));
    }
    // Each slot's view of its datagram, made again only when the length changes: a master's
    // adverts are all one length, so a backup reading 255 a second makes none (issue 15's soak).
    const views: Uint8Array[] = [];
    for (let i = 0; i < BATCH; i++) views.push(bytes.subarray(i * MAX_PACKET, i * MAX_PACKET));
    const datagram = new BatchDatagram(bytes, sources[0]);
    const u32 = new Uint32Array(meta.buffer, meta.byteOffset, meta.length / 4);
    const capture = this.family === 'capture';
    const onBatch = (error: string | null, count?: number): void => {
      if (error !== null || count === undefined) {
        onError(error ?? 'read failed');
        return;
      }
      const at = now();
      // CLOCK_MONOTONIC as process.hrtime.bigint() reads it, without a BigInt per wake-up.
      const monotonicNs = performance.now() * 1e6 + monotonicOffsetNs();
      // The kernel's drop count so far, on every frame (0 until the first drop): the last is the latest.
      if (capture && count > 0) this.dropped = Math.max(this.dropped, u32[(count - 1) * (META_RECORD / 4) + 14]);
      try {
        for (let i = 0; i < count; i++) {
          const f = i * (META_RECORD / 8);
          const n = i * (META_RECORD / 4);
          const receivedNs = f64[f];
          const hopLimit = i32[n + 4];
          const offset = i32[n + 2];
          const length = i32[n + 3];
          let view = views[i];
          if (view.byteOffset !== data.byteOffset + offset || view.length !== length) view = views[i] = bytes.subarray(offset, offset + length);
          datagram.packet = view;
          datagram.sourceBytes = sources[i];
          datagram.destinationBytes = i32[n + 5] === 1 ? destinations[i] : undefined;
          datagram.hopLimit = hopLimit < 0 ? undefined : hopLimit;
          datagram.receivedAt = believed(at, receivedNs < 0 ? -1 : (monotonicNs - receivedNs) / 1e6);
          onDatagram(datagram);
        }
      } finally {
        onBatchEnd?.();
      }
    };
    // run's raw IP sockets: no hold (one read per wake-up, at once), the call as before.
    if (holdMs > 0) startBatch(this.handle, onBatch, data, meta, holdMs);
    else startBatch(this.handle, onBatch, data, meta);
  }

  /**
   * Sends now (sendto on a non-blocking socket); `scopeId` is the interface index for link-local
   * IPv6. Packet and netlink sockets ignore both. `source` (IPv6 sockets, 16 bytes): the address
   * the datagram leaves from, as keepalived gives each IPv6 advert its instance's (IPV6_PKTINFO);
   * all zeros or absent, the kernel picks one.
   */
  send(data: Uint8Array, address = '', scopeId = 0, source?: Uint8Array): void {
    if (source === undefined) native().send(this.handle, data, address, scopeId);
    else native().send(this.handle, data, address, scopeId, source);
  }

  /** Whether this build sends IPv6 datagrams from a given source address (send's and sendAt's `source`). */
  static get canSendFromSource(): boolean {
    return native().sendsFromSource === true;
  }

  /** Whether this build can schedule sends (sendAt). */
  static get canSendAt(): boolean {
    return typeof native().sendAtTime === 'function';
  }

  /**
   * Queues a datagram to leave at `at` (performance.now()'s clock, ms), sent by the helper's sender
   * thread at that moment on CLOCK_MONOTONIC, whatever the JS thread is doing then (raw IP sockets
   * only). Datagrams queued for the same moment leave in the order they were queued.
   */
  sendAt(data: Uint8Array, address: string, scopeId: number, at: number, source?: Uint8Array, tag = 0): void {
    const sendAtTime = native().sendAtTime;
    if (!sendAtTime) throw new Error('this build of native/vrrp_socket has no sendAtTime');
    sendAtTime(this.handle, data, address, scopeId, at * 1e6 + monotonicOffsetNs(), source, tag);
  }

  /** Whether this build can take scheduled datagrams back (cancelScheduled). */
  static get canCancel(): boolean {
    return typeof native().sendAtCancel === 'function';
  }

  /**
   * Takes back the datagrams queued with `tag` (not 0) due at or after `from` (performance.now()'s
   * clock) that have not left yet; how many. One the sender thread is already spinning on leaves.
   */
  static cancelScheduled(tag: number, from: number): number {
    return native().sendAtCancel?.(tag, from * 1e6 + monotonicOffsetNs()) ?? 0;
  }

  /** Scheduled datagrams due at or before `at` (performance.now()'s clock) that have not left yet. */
  static scheduledPending(at: number): number {
    return native().sendAtPending?.(at * 1e6 + monotonicOffsetNs()) ?? 0;
  }

  /** Scheduled sends that failed so far, and the errno of the last one. */
  static scheduledErrors(): { count: number; errno: number } {
    const [count, errno] = native().sendAtErrors?.() ?? [0, 0];
    return { count, errno };
  }

  /**
   * Hands the free memory of the malloc arenas back to the kernel (glibc's malloc_trim); whether
   * any was. False without the helper or without glibc.
   */
  static trimMemory(): boolean {
    try {
      return native().trimMemory?.() ?? false;
    } catch {
      return false;
    }
  }

  /**
   * Allocations of at least `bytes` get a mapping of their own, given back when freed (glibc's
   * M_MMAP_THRESHOLD); whether it was set. False without the helper or without glibc.
   */
  static mallocMmapThreshold(bytes: number): boolean {
    try {
      return native().mallocMmapThreshold?.(bytes) ?? false;
    } catch {
      return false;
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native().close(this.handle);
  }
}
