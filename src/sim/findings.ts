/**
 * What went wrong in a simulated run, named: computed from the run's records after the fact, so
 * the same code can judge any timeline of transitions, VIP moves, script results and service
 * changes.
 *
 * A finding blames the configuration, not the faults the timeline injected: each allows for the
 * time keepalived needs to react (a check's rise/fall x interval, Master_Down_Interval,
 * preempt_delay) and excuses what an injected fault explains. Where VRRP itself makes the outcome
 * expected under a fault (two MASTERs while a partition separates them), the finding is kept for
 * the timeline but marked `byDesign`, so that `vrrplab explore` does not count it as a failure.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { masterDownIntervalMs, skewTimeMs } from '../engine/timing.js';
import type { VrrpState } from '../engine/types.js';
import type { SimRecord } from './cluster.js';
import { conflictSides, describeSides, type VridConflict } from '../analysis/vrid-conflict.js';

export type SimFindingKind = 'collective-drift' | 'split-brain' | 'flapping' | 'stranded-service' | 'slow-failover' | 'unhealthy-master' | 'duplicate-vip' | 'vrid-conflict';

export const SIM_FINDING_KINDS: readonly SimFindingKind[] = [
  'collective-drift',
  'split-brain',
  'flapping',
  'stranded-service',
  'slow-failover',
  'unhealthy-master',
  'duplicate-vip',
  'vrid-conflict',
];

export interface SimFinding {
  kind: SimFindingKind;
  /** Virtual seconds: when the wrong state began (after the allowances above) and when it ended (the run's end if it never did). */
  from: number;
  to: number;
  hosts: string[];
  /** `host/instance` names. */
  instances: string[];
  message: string;
  /** Injected faults in force at some moment of from..to, e.g. "A service-stop nginx", "partition A | B+C". */
  duringFaults?: string[];
  /** What VRRP does by design under the injected faults (e.g. a split brain only while a partition lasts): reported, but not a failure. */
  byDesign?: true;
}

export interface FindingContext {
  hosts: { name: string; config: KeepalivedConfig }[];
  durationMs: number;
  flapping: { transitions: number; windowMs: number };
  endServices: Record<string, Record<string, boolean>>;
}

export function findSimulationFindings(records: SimRecord[], context: FindingContext): SimFinding[] {
  const { facts, conflicts } = configFacts(context);
  const spans = faultSpans(records, facts);
  const findings = [
    ...collectiveDrift(records, facts),
    ...splitBrain(records, facts, spans),
    ...flapping(records, facts, spans),
    ...strandedServices(records, context, facts),
    ...slowFailover(records, facts),
    ...unhealthyMaster(records, facts),
    ...duplicateVips(records, facts),
    ...vridConflicts(records, context, conflicts),
  ];
  for (const finding of findings) {
    const during = spans.filter((span) => span.from <= finding.to && span.to >= finding.from).map((span) => span.label);
    if (during.length > 0) finding.duringFaults = [...new Set(during)];
  }
  return findings.sort((a, b) => a.from - b.from || a.kind.localeCompare(b.kind));
}

// ---------------------------------------------------------------- what the configs say

interface ConfigFacts {
  context: FindingContext;
  facts: Facts;
  conflicts: VridConflict[];
}

/** Facts already worked out, by the first host's config: explore judges thousands of runs of the same hosts. */
const factsByConfig = new WeakMap<KeepalivedConfig, ConfigFacts[]>();
const FACTS_PER_CONFIG = 8;

/** The facts of a context's configs (and duration and flapping limit), worked out once for the same ones. */
function configFacts(context: FindingContext): ConfigFacts {
  const first = context.hosts[0]?.config;
  const known = first === undefined ? undefined : factsByConfig.get(first);
  const match = known?.find((candidate) => sameConfigs(candidate.context, context));
  if (match !== undefined) return match;
  const made = { context, facts: new Facts(context), conflicts: conflictSides(context.hosts) };
  if (first !== undefined) {
    const list = known ?? [];
    if (list.length >= FACTS_PER_CONFIG) list.shift();
    list.push(made);
    factsByConfig.set(first, list);
  }
  return made;
}

/** The same host names with the same config objects, duration and flapping limit (what Facts and conflicts depend on). */
function sameConfigs(a: FindingContext, b: FindingContext): boolean {
  return (
    a.durationMs === b.durationMs &&
    a.flapping.transitions === b.flapping.transitions &&
    a.flapping.windowMs === b.flapping.windowMs &&
    a.hosts.length === b.hosts.length &&
    a.hosts.every((host, index) => host.name === b.hosts[index]?.name && host.config === b.hosts[index]?.config)
  );
}

