/**
 * `explore --to`: the ways to roll a change out, from small config directories under
 * test/fixtures/rollout/CASE/{old,new}/HOST. The cases are data: a change goes through the same
 * search whatever it is (keepalived 2.4's auth_hmac sweeps and key rotations join this list once
 * the engine signs and verifies). What keepalived 2.2.7 does with the advert_int change is pinned
 * in the lab (test/lab-run/rollout-recordings.test.ts, test/lab/rollout-confirm.test.ts).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { describePlan, exploreRollout, rolloutSpace, RolloutRunner, type RolloutResult } from '../../src/explore/rollout.js';
import { formatRolloutText, rolloutReportItems } from '../../src/explore/rollout-report.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures/rollout');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-rollout-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

interface RolloutCase {
  name: string;
  dir: string;
  old: string[];
  to: string[];
  /** The minimal unsafe rollout with no fault: its steps and kinds (undefined: there is none). */
  unsafe?: { steps: string; kinds: string[] };
  /** The safe plan's shape (steps without the gap) and the gaps it is safe at (undefined: no safe plan). */
  safe?: { steps: RegExp; gapsMs: 'all' | number[] };
  /** The keepalived the hosts run (default 2.2): the auth_hmac cases are 2.4.3's. */
  version?: '2.4';
}

const CASES: RolloutCase[] = [
  {
    name: 'an advert_int change under VRRPv2 (1 -> 2 s; 2.2.7 rejects mismatched intervals)',
    dir: 'advert-int', old: ['A', 'B'], to: ['A', 'B'],
    unsafe: { steps: 'reload A', kinds: ['split-brain', 'vip-moved'] },
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: [1000, 3400] },
  },
  {
    name: 'a priority swap (150/100 -> 100/150)',
    dir: 'priority-swap', old: ['A', 'B'], to: ['A', 'B'],
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: 'all' },
  },
  {
    name: 'VRRPv2 -> v3 (neither reads the other\'s adverts)',
    dir: 'vrrp-v3', old: ['A', 'B'], to: ['A', 'B'],
    unsafe: { steps: 'reload A', kinds: ['split-brain', 'vip-moved'] },
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: [1000] },
  },
  {
    name: 'a third host added to unicast peers (C, priority 50)',
    dir: 'unicast-third', old: ['A', 'B'], to: ['A', 'B', 'C'],
    unsafe: { steps: 'start C', kinds: ['split-brain', 'vip-moved'] },
    safe: { steps: /^reload [AB], wait 1 s, reload [AB], wait 1 s, start C$/, gapsMs: 'all' },
  },
  // keepalived 2.4's auth_hmac (issue 20). Each of the man page's three sweeps is hitless; the
  // jump straight to enforce, and a key swapped for another in one step (or added and made active
  // in one), are a split brain unless the second host follows within its Master_Down_Interval.
  // The unsafe ones and their safe plans were confirmed on keepalived 2.4.3 (explore --confirm).
  ...(['hmac-sweep-1', 'hmac-sweep-2', 'hmac-sweep-3'] as const).map((dir, i): RolloutCase => ({
    name: `auth_hmac sweep ${i + 1} of 3 (${['none -> receive-only', 'receive-only -> permissive', 'permissive -> enforce'][i]})`,
    dir, old: ['A', 'B'], to: ['A', 'B'], version: '2.4',
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: 'all' },
  })),
  {
    name: 'auth_hmac straight to enforce (none -> enforce)',
    dir: 'hmac-enforce-jump', old: ['A', 'B'], to: ['A', 'B'], version: '2.4',
    unsafe: { steps: 'reload A', kinds: ['split-brain', 'vip-moved'] },
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: [1000] },
  },
  {
    name: 'an auth_hmac key rotation done right, step 1 (key 2 added everywhere)',
    dir: 'hmac-key-add', old: ['A', 'B'], to: ['A', 'B'], version: '2.4',
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: 'all' },
  },
  {
    name: 'an auth_hmac key rotation done right, step 2 (active_key moved to 2)',
    dir: 'hmac-key-move', old: ['A', 'B'], to: ['A', 'B'], version: '2.4',
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: 'all' },
  },
  {
    name: 'an auth_hmac key rotation in one step (key 2 added and made active)',
    dir: 'hmac-key-rush', old: ['A', 'B'], to: ['A', 'B'], version: '2.4',
    unsafe: { steps: 'reload A', kinds: ['split-brain', 'vip-moved'] },
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: [1000] },
  },
  {
    name: 'an auth_hmac key replaced by another (key 1 -> key 2)',
    dir: 'hmac-key-jump', old: ['A', 'B'], to: ['A', 'B'], version: '2.4',
    unsafe: { steps: 'reload A', kinds: ['split-brain', 'vip-moved'] },
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: [1000] },
  },
  {
    name: 'a clean change (the notify script\'s path)',
    dir: 'notify-path', old: ['A', 'B'], to: ['A', 'B'],
    safe: { steps: /^reload [AB], wait 1 s, reload [AB]$/, gapsMs: 'all' },
  },
];

