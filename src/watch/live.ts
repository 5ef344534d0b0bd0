/**
 * `vrrplab watch -i IFACE`: frames read off one interface with the native helper's capture socket
 * (AF_PACKET, every protocol, receive-only: watch never sends), handed to the Watcher with their
 * kernel receive time; the time is ticked every TICK_MS so silence is noticed without packets.
 */
import { endianness } from 'node:os';
import { interfaceIndex } from '../runtime/sysfs.js';
import { intOption, loadVrrpSocket, VrrpSocket } from '../runtime/vrrp-socket.js';
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
}

/** Starts watching `iface`; `onTick` runs after every batch of frames and every tick (drain events there). */
export function watchInterface(iface: string, watcher: Watcher, onTick: (nowMs: number) => void, onError: (message: string) => void): LiveWatch | string {
  const loaded = loadVrrpSocket();
  if (!loaded.ok) return loaded.error;
  const ifindex = interfaceIndex(iface);
  if (ifindex === undefined) return `no interface ${iface}`;
  if (!VrrpSocket.canCapture) return 'this build of native/vrrp_socket cannot capture frames: npm rebuild vrrplab';
  let socket: VrrpSocket;
  try {
    socket = VrrpSocket.openCapture(ifindex);
    // The VRRP groups' frames reach the socket even where the NIC filters multicast.
    for (const mac of GROUP_MACS) socket.setOption(SOL_PACKET, PACKET_ADD_MEMBERSHIP, packetMreq(ifindex, mac));
  } catch (error) {
    return `cannot open a capture socket on ${iface}: ${(error as Error).message}`;
  }
  const origin = performance.timeOrigin;
  socket.start(
    () => performance.now(),
    (d) => watcher.frame(origin + d.receivedAt, d.packet, LINKTYPE_ETHERNET),
    onError,
    () => onTick(Date.now()),
  );
  const timer = setInterval(() => {
    const now = Date.now();
    watcher.tick(now);
    onTick(now);
  }, TICK_MS);
  return {
    close() {
      clearInterval(timer);
      socket.close();
    },
  };
}
