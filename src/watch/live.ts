/**
 * `vrrplab watch -i IFACE`: frames read off one interface with the native helper's capture socket
 * (AF_PACKET, every protocol, receive-only: watch never sends), handed to the Watcher with their
 * kernel receive time; the time is ticked every TICK_MS so silence is noticed without packets.
 *
 * What it costs on a busy link (issue 21, bench/watch.ts): the kernel keeps back every frame the
 * Watcher has no use for (filter.ts, a classic BPF program on the socket), and frames are read
 * HOLD_MS at a time: the first after a quiet spell at once, then the socket rests HOLD_MS and a
 * timer drains what came meanwhile (native startBatch's hold), so a flood costs ~1000/HOLD_MS
 * wake-ups a second instead of one per frame. Receive times stay the kernel's; the Watcher's clock
 * is ticked HOLD_MS behind the wall clock so no frame still waiting in the socket is judged missing.
 */
import { endianness } from 'node:os';
import { interfaceIndex } from '../runtime/sysfs.js';
import { intOption, loadVrrpSocket, VrrpSocket } from '../runtime/vrrp-socket.js';
import { encodeFilter, watchFilter } from './filter.js';
import type { Watcher } from './watcher.js';

const LINKTYPE_ETHERNET = 1;
const SOL_PACKET = 263;
const PACKET_ADD_MEMBERSHIP = 1;
const PACKET_MR_MULTICAST = 0;
/** The VRRP groups' MACs: 224.0.0.18 and ff02::12 (unsolicited NAs go to all-nodes, always taken). */
const GROUP_MACS = [
  [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12],
  [0x33, 0x33, 0x00, 0x00, 0x00, 0x12],
];
export const TICK_MS = 100;
/** How long the capture socket rests after a wake-up that read frames (and how far alerts lag). */
export const HOLD_MS = 40;

/** VRRPLAB_WATCH_HOLD_MS (0..1000; 0: a wake-up per frame, as before), else HOLD_MS. */
export function holdFromEnv(value: string | undefined): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) return HOLD_MS;
  return Math.min(1000, Number(value));
}
const SOL_SOCKET = 1;
const SO_RCVBUF = 8;
const SO_RCVBUFFORCE = 33;
/**
 * The capture socket's receive buffer: HOLD_MS of frames must fit (keepalived's 255 adverts of one
 * second land together; a veth frame takes ~1 KB of it). libpcap asks for 2 MB too. SO_RCVBUFFORCE
 * (root) passes net.core.rmem_max; without it SO_RCVBUF gets what rmem_max allows.
 */
const RCVBUF_BYTES = 2 * 1024 * 1024;

/** struct packet_mreq { int mr_ifindex; unsigned short mr_type; unsigned short mr_alen; unsigned char mr_address[8]; } */
function packetMreq(ifindex: number, mac: readonly number[]): Buffer {
  const b = Buffer.alloc(16);
  intOption(ifindex).copy(b, 0);
  if (endianness() === 'LE') {
    b.writeUInt16LE(PACKET_MR_MULTICAST, 4);
    b.writeUInt16LE(6, 6);
  } else {
    b.writeUInt16BE(PACKET_MR_MULTICAST, 4);
    b.writeUInt16BE(6, 6);
  }
  Buffer.from(mac).copy(b, 8);
  return b;
}

export interface LiveWatch {
  close(): void;
  /** Frames the kernel dropped because the socket's buffer was full (0 where the build cannot tell). */
  dropped(): number;
}

/** Starts watching `iface`; `onTick` runs after every batch of frames and every tick (drain events there). */
export function watchInterface(iface: string, watcher: Watcher, onTick: (nowMs: number) => void, onError: (message: string) => void): LiveWatch | string {
  const loaded = loadVrrpSocket();
  if (!loaded.ok) return loaded.error;
  const ifindex = interfaceIndex(iface);
  if (ifindex === undefined) return `no interface ${iface}`;
  if (!VrrpSocket.canCapture) return 'this build of native/vrrp_socket cannot capture frames: npm rebuild vrrplab';
  // An older build of the helper: every frame, a wake-up each (as before issue 21's fix).
  const quiet = VrrpSocket.canCaptureQuietly;
  const holdMs = quiet ? holdFromEnv(process.env.VRRPLAB_WATCH_HOLD_MS) : 0;
  let socket: VrrpSocket;
  try {
    socket = VrrpSocket.openCapture(ifindex);
    // The VRRP groups' frames reach the socket even where the NIC filters multicast.
    for (const mac of GROUP_MACS) socket.setOption(SOL_PACKET, PACKET_ADD_MEMBERSHIP, packetMreq(ifindex, mac));
    if (quiet) {
      socket.setFilter(encodeFilter(watchFilter(), endianness() === 'LE'));
      try {
        socket.setOption(SOL_SOCKET, SO_RCVBUFFORCE, intOption(RCVBUF_BYTES));
      } catch {
        socket.setOption(SOL_SOCKET, SO_RCVBUF, intOption(RCVBUF_BYTES));
      }
    }
  } catch (error) {
    return `cannot open a capture socket on ${iface}: ${(error as Error).message}`;
  }
  const origin = performance.timeOrigin;
  socket.start(
    () => performance.now(),
    (d) => watcher.frame(origin + d.receivedAt, d.packet, LINKTYPE_ETHERNET),
    onError,
    () => onTick(Date.now()),
    holdMs,
  );
  const timer = setInterval(() => {
    // Frames received up to holdMs ago may still wait in the socket: judge time only up to there.
    const now = Date.now() - holdMs;
    watcher.tick(now);
    onTick(now);
  }, TICK_MS);
  return {
    close() {
      clearInterval(timer);
      socket.close();
    },
    dropped: () => socket.dropped,
  };
}
