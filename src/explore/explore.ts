/**
 * `vrrplab explore`: search the space of faults for the distinct ways a cluster ends up wrong.
 *
 * Schedules are numbered (./plan.ts); chunks of numbers go to worker processes, each with its own
 * Explorer over the same space. Per failure key the lowest-numbered failing schedule is kept and
 * shrunk; shrunk failures with the same key are merged, the simplest kept. With a count budget
 * the result depends only on the inputs and the seed, not on the number of workers or shards.
 */
import * as fs from 'node:fs';
import { fork, type ChildProcess, type ForkOptions } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Scenario } from '../sim/scenario.js';
import { Explorer, withRaces, type Candidate, type ChunkResult, type ExplorerSetup, type Shrunk } from './explorer.js';
import { failureKey, makeRunner } from './judge.js';
import type { Plan } from './plan.js';
import { simpler } from './shrink.js';
import { exploreSpace, processNotes } from './space.js';

export type Budget = { kind: 'count'; schedules: number } | { kind: 'time'; ms: number };

export interface ExploreOptions {
  seed: number;
  /** Most faults in one schedule (random phase); the exhaustive phases go to min(depth, 2). */
  depth: number;
  budget: Budget;
  workers: number;
  shard?: { index: number; count: number };
  onProgress?: (progress: { done: number; total: number | undefined; failures: number; elapsedMs: number }) => void;
}

export interface ExploreSummary {
  schedules: number;
  seconds: number;
  failures: number;
  /** Every schedule of up to this many faults was tried (-1: not even the plain starts). */
  exhaustiveDepth: number;
  /** Schedules in each exhaustive phase of the plan. */
  phases: { phase: string; depth: number; count: number }[];
  /** Findings explained by the faults in force (not failures), by kind: in how many schedules. */
  excused: Record<string, number>;
  shard?: { index: number; count: number };
  /** What the search takes for granted beyond the configs (space.ts processNotes), said in the header. */
  notes?: string[];
}

export interface ExploreResult {
  failures: Shrunk[];
  summary: ExploreSummary;
}

const CHUNK = 64;

