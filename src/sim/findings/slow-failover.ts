import { masterDownIntervalMs, skewTimeMs } from '../../engine/timing.js';
import type { SimRecord } from '../cluster.js';
import { SLACK_S, type Facts } from './facts.js';
import type { SimFinding } from './types.js';
import { World } from './world.js';

/**
 * A VRID with no MASTER for longer than Master_Down_Interval (+100 ms) while some host could have
 * taken over: one running keepalived with its instance in BACKUP, or in FAULT with no injected
 * fault to explain it (e.g. a weight-0 check whose service a notify script stopped). The clock
 * starts when the last master left (or, at start-up, when the first instance came up) and waits
 * for a host excused by injected faults until its checks can have recovered. A gap that only the
 * injected faults made long (the only backup's link down) is reported as `byDesign`.
 */
export function slowFailover(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const findings: SimFinding[] = [];
  interface Gap {
    /** When the VRID lost its master (undefined: never had one yet). */
    since: number | undefined;
    from: string | undefined;
    /** Start of the running clock (when someone could take over), if any. */
    clock: number | undefined;
    /** The clock ran out while someone could have taken over. */
    blamed: { at: number; hosts: string[] } | undefined;
  }
  const gaps = new Map<number, Gap>([...facts.vrids.keys()].map((vrid) => [vrid, { since: undefined, from: undefined, clock: undefined, blamed: undefined }]));
  const limit = (vrid: number): number => facts.takeover(vrid) - SLACK_S + 0.1;

  /** Since when `host` could hold the VRID (undefined: it cannot now). */
  const candidateSince = (vrid: number, host: string): number | undefined => {
    if (facts.instance(host, vrid) === undefined || !world.alive.has(host)) return undefined;
    const state = world.state(host, vrid);
    const since = world.since(host, vrid) ?? 0;
    if (state === 'BACKUP') return since;
    if (state === 'FAULT' && !world.isImpaired(host)) return Math.max(since, world.eligibleAt.get(host) ?? 0);
    return undefined;
  };
  /** Hosts that could hold the VRID now, with the time since when they could. */
  const candidates = (vrid: number): { host: string; since: number }[] => {
    const result: { host: string; since: number }[] = [];
    for (const host of facts.hosts) {
      const since = candidateSince(vrid, host);
      if (since !== undefined) result.push({ host, since });
    }
    return result;
  };
  /** The earliest time since when some host could hold the VRID (undefined: none can now). */
  const earliestCandidate = (vrid: number): number | undefined => {
    let earliest: number | undefined;
    for (const host of facts.hosts) {
      const since = candidateSince(vrid, host);
      if (since !== undefined && (earliest === undefined || since < earliest)) earliest = since;
    }
    return earliest;
  };
  const tick = (vrid: number, gap: Gap, t: number): void => {
    if (gap.clock !== undefined && gap.blamed === undefined && t - gap.clock > limit(vrid)) {
      const deadline = gap.clock + limit(vrid);
      gap.blamed = { at: gap.clock, hosts: candidates(vrid).filter((candidate) => candidate.since <= deadline).map((candidate) => candidate.host) };
    }
    const start = earliestCandidate(vrid);
    gap.clock = start === undefined ? undefined : Math.max(start, gap.since ?? start);
  };
  const report = (vrid: number, gap: Gap, to: number, newMaster: { host: string; instance: string; priority: number } | undefined): void => {
    const start = gap.since ?? gap.clock;
    if (start === undefined) return;
    const info = newMaster !== undefined ? facts.instance(newMaster.host, vrid) : undefined;
    const expectedMs =
      info !== undefined && newMaster !== undefined
        ? Math.max(masterDownIntervalMs(info.version, newMaster.priority, info.advertIntervalMs), skewTimeMs(info.version, newMaster.priority, info.advertIntervalMs))
        : (facts.takeover(vrid) - SLACK_S) * 1000;
    const blamed = gap.blamed !== undefined || (gap.clock !== undefined && (to - gap.clock) * 1000 > expectedMs + 100);
    const gapMs = (to - start) * 1000;
    if (!blamed && (newMaster === undefined || gapMs <= expectedMs + 100)) return;
    const left = gap.from !== undefined ? ` after ${gap.from} left` : ' from the start';
    const could = gap.blamed?.hosts ?? candidates(vrid).filter((candidate) => candidate.since <= to).map((candidate) => candidate.host);
    const hosts = [...new Set([...(gap.from !== undefined ? [gap.from] : []), ...(newMaster !== undefined ? [newMaster.host] : []), ...could])];
    const instances = hosts.flatMap((host) => {
      const name = facts.instance(host, vrid)?.name;
      return name === undefined ? [] : [`${host}/${name}`];
    });
    const base = `VRID ${vrid} had no master for ${(gapMs / 1000).toFixed(3)} s${left}${newMaster === undefined ? ' (until the end)' : ''} (Master_Down_Interval ${(expectedMs / 1000).toFixed(3)} s)`;
    if (blamed) {
      findings.push({ kind: 'slow-failover', from: start, to, hosts, instances, message: `${base} although ${could.length > 0 ? could.join(', ') : 'a host'} ran keepalived with no injected fault to stop it taking over` });
    } else {
      findings.push({ kind: 'slow-failover', from: start, to, hosts, instances, byDesign: true, message: `${base}, while the injected faults left no host able to take over: expected of VRRP` });
    }
  };

  for (const record of records) {
    world.apply(record);
    if (record.type === 'transition') {
      const gap = gaps.get(record.vrid);
      if (gap === undefined) continue;
      const masters = world.masterCount(record.vrid);
      if (record.to === 'MASTER' && masters === 1 && (gap.since !== undefined || gap.clock !== undefined)) {
        tick(record.vrid, gap, record.t);
        report(record.vrid, gap, record.t, { host: record.host, instance: record.instance, priority: record.priority });
        gaps.set(record.vrid, { since: undefined, from: undefined, clock: undefined, blamed: undefined });
        continue;
      }
      if (record.from === 'MASTER' && masters === 0) {
        gaps.set(record.vrid, { since: record.t, from: record.host, clock: undefined, blamed: undefined });
      }
    }
    if (record.type === 'transition' || record.type === 'fault' || record.type === 'script') {
      for (const vrid of facts.affected(record)) {
        const gap = gaps.get(vrid);
        if (gap === undefined) continue;
        if (world.masterCount(vrid) > 0) {
          gap.clock = undefined;
          continue;
        }
        tick(vrid, gap, record.t);
      }
    }
  }
  for (const [vrid, gap] of gaps) {
    if (world.masterCount(vrid) > 0) continue;
    tick(vrid, gap, facts.durationS);
    if (gap.blamed !== undefined) report(vrid, gap, facts.durationS, undefined);
  }
  return findings;
}
