/** Output of `vrrplab compare`: a readable report for humans, JSON lines for programs. */
import { describeStateAt, type CompareReport } from './capture.js';
import { keepalivedRelease } from '../config/version.js';

/** Mismatch lines shown in the readable report before "and N more". */
const MAX_MISMATCH_LINES = 40;

const secs = (ms: number): string => `${(ms / 1000).toFixed(3)} s`;

export function formatCompareReport(report: CompareReport, labels: { capture: string; config: string; events?: string }): string[] {
  const lines: string[] = [];
  const all = report.addresses.length > 0 ? report.addresses.join(', ') : report.address;
  const who = report.hostName !== undefined ? `${all} (${report.hostName})` : all;
  lines.push(`compare ${labels.capture}: host ${who} as configured in ${labels.config}, as keepalived ${keepalivedRelease(report.keepalivedVersion)}`);
  const origin = new Date(report.originEpoch * 1000).toISOString();
  lines.push(`  time 0 = ${origin} (${labels.events !== undefined ? 'the events file\'s captureStart' : 'the capture\'s first packet'}); compared up to ${secs(report.windowEndMs)}`);
  const { start } = report;
  if (start.source === 'events') {
    const how = start.fitted ? 'fitted' : 'given';
    const delays = start.delayMs.map((delay, i) => (start.unconstrained[i] === true ? `${delay} (nothing after that start depends on it)` : `${delay}`));
    lines.push(`  started at ${start.execMs.map(secs).join(', ')} (events); start-up delay ${delays.join(', ')} ms (${how}: keepalived's exec-to-running delay is not recorded)`);
  } else {
    const at = start.delayMs[0] ?? 0;
    lines.push(`  no events file: one start, at ${secs(at)} (${start.fitted ? 'fitted to the host\'s first adverts' : 'given'}); stops and restarts are not known`);
  }
  lines.push(`  scripts: ${report.scripts}`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  lines.push('');
  for (const vrid of report.vrids) {
    lines.push(`VRID ${vrid.vrid}: adverts ${vrid.matched}/${Math.max(vrid.recorded, vrid.sent)} matched (host sent ${vrid.recorded}, engine ${vrid.sent}), max timing error ${vrid.maxErrorMs.toFixed(1)} ms`);
    const states = (list: { t: number; value: Parameters<typeof describeStateAt>[0] }[]): string =>
      list.length === 0 ? 'never MASTER' : list.map((s) => describeStateAt(s.value, s.t)).join(' -> ');
    const host = states(vrid.states.recorded);
    const engine = states(vrid.states.sent);
    lines.push(`  host:   ${host}`);
    lines.push(`  engine: ${engine === host ? 'the same' : engine}`);
  }
  lines.push('');
  if (report.mismatches.length === 0) {
    lines.push('mismatches: none');
  } else {
    lines.push(`mismatches: ${report.mismatches.length}`);
    for (const mismatch of report.mismatches.slice(0, MAX_MISMATCH_LINES)) {
      lines.push(`  ${secs(mismatch.t).padStart(10)}  VRID ${mismatch.vrid}  ${mismatch.kind}: ${mismatch.reason}`);
    }
    if (report.mismatches.length > MAX_MISMATCH_LINES) lines.push(`  ... and ${report.mismatches.length - MAX_MISMATCH_LINES} more (--json lists all)`);
  }
  const verdict = report.pass ? 'PASS' : 'FAIL';
  lines.push(
    `${verdict}: adverts ${report.adverts.matched}/${report.adverts.total} matched, state changes ${report.states.matched}/${report.states.total}, ` +
      `largest timing error ${report.maxTimingErrorMs.toFixed(1)} ms (tolerance ${report.toleranceMs} ms)`,
  );
  return lines;
}

/** JSON lines: setup, one line per VRID and per advert pair, mismatches, warnings, then a summary. Times are ms after `originEpoch`. */
export function compareReportJsonLines(report: CompareReport): string[] {
  const round = (ms: number): number => Math.round(ms * 1000) / 1000;
  const out: unknown[] = [];
  out.push({
    type: 'setup',
    address: report.address,
    addresses: report.addresses,
    host: report.hostName ?? null,
    originEpoch: report.originEpoch,
    keepalivedVersion: keepalivedRelease(report.keepalivedVersion),
    windowEndMs: round(report.windowEndMs),
    start: { source: report.start.source, execMs: report.start.execMs.map(round), delayMs: report.start.delayMs, fitted: report.start.fitted, unconstrained: report.start.unconstrained },
    scripts: report.scripts,
    toleranceMs: report.toleranceMs,
  });
  for (const warning of report.warnings) out.push({ type: 'warning', message: warning });
  for (const vrid of report.vrids) {
    out.push({
      type: 'vrid',
      vrid: vrid.vrid,
      recorded: vrid.recorded,
      sent: vrid.sent,
      matched: vrid.matched,
      maxErrorMs: round(vrid.maxErrorMs),
      states: {
        recorded: vrid.states.recorded.map((s) => ({ t: round(s.t), state: s.value })),
        sent: vrid.states.sent.map((s) => ({ t: round(s.t), state: s.value })),
      },
    });
  }
  for (const pair of report.pairs) {
    out.push({
      type: 'advert',
      vrid: pair.vrid,
      recorded: pair.recorded === undefined ? null : { t: round(pair.recorded.t), priority: pair.recorded.priority },
      sent: pair.sent === undefined ? null : { t: round(pair.sent.t), priority: pair.sent.priority },
      errorMs: pair.errorMs === undefined ? null : round(pair.errorMs),
    });
  }
  for (const mismatch of report.mismatches) out.push({ type: 'mismatch', t: round(mismatch.t), vrid: mismatch.vrid, kind: mismatch.kind, reason: mismatch.reason });
  out.push({
    type: 'summary',
    pass: report.pass,
    adverts: { ...report.adverts, maxErrorMs: round(report.adverts.maxErrorMs) },
    states: { ...report.states, maxErrorMs: round(report.states.maxErrorMs) },
    mismatches: report.mismatches.length,
    maxTimingErrorMs: round(report.maxTimingErrorMs),
    toleranceMs: report.toleranceMs,
    startDelayMs: report.start.delayMs,
    startDelayFitted: report.start.fitted,
  });
  return out.map((record) => JSON.stringify(record));
}
