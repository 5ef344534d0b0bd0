import { masterDownIntervalMs, skewTimeMs } from '../../engine/timing.js';
import type { SimRecord } from '../cluster.js';
import { SLACK_S, type Facts } from './facts.js';
import type { SimFinding } from './types.js';
import { World } from './world.js';

/**
 * slow-failover: a VRID's VIPs with no MASTER for longer than VRRP allows while some host could
 * have taken over.
 *
 * Rules:
 * - Judged per group of hosts that would hold the same VIPs (src/sim/findings/facts.ts
 *   `vipGroups`): another cluster sharing the VRID with other VIPs neither fills the gap nor is
 *   named as able to.
 * - A host could take over when it runs keepalived with its instance in BACKUP, or in FAULT with
 *   no injected fault to explain it (e.g. a weight-0 check whose service a notify script
 *   stopped). The clock starts when the last master left (or, at start-up, when the first
 *   instance came up), and for a host kept out by injected faults when its checks can have
 *   recovered from them (rise x interval).
 * - VRRP allows each host that could take over its own Master_Down_Interval (at its priority,
 *   +100 ms; a change of priority moves the deadline as keepalived does) from then: a gap is slow only past the earliest of those (a host started a moment
 *   later with a higher priority may win, within its own interval); while no one took over, the
 *   slowest takeover of the VRID (Master_Down_Interval at priority 1 plus preempt_delay).
 * - A host whose keepalived was stopped or killed during the gap is never blamed.
 * - A gap that only the injected faults made long (the only backup's link down) is `byDesign`.
 */
