/**
 * The order explore tries schedules in, as a pure function of the space and the seed: schedule
 * number i is always the same schedule, so a count budget gives the same result whatever the
 * number of workers, and `--shard I/N` can take every N-th one.
 *
 * 1. plain start (every host at once), then each start order with each start skew (startup races);
 * 2. every single fault at the moments that matter: steady state, inside an election, right
 *    after a transition (read off the plain run);
 * 3. pairs: a fault at steady state, and a second one with it, during it, at its undoing, or
 *    right after the transition it caused;
 * 4. seeded random sequences of up to `depth` faults, for as long as the budget lasts.
 */
import { Random } from '../sim/random.js';
import type { Scenario, TimelineEntry } from '../sim/scenario.js';
import { faultEntries, faultIdentity, type ExploreSpace, type Fault, type FaultTemplate } from './space.js';

export type Phase = 'start' | 'single' | 'pair' | 'random';

export interface Schedule {
  phase: Phase;
  /** Start order and the skew between consecutive starts, when the schedule sets them. */
  start?: { order: string[]; skewMs: number };
  faults: Fault[];
}

/** How long a fault lasts before it is undone, unless the search says otherwise. */
export const FAULT_MS = 8_000;
/** Skews tried between consecutive starts: about keepalived's start-up latency apart, and well apart. */
const START_SKEWS_MS = [50, 2_000];
const RANDOM_DURATIONS_MS = [500, 1_000, 2_000, 4_000, 8_000, 16_000];

export interface Plan {
  space: ExploreSpace;
  seed: number;
  depth: number;
  /** Number of schedules in each exhaustive phase, in order. */
  phases: { phase: Exclude<Phase, 'random'>; depth: number; count: number }[];
  /** The moments single faults are placed at, ms. */
  moments: number[];
  steadyMs: number;
  schedule(index: number): Schedule;
  /** How many schedules the exhaustive phases hold (the random phase is unbounded). */
  exhaustiveCount: number;
}

/**
 * Make the plan. `runTransitions` runs a schedule and returns the times (ms) of its state
 * transitions; the plan uses it on the plain run and on each steady-state single fault to place
 * faults right after transitions.
 */
export function makePlan(space: ExploreSpace, seed: number, depth: number, runTransitions: (schedule: Schedule) => number[]): Plan {
  const base = space.base;
  const names = base.hosts.map((host) => host.name);
  const startsGiven = base.timeline.some((entry) => entry.do === 'start');
  const onlyStarts = base.timeline.every((entry) => entry.do === 'start');

  // The plain run starts every host at once; startup races start them in each order, skewed.
  const startSchedules: Schedule[] = [{ phase: 'start', faults: [] }];
  if (onlyStarts && !startsGiven && names.length > 1) {
    for (const skewMs of START_SKEWS_MS) for (const order of orders(names)) startSchedules.push({ phase: 'start', start: { order, skewMs }, faults: [] });
  }

  const plain: Schedule = { phase: 'start', faults: [] };
  const plainTransitions = runTransitions(plain);
  const lastStart = Math.max(0, ...base.timeline.filter((entry) => entry.do === 'start').map((entry) => entry.atMs));
  const settled = Math.max(lastStart, ...plainTransitions);
  const steadyMs = Math.ceil((settled + 2 * space.takeoverMs) / 1000) * 1000;
  const firstMaster = plainTransitions.find((t) => t > lastStart) ?? plainTransitions[0];
  const moments = [steadyMs];
  if (firstMaster !== undefined) {
    // Inside the election that made the first master after the last start, and right after it.
    moments.push(Math.max(lastStart + 1, Math.round(firstMaster - space.advertIntervalMs)), firstMaster + 10);
  }
  const uniqueMoments = [...new Set(moments)];

  const singles: Schedule[] = [];
  for (const moment of uniqueMoments) {
    for (const template of space.vocabulary) singles.push({ phase: 'single', faults: [place(template, moment, moment + FAULT_MS)] });
    for (const template of space.permanent) singles.push({ phase: 'single', faults: [place(template, moment, undefined)] });
  }

  const pairs: Schedule[] = [];
  if (depth >= 2) {
    for (const first of space.vocabulary) {
      const head = place(first, steadyMs, steadyMs + FAULT_MS);
      const transitions = runTransitions({ phase: 'single', faults: [head] });
      const reaction = transitions.find((t) => t > head.at);
      const offsets = new Set([steadyMs, steadyMs + FAULT_MS / 2, steadyMs + FAULT_MS]);
      if (reaction !== undefined) offsets.add(reaction + 10);
      for (const second of space.vocabulary) {
        if (faultIdentity(second) === faultIdentity(first)) continue;
        for (const at of [...offsets].sort((a, b) => a - b)) pairs.push({ phase: 'pair', faults: [head, place(second, at, at + FAULT_MS)] });
      }
    }
  }

  const phases: Plan['phases'] = [
    { phase: 'start', depth: 0, count: startSchedules.length },
    { phase: 'single', depth: 1, count: singles.length },
    ...(depth >= 2 ? [{ phase: 'pair' as const, depth: 2, count: pairs.length }] : []),
  ];
  const exhaustive = [...startSchedules, ...singles, ...pairs];
  return {
    space,
    seed,
    depth,
    phases,
    moments: uniqueMoments,
    steadyMs,
    exhaustiveCount: exhaustive.length,
    schedule(index) {
      const fixed = exhaustive[index];
      if (fixed !== undefined) return fixed;
      return randomSchedule(space, seed, index, depth, steadyMs, steadyMs + 20_000);
    },
  };
}

