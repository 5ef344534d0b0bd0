/**
 * `explore --to`'s report: the minimal unsafe rollouts, a safe plan, and what is not the
 * rollout's, as text for people and JSON lines for programs; each rollout shown is also written as
 * a scenario file that `vrrplab simulate` (and `explore --confirm`, `vrrplab lab`) plays again.
 */
import type { Scenario } from '../sim/scenario.js';
import { scenarioYaml } from './report.js';
import { describePlan, rolloutScenario, type RolloutFailure, type RolloutResult, type RolloutSchedule } from './rollout.js';
import { describeFault } from './space.js';

export interface RolloutReportItem {
  /** File name stem: 01-unsafe-split-brain, safe. */
  name: string;
  kind: 'unsafe' | 'safe';
  schedule: RolloutSchedule;
  kinds: string[];
  /** The rollout in words: "reload B, wait 1 s, reload A". */
  steps: string;
  faults: string[];
  findings: { kind: string; from: number; to: number; message: string }[];
  yaml: string;
}

export function rolloutReportItems(result: RolloutResult): RolloutReportItem[] {
  const items: RolloutReportItem[] = result.unsafe.map((failure, i) => item(result, `${String(i + 1).padStart(2, '0')}-unsafe-${failure.kinds.join('-')}`, 'unsafe', failure));
  if (result.safe !== undefined) {
    const schedule: RolloutSchedule = { plan: result.safe.plan, stepsPlayed: result.safe.plan.steps.length, faults: [] };
    items.push(item(result, 'safe', 'safe', { schedule, kinds: [], findings: [] }));
  }
  return items;
}

