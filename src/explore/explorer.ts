/**
 * One explorer: a space, its plan and a runner, able to run any schedule by number and shrink
 * any failure. The same object works in the main process and in each worker process.
 */
import type { SimFinding } from '../sim/findings.js';
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

export interface Shrunk {
  origin: Candidate;
  key: string;
  kinds: string[];
  schedule: Schedule;
  findings: SimFinding[];
}

export interface ExplorerSetup {
  base: Scenario;
  seed: number;
  depth: number;
}

export class Explorer {
  readonly plan: Plan;
  private readonly runner: Runner;
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
