import type { SimRecord } from '../cluster.js';
import { STARTUP_S, type Facts } from './facts.js';
import type { FaultSpan } from './fault-spans.js';
import type { SimFinding } from './types.js';

/**
 * flapping: more than N state changes of one instance within the window, counting only changes that no
 * injected fault explains. A change is explained when it comes within the cluster's reaction time
 * of a fault on its own host, on a host of the same VRID, or on the network (partition, heal,
 * loss, delay; loss and delay for as long as they last): the checks' max(rise, fall) x interval
 * plus the takeover time.
 */
export function flapping(records: SimRecord[], facts: Facts, spans: readonly FaultSpan[]): SimFinding[] {
  const { transitions: limit, windowMs } = facts.flappingLimit;
  // Injected events, and each host's initialisation after a start (start-up may take a while).
  const faults = records.filter(
    (record): record is Extract<SimRecord, { type: 'fault' }> | Extract<SimRecord, { type: 'transition' }> => record.type === 'fault' || (record.type === 'transition' && record.from === 'INIT'),
  );
  const lasting = spans.filter((span) => span.label.startsWith('loss ') || span.label.startsWith('delay '));
  const explained = (record: Extract<SimRecord, { type: 'transition' }>): boolean => {
    const takeover = facts.takeover(record.vrid);
    const sharesVrid = (host: string): boolean => host === record.host || facts.instance(host, record.vrid) !== undefined;
    for (const fault of faults) {
      if (fault.t > record.t) break;
      if (fault.host !== undefined && !sharesVrid(fault.host)) continue;
      const reaction = takeover + facts.checkDelay(fault.host) + STARTUP_S;
      if (record.t <= fault.t + reaction) return true;
    }
    const reaction = takeover + facts.checkDelay(undefined);
    return lasting.some((span) => span.from <= record.t && record.t <= span.to + reaction);
  };
  const times = new Map<string, number[]>();
  for (const record of records) {
    if (record.type !== 'transition' || record.from === 'INIT' || record.to === 'STOP') continue;
    if (explained(record)) continue;
    const key = `${record.host}/${record.instance}`;
    const list = times.get(key) ?? [];
    list.push(record.t);
    times.set(key, list);
  }
  const findings: SimFinding[] = [];
  for (const [key, list] of times) {
    let start = 0;
    let worst: { from: number; to: number; count: number } | undefined;
    for (let end = 0; end < list.length; end++) {
      while ((list[end] ?? 0) - (list[start] ?? 0) > windowMs / 1000) start++;
      const count = end - start + 1;
      if (count > limit && (worst === undefined || count > worst.count)) worst = { from: list[start] ?? 0, to: list[end] ?? 0, count };
    }
    if (worst === undefined) continue;
    const [host = ''] = key.split('/');
    findings.push({
      kind: 'flapping',
      from: worst.from,
      to: worst.to,
      hosts: [host],
      instances: [key],
      message: `${key} changed state ${worst.count} times within ${(windowMs / 1000).toFixed(0)} s (more than ${limit}) with no injected fault to explain it`,
    });
  }
  return findings;
}
