/**
 * Two pairs sharing VRID 51 with different auth_pass and VIPs (issue 19):
 * examples/hostile/two-clusters.yaml against keepalived 2.2.7 in a netns lab (4 namespaces on one
 * bridge, the same configs, 60 s, four runs, tcpdump): each side rejects the other's adverts, and
 * every packet read for the VRID re-arms a master's timer, so each master's adverts keep putting
 * the other's off. A master held silent for its backup's Master_Down_Interval loses the VIP to it
 * and takes it back at once ("forcing new election").
 */
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';
import type { SimRecord } from '../../src/sim/cluster.js';
import { ROOT } from './helpers.js';

const DIR = path.join(ROOT, 'examples/hostile');

/** What keepalived did in the lab runs (tcpdump on the bridge, 60 s from the starts; gaps from the first three). */
const LAB = {
  /** Backups (B, D) taking over. */
  takeovers: [11, 11, 9, 12],
  /** A master's advert gaps, per run: 1 s, ~2 s and ~3 s (put off one or two rounds), ~3.6 s (its backup took over). */
  gaps: [{ 1: 30, 2: 15, 3: 4, 3.6: 11 }, { 1: 30, 2: 14, 3: 5, 3.6: 11 }, { 1: 30, 2: 17, 3: 5, 3.6: 9 }],
  /** The silence of a master before its backup took over, s. */
  silence: [3.60, 3.70],
};

function run(seed: number, yaml = readFileSync(path.join(DIR, 'two-clusters.yaml'), 'utf8')): SimulationResult {
  const parsed = parseScenario(yaml, DIR, 'two-clusters.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario, { seed, keepLogs: false });
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

type Transition = Extract<SimRecord, { type: 'transition' }>;
const transitions = (result: SimulationResult): Transition[] => result.records.filter((record): record is Transition => record.type === 'transition');
const takeovers = (result: SimulationResult): Transition[] => transitions(result).filter((record) => record.to === 'MASTER' && (record.host === 'B' || record.host === 'D'));

describe('two clusters sharing VRID 51', () => {
  const seeds = Array.from({ length: 12 }, (_, i) => i + 1);
  const results = seeds.map((seed) => run(seed));

  it('lose their VIPs to their backups about as often as keepalived did (9-12 times in 60 s)', () => {
    const counts = results.map((result) => takeovers(result).length).sort((a, b) => a - b);
    const median = counts[Math.floor(counts.length / 2)]!;
    expect(median).toBeGreaterThanOrEqual(Math.min(...LAB.takeovers) - 1);
    expect(median).toBeLessThanOrEqual(Math.max(...LAB.takeovers) + 1);
    // keepalived varies from run to run; so do the seeds, but never to a quiet minute or a flap every round.
    expect(counts[0]).toBeGreaterThanOrEqual(3);
    expect(counts.at(-1)).toBeLessThanOrEqual(14);
  });

  it('hands each VIP back at once: a backup that took over is BACKUP again within a millisecond, its master never left MASTER', () => {
    for (const result of results) {
      const all = transitions(result);
      for (const takeover of takeovers(result)) {
        const back = all.find((record) => record.host === takeover.host && record.from === 'MASTER' && record.t >= takeover.t);
        // The master's answer reaches it one LAN latency after its advert reached the master (keepalived: 0.3-35 ms).
        expect(back!.t - takeover.t).toBeLessThan(0.001);
      }
      expect(all.filter((record) => (record.host === 'A' || record.host === 'C') && record.from === 'MASTER')).toEqual([]);
      expect(all.filter((record) => record.to === 'MASTER')).toHaveLength(2 + takeovers(result).length);
    }
  });

  it('puts a master\'s adverts off by whole rounds, and lets its backup take over after 3.6 s of silence, as in the lab', () => {
    let silences = 0;
    let putOff = 0;
    for (const result of results) {
      for (const record of result.records) {
        if (record.type !== 'advert-delay') continue;
        if (record.gap > 3.3) {
          silences++;
          expect(record.gap).toBeGreaterThanOrEqual(LAB.silence[0]!);
          expect(record.gap).toBeLessThanOrEqual(LAB.silence[1]!);
        } else {
          putOff++;
          expect([2, 3]).toContain(Math.round(record.gap));
        }
      }
    }
    // Per run, keepalived's masters were put off one or two rounds 19-22 times and silenced 9-12 times.
    expect(putOff / results.length).toBeGreaterThan(8);
    expect(putOff / results.length).toBeLessThan(25);
    expect(silences / results.length).toBeGreaterThan(5);
    expect(silences / results.length).toBeLessThan(13);
  });

  it('is one pair\'s business alone when the other pair is not there: no advert put off, no takeover', () => {
    const yaml = readFileSync(path.join(DIR, 'two-clusters.yaml'), 'utf8').split('\n').filter((line) => !/^ {2}[CD]: |host: [CD],/.test(line)).join('\n');
    const alone = run(1, yaml);
    expect(alone.records.some((record) => record.type === 'transition' && record.host === 'C')).toBe(false);
    expect(takeovers(alone)).toEqual([]);
    expect(alone.records.filter((record) => record.type === 'advert-delay')).toEqual([]);
  });

  it('gives byte-identical records for the same seed, and other races for another', () => {
    expect(JSON.stringify(run(1).records)).toBe(JSON.stringify(results[0]!.records));
    expect(new Set(results.map((result) => takeovers(result).map((record) => record.t).join(' '))).size).toBeGreaterThan(1);
  });
});
