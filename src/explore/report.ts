/**
 * What explore hands back: each failure as a scenario `vrrplab simulate` replays from any
 * directory (host paths absolute), as text for people and as JSON lines for programs.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import type { SimFinding } from '../sim/findings.js';
import { formatFindings } from '../sim/format.js';
import type { CheckModel, Scenario, TimelineEntry } from '../sim/scenario.js';
import type { ExploreResult, ExploreSummary } from './explore.js';
import type { RaceOutcome, Shrunk } from './explorer.js';
import type { Schedule } from './plan.js';
import { describeFault, type Fault } from './space.js';

/** A failure as written out: its kinds, faults, findings and the scenario that replays it. */
export interface FailureReport {
  name: string;
  kinds: string[];
  faults: Fault[];
  start?: { order: string[]; skewMs: number };
  findings: SimFinding[];
  /** The base scenario had a timeline of its own, which every schedule starts with. */
  prefix: boolean;
  yaml: string;
  /** The schedule it was found as: its number and key (`explore merge` needs them). */
  origin: { schedule: number; phase: string; key: string };
  /** A race of keepalived's: the other outcomes, in which it does not fail with every kind found. */
  races?: RaceOutcome[];
  /** Other start orders failing alike (same kinds, same faults). */
  alike?: string[][];
}

export function failureReports(result: ExploreResult, scenarioOf: (schedule: Schedule) => Scenario, prefix = false): FailureReport[] {
  return result.failures.map((failure, i) => {
    const name = failureName(i, failure);
    const scenario = scenarioOf(failure.schedule);
    return {
      name,
      kinds: failure.kinds,
      faults: failure.schedule.faults,
      ...(failure.schedule.start !== undefined ? { start: failure.schedule.start } : {}),
      findings: failure.findings,
      prefix,
      yaml: scenarioYaml({ ...scenario, name }, failure, prefix),
      origin: { schedule: failure.origin.index, phase: failure.origin.phase, key: failure.origin.key },
      ...(failure.races !== undefined ? { races: failure.races } : {}),
      ...(failure.alike !== undefined ? { alike: failure.alike } : {}),
    };
  });
}