/** Slack for script run time, start-up jitter and LAN latency, seconds. */
const SLACK_S = 0.1;
/** keepalived's exec-to-init delay at most (70 ms jittered up to 1.4x, rounded up), seconds. */
const STARTUP_S = 0.15;

interface ScriptLink {
  script: string;
  weight: number;
  reverse: boolean;
}

interface InstanceInfo {
  host: string;
  name: string;
  vrid: number;
  vips: string[];
  advertIntervalMs: number;
  version: 2 | 3;
  priority: number;
  nopreempt: boolean;
  preemptDelayMs: number;
  /** Tracked scripts (own and the sync group's) with a non-zero weight; weight-0 scripts cause FAULT instead. */
  weighted: ScriptLink[];
}

interface VridInfo {
  home: string | undefined;
  byHost: Map<string, InstanceInfo>;
}

class Facts {
  readonly hosts: string[];
  readonly vrids = new Map<number, VridInfo>();
  readonly interfaces = new Map<string, string[]>();
  private readonly checkDelays = new Map<string, number>();
  private readonly takeovers = new Map<string, number>();
  private readonly hostVrids = new Map<string, number[]>();
  private readonly vridAlone = new Map<number, readonly number[]>();
  private allVrids: readonly number[] | undefined;
  /** Per host, its instances that have VIPs, by VRID in the order of `vrids`. */
  private readonly withVips = new Map<string, { vrid: number; entry: VridInfo; info: InstanceInfo }[]>();
  readonly flappingLimit: { transitions: number; windowMs: number };
  readonly durationS: number;

  constructor(context: FindingContext) {
    this.hosts = context.hosts.map((host) => host.name);
    this.flappingLimit = context.flapping;
    this.durationS = context.durationMs / 1000;
    for (const { name: host, config } of context.hosts) {
      this.interfaces.set(host, [...new Set(config.instances.map((instance) => instance.interface))]);
      const scripts = new Map(config.scripts.filter((script) => script.disabled !== true).map((script) => [script.name, script]));
      let delay = 0;
      for (const instance of config.instances) {
        const group = config.syncGroups.find((candidate) => candidate.name === instance.syncGroup || candidate.members.includes(instance.name));
        const refs = [...instance.trackScripts, ...(group?.trackScripts ?? [])];
        const weighted: ScriptLink[] = [];
        for (const ref of refs) {
          const script = scripts.get(ref.name);
          if (script === undefined) continue;
          // Recovering takes `rise` good runs, failing `fall` bad ones, one interval apart.
          delay = Math.max(delay, (Math.max(script.rise, script.fall) * script.intervalMs) / 1000);
          const weight = ref.weight ?? script.weight;
          if (weight !== 0) weighted.push({ script: script.name, weight, reverse: ref.reverse ?? script.weightReverse });
        }
        const entry = this.vrids.get(instance.vrid) ?? { home: undefined, byHost: new Map<string, InstanceInfo>() };
        if (!entry.byHost.has(host)) {
          entry.byHost.set(host, {
            host,
            name: instance.name,
            vrid: instance.vrid,
            vips: instance.virtualIpaddresses.map((vip) => normaliseAddress(vip.address)),
            advertIntervalMs: instance.advertIntervalMs,
            version: instance.version,
            priority: instance.priority,
            nopreempt: instance.nopreempt,
            preemptDelayMs: instance.preemptDelayMs,
            weighted,
          });
        }
        this.vrids.set(instance.vrid, entry);
      }
      this.checkDelays.set(host, delay + SLACK_S);
    }
    // The home of a VRID: the host configured `state MASTER`, else the highest base priority.
    for (const [vrid, entry] of this.vrids) {
      let best: { host: string; score: number } | undefined;
      for (const host of context.hosts) {
        const instance = host.config.instances.find((candidate) => candidate.vrid === vrid);
        if (instance === undefined) continue;
        const score = (instance.initialState === 'MASTER' ? 1000 : 0) + instance.priority;
        if (best === undefined || score > best.score) best = { host: host.name, score };
      }
      entry.home = best?.host;
    }
  }

  instance(host: string, vrid: number): InstanceInfo | undefined {
    return this.vrids.get(vrid)?.byHost.get(host);
  }

