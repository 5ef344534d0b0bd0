/**
 * When a track_file write moves the VIP (issue 19, item 3): examples/track-file (150/130 pair, A
 * tracks a file with weight -30), writes 1, 0, 3 and rm. keepalived 2.2.7 in the lab (the same
 * configs, tcpdump on the link) takes over one Master_Down_Interval after the last advert that
 * still won, also when the write comes just before the next advert: writing 0 raises the waiting
 * BACKUP A to 150, its down timer moves earlier by the difference of the two intervals
 * (vrrp_set_effective_priority), and the next advert (130) is discarded without moving it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { config, instance, trackFile } from '../engine/config-builder.js';
import { Bench } from '../engine/harness.js';
import { ROOT } from './helpers.js';

const DIR = path.join(ROOT, 'examples/track-file');

/** keepalived: seconds from each write (1, 0, 3, rm) to the takeover it caused, two lab runs with the writes at two phases. */
const LAB: { writes: number[]; after: number[] }[] = [
  // Write 0 16 ms after B's advert: A took over 3.416 s after that advert.
  { writes: [8, 14, 20, 26], after: [2.982, 3.4, 2.912, 3.33] },
  // Write 0 32 ms before B's next advert: still 3.416 s after the advert before the write (2.448 s after it).
  { writes: [8.93, 14.93, 20.93, 26.93], after: [3.014, 2.448, 2.944, 3.369] },
];

function run(writes: number[]): SimulationResult {
  const yaml = readFileSync(path.join(DIR, 'write.yaml'), 'utf8')
    .replace('duration: 30s', 'duration: 34s')
    .replace('at: 6s,', `at: ${writes[0]}s,`)
    .replace('at: 12s,', `at: ${writes[1]}s,`)
    .replace('at: 18s,', `at: ${writes[2]}s,`)
    .replace('at: 24s,', `at: ${writes[3]}s,`);
  const parsed = parseScenario(yaml, DIR, 'write.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

describe('a track_file write that moves the VIP', () => {
  for (const lab of LAB) {
    it(`takes over when keepalived did, within 0.05 s, for writes at ${lab.writes.join(', ')} s`, () => {
      const result = run(lab.writes);
      const after = lab.writes.map((write) => {
        const takeover = result.records.find((record) => record.type === 'transition' && record.to === 'MASTER' && record.t > write);
        return takeover === undefined ? Number.NaN : takeover.t - write;
      });
      after.forEach((seconds, i) => expect(seconds, `write ${['1', '0', '3', 'rm'][i]} at ${lab.writes[i]} s`).toBeCloseTo(lab.after[i]!, 1));
      after.forEach((seconds, i) => expect(Math.abs(seconds - lab.after[i]!)).toBeLessThan(0.05));
    });
  }
});

describe('a BACKUP whose effective priority rises above its master\'s', () => {
  const MDI_120 = 3531.25;
  const MDI_150 = 3414.062;

  it('takes over one Master_Down_Interval at the new priority after the last advert it accepted, not after the next one', () => {
    // A (150, track_file weight -30 reading 1: 120) waits as BACKUP; the master (130) advertises every second.
    const tracked = config({ instances: [instance({ priority: 150, trackFiles: [{ name: 'flag', location: { file: 'test.conf', line: 1 } }] })], trackFiles: [trackFile({ name: 'flag', weight: -30 })] });
    const bench = new Bench(tracked).start(0, { fileValues: { flag: 1 } });
    for (let t = 1000; t <= 5000; t += 1000) bench.receive(t, { priority: 130 });
    expect(bench.snap().effectivePriority).toBe(120);
    expect(bench.snap().sands).toBe(5000 + MDI_120);
    // 0 written just before the next advert: the timer moves to 5000 + MDI_150 at once ...
    bench.file(5950, 'flag', 0);
    expect(bench.snap().sands).toBeCloseTo(5000 + MDI_150, 6);
    // ... and the next adverts, now of lower priority, are discarded without moving it.
    bench.receive(6000, { priority: 130 }).receive(7000, { priority: 130 }).receive(8000, { priority: 130 }).advance(9000);
    expect(bench.logs()).toContain('(VI_1) received lower priority (130) advert from 10.0.0.2 - discarding');
    const masters = bench.transitions().filter((t) => t.to === 'MASTER');
    expect(masters).toHaveLength(1);
    expect(masters[0]!.t).toBeCloseTo(5000 + MDI_150, 6);
  });
});
