/**
 * One self-contained HTML page for one or more timelines: inline CSS, inline SVG, one small
 * script for hover text. No network fetches, no clock, no random ids: the same timelines give
 * the same bytes.
 */
import { writeFileSync } from 'node:fs';
import { describeMarker, drawMarkers, drawPriorities, drawSpans, round2, xOf, type DrawnMarker, type Scale } from './aggregate.js';
import { appendTo, formatSeconds, LANE_STATES, type Lane, type LaneState, type Marker, type MarkerKind, type Timeline } from './timeline.js';

export interface ReportPage {
  title: string;
  timelines: Timeline[];
  /** Draw every timeline on the same time range (side-by-side comparisons). */
  sharedAxis?: boolean;
}

const LABEL_W = 150;
const PLOT_W = 1000;
const RIGHT_PAD = 16;
const WIDTH = LABEL_W + PLOT_W + RIGHT_PAD;
const AXIS_H = 22;
const EVENTS_H = 50;
const GROUP_TITLE_H = 20;
const PRIORITY_H = 56;
const LANE_H = 24;
const FINDING_H = 18;
const CHAR_W = 6.4;

const STATE_COLOURS: Record<LaneState, string> = {
  MASTER: '#2f9e5a',
  BACKUP: '#5b8bd9',
  FAULT: '#d9473f',
  DOWN: '#9aa1ab',
  UNKNOWN: '#e6e8ec',
};

const STATE_WORDS: Record<LaneState, string> = {
  MASTER: 'MASTER',
  BACKUP: 'BACKUP',
  FAULT: 'FAULT',
  DOWN: 'down / stopped',
  UNKNOWN: 'not advertising (backup or down)',
};

const MARKER_WORDS: Record<MarkerKind, string> = {
  event: 'injected event',
  resign: 'priority 0 advert (resigns)',
  service: 'service stopped / started',
  notify: 'notify run',
  garp: 'gratuitous ARPs',
  gap: 'failover gap',
  anomaly: 'anomaly',
  finding: 'finding',
};

const HOST_COLOURS = ['#7b3fa0', '#e07b12', '#138d8d', '#c2366b', '#4f6d1f', '#2a5db0', '#8a5a2b', '#555d66'];