const caseOf = (dir: string): RolloutCase => CASES.find((c) => c.dir === dir) as RolloutCase;

const results = new Map<string, RolloutResult>();
function explored(c: RolloutCase): RolloutResult {
  let result = results.get(c.dir);
  if (result === undefined) {
    const space = rolloutSpace({ from: c.old.map((name) => ({ name, root: path.join(FIXTURES, c.dir, 'old', name) })), to: c.to.map((name) => ({ name, root: path.join(FIXTURES, c.dir, 'new', name) })), seed: 1, ...(c.version !== undefined ? { keepalivedVersion: c.version } : {}) });
    result = exploreRollout(space);
    results.set(c.dir, result);
  }
  return result;
}

describe('explore --to, case by case', () => {
  for (const c of CASES) {
    it(`${c.name}: ${c.unsafe !== undefined ? `"${c.unsafe.steps}" is the minimal unsafe rollout` : 'no plan of reloads fails, under any fault'}, ${c.safe !== undefined ? 'and a safe plan is found' : 'and none is safe'}`, () => {
      const result = explored(c);
      expect(result.exhaustive).toBe(true);
      const withoutFaults = result.unsafe.filter((failure) => failure.schedule.faults.length === 0);
      if (c.unsafe === undefined) {
        // Silent where it should be: no plan of reloads fails by itself, under any fault.
        const reloads = result.plans.filter((plan) => plan.plan.steps.every((step) => step.method !== 'restart'));
        expect(reloads.map((plan) => `${describePlan(plan.plan)}: ${plan.kinds.join(',')}`).filter((line) => !line.endsWith(': '))).toEqual([]);
      } else {
        const first = withoutFaults[0];
        expect(first && describePlan(first.schedule.plan, first.schedule.stepsPlayed)).toBe(c.unsafe.steps);
        expect(first?.kinds).toEqual(c.unsafe.kinds);
      }
      if (c.safe === undefined) expect(result.safe).toBeUndefined();
      else {
        expect(result.safe && describePlan({ ...result.safe.plan })).toMatch(c.safe.steps);
        if (c.safe.gapsMs === 'all') expect(result.safe?.safeGapsMs).toEqual(result.space.gapsMs);
        else expect(result.safe?.safeGapsMs).toEqual(c.safe.gapsMs);
      }
    });
  }

  it('a priority swap by reloads moves the VIP exactly once, from A to B, whatever the order and gap', () => {
    const result = explored(caseOf('priority-swap'));
    const runner = new RolloutRunner(result.space);
    for (const summary of result.plans.filter((plan) => plan.plan.steps.every((step) => step.method === 'reload'))) {
      const { result: run, verdict } = runner.run({ plan: summary.plan, stepsPlayed: 2, faults: [] });
      const holders = run.records.flatMap((r) => (r.type === 'vip' && r.held ? [r.host] : []));
      expect(holders, describePlan(summary.plan)).toEqual(['A', 'B']);
      expect(verdict.kinds).toEqual([]);
    }
  });

  it('a restart is judged by what restarting does anyway: the clean change\'s restarts under faults are reported as not the rollout\'s, never as its failures', () => {
    const result = explored(caseOf('notify-path'));
    expect(result.unsafe).toEqual([]);
    expect(result.plans.every((plan) => plan.failing === 0)).toBe(true);
    expect(result.preexisting.map((p) => `${p.kind}/${p.world}`)).toContain('no-master/steps');
  });

  it('the advert_int change reloaded with a gap longer than Master_Down_Interval fails, and the failure is the rollout\'s: neither config alone fails', () => {
    const result = explored(caseOf('advert-int'));
    const long = result.plans.filter((plan) => plan.plan.gapMs === Math.max(...result.space.gapsMs) && plan.plan.steps.every((step) => step.method === 'reload'));
    expect(long).toHaveLength(2);
    for (const plan of long) expect(plan.kinds).toContain('split-brain');
    expect(result.preexisting.filter((p) => p.world !== 'steps')).toEqual([]);
  });

  it('no-master fires for a restart of the backup while the master is down (confirmed on keepalived 2.2.7 by explore --to --confirm), and stays silent for the same steps with no fault', () => {
    const result = explored(caseOf('advert-int'));
    const noMaster = result.unsafe.find((failure) => failure.kinds.includes('no-master'));
    expect(noMaster && describePlan(noMaster.schedule.plan, noMaster.schedule.stepsPlayed)).toBe('reload A, wait 3.4 s, restart B');
    expect(noMaster?.schedule.faults.map((fault) => `${fault.do} ${'host' in fault ? fault.host : ''}`)).toEqual(['stop A']);
    const runner = new RolloutRunner(result.space);
    expect(runner.run({ ...(noMaster as NonNullable<typeof noMaster>).schedule, faults: [] }).verdict.kinds).not.toContain('no-master');
  });

  it('a budget spent before every plan met every fault says the safe plan is not known, never that none is safe', () => {
    const result = exploreRollout(explored(caseOf('advert-int')).space, { maxSchedules: 100 });
    expect(result.exhaustive).toBe(false);
    expect(result.safe).toBeUndefined();
    const text = formatRolloutText(result, rolloutReportItems(result), new Map());
    expect(text).toContain('NOT exhaustive (budget spent)');
    expect(text).toContain('Safe rollout not known: the budget ran out');
    expect(text).not.toContain('No safe rollout');
  });

  it('the scenario written for the minimal unsafe rollout plays back in simulate with the same split brain', () => {
    const result = explored(caseOf('advert-int'));
    const first = result.unsafe[0];
    if (first === undefined) throw new Error('no unsafe rollout');
    const runner = new RolloutRunner(result.space);
    const { result: run } = runner.run(first.schedule);
    expect(run.findings.map((f) => f.kind)).toContain('split-brain');
  });
});

