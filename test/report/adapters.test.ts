/**
 * The two adapters: a simulation result and replay records, each turned into the report's
 * timeline model (lanes, state spans, priorities, held VIPs, markers).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';
import { replayTimeline } from '../../src/report/replay.js';
import { simulationTimeline } from '../../src/report/simulation.js';
import { laneIds, type Lane, type Timeline } from '../../src/report/timeline.js';
import { ROOT, runExample } from './seed.js';

function lane(timeline: Timeline, id: string): Lane {
  const found = timeline.groups.flatMap((group) => group.lanes).find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no lane ${id}`);
  return found;
}

/** Spans longer than 50 ms, as [state, from, to] rounded to 10 ms. */
function visibleSpans(l: Lane): Array<[string, number, number]> {
  return l.spans.filter((span) => span.to - span.from > 0.05).map((span) => [span.state, Math.round(span.from * 100) / 100, Math.round(span.to * 100) / 100]);
}

describe('simulation adapter', () => {
  const timeline = simulationTimeline(runExample('seed-buggy-keepalived-restart'));

  it('makes a lane per host per instance, grouped by VRID in host order', () => {
    expect(timeline.groups.map((group) => group.title)).toEqual(['VI_1 · VRID 125', 'VI_2 · VRID 126']);
    expect(laneIds(timeline)).toEqual(['A/VI_1', 'B/VI_1', 'A/VI_2', 'B/VI_2']);
  });

  it('colours A down before its start, backup, master until its stop, down until the restart, then backup', () => {
    expect(visibleSpans(lane(timeline, 'A/VI_1'))).toEqual([
      ['DOWN', 0, 0.07],
      ['BACKUP', 0.07, 3.68],
      ['MASTER', 3.68, 12],
      ['DOWN', 12, 20.07],
      ['BACKUP', 20.07, 40],
    ]);
  });

  it('covers the whole run with contiguous spans', () => {
    for (const id of laneIds(timeline)) {
      const spans = lane(timeline, id).spans;
      expect(spans[0].from).toBe(0);
      expect(spans[spans.length - 1].to).toBe(40);
      for (let i = 1; i < spans.length; i++) expect(spans[i].from).toBe(spans[i - 1].to);
    }
  });

  it('breaks the priority line while keepalived is stopped and follows the tracked scripts otherwise', () => {
    const priorities = lane(timeline, 'A/VI_1').priorities;
    const stop = priorities.find((point) => point.priority === null);
    expect(stop?.t).toBe(12);
    // Base 100, +2 chk_haproxy; haproxy stopped by notify backup (-2), haproxy started by notify
    // master (+2). chk_maintaince_down adds nothing: its program is `[[`, a shell word, so
    // keepalived disables it (it runs no shell).
    expect(priorities.filter((point) => point.t < 12).map((point) => point.priority)).toEqual([100, 102, 100, 102]);
  });

  it('shows which lane holds the VIPs: A while master, then B to the end', () => {
    expect(lane(timeline, 'A/VI_1').holds.map((h) => [h.label, Math.round(h.from * 10) / 10, h.to])).toEqual([['172.16.25.10', 3.7, 12]]);
    expect(lane(timeline, 'B/VI_2').holds.map((h) => [h.label, Math.round(h.from * 10) / 10, h.to])).toEqual([['172.16.25.11', 12.6, 40]]);
  });

  it('marks the injected events, the notify runs on their lanes, the notify-driven service changes and the findings', () => {
    const events = timeline.markers.filter((m) => m.kind === 'event').map((m) => [m.at, m.label]);
    expect(events).toEqual([[0, 'A start'], [2, 'B start'], [12, 'A stop'], [20, 'A start']]);
    const notifies = timeline.markers.filter((m) => m.kind === 'notify');
    expect(notifies.length).toBeGreaterThan(0);
    expect(notifies.every((m) => m.lane !== undefined && laneIds(timeline).includes(m.lane))).toBe(true);
    expect(timeline.markers.some((m) => m.kind === 'service' && m.tone === 'bad' && m.label.startsWith('A: haproxy STOPPED'))).toBe(true);
    const findings = timeline.markers.filter((m) => m.kind === 'finding');
    expect(findings.map((m) => m.label.split(':')[0])).toEqual(['collective-drift', 'stranded-service', 'collective-drift']);
    expect(findings[0].lanes).toEqual(['A/VI_1', 'A/VI_2']);
    expect(findings[0].to).toBe(12);
  });

  it('lists the findings and the VIPs at the end under the chart', () => {
    expect(timeline.notes[0]).toMatch(/^\[collective-drift\] 3\.683-12\.000 s: A holds every VIP/);
    expect(timeline.notes[timeline.notes.length - 1]).toBe('VIPs at the end: A -; B 172.16.25.10 172.16.25.11');
  });
});

