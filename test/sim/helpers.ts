import * as path from 'node:path';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** Runs a scenario given as YAML text; host roots are relative to the repository's examples/. */
export function simulate(yaml: string, seed?: number): SimulationResult {
  const parsed = parseScenario(yaml, path.join(ROOT, 'examples/scenarios'), 'test');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario, { seed });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

/** The seed pair (host directories under examples/seed/VARIANT) with a timeline appended. */
export function seedScenario(variant: 'buggy' | 'fixed', duration: string, timeline: string[], extra: string[] = []): string {
  return [
    'name: test',
    `duration: ${duration}`,
    'hosts:',
    `  A: { root: ../seed/${variant}/A, address: 172.16.25.1 }`,
    `  B: { root: ../seed/${variant}/B, address: 172.16.25.2 }`,
    'services: { haproxy: up }',
    'checks:',
    '  chk_haproxy: { service: haproxy }',
    '  chk_maintaince_down: { file-absent: /etc/keepalived/down }',
    ...extra,
    'timeline:',
    ...timeline.map((entry) => `  - ${entry}`),
  ].join('\n');
}