  /** The longest a host's tracked checks take to follow a service or file (max(rise, fall) x interval), seconds. */
  checkDelay(host: string | undefined): number {
    if (host !== undefined) return this.checkDelays.get(host) ?? SLACK_S;
    return Math.max(SLACK_S, ...this.checkDelays.values());
  }

  /**
   * The longest a backup of the VRID on `host` (any, when undefined) takes to take over once it
   * should: Master_Down_Interval at the lowest priority (3 advert intervals + Skew_Time), plus its
   * preempt_delay, plus slack.
   */
  takeover(vrid: number, host?: string): number {
    const key = `${vrid}\0${host ?? ''}`;
    let value = this.takeovers.get(key);
    if (value === undefined) {
      value = this.computeTakeover(vrid, host);
      this.takeovers.set(key, value);
    }
    return value;
  }

  private computeTakeover(vrid: number, host?: string): number {
    const infos = [...(this.vrids.get(vrid)?.byHost.values() ?? [])].filter((info) => host === undefined || info.host === host);
    if (infos.length === 0) return (masterDownIntervalMs(2, 1, 1000) + SLACK_S * 1000) / 1000;
    return Math.max(...infos.map((info) => (masterDownIntervalMs(info.version, 1, info.advertIntervalMs) + info.preemptDelayMs) / 1000)) + SLACK_S;
  }

  advertInterval(vrid: number): number {
    return Math.max(1, ...[...(this.vrids.get(vrid)?.byHost.values() ?? [])].map((info) => info.advertIntervalMs)) / 1000;
  }

  /** VRIDs a host has an instance of. */
  vridsOf(host: string): number[] {
    let list = this.hostVrids.get(host);
    if (list === undefined) {
      list = [...this.vrids.entries()].filter(([, entry]) => entry.byHost.has(host)).map(([vrid]) => vrid);
      this.hostVrids.set(host, list);
    }
    return list;
  }

  /** The VRIDs a record can change the picture of: its own, its host's, or all for a network fault. */
  affected(record: SimRecord): readonly number[] {
    if (record.type === 'transition' || record.type === 'priority') {
      let alone = this.vridAlone.get(record.vrid);
      if (alone === undefined) {
        alone = [record.vrid];
        this.vridAlone.set(record.vrid, alone);
      }
      return alone;
    }
    if ('host' in record && record.host !== undefined) return this.vridsOf(record.host);
    this.allVrids ??= [...this.vrids.keys()];
    return this.allVrids;
  }

  /** The host's instances that have VIPs, with their VRIDs, in the order of `vrids`. */
  instancesWithVips(host: string): readonly { vrid: number; entry: VridInfo; info: InstanceInfo }[] {
    let list = this.withVips.get(host);
    if (list === undefined) {
      list = [];
      for (const [vrid, entry] of this.vrids) {
        const info = entry.byHost.get(host);
        if (info !== undefined && info.vips.length > 0) list.push({ vrid, entry, info });
      }
      this.withVips.set(host, list);
    }
    return list;
  }
}

function holdsAll(held: ReadonlySet<string>, vips: readonly string[]): boolean {
  for (const vip of vips) if (!held.has(vip)) return false;
  return true;
}

function normaliseAddress(address: string): string {
  return address.toLowerCase();
}

// ---------------------------------------------------------------- the cluster as the records tell it

/**
 * The state of the run at the record being read: who runs keepalived, each instance's state, each
 * tracked script's state as keepalived sees it, and the injected impairments in force.
 */
class World {
  readonly alive = new Set<string>();
  /** vrid -> host -> state (hosts whose keepalived runs and whose instance left INIT). */
  readonly states = new Map<number, Map<string, VrrpState>>();
  /** vrid -> its MASTERs, as `masters()` last listed them; dropped when a state of the VRID changes. */
  private readonly mastersOf = new Map<number, string[]>();
  /** vrid -> host -> when it entered that state. */
  readonly stateSince = new Map<number, Map<string, number>>();
  /** host -> script -> succeeding (absent: no result yet, keepalived's "init"). */
  readonly scripts = new Map<string, Map<string, boolean>>();
  /** host -> injected impairments in force: service:NAME, file:PATH, link:IFACE. */
  readonly impaired = new Map<string, Set<string>>();
  /** host -> time from which its checks can have caught up with the last start or cleared impairment. */
  readonly eligibleAt = new Map<string, number>();
  partition: Map<string, number> | undefined;
  partitionGroups: string[][] | undefined;
  lossPercent = 0;
  delayMs = 0;

  constructor(private readonly facts: Facts) {
    for (const host of facts.hosts) this.impaired.set(host, new Set());
  }

