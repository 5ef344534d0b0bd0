/**
 * A VRID conflict recorded with real keepalived 2.2.7 (captures/conflict-vrid52, made by
 * captures/how-made/conflict.sh): hosts .1 (priority 150) and .2 (100) share a password on VRID 52,
 * .3 (50) has another. .1 and .3 were MASTER the whole time (notify.log), each rejecting the
 * other's adverts ("received an invalid passwd!") while every packet re-armed its advert timer,
 * so .3 advertised only when .1 was late.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCapture } from '../../src/compare/capture.js';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { formatTimeline } from '../../src/replay/format.js';

const DIR = resolve(import.meta.dirname, '../../captures/conflict-vrid52');
const records = replayCapture(join(DIR, 'capture.pcap')).records;
const of = <K extends ReplayRecord['type']>(type: K) => records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);
const origin = (JSON.parse(readFileSync(join(DIR, 'events.json'), 'utf8')) as { captureStart: number }).captureStart;
const rel = (ts: number) => Math.round((ts - origin) * 10) / 10;

describe('replay of a keepalived VRID conflict (another auth_pass on VRID 52)', () => {
  it('reports .1 and .3 as masters side by side, not .3 taking over from .1', () => {
    const masters = of('master').map((m) => [m.src, m.priority, rel(m.from), rel(m.to), m.end]);
    expect(masters).toEqual([
      ['172.16.25.1', 150, 3.5, 20, 'resigned'],
      ['172.16.25.3', 50, 3.9, 22.1, 'resigned'],
      ['172.16.25.2', 100, 20.6, 21.1, 'resigned'],
    ]);
    expect(of('transition').filter((t) => t.to === '172.16.25.3').map((t) => [t.from, t.reason])).toEqual([[null, 'first']]);
  });

  it('names the two masters and the conflict behind them: different passwords, each holding back the other', () => {
    const two = of('anomaly').filter((a) => a.kind === 'two-masters');
    expect(two.map((a) => [rel(a.ts), rel(a.to!)])).toEqual([[3.9, 20]]);
    expect(two[0]!.detail).toBe('172.16.25.1 and 172.16.25.3 were both master for 16.089 s: they use different passwords ("s3cret52", "other-52")');
    const conflict = of('anomaly').filter((a) => a.kind === 'vrid-conflict');
    expect(conflict).toHaveLength(1);
    expect(conflict[0]!.detail).toMatch(/keepalived logs "received an invalid passwd!" for each of the other's adverts/);
    expect(of('summary')[0]!.anomalies).toMatchObject({ 'two-masters': 1, 'vrid-conflict': 1 });
  });

  it('reads as two masters in the timeline text', () => {
    const text = formatTimeline(records, origin).join('\n');
    expect(text).toContain('VRID 52  172.16.25.3 is master (priority 50)');
    expect(text).not.toContain('172.16.25.3 takes over from 172.16.25.1');
    expect(text).toMatch(/172\.16\.25\.3 \(priority 50, 3 adverts, 18\.1 s, ended: resigned\)/);
  });
});

describe('compare as host .2 of the conflict', () => {
  for (const host of ['H2', '172.16.25.2']) {
    it(`(named ${host}) matches keepalived: the engine, fed .3's wrong-password packets as bytes, stays BACKUP and sends nothing extra`, () => {
      const outcome = compareCapture({ capture: join(DIR, 'capture.pcap'), config: join(DIR, 'H2.conf'), host, events: join(DIR, 'events.json') });
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.report.mismatches).toEqual([]);
      expect(outcome.report.adverts.sent).toBe(0);
      expect(outcome.report.pass).toBe(true);
    });
  }
});

/**
 * The same conflict with H1 killed (SIGKILL) at 10 s (captures/conflict-vrid52-kill, `conflict.sh
 * OUT 15 10`). While H3's adverts held H1 silent for 3.6 s, H2's down timer ran out (a backup's
 * timer is not re-armed by packets it rejects): keepalived on H2 sent one advert, went back to
 * BACKUP on H1's next one, and later took over for good, side by side with H3.
 */
describe('the conflict with the higher master killed', () => {
  const dir = resolve(import.meta.dirname, '../../captures/conflict-vrid52-kill');

  it('compare as .2 matches keepalived up to the kill: the one advert it sent while H1 was held back', async () => {
    const { loadCompareInputs, compareInputs } = await import('../../src/compare/capture.js');
    const loaded = loadCompareInputs({ capture: join(dir, 'capture.pcap'), config: join(dir, 'H2.conf'), host: 'H2', events: join(dir, 'events.json') });
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    // After the kill H2 and H3 are both master and hold each other back: which one's timer fires
    // first is decided by a few ms of scheduling, which the engine does not model.
    const events = JSON.parse(readFileSync(join(dir, 'events.json'), 'utf8')) as { captureStart: number; events: { t: number; action: string }[] };
    const killMs = (events.events.find((e) => e.action === 'kill')!.t - events.captureStart) * 1000;
    const report = compareInputs({ ...loaded.inputs, windowEndMs: killMs });
    expect(report.adverts).toMatchObject({ recorded: 1, sent: 1, matched: 1 });
    expect(report.mismatches).toEqual([]);
    expect(report.vrids[0]!.states.sent.map((x) => x.value)).toEqual(report.vrids[0]!.states.recorded.map((x) => x.value));
    expect(report.pass).toBe(true);
  });

  it('replay reports .1 and .3, then .3 and .2, as two masters from the same conflict', () => {
    const recs = replayCapture(join(dir, 'capture.pcap')).records;
    const two = recs.filter((r): r is Extract<ReplayRecord, { type: 'anomaly' }> => r.type === 'anomaly' && r.kind === 'two-masters');
    expect(two.map((a) => a.detail.split(' were ')[0])).toEqual(['172.16.25.1 and 172.16.25.3', '172.16.25.3 and 172.16.25.2']);
    const masters = recs.filter((r): r is Extract<ReplayRecord, { type: 'master' }> => r.type === 'master').map((m) => m.src);
    expect(masters).toEqual(['172.16.25.1', '172.16.25.3', '172.16.25.2']);
  });
});
