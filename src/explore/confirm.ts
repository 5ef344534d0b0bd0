/**
 * `explore --confirm`: each shrunk failure's scenario run again on real keepalived in the lab
 * (../lab/run.ts) and judged by the same judge. A failure is `confirmed` when the lab run fails with
 * every kind the simulator reported (in one of two runs: keepalived races); otherwise it is
 * `not reproduced`, with what keepalived showed instead and the first divergence between the two. A finding keepalived does not show is a
 * bug in the finding until shown otherwise: this says which ones to distrust.
 */
import * as fs from 'node:fs';
import { compareRuns } from '../lab/compare.js';
import { inParallel } from '../lab/pool.js';
import { runLab, type LabOptions } from '../lab/run.js';
import { runScenario } from '../sim/run.js';
import { loadScenario } from '../sim/scenario.js';
import type { RaceOutcome } from './explorer.js';
import { judge } from './judge.js';
import type { Schedule } from './plan.js';
import type { ExploreSpace } from './space.js';

export interface ConfirmItem {
  name: string;
  /** The failure's scenario file, as explore wrote it. */
  file: string;
  kinds: readonly string[];
  schedule: Pick<Schedule, 'faults' | 'start'>;
  /** A race of keepalived's: the simulator's other outcomes (FailureReport.races). */
  races?: readonly RaceOutcome[];
}

export interface Confirmation {
  name: string;
  status: 'confirmed' | 'not reproduced' | 'error';
  kinds: string[];
  /** The kinds the lab run failed with. */
  seen: string[];
  /** Not reproduced: the first divergence between simulate and the lab run, explained. */
  divergence?: string;
  /** Where the lab run's configs, logs and capture are. */
  dir?: string;
  error?: string;
  /** Confirmed only on this run (the runs before did not show it): keepalived races here. */
  runs?: number;
  /** Not reproduced, as the simulator's other outcome of a race of keepalived's said it could be: that outcome in words. */
  otherOutcome?: string;
}

/** The simulator's other outcome of a race whose kinds are the ones keepalived showed (same set), if any. */
export function matchingOutcome(races: readonly RaceOutcome[] | undefined, seen: readonly string[]): RaceOutcome | undefined {
  const key = (kinds: readonly string[]) => [...new Set(kinds)].sort().join(',');
  return races?.find((race) => key(race.kinds) === key(seen));
}

/** Lab runs of a failure before it is called not reproduced. */
const RUNS = 2;

export interface ConfirmOptions extends Pick<LabOptions, 'keepalived' | 'impl'> {
  /** Lab runs at once (each has namespaces of its own); default 4. */
  jobs?: number;
  onProgress?: (done: number, total: number) => void;
}

export async function confirmFailures(space: ExploreSpace, items: readonly ConfirmItem[], options: ConfirmOptions = {}): Promise<Confirmation[]> {
  return inParallel(items, options.jobs ?? 4, (item) => confirmOne(space, item, options), (_, done) => options.onProgress?.(done, items.length));
}

async function confirmOne(space: ExploreSpace, item: ConfirmItem, options: ConfirmOptions): Promise<Confirmation> {
  const base = { name: item.name, kinds: [...item.kinds] };
  const loaded = loadScenario(item.file);
  if (!loaded.ok) return { ...base, status: 'error', seen: [], error: loaded.errors.join('; ') };
  const schedule = { phase: 'single' as const, ...item.schedule } as Schedule;
  // A failure keepalived does not show is run once more: keepalived races (start-up, timers on the
  // same instant), and one run in two that fails is a failure users will meet.
  let seen: string[] = [];
  let lab: Awaited<ReturnType<typeof runLab>> | undefined;
  for (let run = 1; run <= RUNS; run++) {
    // A run the next one replaces is not shown to anyone: its files go.
    if (lab?.ok === true) fs.rmSync(lab.artifacts.dir, { recursive: true, force: true });
    lab = await runLab(loaded.scenario, { keepalived: options.keepalived, impl: options.impl, capture: true });
    if (!lab.ok) return { ...base, status: 'error', seen: [], error: lab.errors.join('; ') };
    seen = judge(space, schedule, lab.result).kinds;
    if (item.kinds.every((kind) => seen.includes(kind))) {
      return { ...base, status: 'confirmed', seen, dir: lab.artifacts.dir, ...(run > 1 ? { runs: run } : {}) };
    }
  }
  if (lab === undefined || !lab.ok) return { ...base, status: 'error', seen: [], error: 'no lab run' };
  const simulated = runScenario(loaded.scenario);
  const comparison = simulated.ok ? compareRuns(simulated.result, lab.result) : undefined;
  const first = comparison?.divergences[0];
  const other = matchingOutcome(item.races, seen);
  return {
    ...base, status: 'not reproduced', seen, dir: lab.artifacts.dir,
    ...(first !== undefined ? { divergence: `at ${first.t.toFixed(3)} s: ${first.message}` } : {}),
    ...(other !== undefined ? { otherOutcome: other.variant } : {}),
  };
}

/** The confirmations for people: one line each, then the count. */
export function formatConfirmations(confirmations: readonly Confirmation[]): string {
  const lines = ['', 'Checked on real keepalived (explore --confirm):'];
  for (const c of confirmations) {
    if (c.status === 'confirmed') lines.push(`  ${c.name}  confirmed [${c.kinds.join(', ')}]${c.runs !== undefined ? ` in run ${c.runs} of ${c.runs}, not before: keepalived races here` : ''}  (${c.dir})`);
    else if (c.status === 'error') lines.push(`  ${c.name}  not run: ${c.error}`);
    else {
      const missing = c.kinds.filter((kind) => !c.seen.includes(kind));
      lines.push(`  ${c.name}  NOT REPRODUCED in ${RUNS} runs: keepalived showed no ${missing.join(', ')}${c.seen.length > 0 ? ` (it showed ${c.seen.join(', ')})` : ''}  (${c.dir})`);
      if (c.otherOutcome !== undefined) lines.push(`      a race: keepalived took the simulator's other outcome (${c.otherOutcome})`);
      if (c.divergence !== undefined) lines.push(`      first divergence ${c.divergence}`);
    }
  }
  const confirmed = confirmations.filter((c) => c.status === 'confirmed').length;
  lines.push(`${confirmed} of ${confirmations.length} failure${confirmations.length === 1 ? '' : 's'} confirmed on real keepalived.`);
  return `${lines.join('\n')}\n`;
}