/** Write a rendered page; a path that cannot be written is reported with the file's name. */
export function writeReportFile(file: string, html: string): void {
  try {
    writeFileSync(file, html);
  } catch (error) {
    throw new Error(`cannot write HTML report ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export function renderReport(page: ReportPage): string {
  const hosts = [...new Set(page.timelines.flatMap((timeline) => timeline.groups.flatMap((group) => group.lanes.map((lane) => lane.host))))];
  const hostColour = new Map(hosts.map((host, index) => [host, HOST_COLOURS[index % HOST_COLOURS.length]]));
  const start = Math.min(...page.timelines.map((timeline) => timeline.start));
  const end = Math.max(...page.timelines.map((timeline) => timeline.end));
  const kinds = new Set(page.timelines.flatMap((timeline) => timeline.markers.map((marker) => marker.kind)));
  const states = new Set(page.timelines.flatMap((timeline) => timeline.groups.flatMap((group) => group.lanes.flatMap((lane) => lane.spans.map((span) => span.state)))));
  const holds = page.timelines.some((timeline) => timeline.groups.some((group) => group.lanes.some((lane) => lane.holds.length > 0)));
  const sections = page.timelines.map((timeline, index) => {
    const scale: Scale = page.sharedAxis === true ? { start, end, width: PLOT_W } : { start: timeline.start, end: timeline.end, width: PLOT_W };
    return renderTimeline(timeline, scale, `t${index}`, hostColour);
  });
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(page.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    `<header><h1>${esc(page.title)}</h1>${renderLegend(states, holds, kinds, hostColour)}</header>`,
    ...sections,
    '<div id="tip" hidden></div>',
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderLegend(states: Set<LaneState>, holds: boolean, kinds: Set<MarkerKind>, hostColour: Map<string, string>): string {
  const items: string[] = [];
  for (const state of LANE_STATES) {
    if (!states.has(state)) continue;
    items.push(`<li data-legend="${state}"><span class="sw state-${state}"></span>${esc(STATE_WORDS[state])}</li>`);
  }
  if (holds) items.push('<li data-legend="vip-held"><span class="sw hold"></span>holds the VIPs</li>');
  for (const [host, colour] of hostColour) {
    items.push(`<li data-legend="priority-${esc(host)}"><span class="sw line" style="background:${colour}"></span>priority of ${esc(host)}</li>`);
  }
  for (const kind of Object.keys(MARKER_WORDS) as MarkerKind[]) {
    if (!kinds.has(kind)) continue;
    const glyph =
      kind === 'service'
        ? `<svg width="24" height="14" viewBox="-7 -7 24 14"><g class="tone-bad">${markerGlyph(kind, 0, 0)}</g><g class="tone-good">${markerGlyph(kind, 10, 0)}</g></svg>`
        : `<svg width="14" height="14" viewBox="-7 -7 14 14">${markerGlyph(kind, 0, 0)}</svg>`;
    items.push(`<li data-legend="${kind}">${glyph}${esc(MARKER_WORDS[kind])}</li>`);
  }
  return `<ul class="legend">${items.join('')}</ul>`;
}

function renderTimeline(timeline: Timeline, scale: Scale, id: string, hostColour: Map<string, string>): string {
  const x = (t: number) => round2(LABEL_W + xOf(scale, t));
  const laneMarkers = new Map<string, Marker[]>();
  const rowMarkers: Marker[] = [];
  const findings: Marker[] = [];
  for (const marker of timeline.markers) {
    if (marker.kind === 'finding') findings.push(marker);
    else if (marker.lane !== undefined) appendTo(laneMarkers, marker.lane, marker);
    else rowMarkers.push(marker);
  }
  const findingRows = packRows(findings, scale);
  const eventsH = rowMarkers.length === 0 ? 0 : rowMarkers.some((m) => m.kind === 'service') ? EVENTS_H : EVENTS_H - 14;

  const body: string[] = [];
  const laneY = new Map<string, number>();
  let y = AXIS_H + eventsH;
  for (const group of timeline.groups) {
    const groupTop = y;
    body.push(`<g class="group" data-group="${esc(group.title)}">`);
    body.push(`<text class="group-title" x="4" y="${y + 14}">${esc(group.title)}</text>`);
    y += GROUP_TITLE_H;
    body.push(renderPriorityChart(group.lanes, scale, y, hostColour));
    y += PRIORITY_H;
    for (const lane of group.lanes) {
      laneY.set(lane.id, y);
      body.push(renderLane(lane, scale, y, hostColour, laneMarkers.get(lane.id) ?? []));
      y += LANE_H;
    }
    body.push('</g>');
    if (groupTop === y) y += 1;
    y += 8;
  }
  const lanesBottom = y;
  const findingsTop = y;
  y += findingRows.length * FINDING_H + (findingRows.length > 0 ? 8 : 0);
  const height = y + 4;

  const parts: string[] = [];
  parts.push(`<section class="timeline" id="${id}" data-title="${esc(timeline.title)}">`);
  parts.push(`<h2>${esc(timeline.title)}</h2>`);
  parts.push(`<p class="sub">${esc(timeline.subtitle)}</p>`);
  parts.push(
    `<svg class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" data-x0="${LABEL_W}" data-pw="${PLOT_W}" data-start="${scale.start}" data-end="${scale.end}" role="img" aria-label="${esc(timeline.title)}">`,
  );
  parts.push(`<defs><pattern id="${id}-unknown" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="${STATE_COLOURS.UNKNOWN}"/><line x1="0" y1="0" x2="0" y2="6" stroke="#cfd3d9" stroke-width="2"/></pattern></defs>`);
  parts.push(renderAxis(scale, height));
  // Injected events as faint lines through every lane: the cause next to its effects.
  for (const marker of rowMarkers) {
    if (marker.kind !== 'event') continue;
    parts.push(`<line class="event-line" x1="${x(marker.at)}" x2="${x(marker.at)}" y1="${AXIS_H + 14}" y2="${lanesBottom}"/>`);
  }
  if (rowMarkers.length > 0) parts.push(renderEventsRow(rowMarkers, scale));
  parts.push(...body);
  parts.push(renderFindings(findingRows, scale, findingsTop, laneY));
  parts.push(`<line class="cursor" x1="0" x2="0" y1="${AXIS_H}" y2="${height - 4}" visibility="hidden"/>`);
  parts.push('</svg>');
  if (timeline.notes.length > 0) parts.push(`<ul class="notes">${timeline.notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`);
  parts.push('</section>');
  return parts.join('\n').replaceAll(`url(#unknown)`, `url(#${id}-unknown)`);
}

function renderAxis(scale: Scale, height: number): string {
  const step = tickStep(scale.end - scale.start);
  const decimals = step >= 1 ? 0 : Math.ceil(-Math.log10(step) - 1e-9);
  const parts = ['<g class="axis">'];
  const first = Math.ceil((scale.start - 1e-9) / step) * step;
  for (let i = 0; ; i++) {
    const t = first + i * step;
    if (t > scale.end + 1e-9 || i > 200) break;
    const x = round2(LABEL_W + xOf(scale, t));
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${AXIS_H - 4}" y2="${height - 4}"/><text x="${x}" y="${AXIS_H - 8}">${t.toFixed(decimals)} s</text>`);
  }
  parts.push('</g>');
  return parts.join('');
}

/** A round tick step giving about ten ticks. */
export function tickStep(range: number): number {
  if (!(range > 0)) return 1;
  const raw = range / 10;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const factor of [1, 2, 5, 10]) if (factor * power >= raw) return factor * power;
  return 10 * power;
}

