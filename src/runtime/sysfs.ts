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