describe('explore --to on the command line', () => {
  function vrrplab(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const tsx = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const result = spawnSync(process.execPath, ['--import', tsx, path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: work, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }
  const dir = path.join(FIXTURES, 'advert-int');
  const hosts = ['--host', `A=${dir}/old/A`, '--host', `B=${dir}/old/B`, '--to', `A=${dir}/new/A`, '--to', `B=${dir}/new/B`];

  it('prints the searched space, the minimal unsafe rollout and the safe plan, writes both as scenarios, and exits 1 only with --fail-on', () => {
    const out = path.join(work, 'text');
    const run = vrrplab(['explore', ...hosts, '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Rollout of A, B, from 9 s/);
    expect(run.stdout).toContain('exhaustive');
    expect(run.stdout).toMatch(/^ {2}01-unsafe-split-brain-vip-moved {2}\[split-brain, vip-moved\]\n {6}reload A\n/m);
    expect(run.stdout).toMatch(/^safe: reload A, wait 1 s, reload B \(gaps tried: 1 s safe, 3\.4 s safe, 15 s unsafe\)$/m);
    const parsed = parseScenario(fs.readFileSync(path.join(out, '01-unsafe-split-brain-vip-moved.yaml'), 'utf8'), out, 'x.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const replay = runScenario(parsed.scenario);
    expect(replay.ok && replay.result.findings.map((f) => f.kind)).toEqual(['split-brain']);
    expect(vrrplab(['explore', ...hosts, '--out', out, '--fail-on', 'split-brain']).status).toBe(1);
  });

  it('--json gives one line per rollout, the not-the-rollout\'s lines and a summary; --html the rollouts\' timelines', () => {
    const html = path.join(work, 'rollouts.html');
    const run = vrrplab(['explore', ...hosts, '--out', path.join(work, 'json'), '--json', '--html', html]);
    expect(fs.readFileSync(html, 'utf8')).toMatch(/<title>vrrplab explore --to: \d unsafe rollouts, one safe/);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; steps?: { host: string; method: string }[]; gapMs?: number; exhaustive?: boolean });
    expect(lines[0]).toMatchObject({ type: 'rollout-unsafe', kinds: ['split-brain', 'vip-moved'], steps: [{ host: 'A', method: 'reload' }] });
    expect(lines.find((line) => line.type === 'rollout-safe')).toMatchObject({ steps: [{ host: 'A', method: 'reload' }, { host: 'B', method: 'reload' }], gapMs: 1000, safeGapsMs: [1000, 3400] });
    expect(lines.at(-1)).toMatchObject({ type: 'rollout-summary', exhaustive: true, schedules: 672 });
  });

  it('refuses --to without the old cluster, and a --to directory that is not there', () => {
    expect(vrrplab(['explore', '--to', `A=${dir}/new/A`]).stderr).toContain('--to needs the old cluster');
    const missing = vrrplab(['explore', '--host', `A=${dir}/old/A`, '--to', `A=${dir}/nowhere`]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--to A: host directory');
  });
});
