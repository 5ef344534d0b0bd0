/**
 * Lab tier, issue 13: track_file, as keepalived 2.2.7 does it. A 150/130 pair; A tracks a file with
 * weight -30. keepalived reads the file as soon as it is written (inotify) and applies value x
 * weight: 1 hands the VIP to B (120 < 130), 0 takes it back, 3 hands it over again (60), and
 * removing the file counts as 0. The simulator in exec mode, given the same configs and the same
 * writes as timeline `run` commands, moves the VIP the same way at about the same times.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, addresses, sleep, startDaemon, waitFor } from '../runtime/lab-helpers.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { runScenario } from '../../src/sim/run.js';

const VIP = '172.16.25.100';

const made = removedAfterEach();

/** [what is written ('rm' removes the file), the host that holds the VIP afterwards]. */
const STEPS: [string, 'A' | 'B'][] = [['1', 'B'], ['0', 'A'], ['3', 'B'], ['rm', 'A']];
const PHASE_S = 6;

describe('track_file with weight -30 on a 150/130 pair', () => {
  it('moves the VIP on each write as keepalived does, and the simulator (exec mode) moves it the same way', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const lab = made.lab();
    const dir = made.scratch('vltrackfile');
    const flag = join(dir, 'flag');
    const confA = join(dir, 'A.conf');
    const confB = join(dir, 'B.conf');
    writeFileSync(confA, readFileSync(join(ROOT, 'examples/track-file/A.conf'), 'utf8').replace('/etc/keepalived/flag', flag));
    writeFileSync(confB, readFileSync(join(ROOT, 'examples/track-file/B.conf'), 'utf8'));
    const a = startDaemon(lab, 0, 'keepalived', confA, dir);
    startDaemon(lab, 1, 'keepalived', confB, dir);
    const holder = (): string => (addresses(lab, 0).includes(VIP) ? 'A' : addresses(lab, 1).includes(VIP) ? 'B' : '-');
    expect(await waitFor(() => holder() === 'A', 8000)).toBeGreaterThanOrEqual(0);
    const lab_: { wrote: string; holder: string; afterS: number }[] = [];
    for (const [value, expected] of STEPS) {
      if (value === 'rm') rmSync(flag, { force: true });
      else writeFileSync(flag, `${value}\n`);
      const took = await waitFor(() => holder() === expected, PHASE_S * 1000);
      lab_.push({ wrote: value, holder: holder(), afterS: Math.round(took) / 1000 });
      await sleep(Math.max(0, PHASE_S * 1000 - took));
    }
    console.log('lab track_file:', JSON.stringify(lab_));
    expect(lab_.map((step) => step.holder)).toEqual(STEPS.map(([, h]) => h));
    expect(a.log()).toMatch(/Changing effective priority from 150 to 120/);
    expect(a.log()).toMatch(/Changing effective priority from 150 to 60/);

    // The simulator, exec mode: the same configs, the same writes as `run` commands.
    rmSync(flag, { force: true });
    const timeline = STEPS.map(([value], i) => `  - { at: ${8 + i * PHASE_S}s, do: run, command: "${value === 'rm' ? `rm -f ${flag}` : `echo ${value} > ${flag}`}" }`);
    const yaml = [
      'name: track-file', `duration: ${8 + STEPS.length * PHASE_S}s`, 'scripts: exec', 'hosts:',
      `  A: { config: ${confA}, address: 172.16.25.1 }`, `  B: { config: ${confB}, address: 172.16.25.2 }`,
      'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }', ...timeline,
    ].join('\n');
    const parsed = parseScenario(yaml, dir, 'track-file.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const sim = STEPS.map(([value], i) => {
      const at = 8 + i * PHASE_S;
      const move = outcome.result.records.find((r) => r.type === 'vip' && r.held && r.t > at && r.t < at + PHASE_S);
      return { wrote: value, holder: move?.type === 'vip' ? move.host : '-', afterS: move !== undefined ? Math.round((move.t - at) * 1000) / 1000 : -1 };
    });
    console.log('simulated track_file:', JSON.stringify(sim));
    expect(sim.map((step) => step.holder)).toEqual(lab_.map((step) => step.holder));
    // Both take over one Master_Down_Interval (about 3.4-3.5 s) after the last advert that still won,
    // which came up to one advert interval before the write: between 2.3 and 3.7 s after it.
    for (const step of [...sim, ...lab_]) {
      expect(step.afterS, `after writing ${step.wrote}`).toBeGreaterThan(2.3);
      expect(step.afterS, `after writing ${step.wrote}`).toBeLessThan(3.7);
    }
  }, 60_000);
});
