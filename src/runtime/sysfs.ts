/** Interface files under /sys/class/net: how vrrplab reads an interface's index, MAC and link state. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** The path of an interface's file; undefined for a name that would read elsewhere in sysfs (a slash, a dot name). */
export function sysfsPath(dev: string, file: string): string | undefined {
  if (dev.includes('/') || dev === '.' || dev === '..') return undefined;
  return `/sys/class/net/${dev}/${file}`;
}

/** An interface's file, trimmed; undefined when it cannot be read. */
export function sysfsText(dev: string, file: string): string | undefined {
  const path = sysfsPath(dev, file);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** An interface's index (undefined: no such interface). */
export function interfaceIndex(dev: string): number | undefined {
  const index = Number(sysfsText(dev, 'ifindex'));
  return Number.isInteger(index) && index > 0 ? index : undefined;
}

/**
 * An interface name as keepalived 2.2.7 looks it up at start: present, loopback (ARP type 772) or
 * missing. An alternative name (`ip link property add dev eth0 altname lan0`) is missing: netns
 * lab, keepalived logged "WARNING - interface lan0 for vrrp_instance VI_1 doesn't exist" and
 * "Non-existent interface specified in configuration" and exited with status 2.
 */
export function interfaceKind(dev: string): 'present' | 'missing' | 'loopback' | 'macvlan-private' | 'non-ethernet' {
  const type = sysfsText(dev, 'type');
  if (type === undefined) return 'missing';
  if (type === '772') return 'loopback';
  if (type !== '1') return 'non-ethernet'; // ARPHRD_ETHER: keepalived makes VMACs on nothing else
  return macvlanOf(dev)?.mode === 'private' ? 'macvlan-private' : 'present';
}

/**
 * A macvlan's mode, parent and address (`ip -j -d link`: sysfs does not show the mode); undefined
 * for any other interface. Only stacked devices (a lower_* link in sysfs) are asked.
 */
export function macvlanOf(dev: string): { mode?: string; link?: string; mac?: string } | undefined {
  const path = sysfsPath(dev, '');
  if (path === undefined) return undefined;
  try {
    if (!readdirSync(path).some((entry) => entry.startsWith('lower_'))) return undefined;
    const out = execFileSync('ip', ['-j', '-d', 'link', 'show', 'dev', dev], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const link = (JSON.parse(out) as { link?: string; address?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } }[])[0];
    if (link?.linkinfo?.info_kind !== 'macvlan') return undefined;
    return { mode: link.linkinfo.info_data?.mode, link: link.link, mac: link.address };
  } catch {
    return undefined;
  }
}