function renderEventsRow(markers: Marker[], scale: Scale): string {
  const parts = [`<g class="events"><text class="row-title" x="4" y="${AXIS_H + 16}">events</text>`];
  const events = drawMarkers(markers.filter((marker) => marker.kind === 'event' || marker.kind === 'anomaly' || marker.kind === 'garp'), scale);
  // Labels go on the first of two lines where they do not run into the previous one.
  const labelEnds = [-Infinity, -Infinity];
  for (const marker of events) {
    const x = round2(LABEL_W + marker.x);
    parts.push(markerElement(marker, x, AXIS_H + 12));
    if (marker.kind !== 'event') continue;
    const label = marker.count > 1 ? `${marker.labels[0]} (+${marker.count - 1})` : marker.labels[0];
    const line = labelEnds.findIndex((end) => x + 7 > end);
    if (line < 0) continue;
    parts.push(`<text class="event-label" x="${round2(x + 7)}" y="${AXIS_H + 16 + line * 12}">${esc(label)}</text>`);
    labelEnds[line] = x + 7 + label.length * CHAR_W + 8;
  }
  const others = markers.filter((m) => m.kind !== 'event' && m.kind !== 'anomaly' && m.kind !== 'garp');
  if (others.length > 0) parts.push(`<text class="row-title" x="4" y="${AXIS_H + 44}">services</text>`);
  for (const marker of drawMarkers(others, scale)) parts.push(markerElement(marker, round2(LABEL_W + marker.x), AXIS_H + 40));
  parts.push('</g>');
  return parts.join('');
}