  apply(record: SimRecord): void {
    switch (record.type) {
      case 'transition': {
        const states = this.states.get(record.vrid) ?? new Map<string, VrrpState>();
        this.states.set(record.vrid, states);
        if (record.to === 'STOP') states.delete(record.host);
        else states.set(record.host, record.to);
        this.mastersOf.delete(record.vrid);
        const since = this.stateSince.get(record.vrid) ?? new Map<string, number>();
        this.stateSince.set(record.vrid, since);
        since.set(record.host, record.t);
        // Its checks start over when its instances initialise (however long the start-up took).
        if (record.from === 'INIT') this.eligible(record.host, record.t + this.facts.checkDelay(record.host));
        break;
      }
      case 'script': {
        const map = this.scripts.get(record.host) ?? new Map<string, boolean>();
        map.set(record.script, record.ok);
        this.scripts.set(record.host, map);
        break;
      }
      case 'fault':
        this.fault(record);
        break;
      default:
        break;
    }
  }

  private fault(record: Extract<SimRecord, { type: 'fault' }>): void {
    const { t, host } = record;
    switch (record.action) {
      case 'start':
        if (host === undefined) return;
        this.alive.add(host);
        this.scripts.delete(host);
        this.eligible(host, t + STARTUP_S + this.facts.checkDelay(host));
        return;
      case 'stop':
      case 'kill':
        if (host === undefined) return;
        this.alive.delete(host);
        this.scripts.delete(host);
        for (const vrid of this.facts.vridsOf(host)) {
          this.states.get(vrid)?.delete(host);
          this.mastersOf.delete(vrid);
        }
        return;
      case 'partition':
      case 'heal': {
        this.partitionGroups = record.action === 'partition' ? parseGroups(record.detail) : undefined;
        this.partition = this.partitionGroups === undefined ? undefined : new Map(this.partitionGroups.flatMap((group, index) => group.map((name) => [name, index] as const)));
        if (record.action === 'heal') for (const name of this.facts.hosts) this.eligible(name, t);
        return;
      }
      case 'loss':
        this.lossPercent = Number.parseFloat(record.detail ?? '0') || 0;
        return;
      case 'delay':
        this.delayMs = Number.parseFloat(record.detail ?? '0') || 0;
        return;
      case 'service-stop':
      case 'service-start':
        return this.impair(host, `service:${record.detail ?? ''}`, record.action === 'service-stop', t, true);
      case 'touch':
      case 'rm':
        return this.impair(host, `file:${record.detail ?? ''}`, record.action === 'touch', t, true);
      case 'write': {
        // "PATH \"VALUE\"": a tracked file holding a value other than 0 impairs the host like a touched flag file.
        const { file, zero } = writtenValue(record.detail);
        return this.impair(host, `file:${file}`, !zero, t, true);
      }
      case 'script-hang':
      case 'script-resume':
        return this.impair(host, `script:${record.detail ?? ''}`, record.action === 'script-hang', t, true);
      case 'link-down':
      case 'link-up': {
        if (host === undefined) return;
        const ifaces = record.detail !== undefined ? [record.detail] : (this.facts.interfaces.get(host) ?? []);
        for (const iface of ifaces) this.impair(host, `link:${iface}`, record.action === 'link-down', t, false);
        return;
      }
      default:
        return;
    }
  }

  private impair(host: string | undefined, key: string, on: boolean, t: number, throughChecks: boolean): void {
    if (host === undefined) return;
    const set = this.impaired.get(host);
    if (set === undefined) return;
    if (on) set.add(key);
    else if (set.delete(key)) this.eligible(host, t + (throughChecks ? this.facts.checkDelay(host) : 0));
  }

  private eligible(host: string, at: number): void {
    this.eligibleAt.set(host, Math.max(this.eligibleAt.get(host) ?? 0, at));
  }

  state(host: string, vrid: number): VrrpState | undefined {
    return this.states.get(vrid)?.get(host);
  }

  since(host: string, vrid: number): number | undefined {
    return this.stateSince.get(vrid)?.get(host);
  }

  masterCount(vrid: number): number {
    const states = this.states.get(vrid);
    if (states === undefined) return 0;
    let count = 0;
    for (const state of states.values()) if (state === 'MASTER') count++;
    return count;
  }

