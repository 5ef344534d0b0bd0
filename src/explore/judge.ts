/**
 * Whether a schedule broke the cluster. A finding is a failure when it happens with no fault in
 * force, or outlives every fault in force when it began by more than the cluster's takeover time.
 * A service a notify stopped for good is a failure whatever was injected. A master kept on a
 * failing check, or a failover slower than Master_Down_Interval, are defined against host faults
 * already: only an impaired network (partition, loss, delay) excuses them. A split brain is
 * excused only as the simulator's finding says (`byDesign`: a network fault separated the
 * masters for as long as it lasted), never by a host fault in force.
 */
import type { SimFinding } from '../sim/findings.js';
import { raceVariants, runScenario, type RaceVariant, type SimulationResult } from '../sim/run.js';
import { scheduleScenario, type Schedule } from './plan.js';
import { faultIdentity, type ExploreSpace, type Fault } from './space.js';

export interface Verdict {
  /** Kinds of the findings that count as failures, sorted, without repeats. */
  kinds: string[];
  failures: SimFinding[];
  /** Findings explained by the faults in force (e.g. a split brain during a partition). */
  excused: SimFinding[];
  /** Transition times, ms (the plan places faults right after them). */
  transitions: number[];
}

const NETWORK_FAULTS = new Set(['partition', 'loss', 'delay']);
/** Findings that host faults cannot excuse: each is already defined relative to them. */
const ALWAYS_COUNTED_ON_HOST_FAULTS = new Set(['unhealthy-master', 'slow-failover']);

export function judge(space: ExploreSpace, schedule: Schedule, result: SimulationResult): Verdict {
  const failures: SimFinding[] = [];
  const excused: SimFinding[] = [];
  for (const finding of result.findings) (excusedBy(space, schedule.faults, finding) ? excused : failures).push(finding);
  const kinds = [...new Set(failures.map((finding) => finding.kind))].sort();
  const transitions: number[] = [];
  for (const record of result.records) if (record.type === 'transition' && record.from !== 'INIT') transitions.push(Math.round(record.t * 1000));
  return { kinds, failures, excused, transitions };
}

function excusedBy(space: ExploreSpace, faults: readonly Fault[], finding: SimFinding): boolean {
  // The simulator's own judgement: a split brain only while a network fault separates them, a
  // failover gap only the injected faults explain (no host was able to take over), a service
  // stranded on a host whose keepalived was stopped for good.
  if (finding.byDesign === true) return true;
  // A split brain is excused by the simulator alone: only while a network fault separates the
  // masters. A host fault in force (a service stop, a kill) or configs that keep the masters deaf
  // to each other (a unicast_peer typo) never excuse it (issue 19).
  if (finding.kind === 'split-brain') return false;
  const fromMs = finding.from * 1000;
  const toMs = finding.to * 1000;
  const grace = space.takeoverMs;
  // The faults in force when the finding began (or that began during it).
  const involved = faults.filter((fault) => fault.at <= toMs && (fault.until === undefined || effectiveEnd(fault) + grace >= fromMs));
  // Findings defined against the faults already (a master kept on a failing check, a failover
  // slower than Master_Down_Interval) are excused only by an impaired network.
  const excusing = ALWAYS_COUNTED_ON_HOST_FAULTS.has(finding.kind) ? involved.filter((fault) => NETWORK_FAULTS.has(fault.do)) : involved;
  if (excusing.length === 0) return false;
  const lastUndo = Math.max(...excusing.map((fault) => (fault.until === undefined ? Number.POSITIVE_INFINITY : effectiveEnd(fault))));
  return toMs <= lastUndo + grace;
}

/** When a fault's effects end: a delay's last delayed packet lands `ms` after it is lifted. */
function effectiveEnd(fault: Fault): number {
  const until = fault.until ?? Number.POSITIVE_INFINITY;
  return fault.do === 'delay' ? until + fault.ms : until;
}

/** Two failures are the same when their kinds and their faults (what and where, not when) are. */
export function failureKey(kinds: readonly string[], schedule: Pick<Schedule, 'faults' | 'start'>): string {
  const what = schedule.faults.map(faultIdentity).sort();
  if (schedule.start !== undefined) what.unshift(`start:${schedule.start.order.join('>')}+${schedule.start.skewMs}ms`);
  return `${kinds.join(',')}|${what.length === 0 ? 'no fault' : what.join(' ')}`;
}

export interface Runner {
  space: ExploreSpace;
  run(schedule: Schedule): { result: SimulationResult; verdict: Verdict };
  /** The schedule again in each other outcome of keepalived's races in its run (see raceVariants), judged. */
  raceOutcomes(schedule: Schedule, result: SimulationResult): { variant: RaceVariant; verdict: Verdict }[];
}

/** Runs schedules over one space, loading each host's config once. */
export function makeRunner(space: ExploreSpace): Runner {
  const configCache = new Map(space.configs);
  const fileCache = new Map<string, string | undefined>();
  return {
    space,
    run(schedule) {
      const scenario = scheduleScenario(space, schedule);
      const outcome = runScenario(scenario, { keepLogs: false, configCache, fileCache, namesChecked: true });
      if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
      return { result: outcome.result, verdict: judge(space, schedule, outcome.result) };
    },
    raceOutcomes(schedule, result) {
      return raceVariants(result).map((variant) => {
        const outcome = runScenario(result.scenario, { keepLogs: false, configCache, fileCache, namesChecked: true, ...variant.options });
        if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
        return { variant, verdict: judge(space, schedule, outcome.result) };
      });
    },
  };
}