export async function explore(base: Scenario, options: ExploreOptions): Promise<ExploreResult> {
  const started = performance.now();
  const setup: ExplorerSetup = { base, seed: options.seed, depth: options.depth };
  const pool = options.workers > 1 ? await WorkerPool.start(setup, options.workers) : undefined;
  const local = pool === undefined ? new Explorer(setup) : undefined;
  const plan = pool?.plan ?? summarisePlan(local?.plan);
  try {
    const shard = options.shard ?? { index: 0, count: 1 };
    const limit = options.budget.kind === 'count' ? options.budget.schedules : Number.POSITIVE_INFINITY;
    const deadline = options.budget.kind === 'time' ? started + options.budget.ms : Number.POSITIVE_INFINITY;
    const total = options.budget.kind === 'count' ? countInShard(limit, shard) : undefined;
    let nextIndex = shard.index;
    const takeChunk = (): number[] | undefined => {
      if (performance.now() >= deadline) return undefined;
      const chunk: number[] = [];
      while (chunk.length < CHUNK && nextIndex < limit) {
        chunk.push(nextIndex);
        nextIndex += shard.count;
      }
      return chunk.length > 0 ? chunk : undefined;
    };

    const candidates = new Map<string, Candidate>();
    const excused: Record<string, number> = {};
    const done = new Set<number>();
    let ran = 0;
    const absorb = (chunk: readonly number[], result: ChunkResult): void => {
      ran += result.ran;
      for (const index of chunk) done.add(index);
      for (const candidate of result.candidates) {
        const known = candidates.get(candidate.key);
        if (known === undefined || candidate.index < known.index) candidates.set(candidate.key, candidate);
      }
      for (const [kind, count] of Object.entries(result.excused)) excused[kind] = (excused[kind] ?? 0) + count;
      options.onProgress?.({ done: ran, total, failures: candidates.size, elapsedMs: performance.now() - started });
    };

    if (pool !== undefined) await pool.runAll(takeChunk, absorb);
    else if (local !== undefined) for (let chunk = takeChunk(); chunk !== undefined; chunk = takeChunk()) absorb(chunk, local.runChunk(chunk));

    const origins = [...candidates.values()].sort((a, b) => a.index - b.index);
    const shrunk = pool !== undefined ? await pool.shrinkAll(origins) : origins.map((candidate) => (local as Explorer).shrink(candidate));
    // A shard hands back every shrunk failure, not only the simplest per key: which one is the
    // simplest overall, and which origin is the lowest-numbered, only the merge can tell.
    const merged = options.shard !== undefined ? [...shrunk].sort((a, b) => a.origin.index - b.origin.index) : mergeShrunk(shrunk);
    // keepalived's races, for the failures reported only (the pool's workers have the same space).
    const runner = local?.runner ?? (merged.length > 0 ? makeRunner(exploreSpace(base)) : undefined);
    const failures = runner === undefined ? merged : merged.map((failure) => withRaces(runner, failure));
    const notes = processNotes(base);
    const summary: ExploreSummary = {
      schedules: ran,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      failures: failures.length,
      exhaustiveDepth: exhaustiveDepth(plan.phases, done, shard),
      phases: plan.phases,
      // Sorted: the workers' answers arrive in any order, the summary must not show it.
      excused: Object.fromEntries(Object.entries(excused).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      ...(options.shard !== undefined ? { shard: options.shard } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    };
    return { failures, summary };
  } finally {
    await pool?.close();
  }
}

/** Keep one failure per key: the simplest schedule, then the lowest-numbered origin. */
export function mergeShrunk(shrunk: readonly Shrunk[]): Shrunk[] {
  // Per origin key only the lowest-numbered origin counts (shards each keep their own lowest).
  const byOrigin = new Map<string, Shrunk>();
  for (const item of shrunk) {
    const known = byOrigin.get(item.origin.key);
    if (known === undefined || item.origin.index < known.origin.index) byOrigin.set(item.origin.key, item);
  }
  const byKey = new Map<string, Shrunk>();
  for (const item of byOrigin.values()) {
    const known = byKey.get(item.key);
    if (known === undefined || simpler(item.schedule, known.schedule) < 0 || (simpler(item.schedule, known.schedule) === 0 && item.origin.index < known.origin.index)) byKey.set(item.key, item);
  }
  const sorted = [...byKey.values()].sort((a, b) => a.schedule.faults.length - b.schedule.faults.length || a.origin.index - b.origin.index);
  return foldStartOrders(sorted);
}

/**
 * Failures that differ only in the order keepalived starts on the hosts (the same time apart), with
 * the same kinds and faults, as one: the first kept, the others' orders listed with it. Two clusters sharing a VRID
 * failed alike in all 24 start orders of four hosts, which explore listed as 24 failures.
 */
function foldStartOrders(failures: Shrunk[]): Shrunk[] {
  const kept = new Map<string, Shrunk>();
  const out: Shrunk[] = [];
  for (const failure of failures) {
    const start = failure.schedule.start;
    if (start === undefined) {
      out.push(failure);
      continue;
    }
    const sameBut = `${failureKey(failure.kinds, { faults: failure.schedule.faults })}|${start.skewMs}`;
    const first = kept.get(sameBut);
    if (first === undefined) {
      const copy = { ...failure };
      kept.set(sameBut, copy);
      out.push(copy);
    } else first.alike = [...(first.alike ?? []), ...[start.order], ...(failure.alike ?? [])];
  }
  return out;
}

function countInShard(limit: number, shard: { index: number; count: number }): number {
  return limit <= shard.index ? 0 : Math.ceil((limit - shard.index) / shard.count);
}

export function exhaustiveDepth(phases: readonly { depth: number; count: number }[], done: ReadonlySet<number>, shard: { index: number; count: number }): number {
  let end = 0;
  let depth = -1;
  for (const phase of phases) {
    const from = end;
    end += phase.count;
    for (let index = from; index < end; index++) if (index % shard.count === shard.index && !done.has(index)) return depth;
    depth = phase.depth;
  }
  return depth;
}

function summarisePlan(plan: Plan | undefined): { phases: Plan['phases'] } {
  return { phases: plan?.phases ?? [] };
}

// ------------------------------------------------------------------ worker processes

type ToWorker = { type: 'setup'; setup: ExplorerSetup } | { type: 'run'; indices: number[] } | { type: 'shrink'; candidate: Candidate };
type FromWorker = { type: 'ready'; phases: Plan['phases'] } | { type: 'ran'; result: ChunkResult } | { type: 'shrunk'; shrunk: Shrunk } | { type: 'error'; message: string };

/**
 * A worker process running ./worker: the built module beside this one, or, when running from the
 * TypeScript sources (tests, tsx), the source through tsx's loader.
 *
 * Processes, not threads: the simulator allocates briskly, and the threads of one process share
 * its page tables, so their page faults wait on each other; two processes on two cores got 20-25%
 * more done than two threads in the same run here.
 */
function startWorker(): ChildProcess {
  const built = new URL('./worker.js', import.meta.url);
  const options: ForkOptions = { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] };
  if (fs.existsSync(fileURLToPath(built))) return fork(fileURLToPath(built), [], { ...options, execArgv: [] });
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\/esm\/api\/index\.cjs$/, '/loader.mjs')).href;
  return fork(fileURLToPath(new URL('./worker.ts', import.meta.url)), [], { ...options, execArgv: ['--import', tsx] });
}