function renderPriorityChart(lanes: Lane[], scale: Scale, top: number, hostColour: Map<string, string>): string {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.NEGATIVE_INFINITY;
  for (const lane of lanes) {
    for (const point of lane.priorities) {
      if (point.priority === null) continue;
      if (point.priority < low) low = point.priority;
      if (point.priority > high) high = point.priority;
    }
  }
  const parts = [`<g class="priorities">`];
  parts.push(`<rect class="chart-bg" x="${LABEL_W}" y="${top + 2}" width="${PLOT_W}" height="${PRIORITY_H - 6}"/>`);
  if (low > high) {
    parts.push(`<text class="row-title" x="4" y="${top + PRIORITY_H / 2}">no priorities seen</text></g>`);
    return parts.join('');
  }
  if (low === high) [low, high] = [low - 1, high + 1];
  const innerTop = top + 8;
  const innerH = PRIORITY_H - 18;
  const yOf = (priority: number) => innerTop + ((high - priority) / (high - low)) * innerH;
  parts.push(`<text class="row-title" x="4" y="${top + 28}">priority</text>`);
  parts.push(`<text class="tick-label" x="${LABEL_W - 6}" y="${round2(yOf(high) + 4)}">${high}</text>`);
  parts.push(`<text class="tick-label" x="${LABEL_W - 6}" y="${round2(yOf(low) + 4)}">${low}</text>`);
  for (const value of [low, high]) parts.push(`<line class="pgrid" x1="${LABEL_W}" x2="${LABEL_W + PLOT_W}" y1="${round2(yOf(value))}" y2="${round2(yOf(value))}"/>`);
  // Lanes later in the list are drawn slightly offset so equal priorities stay distinguishable.
  lanes.forEach((lane, index) => {
    const offset = index * 1.5;
    const drawn = drawPriorities(lane.priorities, scale, (priority) => yOf(priority) + offset);
    const colour = hostColour.get(lane.host) ?? '#333';
    parts.push(`<g transform="translate(${LABEL_W} 0)" data-priority-lane="${esc(lane.id)}">`);
    parts.push(`<path class="pline" d="${drawn.path}" stroke="${colour}"/>`);
    for (const column of drawn.columns) {
      const from = column.before === null ? '' : `${column.before} → `;
      const tip =
        column.changes > 1
          ? `${lane.id} priority ${column.min}…${column.max} (${column.changes} changes) ${formatSeconds(column.from)}–${formatSeconds(column.to)} s, then ${column.last}`
          : `${lane.id} priority ${from}${column.last} at ${formatSeconds(column.from)} s`;
      parts.push(`<circle class="pdot" cx="${round2(column.x)}" cy="${round2(yOf(column.last) + offset)}" r="2.5" fill="${colour}" data-tip="${esc(tip)}"/>`);
    }
    parts.push('</g>');
  });
  parts.push('</g>');
  return parts.join('');
}

