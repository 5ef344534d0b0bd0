import type { SimRecord } from '../cluster.js';
import { holdsAll, normaliseAddress, type Facts, type VridInfo } from './facts.js';
import type { SimFinding } from './types.js';
import { World } from './world.js';

/**
 * collective-drift: one host holds every VIP of two or more instances while the home of one of
 * them runs keepalived and nothing injected keeps it down.
 *
 * Rules:
 * - The home of an instance is the host of its cluster (the instances that accept each other's
 *   adverts) configured `state MASTER`, else with the highest base priority: a host of another
 *   cluster sharing the VRID, or one a unicast_peer list leaves out, is never its home.
 * - Excused: the home's own injected faults (a service stopped by the timeline, its link down, a
 *   flag file, a partition), the time its checks need to recover afterwards (rise x interval),
 *   and the takeover time after that (Master_Down_Interval + preempt_delay).
 * - A home with `nopreempt` is expected not to take its VIPs back.
 * - The message gives the cause as the records tell it: per VRID away from home, the home's and
 *   the holder's priorities and the home's failing weighted checks.
 */
export function collectiveDrift(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const held = new Map<string, Set<string>>(facts.hosts.map((host) => [host, new Set<string>()]));
  const findings: SimFinding[] = [];
  let open: { key: string; from: number; host: string; vrids: number[]; away: string[]; cause: string } | undefined;

  /** `host` holds the VIPs of a VRID whose home runs keepalived with nothing injected to keep it from taking them back. */
  const awayFromHome = (host: string, entry: VridInfo): boolean => {
    const info = entry.byHost.get(host);
    const home = info === undefined ? undefined : facts.homeFor(info);
    if (home === undefined || home === host || !world.alive.has(home) || world.isImpaired(home) || world.partition !== undefined) return false;
    return entry.byHost.get(home)?.nopreempt !== true;
  };
  const homeOf = (host: string, entry: VridInfo | undefined): string | undefined => {
    const info = entry?.byHost.get(host);
    return info === undefined ? entry?.home : facts.homeFor(info);
  };
  const evaluate = (t: number): void => {
    let current: { key: string; host: string; vrids: number[]; away: string[]; since: number } | undefined;
    for (const host of facts.hosts) {
      const vips = held.get(host);
      // Most of the time a host holds no instance's every VIP, or one: nothing to build.
      if (vips === undefined || vips.size === 0) continue;
      const candidates = facts.instancesWithVips(host);
      let count = 0;
      let awayCount = 0;
      for (const { info, entry } of candidates) {
        if (!holdsAll(vips, info.vips)) continue;
        count++;
        if (awayFromHome(host, entry)) awayCount++;
      }
      if (count < 2 || awayCount === 0) continue;
      const whole = candidates.filter(({ info }) => holdsAll(vips, info.vips)).map(({ vrid, entry }) => [vrid, entry] as const);
      const away = whole.filter(([, entry]) => awayFromHome(host, entry));
      const vridList = whole.map(([vrid]) => vrid).sort((a, b) => a - b);
      const homes = [...new Set(away.map(([, entry]) => homeOf(host, entry) ?? ''))];
      const since = Math.min(...homes.map((home) => world.eligibleAt.get(home) ?? t));
      current = { key: `${host}:${vridList.join(',')}:${homes.join(',')}`, host, vrids: vridList, away: homes, since };
      break;
    }
    if (open !== undefined && current?.key !== open.key) {
      closeDrift(open, t);
      open = undefined;
    }
    if (current !== undefined && open === undefined) open = { key: current.key, host: current.host, vrids: current.vrids, away: current.away, from: Math.max(t, current.since), cause: '' };
    // What keeps the VIPs away, as it stands while the drift lasts.
    if (open !== undefined) open.cause = cause(open.host, open.vrids);
  };
  /** The priorities of the home and the holder per VRID away from home, with the home's failing weighted checks. */
  const cause = (host: string, vrids: readonly number[]): string => {
    const parts: string[] = [];
    for (const vrid of vrids) {
      const holder = facts.instance(host, vrid);
      const entry = facts.vrids.get(vrid);
      if (holder === undefined || entry === undefined || !awayFromHome(host, entry)) continue;
      const home = facts.instance(homeOf(host, entry) ?? '', vrid);
      if (home === undefined) continue;
      const bad = world.badChecks(home);
      parts.push(`${holder.name}: ${home.host} ${world.priority(home)}${bad.length > 0 ? ` (${bad.join(', ')} failing)` : ''}, ${host} ${world.priority(holder)}`);
    }
    return parts.length > 0 ? ` (priorities in ${parts.join('; ')})` : '';
  };
  const closeDrift = (span: { from: number; host: string; vrids: number[]; away: string[]; cause: string }, to: number): void => {
    const threshold = Math.max(...span.vrids.map((vrid) => facts.takeover(vrid, homeOf(span.host, facts.vrids.get(vrid)))));
    if (to - span.from < threshold) return;
    const names = span.vrids.map((vrid) => facts.instance(span.host, vrid)?.name ?? `VRID ${vrid}`);
    const vips = span.vrids.flatMap((vrid) => facts.instance(span.host, vrid)?.vips ?? []);
    findings.push({
      kind: 'collective-drift',
      from: span.from,
      to,
      hosts: [span.host, ...span.away],
      instances: names.map((name) => `${span.host}/${name}`),
      message:
        `${span.host} holds every VIP of ${names.join(', ')} (${vips.join(', ')}) while ${span.away.join(', ')}, ` +
        `home to some of them, runs keepalived with no injected fault: the instances moved together${span.cause}`,
    });
  };

  for (const record of records) {
    world.apply(record);
    if (record.type === 'vip') {
      const set = held.get(record.host);
      if (record.held) set?.add(normaliseAddress(record.address));
      else set?.delete(normaliseAddress(record.address));
      evaluate(record.t);
    } else if (record.type === 'fault') {
      evaluate(record.t);
    } else if (open !== undefined && (record.type === 'priority' || record.type === 'script' || record.type === 'transition')) {
      open.cause = cause(open.host, open.vrids);
    }
  }
  if (open !== undefined) closeDrift(open, facts.durationS);
  return findings;
}