class WorkerPool {
  private constructor(
    private readonly workers: ChildProcess[],
    readonly plan: { phases: Plan['phases'] },
  ) {}

  static async start(setup: ExplorerSetup, count: number): Promise<WorkerPool> {
    const workers = Array.from({ length: count }, () => startWorker());
    try {
      const ready = await Promise.all(workers.map((worker) => ask(worker, { type: 'setup', setup })));
      const first = ready[0];
      if (first === undefined || first.type !== 'ready') throw new Error(`explore worker failed to start: ${first?.type === 'error' ? first.message : 'no answer'}`);
      return new WorkerPool(workers, { phases: first.phases });
    } catch (error) {
      for (const worker of workers) worker.kill();
      throw error;
    }
  }

  /** Hand out chunks until `take` has none left; results are absorbed as they come. */
  async runAll(take: () => number[] | undefined, absorb: (chunk: number[], result: ChunkResult) => void): Promise<void> {
    await Promise.all(
      this.workers.map(async (worker) => {
        for (let chunk = take(); chunk !== undefined; chunk = take()) {
          const answer = await ask(worker, { type: 'run', indices: chunk });
          if (answer.type !== 'ran') throw new Error(answer.type === 'error' ? answer.message : `explore worker: unexpected ${answer.type}`);
          absorb(chunk, answer.result);
        }
      }),
    );
  }

  async shrinkAll(candidates: readonly Candidate[]): Promise<Shrunk[]> {
    const results: Shrunk[] = new Array<Shrunk>(candidates.length);
    let position = 0;
    await Promise.all(
      this.workers.map(async (worker) => {
        while (position < candidates.length) {
          const mine = position++;
          const candidate = candidates[mine];
          if (candidate === undefined) break;
          const answer = await ask(worker, { type: 'shrink', candidate });
          if (answer.type !== 'shrunk') throw new Error(answer.type === 'error' ? answer.message : `explore worker: unexpected ${answer.type}`);
          results[mine] = answer.shrunk;
        }
      }),
    );
    return results;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.exitCode !== null || worker.signalCode !== null) return resolve();
            worker.once('exit', () => resolve());
            worker.disconnect();
          }),
      ),
    );
  }
}

/** Send one request to a worker and wait for its one answer. */
function ask(worker: ChildProcess, message: ToWorker): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('exit', onExit);
    };
    const onMessage = (answer: FromWorker) => {
      cleanup();
      resolve(answer);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`explore worker ${worker.pid ?? ''} exited (${signal ?? `code ${code}`})`));
    };
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.send(message);
  });
}

export type { ToWorker, FromWorker };
