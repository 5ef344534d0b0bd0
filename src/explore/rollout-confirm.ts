/**
 * `explore --to ... --confirm`: each reported rollout played on real keepalived in the lab
 * (../lab/run.ts: the new file written, SIGHUP by PID; SIGTERM then a start) and judged by the
 * rollout's judge against the same worlds as in the search (simulated: they are the comparison, not
 * the claim). An unsafe rollout is `confirmed` when keepalived fails with every kind the simulator
 * found (in one of two runs: keepalived races); a safe one is `clean` when keepalived shows no
 * failure of the rollout's.
 */
import * as fs from 'node:fs';
import { compareRuns } from '../lab/compare.js';
import { inParallel } from '../lab/pool.js';
import { runLab, type LabOptions } from '../lab/run.js';
import { runScenario } from '../sim/run.js';
import { loadScenario } from '../sim/scenario.js';
import type { RolloutRunner } from './rollout.js';
import type { RolloutReportItem } from './rollout-report.js';

export interface RolloutConfirmation {
  name: string;
  kind: 'unsafe' | 'safe';
  status: 'confirmed' | 'not reproduced' | 'clean' | 'failed on keepalived' | 'error';
  kinds: string[];
  /** What keepalived's run failed with (the rollout's own kinds). */
  seen: string[];
  divergence?: string;
  dir?: string;
  error?: string;
}

const RUNS = 2;

export async function confirmRollouts(
  runner: RolloutRunner,
  items: readonly (RolloutReportItem & { file: string })[],
  options: Pick<LabOptions, 'keepalived' | 'impl'> & { jobs?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<RolloutConfirmation[]> {
  return inParallel(items, options.jobs ?? 4, (item) => confirmOne(runner, item, options), (_, done) => options.onProgress?.(done, items.length));
}

async function confirmOne(runner: RolloutRunner, item: RolloutReportItem & { file: string }, options: Pick<LabOptions, 'keepalived' | 'impl'>): Promise<RolloutConfirmation> {
  const base = { name: item.name, kind: item.kind, kinds: [...item.kinds] };
  const loaded = loadScenario(item.file);
  if (!loaded.ok) return { ...base, status: 'error', seen: [], error: loaded.errors.join('; ') };
  let lab: Awaited<ReturnType<typeof runLab>> | undefined;
  let seen: string[] = [];
  for (let run = 1; run <= (item.kind === 'unsafe' ? RUNS : 1); run++) {
    if (lab?.ok === true) fs.rmSync(lab.artifacts.dir, { recursive: true, force: true });
    lab = await runLab(loaded.scenario, { keepalived: options.keepalived, impl: options.impl, capture: true });
    if (!lab.ok) return { ...base, status: 'error', seen: [], error: lab.errors.join('; ') };
    seen = runner.judge(item.schedule, lab.result).kinds;
    if (item.kind === 'unsafe' && item.kinds.every((kind) => seen.includes(kind))) return { ...base, status: 'confirmed', seen, dir: lab.artifacts.dir };
  }
  if (lab === undefined || !lab.ok) return { ...base, status: 'error', seen: [], error: 'no lab run' };
  if (item.kind === 'safe' && seen.length === 0) return { ...base, status: 'clean', seen, dir: lab.artifacts.dir };
  const simulated = runScenario(loaded.scenario);
  const first = simulated.ok ? compareRuns(simulated.result, lab.result).divergences[0] : undefined;
  return {
    ...base,
    status: item.kind === 'safe' ? 'failed on keepalived' : 'not reproduced',
    seen,
    dir: lab.artifacts.dir,
    ...(first !== undefined ? { divergence: `at ${first.t.toFixed(3)} s: ${first.message}` } : {}),
  };
}

export function formatRolloutConfirmations(confirmations: readonly RolloutConfirmation[]): string {
  const lines = ['', 'Checked on real keepalived (explore --to --confirm):'];
  for (const c of confirmations) {
    const where = c.dir !== undefined ? `  (${c.dir})` : '';
    if (c.status === 'confirmed') lines.push(`  ${c.name}  confirmed [${c.kinds.join(', ')}]${where}`);
    else if (c.status === 'clean') lines.push(`  ${c.name}  clean on keepalived too${where}`);
    else if (c.status === 'error') lines.push(`  ${c.name}  not run: ${c.error}`);
    else if (c.status === 'failed on keepalived') lines.push(`  ${c.name}  FAILED on keepalived [${c.seen.join(', ')}], though the simulator found it safe${where}`);
    else lines.push(`  ${c.name}  NOT REPRODUCED in ${RUNS} runs: keepalived showed no ${c.kinds.filter((kind) => !c.seen.includes(kind)).join(', ')}${c.seen.length > 0 ? ` (it showed ${c.seen.join(', ')})` : ''}${where}`);
    if (c.divergence !== undefined && c.status !== 'confirmed' && c.status !== 'clean') lines.push(`      first divergence ${c.divergence}`);
  }
  const agreed = confirmations.filter((c) => c.status === 'confirmed' || c.status === 'clean').length;
  lines.push(`${agreed} of ${confirmations.length} rollout${confirmations.length === 1 ? '' : 's'} behaved on real keepalived as the simulator said.`);
  return `${lines.join('\n')}\n`;
}