  /** The hosts MASTER of the VRID (a list shared until the VRID's states change: do not change it). */
  masters(vrid: number): readonly string[] {
    let result = this.mastersOf.get(vrid);
    if (result === undefined) {
      result = [];
      for (const [host, state] of this.states.get(vrid) ?? []) if (state === 'MASTER') result.push(host);
      this.mastersOf.set(vrid, result);
    }
    return result;
  }

  isImpaired(host: string): boolean {
    return (this.impaired.get(host)?.size ?? 0) > 0;
  }

  /** Hosts can hear each other (same partition group, or no partition). */
  reachable(a: string, b: string): boolean {
    return this.partition === undefined || this.partition.get(a) === this.partition.get(b);
  }

  /** A weighted check of the instance is in the state that lowers its priority (failing; succeeding for `reverse`). */
  badChecks(info: InstanceInfo): string[] {
    const states = this.scripts.get(info.host);
    return info.weighted.filter((link) => states?.get(link.script) === link.reverse).map((link) => link.script);
  }

  hasBadCheck(info: InstanceInfo): boolean {
    const states = this.scripts.get(info.host);
    if (states === undefined) return false;
    for (const link of info.weighted) if (states.get(link.script) === link.reverse) return true;
    return false;
  }
}

function parseGroups(detail: string | undefined): string[][] {
  return (detail ?? '').split(' | ').map((group) => group.split('+').filter((name) => name !== ''));
}

// ---------------------------------------------------------------- injected faults as spans

interface FaultSpan {
  label: string;
  host?: string;
  from: number;
  /** Infinity while still in force at the end. */
  to: number;
  network: boolean;
  /** partition groups, for partitions. */
  groups?: string[][];
}

/** The injected faults as spans from the fault to its undoing (start after stop, heal after partition, ...). */
function faultSpans(records: SimRecord[], facts: Facts): FaultSpan[] {
  const spans: FaultSpan[] = [];
  const open = new Map<string, FaultSpan>();
  const close = (key: string, t: number): void => {
    const span = open.get(key);
    if (span === undefined) return;
    span.to = t;
    open.delete(key);
  };
  const begin = (key: string, span: Omit<FaultSpan, 'to'>): void => {
    close(key, span.from);
    const full = { ...span, to: Number.POSITIVE_INFINITY };
    open.set(key, full);
    spans.push(full);
  };
  for (const record of records) {
    if (record.type !== 'fault') continue;
    const { t, host, action, detail } = record;
    const who = host ?? '*';
    switch (action) {
      case 'start':
        close(`${who}\0down`, t);
        break;
      case 'stop':
      case 'kill':
        begin(`${who}\0down`, { label: `${who} ${action}`, host, from: t, network: false });
        break;
      case 'service-stop':
        begin(`${who}\0service\0${detail ?? ''}`, { label: `${who} service-stop ${detail ?? ''}`, host, from: t, network: false });
        break;
      case 'service-start':
        close(`${who}\0service\0${detail ?? ''}`, t);
        break;
      case 'touch':
        begin(`${who}\0file\0${detail ?? ''}`, { label: `${who} touch ${detail ?? ''}`, host, from: t, network: false });
        break;
      case 'rm':
        close(`${who}\0file\0${detail ?? ''}`, t);
        break;
      case 'write': {
        // "PATH \"VALUE\"": a file with a value other than 0 is in force like a touched one.
        const { file, zero } = writtenValue(detail);
        if (zero) close(`${who}\0file\0${file}`, t);
        else begin(`${who}\0file\0${file}`, { label: `${who} write ${detail ?? ''}`, host, from: t, network: false });
        break;
      }
      case 'script-hang':
        begin(`${who}\0script\0${detail ?? ''}`, { label: `${who} script-hang ${detail ?? ''}`, host, from: t, network: false });
        break;
      case 'script-resume':
        close(`${who}\0script\0${detail ?? ''}`, t);
        break;
      case 'link-down':
        begin(`${who}\0link\0${detail ?? ''}`, { label: `${who} link-down${detail !== undefined ? ` ${detail}` : ''}`, host, from: t, network: false });
        break;
      case 'link-up':
        if (detail !== undefined) close(`${who}\0link\0${detail}`, t);
        else for (const key of [...open.keys()].filter((candidate) => candidate.startsWith(`${who}\0link\0`))) close(key, t);
        break;
      case 'partition':
        begin('partition', { label: `partition ${detail ?? ''}`, from: t, network: true, groups: parseGroups(detail) });
        break;
      case 'heal':
        close('partition', t);
        break;
      case 'loss':
      case 'delay':
        close(action, t);
        if ((Number.parseFloat(detail ?? '0') || 0) > 0) begin(action, { label: `${action} ${detail ?? ''}`, from: t, network: true });
        break;
      case 'inject': {
        // A foreign sender on the LAN, for as long as its stream lasts ("N kind packets from X (VRID v, R/s)").
        const match = /^(\d+) .*, (\d+(?:\.\d+)?)\/s\)$/.exec(detail ?? '');
        const seconds = match !== null ? Number(match[1]) / Number(match[2]) : 0;
        spans.push({ label: `inject ${detail ?? ''}`, from: t, to: t + seconds, network: true });
        break;
      }
      default:
        spans.push({ label: `${who} ${action}${detail !== undefined ? ` ${detail}` : ''}`, host, from: t, to: t, network: host === undefined });
        break;
    }
  }
  for (const span of spans) if (span.to === Number.POSITIVE_INFINITY) span.to = facts.durationS;
  return spans;
}