export function slowFailover(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const findings: SimFinding[] = [];
  interface Gap {
    vrid: number;
    hosts: readonly string[];
    /** When the group lost its master (undefined: never had one yet). */
    since: number | undefined;
    from: string | undefined;
    /** Start of the running clock (when someone could take over), if any. */
    clock: number | undefined;
    /** The clock ran out while someone could have taken over. */
    blamed: { at: number; hosts: string[] } | undefined;
    /** When the group last had no master from (a master's STOP record may come after its fault). */
    empty: number | undefined;
    /** Hosts able to take over now: when each would have, by its own Master_Down_Interval. */
    due: Map<string, { due: number; priority: number }>;
    /** Hosts that stayed able to take over past that without doing so. */
    overdue: Set<string>;
    /** For a while no host could take over: the injected faults kept them all out. */
    uncovered: boolean;
    /** Why each blamed host did not take over, as it stood when it was due. */
    reasons: Map<string, string>;
  }
  const fresh = (gap: Gap): void => {
    gap.since = undefined;
    gap.from = undefined;
    gap.clock = undefined;
    gap.blamed = undefined;
    gap.due = new Map();
    gap.overdue = new Set();
    gap.empty = undefined;
    gap.uncovered = false;
    gap.reasons = new Map();
  };
  /** vrid -> its groups' gaps. */
  const gaps = new Map<number, Gap[]>(
    [...facts.vrids.keys()].map((vrid) => [vrid, facts.vipGroups(vrid).map((hosts) => ({ vrid, hosts, since: undefined, from: undefined, clock: undefined, blamed: undefined, empty: undefined, due: new Map<string, { due: number; priority: number }>(), overdue: new Set<string>(), uncovered: false, reasons: new Map<string, string>() }))]),
  );
  const gapOf = (vrid: number, host: string): Gap | undefined => gaps.get(vrid)?.find((gap) => gap.hosts.includes(host));
  const limit = (vrid: number): number => facts.takeover(vrid) - SLACK_S + 0.1;
  const masterCount = (gap: Gap): number => {
    let count = 0;
    for (const host of world.masters(gap.vrid)) if (gap.hosts.includes(host)) count++;
    return count;
  };

  /** Since when `host` could hold the VRID (undefined: it cannot now). */
  const candidateSince = (vrid: number, host: string): number | undefined => {
    if (facts.instance(host, vrid) === undefined || !world.alive.has(host)) return undefined;
    const state = world.state(host, vrid);
    const since = world.since(host, vrid) ?? 0;
    if (state === 'BACKUP') return since;
    if (state === 'FAULT' && !world.isImpaired(host)) return Math.max(since, world.eligibleAt.get(host) ?? 0);
    return undefined;
  };
  /** Hosts of the group that could hold the VRID now, with the time since when they could. */
  const candidates = (gap: Gap): { host: string; since: number }[] => {
    const result: { host: string; since: number }[] = [];
    for (const host of gap.hosts) {
      const since = candidateSince(gap.vrid, host);
      if (since !== undefined) result.push({ host, since });
    }
    return result;
  };
  /** `host` stayed able to take over past its deadline. */
  const late = (gap: Gap, host: string): void => {
    gap.overdue.add(host);
    if (!gap.reasons.has(host)) gap.reasons.set(host, why(host, gap.vrid));
  };
  const tick = (gap: Gap, t: number): void => {
    const { vrid } = gap;
    if (gap.clock !== undefined && gap.blamed === undefined && t - gap.clock > limit(vrid)) {
      const deadline = gap.clock + limit(vrid);
      gap.blamed = { at: gap.clock, hosts: candidates(gap).filter((candidate) => candidate.since <= deadline).map((candidate) => candidate.host) };
      for (const host of gap.blamed.hosts) if (!gap.reasons.has(host)) gap.reasons.set(host, why(host, vrid));
    }
    // One pass over the group: the earliest candidate, and each host able to take over would by
    // its own Master_Down_Interval (at its priority when it could) from when it could: past that,
    // while it still could, the gap is slow.
    let start: number | undefined;
    for (const host of gap.hosts) {
      const since = candidateSince(vrid, host);
      const known = gap.due.get(host);
      if (since === undefined) {
        if (known === undefined) continue;
        if (t > known.due + 0.1) late(gap, host);
        gap.due.delete(host);
        continue;
      }
      if (start === undefined || since < start) start = since;
      const info = facts.instance(host, vrid);
      if (info === undefined) continue;
      const priority = world.priority(info);
      if (known !== undefined && t > known.due + 0.1) late(gap, host);
      if (known === undefined) {
        const from = Math.max(since, gap.since ?? gap.empty ?? since);
        gap.due.set(host, { due: from + masterDownIntervalMs(info.version, priority, info.advertIntervalMs) / 1000, priority });
      } else if (known.priority !== priority) {
        // keepalived's vrrp_set_effective_priority() moves a backup's deadline by the change of its
        // Master_Down_Interval (the Skew_Time at the new priority).
        const shift = (masterDownIntervalMs(info.version, priority, info.advertIntervalMs) - masterDownIntervalMs(info.version, known.priority, info.advertIntervalMs)) / 1000;
        gap.due.set(host, { due: known.due + shift, priority });
      }
    }
    gap.clock = start === undefined ? undefined : Math.max(start, gap.since ?? start);
    if (start === undefined && gap.since !== undefined) gap.uncovered = true;
  };
  /** What kept a host that could take over from doing so, as far as the records tell: a failing weight-0 check. */
  const why = (host: string, vrid: number): string => {
    const info = facts.instance(host, vrid);
    if (info === undefined || world.state(host, vrid) !== 'FAULT') return '';
    const failing = info.faulting.filter((script) => world.scripts.get(host)?.get(script) === false);
    return failing.length > 0 ? ` (in FAULT: ${failing.join(', ')} failing, weight 0)` : ' (in FAULT)';
  };
  const report = (gap: Gap, to: number, newMaster: { host: string; instance: string; priority: number } | undefined): void => {
    const { vrid } = gap;
    const start = gap.since ?? gap.clock;
    if (start === undefined) return;
    const info = newMaster !== undefined ? facts.instance(newMaster.host, vrid) : undefined;
    const expectedMs =
      info !== undefined && newMaster !== undefined
        ? Math.max(masterDownIntervalMs(info.version, newMaster.priority, info.advertIntervalMs), skewTimeMs(info.version, newMaster.priority, info.advertIntervalMs))
        : (facts.takeover(vrid) - SLACK_S) * 1000;
    for (const [host, { due }] of gap.due) if (to > due + 0.1) late(gap, host);
    // Where another configuration shares the VRID, its rejected adverts re-arm the backups' timers
    // at moments no record shows: only the slowest takeover of the VRID is held against them (the
    // vrid-conflict finding names the adverts put off).
    const blamed = gap.blamed !== undefined || (gap.overdue.size > 0 && !facts.sharedVrid(vrid));
    const gapMs = (to - start) * 1000;
    // Nobody overdue: each host that could take over was within its own interval (at start-up,
    // hosts coming up one after the other). Expected of VRRP under the faults only when they kept
    // every host out for a while.
    if (!blamed && (newMaster === undefined || gapMs <= expectedMs + 100 || !gap.uncovered)) return;
    const left = gap.from !== undefined ? ` after ${gap.from} left` : ' from the start';
    // Only hosts that could take over, without a break, past their deadline: a stop or kill ends
    // a host's chance, and one started again has a new deadline from its start.
    const could = [...new Set([...(gap.blamed?.hosts ?? []), ...(facts.sharedVrid(vrid) ? [] : gap.overdue)])];
    const hosts = [...new Set([...(gap.from !== undefined ? [gap.from] : []), ...(newMaster !== undefined ? [newMaster.host] : []), ...could])];
    const instances = hosts.flatMap((host) => {
      const name = facts.instance(host, vrid)?.name;
      return name === undefined ? [] : [`${host}/${name}`];
    });
    const base = `VRID ${vrid} had no master for ${(gapMs / 1000).toFixed(3)} s${left}${newMaster === undefined ? ' (until the end)' : ''} (Master_Down_Interval ${(expectedMs / 1000).toFixed(3)} s)`;
    if (blamed && could.length > 0) {
      // Another configuration on the VRID: its adverts reach these hosts, are rejected, and still
      // re-arm their master-down timers (keepalived resets an instance's timer on every packet it reads).
      const conflict = facts.sharedVrid(vrid) ? `: the adverts of the other configuration on VRID ${vrid}, rejected, still re-arm ${could.length === 1 ? 'its' : 'their'} master-down timer (vrid-conflict)` : '';
      findings.push({ kind: 'slow-failover', from: start, to, hosts, instances, message: `${base} although ${could.map((host) => `${host}${gap.reasons.get(host) ?? why(host, vrid)}`).join(', ')} ran keepalived with no injected fault to stop it taking over${conflict}` });
    } else {
      findings.push({ kind: 'slow-failover', from: start, to, hosts, instances, byDesign: true, message: `${base}, while the injected faults left no host able to take over: expected of VRRP` });
    }
  };

  for (const record of records) {
    // A deadline that passed before this record passed under the state before it: judged (and its
    // reason read) before the record changes anything.
    if (record.type === 'transition' || record.type === 'fault' || record.type === 'script' || record.type === 'priority') {
      for (const vrid of facts.affected(record)) {
        for (const gap of gaps.get(vrid) ?? []) for (const [host, { due }] of gap.due) if (record.t > due + 0.1) late(gap, host);
      }
    }
    world.apply(record);
    if (record.type === 'transition') {
      const gap = gapOf(record.vrid, record.host);
      if (gap === undefined) continue;
      const masters = masterCount(gap);
      if (record.to === 'MASTER' && masters === 1 && (gap.since !== undefined || gap.clock !== undefined)) {
        tick(gap, record.t);
        report(gap, record.t, { host: record.host, instance: record.instance, priority: record.priority });
        fresh(gap);
        continue;
      }
      if (record.from === 'MASTER' && masters === 0) {
        fresh(gap);
        gap.since = record.t;
        gap.from = record.host;
      }
    }
    if (record.type === 'transition' || record.type === 'fault' || record.type === 'script' || record.type === 'priority') {
      for (const vrid of facts.affected(record)) {
        for (const gap of gaps.get(vrid) ?? []) {
          if (masterCount(gap) > 0) {
            gap.clock = undefined;
            gap.empty = undefined;
            continue;
          }
          gap.empty ??= record.t;
          tick(gap, record.t);
        }
      }
    }
  }
  for (const list of gaps.values()) {
    for (const gap of list) {
      if (masterCount(gap) > 0) continue;
      tick(gap, facts.durationS);
      if (gap.blamed !== undefined) report(gap, facts.durationS, undefined);
    }
  }
  return findings;
}
