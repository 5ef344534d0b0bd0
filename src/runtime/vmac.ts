/**
 * keepalived's VMAC interfaces (use_vmac) on the host, as keepalived 2.2.7 sets them up (netns lab,
 * `ip -d link` and sysctl while it ran):
 *  - a macvlan in mode private on the instance's interface, named vrrp.VRID (or use_vmac's name),
 *    with the VMAC address 00:00:5e:00:01:VRID (00:00:5e:00:02:VRID for IPv6), addrgenmode none, up;
 *  - IPv4: on the VMAC arp_ignore=1, accept_local=1, rp_filter=0, promote_secondaries=1 and IPv6
 *    disabled (disable_ipv6=1); on the base interface arp_ignore=1 and arp_filter=1, which keepalived
 *    2.2.7 left set after it stopped (lab: both still 1 after its VMAC was gone): so does vrrplab;
 *  - IPv6: the base interface's link-local address on the VMAC too (nodad, preferred_lft 0), the
 *    source of the adverts it sends, unless vmac_xmit_base; no IPv4 settings.
 * A private macvlan that is already there with the right parent and address is taken over (keepalived:
 * "Found matching interface"); another macvlan of that name is replaced. Each step is an `ip` command
 * or a /proc/sys write; failures are values.
 */
import { execFileSync } from 'node:child_process';
import { runNft } from './firewall.js';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Outcome } from './system.js';
import { interfaceIndex, macvlanOf } from './sysfs.js';

export interface VmacSpec {
  /** The instance it is for (log lines). */
  instance: string;
  name: string;
  base: string;
  mac: string;
  family: 4 | 6;
  xmitBase: boolean;
  /** The base interface's link-local address (IPv6). */
  baseLinkLocal?: string;
}

/** The base interface's ARP settings before they were changed (keepalived's dump: "Original arp_ignore"). */
export interface BaseArp {
  arpIgnore: number;
  arpFilter: number;
}

export type VmacCreated = { ok: true; reused: boolean; baseBefore?: BaseArp } | { ok: false; error: string };

function readSysctl(family: 4 | 6, dev: string, key: string): number {
  try {
    return Number(readFileSync(`/proc/sys/net/ipv${family}/conf/${dev}/${key}`, 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

function ip(args: string[]): Outcome {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    return { ok: true };
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    return { ok: false, error: `ip ${args.join(' ')}: ${stderr || (error as Error).message}` };
  }
}

function sysctl(family: 4 | 6, dev: string, key: string, value: number): Outcome {
  try {
    writeFileSync(`/proc/sys/net/ipv${family}/conf/${dev}/${key}`, `${value}\n`);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: `net.ipv${family}.conf.${dev}.${key}: ${(error as Error).message}` };
  }
}

export function createVmac(spec: VmacSpec): VmacCreated {
  let reused = false;
  if (interfaceIndex(spec.name) !== undefined) {
    const existing = macvlanOf(spec.name);
    if (existing === undefined) return { ok: false, error: `interface ${spec.name} exists and is not a macvlan` };
    if (existing.mode === 'private' && existing.link === spec.base && existing.mac?.toLowerCase() === spec.mac) reused = true;
    else {
      const removed = ip(['link', 'del', 'dev', spec.name]);
      if (!removed.ok) return removed;
    }
  }
  const baseBefore = spec.family === 4 ? { arpIgnore: readSysctl(4, spec.base, 'arp_ignore'), arpFilter: readSysctl(4, spec.base, 'arp_filter') } : undefined;
  const steps: (() => Outcome)[] = [];
  if (!reused) steps.push(() => ip(['link', 'add', 'link', spec.base, 'name', spec.name, 'address', spec.mac, 'type', 'macvlan', 'mode', 'private']));
  steps.push(() => ip(['link', 'set', 'dev', spec.name, 'addrgenmode', 'none']));
  if (spec.family === 4) {
    steps.push(
      () => sysctl(6, spec.name, 'disable_ipv6', 1),
      () => sysctl(4, spec.name, 'arp_ignore', 1),
      () => sysctl(4, spec.name, 'accept_local', 1),
      () => sysctl(4, spec.name, 'rp_filter', 0),
      () => sysctl(4, spec.name, 'promote_secondaries', 1),
      () => sysctl(4, spec.base, 'arp_ignore', 1),
      () => sysctl(4, spec.base, 'arp_filter', 1),
    );
  }
  steps.push(() => ip(['link', 'set', 'dev', spec.name, 'up']));
  if (spec.family === 6 && !spec.xmitBase && spec.baseLinkLocal) {
    const address = spec.baseLinkLocal;
    steps.push(() => {
      const added = ip(['-6', 'addr', 'replace', `${address}/64`, 'dev', spec.name, 'nodad', 'preferred_lft', '0']);
      return added;
    });
  }
  for (const step of steps) {
    const done = step();
    if (!done.ok) {
      if (!reused) ip(['link', 'del', 'dev', spec.name]);
      return done;
    }
  }
  return { ok: true, reused, ...(baseBefore ? { baseBefore } : {}) };
}

/** Removes a VMAC (its addresses go with it). */
export function deleteVmac(name: string): Outcome {
  if (interfaceIndex(name) === undefined) return { ok: true };
  return ip(['link', 'del', 'dev', name]);
}

/** The nftables table vrrplab keeps its VMAC rules in (keepalived's is "keepalived"). */
export const NFT_TABLE = 'vrrplab';

/**
 * keepalived's nftables rules for VMACs (netns lab, `nft list ruleset` while it ran), in a table of
 * vrrplab's own: IGMP reports (IPv4) and MLDv2 reports (IPv6) a VMAC would send are sent out of its
 * base interface instead, from the base's MAC, and its IPv6 router solicitations are dropped.
 * Without them a backup's VMAC announces the VMAC address on the LAN (lab: IGMP reports from
 * 00:00:5e:00:01:33 by a backup), and a switch then sends the VIP's traffic to the backup.
 * `vmacs` empty for a family removes that family's table.
 */
export function setVmacRules(family: 4 | 6, vmacs: readonly { name: string; base: string }[]): Outcome {
  const table = `${family === 4 ? 'ip' : 'ip6'} ${NFT_TABLE}`;
  const lines = [`add table ${table}`, `delete table ${table}`];
  if (vmacs.length > 0) {
    const map = vmacs.map((v) => `"${v.name}" : "${v.base}"`).join(', ');
    lines.push(
      `table ${table} {`,
      '  map vmac_map {',
      '    type iface_index : iface_index',
      `    elements = { ${map} }`,
      '  }',
    );
    if (family === 6) lines.push('  set vmac_set {', '    type iface_index', `    elements = { ${vmacs.map((v) => `"${v.name}"`).join(', ')} }`, '  }');
    lines.push('  chain out {', '    type filter hook output priority filter - 1; policy accept;');
    if (family === 4) lines.push('    ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop');
    else {
      lines.push(
        '    icmpv6 type mld2-listener-report meta oifkind "macvlan" dup to ip6 daddr device oif map @vmac_map drop',
        '    icmpv6 type nd-router-solicit meta oifkind "macvlan" oif @vmac_set drop',
      );
    }
    lines.push('  }', '}');
  }
  try {
    runNft(lines.join('\n'));
    return { ok: true };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}