function renderLane(lane: Lane, scale: Scale, top: number, hostColour: Map<string, string>, markers: Marker[]): string {
  const parts = [`<g class="lane" data-lane="${esc(lane.id)}">`];
  const colour = hostColour.get(lane.host) ?? '#333';
  parts.push(`<rect x="4" y="${top + 6}" width="4" height="12" fill="${colour}"/>`);
  parts.push(`<text class="lane-label" x="12" y="${top + 16}"><tspan class="host">${esc(lane.host)}</tspan> <tspan class="inst">${esc(lane.instance)}</tspan></text>`);
  parts.push(`<rect class="lane-bg" x="${LABEL_W}" y="${top + 4}" width="${PLOT_W}" height="14"/>`);
  for (const span of drawSpans(lane.spans, scale)) {
    const tip =
      span.merged > 1
        ? `${lane.id}: ${span.merged} states in ${formatSeconds(span.from)}–${formatSeconds(span.to)} s, mostly ${span.state}`
        : `${lane.id} ${span.state} ${formatSeconds(span.from)}–${formatSeconds(span.to)} s (${formatSeconds(span.to - span.from)} s)${span.note === undefined ? '' : `, ${span.note}`}`;
    const fill = span.state === 'UNKNOWN' ? 'url(#unknown)' : STATE_COLOURS[span.state];
    parts.push(
      `<rect class="span" data-state="${span.state}"${span.merged > 1 ? ` data-merged="${span.merged}"` : ''} x="${round2(LABEL_W + span.x0)}" y="${top + 4}" width="${round2(span.x1 - span.x0)}" height="14" fill="${fill}" data-tip="${esc(tip)}"/>`,
    );
  }
  for (const hold of drawSpans(lane.holds.map((h) => ({ from: h.from, to: h.to, state: 'MASTER' as const, note: h.label })), scale)) {
    const tip = `${lane.id} holds ${hold.note ?? 'its VIPs'} ${formatSeconds(hold.from)}–${formatSeconds(hold.to)} s`;
    parts.push(`<rect class="hold" x="${round2(LABEL_W + hold.x0)}" y="${top + 19}" width="${round2(hold.x1 - hold.x0)}" height="3" data-tip="${esc(tip)}"/>`);
  }
  for (const marker of drawMarkers(markers, scale)) {
    const x = round2(LABEL_W + marker.x);
    if (marker.x1 !== undefined) {
      parts.push(
        `<g class="marker" data-marker-kind="${marker.kind}" data-tip="${esc(describeMarker(marker))}"><rect class="mk-span mk-${marker.kind}" x="${x}" y="${top + 3}" width="${round2(marker.x1 - marker.x)}" height="16"/></g>`,
      );
    } else parts.push(markerElement(marker, x, marker.kind === 'notify' ? top + 4 : marker.kind === 'resign' ? top + 11 : top + 18));
  }
  parts.push('</g>');
  return parts.join('');
}

function markerElement(marker: DrawnMarker, x: number, y: number): string {
  const count = marker.count > 1 ? ` data-count="${marker.count}"` : '';
  const tone = marker.tone === undefined ? '' : ` tone-${marker.tone}`;
  return `<g class="marker${tone}" data-marker-kind="${marker.kind}"${count} data-tip="${esc(describeMarker(marker))}">${markerGlyph(marker.kind, x, y)}</g>`;
}

function markerGlyph(kind: MarkerKind, x: number, y: number): string {
  const p = (dx: number, dy: number) => `${round2(x + dx)},${round2(y + dy)}`;
  switch (kind) {
    case 'event':
      return `<path class="mk-event" d="M${p(-5, -5)}L${p(5, -5)}L${p(0, 4)}Z"/>`;
    case 'service':
      return `<circle class="mk-service" cx="${x}" cy="${y}" r="4"/>`;
    case 'notify':
      return `<path class="mk-notify" d="M${p(0, -4.5)}L${p(4, 0)}L${p(0, 4.5)}L${p(-4, 0)}Z"/>`;
    case 'resign':
      return `<path class="mk-resign" d="M${p(-3.5, -3.5)}L${p(3.5, 3.5)}M${p(3.5, -3.5)}L${p(-3.5, 3.5)}"/>`;
    case 'garp':
      return `<path class="mk-garp" d="M${p(-4, 3)}L${p(4, 3)}L${p(0, -4)}Z"/>`;
    case 'anomaly':
      return `<path class="mk-anomaly" d="M${p(0, -5)}L${p(5, 4)}L${p(-5, 4)}Z"/>`;
    case 'gap':
      return `<rect class="mk-gap" x="${round2(x - 5)}" y="${round2(y - 4)}" width="10" height="8"/>`;
    case 'finding':
      return `<rect class="mk-finding" x="${round2(x - 6)}" y="${round2(y - 4)}" width="12" height="8" rx="2"/>`;
  }
}

