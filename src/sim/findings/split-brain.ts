import type { SimRecord } from '../cluster.js';
import { SLACK_S, type Facts } from './facts.js';
import type { FaultSpan } from './fault-spans.js';
import type { SimFinding } from './types.js';

/**
 * Two MASTERs of one VRID for more than one advert interval. While a partition separates them (or
 * adverts are being lost or delayed) that is what VRRP does: such a split brain is marked
 * `byDesign` when it ends within one advert interval of the heal.
 */
export function splitBrain(records: SimRecord[], facts: Facts, faults: readonly FaultSpan[]): SimFinding[] {
  const spans = faults.filter((span) => span.network);
  const masters = new Map<number, Map<string, string>>();
  const since = new Map<number, number>();
  const findings: SimFinding[] = [];
  const close = (vrid: number, t: number, hosts: string[], instances: string[]): void => {
    const from = since.get(vrid);
    since.delete(vrid);
    if (from === undefined) return;
    const interval = facts.advertInterval(vrid);
    if (t - from <= interval) return;
    const grace = interval + SLACK_S;
    // The network fault that separated these masters when the split began.
    const cause = spans.find((span) => {
      if (span.from > from || span.to + grace < from) return false;
      // A delay explains a split brain only when it is as long as an advert interval.
      if (span.label.startsWith('delay ')) return (Number.parseFloat(span.label.slice('delay '.length)) || 0) >= interval * 1000;
      if (span.groups === undefined) return true;
      const group = (host: string): number => span.groups?.findIndex((members) => members.includes(host)) ?? -1;
      return new Set(hosts.map(group)).size > 1;
    });
    const base = `${hosts.join(' and ')} were both MASTER of VRID ${vrid} for ${(t - from).toFixed(3)} s (longer than one advert interval)`;
    if (cause !== undefined && t <= cause.to + grace) {
      const what = cause.groups !== undefined ? 'during a partition' : `during ${cause.label}`;
      findings.push({ kind: 'split-brain', from, to: t, hosts, instances, byDesign: true, message: `${base}, ${what}: expected of VRRP` });
      return;
    }
    const outlived = cause !== undefined ? `, outliving the end of ${cause.label} at ${cause.to.toFixed(3)} s by ${(t - cause.to).toFixed(3)} s` : '';
    findings.push({ kind: 'split-brain', from, to: t, hosts, instances, message: `${base}${outlived}` });
  };
  for (const record of records) {
    if (record.type !== 'transition') continue;
    const current = masters.get(record.vrid) ?? new Map<string, string>();
    masters.set(record.vrid, current);
    // Only a split brain already open can close here: the masters before the change are needed then only.
    const splitOpen = since.has(record.vrid);
    const before = splitOpen ? [...current.keys()] : [];
    const beforeInstances = splitOpen ? [...current.entries()].map(([host, instance]) => `${host}/${instance}`) : [];
    if (record.to === 'MASTER') current.set(record.host, record.instance);
    else current.delete(record.host);
    if (current.size >= 2 && !since.has(record.vrid)) since.set(record.vrid, record.t);
    if (current.size < 2 && since.has(record.vrid)) close(record.vrid, record.t, before, beforeInstances);
  }
  for (const [vrid, current] of masters) {
    if (since.has(vrid)) close(vrid, facts.durationS, [...current.keys()], [...current.entries()].map(([host, instance]) => `${host}/${instance}`));
  }
  return findings;
}
