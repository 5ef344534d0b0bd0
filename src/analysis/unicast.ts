/**
 * Unicast peers: every host of a VRID must name every other host's address in its unicast_peer
 * list, or the master's adverts miss that host, which then becomes MASTER too (split brain with no
 * fault). A host's address is its unicast_src_ip; without one (keepalived then uses the
 * interface's primary address, which configs do not tell), it is inferred from what the other
 * hosts' lists name and the finding says so.
 */
import type { VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';

interface Member {
  host: string;
  v: VrrpInstance;
  address?: string;
  inferred?: boolean;
}

export function unicastFindings(hosts: HostConfig[]): Finding[] {
  const findings: Finding[] = [];
  const byVrid = new Map<string, Member[]>();
  for (const h of hosts) {
    for (const v of h.config.instances) {
      if (v.vrid === 0) continue;
      const key = `${v.family}/${v.vrid}`;
      const list = byVrid.get(key) ?? [];
      if (!list.some((m) => m.host === h.name)) list.push({ host: h.name, v });
      byVrid.set(key, list);
    }
  }
  for (const members of byVrid.values()) {
    if (members.length < 2) continue;
    const vrid = members[0].v.vrid;
    const unicast = members.filter((m) => m.v.unicastPeers.length > 0);
    if (unicast.length === 0) continue;
    const name = (m: Member): string => at(m.host, m.v.name);
    const multicast = members.filter((m) => m.v.unicastPeers.length === 0);
    if (multicast.length > 0) {
      findings.push({
        kind: 'unicast-peer', severity: 'error', vrid, hosts: members.map((m) => m.host), instances: members.map(name),
        message: `VRID ${vrid}: ${unicast.map(name).join(', ')} send${unicast.length === 1 ? 's' : ''} adverts to unicast peers, ` +
          `${multicast.map(name).join(', ')} to the multicast group, which unicast instances do not join: ` +
          `they miss each other's adverts and each side becomes MASTER (split brain with no fault)`,
      });
    }
    assignAddresses(members);
    for (const m of unicast) {
      for (const p of members) {
        if (p === m || p.address === undefined || m.v.unicastPeers.includes(p.address)) continue;
        findings.push({
          kind: 'unicast-peer', severity: 'error', vrid, hosts: [m.host, p.host], instances: [name(m), name(p)],
          message: `VRID ${vrid}: ${name(m)}'s unicast_peer does not name ${p.host} (${p.address}, ${p.inferred ? 'the address the other hosts give it' : 'its unicast_src_ip'}): ` +
            `while ${m.host} is master ${p.host} never hears its adverts and becomes MASTER too (split brain with no fault); ` +
            `${m.host} names ${m.v.unicastPeers.join(', ')}`,
        });
      }
      const known = new Set(members.flatMap((x) => (x.address ? [x.address] : [])));
      const unknownMembers = members.filter((x) => x.address === undefined && x !== m);
      for (const peer of m.v.unicastPeers) {
        if (known.has(peer) || peer === m.address || peer === m.v.unicastSrcIp) continue;
        const elsewhere = hosts.find((h) => h.config.instances.some((x) => x.unicastSrcIp === peer));
        if (elsewhere && !members.some((x) => x.host === elsewhere.name)) {
          findings.push({
            kind: 'unicast-peer', severity: 'warning', vrid, hosts: [m.host, elsewhere.name], instances: [name(m)],
            message: `VRID ${vrid}: ${name(m)}'s unicast_peer names ${peer} (${elsewhere.name}'s unicast_src_ip), but ${elsewhere.name} has no instance with VRID ${vrid}`,
          });
          continue;
        }
        findings.push({
          kind: 'unicast-peer', severity: 'warning', vrid, hosts: [m.host], instances: [name(m)],
          message: `VRID ${vrid}: ${name(m)}'s unicast_peer names ${peer}, which no given host has` +
            (unknownMembers.length > 0
              ? ` for certain (${unknownMembers.map((x) => x.host).join(', ')} ${unknownMembers.length === 1 ? 'has' : 'have'} no unicast_src_ip and the other lists disagree on ${unknownMembers.length === 1 ? 'its' : 'their'} address)`
              : ` (${members.filter((x) => x.address).map((x) => `${x.host} ${x.address}`).join(', ')}): a typo, or a host not given to check`),
        });
      }
    }
  }
  return findings;
}

/** unicast_src_ip where given; else the one address the other hosts name for it (see the header). */
function assignAddresses(members: Member[]): void {
  for (const m of members) m.address = m.v.unicastSrcIp;
  for (let changed = true; changed; ) {
    changed = false;
    const taken = new Set(members.flatMap((m) => (m.address ? [m.address] : [])));
    for (const m of members) {
      if (m.address !== undefined) continue;
      const counts = new Map<string, number>();
      for (const other of members) {
        if (other === m) continue;
        for (const a of other.v.unicastPeers) {
          if (taken.has(a) || m.v.unicastPeers.includes(a)) continue;
          counts.set(a, (counts.get(a) ?? 0) + 1);
        }
      }
      const best = Math.max(0, ...counts.values());
      const top = [...counts].filter(([, n]) => n === best);
      if (best > 0 && top.length === 1) {
        m.address = top[0][0];
        m.inferred = true;
        changed = true;
        break;
      }
    }
  }
}
