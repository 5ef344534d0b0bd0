/**
 * A simulation against a lab run of the same scenario: per host and instance, the state changes
 * keepalived logged against those the simulator made, in order, each within a tolerance; then the
 * VIPs each host held at the end. The first disagreement in time is the divergence, explained:
 * which host and instance, what the simulator did, what the real host did, and when.
 *
 * Transitions keepalived neither logs nor notifies (the simulator's `silent` FAULT while a first
 * script result is awaited) are left out on both sides.
 */
import type { VrrpState } from '../engine/types.js';
import type { SimulationResult } from '../sim/run.js';

export interface Divergence {
  host: string;
  instance?: string;
  /** Seconds: when the two first differ (the earlier of the two events). */
  t: number;
  expected: string;
  seen: string;
  message: string;
  /**
   * Which change of which instance differed, and how (`B/VI_1#2:MASTER>MASTER~` for a time apart,
   * `…:MASTER>BACKUP` for another state): the same point in two comparisons has the same key.
   */
  key: string;
}

export interface Comparison {
  divergences: Divergence[];
  /** Transitions matched on both sides within the tolerance. */
  matched: number;
  /** Largest time difference among the matched transitions, seconds. */
  largestErrorS: number;
}

interface Change {
  t: number;
  to: VrrpState;
}

function changes(result: SimulationResult): Map<string, Change[]> {
  const byInstance = new Map<string, Change[]>();
  for (const record of result.records) {
    if (record.type !== 'transition' || record.silent === true) continue;
    const key = `${record.host}/${record.instance}`;
    const list = byInstance.get(key) ?? [];
    byInstance.set(key, list);
    // An instance that is stopped and goes through INIT again shows only where it lands.
    if (list.length > 0 && list[list.length - 1].to === record.to) continue;
    list.push({ t: record.t, to: record.to });
  }
  return byInstance;
}

const seconds = (t: number): string => `${t.toFixed(3)} s`;

/** `toleranceMs`: how far apart in time one state change may be on the two sides (default 500 ms). */
export function compareRuns(simulated: SimulationResult, real: SimulationResult, options: { toleranceMs?: number; realName?: string } = {}): Comparison {
  const tolerance = (options.toleranceMs ?? 500) / 1000;
  const realName = options.realName ?? 'keepalived';
  const expected = changes(simulated);
  const seen = changes(real);
  const divergences: Divergence[] = [];
  let matched = 0;
  let largestErrorS = 0;
  for (const key of [...new Set([...expected.keys(), ...seen.keys()])].sort()) {
    const [host, instance] = key.split('/');
    const a = expected.get(key) ?? [];
    const b = seen.get(key) ?? [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      const sim = a[i];
      const lab = b[i];
      if (sim !== undefined && lab !== undefined && sim.to === lab.to && Math.abs(sim.t - lab.t) <= tolerance) {
        matched++;
        largestErrorS = Math.max(largestErrorS, Math.abs(sim.t - lab.t));
        continue;
      }
      const before = i > 0 ? (b[i - 1]?.to ?? a[i - 1]?.to) : undefined;
      const expectedText = sim !== undefined ? `${sim.to} at ${seconds(sim.t)}` : `no further change${before !== undefined ? ` (stays ${before})` : ''}`;
      const seenText = lab !== undefined ? `${lab.to} at ${seconds(lab.t)}` : `no further change${before !== undefined ? ` (stays ${before})` : ''}`;
      const t = Math.min(sim?.t ?? Number.POSITIVE_INFINITY, lab?.t ?? Number.POSITIVE_INFINITY);
      const sameState = sim !== undefined && lab !== undefined && sim.to === lab.to;
      const why = sameState ? ` (${Math.round(Math.abs(sim.t - lab.t) * 1000)} ms apart, tolerance ${Math.round(tolerance * 1000)} ms)` : '';
      divergences.push({
        host, instance, t, expected: expectedText, seen: seenText, key: `${key}#${i}:${sim?.to ?? '-'}>${lab?.to ?? '-'}${sameState ? '~' : ''}`,
        message: `${host} ${instance}: simulate entered ${expectedText}, ${realName} ${lab !== undefined ? `entered ${seenText}` : seenText}${why}`,
      });
      // The same state at another time: the sequences still line up, so the rest is compared too.
      // Another state: what follows cannot be paired, and this instance's comparison ends here.
      if (!sameState) break;
    }
  }
  const end = simulated.scenario.durationMs / 1000;
  for (const host of Object.keys(simulated.vips).sort()) {
    const want = (simulated.vips[host] ?? []).join(' ');
    const got = (real.vips[host] ?? []).join(' ');
    if (want === got) continue;
    divergences.push({
      host, t: end, expected: want || '-', seen: got || '-', key: `${host}:vips`,
      message: `${host}: at the end simulate holds ${want || 'no VIP'}, ${realName} holds ${got || 'no VIP'}`,
    });
  }
  divergences.sort((x, y) => x.t - y.t || x.host.localeCompare(y.host));
  return { divergences, matched, largestErrorS };
}

/** The comparison in a few lines for people. */
export function formatComparison(comparison: Comparison, realName = 'keepalived'): string {
  const lines = [`Compared with simulate: ${comparison.matched} state changes matched (largest time difference ${Math.round(comparison.largestErrorS * 1000)} ms).`];
  if (comparison.divergences.length === 0) lines.push(`No divergence: simulate and ${realName} agree.`);
  else {
    const [first, ...rest] = comparison.divergences;
    lines.push(`First divergence at ${seconds(first.t)}: ${first.message}`);
    for (const other of rest) lines.push(`  also at ${seconds(other.t)}: ${other.message}`);
  }
  return `${lines.join('\n')}\n`;
}