/** Findings packed into rows so overlapping ones do not cover each other. */
function packRows(findings: Marker[], scale: Scale): Marker[][] {
  const rows: { end: number; markers: Marker[] }[] = [];
  for (const finding of [...findings].sort((a, b) => a.at - b.at)) {
    const x0 = xOf(scale, finding.at);
    const width = Math.max(xOf(scale, finding.to ?? finding.at) - x0, 3);
    const labelEnd = x0 + width + 4;
    const row = rows.find((candidate) => candidate.end <= x0);
    if (row !== undefined) {
      row.end = labelEnd;
      row.markers.push(finding);
    } else rows.push({ end: labelEnd, markers: [finding] });
  }
  return rows.map((row) => row.markers);
}

function renderFindings(rows: Marker[][], scale: Scale, top: number, laneY: Map<string, number>): string {
  if (rows.length === 0) return '';
  const parts = [`<g class="findings"><text class="row-title" x="4" y="${top + 13}">findings</text>`];
  rows.forEach((row, index) => {
    const y = top + index * FINDING_H;
    for (const finding of row) {
      const x0 = xOf(scale, finding.at);
      const x1 = Math.max(xOf(scale, finding.to ?? finding.at), x0 + 3);
      const tip = `${finding.label}\n${formatSeconds(finding.at)}–${formatSeconds(finding.to ?? finding.at)} s`;
      const width = round2(x1 - x0);
      const kindText = finding.label.split(':')[0];
      const fits = kindText.length * CHAR_W + 8 <= x1 - x0;
      parts.push(`<g class="marker" data-marker-kind="finding" data-tip="${esc(tip)}">`);
      parts.push(`<rect class="mk-finding" x="${round2(LABEL_W + x0)}" y="${y + 2}" width="${width}" height="${FINDING_H - 4}" rx="3"/>`);
      if (fits) parts.push(`<text class="finding-label" x="${round2(LABEL_W + x0 + 4)}" y="${y + 13}">${esc(kindText)}</text>`);
      // Outline the lanes it concerns over the same time.
      for (const lane of finding.lanes ?? []) {
        const ly = laneY.get(lane);
        if (ly === undefined) continue;
        parts.push(`<rect class="finding-outline" x="${round2(LABEL_W + x0)}" y="${ly + 2}" width="${width}" height="21"/>`);
      }
      parts.push('</g>');
    }
  });
  parts.push('</g>');
  return parts.join('');
}

