import { describeSides, type VridConflict } from '../../analysis/vrid-conflict.js';
import type { VrrpState } from '../../engine/types.js';
import type { SimRecord } from '../cluster.js';
import type { FindingContext, SimFinding } from './types.js';

/**
 * vrid-conflict: two configurations share a VRID on the LAN but not what keepalived checks in each advert (see
 * src/analysis/vrid-conflict.ts): reported once both sides have run at the same time, with what it
 * caused in this run (keepalived's reject lines, adverts put off, takeovers, two MASTERs at once).
 */
export function vridConflicts(records: SimRecord[], context: FindingContext, conflicts: readonly VridConflict[]): SimFinding[] {
  if (conflicts.length === 0) return [];
  const findings: SimFinding[] = [];
  for (const conflict of conflicts) {
    const sideOf = new Map<string, number>();
    conflict.sides.forEach((side, index) => {
      for (const member of side.members) sideOf.set(`${member.host}/${member.instance}`, index);
    });
    const running = new Map<string, VrrpState>();
    let from: number | undefined;
    let to: number | undefined;
    let together = false;
    let bothMasterSince: number | undefined;
    let bothMasterS = 0;
    let takeovers = 0;
    const rejects = new Map<string, number>();
    let delayed = 0;
    let worstGap = 0;
    const update = (t: number): void => {
      const sidesRunning = new Set<number>();
      const sidesMaster = new Set<number>();
      for (const [key, state] of running) {
        const side = sideOf.get(key);
        if (side === undefined || state === 'STOP') continue;
        sidesRunning.add(side);
        if (state === 'MASTER') sidesMaster.add(side);
      }
      const nowTogether = sidesRunning.size >= 2;
      if (nowTogether && from === undefined) from = t;
      if (together && !nowTogether) to = t;
      if (nowTogether) to = undefined;
      together = nowTogether;
      const nowBoth = sidesMaster.size >= 2;
      if (nowBoth && bothMasterSince === undefined) bothMasterSince = t;
      if (!nowBoth && bothMasterSince !== undefined) {
        bothMasterS += t - bothMasterSince;
        bothMasterSince = undefined;
      }
    };
    for (const record of records) {
      if (record.type === 'transition') {
        const key = `${record.host}/${record.instance}`;
        if (!sideOf.has(key)) continue;
        if (record.to === 'MASTER' && together) takeovers++;
        running.set(key, record.to);
        update(record.t);
      } else if (record.type === 'log' && together && record.message.includes(conflict.rejectLine)) {
        const host = record.host;
        if ([...sideOf.keys()].some((key) => key.startsWith(`${host}/`) && record.message.startsWith(`(${key.slice(host.length + 1)})`))) {
          rejects.set(host, (rejects.get(host) ?? 0) + 1);
        }
      } else if (record.type === 'advert-delay' && together && sideOf.has(`${record.host}/${record.instance}`)) {
        delayed++;
        worstGap = Math.max(worstGap, record.gap);
      }
    }
    if (from === undefined) continue;
    const end = to ?? context.durationMs / 1000;
    if (bothMasterSince !== undefined) bothMasterS += end - bothMasterSince;
    const hosts = [...new Set(conflict.sides.flatMap((side) => side.members.map((m) => m.host)))];
    const caused: string[] = [];
    const lines = [...rejects.entries()].map(([host, count]) => `${count} on ${host}`);
    if (lines.length > 0) caused.push(`"${conflict.rejectLine}" logged ${lines.join(', ')}`);
    if (bothMasterS > 0) caused.push(`both sides MASTER for ${bothMasterS.toFixed(3)} s`);
    if (takeovers > 0) caused.push(`${takeovers} takeover${takeovers === 1 ? '' : 's'}`);
    if (delayed > 0) caused.push(`${delayed} advert${delayed === 1 ? '' : 's'} put off (up to ${worstGap.toFixed(3)} s apart)`);
    findings.push({
      kind: 'vrid-conflict',
      from,
      to: end,
      hosts,
      instances: conflict.sides.flatMap((side) => side.members.map((m) => `${m.host}/${m.instance}`)),
      message:
        `VRID ${conflict.vrid} (IPv${conflict.family}) has two configurations on the LAN that differ in ${conflict.differences.join(', ')}: ${describeSides(conflict)}; ` +
        `each side rejects the other's adverts, elects its own master, and has its adverts put off by the other's` +
        (caused.length > 0 ? `: ${caused.join('; ')}` : ''),
    });
  }
  return findings;
}