// ---------------------------------------------------------------- collective drift

/**
 * Collective drift: one host holds every VIP of two or more instances while the home of one of
 * them (configured MASTER, else highest base priority) runs keepalived and nothing injected keeps
 * it down. Excused: the home's own injected faults (a service stopped by the timeline, its link
 * down, a flag file, a partition), the time its checks need to recover afterwards (rise x
 * interval), and the takeover time after that (Master_Down_Interval + preempt_delay). A home with
 * `nopreempt` is expected not to take its VIPs back.
 */
function collectiveDrift(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const held = new Map<string, Set<string>>(facts.hosts.map((host) => [host, new Set<string>()]));
  const findings: SimFinding[] = [];
  let open: { key: string; from: number; host: string; vrids: number[]; away: string[] } | undefined;

  /** `host` holds the VIPs of a VRID whose home runs keepalived with nothing injected to keep it from taking them back. */
  const awayFromHome = (host: string, entry: VridInfo): boolean => {
    const home = entry.home;
    if (home === undefined || home === host || !world.alive.has(home) || world.isImpaired(home) || world.partition !== undefined) return false;
    return entry.byHost.get(home)?.nopreempt !== true;
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
      const homes = [...new Set(away.map(([, entry]) => entry.home ?? ''))];
      const since = Math.min(...homes.map((home) => world.eligibleAt.get(home) ?? t));
      current = { key: `${host}:${vridList.join(',')}:${homes.join(',')}`, host, vrids: vridList, away: homes, since };
      break;
    }
    if (open !== undefined && current?.key !== open.key) {
      closeDrift(open, t);
      open = undefined;
    }
    if (current !== undefined && open === undefined) open = { key: current.key, host: current.host, vrids: current.vrids, away: current.away, from: Math.max(t, current.since) };
  };
  const closeDrift = (span: { from: number; host: string; vrids: number[]; away: string[] }, to: number): void => {
    const threshold = Math.max(...span.vrids.map((vrid) => facts.takeover(vrid, facts.vrids.get(vrid)?.home)));
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
        `home to some of them, runs keepalived with no injected fault: the instances moved together`,
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
    }
  }
  if (open !== undefined) closeDrift(open, facts.durationS);
  return findings;
}

// ---------------------------------------------------------------- split brain

/**
 * Two MASTERs of one VRID for more than one advert interval. While a partition separates them (or
 * adverts are being lost or delayed) that is what VRRP does: such a split brain is marked
 * `byDesign` when it ends within one advert interval of the heal.
 */
function splitBrain(records: SimRecord[], facts: Facts, faults: readonly FaultSpan[]): SimFinding[] {
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

// ---------------------------------------------------------------- flapping

/**
 * More than N state changes of one instance within the window, counting only changes that no
 * injected fault explains. A change is explained when it comes within the cluster's reaction time
 * of a fault on its own host, on a host of the same VRID, or on the network (partition, heal,
 * loss, delay; loss and delay for as long as they last): the checks' max(rise, fall) x interval
 * plus the takeover time.
 */
function flapping(records: SimRecord[], facts: Facts, spans: readonly FaultSpan[]): SimFinding[] {
  const { transitions: limit, windowMs } = facts.flappingLimit;
  // Injected events, and each host's initialisation after a start (start-up may take a while).
  const faults = records.filter(
    (record): record is Extract<SimRecord, { type: 'fault' }> | Extract<SimRecord, { type: 'transition' }> => record.type === 'fault' || (record.type === 'transition' && record.from === 'INIT'),
  );
  const lasting = spans.filter((span) => span.label.startsWith('loss ') || span.label.startsWith('delay '));
  const explained = (record: Extract<SimRecord, { type: 'transition' }>): boolean => {
    const takeover = facts.takeover(record.vrid);
    const sharesVrid = (host: string): boolean => host === record.host || facts.instance(host, record.vrid) !== undefined;
    for (const fault of faults) {
      if (fault.t > record.t) break;
      if (fault.host !== undefined && !sharesVrid(fault.host)) continue;
      const reaction = takeover + facts.checkDelay(fault.host) + STARTUP_S;
      if (record.t <= fault.t + reaction) return true;
    }
    const reaction = takeover + facts.checkDelay(undefined);
    return lasting.some((span) => span.from <= record.t && record.t <= span.to + reaction);
  };
  const times = new Map<string, number[]>();
  for (const record of records) {
    if (record.type !== 'transition' || record.from === 'INIT' || record.to === 'STOP') continue;
    if (explained(record)) continue;
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
      message: `${key} changed state ${worst.count} times within ${(windowMs / 1000).toFixed(0)} s (more than ${limit}) with no injected fault to explain it`,
    });
  }
  return findings;
}

