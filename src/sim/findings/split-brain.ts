import type { SimRecord } from '../cluster.js';
import { SLACK_S, shareVips, type Facts } from './facts.js';
import type { FaultSpan } from './fault-spans.js';
import type { SimFinding } from './types.js';

/**
 * split-brain: two MASTERs of one VRID holding the same VIPs (instances whose virtual_ipaddress
 * lists share an address) for more than one advert interval.
 *
 * Rules:
 * - It is VRRP by design (`byDesign`) only while network faults (partition, loss, a delay of an
 *   advert interval or more) separate the two masters: they cover it from its start to its end,
 *   each until one advert interval after it ends (or the longest gap between the masters' adverts
 *   meanwhile: another cluster on the VRID re-arms the masters' advert timers, up to two intervals).
 * - Nothing else excuses it: not a host fault in force (a service stop, a kill), and not configs
 *   that keep the masters deaf to each other (a unicast_peer typo, another auth_pass): those are
 *   what the finding is for, and its message says which host rejects or never gets whose adverts.
 * - Two MASTERs of one VRID with different VIPs are two clusters sharing the VRID: not a split
 *   brain of either (the vrid-conflict finding names that).
 */
export function splitBrain(records: SimRecord[], facts: Facts, faults: readonly FaultSpan[]): SimFinding[] {
  const spans = faults.filter((span) => span.network);
  const masters = new Map<number, Map<string, string>>();
  const since = new Map<number, number>();
  const findings: SimFinding[] = [];
  /** The masters that hold a VIP another master of the VRID holds too. */
  const split = (vrid: number, current: ReadonlyMap<string, string>): string[] => {
    if (current.size < 2) return [];
    const hosts = [...current.keys()];
    return hosts.filter((host) => hosts.some((other) => other !== host && shareVips(facts.instance(host, vrid), facts.instance(other, vrid))));
  };
  /** Every host that was one of the split's masters while it lasted, by VRID. */
  const members = new Map<number, Set<string>>();
  const close = (vrid: number, t: number, hosts: string[], instances: string[]): void => {
    const from = since.get(vrid);
    since.delete(vrid);
    const all = members.get(vrid) ?? new Set(hosts);
    members.delete(vrid);
    if (from === undefined) return;
    const interval = facts.advertInterval(vrid);
    if (t - from <= interval) return;
    // The first advert to cross after the fault ends comes within an interval; with another
    // cluster on the VRID, whose packets re-arm a master's advert timer, within two, or the longest
    // gap the masters' adverts had meanwhile.
    const gaps = (delays.get(vrid) ?? []).filter((delay) => all.has(delay.host) && delay.t >= from && delay.t <= t + delay.gap).map((delay) => delay.gap);
    const grace = Math.max(facts.sharedVrid(vrid) ? 2 * interval : interval, ...gaps) + SLACK_S;
    const base = `${hosts.join(' and ')} were both MASTER of VRID ${vrid} for ${(t - from).toFixed(3)} s (longer than one advert interval)`;
    const cover = networkCover(spans, [...all], from, t, interval, grace);
    if (cover.excused) {
      const what = cover.spans.every((span) => span.groups !== undefined) ? 'during a partition' : `during ${[...new Set(cover.spans.map((span) => span.label))].join(', ')}`;
      findings.push({ kind: 'split-brain', from, to: t, hosts, instances, byDesign: true, message: `${base}, ${what}: expected of VRRP` });
      return;
    }
    const last = cover.spans.at(-1);
    const outlived = last !== undefined ? `, outliving the end of ${last.label} at ${last.to.toFixed(3)} s by ${(t - last.to).toFixed(3)} s` : '';
    findings.push({ kind: 'split-brain', from, to: t, hosts, instances, message: `${base}${outlived}${deafness(facts, vrid, hosts)}` });
  };
  const delays = new Map<number, { t: number; host: string; gap: number }[]>();
  for (const record of records) {
    if (record.type !== 'advert-delay') continue;
    const list = delays.get(record.vrid) ?? [];
    list.push({ t: record.t, host: record.host, gap: record.gap });
    delays.set(record.vrid, list);
  }
  for (const record of records) {
    if (record.type !== 'transition') continue;
    const current = masters.get(record.vrid) ?? new Map<string, string>();
    masters.set(record.vrid, current);
    // Only a split brain already open can close here: the masters before the change are needed then only.
    const splitOpen = since.has(record.vrid);
    const before = splitOpen ? split(record.vrid, current) : [];
    const beforeInstances = before.map((host) => `${host}/${current.get(host) ?? ''}`);
    if (record.to === 'MASTER') current.set(record.host, record.instance);
    else current.delete(record.host);
    const inSplit = split(record.vrid, current);
    const now = inSplit.length >= 2;
    if (now && !since.has(record.vrid)) since.set(record.vrid, record.t);
    if (now) {
      const set = members.get(record.vrid) ?? new Set<string>();
      for (const host of inSplit) set.add(host);
      members.set(record.vrid, set);
    }
    if (!now && since.has(record.vrid)) close(record.vrid, record.t, before, beforeInstances);
  }
  for (const [vrid, current] of masters) {
    if (!since.has(vrid)) continue;
    const hosts = split(vrid, current);
    close(vrid, facts.durationS, hosts, hosts.map((host) => `${host}/${current.get(host) ?? ''}`));
  }
  return findings;
}

/**
 * Whether network faults that separate the split's masters cover it from its start to its end,
 * each for as long as it lasts plus `grace` (a delay also until its last delayed advert lands),
 * and the chain of those that did, in time order.
 */
function networkCover(spans: readonly FaultSpan[], hosts: readonly string[], from: number, to: number, interval: number, grace: number): { excused: boolean; spans: FaultSpan[] } {
  const separating = spans
    .map((span) => {
      if (span.label.startsWith('delay ')) {
        // A delay separates the masters only when it is as long as an advert interval.
        const ms = Number.parseFloat(span.label.slice('delay '.length)) || 0;
        return ms >= interval * 1000 ? { span, end: span.to + ms / 1000 + grace } : undefined;
      }
      if (span.groups !== undefined) {
        const group = (host: string): number => span.groups?.findIndex((list) => list.includes(host)) ?? -1;
        if (new Set(hosts.map(group)).size < 2) return undefined;
      }
      return { span, end: span.to + grace };
    })
    .filter((entry): entry is { span: FaultSpan; end: number } => entry !== undefined && entry.end >= from && entry.span.from <= to)
    .sort((a, b) => a.span.from - b.span.from);
  const chain: FaultSpan[] = [];
  let covered = from;
  let started = false;
  for (const entry of separating) {
    if (entry.span.from > covered) break;
    if (entry.end <= covered && started) continue;
    started = true;
    chain.push(entry.span);
    covered = Math.max(covered, entry.end);
  }
  return { excused: started && covered >= to, spans: chain };
}

/** Why the masters do not hear each other by their configs (empty when they do): a split brain no fault explains. */
function deafness(facts: Facts, vrid: number, hosts: readonly string[]): string {
  const reasons: string[] = [];
  for (const receiver of hosts) {
    for (const sender of hosts) {
      const a = facts.instance(receiver, vrid);
      const b = facts.instance(sender, vrid);
      if (a === undefined || b === undefined || a === b) continue;
      const why = facts.deafness(a, b);
      if (why !== undefined) reasons.push(why);
    }
  }
  return reasons.length > 0 ? `: by their configs, ${reasons.join('; ')}` : '';
}
