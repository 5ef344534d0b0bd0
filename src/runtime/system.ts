/**
 * The host side of a VRRP router: interface facts (/sys/class/net and an rtnetlink address
 * dump) and link state (/sys/class/net); virtual addresses are netlink.ts's, gratuitous ARPs
 * announce.ts's. Every call reports failure as a value; nothing here throws in normal operation.
 * See native-notes/README.md for why these tools.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { dumpAddresses } from './netlink.js';
import { interfaceIndex, sysfsPath, sysfsText } from './sysfs.js';
import { loadVrrpSocket } from './vrrp-socket.js';
import type { InterfaceInfo } from './transport.js';

/** What a host change came to: failures are values, never thrown. */
export type Outcome = { ok: true } | { ok: false; error: string };

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  address?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; secondary?: boolean; label?: string }[];
}

export type InterfaceRead = { ok: true; info: InterfaceInfo } | { ok: false; error: string };

/** rtnetlink's RT_SCOPE_LINK. */
const SCOPE_LINK = 253;

/**
 * Index, MAC and primary addresses of an interface: the index and MAC from /sys/class/net, the
 * addresses from one rtnetlink dump (what `ip addr` reads, without starting it: keepalived needs
 * no iproute2 either). Where the native helper is missing, `ip -j addr show dev NAME` answers.
 */
export async function readInterface(name: string): Promise<InterfaceRead> {
  const index = interfaceIndex(name);
  // No such interface: no dump is read for it.
  if (index === undefined) return loadVrrpSocket().ok ? { ok: false, error: `Device "${name}" does not exist.` } : readInterfaceWithIp(name);
  const dump = dumpAddresses();
  if (dump === undefined) return readInterfaceWithIp(name);
  const mac = sysfsText(name, 'address');
  const read = await dump;
  if (!read.ok) return read;
  const own = read.addresses.filter((a) => a.ifindex === index);
  // As below: the first primary IPv4 address, the first link-scope IPv6 one.
  const v4 = own.find((a) => a.family === 4 && !a.secondary);
  const v6 = own.find((a) => a.family === 6 && a.scope === SCOPE_LINK);
  return { ok: true, info: { name, index, ipv4: v4?.local, ipv4PrefixLength: v4?.prefixLength, ipv6: v6?.local, mac: mac || undefined } };
}

/** Index and primary addresses of an interface, read with `ip -j addr show dev NAME`. */
export function readInterfaceWithIp(name: string): InterfaceRead {
  let text: string;
  try {
    text = execFileSync('ip', ['-j', 'addr', 'show', 'dev', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    return { ok: false, error: stderr || (error as Error).message };
  }
  const parsed = JSON.parse(text) as IpAddrJson[];
  const link = parsed[0];
  if (!link) return { ok: false, error: `Device "${name}" does not exist.` };
  const addrs = link.addr_info ?? [];
  // The primary address is the first non-secondary one; VIPs keepalived-style are secondaries
  // or carry our label, but at start-up none of ours is there yet.
  const v4 = addrs.find((a) => a.family === 'inet' && !a.secondary);
  const v6 = addrs.find((a) => a.family === 'inet6' && a.scope === 'link');
  return {
    ok: true,
    info: {
      name: link.ifname,
      index: link.ifindex,
      ipv4: v4?.local,
      ipv4PrefixLength: v4?.prefixlen,
      ipv6: v6?.local,
      mac: link.address,
    },
  };
}

/**
 * Carrier state of an interface: true when up, false when down or missing. The runtime polls it
 * every 200 ms per interface, for the life of the daemon: the files are read into one buffer and
 * compared as bytes, their paths made once, so a poll makes no string, Buffer or options object
 * (readFileSync made all three, and they were most of what an idle daemon's old space grew by:
 * issue 15's soak).
 */
export function readCarrier(dev: string): boolean {
  let paths = carrierPaths.get(dev);
  if (paths === undefined) {
    const operstatePath = sysfsPath(dev, 'operstate');
    const carrierPath = sysfsPath(dev, 'carrier');
    if (operstatePath === undefined || carrierPath === undefined) return false;
    paths = [operstatePath, carrierPath];
    carrierPaths.set(dev, paths);
  }
  const operstate = readSmall(paths[0]);
  if (operstate < 0 || sysfsIs(operstate, DOWN) || sysfsIs(operstate, LOWER_LAYER_DOWN)) return false;
  // Reading `carrier` of a down interface fails (EINVAL): not up.
  return sysfsIs(readSmall(paths[1]), ONE);
}

const carrierPaths = new Map<string, [string, string]>();
const small = Buffer.alloc(64);
const DOWN = Buffer.from('down');
const LOWER_LAYER_DOWN = Buffer.from('lowerlayerdown');
const ONE = Buffer.from('1');

/** Reads the start of a small file into `small`: how many bytes, or -1 when it cannot be read. */
function readSmall(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return -1;
  }
  try {
    return readSync(fd, small, 0, small.length, 0);
  } catch {
    return -1;
  } finally {
    closeSync(fd);
  }
}

/** Whether the `length` bytes read into `small`, without surrounding whitespace (as trim()), are `text`. */
function sysfsIs(length: number, text: Buffer): boolean {
  let start = 0;
  let end = length;
  while (start < end && isSpace(small[start])) start++;
  while (end > start && isSpace(small[end - 1])) end--;
  if (end - start !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (small[start + i] !== text[i]) return false;
  return true;
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