// ---------------------------------------------------------------- stranded services

/**
 * A service a notify script stopped and nothing started again by the end of the run. A stop in the
 * last moments of the run (less than the host's reaction time: its checks plus a takeover) may
 * still be undone, so it is not judged.
 */
function strandedServices(records: SimRecord[], context: FindingContext, facts: Facts): SimFinding[] {
  const last = new Map<string, Extract<SimRecord, { type: 'service' }>>();
  // Hosts whose keepalived the scenario stopped (or killed) and never started again.
  const stoppedForGood = new Set<string>();
  for (const record of records) {
    if (record.type === 'service') last.set(`${record.host}\0${record.service}`, record);
    else if (record.type === 'fault' && record.host !== undefined) {
      if (record.action === 'stop' || record.action === 'kill') stoppedForGood.add(record.host);
      else if (record.action === 'start') stoppedForGood.delete(record.host);
    }
  }
  const findings: SimFinding[] = [];
  for (const record of last.values()) {
    if (record.up || !record.cause.startsWith('notify')) continue;
    if (context.endServices[record.host]?.[record.service] !== false) continue;
    const reaction = facts.checkDelay(record.host) + Math.max(0, ...facts.vridsOf(record.host).map((vrid) => facts.takeover(vrid)));
    if (facts.durationS - record.t < reaction) continue;
    const message = `${record.service} on ${record.host} was stopped by ${record.cause} at ${record.t.toFixed(3)} s and never started again`;
    // On a host taken out of the cluster for good, nothing is left for the service to serve.
    const forGood = stoppedForGood.has(record.host);
    findings.push({
      kind: 'stranded-service',
      from: record.t,
      to: context.durationMs / 1000,
      hosts: [record.host],
      instances: [],
      ...(forGood ? { byDesign: true as const } : {}),
      message: forGood ? `${message}, on a host whose keepalived the scenario stopped for good: expected` : message,
    });
  }
  return findings;
}

// ---------------------------------------------------------------- slow failover

/**
 * A VRID with no MASTER for longer than Master_Down_Interval (+100 ms) while some host could have
 * taken over: one running keepalived with its instance in BACKUP, or in FAULT with no injected
 * fault to explain it (e.g. a weight-0 check whose service a notify script stopped). The clock
 * starts when the last master left (or, at start-up, when the first instance came up) and waits
 * for a host excused by injected faults until its checks can have recovered. A gap that only the
 * injected faults made long (the only backup's link down) is reported as `byDesign`.
 */
