/** Human-readable replay timeline: one line per record, like a log. */
import type { ReplayRecord } from './records.js';

function clock(ts: number): string {
  const d = new Date(ts * 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

function vridText(r: { vrid: number; family?: 6 }): string {
  return `VRID ${r.vrid}${r.family === 6 ? ' (IPv6)' : ''}`;
}

/** Lines for a whole record list; `start` (epoch s) is the origin of the relative times. */
export function formatTimeline(records: readonly ReplayRecord[], start: number | null): string[] {
  const origin = start ?? 0;
  const at = (ts: number) => `${clock(ts)} +${(ts - origin).toFixed(3).padStart(8)}s`;
  const lines: string[] = [];
  for (const r of records) {
    switch (r.type) {
      case 'problem':
        lines.push(`capture problem at byte ${r.fileOffset}: ${r.message}`);
        break;
      case 'transition':
        lines.push(
          r.from === null
            ? `${at(r.ts)}  ${vridText(r)}  ${r.to} is master (priority ${r.priority})`
            : `${at(r.ts)}  ${vridText(r)}  ${r.to} takes over from ${r.from} (priority ${r.priority}; old master ${r.reason})`,
        );
        break;
      case 'gap':
        lines.push(`${at(r.firstNew)}  ${vridText(r)}  failover gap ${r.seconds.toFixed(3)} s (last advert of ${r.from} -> first of ${r.to})`);
        break;
      case 'master':
        break; // spans are listed in the summary
      case 'priority':
        lines.push(`${at(r.ts)}  ${vridText(r)}  ${r.src} priority ${r.from} -> ${r.to}`);
        break;
      case 'resign':
        lines.push(`${at(r.ts)}  ${vridText(r)}  ${r.src} resigns (priority 0)`);
        break;
      case 'garp':
        lines.push(
          `${at(r.ts)}  gratuitous ARP x${r.count} for ${r.ip} from ${r.mac}${r.src ? ` (${r.src})` : ''}` +
            (r.vrids.length ? ` [VRID ${r.vrids.join(', ')}]` : ' [no VRID advertises it]'),
        );
        break;
      case 'anomaly':
        lines.push(`${at(r.ts)}  ${r.vrid === undefined ? '' : `${vridText({ vrid: r.vrid, family: r.family })}  `}ANOMALY ${r.kind}: ${r.detail}`);
        break;
      case 'summary':
      case 'capture':
        break;
    }
  }
  const summaries = records.filter((r) => r.type === 'summary');
  if (summaries.length > 0) lines.push('', 'Masters:');
  for (const s of summaries) {
    if (s.type !== 'summary') continue;
    const spans = records.filter((r) => r.type === 'master' && r.vrid === s.vrid && r.family === s.family);
    lines.push(`  ${vridText(s)}: ${s.adverts} adverts from ${s.sources.map((x) => `${x.src} (${x.adverts}, priorities ${x.priorities.join('/')})`).join(', ')}`);
    for (const m of spans) {
      if (m.type !== 'master') continue;
      lines.push(`    ${clock(m.from)} .. ${clock(m.to)}  ${m.src} (priority ${m.priority}, ${m.adverts} adverts, ${(m.to - m.from).toFixed(1)} s, ended: ${m.end})`);
    }
    const anomalies = Object.entries(s.anomalies);
    if (anomalies.length) lines.push(`    anomalies: ${anomalies.map(([k, n]) => `${k} x${n}`).join(', ')}`);
  }
  const total = records.find((r) => r.type === 'capture');
  if (total?.type === 'capture') {
    lines.push(
      '',
      `${total.frames} frames: ${total.adverts} VRRP adverts, ${total.arp} ARP (${total.garps} gratuitous), ${total.other} other` +
        (total.problems ? `, ${total.problems} capture problem(s)` : ''),
    );
  }
  return lines;
}
