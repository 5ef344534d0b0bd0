/**
 * What went wrong in a simulated run, named: computed from the run's records after the fact, so
 * the same code can judge any timeline of transitions, VIP moves, script results and service
 * changes.
 *
 * A finding blames the configuration, not the faults the timeline injected: each allows for the
 * time keepalived needs to react (a check's rise/fall x interval, Master_Down_Interval,
 * preempt_delay) and excuses what an injected fault explains. Where VRRP itself makes the outcome
 * expected under a fault (two MASTERs while a partition separates them), the finding is kept for
 * the timeline but marked `byDesign`, so that `vrrplab explore` does not count it as a failure.
 *
 * One file per kind in src/sim/findings/ (split-brain.ts, slow-failover.ts, ...), each opening
 * with its rules; facts.ts holds what the configs say (clusters, homes, takeover times), world.ts
 * the cluster as the records tell it, fault-spans.ts the injected faults. This file composes them.
 */
import type { SimRecord } from './cluster.js';
import { collectiveDrift } from './findings/collective-drift.js';
import { duplicateVips } from './findings/duplicate-vip.js';
import { configFacts } from './findings/facts.js';
import { faultSpans } from './findings/fault-spans.js';
import { flapping } from './findings/flapping.js';
import { slowFailover } from './findings/slow-failover.js';
import { splitBrain } from './findings/split-brain.js';
import { strandedServices } from './findings/stranded-service.js';
import type { FindingContext, SimFinding } from './findings/types.js';
import { unhealthyMaster } from './findings/unhealthy-master.js';
import { vridConflicts } from './findings/vrid-conflict.js';

export { SIM_FINDING_KINDS, type FindingContext, type SimFinding, type SimFindingKind } from './findings/types.js';

export function findSimulationFindings(records: SimRecord[], context: FindingContext): SimFinding[] {
  const { facts, conflicts } = configFacts(context);
  const spans = faultSpans(records, facts);
  const findings = [
    ...collectiveDrift(records, facts),
    ...splitBrain(records, facts, spans),
    ...flapping(records, facts, spans),
    ...strandedServices(records, context, facts),
    ...slowFailover(records, facts),
    ...unhealthyMaster(records, facts),
    ...duplicateVips(records, facts),
    ...vridConflicts(records, context, conflicts),
  ];
  for (const finding of findings) {
    const during = spans.filter((span) => span.from <= finding.to && span.to >= finding.from).map((span) => span.label);
    if (during.length > 0) finding.duringFaults = [...new Set(during)];
  }
  return findings.sort((a, b) => a.from - b.from || a.kind.localeCompare(b.kind));
}
