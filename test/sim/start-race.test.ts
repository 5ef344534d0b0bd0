/**
 * Start races (issue 19): keepalived's start-up latency is a distribution (56-98 ms here), so hosts
 * started within that spread of each other may come up in either order. `vrrplab simulate` keeps
 * its steady start-up for the run and names the start orders that end with the VIPs elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { formatJsonLines, formatTimeline } from '../../src/sim/format.js';
import { ROOT, seedScenario, simulate } from './helpers.js';

const DIR = path.join(ROOT, 'examples/start-race');
const YAML = readFileSync(path.join(DIR, 'race.yaml'), 'utf8');

function run(yaml: string, startRaces: boolean, dir = DIR): SimulationResult {
  const parsed = parseScenario(yaml, dir, 'race.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario, { startRaces });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

describe('the start-race check', () => {
  it('names the race of a nopreempt pair started 33 ms apart: the later host wins when its start-up is the quicker', () => {
    const result = run(YAML, true);
    expect(result.vips).toEqual({ A: ['172.16.25.100'], B: [] });
    expect(result.startRaces).toEqual([{ first: 'B', leadMs: 42, vips: { A: [], B: ['172.16.25.100'] } }]);
    expect(formatTimeline(result)).toContain("Start race: keepalived's start-up varies (56-98 ms from start to its instances' init; this run: 70 ms each)");
    expect(formatTimeline(result)).toContain("  with B's start-up 42 ms shorter than the others': 172.16.25.100 ends on B (this run: A)\n");
    const lines = formatJsonLines(result).trim().split('\n').map((line) => JSON.parse(line) as { type: string });
    expect(lines.at(-2)).toEqual({ type: 'start-race', first: 'B', leadMs: 42, vips: { A: [], B: ['172.16.25.100'] }, note: "with B's start-up 42 ms shorter than the others': 172.16.25.100 ends on B (this run: A)" });
    expect(lines.at(-1)?.type).toBe('summary');
  });

  it('leaves the run itself as it is: the same records, VIPs and findings as without the check', () => {
    const checked = run(YAML, true);
    const plain = run(YAML, false);
    expect(plain.startRaces).toBeUndefined();
    expect(JSON.stringify(checked.records)).toBe(JSON.stringify(plain.records));
    expect(checked.findings).toEqual(plain.findings);
    expect(formatJsonLines(plain)).toBe(formatJsonLines(checked).split('\n').filter((line) => !line.startsWith('{"type":"start-race"')).join('\n'));
  });

  it('stays silent when priority decides whatever the order (A at 150, preempting)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vlrace-'));
    try {
      const conf = readFileSync(path.join(DIR, 'A.conf'), 'utf8').replace('  nopreempt\n', '');
      writeFileSync(path.join(dir, 'A.conf'), conf.replace('priority 100', 'priority 150'));
      writeFileSync(path.join(dir, 'B.conf'), conf);
      const result = run(YAML, true, dir);
      expect(result.vips).toEqual({ A: ['172.16.25.100'], B: [] });
      expect(result.startRaces).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stays silent when the hosts start further apart than keepalived\'s start-up varies (B 200 ms after A)', () => {
    expect(run(YAML.replace('at: 33ms, host: B', 'at: 200ms, host: B'), true).startRaces).toBeUndefined();
  });

  it('stays silent on a start that names its own start-up, and on the seed pair started 2 s apart', () => {
    expect(run(YAML.replace('{ at: 33ms, host: B, do: start }', '{ at: 33ms, host: B, do: start, startup: 60ms }'), true).startRaces).toBeUndefined();
    const parsed = parseScenario(seedScenario('buggy', '30s', ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }']), path.join(ROOT, 'examples/scenarios'), 'seed.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario, { startRaces: true });
    expect(outcome.ok && outcome.result.startRaces).toBeFalsy();
    expect(simulate(seedScenario('buggy', '30s', ['{ at: 0s, host: A, do: start }', '{ at: 0s, host: B, do: start }'])).startRaces).toBeUndefined();
  });

  it('is not tried in exec mode, whose programs and commands would run again', () => {
    expect(run(YAML.replace('name: start-race', 'name: start-race\nscripts: exec'), true).startRaces).toBeUndefined();
  });

  it('is what `vrrplab simulate` prints for examples/start-race', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), 'simulate', path.join(DIR, 'race.yaml')], { cwd: ROOT, encoding: 'utf8' });
    expect(out).toContain("with B's start-up 42 ms shorter than the others': 172.16.25.100 ends on B (this run: A)");
  });
});
