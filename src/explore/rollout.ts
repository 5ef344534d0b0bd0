/**
 * `vrrplab explore --host A=old/A ... --to A=new/A ...`: the ways to roll a configuration change
 * out, searched in the simulator, and the failures the rollout itself causes.
 *
 * A rollout is a plan (the order of the changed hosts, reload or restart for each, a host that is
 * only in --to is started, and one gap between steps) played on the running old cluster once it
 * has settled, alone or with one fault from explore's vocabulary placed before (straddling the
 * first step), during (between the first two steps) or after it. Each run is compared with the
 * same faults on the old configs alone and on the new configs alone: a failure either of those
 * already shows is not the rollout's and is reported apart. The rollout's own failures are the
 * simulator's findings (split brain, flapping, a slow failover, ...) and two of its own:
 * - vip-moved: a VIP changed hosts more often than the old and the new configs (with the same
 *   fault) make it, plus once when they put it on different hosts, plus twice per restart of its
 *   holder (a restart takes the VIP away while keepalived is down; that is what restart means);
 * - no-master: a VIP held by no host for longer than the cluster's takeover time, where neither
 *   world leaves it unheld that long.
 * Plans, placements and gaps are data (rolloutPlans, PLACEMENTS, rolloutGaps): a change of any
 * kind, keepalived 2.4's auth_hmac sweeps included, goes through the same search.
 */
import type { KeepalivedVersion } from '../config/version.js';
import * as path from 'node:path';
import type { SimFinding } from '../sim/findings.js';
import { rejudged, runScenario, type LoadedHostConfig, type SimulationResult } from '../sim/run.js';
import type { Scenario, TimelineEntry } from '../sim/scenario.js';
import { judge } from './judge.js';
import { FAULT_MS, orders } from './plan.js';
import { DEFAULT_CONFIG_PATH, describeFault, exploreSpace, faultEntries, faultIdentity, scenarioFromHosts, type ExploreSpace, type Fault, type HostDirectory } from './space.js';

export type StepMethod = 'reload' | 'restart' | 'start';

export interface RolloutStep {
  host: string;
  method: StepMethod;
}

export interface RolloutPlan {
  steps: RolloutStep[];
  /** From one step to the next, ms. */
  gapMs: number;
}

/** Where a fault is placed against the rollout. */
export type Placement = 'before' | 'during' | 'after';
export const PLACEMENTS: readonly Placement[] = ['before', 'during', 'after'];

export interface RolloutSchedule {
  plan: RolloutPlan;
  /** How many of the plan's steps are played (a shrunk rollout stops early). */
  stepsPlayed: number;
  faults: Fault[];
  placement?: Placement;
}

export interface RolloutFinding {
  kind: string;
  /** Virtual seconds. */
  from: number;
  to: number;
  hosts: string[];
  message: string;
}

export interface RolloutVerdict {
  /** The rollout's own failures (what neither world shows with the same faults), sorted. */
  kinds: string[];
  findings: RolloutFinding[];
  /**
   * Failures the same faults already show without the change: with the old configs alone, the
   * new ones alone, or the same steps taking the old configs again ('steps': what a restart does).
   */
  preexisting: { kind: string; world: 'old' | 'new' | 'steps' }[];
}

export interface RolloutSpace {
  /** The old cluster: --host configs (and a host only in --to, stopped until its step). */
  old: Scenario;
  /** The new cluster: --to configs where given, the others unchanged; every host started. */
  fresh: Scenario;
  /** The changed hosts' new directories. */
  targets: Map<string, HostDirectory>;
  /** Hosts only in --to: their step starts them. */
  added: string[];
  /** Explore's space over the old cluster: its fault vocabulary and takeover time. */
  faults: ExploreSpace;
  /** When the first step is played (the old cluster has settled), ms. */
  startMs: number;
  gapsMs: number[];
  takeoverMs: number;
}

export interface RolloutInput {
  from: HostDirectory[];
  to: HostDirectory[];
  seed: number;
  /** The keepalived the hosts run, old and new configs alike (default 2.2: 2.2.7). */
  keepalivedVersion?: KeepalivedVersion;
}

