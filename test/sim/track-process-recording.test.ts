/**
 * simulate against a recording of keepalived 2.2.7 following a process (test/fixtures/track-process/lab,
 * made by test/lab/track-process.test.ts with VRRPLAB_RECORD_TRACK_PROCESS): no root, no keepalived.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';
import { masterTimes, readRecording, simulateRecording, simulatedMasterTimes } from './track-process-recording.js';

const DIR = path.join(ROOT, 'test/fixtures/track-process/lab');

describe('the track_process recording of keepalived 2.2.7', () => {
  const { run, logs } = readRecording(DIR);

  it('shows what the simulation is checked against: A follows the process (150 -> 120 -> 150), B inside its namespace cannot (errno 111, 130 throughout)', () => {
    expect(logs.A).toMatch(/Quorum lost for tracked process tp\n.*Changing effective priority from 150 to 120\n/);
    expect(logs.A).toMatch(/Quorum gained for tracked process tp\n.*Changing effective priority from 120 to 150\n/);
    expect(logs.B).toContain('Failed to set/clear process event listen - errno 111 - Connection refused');
    expect(logs.B).not.toContain('Changing effective priority');
  });

  it('is reproduced by simulate: every MASTER entry of A and B within 50 ms of keepalived\'s, and the same priority changes', () => {
    const sim = simulateRecording(DIR, run, logs);
    const lab = { A: masterTimes(logs.A), B: masterTimes(logs.B) };
    const simulated = { A: simulatedMasterTimes(sim, 'A'), B: simulatedMasterTimes(sim, 'B') };
    expect(simulated.A.length).toBe(lab.A.length);
    expect(simulated.B.length).toBe(lab.B.length);
    for (const host of ['A', 'B'] as const) {
      for (const [i, t] of lab[host].entries()) expect(Math.abs((simulated[host][i] ?? 0) - t), `${host}'s MASTER #${i + 1}`).toBeLessThan(0.05);
    }
    const priorities = sim.records.filter((r) => r.type === 'priority').map((r) => (r.type === 'priority' ? `${r.host} ${r.from}->${r.to}` : ''));
    expect(priorities).toEqual(['A 150->120', 'A 120->150']);
    expect(sim.records).toContainEqual(expect.objectContaining({ type: 'log', host: 'B', message: 'Failed to set/clear process event listen - errno 111 - Connection refused' }));
  });

  it('counts B at 140 without process-events: false, where the recording shows 130: the flag is what reproduces keepalived inside a namespace', () => {
    const sim = simulateRecording(DIR, run, logs, { blindB: false });
    const priorities = sim.records.filter((r) => r.type === 'priority' && r.host === 'B').map((r) => (r.type === 'priority' ? r.to : 0));
    expect(priorities).toEqual([140]);
  });
});
