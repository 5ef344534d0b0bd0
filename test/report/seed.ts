import * as path from 'node:path';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs one of the seed scenarios in examples/scenarios (e.g. `seed-buggy-keepalived-restart`). */
export function runExample(name: string): SimulationResult {
  const loaded = loadScenario(path.join(ROOT, 'examples/scenarios', `${name}.yaml`));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const outcome = runScenario(loaded.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}