/** Build the rollout's space: both clusters, with one set of addresses (the new cluster's). */
export function rolloutSpace(input: RolloutInput): RolloutSpace {
  const fromByName = new Map(input.from.map((host) => [host.name, host]));
  const targets = new Map(input.to.map((host) => [host.name, host]));
  if (input.from.length === 0) throw new Error('--to needs the old cluster: --host NAME=DIR for each running host');
  if (targets.size === 0) throw new Error('a rollout needs --to NAME=DIR for at least one host');
  const added = input.to.filter((host) => !fromByName.has(host.name)).map((host) => host.name);
  const union = [...input.from.map((host) => targets.get(host.name) ?? host), ...input.to.filter((host) => !fromByName.has(host.name))];
  // Addresses from the new cluster (a host added to unicast peers is named by the new configs).
  const fresh = scenarioFromHosts(union, input.seed);
  fresh.name = `rollout-${union.map((host) => host.name).join('-')}`;
  if (input.keepalivedVersion !== undefined) fresh.keepalivedVersion = input.keepalivedVersion;
  fresh.timeline = fresh.hosts.map((host) => ({ atMs: 0, do: 'start' as const, host: host.name }));
  const old: Scenario = {
    ...fresh,
    hosts: fresh.hosts.map((host) => {
      const before = fromByName.get(host.name);
      return before === undefined ? host : { ...host, root: path.resolve(before.root), configPath: before.config ?? DEFAULT_CONFIG_PATH };
    }),
    timeline: input.from.map((host) => ({ atMs: 0, do: 'start' as const, host: host.name })),
  };
  const faults = exploreSpace(old);
  const freshSpace = exploreSpace(fresh);
  const takeoverMs = Math.max(faults.takeoverMs, freshSpace.takeoverMs);
  // The old cluster settled: its last state change, then its takeover time (the time it needs to answer a change).
  const plain = runScenario(old, { keepLogs: false, namesChecked: true });
  if (!plain.ok) throw new Error(plain.errors.join('\n'));
  const transitions = plain.result.records.flatMap((record) => (record.type === 'transition' ? [record.t * 1000] : []));
  const startMs = Math.ceil((Math.max(0, ...transitions) + faults.takeoverMs) / 1000) * 1000;
  return { old, fresh, targets, added, faults, startMs, gapsMs: rolloutGaps([faults, freshSpace]), takeoverMs };
}

/**
 * The gaps tried between steps: shorter than, about and longer than Master_Down_Interval (3 x
 * advert_int + skew, the time a backup waits before taking over): 1 s (or a third of the shortest
 * interval), the shortest Master_Down_Interval of old and new configs, and twice the longest.
 */
export function rolloutGaps(spaces: readonly ExploreSpace[]): number[] {
  const intervals = spaces.flatMap((space) => [...space.configs.values()].flatMap((loaded) => loaded.config.instances.map((instance) => masterDownMs(instance.advertIntervalMs, instance.priority))));
  const shortest = Math.min(...intervals, 3_600);
  const longest = Math.max(...intervals, 3_600);
  const short = Math.min(1_000, Math.round(shortest / 3 / 100) * 100);
  const around = Math.round(shortest / 100) * 100;
  const long = Math.ceil((2 * longest) / 1000) * 1000;
  return [...new Set([short, around, long])].sort((a, b) => a - b);
}

/** Master_Down_Interval of a VRRPv2 backup (3 x advert_int + skew time), ms. */
function masterDownMs(advertMs: number, priority: number): number {
  return 3 * advertMs + ((256 - priority) * advertMs) / 256;
}

/**
 * Every plan: each order of the changed hosts (all orders up to four, rotations beyond), reload or
 * restart for each host the old cluster runs (every mix up to three such hosts; beyond, all reload
 * or all restart), start for a host only in --to, and each gap.
 */