function place(template: FaultTemplate, at: number, until: number | undefined): Fault {
  return until === undefined ? { ...template, at } : { ...template, at, until };
}

/** Schedule number `index` of the random phase: its own PRNG stream, so any shard can make it. */
function randomSchedule(space: ExploreSpace, seed: number, index: number, depth: number, fromMs: number, toMs: number): Schedule {
  const random = new Random(mix(seed, index));
  const count = 1 + Math.floor(random.next() * Math.max(1, depth));
  const faults: Fault[] = [];
  const templates = space.vocabulary;
  for (let k = 0; k < count && templates.length > 0; k++) {
    const template = templates[Math.floor(random.next() * templates.length)] ?? templates[0];
    if (template === undefined) break;
    const at = Math.round(random.between(fromMs, toMs) / 10) * 10;
    const permanent = space.permanent.some((candidate) => faultIdentity(candidate) === faultIdentity(template)) && random.next() < 0.1;
    const duration = RANDOM_DURATIONS_MS[Math.floor(random.next() * RANDOM_DURATIONS_MS.length)] ?? FAULT_MS;
    faults.push(place(template, at, permanent ? undefined : at + duration));
  }
  faults.sort((a, b) => a.at - b.at);
  return { phase: 'random', faults };
}

/** A 32-bit hash of (seed, index) for independent PRNG streams. */
function mix(seed: number, index: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ index, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** Every order of the hosts for up to four; rotations of the given order beyond that (start orders, rollout orders). */
export function orders(names: string[]): string[][] {
  if (names.length > 4) return names.map((_, shift) => [...names.slice(shift), ...names.slice(0, shift)]);
  const result: string[][] = [];
  const permute = (prefix: string[], rest: string[]): void => {
    if (rest.length === 0) result.push(prefix);
    rest.forEach((name, i) => permute([...prefix, name], [...rest.slice(0, i), ...rest.slice(i + 1)]));
  };
  permute([], names);
  return result;
}

/** The scenario a schedule runs: the base, its starts, then the faults; long enough to settle after the last one. */
export function scheduleScenario(space: ExploreSpace, schedule: Schedule): Scenario {
  const base = space.base;
  const names = base.hosts.map((host) => host.name);
  const prefix: TimelineEntry[] = [];
  if (schedule.start !== undefined) {
    const { order, skewMs } = schedule.start;
    order.forEach((host, i) => prefix.push({ atMs: i * skewMs, do: 'start', host }));
    prefix.push(...base.timeline.filter((entry) => entry.do !== 'start'));
  } else if (base.timeline.some((entry) => entry.do === 'start')) {
    prefix.push(...base.timeline);
  } else {
    for (const host of names) prefix.push({ atMs: 0, do: 'start', host });
    prefix.push(...base.timeline);
  }
  const faults = schedule.faults.flatMap(faultEntries);
  const timeline = [...prefix, ...faults].sort((a, b) => a.atMs - b.atMs);
  const lastEvent = Math.max(0, ...timeline.map((entry) => entry.atMs));
  const settleMs = Math.max(20_000, 3 * space.takeoverMs);
  const durationMs = Math.max(base.durationMs, Math.ceil((lastEvent + settleMs) / 1000) * 1000);
  return { ...base, timeline, durationMs };
}
