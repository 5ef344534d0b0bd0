/**
 * What went wrong in a simulated run, named: computed from the run's records after the fact, so
 * the same code can judge any timeline of transitions, VIP moves and service changes.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { masterDownIntervalMs, skewTimeMs } from '../engine/timing.js';
import type { VrrpState } from '../engine/types.js';
import type { SimRecord } from './cluster.js';

export type SimFindingKind = 'collective-drift' | 'split-brain' | 'flapping' | 'stranded-service' | 'slow-failover';

export const SIM_FINDING_KINDS: readonly SimFindingKind[] = ['collective-drift', 'split-brain', 'flapping', 'stranded-service', 'slow-failover'];

export interface SimFinding {
  kind: SimFindingKind;
  /** Virtual seconds. */
  from: number;
  to: number;
  hosts: string[];
  instances: string[];
  message: string;
}

export interface FindingContext {
  hosts: { name: string; config: KeepalivedConfig }[];
  durationMs: number;
  flapping: { transitions: number; windowMs: number };
  endServices: Record<string, Record<string, boolean>>;
}

export function findSimulationFindings(records: SimRecord[], context: FindingContext): SimFinding[] {
  const findings = [
    ...collectiveDrift(records, context),
    ...splitBrain(records, context),
    ...flapping(records, context),
    ...strandedServices(records, context),
    ...slowFailover(records, context),
  ];
  return findings.sort((a, b) => a.from - b.from || a.kind.localeCompare(b.kind));
}

interface InstanceInfo {
  name: string;
  vrid: number;
  vips: string[];
  advertIntervalMs: number;
  version: 2 | 3;
}

function instancesByVrid(context: FindingContext): Map<number, { home: string | undefined; byHost: Map<string, InstanceInfo> }> {
  const result = new Map<number, { home: string | undefined; byHost: Map<string, InstanceInfo> }>();
  for (const host of context.hosts) {
    for (const instance of host.config.instances) {
      const entry = result.get(instance.vrid) ?? { home: undefined, byHost: new Map<string, InstanceInfo>() };
      entry.byHost.set(host.name, {
        name: instance.name,
        vrid: instance.vrid,
        vips: instance.virtualIpaddresses.map((vip) => vip.address),
        advertIntervalMs: instance.advertIntervalMs,
        version: instance.version,
      });
      result.set(instance.vrid, entry);
    }
  }
  // The home of a VRID: the host configured `state MASTER`, else the highest base priority.
  for (const [vrid, entry] of result) {
    let best: { host: string; score: number } | undefined;
    for (const host of context.hosts) {
      const instance = host.config.instances.find((candidate) => candidate.vrid === vrid);
      if (instance === undefined) continue;
      const score = (instance.initialState === 'MASTER' ? 1000 : 0) + instance.priority;
      if (best === undefined || score > best.score) best = { host: host.name, score };
    }
    entry.home = best?.host;
  }
  return result;
}

/**
 * Collective drift: one host holds every VIP of two or more instances while the home of one of
 * them (configured MASTER, else highest base priority) runs keepalived and nothing external keeps
 * it down. Excused: the home host's own injected faults (a service stopped by the timeline, its
 * link down, a flag file, a partition) and the Master_Down_Interval it needs to take over again.
 */