export function rolloutPlans(space: Pick<RolloutSpace, 'targets' | 'added' | 'gapsMs'>): RolloutPlan[] {
  const hosts = [...space.targets.keys()];
  const running = hosts.filter((host) => !space.added.includes(host));
  const methodSets: Record<string, StepMethod>[] = [];
  const mixes = running.length <= 3 ? 2 ** running.length : 2;
  for (let mask = 0; mask < mixes; mask++) {
    const methods: Record<string, StepMethod> = {};
    running.forEach((host, i) => (methods[host] = running.length <= 3 ? ((mask >> i) & 1 ? 'restart' : 'reload') : mask === 0 ? 'reload' : 'restart'));
    for (const host of space.added) methods[host] = 'start';
    methodSets.push(methods);
  }
  const plans: RolloutPlan[] = [];
  for (const methods of methodSets) {
    for (const order of orders(hosts)) {
      for (const gapMs of space.gapsMs) plans.push({ steps: order.map((host) => ({ host, method: methods[host] ?? 'reload' })), gapMs });
    }
  }
  return plans;
}

/** Where a fault goes for a plan: before (straddling the first step), during (between the first two steps), after (the last step). */
export function placeFault(space: Pick<RolloutSpace, 'startMs'>, plan: RolloutPlan, template: ExploreSpace['vocabulary'][number], placement: Placement): Fault {
  const last = space.startMs + (plan.steps.length - 1) * plan.gapMs;
  const at = placement === 'before' ? space.startMs - FAULT_MS / 2 : placement === 'during' ? space.startMs + Math.max(100, Math.round(plan.gapMs / 2)) : last + 1_000;
  return { ...template, at, until: at + FAULT_MS };
}

/** The timeline entries of a plan's steps (the first `played` of them). */
export function stepEntries(space: Pick<RolloutSpace, 'startMs' | 'targets'>, plan: RolloutPlan, played = plan.steps.length): TimelineEntry[] {
  return plan.steps.slice(0, played).map((step, i) => {
    const atMs = space.startMs + i * plan.gapMs;
    if (step.method === 'start') return { atMs, do: 'start', host: step.host };
    const target = space.targets.get(step.host);
    const root = path.resolve(target?.root ?? '.');
    return { atMs, do: step.method, host: step.host, configPath: target?.config ?? DEFAULT_CONFIG_PATH, root, label: target?.root ?? root };
  });
}

/** The scenario a rollout schedule runs: the old cluster, the steps, the faults, then time to settle. */
export function rolloutScenario(space: RolloutSpace, schedule: RolloutSchedule): Scenario {
  const timeline = [...space.old.timeline, ...stepEntries(space, schedule.plan, schedule.stepsPlayed), ...schedule.faults.flatMap(faultEntries)].sort((a, b) => a.atMs - b.atMs);
  return { ...space.old, timeline, durationMs: durationFor(space, schedule) };
}

/** Long enough for the whole plan and every fault placement, and to settle after: the same for every world of a schedule. */
function durationFor(space: RolloutSpace, schedule: RolloutSchedule): number {
  const last = Math.max(space.startMs + (Math.max(1, schedule.stepsPlayed) - 1) * schedule.plan.gapMs, ...schedule.faults.map((fault) => fault.until ?? fault.at));
  // Then twice the slower cluster's takeover time to settle (at least 15 s): short enough to confirm in the lab.
  return Math.ceil((last + Math.max(15_000, 2 * space.takeoverMs)) / 1000) * 1000;
}

