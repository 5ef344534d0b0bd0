/**
 * An instance waiting for its weight-0 script's first result sits in FAULT without a log line or a
 * notify (keepalived 2.2.7; lab: test/lab/silent-fault.test.ts): marked silent in --json, left out
 * of the text timeline and the HTML lanes; sync-group members too.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatJsonLines, formatTimeline } from '../../src/sim/format.js';
import { simulationTimeline } from '../../src/report/simulation.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { ROOT } from './helpers.js';

function run(config: string) {
  const yaml = `name: silent\nduration: 6s\nhosts:\n  A: { config: ${config}, address: 172.16.25.1 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n`;
  const parsed = parseScenario(yaml, path.join(ROOT, 'test/fixtures/silent-fault'), 'silent.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

const transitions = (result: ReturnType<typeof run>) =>
  formatJsonLines(result).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['type'] === 'transition')
    .map((line) => `${String(line['instance'])} ${String(line['from'])}>${String(line['to'])}${line['silent'] === true ? ' silent' : ''}`);

describe('the FAULT keepalived never shows', () => {
  it('is marked silent in --json, with no notify, and left out of the text and the HTML lanes', () => {
    const result = run('single.conf');
    expect(transitions(result).slice(0, 2)).toEqual(['VI_1 INIT>FAULT silent', 'VI_1 FAULT>BACKUP']);
    expect(result.records.filter((r) => r.type === 'notify').map((r) => (r.type === 'notify' ? r.state : ''))).toEqual(['BACKUP', 'MASTER']);
    expect(formatTimeline(result)).not.toMatch(/FAULT/);
    const states = simulationTimeline(result).groups.flatMap((group) => group.lanes).flatMap((lane) => lane.spans.map((span) => span.state));
    expect(states).not.toContain('FAULT');
  });

  it('holds for every member of a sync group whose member awaits a script', () => {
    expect(transitions(run('sync.conf')).slice(0, 4)).toEqual(['VI_1 INIT>FAULT silent', 'VI_2 INIT>FAULT silent', 'VI_1 FAULT>BACKUP', 'VI_2 FAULT>BACKUP']);
  });

  it('is not silent when the script starts failed (init_fail): keepalived logs and notifies that FAULT', () => {
    const result = run('init-fail.conf');
    expect(transitions(result)[0]).toBe('VI_1 INIT>FAULT');
    expect(result.records.find((r) => r.type === 'notify')?.type === 'notify' && result.records.find((r) => r.type === 'notify')).toMatchObject({ state: 'FAULT' });
  });
});
