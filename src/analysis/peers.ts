/** Peer consistency: what the hosts sharing a VRID must agree on, and clashes on one host. */
import type { VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';

const vipList = (v: VrrpInstance): string =>
  v.virtualIpaddresses.map((a) => `${a.address}/${a.prefixLength}`).sort().join(' ');

const ASPECTS: { name: string; value: (v: VrrpInstance) => string }[] = [
  { name: 'authentication', value: (v) => (v.authentication ? `${v.authentication.type} ${v.authentication.password}` : 'none') },
  { name: 'advert_int', value: (v) => `${v.advertIntervalMs} ms` },
  { name: 'version', value: (v) => `${v.version}` },
  { name: 'virtual_ipaddress', value: (v) => vipList(v) || '(none)' },
];

export function peerFindings(hosts: HostConfig[]): Finding[] {
  const findings: Finding[] = [];
  const byVrid = new Map<number, { host: string; v: VrrpInstance }[]>();
  for (const h of hosts) {
    for (const v of h.config.instances) {
      if (v.vrid === 0) continue;
      byVrid.set(v.vrid, [...(byVrid.get(v.vrid) ?? []), { host: h.name, v }]);
    }
    findings.push(...collisions(h));
  }
  for (const [vrid, members] of byVrid) {
    const peers = members.filter((m, i) => members.findIndex((x) => x.host === m.host) === i);
    if (peers.length < 2) continue;
    const names = peers.map((m) => at(m.host, m.v.name));
    for (const aspect of ASPECTS) {
      const values = new Set(peers.map((m) => aspect.value(m.v)));
      if (values.size < 2) continue;
      findings.push({
        kind: 'peer-mismatch', severity: 'error', vrid, hosts: peers.map((m) => m.host), instances: names,
        message: `VRID ${vrid}: peers disagree on ${aspect.name}: ` + peers.map((m) => `${at(m.host, m.v.name)} ${aspect.value(m.v)}`).join('; '),
      });
    }
    const masters = peers.filter((m) => m.v.initialState === 'MASTER');
    const top = Math.max(...masters.map((m) => m.v.priority));
    const tied = masters.filter((m) => m.v.priority === top);
    if (tied.length > 1) {
      findings.push({
        kind: 'dual-master', severity: 'warning', vrid, hosts: tied.map((m) => m.host), instances: tied.map((m) => at(m.host, m.v.name)),
        message: `VRID ${vrid}: ${tied.map((m) => at(m.host, m.v.name)).join(' and ')} all claim state MASTER with priority ${top}; the higher IP address wins`,
      });
    }
  }
  return findings;
}

/** One VIP under different VRIDs: each VRID elects its own master, so two hosts can hold it at once. */
export function duplicateVipFindings(hosts: HostConfig[]): Finding[] {
  const byVip = new Map<string, { host: string; v: VrrpInstance }[]>();
  for (const h of hosts) {
    for (const v of h.config.instances) {
      if (v.vrid === 0) continue;
      for (const a of [...v.virtualIpaddresses, ...v.virtualIpaddressesExcluded]) {
        const list = byVip.get(a.address) ?? [];
        list.push({ host: h.name, v });
        byVip.set(a.address, list);
      }
    }
  }
  const findings: Finding[] = [];
  for (const [vip, users] of byVip) {
    const vrids = [...new Set(users.map((u) => u.v.vrid))].sort((a, b) => a - b);
    if (vrids.length < 2) continue;
    const hostsOf = (vrid: number): string[] => [...new Set(users.filter((u) => u.v.vrid === vrid).map((u) => u.host))];
    const spread = vrids.map((vrid) => `VRID ${vrid} (${users.filter((u) => u.v.vrid === vrid).map((u) => at(u.host, u.v.name)).join(', ')})`);
    const twoHosts = new Set(vrids.flatMap(hostsOf)).size > 1;
    findings.push({
      kind: 'duplicate-vip', severity: 'error', hosts: [...new Set(users.map((u) => u.host))], instances: users.map((u) => at(u.host, u.v.name)),
      message: `${vip} is a VIP of ${spread.join(' and of ')}: each VRID elects its own master, ` +
        (twoHosts ? 'so two hosts hold it at once (both answer ARP for it)' : 'so the host adds it twice and drops it when either instance leaves MASTER'),
    });
  }
  return findings;
}

/** Unrelated instances on one host using the same VRID on the same interface and family. */
function collisions(h: HostConfig): Finding[] {
  const seen = new Map<string, VrrpInstance>();
  const out: Finding[] = [];
  for (const v of h.config.instances) {
    if (v.vrid === 0) continue;
    const key = `${v.interface}/${v.family}/${v.vrid}`;
    const other = seen.get(key);
    if (!other) {
      seen.set(key, v);
      continue;
    }
    out.push({
      kind: 'vrid-collision', severity: 'error', vrid: v.vrid, hosts: [h.name], instances: [at(h.name, other.name), at(h.name, v.name)],
      message: `${h.name}: ${other.name} and ${v.name} both use VRID ${v.vrid} on ${v.interface} (IPv${v.family}); their adverts collide`,
    });
  }
  return out;
}
