/**
 * Explore speed on the seed pair (60 s scenarios, from the host directories alone):
 * (a) schedules per second on one core, the plan's schedules run in-process
 *     (target: at least 1,000 per second per core);
 * (b) how long `explore` takes to find the seed's two one-fault failures (target: within 10 s);
 * (c) `vrrplab explore --budget N` as a fresh process pinned to one core with one worker, and on
 *     two cores with two worker processes, in the same run (target: two cores at least 1.8x one),
 *     next to the same ratio for a plain allocating loop: what this machine allows two processes;
 * (d) the same comparison warm: schedules run in-process after a warm-up, one process on one core
 *     against two on two cores, each doing the one's work. A fresh process spends its first ~1,000
 *     schedules warming up V8 (about 1 s of one core), and with two workers each pays it: (c)
 *     against (d) tells that cost from the simulator's own scaling;
 * (e) `vrrplab explore --budget 60s`, explore's default budget, as a fresh process: schedules
 *     explored on two cores with two workers against one core with one (target: at least 1.8x).
 *     Where users are: the fixed start-up and warm-up cost weighs ~2% of a minute.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { explore } from '../src/explore/explore.js';
import { Explorer } from '../src/explore/explorer.js';
import { scenarioFromHosts } from '../src/explore/space.js';

const ROOT = path.resolve(import.meta.dirname, '..', fs.existsSync(path.resolve(import.meta.dirname, '../examples')) ? '' : '..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const BUDGET = 20_000;
/** (e): explore's default time budget. */
const TIME_BUDGET = '60s';
/** (d): schedules per process after a warm-up of WARM_UP. */
const WARM_SCHEDULES = 5_000;
const WARM_UP = 1_500;

function seedHosts(variant: 'buggy' | 'fixed') {
  return ['A', 'B'].map((name) => ({ name, root: path.join(ROOT, 'examples', 'seed', variant, name) }));
}

/** Wall seconds of a command pinned to `cpus` (taskset), or undefined when taskset is missing. */
function pinned(cpus: string, args: string[]): number | undefined {
  return pinnedRun(cpus, args)?.seconds;
}

function pinnedRun(cpus: string, args: string[]): { seconds: number; stdout: string } | undefined {
  const start = process.hrtime.bigint();
  const result = spawnSync('taskset', ['-c', cpus, process.execPath, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.error !== undefined || result.status !== 0) return undefined;
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, stdout: result.stdout };
}

