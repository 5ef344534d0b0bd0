import type { SimRecord } from '../cluster.js';
import { normaliseAddress, type Facts } from './facts.js';
import type { SimFinding } from './types.js';

/**
 * duplicate-vip: one VIP on two hosts at once under different VRIDs (e.g. one host's instance configured with
 * VRID 61, the others' with 51): the two routers never hear of each other, so nothing ever ends
 * it. The same VRID on two hosts is a split brain (that finding's job), and a handover within one
 * VRID is not a duplicate. Overlaps up to one advert interval are allowed.
 */
export function duplicateVips(records: SimRecord[], facts: Facts): SimFinding[] {
  const vridOf = new Map<string, number>();
  for (const [vrid, entry] of facts.vrids) for (const info of entry.byHost.values()) vridOf.set(`${info.host}\0${info.name}`, vrid);
  const holders = new Map<string, Map<string, { instance: string; vrid: number | undefined }>>();
  const open = new Map<string, { from: number; who: Set<string> }>();
  const findings: SimFinding[] = [];
  const close = (address: string, span: { from: number; who: Set<string> }, to: number): void => {
    const entries = [...span.who].map((item) => item.split('\0'));
    const vrids = [...new Set(entries.map(([, , vrid]) => vrid ?? '?'))];
    const grace = Math.max(...vrids.map((vrid) => facts.advertInterval(Number(vrid))));
    if (to - span.from <= grace) return;
    const hosts = [...new Set(entries.map(([host]) => host ?? ''))];
    const instances = entries.map(([host, instance]) => `${host ?? ''}/${instance ?? ''}`);
    const described = entries.map(([host, instance, vrid]) => `${host ?? ''} (${instance ?? ''}, VRID ${vrid ?? '?'})`);
    findings.push({
      kind: 'duplicate-vip',
      from: span.from,
      to,
      hosts,
      instances: [...new Set(instances)],
      message: `${address} was held by ${described.join(' and ')} at once for ${(to - span.from).toFixed(3)} s: different VRIDs for one VIP never hear each other`,
    });
  };
  for (const record of records) {
    if (record.type !== 'vip') continue;
    const address = normaliseAddress(record.address);
    const map = holders.get(address) ?? new Map<string, { instance: string; vrid: number | undefined }>();
    holders.set(address, map);
    if (record.held) map.set(record.host, { instance: record.instance, vrid: vridOf.get(`${record.host}\0${record.instance}`) });
    else map.delete(record.host);
    const vrids = new Set([...map.values()].map((holder) => holder.vrid));
    const duplicate = map.size >= 2 && vrids.size >= 2;
    const span = open.get(address);
    if (duplicate) {
      const who = [...map.entries()].map(([host, holder]) => `${host}\0${holder.instance}\0${holder.vrid ?? '?'}`);
      if (span === undefined) open.set(address, { from: record.t, who: new Set(who) });
      else for (const item of who) span.who.add(item);
    } else if (span !== undefined) {
      close(address, span, record.t);
      open.delete(address);
    }
  }
  for (const [address, span] of open) close(address, span, facts.durationS);
  return findings;
}