describe('replay adapter', () => {
  const records = replayCapture(path.join(ROOT, 'captures/seed-buggy-f1.pcap')).records;
  const timeline = replayTimeline(records, { title: 'seed-buggy-f1.pcap' });

  it('makes a lane per advertising source per VRID, times in seconds from the first frame', () => {
    expect(timeline.groups.map((group) => group.title)).toEqual(['VRID 125', 'VRID 126']);
    expect(laneIds(timeline)).toEqual(['172.16.25.1/VRID 125', '172.16.25.2/VRID 125', '172.16.25.1/VRID 126', '172.16.25.2/VRID 126']);
    expect(timeline.start).toBe(0);
    expect(timeline.end).toBeCloseTo(22.936, 3);
    expect(timeline.subtitle).toMatch(/^starts 2026-11-24 20:02:21\.630 UTC, 22\.936 s; 85 frames, 50 VRRP adverts/);
  });

  it('is MASTER during master periods and "not advertising" between them, never guessing BACKUP', () => {
    expect(visibleSpans(lane(timeline, '172.16.25.1/VRID 125'))).toEqual([
      ['MASTER', 0, 3],
      ['UNKNOWN', 3, 22.94],
    ]);
    expect(visibleSpans(lane(timeline, '172.16.25.2/VRID 125'))).toEqual([
      ['UNKNOWN', 0, 3.6],
      ['MASTER', 3.6, 22.94],
    ]);
    expect(timeline.groups.flatMap((g) => g.lanes).flatMap((l) => l.spans).some((span) => span.state === 'BACKUP')).toBe(false);
  });

  it('stretches a one-advert mastership to its successor so it stays visible', () => {
    const master = lane(timeline, '172.16.25.1/VRID 126').spans.filter((span) => span.state === 'MASTER');
    expect(master.length).toBe(1);
    expect(master[0].to - master[0].from).toBeCloseTo(0.0126, 3);
  });

  it('marks the failover gap on the new master, the GARP bursts on their lanes and the resignations', () => {
    const gap = timeline.markers.find((m) => m.kind === 'gap' && m.lane === '172.16.25.2/VRID 125');
    expect(gap?.label).toBe('VRID 125 failover gap 0.597 s: last advert of 172.16.25.1, first of 172.16.25.2');
    expect((gap?.to ?? 0) - (gap?.at ?? 0)).toBeCloseTo(0.597, 3);
    const garps = timeline.markers.filter((m) => m.kind === 'garp');
    expect(garps.length).toBe(7);
    expect(garps.every((m) => m.lane !== undefined)).toBe(true);
    expect(timeline.markers.filter((m) => m.kind === 'resign').map((m) => m.lane)).toEqual(['172.16.25.2/VRID 125', '172.16.25.2/VRID 126']);
  });

  it('plots advertised priorities and leaves the line at the resignation instead of dropping to 0', () => {
    const priorities = lane(timeline, '172.16.25.2/VRID 126').priorities;
    expect(priorities.map((p) => p.priority)).toEqual([102, 104, null, null]);
  });

  it('turns an empty capture into an empty timeline rather than failing', () => {
    const empty = replayTimeline([{ type: 'capture', frames: 0, adverts: 0, arp: 0, garps: 0, other: 0, first: null, last: null, problems: 0 }], { title: 'empty' });
    expect(empty.groups).toEqual([]);
    expect(empty.end).toBe(1);
    expect(empty.subtitle).toBe('no frames; 0 frames, 0 VRRP adverts, 0 gratuitous ARPs');
  });
});