/** `vrrplab explore` arguments for the seed pair by worker count, its --out a scratch directory removed after `use`. */
function withExploreArgs(variant: 'buggy' | 'fixed', budget: string, use: (args: (workers: number) => string[]) => void): void {
  const hosts = seedHosts(variant).flatMap((host) => ['--host', `${host.name}=${host.root}`]);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-bench-explore-'));
  try {
    use((workers) => [CLI, 'explore', ...hosts, '--budget', budget, '--workers', String(workers), '--json', '--out', out]);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The schedules an `explore --json` run reports in its summary line. */
function schedulesOf(stdout: string): number {
  const summary = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { schedules?: number };
  return summary.schedules ?? Number.NaN;
}

/** One process's share of the peer workload: allocating and dropping small objects, as a simulator does. */
const ALLOCATING_LOOP = 'let keep = []; for (let i = 0; i < 2e7; i++) { keep.push({ a: i, b: [i, i + 1] }); if (keep.length > 100000) keep = []; }';

/** The peer: the same allocating loop in `processes` processes at once, pinned to `cpus`. */
function allocating(cpus: string, processes: number): number | undefined {
  const script = `const { spawn } = require('node:child_process');
for (let i = 0; i < ${processes}; i++) spawn(process.execPath, ['-e', ${JSON.stringify(ALLOCATING_LOOP)}], { stdio: 'ignore' });`;
  return pinned(cpus, ['-e', script]);
}

/** (d), in a child process: warm up, wait for the common start, run the schedules; prints the seconds they took. */
function warmChild(variant: 'buggy' | 'fixed', startAt: number): void {
  const explorer = new Explorer({ base: scenarioFromHosts(seedHosts(variant), 1), seed: 1, depth: 2 });
  const indices = Array.from({ length: WARM_SCHEDULES }, (_, i) => i);
  explorer.runChunk(indices.slice(0, WARM_UP));
  while (Date.now() < startAt) {
    // the processes of one measurement start together
  }
  const start = process.hrtime.bigint();
  explorer.runChunk(indices);
  console.log(Number(process.hrtime.bigint() - start) / 1e9);
}

/** (d): seconds the slowest of `processes` warm processes pinned to `cpus` took for WARM_SCHEDULES each. */
async function warm(cpus: string, processes: number, variant: 'buggy' | 'fixed'): Promise<number> {
  const startAt = Date.now() + 3000;
  const self = fileURLToPath(import.meta.url);
  const seconds = await Promise.all(
    Array.from(
      { length: processes },
      () =>
        new Promise<number>((resolve, reject) => {
          const child = spawn('taskset', ['-c', cpus, process.execPath, self, 'warm-child', variant, String(startAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (data: Buffer) => (out += data.toString()));
          child.on('close', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`warm child exited ${code}`))));
        }),
    ),
  );
  return Math.max(...seconds);
}

export async function run(): Promise<void> {
  console.log('explore (seed pair from its host directories, 60 s scenarios)');
  for (const variant of ['buggy', 'fixed'] as const) {
    const explorer = new Explorer({ base: scenarioFromHosts(seedHosts(variant), 1), seed: 1, depth: 2 });
    const indices = Array.from({ length: 4000 }, (_, i) => i);
    explorer.runChunk(indices.slice(0, 500)); // warm-up
    const start = process.hrtime.bigint();
    explorer.runChunk(indices);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rate = indices.length / seconds;
    console.log(`${`${variant}: schedules on one core`.padEnd(44)} ${Math.round(rate).toLocaleString('en')} per s (${indices.length} in ${seconds.toFixed(2)} s); target >= 1,000 per s per core: ${rate >= 1000 ? 'met' : 'NOT met'}`);
  }

  const start = process.hrtime.bigint();
  const buggy = await explore(scenarioFromHosts(seedHosts('buggy'), 1), { seed: 1, depth: 2, budget: { kind: 'count', schedules: 100 }, workers: 1 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const found = ['collective-drift,stranded-service|A:stop', 'collective-drift,stranded-service|A:service-stop:haproxy'].every((key) => buggy.failures.some((failure) => failure.key === key));
  console.log(`${'buggy: restart failures found (100 schedules)'.padEnd(44)} ${found ? 'both' : 'NOT both'} in ${seconds.toFixed(2)} s, one worker; target within 10 s: ${found && seconds < 10 ? 'met' : 'NOT met'}`);

  if (os.availableParallelism() < 2 || pinned('0', ['-e', '0']) === undefined) {
    console.log('two cores against one: needs two cores and taskset; skipped');
    return;
  }
  for (const variant of ['buggy', 'fixed'] as const) {
    withExploreArgs(variant, String(BUDGET), (args) => {
      const one = pinned('0', args(1));
      const two = pinned('0,1', args(2));
      if (one === undefined || two === undefined) throw new Error('vrrplab explore failed under taskset');
      const speedup = one / two;
      console.log(
        `${`${variant}: explore --budget ${BUDGET}, fresh process`.padEnd(44)} 1 core ${one.toFixed(2)} s, 2 cores ${two.toFixed(2)} s = ${speedup.toFixed(2)}x; target >= 1.8x: ${speedup >= 1.8 ? 'met' : 'NOT met'}`,
      );
    });
  }
  for (const variant of ['buggy', 'fixed'] as const) {
    withExploreArgs(variant, TIME_BUDGET, (args) => {
      const one = pinnedRun('0', args(1));
      const two = pinnedRun('0,1', args(2));
      if (one === undefined || two === undefined) throw new Error('vrrplab explore failed under taskset');
      const [onePerS, twoPerS] = [one, two].map((r) => schedulesOf(r.stdout) / r.seconds) as [number, number];
      const speedup = twoPerS / onePerS;
      console.log(
        `${`${variant}: explore --budget ${TIME_BUDGET}, fresh process`.padEnd(44)} 1 core ${Math.round(onePerS).toLocaleString('en')} per s, 2 cores ${Math.round(twoPerS).toLocaleString('en')} per s = ${speedup.toFixed(2)}x; target >= 1.8x: ${speedup >= 1.8 ? 'met' : 'NOT met'}`,
      );
    });
  }
  for (const variant of ['buggy', 'fixed'] as const) {
    const one = await warm('0', 1, variant);
    const two = await warm('0,1', 2, variant);
    const speedup = (2 * one) / two;
    console.log(
      `${`${variant}: warm, ${WARM_SCHEDULES} per process`.padEnd(44)} 1 core ${Math.round(WARM_SCHEDULES / one).toLocaleString('en')} per s, 2 cores ${Math.round((2 * WARM_SCHEDULES) / two).toLocaleString('en')} per s = ${speedup.toFixed(2)}x (the simulator's own scaling, without V8's warm-up)`,
    );
  }
  const oneAlloc = allocating('0', 1);
  const twoAlloc = allocating('0,1', 2);
  if (oneAlloc !== undefined && twoAlloc !== undefined) {
    console.log(`${'peer: allocating loop, 2 processes vs 1'.padEnd(44)} ${((2 * oneAlloc) / twoAlloc).toFixed(2)}x (1 process ${oneAlloc.toFixed(2)} s, 2 doing twice the work ${twoAlloc.toFixed(2)} s): what this machine allows`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv[2] === 'warm-child') warmChild(process.argv[3] === 'fixed' ? 'fixed' : 'buggy', Number(process.argv[4]));
  else await run();
}
