/**
 * One explorer: a space, its plan and a runner, able to run any schedule by number and shrink
 * any failure. The same object works in the main process and in each worker process.
 */
import type { SimFinding } from '../sim/findings.js';
import { describeStartOrder } from '../sim/format.js';
import type { SimulationResult } from '../sim/run.js';
import type { Scenario } from '../sim/scenario.js';
import { failureKey, makeRunner, type Runner } from './judge.js';
import { makePlan, type Phase, type Plan, type Schedule } from './plan.js';
import { shrink } from './shrink.js';
import { exploreSpace } from './space.js';

/** A failing schedule as found: the first (lowest-numbered) one of its kind is kept. */
export interface Candidate {
  index: number;
  phase: Phase;
  kinds: string[];
  key: string;
}

export interface ChunkResult {
  ran: number;
  candidates: Candidate[];
  /** Findings explained by the faults in force, by kind: how many schedules showed each. */
  excused: Record<string, number>;
}

/**
 * Another outcome of a race of keepalived's in a failure's run (a start order within its start-up
 * jitter, a preempt_delay boundary advert discarded) in which the failure is not what it was found as.
 */
export interface RaceOutcome {
  kind: 'start' | 'preempt-boundary';
  /** That outcome in words: "with B's start-up 42 ms shorter than the others'". */
  variant: string;
  /** What it fails with (none: it does not fail). */
  kinds: string[];
}

export interface Shrunk {
  origin: Candidate;
  key: string;
  kinds: string[];
  schedule: Schedule;
  findings: SimFinding[];
  /** A race: the other outcomes in which it does not fail with every kind found (absent: it fails in every one). */
  races?: RaceOutcome[];
  /** Other start orders failing with the same kinds under the same faults, folded into this one (mergeShrunk). */
  alike?: string[][];
}

export interface ExplorerSetup {
  base: Scenario;
  seed: number;
  depth: number;
}

export class Explorer {
  readonly plan: Plan;
  readonly runner: Runner;
  /** What the plain run (every host started at once, no fault) already fails with. */
  private readonly plainKinds: string[];

  constructor(setup: ExplorerSetup) {
    const space = exploreSpace(setup.base);
    this.runner = makeRunner(space);
    this.plan = makePlan(space, setup.seed, setup.depth, (schedule) => this.runner.run(schedule).verdict.transitions);
    this.plainKinds = this.runner.run({ phase: 'start', faults: [] }).verdict.kinds;
  }

  runChunk(indices: readonly number[]): ChunkResult {
    const candidates = new Map<string, Candidate>();
    const excused: Record<string, number> = {};
    for (const index of indices) {
      const schedule = this.plan.schedule(index);
      const { verdict } = this.runner.run(schedule);
      for (const kind of new Set(verdict.excused.map((finding) => finding.kind))) excused[kind] = (excused[kind] ?? 0) + 1;
      if (verdict.kinds.length === 0) continue;
      const key = failureKey(verdict.kinds, schedule);
      if (!candidates.has(key)) candidates.set(key, { index, phase: schedule.phase, kinds: verdict.kinds, key });
    }
    return { ran: indices.length, candidates: [...candidates.values()], excused };
  }

  shrink(candidate: Candidate): Shrunk {
    const schedule = this.plan.schedule(candidate.index);
    const shrunk = shrink(this.runner, schedule, candidate.kinds, this.plainKinds, this.plan.steadyMs, this.plan.moments);
    const { verdict } = this.runner.run(shrunk);
    return { origin: candidate, key: failureKey(verdict.kinds, shrunk), kinds: verdict.kinds, schedule: shrunk, findings: verdict.failures };
  }
}

/**
 * A shrunk failure with the outcomes of keepalived's races in which it does not fail alike
 * (`races`): worked out once per reported failure, after the merge, never per schedule or per
 * candidate, so the search keeps its speed.
 */
export function withRaces(runner: Runner, failure: Shrunk): Shrunk {
  const { result, verdict } = runner.run(failure.schedule);
  const races = raceOutcomes(runner, failure.schedule, result, verdict.kinds);
  return races.length > 0 ? { ...failure, races } : failure;
}

/** The outcomes of keepalived's races in a failing run that lack one of its kinds. */
export function raceOutcomes(runner: Runner, schedule: Schedule, result: SimulationResult, kinds: readonly string[]): RaceOutcome[] {
  if (kinds.length === 0) return [];
  return runner.raceOutcomes(schedule, result).flatMap(({ variant, verdict }) => {
    if (kinds.every((kind) => verdict.kinds.includes(kind))) return [];
    const words =
      variant.kind === 'start'
        ? `with ${describeStartOrder(variant.first, variant.leadMs)}`
        : `with ${variant.tie.host} discarding ${variant.tie.from}'s advert that came exactly as its ${variant.tie.instance}'s preempt_delay ended (${variant.tie.t.toFixed(3)} s)`;
    return [{ kind: variant.kind, variant: words, kinds: verdict.kinds }];
  });
}
