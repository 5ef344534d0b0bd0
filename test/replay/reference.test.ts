/**
 * Replay of the real keepalived recordings (captures/, copied from ../shared/captures-reference/):
 * the masters it names must match what the hosts' notify scripts logged (notify.log) and what
 * vips.log shows. Times below are epoch seconds from those logs.
 */
import { describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';

const A = '172.16.25.1';
const B = '172.16.25.2';

function spans(path: string, vrid: number): Array<[string, number, number, string]> {
  return replayCapture(path)
    .records.filter((r): r is Extract<ReplayRecord, { type: 'master' }> => r.type === 'master' && r.vrid === vrid)
    .map((m) => [m.src, m.from, m.to, m.end]);
}

/** The master span's start is the first advert, within 50 ms of the notify script's "master" call. */
function startsNear(span: [string, number, number, string], notifyMaster: number): void {
  expect(Math.abs(span[1] - notifyMaster)).toBeLessThan(0.05);
}

describe('seed-buggy-f1 (buggy notify script)', () => {
  const path = 'captures/seed-buggy-f1.pcap';

  it('names A then B as master of VRID 125, B holding it to the end', () => {
    const s = spans(path, 125);
    expect(s.map((x) => x[0])).toEqual([A, B]);
    startsNear(s[0], 1795550541.641248734); // A master 172.16.25.10
    startsNear(s[1], 1795550545.231319252); // B master 172.16.25.10
    expect(s[1][3]).toBe('resigned'); // B stopped at the end of the run
  });

  it('names B master of VRID 126 within milliseconds of the start, to the end', () => {
    const s = spans(path, 126);
    expect(s.map((x) => x[0])).toEqual([A, B]);
    startsNear(s[1], 1795550541.667138407); // B master 172.16.25.11
    expect(s[0][2] - s[0][1]).toBeLessThan(0.05); // A's one advert before B took over
  });
});

describe('seed-fixed-f1 (fixed notify script)', () => {
  const path = 'captures/seed-fixed-f1.pcap';

  it('follows VRID 125 from B to A, to B while A is down, back to A, and to B at the end', () => {
    const s = spans(path, 125);
    expect(s.map((x) => x[0])).toEqual([B, A, B, A, B]);
    startsNear(s[1], 1795550607.769405672); // A master
    startsNear(s[2], 1795550612.944498893); // B master (A stopped)
    startsNear(s[3], 1795550623.094921911); // A master again
    startsNear(s[4], 1795550630.291498256); // B master (A stopped at the end)
    expect(s[1][3]).toBe('resigned');
  });

  it('keeps B master of VRID 126 throughout', () => {
    const s = spans(path, 126);
    expect(s.map((x) => x[0])).toEqual([B]);
    startsNear(s[0], 1795550607.730786331);
  });

  it('finds no anomalies and no file problems', () => {
    const records = replayCapture(path).records;
    expect(records.filter((r) => r.type === 'anomaly' || r.type === 'problem')).toEqual([]);
  });
});