function collectiveDrift(records: SimRecord[], context: FindingContext): SimFinding[] {
  const vrids = instancesByVrid(context);
  const held = new Map<string, Set<string>>(context.hosts.map((host) => [host.name, new Set<string>()]));
  const alive = new Set<string>();
  /** Per host: injected impairments in force (service:NAME, link, file:PATH, partition). */
  const impaired = new Map<string, Set<string>>(context.hosts.map((host) => [host.name, new Set<string>()]));
  /** Per host: when it last became able to win (started, or last impairment cleared). */
  const eligibleSince = new Map<string, number>();
  const findings: SimFinding[] = [];
  let open: { key: string; from: number; host: string; vrids: number[]; away: string[] } | undefined;

  const reclaimSeconds = (vrid: number, home: string): number => {
    const interval = vrids.get(vrid)?.byHost.get(home)?.advertIntervalMs ?? 1000;
    return (3 * interval) / 1000 + 1;
  };
  const evaluate = (t: number): void => {
    let current: { key: string; host: string; vrids: number[]; away: string[]; since: number } | undefined;
    for (const host of context.hosts) {
      const vips = held.get(host.name) ?? new Set<string>();
      const whole = [...vrids.entries()].filter(([, entry]) => {
        const info = entry.byHost.get(host.name);
        return info !== undefined && info.vips.length > 0 && info.vips.every((vip) => vips.has(vip));
      });
      if (whole.length < 2) continue;
      const away = whole.filter(([, entry]) => {
        const home = entry.home;
        return home !== undefined && home !== host.name && alive.has(home) && (impaired.get(home)?.size ?? 0) === 0;
      });
      if (away.length === 0) continue;
      const vridList = whole.map(([vrid]) => vrid).sort((a, b) => a - b);
      const homes = [...new Set(away.map(([, entry]) => entry.home ?? ''))];
      const since = Math.min(...homes.map((home) => eligibleSince.get(home) ?? t));
      current = { key: `${host.name}:${vridList.join(',')}:${homes.join(',')}`, host: host.name, vrids: vridList, away: homes, since };
      break;
    }
    if (open !== undefined && current?.key !== open.key) {
      closeDrift(open, t);
      open = undefined;
    }
    if (current !== undefined && open === undefined) open = { key: current.key, host: current.host, vrids: current.vrids, away: current.away, from: Math.max(t, current.since) };
  };
  const closeDrift = (span: { from: number; host: string; vrids: number[]; away: string[] }, to: number): void => {
    const threshold = Math.max(...span.vrids.map((vrid) => reclaimSeconds(vrid, span.away[0] ?? '')));
    if (to - span.from < threshold) return;
    const names = span.vrids.map((vrid) => vrids.get(vrid)?.byHost.get(span.host)?.name ?? `VRID ${vrid}`);
    const vips = span.vrids.flatMap((vrid) => vrids.get(vrid)?.byHost.get(span.host)?.vips ?? []);
    findings.push({
      kind: 'collective-drift',
      from: span.from,
      to,
      hosts: [span.host, ...span.away],
      instances: names.map((name) => `${span.host}/${name}`),
      message:
        `${span.host} holds every VIP of ${names.join(', ')} (${vips.join(', ')}) while ${span.away.join(', ')}, ` +
        `home to some of them, runs keepalived with no injected fault: the instances moved together`,
    });
  };
  const impairment = (record: Extract<SimRecord, { type: 'fault' }>): { key: string; on: boolean } | undefined => {
    switch (record.action) {
      case 'service-stop':
      case 'service-start':
        return { key: `service:${record.detail ?? ''}`, on: record.action === 'service-stop' };
      case 'link-down':
      case 'link-up':
        return { key: 'link', on: record.action === 'link-down' };
      case 'touch':
      case 'rm':
        return { key: `file:${record.detail ?? ''}`, on: record.action === 'touch' };
      default:
        return undefined;
    }
  };

  for (const record of records) {
    if (record.type === 'vip') {
      const set = held.get(record.host);
      if (record.held) set?.add(record.address);
      else set?.delete(record.address);
      evaluate(record.t);
    } else if (record.type === 'fault') {
      const hostNames = record.host !== undefined ? [record.host] : context.hosts.map((host) => host.name);
      for (const name of hostNames) {
        if (record.action === 'start') {
          alive.add(name);
          eligibleSince.set(name, record.t);
        } else if (record.action === 'stop' || record.action === 'kill') {
          alive.delete(name);
        } else if (record.action === 'partition' || record.action === 'heal') {
          const set = impaired.get(name);
          if (record.action === 'partition') set?.add('partition');
          else if (set?.delete('partition') === true && set.size === 0) eligibleSince.set(name, record.t);
        } else {
          const change = record.host === undefined ? undefined : impairment(record);
          if (change === undefined) continue;
          const set = impaired.get(name);
          if (change.on) set?.add(change.key);
          else if (set?.delete(change.key) === true && set.size === 0) eligibleSince.set(name, record.t);
        }
      }
      evaluate(record.t);
    }
  }
  if (open !== undefined) closeDrift(open, context.durationMs / 1000);
  return findings;
}

function splitBrain(records: SimRecord[], context: FindingContext): SimFinding[] {
  const vrids = instancesByVrid(context);
  const masters = new Map<number, Map<string, string>>();
  const since = new Map<number, number>();
  const findings: SimFinding[] = [];
  const close = (vrid: number, t: number, hosts: string[], instances: string[]): void => {
    const from = since.get(vrid);
    since.delete(vrid);
    if (from === undefined) return;
    const interval = [...(vrids.get(vrid)?.byHost.values() ?? [])][0]?.advertIntervalMs ?? 1000;
    if ((t - from) * 1000 <= interval) return;
    findings.push({
      kind: 'split-brain',
      from,
      to: t,
      hosts,
      instances,
      message: `${hosts.join(' and ')} were both MASTER of VRID ${vrid} for ${(t - from).toFixed(3)} s (longer than one advert interval)`,
    });
  };
  const end = context.durationMs / 1000;
  for (const record of records) {
    if (record.type !== 'transition') continue;
    const current = masters.get(record.vrid) ?? new Map<string, string>();
    masters.set(record.vrid, current);
    const before = [...current.keys()];
    const beforeInstances = [...current.entries()].map(([host, instance]) => `${host}/${instance}`);
    if (record.to === 'MASTER') current.set(record.host, record.instance);
    else current.delete(record.host);
    if (current.size >= 2 && !since.has(record.vrid)) since.set(record.vrid, record.t);
    if (current.size < 2 && since.has(record.vrid)) close(record.vrid, record.t, before, beforeInstances);
  }
  for (const [vrid, current] of masters) {
    if (since.has(vrid)) close(vrid, end, [...current.keys()], [...current.entries()].map(([host, instance]) => `${host}/${instance}`));
  }
  return findings;
}

