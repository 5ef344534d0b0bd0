/**
 * What the `--host NAME=DIR` configs say the LAN should look like, for `vrrplab watch`: per VRID
 * its members (host, instance, priority when no check fails, VIPs) and the host that should be
 * master then (check's priority table, its row without failures), plus check's static findings.
 */
import { analyzeHosts, type Finding, type HostConfig } from '../analysis/index.js';
import { canonicalAddress } from '../wire/address.js';

export interface ExpectedMember {
  host: string;
  instance: string;
  /** Effective priority when no tracked check fails ('FAULT': never advertises). */
  priority: number | 'FAULT';
  /** Every priority check's table gives it (any checks failing), and its configured one. */
  priorities: number[];
  /** VIPs of the instance's family, canonical text, sorted (what its adverts list). */
  addresses: string[];
}

export interface ExpectedVrid {
  vrid: number;
  family: 4 | 6;
  members: ExpectedMember[];
  /** The host that should be master when no check fails (undefined: a tie, or every member FAULT). */
  master?: string;
}

export interface Expected {
  vrids: ExpectedVrid[];
  findings: Finding[];
}

/** Sorted canonical addresses (how watch compares an advert's list with a config's). */
export function addressKey(addresses: readonly string[]): string {
  return addresses.map((a) => canonicalAddress(a) ?? a).sort().join(',');
}

export function expectedFromHosts(hosts: HostConfig[]): Expected {
  const analysis = analyzeHosts(hosts);
  const vrids: ExpectedVrid[] = [];
  for (const table of analysis.priorities) {
    const calm = table.rows.find((r) => r.failed.length === 0);
    const byFamily = new Map<4 | 6, ExpectedVrid>();
    for (const m of table.members) {
      const instance = hosts.find((h) => h.name === m.host)?.config.instances.find((i) => i.name === m.instance);
      if (instance === undefined) continue;
      let e = byFamily.get(instance.family);
      if (e === undefined) byFamily.set(instance.family, (e = { vrid: table.vrid, family: instance.family, members: [] }));
      e.members.push({
        host: m.host,
        instance: m.instance,
        priority: calm?.priorities[m.host] ?? instance.priority,
        priorities: [...new Set([instance.priority, ...table.rows.flatMap((r) => (typeof r.priorities[m.host] === 'number' ? [r.priorities[m.host] as number] : []))])],
        addresses: instance.virtualIpaddresses.filter((a) => a.family === instance.family).map((a) => canonicalAddress(a.address) ?? a.address).sort(),
      });
    }
    for (const e of byFamily.values()) {
      // The calm row's master, when it is a member of this family's instances.
      if (calm?.master !== undefined && e.members.some((m) => m.host === calm.master)) e.master = calm.master;
      vrids.push(e);
    }
  }
  return { vrids, findings: analysis.findings };
}
