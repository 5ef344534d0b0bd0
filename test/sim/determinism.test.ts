import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJsonLines, formatTimeline } from '../../src/sim/format.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ROOT } from './helpers.js';

function run(file: string, seed?: number): { text: string; json: string } {
  const loaded = loadScenario(path.join(ROOT, 'examples/scenarios', file));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const outcome = runScenario(loaded.scenario, { seed });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return { text: formatTimeline(outcome.result), json: formatJsonLines(outcome.result) };
}

describe('simulation determinism', () => {
  it('gives byte-identical output for the same scenario and seed', () => {
    for (const file of fs.readdirSync(path.join(ROOT, 'examples/scenarios')).filter((name) => name.endsWith('.yaml'))) {
      const first = run(file, 7);
      const second = run(file, 7);
      expect(second.text).toBe(first.text);
      expect(second.json).toBe(first.json);
    }
  });

  it('takes script timing and start-up jitter from the seed, so another seed changes the timings', () => {
    const first = run('seed-buggy-keepalived-restart.yaml', 1).json;
    const second = run('seed-buggy-keepalived-restart.yaml', 2).json;
    expect(second).not.toBe(first);
  });

  it('ends its JSON lines with a summary of VIPs and findings, after transitions shaped as documented', () => {
    const lines = run('seed-buggy-keepalived-restart.yaml').json.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const transition = lines.find((line) => line['type'] === 'transition' && line['to'] === 'MASTER');
    expect(Object.keys(transition ?? {})).toEqual(['type', 't', 'host', 'instance', 'vrid', 'from', 'to', 'priority']);
    expect(lines.some((line) => line['type'] === 'notify')).toBe(true);
    const summary = lines.at(-1);
    expect(summary?.['type']).toBe('summary');
    expect(summary?.['vips']).toEqual({ A: [], B: ['172.16.25.10', '172.16.25.11'] });
    expect((summary?.['findings'] as unknown[]).length).toBeGreaterThan(0);
  });
});