function esc(text: string): string {
  return text.replace(/[&<>"\n]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#10;'));
}

const CSS = `
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1f2328;background:#fafbfc}
body{margin:16px 24px}
h1{font-size:20px;margin:0 0 8px}
h2{font-size:16px;margin:8px 0 2px}
.sub{margin:0 0 6px;color:#57606a;font-size:13px}
.legend{display:flex;flex-wrap:wrap;gap:4px 16px;list-style:none;padding:8px 12px;margin:0 0 4px;background:#fff;border:1px solid #d8dee4;border-radius:6px;font-size:12.5px}
.legend li{display:flex;align-items:center;gap:6px}
.sw{display:inline-block;width:18px;height:11px;border-radius:2px}
.sw.line{height:3px}
.sw.hold{height:3px;background:#1f2328}
.state-MASTER{background:${STATE_COLOURS.MASTER}}.state-BACKUP{background:${STATE_COLOURS.BACKUP}}.state-FAULT{background:${STATE_COLOURS.FAULT}}.state-DOWN{background:${STATE_COLOURS.DOWN}}
.state-UNKNOWN{background:repeating-linear-gradient(45deg,${STATE_COLOURS.UNKNOWN} 0 3px,#cfd3d9 3px 5px)}
.timeline{background:#fff;border:1px solid #d8dee4;border-radius:6px;padding:4px 12px 8px;margin:12px 0;overflow-x:auto}
svg.chart{display:block;max-width:100%;height:auto;font-size:11px}
.axis text{fill:#57606a;text-anchor:middle}
.grid{stroke:#eef0f3}
.row-title{fill:#57606a;font-style:italic}
.group-title{font-weight:600;font-size:12px;fill:#1f2328}
.tick-label{fill:#8c959f;text-anchor:end;font-size:10px}
.chart-bg{fill:#f6f8fa}
.pgrid{stroke:#d8dee4;stroke-dasharray:2 3}
.pline{fill:none;stroke-width:1.8;stroke-linejoin:round}
.pdot{stroke:#fff;stroke-width:.8}
.lane-label .host{font-weight:600}.lane-label .inst{fill:#57606a}
.lane-bg{fill:#f6f8fa}
.span{shape-rendering:crispEdges}
.hold{fill:#1f2328}
.event-line{stroke:#8c959f;stroke-dasharray:3 3}
.event-label{fill:#1f2328;font-size:10.5px}
.mk-event{fill:#1f2328}
.mk-service{fill:#fff;stroke:#1f2328;stroke-width:1.5}
.mk-notify{fill:#f2cc0c;stroke:#7a5c00;stroke-width:1}
.tone-bad .mk-service{fill:#d9473f;stroke:#7d1d18}.tone-good .mk-service{fill:#2f9e5a;stroke:#1b5e36}
.mk-span.mk-anomaly{fill:rgba(217,71,63,.25);stroke:#d9473f}
.mk-garp{fill:#e07b12}
.mk-resign{stroke:#1f2328;stroke-width:2;fill:none}
.mk-anomaly{fill:#d9473f;stroke:#7d1d18}
.mk-gap{fill:none;stroke:#d9473f;stroke-width:1.5;stroke-dasharray:3 2}
.mk-span.mk-gap{fill:rgba(217,71,63,.18)}
.mk-finding{fill:#f7d8a8;stroke:#c77700;stroke-width:1}
.finding-label{fill:#6b3d00;font-size:10.5px;pointer-events:none}
.finding-outline{fill:none;stroke:#c77700;stroke-width:1.5;stroke-dasharray:5 3;pointer-events:none}
.marker{cursor:default}
.cursor{stroke:#1f2328;stroke-opacity:.35;pointer-events:none}
.notes{font-size:12.5px;margin:4px 0 0;padding-left:18px;color:#24292f}
#tip{position:fixed;z-index:10;pointer-events:none;white-space:pre;background:#1f2328;color:#fff;font-size:12px;line-height:1.35;padding:5px 8px;border-radius:4px;max-width:60ch;box-shadow:0 2px 8px rgba(0,0,0,.25)}
`.trim();

const SCRIPT = `
(function(){
var tip=document.getElementById('tip');
document.addEventListener('mousemove',function(e){
  var t=e.target,text='',svg=t.closest?t.closest('svg.chart'):null;
  if(svg){
    var cur=svg.querySelector('.cursor'),p=svg.createSVGPoint();p.x=e.clientX;p.y=e.clientY;
    var q=p.matrixTransform(svg.getScreenCTM().inverse()),x0=+svg.dataset.x0,pw=+svg.dataset.pw;
    if(q.x>=x0&&q.x<=x0+pw){
      var s=+svg.dataset.start,en=+svg.dataset.end;text='t = '+(s+(q.x-x0)/pw*(en-s)).toFixed(3)+' s';
      cur.setAttribute('x1',q.x);cur.setAttribute('x2',q.x);cur.setAttribute('visibility','visible');
    }else cur.setAttribute('visibility','hidden');
  }
  var el=t.closest?t.closest('[data-tip]'):null;
  if(el)text=el.getAttribute('data-tip')+(text?'\\n'+text:'');
  if(!text){tip.hidden=true;return;}
  tip.textContent=text;tip.hidden=false;
  var r=tip.getBoundingClientRect(),x=e.clientX+14,y=e.clientY+14;
  if(x+r.width>innerWidth)x=e.clientX-r.width-10;
  if(y+r.height>innerHeight)y=e.clientY-r.height-10;
  tip.style.left=x+'px';tip.style.top=y+'px';
});
})();
`.trim();
