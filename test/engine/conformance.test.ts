/**
 * Conformance with real keepalived 2.2.7: for every reference recording (captures/reference/<run>,
 * copied from ../shared/captures-reference with a recording.json describing its inputs) and every
 * host in it, one engine is fed the OTHER hosts' advert packets, as bytes that it checks as
 * keepalived checks what it receives, at their captured times (the capture is taken on A's eth0
 * and holds both hosts' adverts) plus the host's recorded start/stop times.
 *
 * "Matches" means, for that host:
 * - adverts: per VRID, the engine sends the same number of adverts with the same priorities in
 *   the same order as the capture shows the recorded host sending, up to the run's `end` event
 *   (plus 50 ms for a host `end` stops, to include its priority-0 resignation);
 * - states: per VIP, the engine runs the same sequence of notify states (master/backup/fault) as
 *   the recorded notify.log shows;
 * - timing: each matched advert within ADVERT_TOLERANCE_MS of its recorded time, each notify within
 *   NOTIFY_TOLERANCE_MS (notify.log is written by the script, after fork and exec, so it lags).
 *
 * Track scripts are modelled from the flag files they test (recording.json); keepalived's start-up
 * latency (exec to instances initialised) is not in the recording and is fitted per start, bounded
 * above by the host's first notify after that start.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { calibrateStartLatency, readReferenceRun } from '../../src/compare/reference.js';

const ROOT = new URL('../../captures/reference/', import.meta.url).pathname;
const ADVERT_TOLERANCE_MS = 25;
const NOTIFY_TOLERANCE_MS = 60;
const OPTIONS = { notifyLatencyMs: 20, scriptDurationMs: 5 };

const runs = readdirSync(ROOT, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(ROOT, entry.name, 'recording.json')))
  .map((entry) => entry.name)
  .sort();

describe('conformance with keepalived 2.2.7 reference recordings', () => {
  it('has recordings to check', () => {
    expect(runs.length).toBeGreaterThanOrEqual(2);
  });

  for (const name of runs) {
    const run = readReferenceRun(join(ROOT, name), name);
    for (const host of Object.keys(run.spec.hosts)) {
      it(`${name}: host ${host} fed the other hosts' recorded adverts sends the recorded priorities and goes through the recorded states`, () => {
        const { startLatencyMs, replay } = calibrateStartLatency(run, host, OPTIONS);
        const line = (what: string, c: { matched: number; total: number; maxErrorMs: number }): string =>
          `${what} ${c.matched}/${c.total} matched, max timing error ${c.maxErrorMs.toFixed(1)} ms`;
        console.log(
          `${name} ${host}: start latency ${startLatencyMs.join(', ')} ms; ${line('adverts', replay.adverts)}; ${line('states', replay.states)}`,
        );
        for (const stream of [...replay.adverts.streams, ...replay.states.streams]) {
          expect(stream.firstDifference, `${name} ${host} ${stream.key}`).toBeUndefined();
        }
        expect(replay.adverts.total).toBeGreaterThan(0);
        expect(replay.states.total).toBeGreaterThan(0);
        expect(replay.adverts.maxErrorMs).toBeLessThan(ADVERT_TOLERANCE_MS);
        expect(replay.states.maxErrorMs).toBeLessThan(NOTIFY_TOLERANCE_MS);
      });
    }
  }
});

describe('the conformance comparison is not vacuous', () => {
  it('replaying seed-buggy-f1 with the fixed notify script (haproxy never stopped) does not reproduce host A', () => {
    const run = readReferenceRun(join(ROOT, 'seed-buggy-f1'), 'seed-buggy-f1');
    const fixedFlags = { ...run.spec.flags, 'haproxy.up': { initial: true, setBy: ['master'], clearedBy: [] } };
    const swapped = { ...run, spec: { ...run.spec, flags: fixedFlags } };
    const { replay } = calibrateStartLatency(swapped, 'A', OPTIONS);
    expect(replay.adverts.equal && replay.states.equal).toBe(false);
  });
});
