/**
 * notify_fifo in simulate, against keepalived 2.2.7 (test/fixtures/recordings/notify-fifo: a pair with a
 * sync group G of VI_1 and VI_2 and an instance V6 whose master tracks eth1 with weight -20, run in two
 * namespaces; each host's fifo read line by line, with the time each line came). keepalived writes
 * `INSTANCE "NAME" STATE PRIORITY` (the effective priority, also at STOP) and `GROUP "NAME" STATE 0`,
 * the group's BACKUP line before its members' at start, its MASTER line after theirs, its STOP line last.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NOTIFY_FIFO } from '../../src/sim/cluster.js';
import { formatTimeline } from '../../src/sim/format.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario, parseScenario } from '../../src/sim/scenario.js';
import { ROOT, seedScenario, simulate } from './helpers.js';

const FIXTURE = join(ROOT, 'test/fixtures/recordings/notify-fifo');

function recorded(file: string): { t: number; line: string }[] {
  return readFileSync(join(FIXTURE, file), 'utf8').trim().split('\n').map((text) => {
    const space = text.indexOf(' ');
    return { t: Number(text.slice(0, space)), line: text.slice(space + 1) };
  });
}

function simulated(scenario = 'scenario.yaml') {
  const loaded = loadScenario(join(FIXTURE, scenario));
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
      const real = recorded(`${host}.fifo.log`);
      expect(lines.map((l) => l.line)).toEqual(real.map((l) => l.line));
      lines.forEach((l, i) => expect(Math.abs(l.t - (real[i]?.t ?? 0)), `${host} ${l.line}`).toBeLessThan(0.06));
    });
  }

  it('gives the FAULT lines of a host whose VRRP interface goes down and up (each instance at its priority, the group at 0, members BACKUP in keepalived\'s order), each within 60 ms', () => {
    const result = simulated('fault.yaml');
    const lines = result.records.flatMap((r) => (r.type === 'notify' && r.command === NOTIFY_FIFO ? [{ t: r.t, line: r.args[0] ?? '' }] : []));
    const real = recorded('A-fault.fifo.log');
    expect(real.filter((l) => l.line.includes('FAULT')).map((l) => l.line)).toEqual(['INSTANCE "VI_1" FAULT 110', 'INSTANCE "VI_2" FAULT 110', 'GROUP "G" FAULT 0', 'INSTANCE "V6" FAULT 110']);
    expect(lines.map((l) => l.line)).toEqual(real.map((l) => l.line));
    // The reader stamped each line with a `date` run of its own: the last of a burst of four came up to 80 ms late.
    lines.forEach((l, i) => expect(Math.abs(l.t - (real[i]?.t ?? 0)), l.line).toBeLessThan(0.12));
  });

  it('shows them in the timeline as notify_fifo lines, and writes none for a config without a fifo (the seed pair)', () => {
    expect(formatTimeline(simulated())).toMatch(/ A {5}notify_fifo: INSTANCE "V6" BACKUP 90$/m);
    const seed = simulate(seedScenario('buggy', '30s', ['{ at: 0s, host: A, do: start }', '{ at: 0s, host: B, do: start }']));
    expect(seed.records.filter((r) => r.type === 'notify').length).toBeGreaterThan(0);
    expect(seed.records.filter((r) => r.type === 'notify' && r.command === NOTIFY_FIFO)).toEqual([]);
  });
});

describe('what simulate does not model of notify_fifo', () => {
  it('says in its header that a notify fifo script is not run, and says nothing without one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vrrplab-fifo-sim-'));
    try {
      writeFileSync(join(dir, 'A.conf'), readFileSync(join(FIXTURE, 'A.conf'), 'utf8').replace('  notify_fifo /run/twfifo/A.fifo\n', '  notify_fifo /run/twfifo/A.fifo\n  notify_fifo_script /usr/local/bin/fifo-reader\n'));
      const yaml = 'name: s\nduration: 5s\nhosts:\n  A: { config: A.conf, address: 10.98.0.1 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n';
      const parsed = parseScenario(yaml, dir, 's.yaml');
      if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
      const outcome = runScenario(parsed.scenario);
      if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
      expect(formatTimeline(outcome.result).split('\n').slice(0, 3).join('\n')).toContain('  A keepalived.conf: notify fifo script /usr/local/bin/fifo-reader is not run by simulate: what it does with the lines is not modelled (the lines are shown as notify_fifo)');
      expect(formatTimeline(simulated()).split('\n\n')[0]).not.toContain('not run by simulate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('notify_fifo lines in the HTML timeline', () => {
  it("are notify markers on their instance's lane, a group's line in the events row, and make no lane for the group", async () => {
    const { simulationTimeline } = await import('../../src/report/simulation.js');
    const { laneIds } = await import('../../src/report/timeline.js');
    const timeline = simulationTimeline(simulated());
    const fifo = timeline.markers.filter((m) => m.kind === 'notify' && m.label.includes('notify_fifo: '));
    expect(fifo.length).toBe(28);
    expect(fifo.find((m) => m.label === 'A notify_fifo: INSTANCE "V6" BACKUP 90')?.lane).toBe('A/V6');
    expect(fifo.find((m) => m.label === 'A notify_fifo: GROUP "G" MASTER 0')?.lane).toBeUndefined();
    expect(laneIds(timeline).filter((id) => id.endsWith('/G'))).toEqual([]);
  });
});
