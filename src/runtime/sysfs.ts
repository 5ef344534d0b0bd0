/** Interface files under /sys/class/net: how vrrplab reads an interface's index, MAC and link state. */
import { readFileSync } from 'node:fs';

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
export function interfaceKind(dev: string): 'present' | 'missing' | 'loopback' {
  const type = sysfsText(dev, 'type');
  if (type === undefined) return 'missing';
  return type === '772' ? 'loopback' : 'present';
}