function failureName(index: number, failure: Shrunk): string {
  const what = failure.schedule.faults.map((fault) => ('host' in fault ? `${fault.host}-${fault.do}` : fault.do));
  if (failure.schedule.start !== undefined) what.unshift(`start-${failure.schedule.start.order.join('')}`);
  if (what.length === 0) what.push('no-fault');
  return `${String(index + 1).padStart(2, '0')}-${what.join('-')}`.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

/** A scenario file `vrrplab simulate` reads back to the same run. */
export function scenarioYaml(scenario: Scenario, failure: Pick<Shrunk, 'kinds' | 'schedule'>, prefix = false, headerLines?: readonly string[]): string {
  const hosts: Record<string, Record<string, string | boolean>> = {};
  for (const host of scenario.hosts) {
    const spec: Record<string, string | boolean> = {};
    if (host.root !== undefined) {
      spec['root'] = path.resolve(host.root);
      if (host.configPath !== '/etc/keepalived/keepalived.conf') spec['config'] = host.configPath;
    } else spec['config'] = path.resolve(scenario.directory, host.configPath);
    spec['address'] = host.address;
    if (host.address6 !== undefined) spec['address6'] = host.address6;
    if (host.processEvents === false) spec['process-events'] = false;
    // A host the timeline never starts (a rollout's new host before its step, or one left down) stays down.
    if (!scenario.timeline.some((entry) => (entry.do === 'start' || entry.do === 'restart') && entry.host === host.name)) spec['stopped'] = true;
    if (host.clockOffsetMs !== undefined) spec['clock'] = `${host.clockOffsetMs >= 0 ? '+' : '-'}${Math.abs(host.clockOffsetMs) / 1000}s`;
    hosts[host.name] = spec;
  }
  const document: Record<string, unknown> = {
    name: scenario.name,
    duration: `${scenario.durationMs / 1000}s`,
    scripts: scenario.scripts,
    seed: scenario.seed ?? 1,
    ...(scenario.startJitter === true ? { 'start-jitter': true } : {}),
    ...(scenario.keepalivedVersion !== undefined ? { 'keepalived-version': scenario.keepalivedVersion } : {}),
    hosts,
  };
  const services = Object.entries(scenario.services).filter(([, states]) => Object.keys(states).length > 0);
  if (services.length > 0) document['services'] = Object.fromEntries(services.map(([host, states]) => [host, Object.fromEntries(Object.entries(states).map(([service, up]) => [service, up ? 'up' : 'down']))]));
  if (Object.keys(scenario.checks).length > 0) document['checks'] = Object.fromEntries(Object.entries(scenario.checks).map(([name, model]) => [name, checkYaml(model)]));
  if (Object.keys(scenario.notify).length > 0) {
    document['notify'] = Object.fromEntries(Object.entries(scenario.notify).map(([state, effects]) => [state, (effects ?? []).map((effect) => `${effect.action} ${effect.service}`)]));
  }
  if (scenario.flapping.transitions !== 4 || scenario.flapping.windowMs !== 60_000) {
    document['findings'] = { flapping: { transitions: scenario.flapping.transitions, window: `${scenario.flapping.windowMs / 1000}s` } };
  }
  const header = headerLines ?? [
    `# Found by vrrplab explore: ${failure.kinds.join(', ')}`,
    ...describeSchedule(failure.schedule, prefix).map((line) => `#   ${line}`),
    `# Reproduce: vrrplab simulate THIS_FILE`,
  ];
  const body = stringify(document, { lineWidth: 0 });
  const timeline = scenario.timeline.map((entry) => `  - ${flowEntry(entry)}`).join('\n');
  return `${header.join('\n')}\n${body}timeline:\n${timeline}\n`;
}

function checkYaml(model: CheckModel): Record<string, string | number> {
  switch (model.kind) {
    case 'service':
      return { service: model.service };
    case 'file-absent':
      return { 'file-absent': model.path };
    case 'file-present':
      return { 'file-present': model.path };
    case 'exit':
      return { exit: model.code };
  }
}

/** One timeline entry as a YAML flow mapping, `at` first, in seconds. */
export function flowEntry(entry: TimelineEntry): string {
  if (entry.do === 'reload' || entry.do === 'restart') {
    // A rollout step: the new file as the scenario syntax names it (root: DIR, or config: FILE).
    const where = entry.root !== undefined ? [`root: ${plainScalar(path.resolve(entry.root))}`, ...(entry.configPath !== '/etc/keepalived/keepalived.conf' ? [`config: ${plainScalar(entry.configPath)}`] : [])] : [`config: ${plainScalar(path.resolve(entry.configPath))}`];
    return `{ ${[`at: ${formatSeconds(entry.atMs)}`, `host: ${plainScalar(entry.host)}`, `do: ${entry.do}`, ...where, ...(entry.gapMs !== undefined ? [`gap: ${formatSeconds(entry.gapMs)}`] : [])].join(', ')} }`;
  }
  const { atMs, line: _line, ...rest } = entry;
  const fields: string[] = [`at: ${formatSeconds(atMs)}`];
  for (const [key, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    const name = key === 'startupMs' ? 'startup' : key;
    const text = key === 'startupMs' ? `${String(value)}ms` : plainScalar(value);
    fields.push(`${name}: ${text}`);
  }
  return `{ ${fields.join(', ')} }`;
}

/** A value as YAML flow text: bare where YAML reads it back as the same string, JSON otherwise. */
function plainScalar(value: unknown): string {
  if (typeof value === 'string' && /^[A-Za-z_/][A-Za-z0-9_.\/:@+-]*$/.test(value) && !/^(true|false|yes|no|on|off|null|~)$/i.test(value)) return value;
  if (Array.isArray(value)) return `[${value.map(plainScalar).join(', ')}]`;
  return JSON.stringify(value);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

export function describeSchedule(schedule: Schedule, prefix = false): string[] {
  const lines: string[] = [];
  if (schedule.start !== undefined) {
    const { order, skewMs } = schedule.start;
    lines.push(`keepalived starts on ${order.join(', then ')}, ${skewMs >= 1000 ? `${skewMs / 1000} s` : `${skewMs} ms`} apart`);
  }
  for (const fault of schedule.faults) lines.push(describeFault(fault));
  if (lines.length === 0) lines.push(prefix ? "no fault beyond the scenario's own timeline" : 'no fault: every host starts at once');
  return lines;
}

/** The JSON line of one failure, as the issue's interface gives it (times in seconds). */
export function failureJson(report: FailureReport): string {
  const faults = report.faults.map((fault) => {
    const { at, until, ...rest } = fault;
    return { at: at / 1000, ...(until !== undefined ? { until: until / 1000 } : {}), ...rest };
  });
  return JSON.stringify({
    type: 'failure',
    name: report.name,
    kinds: report.kinds,
    faults,
    ...(report.start !== undefined ? { start: { order: report.start.order, skew: report.start.skewMs / 1000 } } : {}),
    findings: report.findings.map((finding) => ({ kind: finding.kind, from: finding.from, to: finding.to, message: finding.message })),
    ...(report.prefix ? { prefix: true } : {}),
    scenario: report.yaml,
    origin: report.origin,
    // A race of keepalived's: every outcome, the one simulated first.
    ...(report.races !== undefined ? { race: { outcomes: [{ variant: 'as simulated', kinds: report.kinds }, ...report.races] } } : {}),
    ...(report.alike !== undefined ? { alike: report.alike.map((order) => ({ start: { order } })) } : {}),
  });
}

/** The other outcomes of a failure line's `race` (failureJson), for `explore merge`; undefined when there is none or it is malformed. */
export function racesFromJson(value: unknown): RaceOutcome[] | undefined {
  if (typeof value !== 'object' || value === null || !('outcomes' in value) || !Array.isArray(value.outcomes)) return undefined;
  const races = (value.outcomes as unknown[]).slice(1).flatMap((outcome): RaceOutcome[] => {
    if (typeof outcome !== 'object' || outcome === null) return [];
    const { kind, variant, kinds } = outcome as Record<string, unknown>;
    if ((kind !== 'start' && kind !== 'preempt-boundary') || typeof variant !== 'string' || !Array.isArray(kinds)) return [];
    return [{ kind, variant, kinds: kinds.map(String) }];
  });
  return races.length > 0 ? races : undefined;
}

export function summaryJson(summary: ExploreSummary): string {
  return JSON.stringify({ type: 'summary', ...summary });
}

/**
 * Whether the cluster fails with no fault whatever the start: with every host started at once and
 * in every order of the hosts (some time apart). Not when started at once it is fine: a pair
 * drifting whenever it is started apart still has its restarts listed.
 */
function failsHoweverStarted(reports: readonly FailureReport[]): boolean {
  const faultFree = reports.filter((report) => report.faults.length === 0);
  if (!faultFree.some((report) => report.start === undefined)) return false;
  return faultFree.some((report) => {
    if (report.start === undefined) return false;
    const orders = new Set([report.start.order, ...(report.alike ?? [])].map((order) => order.join('>')));
    let permutations = 1;
    for (let n = 2; n <= report.start.order.length; n++) permutations *= n;
    return orders.size === permutations;
  });
}

/** The human report: per failure its kinds, faults in words, findings, and how to replay it. */
export function formatText(reports: readonly FailureReport[], summary: ExploreSummary, files: ReadonlyMap<string, string>): string {
  const lines: string[] = [];
  const depth = summary.exhaustiveDepth;
  const exhaustive =
    depth >= 2 ? 'every single fault and every pair of faults at the moments that matter' : depth === 1 ? 'every single fault at the moments that matter' : depth === 0 ? 'every start order' : 'not even every start order';
  lines.push(`Explored ${summary.schedules} schedules${summary.shard !== undefined ? ` (shard ${summary.shard.index + 1}/${summary.shard.count})` : ''}: exhaustive to depth ${Math.max(depth, 0)} (${exhaustive}).`);
  for (const note of summary.notes ?? []) lines.push(`  ${note}`);
  // A cluster that fails without any fault, however its hosts start, fails alike under most
  // faults: those failures add nothing until it is fixed, so the text lists the ones with a kind
  // of their own (--json has all).
  const faultFreeKinds = new Set(failsHoweverStarted(reports) ? reports.filter((report) => report.faults.length === 0).flatMap((report) => report.kinds) : []);
  const listed = reports.filter((report) => report.faults.length === 0 || !report.kinds.every((kind) => faultFreeKinds.has(kind)));
  const unlisted = reports.length - listed.length;
  const races = listed.filter((report) => report.races !== undefined).length;
  const ofThem = races === 0 ? '' : ` (${races === listed.length && races === 1 ? 'a race' : `${races} of them race${races === 1 ? '' : 's'}`} of keepalived's: failing in one outcome, not in another)`;
  const count = `${reports.length} distinct failure${reports.length === 1 ? '' : 's'}${unlisted > 0 ? `, ${listed.length} listed` : ''}`;
  lines.push(reports.length === 0 ? 'No failure found.' : `${count}${ofThem}:`);
  for (const report of listed) {
    lines.push('');
    lines.push(`${report.name}  [${report.kinds.join(', ')}]  ${report.faults.length} fault${report.faults.length === 1 ? '' : 's'}${report.races !== undefined ? '  RACE' : ''}`);
    for (const line of describeSchedule({ phase: 'single', faults: report.faults, ...(report.start !== undefined ? { start: report.start } : {}) }, report.prefix)) lines.push(`  ${line}`);
    for (const line of formatFindings(report.findings)) lines.push(`    ${line}`);
    if (report.alike !== undefined) {
      const orders = [...new Set(report.alike.map((order) => order.join('>')))];
      lines.push(`  the same in ${orders.length} other start order${orders.length === 1 ? '' : 's'}: ${orders.length <= 6 ? orders.join(', ') : `${orders.slice(0, 5).join(', ')} … ${orders[orders.length - 1]}`}`);
    }
    if (report.races !== undefined) {
      // Both outcomes: keepalived may take either side, so this failure happens in some runs only.
      lines.push(`  a race of keepalived's, with ${report.races.length === 1 ? 'another outcome' : 'other outcomes'}:`);
      lines.push(`    as simulated: ${report.kinds.join(', ')}`);
      for (const race of report.races) lines.push(`    ${race.variant}: ${race.kinds.length > 0 ? race.kinds.join(', ') : 'no failure'}`);
    }
    const file = files.get(report.name);
    if (file !== undefined) lines.push(`  reproduce: vrrplab simulate ${file}`);
  }
  if (unlisted > 0) {
    lines.push('');
    lines.push(
      `Not listed: ${unlisted} failure${unlisted === 1 ? '' : 's'} under faults showing only what the cluster does without any fault, started at once or in any order (${[...faultFreeKinds].sort().join(', ')}): fix that first. Each is in --json${files.size > 0 ? ' and has its scenario file' : ''}.`,
    );
  }
  const excused = Object.entries(summary.excused).sort(([a], [b]) => a.localeCompare(b));
  if (excused.length > 0) {
    lines.push('');
    lines.push('Not counted as failures (they ended with the faults that caused them, within the takeover time):');
    for (const [kind, count] of excused) {
      const why = kind === 'split-brain' ? ' (two masters only while a partition, packet loss or delay separated them: VRRP by design)' : '';
      lines.push(`  ${kind} in ${count} schedule${count === 1 ? '' : 's'}${why}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
