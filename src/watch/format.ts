/**
 * What `vrrplab watch` prints: JSON lines (one per master change and per alert raised or
 * cleared), plain timestamped lines, and the terminal view (a table, one line per VRID, with the
 * alerts below). Pure: text from values.
 */
import type { Watcher, WatchEvent } from './watcher.js';

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function vridName(family: 4 | 6, vrid: number): string {
  return family === 6 ? `VRID ${vrid} (IPv6)` : `VRID ${vrid}`;
}

/** One JSON line: times in epoch seconds (`at`: when watch knew it, `since`: when it happened or was raised). */
export function jsonLine(e: WatchEvent): string {
  if (e.type === 'master') {
    return JSON.stringify({ type: 'master', iface: e.iface, vrid: e.vrid, family: e.family, at: e.atMs / 1000, since: e.sinceMs / 1000, from: e.from, to: e.to, priority: e.priority, reason: e.reason });
  }
  return JSON.stringify({ type: 'alert', action: e.action, kind: e.kind, iface: e.iface, vrid: e.vrid, family: e.family, at: e.atMs / 1000, since: e.sinceMs / 1000, evidence: e.evidence });
}

export function textLine(e: WatchEvent): string {
  if (e.type === 'master') {
    const what =
      e.from === null
        ? `${e.to} is master (priority ${e.priority})`
        : e.reason === 'another-group'
          ? `${e.to} advertises as master too (priority ${e.priority}), in adverts ${e.from} rejects, since ${stamp(e.sinceMs)}`
          : `${e.to} took over from ${e.from} (priority ${e.priority}, ${e.reason}) at ${stamp(e.sinceMs)}`;
    return `${stamp(e.atMs)}  ${e.iface}  ${vridName(e.family, e.vrid)}  ${what}`;
  }
  return `${stamp(e.atMs)}  ${e.iface}  ${vridName(e.family, e.vrid)}  ALERT ${e.kind} ${e.action}: ${e.evidence}`;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}

/** The terminal view at `nowMs`: a table of VRIDs, then the active alerts and the last cleared ones. */
export function view(w: Watcher, nowMs: number, header: string, maxRows = 40): string[] {
  const rows = w.table(nowMs);
  const lines = [header, `${'IFACE'.padEnd(10)} ${'VRID'.padEnd(9)} ${'MASTER'.padEnd(26)} ${'PRIO'.padStart(4)} ${'INT'.padStart(5)} ${'SINCE'.padStart(6)} ${'BACKUPS'.padStart(7)} ${'ADVERTS'.padStart(8)} ${'GARPS'.padStart(6)} ${'ERRORS'.padStart(6)}`];
  for (const r of rows.slice(0, maxRows)) {
    lines.push(
      `${w.iface.padEnd(10)} ${`${r.vrid}${r.family === 6 ? '/v6' : ''}`.padEnd(9)} ${r.master.padEnd(26)} ${r.priority.padStart(4)} ${r.interval.padStart(5)} ${(r.sinceMs === undefined ? '-' : ago(nowMs - r.sinceMs)).padStart(6)} ${String(r.backups).padStart(7)} ${String(r.adverts).padStart(8)} ${String(r.garps).padStart(6)} ${String(r.errors).padStart(6)}`,
    );
  }
  if (rows.length > maxRows) lines.push(`... ${rows.length - maxRows} more VRIDs`);
  if (rows.length === 0) lines.push('(no VRRP advert heard yet)');
  const active = w.activeAlerts();
  lines.push('', active.length === 0 ? 'No active alert.' : `${active.length} active alert${active.length === 1 ? '' : 's'}:`);
  for (const a of active) lines.push(`  ${a.kind.padEnd(13)} ${vridName(a.family, a.vrid).padEnd(16)} for ${ago(nowMs - a.sinceMs).padEnd(5)} ${a.evidence}`);
  const cleared = w.recentlyCleared().slice(-5);
  if (cleared.length > 0) {
    lines.push('Recently cleared:');
    for (const a of cleared) lines.push(`  ${a.kind.padEnd(13)} ${vridName(a.family, a.vrid).padEnd(16)} ${ago(nowMs - (a.clearedMs ?? nowMs))} ago`);
  }
  for (const note of w.notes()) lines.push(`note: ${note}`);
  return lines;
}

/** The closing summary: per VRID its master, and how many alerts of each kind were raised. */
export function summary(w: Watcher, nowMs: number, raised: ReadonlyMap<string, number>): string[] {
  const lines = [`watched ${w.packets} frames on ${w.iface}; ${w.table(nowMs).length} VRIDs`];
  for (const r of w.table(nowMs)) lines.push(`  ${vridName(r.family, r.vrid)}: master ${r.master}${r.master === '-' ? '' : ` (priority ${r.priority}, every ${r.interval})`}, ${r.adverts} adverts, ${r.garps} GARP/NA, ${r.errors} errors`);
  const malformed = Object.entries(w.malformed);
  if (malformed.length > 0) lines.push(`  malformed: ${malformed.map(([k, n]) => `${k} x${n}`).join('; ')}`);
  lines.push(raised.size === 0 ? '  alerts raised: none' : `  alerts raised: ${[...raised].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  const active = w.activeAlerts();
  if (active.length > 0) lines.push(`  still active: ${active.map((a) => `${a.kind} (${vridName(a.family, a.vrid)})`).join(', ')}`);
  for (const note of w.notes()) lines.push(`  note: ${note}`);
  return lines;
}
