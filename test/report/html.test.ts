/**
 * The HTML page: byte-identical for the same input, self-contained, with stable hooks (lanes,
 * states, legend, markers) for tests and scripts, and small even for very long timelines.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';
import { renderReport } from '../../src/report/html.js';
import { renderReplayReport, writeReplayReport } from '../../src/report/replay.js';
import { renderComparisonReport, renderSimulationReport, writeSimulationReport } from '../../src/report/simulation.js';
import type { Lane, Marker, Timeline } from '../../src/report/timeline.js';
import { ROOT, runExample } from './seed.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vrrplab-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const count = (html: string, needle: string) => html.split(needle).length - 1;

describe('simulation report', () => {
  const buggy = runExample('seed-buggy-keepalived-restart');
  const html = renderSimulationReport(buggy);

  it('is byte-identical for the same input, also across separate runs and writes', () => {
    writeSimulationReport(buggy, path.join(dir, 'a.html'));
    writeSimulationReport(runExample('seed-buggy-keepalived-restart'), path.join(dir, 'b.html'));
    const a = readFileSync(path.join(dir, 'a.html'));
    expect(a.equals(readFileSync(path.join(dir, 'b.html')))).toBe(true);
    expect(a.toString('utf8')).toBe(html);
  });

  it('has a lane per host per instance with coloured state spans', () => {
    for (const lane of ['A/VI_1', 'B/VI_1', 'A/VI_2', 'B/VI_2']) expect(count(html, `class="lane" data-lane="${lane}"`)).toBe(1);
    for (const state of ['MASTER', 'BACKUP', 'DOWN']) expect(html).toContain(`data-state="${state}"`);
  });

  it('has a legend naming the states, the priority lines and the marker kinds present', () => {
    const legend = /<ul class="legend">(.*?)<\/ul>/.exec(html)?.[1] ?? '';
    for (const item of ['MASTER', 'BACKUP', 'DOWN', 'vip-held', 'priority-A', 'priority-B', 'event', 'service', 'notify', 'finding']) {
      expect(legend).toContain(`data-legend="${item}"`);
    }
    expect(legend).not.toContain('data-legend="garp"');
  });

  it('marks injected events, notify runs and findings, with hover text giving exact values', () => {
    expect(count(html, 'data-marker-kind="event"')).toBe(4);
    expect(count(html, 'data-marker-kind="finding"')).toBe(3);
    expect(count(html, 'data-marker-kind="notify"')).toBeGreaterThan(0);
    expect(html.includes('data-tip="A/VI_1 MASTER 3.679375–12.000 s (8.320625 s), entered with priority 100"')).toBe(true);
    expect(html.includes('data-tip="A/VI_1 priority 100 → 102 at 4.075162 s"')).toBe(true);
  });

  it('fetches nothing: no external scripts, styles, images or links', () => {
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(count(html, '<style>')).toBe(1);
    expect(count(html, '<script>')).toBe(1);
  });

  it('puts two runs on one page on the same time axis, titled as asked', () => {
    const fixed = runExample('seed-fixed-keepalived-restart');
    const page = renderComparisonReport(buggy, fixed, ['buggy notify.sh', 'fixed notify.sh']);
    expect(page).toContain('<title>vrrplab simulate: buggy notify.sh vs fixed notify.sh</title>');
    expect(count(page, '<section class="timeline"')).toBe(2);
    expect(count(page, 'data-lane="A/VI_1"')).toBe(2);
    expect(count(page, 'class="legend"')).toBe(1);
    // Pattern ids stay unique per section.
    expect(page).toContain('id="t0-unknown"');
    expect(page).toContain('id="t1-unknown"');
    expect(page).toBe(renderComparisonReport(buggy, fixed, ['buggy notify.sh', 'fixed notify.sh']));
  });
});

describe('replay report', () => {
  const records = replayCapture(path.join(ROOT, 'captures/seed-buggy-f1.pcap')).records;

  it('is byte-identical for the same capture', () => {
    writeReplayReport(records, path.join(dir, 'r1.html'), { title: 'seed-buggy-f1.pcap' });
    writeReplayReport(replayCapture(path.join(ROOT, 'captures/seed-buggy-f1.pcap')).records, path.join(dir, 'r2.html'), { title: 'seed-buggy-f1.pcap' });
    expect(readFileSync(path.join(dir, 'r1.html')).equals(readFileSync(path.join(dir, 'r2.html')))).toBe(true);
  });

  it('has source lanes, the not-advertising state in its legend, and gap, GARP and resign markers', () => {
    const html = renderReplayReport(records, { title: 'seed-buggy-f1.pcap' });
    expect(html).toContain('data-lane="172.16.25.2/VRID 125"');
    expect(html).toContain('data-legend="UNKNOWN"');
    expect(html).not.toContain('data-legend="BACKUP"');
    for (const kind of ['gap', 'garp', 'resign']) expect(html).toContain(`data-marker-kind="${kind}"`);
  });
});

describe('escaping and size', () => {
  it('escapes host names, labels and titles', () => {
    const lane: Lane = { id: '<b>&"x"/VI', host: '<b>&"x"', instance: 'VI', spans: [{ from: 0, to: 1, state: 'MASTER' }], priorities: [], holds: [] };
    const timeline: Timeline = { title: '<script>alert(1)</script>', subtitle: 's', start: 0, end: 1, groups: [{ title: 'g', lanes: [lane] }], markers: [{ kind: 'event', at: 0.5, label: '</text><script>' }], notes: ['<i>'] };
    const html = renderReport({ title: 't', timelines: [timeline] });
    expect(count(html, '<script>')).toBe(1);
    expect(html).toContain('data-lane="&lt;b&gt;&amp;&quot;x&quot;/VI"');
    expect(html).not.toContain('<i>');
  });

  it('stays small for a day-long capture with a flapping pair: 1M priority changes, 200k spans, 100k notifies', () => {
    const day = 86_400;
    const lanes: Lane[] = ['A', 'B'].map((host, h) => {
      const spans = Array.from({ length: 100_000 }, (_, i) => ({ from: (i * day) / 100_000, to: ((i + 1) * day) / 100_000, state: (i + h) % 2 === 0 ? ('MASTER' as const) : ('BACKUP' as const) }));
      const priorities = Array.from({ length: 500_000 }, (_, i) => ({ t: (i * day) / 500_000, priority: 100 + ((i + h) % 7) }));
      return { id: `${host}/VI_1`, host, instance: 'VI_1', spans, priorities, holds: [] };
    });
    const markers: Marker[] = Array.from({ length: 100_000 }, (_, i) => ({ kind: 'notify' as const, at: (i * day) / 100_000, lane: i % 2 === 0 ? 'A/VI_1' : 'B/VI_1', label: `notify ${i}` }));
    const timeline: Timeline = { title: 'day', subtitle: '', start: 0, end: day, groups: [{ title: 'VI_1', lanes }], markers, notes: [] };
    const started = performance.now();
    const html = renderReport({ title: 'day', timelines: [timeline] });
    const ms = performance.now() - started;
    expect(html.length).toBeLessThan(2_000_000);
    expect(count(html, 'class="span"')).toBeLessThanOrEqual(2 * 1000);
    expect(ms).toBeLessThan(5_000);
  });
});