/** What a plan does, in words: "reload B, wait 1 s, reload A". */
export function describePlan(plan: RolloutPlan, played = plan.steps.length): string {
  const steps = plan.steps.slice(0, played).map((step) => `${step.method} ${step.host}`);
  return steps.join(`, wait ${seconds(plan.gapMs)}, `);
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Runs rollout schedules and both worlds, each world's runs cached by their faults. */
export class RolloutRunner {
  private readonly oldCache = new Map<string, LoadedHostConfig>();
  private readonly freshCache = new Map<string, LoadedHostConfig>();
  private readonly fileCache = new Map<string, string | undefined>();
  private readonly worlds = new Map<string, SimulationResult>();

  constructor(readonly space: RolloutSpace) {
    for (const [name, loaded] of space.faults.configs) this.oldCache.set(name, loaded);
  }

  run(schedule: RolloutSchedule): { result: SimulationResult; verdict: RolloutVerdict } {
    const result = this.simulate(rolloutScenario(this.space, schedule), this.oldCache);
    return { result, verdict: this.judge(schedule, result) };
  }

  /** Judge a run of the schedule (the simulator's, or keepalived's in the lab) against both worlds. */
  judge(schedule: RolloutSchedule, result: SimulationResult): RolloutVerdict {
    const durationMs = result.scenario.durationMs;
    const oldWorld = this.world('old', schedule.faults, durationMs);
    const newWorld = this.world('new', schedule.faults, durationMs);
    const plainOld = this.world('old', [], durationMs);
    const plainNew = this.world('new', [], durationMs);
    const fromMs = Math.min(this.space.startMs, ...schedule.faults.map((fault) => fault.at));
    const faultSchedule = { phase: 'single' as const, faults: schedule.faults };
    // The simulator's findings judge a run by one set of configs (its advert interval, priorities):
    // a rollout's run counts a kind only when the old configs' rules and the final ones' both
    // find it (a split brain that outlives a partition by 2 s is one at advert_int 1, not at 3).
    const underFinal = new Set(judge(this.space.faults, faultSchedule, this.underFinalConfigs(schedule, result)).kinds);
    const own = [
      ...judge(this.space.faults, faultSchedule, result).failures.filter((finding) => underFinal.has(finding.kind)).map(asRolloutFinding),
      ...this.vipFindings(schedule, result, { oldWorld, newWorld, plainOld, plainNew }, fromMs, schedule.faults),
    ];
    const kindsOf = (run: SimulationResult) => new Set([...judge(this.space.faults, faultSchedule, run).kinds, ...this.vipFindings(undefined, run, undefined, fromMs, schedule.faults).map((f) => f.kind)]);
    const worlds: [RolloutVerdict['preexisting'][number]['world'], Set<string>][] = [['old', kindsOf(oldWorld)], ['new', kindsOf(newWorld)]];
    // The same plan with every step taking the host's old config again: what the steps themselves
    // do (a restart while the other host is down), whatever the change.
    if (schedule.plan.steps.some((step) => step.method === 'restart')) worlds.push(['steps', kindsOf(this.unchanged(schedule))]);
    const preexisting: RolloutVerdict['preexisting'] = [];
    const findings: RolloutFinding[] = [];
    for (const finding of own) {
      // A failure the same faults already cause without the change is not the rollout's (counted by kind).
      const seen = worlds.filter(([, kinds]) => kinds.has(finding.kind));
      if (seen.length > 0) {
        for (const [world] of seen) if (!preexisting.some((p) => p.kind === finding.kind && p.world === world)) preexisting.push({ kind: finding.kind, world });
        continue;
      }
      findings.push(finding);
    }
    return { kinds: [...new Set(findings.map((finding) => finding.kind))].sort(), findings, preexisting };
  }

  /**
   * vip-moved and no-master, from `fromMs` on. With `worlds` undefined: only no-master, against
   * the takeover time alone (a world's own share, for telling what is the rollout's).
   */
  private vipFindings(
    schedule: RolloutSchedule | undefined,
    result: SimulationResult,
    worlds: { oldWorld: SimulationResult; newWorld: SimulationResult; plainOld: SimulationResult; plainNew: SimulationResult } | undefined,
    fromMs: number,
    faults: readonly Fault[],
  ): RolloutFinding[] {
    const findings: RolloutFinding[] = [];
    const mine = vipHistory(result, fromMs);
    // What happens while a network fault is in force (and a takeover time after) is VRRP's answer
    // to it, drawn from the seed under loss: neither counted nor compared (the worlds lose other packets).
    const network = faults.filter((fault) => fault.do === 'partition' || fault.do === 'loss' || fault.do === 'delay');
    const impaired = (fromT: number, toT: number) => network.some((fault) => toT >= fault.at && fromT <= (fault.until ?? Number.POSITIVE_INFINITY) + (fault.do === 'delay' ? fault.ms : 0) + this.space.takeoverMs);
    const counted = (move: { t: number }) => !impaired(move.t, move.t);
    for (const [address, history] of mine) {
      if (history.unheldMs > this.space.takeoverMs && !impaired(history.unheldFrom, history.unheldFrom + history.unheldMs)) {
        findings.push({ kind: 'no-master', from: history.unheldFrom / 1000, to: (history.unheldFrom + history.unheldMs) / 1000, hosts: [], message: `VIP ${address} was held by no host for ${seconds(history.unheldMs)} (longer than the takeover time, ${seconds(this.space.takeoverMs)})` });
      }
      if (schedule === undefined || worlds === undefined) continue;
      const moves = (run: SimulationResult) => (vipHistory(run, fromMs).get(address)?.moves ?? []).filter(counted).length;
      const ownMoves = history.moves.filter(counted);
      const holderOld = lastHolder(worlds.plainOld, address);
      const holderNew = lastHolder(worlds.plainNew, address);
      // A restart takes the VIP off its holder while keepalived is down, and back: what restart means.
      const restarts = stepEntries(this.space, schedule.plan, schedule.stepsPlayed).filter((entry) => entry.do === 'restart' && history.holderAt(entry.atMs - 0.001) === entry.host).length;
      const allowed = Math.max(moves(worlds.oldWorld), moves(worlds.newWorld)) + (holderOld !== holderNew ? 1 : 0) + 2 * restarts;
      if (ownMoves.length > allowed) {
        const first = ownMoves[Math.min(allowed, ownMoves.length - 1)];
        const path = ownMoves.map((move) => `${move.host} at ${seconds(move.t)}`).join(', ');
        findings.push({
          kind: 'vip-moved',
          from: (first?.t ?? fromMs) / 1000,
          to: (ownMoves.at(-1)?.t ?? fromMs) / 1000,
          hosts: [...new Set(ownMoves.map((move) => move.host))],
          message: `VIP ${address} moved ${ownMoves.length === 1 ? 'once' : `${ownMoves.length} times`} (${path}) where the old and the new configs with the same faults move it ${describeCount(allowed - (holderOld !== holderNew ? 1 : 0) - 2 * restarts)}${holderOld !== holderNew ? `, plus once from ${holderOld ?? 'no host'} to ${holderNew ?? 'no host'}` : holderOld !== undefined ? ` (both keep it on ${holderOld})` : ''}${restarts > 0 ? `, plus twice per restart of its holder` : ''}`,
        });
      }
    }
    return findings;
  }

  /** The run's records judged by the configs the hosts have at its end (the new ones where a step was played). */
  private underFinalConfigs(schedule: RolloutSchedule, result: SimulationResult): SimulationResult {
    this.world('new', [], result.scenario.durationMs);
    const changed = new Set(schedule.plan.steps.slice(0, schedule.stepsPlayed).map((step) => step.host));
    const configs = new Map(this.space.old.hosts.map((host) => [host.name, (changed.has(host.name) ? this.freshCache : this.oldCache).get(host.name)?.config]));
    return rejudged(result, configs, this.space.fresh.keepalivedVersion);
  }

  /** The schedule with each step taking the host's old config again (a host only in --to starts with its new one). */
  private unchanged(schedule: RolloutSchedule): SimulationResult {
    const key = `steps|${describePlan(schedule.plan, schedule.stepsPlayed)}|${schedule.faults.map((fault) => `${faultIdentity(fault)}@${fault.at}-${fault.until ?? ''}`).join(' ')}`;
    const known = this.worlds.get(key);
    if (known !== undefined) return known;
    const scenario = rolloutScenario(this.space, schedule);
    // Without the change there is no added host: its start is left out.
    const added = new Set(this.space.added);
    const timeline = scenario.timeline.filter((entry) => !(entry.do === 'start' && added.has(entry.host))).map((entry) => {
      if (entry.do !== 'reload' && entry.do !== 'restart') return entry;
      const host = this.space.old.hosts.find((candidate) => candidate.name === entry.host);
      return host === undefined ? entry : { ...entry, configPath: host.configPath, root: host.root, label: host.root ?? host.configPath };
    });
    const result = this.simulate({ ...scenario, timeline }, this.oldCache);
    this.worlds.set(key, result);
    return result;
  }

  private world(which: 'old' | 'new', faults: readonly Fault[], durationMs: number): SimulationResult {
    const key = `${which}|${durationMs}|${faults.map((fault) => `${faultIdentity(fault)}@${fault.at}-${fault.until ?? ''}`).join(' ')}`;
    const known = this.worlds.get(key);
    if (known !== undefined) return known;
    const base = which === 'old' ? this.space.old : this.space.fresh;
    const timeline = [...base.timeline, ...faults.flatMap(faultEntries)].sort((a, b) => a.atMs - b.atMs);
    const result = this.simulate({ ...base, timeline, durationMs }, which === 'old' ? this.oldCache : this.freshCache);
    this.worlds.set(key, result);
    return result;
  }

  private simulate(scenario: Scenario, configCache: Map<string, LoadedHostConfig>): SimulationResult {
    const outcome = runScenario(scenario, { keepLogs: false, configCache, fileCache: this.fileCache, namesChecked: true });
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    return outcome.result;
  }
}

function describeCount(n: number): string {
  return n === 0 ? 'never' : n === 1 ? 'at most once' : `at most ${n} times`;
}

function asRolloutFinding(finding: SimFinding): RolloutFinding {
  return { kind: finding.kind, from: finding.from, to: finding.to, hosts: finding.hosts, message: finding.message };
}

interface VipHistory {
  /** Each time the VIP came to a host other than its last holder (ms). */
  moves: { t: number; host: string }[];
  /** The longest stretch with no holder, and when it began (ms). */
  unheldMs: number;
  unheldFrom: number;
  holderAt(ms: number): string | undefined;
}

/** Each VIP's holders from `fromMs` on (its holder at `fromMs` is the starting point, not a move). */
function vipHistory(result: SimulationResult, fromMs: number): Map<string, VipHistory> {
  const endMs = result.scenario.durationMs;
  const byAddress = new Map<string, { holders: Set<string>; last: string | undefined; moves: { t: number; host: string }[]; unheldSince: number | undefined; unheldMs: number; unheldFrom: number; changes: { t: number; holder: string | undefined }[] }>();
  for (const record of result.records) {
    if (record.type !== 'vip') continue;
    const t = record.t * 1000;
    let entry = byAddress.get(record.address);
    if (entry === undefined) {
      entry = { holders: new Set(), last: undefined, moves: [], unheldSince: undefined, unheldMs: 0, unheldFrom: 0, changes: [] };
      byAddress.set(record.address, entry);
    }
    const before = entry.holders.size;
    if (record.held) entry.holders.add(record.host);
    else entry.holders.delete(record.host);
    if (record.held && entry.last !== record.host) {
      if (t >= fromMs && entry.last !== undefined) entry.moves.push({ t, host: record.host });
      entry.last = record.host;
    }
    entry.changes.push({ t, holder: entry.holders.size > 0 ? [...entry.holders][0] : undefined });
    if (entry.holders.size === 0 && before > 0) entry.unheldSince = t;
    if (entry.holders.size > 0 && before === 0 && entry.unheldSince !== undefined) {
      const from = Math.max(entry.unheldSince, fromMs);
      if (t - from > entry.unheldMs) {
        entry.unheldMs = t - from;
        entry.unheldFrom = from;
      }
      entry.unheldSince = undefined;
    }
  }
  const histories = new Map<string, VipHistory>();
  for (const [address, entry] of byAddress) {
    if (entry.unheldSince !== undefined) {
      const from = Math.max(entry.unheldSince, fromMs);
      if (endMs - from > entry.unheldMs) {
        entry.unheldMs = endMs - from;
        entry.unheldFrom = from;
      }
    }
    const changes = entry.changes;
    histories.set(address, {
      moves: entry.moves,
      unheldMs: entry.unheldMs,
      unheldFrom: entry.unheldFrom,
      holderAt: (ms) => {
        let holder: string | undefined;
        for (const change of changes) {
          if (change.t > ms) break;
          holder = change.holder;
        }
        return holder;
      },
    });
  }
  return histories;
}

function lastHolder(result: SimulationResult, address: string): string | undefined {
  return Object.entries(result.vips).find(([, vips]) => vips.includes(address))?.[0];
}

// ------------------------------------------------------------------ the search

export interface RolloutFailure {
  schedule: RolloutSchedule;
  kinds: string[];
  findings: RolloutFinding[];
}

export interface PlanSummary {
  plan: RolloutPlan;
  /** Schedules of this plan (no fault, then each fault at each placement) and how many failed. */
  schedules: number;
  failing: number;
  kinds: string[];
}

export interface RolloutResult {
  space: RolloutSpace;
  plans: PlanSummary[];
  /** The minimal unsafe rollout for each set of failure kinds, simplest first. */
  unsafe: RolloutFailure[];
  /** The simplest plan with no failure of its own under any fault tried, and the gaps at which its order and methods were safe. */
  safe?: { plan: RolloutPlan; safeGapsMs: number[]; description: string };
  /** Failures the same faults cause with the old or the new configs alone (not the rollout's), by kind and world. */
  preexisting: { kind: string; world: 'old' | 'new' | 'steps'; example: string }[];
  schedules: number;
  /** Every plan was tried with every fault at every placement. */
  exhaustive: boolean;
  seconds: number;
}

export interface RolloutOptions {
  /** Stop starting schedules after this long, ms (the result says the search was not exhaustive). */
  budgetMs?: number;
  /** Most schedules to run. */
  maxSchedules?: number;
  onProgress?: (done: number, total: number, failing: number) => void;
}

export function exploreRollout(space: RolloutSpace, options: RolloutOptions = {}): RolloutResult {
  const started = performance.now();
  const runner = new RolloutRunner(space);
  const plans = rolloutPlans(space);
  // A host only in --to has nothing to fault in the old cluster (a fault's undoing would start it there): its faults are left out.
  const templates = rolloutFaults(space);
  const perPlan = 1 + templates.length * PLACEMENTS.length;
  const total = plans.length * perPlan;
  const limit = Math.min(total, options.maxSchedules ?? Number.POSITIVE_INFINITY);
  const deadline = started + (options.budgetMs ?? Number.POSITIVE_INFINITY);
  const summaries: PlanSummary[] = plans.map((plan) => ({ plan, schedules: 0, failing: 0, kinds: [] }));
  const failures: RolloutFailure[] = [];
  const preexisting = new Map<string, RolloutResult['preexisting'][number]>();
  let done = 0;
  // Breadth first: every plan without a fault, then every plan with each fault, so a short budget still covers every plan.
  const order: { plan: number; fault: number; placement: number }[] = [];
  for (let p = 0; p < plans.length; p++) order.push({ plan: p, fault: -1, placement: 0 });
  for (let f = 0; f < templates.length; f++) for (let q = 0; q < PLACEMENTS.length; q++) for (let p = 0; p < plans.length; p++) order.push({ plan: p, fault: f, placement: q });
  for (const item of order) {
    if (done >= limit || performance.now() >= deadline) break;
    const plan = plans[item.plan] as RolloutPlan;
    const template = templates[item.fault];
    const placement = PLACEMENTS[item.placement] ?? 'during';
    const faults = template === undefined ? [] : [placeFault(space, plan, template, placement)];
    const schedule: RolloutSchedule = { plan, stepsPlayed: plan.steps.length, faults, ...(template !== undefined ? { placement } : {}) };
    const { verdict } = runner.run(schedule);
    done++;
    const summary = summaries[item.plan] as PlanSummary;
    summary.schedules++;
    for (const p of verdict.preexisting) {
      const key = `${p.kind}|${p.world}`;
      if (!preexisting.has(key)) preexisting.set(key, { ...p, example: faults.length > 0 ? faults.map(describeFault).join('; ') : 'no fault' });
    }
    if (verdict.kinds.length > 0) {
      summary.failing++;
      summary.kinds = [...new Set([...summary.kinds, ...verdict.kinds])].sort();
      failures.push({ schedule, kinds: verdict.kinds, findings: verdict.findings });
    }
    if (done % 16 === 0) options.onProgress?.(done, limit, failures.length);
  }
  options.onProgress?.(done, limit, failures.length);

  // The minimal unsafe rollout per set of kinds: fewest faults, then fewest steps once shrunk, fewest restarts, shortest gap.
  const byKinds = new Map<string, RolloutFailure>();
  for (const failure of failures) {
    const key = failure.kinds.join(',');
    const known = byKinds.get(key);
    if (known === undefined || simplerFailure(failure, known) < 0) byKinds.set(key, failure);
  }
  const shrunk = [...byKinds.values()].map((failure) => shrinkRollout(runner, failure)).sort(simplerFailure);
  // Shrinking can make two alike: the simplest of each kinds and faults is kept.
  const unsafe = shrunk.filter((failure, i) =>
    shrunk.findIndex((other) => other.kinds.join(',') === failure.kinds.join(',') && other.schedule.faults.map(faultIdentity).join(' ') === failure.schedule.faults.map(faultIdentity).join(' ')) === i &&
    // The same steps failing alike with no fault already say it.
    !shrunk.some((other) => other.schedule.faults.length < failure.schedule.faults.length && describePlan(other.schedule.plan, other.schedule.stepsPlayed) === describePlan(failure.schedule.plan, failure.schedule.stepsPlayed) && failure.kinds.every((kind) => other.kinds.includes(kind))));

  const exhaustive = done === total;
  const safe = safestPlan(summaries.filter((summary) => summary.schedules === perPlan));
  return {
    space,
    plans: summaries,
    unsafe,
    ...(safe !== undefined ? { safe } : {}),
    preexisting: [...preexisting.values()],
    schedules: done,
    exhaustive,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

/** The faults tried with each plan: explore's vocabulary of the old cluster, less the faults of hosts only in --to. */
export function rolloutFaults(space: Pick<RolloutSpace, 'faults' | 'added'>): ExploreSpace['vocabulary'] {
  return space.faults.vocabulary.filter((template) => !('host' in template && space.added.includes(template.host)));
}

const restartsOf = (plan: RolloutPlan): number => plan.steps.filter((step) => step.method === 'restart').length;

function simplerFailure(a: RolloutFailure, b: RolloutFailure): number {
  return a.schedule.faults.length - b.schedule.faults.length || a.schedule.stepsPlayed - b.schedule.stepsPlayed || restartsOf(a.schedule.plan) - restartsOf(b.schedule.plan) || a.schedule.plan.gapMs - b.schedule.plan.gapMs;
}

/**
 * Shrink a failing rollout: the steps after its first failure began are dropped (the run up to
 * then is the same), kept only when the shorter rollout still fails with every kind.
 */
export function shrinkRollout(runner: RolloutRunner, failure: RolloutFailure): RolloutFailure {
  // The fewest steps, from one up, that still fail with every kind (the steps after the failure began cannot matter to it).
  const firstMs = Math.min(...failure.findings.map((finding) => finding.from * 1000));
  const entries = stepEntries(runner.space, failure.schedule.plan);
  const reached = Math.max(1, entries.filter((entry) => entry.atMs <= firstMs).length);
  for (let played = 1; played < Math.min(reached + 1, failure.schedule.stepsPlayed); played++) {
    const shorter: RolloutSchedule = { ...failure.schedule, stepsPlayed: played };
    const { verdict } = runner.run(shorter);
    if (failure.kinds.every((kind) => verdict.kinds.includes(kind))) return { schedule: shorter, kinds: verdict.kinds, findings: verdict.findings };
  }
  return failure;
}

/** The simplest safe plan (fewest restarts, then the earliest order tried, then the shortest gap), with the gaps its order and methods were safe at. */
function safestPlan(summaries: readonly PlanSummary[]): RolloutResult['safe'] {
  const safe = summaries.filter((summary) => summary.failing === 0);
  if (safe.length === 0) return undefined;
  const shape = (plan: RolloutPlan) => plan.steps.map((step) => `${step.method} ${step.host}`).join(', ');
  const best = [...safe].sort((a, b) => restartsOf(a.plan) - restartsOf(b.plan))[0] as PlanSummary;
  const sameShape = summaries.filter((summary) => shape(summary.plan) === shape(best.plan));
  const safeGapsMs = sameShape.filter((summary) => summary.failing === 0).map((summary) => summary.plan.gapMs).sort((a, b) => a - b);
  const triedGapsMs = sameShape.map((summary) => summary.plan.gapMs).sort((a, b) => a - b);
  const plan = { ...best.plan, gapMs: safeGapsMs[0] ?? best.plan.gapMs };
  const gaps = safeGapsMs.length === triedGapsMs.length ? `safe at every gap tried: ${triedGapsMs.map(seconds).join(', ')}`
    : `gaps tried: ${triedGapsMs.map((gap) => `${seconds(gap)} ${safeGapsMs.includes(gap) ? 'safe' : 'unsafe'}`).join(', ')}`;
  return { plan, safeGapsMs, description: `${describePlan(plan)}${plan.steps.length > 1 ? ` (${gaps})` : ''}` };
}
