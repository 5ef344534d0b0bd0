/**
 * The host side of a VRRP router: interface facts (iproute2) and link state (/sys/class/net);
 * virtual addresses are netlink.ts's, gratuitous ARPs announce.ts's. Every call reports failure as a value;
 * nothing here throws in normal operation. See native-notes/README.md for why these tools.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { InterfaceInfo } from './transport.js';

/** What a host change came to: failures are values, never thrown. */
export type Outcome = { ok: true } | { ok: false; error: string };

interface IpAddrJson {
  ifindex: number;
  ifname: string;
  address?: string;
  addr_info?: { family: string; local: string; prefixlen: number; scope?: string; secondary?: boolean; label?: string }[];
}

/** Index and primary addresses of an interface, read with `ip -j addr show dev NAME`. */
export function readInterface(name: string): { ok: true; info: InterfaceInfo } | { ok: false; error: string } {
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

/** Carrier state of an interface: true when up, false when down or missing. */
export function readCarrier(dev: string): boolean {
  try {
    const operstate = readFileSync(`/sys/class/net/${dev}/operstate`, 'utf8').trim();
    if (operstate === 'down' || operstate === 'lowerlayerdown') return false;
    return readFileSync(`/sys/class/net/${dev}/carrier`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}