function slowFailover(records: SimRecord[], facts: Facts): SimFinding[] {
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

// ---------------------------------------------------------------- unhealthy master

/**
 * A host stays MASTER while a check it tracks with a weight fails (succeeds, for `weight -N
 * reverse`), although a peer of the same VRID could hold the VIP: it runs keepalived, is BACKUP
 * (so its link is up and no weight-0 check holds it in FAULT), every weighted check it tracks
 * passes, and it hears the master (no partition between them). Longer than the takeover time, this
 * is the classic "weight too small". Checks with weight 0 need no such finding: keepalived puts
 * the instance in FAULT instead, and scripts no instance tracks do not count.
 */
function unhealthyMaster(records: SimRecord[], facts: Facts): SimFinding[] {
  const world = new World(facts);
  const findings: SimFinding[] = [];
  const open = new Map<string, { from: number; vrid: number; host: string; checks: string[]; peers: string[]; threshold: number }>();

  const evaluate = (t: number, vrids: readonly number[]): void => {
    // Made only when some master keeps a failing check: most records find none.
    let current: Set<string> | undefined;
    let opening: Map<string, { vrid: number; host: string; checks: string[]; peers: string[]; threshold: number }> | undefined;
    for (const vrid of vrids) {
      const entry = facts.vrids.get(vrid);
      if (entry === undefined || world.masterCount(vrid) === 0) continue;
      for (const holder of world.masters(vrid)) {
        const info = entry.byHost.get(holder);
        if (info === undefined || !world.hasBadCheck(info)) continue;
        const couldHold = (peer: InstanceInfo): boolean =>
          peer.host !== holder && world.alive.has(peer.host) && world.state(peer.host, vrid) === 'BACKUP' && world.reachable(holder, peer.host) && !world.hasBadCheck(peer);
        let any = false;
        for (const peer of entry.byHost.values()) if (couldHold(peer)) any = true;
        if (!any) continue;
        const key = `${holder}\0${vrid}`;
        current ??= new Set();
        current.add(key);
        // A span already open keeps what it was opened with.
        if (open.has(key)) continue;
        const peers = [...entry.byHost.values()].filter(couldHold);
        const threshold = Math.min(...peers.map((peer) => facts.takeover(vrid, peer.host)));
        opening ??= new Map();
        opening.set(key, { vrid, host: holder, checks: world.badChecks(info), peers: peers.map((peer) => peer.host), threshold });
      }
    }
    if (open.size > 0) for (const [key, span] of open) {
      if (current?.has(key) === true || !vrids.includes(span.vrid)) continue;
      close(span, t);
      open.delete(key);
    }
    if (opening !== undefined) for (const [key, now] of opening) open.set(key, { ...now, from: t });
  };
  const close = (span: { from: number; vrid: number; host: string; checks: string[]; peers: string[]; threshold: number }, to: number): void => {
    if (to - span.from <= span.threshold) return;
    const info = facts.instance(span.host, span.vrid);
    const name = info?.name ?? `VRID ${span.vrid}`;
    const owner = info?.priority === 255 ? ' (priority 255: keepalived ignores weights for an address owner)' : '';
    findings.push({
      kind: 'unhealthy-master',
      from: span.from,
      to,
      hosts: [span.host, ...span.peers],
      instances: [`${span.host}/${name}`, ...span.peers.map((peer) => `${peer}/${facts.instance(peer, span.vrid)?.name ?? name}`)],
      message:
        `${span.host} stayed MASTER of ${name} (VRID ${span.vrid}) for ${(to - span.from).toFixed(3)} s while ${span.checks.join(', ')} failed there, ` +
        `although ${span.peers.join(', ')} passed every check and could hold it: the check's weight does not move the VIP${owner}`,
    });
  };
  for (const record of records) {
    world.apply(record);
    if (record.type === 'transition' || record.type === 'script' || record.type === 'fault') evaluate(record.t, facts.affected(record));
  }
  for (const span of open.values()) close(span, facts.durationS);
  return findings;
}

// ---------------------------------------------------------------- duplicate VIPs

/**
 * One VIP on two hosts at once under different VRIDs (e.g. one host's instance configured with
 * VRID 61, the others' with 51): the two routers never hear of each other, so nothing ever ends
 * it. The same VRID on two hosts is a split brain (that finding's job), and a handover within one
 * VRID is not a duplicate. Overlaps up to one advert interval are allowed.
 */
function duplicateVips(records: SimRecord[], facts: Facts): SimFinding[] {
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

// ---------------------------------------------------------------- VRID conflicts

/**
 * Two configurations share a VRID on the LAN but not what keepalived checks in each advert (see
 * src/analysis/vrid-conflict.ts): reported once both sides have run at the same time, with what it
 * caused in this run (keepalived's reject lines, adverts put off, takeovers, two MASTERs at once).
 */
function vridConflicts(records: SimRecord[], context: FindingContext, conflicts: readonly VridConflict[]): SimFinding[] {
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

/** A `write` fault record's detail, `PATH "VALUE"`: the file, and whether the value reads as 0. */
function writtenValue(detail: string | undefined): { file: string; zero: boolean } {
  const text = detail ?? '';
  const cut = text.lastIndexOf(' ');
  return { file: cut < 0 ? text : text.slice(0, cut), zero: /^"\s*[-+]?0*\s*"$/.test(cut < 0 ? '' : text.slice(cut + 1)) };
}
