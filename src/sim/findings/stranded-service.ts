import type { SimRecord } from '../cluster.js';
import type { Facts } from './facts.js';
import type { FindingContext, SimFinding } from './types.js';

/**
 * stranded-service: a service a notify script stopped and nothing started again by the end of the run. A stop in the
 * last moments of the run (less than the host's reaction time: its checks plus a takeover) may
 * still be undone, so it is not judged.
 */
export function strandedServices(records: SimRecord[], context: FindingContext, facts: Facts): SimFinding[] {
  const last = new Map<string, Extract<SimRecord, { type: 'service' }>>();
  // Hosts whose keepalived the scenario stopped (or killed) and never started again.
  const stoppedForGood = new Set<string>();
  for (const record of records) {
    if (record.type === 'service') last.set(`${record.host}\0${record.service}`, record);
    else if (record.type === 'fault' && record.host !== undefined) {
      if (record.action === 'stop' || record.action === 'kill') stoppedForGood.add(record.host);
      else if (record.action === 'start') stoppedForGood.delete(record.host);
    }
  }
  const findings: SimFinding[] = [];
  for (const record of last.values()) {
    if (record.up || !record.cause.startsWith('notify')) continue;
    if (context.endServices[record.host]?.[record.service] !== false) continue;
    const reaction = facts.checkDelay(record.host) + Math.max(0, ...facts.vridsOf(record.host).map((vrid) => facts.takeover(vrid)));
    if (facts.durationS - record.t < reaction) continue;
    const message = `${record.service} on ${record.host} was stopped by ${record.cause} at ${record.t.toFixed(3)} s and never started again`;
    // On a host taken out of the cluster for good, nothing is left for the service to serve.
    const forGood = stoppedForGood.has(record.host);
    findings.push({
      kind: 'stranded-service',
      from: record.t,
      to: context.durationMs / 1000,
      hosts: [record.host],
      instances: [],
      ...(forGood ? { byDesign: true as const } : {}),
      message: forGood ? `${message}, on a host whose keepalived the scenario stopped for good: expected` : message,
    });
  }
  return findings;
}
