/**
 * Explore speed on the seed pair (60 s scenarios, from the host directories alone):
 * (a) schedules per second on one core, running the plan's schedules in-process
 *     (target: at least 1,000 per second per core);
 * (b) a whole `explore` with a count budget on one worker thread and on two, in the same run
 *     (target: two cores at least 1.8x one), and that both find the same failures.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explore } from '../src/explore/explore.js';
import { Explorer } from '../src/explore/explorer.js';
import { scenarioFromHosts } from '../src/explore/space.js';

const ROOT = path.resolve(import.meta.dirname, '..', fs.existsSync(path.resolve(import.meta.dirname, '../examples')) ? '' : '..');
const BUDGET = 6000;

function seedPair(variant: 'buggy' | 'fixed') {
  return scenarioFromHosts(['A', 'B'].map((name) => ({ name, root: path.join(ROOT, 'examples', 'seed', variant, name) })), 1);
}

export async function run(): Promise<void> {
  console.log('explore (seed pair from its host directories, 60 s scenarios)');
  for (const variant of ['buggy', 'fixed'] as const) {
    const explorer = new Explorer({ base: seedPair(variant), seed: 1, depth: 2 });
    const indices = Array.from({ length: 4000 }, (_, i) => i);
    explorer.runChunk(indices.slice(0, 500)); // warm-up
    const start = process.hrtime.bigint();
    explorer.runChunk(indices);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rate = indices.length / seconds;
    console.log(`${`${variant}: schedules on one core`.padEnd(40)} ${Math.round(rate).toLocaleString('en')} per s (${indices.length} in ${seconds.toFixed(2)} s); target >= 1,000 per s per core: ${rate >= 1000 ? 'met' : 'NOT met'}`);
  }
  const cores = os.availableParallelism();
  for (const variant of ['buggy', 'fixed'] as const) {
    const times: number[] = [];
    const found: string[] = [];
    for (const workers of [1, 2]) {
      const start = process.hrtime.bigint();
      const result = await explore(seedPair(variant), { seed: 1, depth: 2, budget: { kind: 'count', schedules: BUDGET }, workers });
      times.push(Number(process.hrtime.bigint() - start) / 1e9);
      found.push(result.failures.map((failure) => failure.key).join('\n'));
    }
    const [one = 0, two = 0] = times;
    const speedup = one / two;
    console.log(
      `${`${variant}: explore --budget ${BUDGET}`.padEnd(40)} 1 worker ${one.toFixed(2)} s, 2 workers ${two.toFixed(2)} s = ${speedup.toFixed(2)}x ` +
        `(${cores} cores); same failures: ${found[0] === found[1] ? 'yes' : 'NO'}; target >= 1.8x: ${cores < 2 ? 'not measurable on one core' : speedup >= 1.8 ? 'met' : 'NOT met'}`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
