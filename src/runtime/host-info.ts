/**
 * What the SIGUSR1 dump and keepalived's start/stop lines need to know about this process and
 * host, read from /proc and /sys (Linux only, like `vrrplab run`): the interfaces, the fds of
 * the VRRP raw sockets, a program's real path, and CPU time of the process and its children.
 */
import { readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { DumpInterface } from './dump.js';
import { splitCommandLine } from './scripts.js';

const readSys = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Every interface of this network namespace, in ifindex order. */
export function listInterfaces(): DumpInterface[] {
  let names: string[] = [];
  try {
    names = readdirSync('/sys/class/net');
  } catch {
    return [];
  }
  const addrs = networkInterfaces();
  const out: DumpInterface[] = [];
  for (const name of names) {
    const base = `/sys/class/net/${name}`;
    const index = Number(readSys(`${base}/ifindex`));
    if (!Number.isInteger(index)) continue;
    const list = addrs[name] ?? [];
    const mac = readSys(`${base}/address`);
    out.push({
      name,
      index,
      ipv4: list.find((a) => a.family === 'IPv4')?.address,
      // keepalived's interface address for IPv6 is the link-local one (lo shows none).
      ipv6: list.find((a) => a.family === 'IPv6' && a.address.startsWith('fe80:'))?.address,
      mac,
      // IFF_RUNNING is not in /sys's flags: it is the carrier (lo has one too).
      flags: parseInt(readSys(`${base}/flags`) ?? '0', 16) | (readSys(`${base}/carrier`) === '1' ? 0x40 : 0),
      mtu: Number(readSys(`${base}/mtu`) ?? 0),
      type: Number(readSys(`${base}/type`) ?? 0),
      rpFilter: Number(readSys(`/proc/sys/net/ipv4/conf/${name}/rp_filter`) ?? 0),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

/**
 * The fds of this process's raw sockets for IP protocol `protocol` (IPv4: /proc/net/raw, IPv6:
 * /proc/net/raw6; the protocol is the "port" of the local address), lowest first.
 */
export function rawSocketFds(family: 4 | 6, protocol: number): number[] {
  const table = readSys(family === 6 ? '/proc/self/net/raw6' : '/proc/self/net/raw') ?? '';
  const inodes = new Set<string>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const port = cols[1]?.split(':')[1];
    if (port !== undefined && parseInt(port, 16) === protocol && cols[9]) inodes.add(cols[9]);
  }
  const fds: number[] = [];
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
        if (m && inodes.has(m[1])) fds.push(Number(fd));
      } catch { /* closed meanwhile */ }
    }
  } catch { /* no /proc */ }
  return fds.sort((a, b) => a - b);
}

/** How many fds this process has open (soak: leaks). */
export function openFdCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

/** keepalived prints a script's command with the program's real path, each word quoted. */
export function commandForDump(line: string): string {
  const split = splitCommandLine(line);
  const words = split.ok ? [...split.words] : [line];
  if (words.length === 0) return "''";
  try {
    if (words[0].startsWith('/')) words[0] = realpathSync(words[0]);
  } catch { /* missing: as written */ }
  return words.map((w) => `'${w}'`).join(' ');
}

/** CPU seconds of the process (user, system) and its waited-for children, as getrusage gives them. */
export interface CpuTimes {
  user: number;
  system: number;
  childUser: number;
  childSystem: number;
}

export function cpuTimes(): CpuTimes {
  const self = process.resourceUsage();
  // utime stime cutime cstime: fields 14-17 of /proc/self/stat, in clock ticks (USER_HZ = 100).
  const stat = readSys('/proc/self/stat') ?? '';
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = (i: number) => Number(fields[i - 3] ?? 0) / 100;
  return { user: self.userCPUTime / 1e6, system: self.systemCPUTime / 1e6, childUser: ticks(16), childSystem: ticks(17) };
}

/**
 * keepalived's stop lines: the VRRP process's "Stopped - used …", then the parent's "CPU usage …".
 * netns lab, keepalived 2.2.7: with -D, "Stopped - used (self/children) U/u user time, S/s system
 * time" once a script or notify child has ended, "Stopped - used U user time, S system time"
 * when none has (no scripts, or a notify_stop still running at exit); without -D only "Stopped",
 * and no "CPU usage" line.
 */
export function stopLines(start: CpuTimes, end: CpuTimes, options: { detail?: boolean; children?: boolean } = {}): string[] {
  if (options.detail === false) return ['Stopped'];
  const f = (n: number) => n.toFixed(6);
  const children = options.children ?? true;
  return [
    children
      ? `Stopped - used (self/children) ${f(end.user - start.user)}/${f(end.childUser - start.childUser)} user time, ${f(end.system - start.system)}/${f(end.childSystem - start.childSystem)} system time`
      : `Stopped - used ${f(end.user - start.user)} user time, ${f(end.system - start.system)} system time`,
    `CPU usage (self/children) user: ${f(end.user)}/${f(end.childUser)} system: ${f(end.system)}/${f(end.childSystem)}`,
  ];
}