function flapping(records: SimRecord[], context: FindingContext): SimFinding[] {
  const { transitions: limit, windowMs } = context.flapping;
  const times = new Map<string, number[]>();
  for (const record of records) {
    if (record.type !== 'transition' || record.from === 'INIT' || record.to === 'STOP') continue;
    const key = `${record.host}/${record.instance}`;
    const list = times.get(key) ?? [];
    list.push(record.t);
    times.set(key, list);
  }
  const findings: SimFinding[] = [];
  for (const [key, list] of times) {
    let start = 0;
    let worst: { from: number; to: number; count: number } | undefined;
    for (let end = 0; end < list.length; end++) {
      while ((list[end] ?? 0) - (list[start] ?? 0) > windowMs / 1000) start++;
      const count = end - start + 1;
      if (count > limit && (worst === undefined || count > worst.count)) worst = { from: list[start] ?? 0, to: list[end] ?? 0, count };
    }
    if (worst === undefined) continue;
    const [host = ''] = key.split('/');
    findings.push({
      kind: 'flapping',
      from: worst.from,
      to: worst.to,
      hosts: [host],
      instances: [key],
      message: `${key} changed state ${worst.count} times within ${(windowMs / 1000).toFixed(0)} s (more than ${limit})`,
    });
  }
  return findings;
}

function strandedServices(records: SimRecord[], context: FindingContext): SimFinding[] {
  const last = new Map<string, Extract<SimRecord, { type: 'service' }>>();
  for (const record of records) if (record.type === 'service') last.set(`${record.host}\0${record.service}`, record);
  const findings: SimFinding[] = [];
  for (const record of last.values()) {
    if (record.up || !record.cause.startsWith('notify')) continue;
    if (context.endServices[record.host]?.[record.service] !== false) continue;
    findings.push({
      kind: 'stranded-service',
      from: record.t,
      to: context.durationMs / 1000,
      hosts: [record.host],
      instances: [],
      message: `${record.service} on ${record.host} was stopped by ${record.cause} at ${record.t.toFixed(3)} s and never started again`,
    });
  }
  return findings;
}

function slowFailover(records: SimRecord[], context: FindingContext): SimFinding[] {
  const vrids = instancesByVrid(context);
  const state = new Map<string, VrrpState>();
  const priority = new Map<string, number>();
  const lost = new Map<number, { t: number; from: string }>();
  const findings: SimFinding[] = [];
  const mastersOf = (vrid: number): string[] =>
    [...state.entries()].filter(([key, value]) => value === 'MASTER' && key.endsWith(`\0${vrid}`)).map(([key]) => key.split('\0')[0] ?? '');
  for (const record of records) {
    if (record.type === 'priority') priority.set(`${record.host}\0${record.vrid}`, record.to);
    if (record.type !== 'transition') continue;
    const key = `${record.host}\0${record.vrid}`;
    const wasMaster = state.get(key) === 'MASTER';
    state.set(key, record.to);
    priority.set(key, record.priority);
    if (wasMaster && record.to !== 'MASTER' && mastersOf(record.vrid).length === 0) lost.set(record.vrid, { t: record.t, from: record.host });
    if (record.to === 'MASTER') {
      const gap = lost.get(record.vrid);
      lost.delete(record.vrid);
      if (gap === undefined) continue;
      const info = vrids.get(record.vrid)?.byHost.get(record.host);
      const interval = info?.advertIntervalMs ?? 1000;
      const version = info?.version ?? 2;
      const newPriority = priority.get(key) ?? 100;
      // A resigning master (priority 0) hands over after Skew_Time; a silent one after Master_Down_Interval.
      const expectedMs = Math.max(masterDownIntervalMs(version, newPriority, interval), skewTimeMs(version, newPriority, interval));
      const gapMs = (record.t - gap.t) * 1000;
      if (gapMs <= expectedMs + 100) continue;
      findings.push({
        kind: 'slow-failover',
        from: gap.t,
        to: record.t,
        hosts: [gap.from, record.host],
        instances: [`${record.host}/${record.instance}`],
        message: `VRID ${record.vrid} had no master for ${(gapMs / 1000).toFixed(3)} s after ${gap.from} left (Master_Down_Interval ${(expectedMs / 1000).toFixed(3)} s)`,
      });
    }
  }
  return findings;
}