function item(result: RolloutResult, name: string, kind: 'unsafe' | 'safe', failure: RolloutFailure): RolloutReportItem {
  const scenario: Scenario = { ...rolloutScenario(result.space, failure.schedule), name: `rollout-${name}` };
  const steps = describePlan(failure.schedule.plan, failure.schedule.stepsPlayed);
  const faults = failure.schedule.faults.map(describeFault);
  const header = [
    kind === 'unsafe' ? `# Found by vrrplab explore --to: an unsafe rollout (${failure.kinds.join(', ')})` : '# Found by vrrplab explore --to: a safe rollout (no failure of its own under any fault tried)',
    `#   from ${seconds(result.space.startMs)}: ${steps}`,
    ...faults.map((fault) => `#   ${fault}`),
    '# Reproduce: vrrplab simulate THIS_FILE',
  ];
  return {
    name,
    kind,
    schedule: failure.schedule,
    kinds: failure.kinds,
    steps,
    faults,
    findings: failure.findings.map((finding) => ({ kind: finding.kind, from: finding.from, to: finding.to, message: finding.message })),
    yaml: scenarioYaml(scenario, { kinds: failure.kinds, schedule: { phase: 'single', faults: failure.schedule.faults } }, false, header),
  };
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

const WORLD_WORDS: Record<RolloutResult['preexisting'][number]['world'], string> = {
  old: 'with the old configs alone',
  new: 'with the new configs alone',
  steps: 'with the same steps taking the old configs again (what restarting does, whatever the change)',
};

/** The searched space and the caveats: first, where a reader starts. */
export function rolloutHeader(result: RolloutResult): string[] {
  const { space } = result;
  const hosts = [...space.targets.keys()];
  const restartable = hosts.filter((host) => !space.added.includes(host));
  return [
    `Rollout of ${hosts.join(', ')}${space.added.length > 0 ? ` (${space.added.join(', ')} new: started by its step)` : ''}, from ${seconds(space.startMs)} (the old cluster settled)`,
    `  searched: ${result.plans.length} plans (orders of ${hosts.join(', ')}; reload or restart for ${restartable.join(', ') || 'none'}; gaps ${space.gapsMs.map(seconds).join(', ')}: shorter than, about and longer than Master_Down_Interval)`,
    `  each with no fault, then one fault at a time (${space.faults.vocabulary.length} faults of explore's, before / during / after the steps): ${result.schedules} schedules, ${result.exhaustive ? 'exhaustive' : 'NOT exhaustive (budget spent)'}, ${result.seconds} s`,
    '  judged against the same faults on the old configs alone, on the new ones alone, and (plans with restarts) the same steps taking the old configs again: what those show is not the rollout\'s',
    '  not modelled: two faults at once; faults on a host only in --to; a reload that adds VIPs takes 2 ms as one that does not (keepalived sends the GARPs first, 30-51 ms); the findings of a run count only what both the old and the final configs\' rules find',
  ];
}

export function formatRolloutText(result: RolloutResult, items: readonly RolloutReportItem[], files: ReadonlyMap<string, string>): string {
  const lines = [...rolloutHeader(result), ''];
  const unsafe = items.filter((item) => item.kind === 'unsafe');
  if (unsafe.length === 0) lines.push('No unsafe rollout: no plan failed by itself under any fault tried.');
  else {
    lines.push(`Unsafe rollouts (${unsafe.length}, each the simplest of its kinds: fewest faults, fewest steps):`);
    for (const item of unsafe) {
      lines.push(`  ${item.name}  [${item.kinds.join(', ')}]`);
      lines.push(`      ${item.steps}${item.faults.length > 0 ? `; with ${item.faults.join('; ')}` : ''}`);
      for (const finding of item.findings) lines.push(`      ${finding.from.toFixed(3)}-${finding.to.toFixed(3)} s ${finding.kind}: ${finding.message}`);
      const file = files.get(item.name);
      if (file !== undefined) lines.push(`      scenario: ${file}`);
    }
  }
  lines.push('');
  const safe = items.find((item) => item.kind === 'safe');
  if (result.safe !== undefined && safe !== undefined) {
    lines.push(`safe: ${result.safe.description}`);
    const file = files.get(safe.name);
    if (file !== undefined) lines.push(`  scenario: ${file}`);
  } else if (result.exhaustive) lines.push('No safe rollout among the plans tried: every one failed by itself with no fault or under some fault.');
  else {
    // Never a false "none is safe": the budget ran out before some plans met every fault.
    const open = result.plans.filter((plan) => plan.failing === 0);
    lines.push(`Safe rollout not known: the budget ran out before ${open.length > 0 ? 'these plans, which have not failed so far, met every fault' : 'the search ended'} (raise --budget):`);
    for (const plan of open.slice(0, 5)) lines.push(`  ${describePlan(plan.plan)} (${plan.schedules} schedules so far)`);
  }
  if (result.preexisting.length > 0) {
    lines.push('');
    lines.push('Not the rollout\'s (the same faults fail alike without the change):');
    for (const p of result.preexisting) lines.push(`  ${p.kind} ${WORLD_WORDS[p.world]}, e.g. ${p.example}`);
  }
  return `${lines.join('\n')}\n`;
}

export function rolloutJsonLines(result: RolloutResult, items: readonly RolloutReportItem[], files: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  for (const item of items) {
    lines.push(JSON.stringify({
      type: item.kind === 'unsafe' ? 'rollout-unsafe' : 'rollout-safe',
      name: item.name,
      kinds: item.kinds,
      steps: item.schedule.plan.steps.slice(0, item.schedule.stepsPlayed),
      gapMs: item.schedule.plan.gapMs,
      startMs: result.space.startMs,
      faults: item.schedule.faults,
      findings: item.findings,
      ...(item.kind === 'safe' && result.safe !== undefined ? { safeGapsMs: result.safe.safeGapsMs, description: result.safe.description } : {}),
      ...(files.get(item.name) !== undefined ? { file: files.get(item.name) } : {}),
    }));
  }
  for (const p of result.preexisting) lines.push(JSON.stringify({ type: 'rollout-not-the-rollouts', kind: p.kind, world: p.world, example: p.example }));
  lines.push(JSON.stringify({
    type: 'rollout-summary',
    plans: result.plans.map((plan) => ({ steps: plan.plan.steps, gapMs: plan.plan.gapMs, schedules: plan.schedules, failing: plan.failing, kinds: plan.kinds })),
    schedules: result.schedules,
    exhaustive: result.exhaustive,
    seconds: result.seconds,
    gapsMs: result.space.gapsMs,
    startMs: result.space.startMs,
    notes: rolloutHeader(result).slice(1).map((line) => line.trim()),
  }));
  return `${lines.join('\n')}\n`;
}
