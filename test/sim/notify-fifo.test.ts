/**
 * notify_fifo in simulate, against keepalived 2.2.7 (test/fixtures/recordings/notify-fifo: a pair with a
 * sync group G of VI_1 and VI_2 and an instance V6 whose master tracks eth1 with weight -20, run in two
 * namespaces; each host's fifo read line by line, with the time each line came). keepalived writes
 * `INSTANCE "NAME" STATE PRIORITY` (the effective priority, also at STOP) and `GROUP "NAME" STATE 0`,
 * the group's BACKUP line before its members' at start, its MASTER line after theirs, its STOP line last.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTIFY_FIFO } from '../../src/sim/cluster.js';
import { formatTimeline } from '../../src/sim/format.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { ROOT, seedScenario, simulate } from './helpers.js';

const FIXTURE = join(ROOT, 'test/fixtures/recordings/notify-fifo');

function recorded(host: string): { t: number; line: string }[] {
  return readFileSync(join(FIXTURE, `${host}.fifo.log`), 'utf8').trim().split('\n').map((text) => {
    const space = text.indexOf(' ');
    return { t: Number(text.slice(0, space)), line: text.slice(space + 1) };
  });
}

function simulated() {
  const loaded = loadScenario(join(FIXTURE, 'scenario.yaml'));
  if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
  const outcome = runScenario(loaded.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

describe('notify_fifo lines in simulate, as keepalived 2.2.7 wrote them', () => {
  for (const host of ['A', 'B']) {
    it(`gives ${host}'s lines in keepalived's order with its priorities (start, takeovers, the tracked link, stop), each within 60 ms`, () => {
      const result = simulated();
      const lines = result.records.flatMap((r) => (r.type === 'notify' && r.command === NOTIFY_FIFO && r.host === host ? [{ t: r.t, line: r.args[0] ?? '' }] : []));
      const real = recorded(host);
      expect(lines.map((l) => l.line)).toEqual(real.map((l) => l.line));
      lines.forEach((l, i) => expect(Math.abs(l.t - (real[i]?.t ?? 0)), `${host} ${l.line}`).toBeLessThan(0.06));
    });
  }

  it('shows them in the timeline as notify_fifo lines, and writes none for a config without a fifo (the seed pair)', () => {
    expect(formatTimeline(simulated())).toMatch(/ A {5}notify_fifo: INSTANCE "V6" BACKUP 90$/m);
    const seed = simulate(seedScenario('buggy', '30s', ['{ at: 0s, host: A, do: start }', '{ at: 0s, host: B, do: start }']));
    expect(seed.records.filter((r) => r.type === 'notify').length).toBeGreaterThan(0);
    expect(seed.records.filter((r) => r.type === 'notify' && r.command === NOTIFY_FIFO)).toEqual([]);
  });
});
