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
