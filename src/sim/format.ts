/**
 * Simulation output: a keepalived-style human timeline with virtual timestamps, or JSON lines.
 */
import { NOTIFY_FIFO, START_JITTER_MAX, START_JITTER_MIN, type SimRecord } from './cluster.js';
import type { SimFinding } from './findings.js';
import { KEEPALIVED_24_MODEL, keepalivedRelease } from '../config/version.js';
import { STARTUP_DELAY_MS, type PreemptRace, type SimulationResult, type StartRace } from './run.js';

/** keepalived log lines worth a human's attention in a timeline (the rest is detail). */
const INTERESTING_LOG = /Entering|Changing effective priority|VRRP_Script\(|Receive advertisement timeout|higher priority|lower priority|priority 0|sent 0 priority|Stopping|Netlink reports|VRRP_Group|Quorum (gained|lost) for tracked process|process event listen/;

/**
 * keepalived's lines for a received packet it rejects (vrrp_check_packet(), vrrp_get_header()):
 * they explain a split brain or a takeover caused by a foreign or malformed sender, so the
 * timeline and --json show them (src/wire/decode.ts verdictLogLine() words them).
 */
export const REJECT_LOG =
  /received an invalid passwd|advertisement interval mismatch|wrong (VRRP )?version|invalid TTL\/HL|Invalid VRRPv\d checksum|vrrp packet (from \S+ )?too (short|long)|VRRP packet too short|VRRP packet with AH too short|unexpected ip number count|not present in (MASTER )?advert|VIPs but received|auth(?: from \S+)?, expecting|Invalid auth type|Invalid packet type|Expected (unicast|multicast) packet|not a unicast peer|AH header|authentication trailer|authentication key id|authentication HMAC|authentication clock skew/;

/** Identical reject lines this close (virtual s) are one run: a conflicting peer's adverts come once per interval. */
const FOLD_WINDOW_S = 2.5;

/** A run of one host's identical reject lines, each within FOLD_WINDOW_S of the last, shown once with a count. */
interface Repeat {
  count: number;
  /** Virtual seconds of the last line of the run. */
  until: number;
}

/**
 * What to print of each log record: the first line of a run of identical reject lines is printed,
 * the rest are folded into "last message repeated N times" (at the last one, as syslog does).
 */
function foldRejects(records: readonly SimRecord[]): Map<number, 'skip' | Repeat> {
  const marks = new Map<number, 'skip' | Repeat>();
  const runs = new Map<string, { last: number; lastT: number; count: number }>();
  const close = (run: { last: number; lastT: number; count: number }): void => {
    if (run.count > 0) marks.set(run.last, { count: run.count, until: run.lastT });
  };
  records.forEach((record, index) => {
    if (record.type !== 'log' || !REJECT_LOG.test(record.message)) return;
    const key = `${record.host}\0${record.message}`;
    const run = runs.get(key);
    if (run !== undefined && record.t - run.lastT <= FOLD_WINDOW_S) {
      marks.set(index, 'skip');
      run.last = index;
      run.lastT = record.t;
      run.count++;
      return;
    }
    if (run !== undefined) close(run);
    runs.set(key, { last: index, lastT: record.t, count: 0 });
  });
  for (const run of runs.values()) close(run);
  return marks;
}

export function formatTimeline(result: SimulationResult): string {
  const { scenario } = result;
  const lines: string[] = [];
  lines.push(`${scenario.name}: ${scenario.hosts.length} hosts, ${formatSeconds(scenario.durationMs / 1000)} virtual, ${scenario.scripts} mode, seed ${result.seed}, keepalived ${keepalivedRelease(result.keepalivedVersion ?? '2.2')}`);
  // What of keepalived 2.4.3 the run leaves out, said where the reader starts.
  if (result.keepalivedVersion === '2.4') lines.push(`  ${KEEPALIVED_24_MODEL}`);
  if (scenario.scripts === 'model') {
    for (const [script, description] of Object.entries(result.checkModels)) lines.push(`  script ${script}: ${description}`);
  }
  for (const [process, description] of Object.entries(result.processModels ?? {})) lines.push(`  track_process ${process}: ${description}`);
  for (const { host, diagnostic } of result.diagnostics) {
    const where = diagnostic.location ? `(${diagnostic.location.file}: Line ${diagnostic.location.line}) ` : '';
    // host '*': a note on the scenario as a whole (e.g. what its reload/restart events leave out).
    lines.push(host === '*' ? `  ${diagnostic.message}` : `  ${host} keepalived.conf: ${where}${diagnostic.message}`);
  }
  lines.push('');
  const width = Math.max(...scenario.hosts.map((host) => host.name.length), 4);
  const folded = foldRejects(result.records);
  for (const [index, record] of result.records.entries()) {
    const mark = folded.get(index);
    if (mark === 'skip') continue;
    if (mark !== undefined && record.type === 'log') {
      lines.push(`${record.t.toFixed(3).padStart(10)}  ${record.host.padEnd(width)}  last message repeated ${mark.count} times`);
      continue;
    }
    const text = describeRecord(record);
    if (text === undefined) continue;
    const host = 'host' in record && record.host !== undefined ? record.host : '*';
    lines.push(`${record.t.toFixed(3).padStart(10)}  ${host.padEnd(width)}  ${text}`);
  }
  lines.push('');
  lines.push('VIPs at the end');
  for (const host of scenario.hosts) {
    const vips = result.vips[host.name] ?? [];
    const services = Object.entries(result.services[host.name] ?? {}).map(([name, up]) => `${name} ${up ? 'up' : 'DOWN'}`);
    lines.push(`  ${host.name.padEnd(width)}  ${`${(vips.length > 0 ? vips.join(' ') : '-').padEnd(33)} `}${services.join(', ')}`);
  }
  lines.push('');
  lines.push(result.findings.length === 0 ? 'Findings: none' : `Findings (${result.findings.length})`);
  for (const line of formatFindings(result.findings)) lines.push(`  ${line}`);
  if (result.startRaces !== undefined) {
    lines.push('');
    lines.push(`Start race: keepalived's start-up varies (${formatStartJitter()}); which host comes up first decides the end`);
    for (const race of result.startRaces) lines.push(`  ${describeStartRace(race, result.vips)}`);
  }
  for (const race of result.preemptRaces ?? []) {
    lines.push('');
    lines.push(`Race: ${describePreemptRace(race, result.vips)}`);
  }
  return lines.join('\n') + '\n';
}

function formatStartJitter(): string {
  return `${Math.round(START_JITTER_MIN * STARTUP_DELAY_MS)}-${Math.round(START_JITTER_MAX * STARTUP_DELAY_MS)} ms from start to its instances' init; this run: ${STARTUP_DELAY_MS} ms each`;
}

/** "172.16.25.100 ends on B (this run: A)" for each VIP another outcome leaves elsewhere. */
function movedVips(other: Record<string, string[]>, vips: Record<string, string[]>): string[] {
  const holders = (ending: Record<string, string[]>): Map<string, string[]> => {
    const byVip = new Map<string, string[]>();
    for (const [host, held] of Object.entries(ending)) for (const vip of held) byVip.set(vip, [...(byVip.get(vip) ?? []), host]);
    return byVip;
  };
  const there = holders(other);
  const here = holders(vips);
  return [...new Set([...there.keys(), ...here.keys()])].sort().flatMap((vip) => {
    const a = (there.get(vip) ?? []).join('+') || 'no host';
    const b = (here.get(vip) ?? []).join('+') || 'no host';
    return a === b ? [] : [`${vip} ends on ${a} (this run: ${b})`];
  });
}

/** "with B's start-up 42 ms shorter than the others': 172.16.25.100 ends on B (this run: A)". */
export function describeStartRace(race: StartRace, vips: Record<string, string[]>): string {
  return `with ${describeStartOrder(race.first, race.leadMs)}: ${movedVips(race.vips, vips).join(', ')}`;
}

/** "B's start-up 42 ms shorter than the others'" (negative lead: longer). */
export function describeStartOrder(first: string, leadMs: number): string {
  return `${first}'s start-up ${Math.abs(leadMs)} ms ${leadMs >= 0 ? 'shorter' : 'longer'} than the others'`;
}

/**
 * "preempt_delay of B's VI_1 ends exactly on A's advert at 7.469 s: keepalived takes it either way;
 * with it discarded B takes over at 9.801 s instead of 10.801 s".
 */
export function describePreemptRace(race: PreemptRace, vips: Record<string, string[]>): string {
  const { tie, takeover } = race;
  const s = (t: number): string => `${t.toFixed(3)} s`;
  const { accepted, discarded } = takeover;
  const outcomes: string[] = [];
  if (accepted !== undefined && discarded !== undefined) {
    if (accepted !== discarded) outcomes.push(`${tie.host} takes over at ${s(discarded)} instead of ${s(accepted)}`);
  } else if (discarded !== undefined) outcomes.push(`${tie.host} takes over at ${s(discarded)} (this run: not at all)`);
  else if (accepted !== undefined) outcomes.push(`${tie.host} does not take over (this run: at ${s(accepted)})`);
  outcomes.push(...movedVips(race.vips, vips));
  return `preempt_delay of ${tie.host}'s ${tie.instance} ends exactly on ${tie.from}'s advert at ${tie.t.toFixed(3)} s: keepalived takes it either way; with it discarded ${outcomes.join(', ')}`;
}

export function formatFinding(finding: SimFinding): string {
  return `[${finding.kind}] ${finding.from.toFixed(3)}-${finding.to.toFixed(3)} s: ${finding.message}`;
}

/** Where a finding's message names its one instance, e.g. "VI_3 (VRID 53)" or "VI_3". */
const INSTANCE_SLOT = '\u0000';

/**
 * Findings as text lines, the same finding of several instances on one line: the members of a
 * sync group move together, so a group of 10 would otherwise print 10 lines differing only in
 * the instance's name. Findings differing in anything else (kind, times, hosts, wording) stay
 * apart; --json keeps one finding per instance.
 */
export function formatFindings(findings: SimFinding[]): string[] {
  const groups = new Map<string, { first: SimFinding; template: string; instances: { name: string; vrid?: number }[] }>();
  const lines: (string | { key: string })[] = [];
  for (const finding of findings) {
    const slot = instanceSlot(finding);
    if (slot === undefined) {
      lines.push(formatFinding(finding));
      continue;
    }
    const key = [finding.kind, finding.from.toFixed(3), finding.to.toFixed(3), finding.hosts.join(','), slot.template].join('\u0001');
    const group = groups.get(key);
    if (group !== undefined) group.instances.push(slot.instance);
    else {
      groups.set(key, { first: finding, template: slot.template, instances: [slot.instance] });
      lines.push({ key });
    }
  }
  return lines.map((line) => {
    if (typeof line === 'string') return line;
    const group = groups.get(line.key)!;
    if (group.instances.length === 1) return formatFinding(group.first);
    return formatFinding({ ...group.first, message: group.template.replace(INSTANCE_SLOT, describeInstances(group.instances)) });
  });
}

/** The message with its instance's name (and VRID) cut out, when it names exactly one instance once. */
function instanceSlot(finding: SimFinding): { template: string; instance: { name: string; vrid?: number } } | undefined {
  const names = new Set(finding.instances.map((id) => id.slice(id.indexOf('/') + 1)));
  if (names.size !== 1) return undefined;
  const [name] = names;
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const mention = new RegExp(`(?<![\\w-])${escaped}(?: \\(VRID (\\d+)\\))?(?![\\w-])`, 'g');
  const matches = [...finding.message.matchAll(mention)];
  if (matches.length !== 1) return undefined;
  const vrid = matches[0][1];
  return {
    template: finding.message.replace(mention, INSTANCE_SLOT),
    instance: { name, ...(vrid !== undefined ? { vrid: Number(vrid) } : {}) },
  };
}

/** "10 instances (VI_1 … VI_10, VRIDs 51-60)". */
function describeInstances(instances: { name: string; vrid?: number }[]): string {
  const names = instances.map((instance) => instance.name);
  const shown = names.length <= 4 ? names.join(', ') : `${names.slice(0, 2).join(', ')} … ${names[names.length - 1]}`;
  const vrids = instances.map((instance) => instance.vrid).filter((vrid): vrid is number => vrid !== undefined);
  const vridText = vrids.length === instances.length ? `, VRIDs ${ranges(vrids)}` : '';
  return `${instances.length} instances (${shown}${vridText})`;
}

/** 51,52,53,60 → "51-53, 60". */
function ranges(numbers: number[]): string {
  const sorted = [...new Set(numbers)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; i++) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j;
  }
  return parts.join(', ');
}

function describeRecord(record: SimRecord): string | undefined {
  switch (record.type) {
    case 'log':
      return INTERESTING_LOG.test(record.message) || REJECT_LOG.test(record.message) ? record.message : undefined;
    case 'advert-delay':
      return `(${record.instance}) advert ${record.gap.toFixed(3)} s after the previous one (timer re-armed by received packets)`;
    case 'notify':
      return record.command === NOTIFY_FIFO ? `notify_fifo: ${record.args.join(' ')}` : `notify ${record.state.toLowerCase()}: ${record.args.join(' ')}`;
    case 'service':
      return `${record.service} ${record.up ? 'started' : 'STOPPED'} (${record.cause})`;
    case 'fault':
      // A rollout step: "A  == reloaded with new/A/keepalived.conf" (SIGHUP), "== restarted with ..." (SIGTERM, then start).
      if (record.action === 'reload' || record.action === 'restart') return `== ${record.action}ed with ${record.detail ?? 'its configuration'}`;
      return `== ${record.action}${record.detail !== undefined ? ` ${record.detail}` : ''}`;
    case 'vip':
      return `${record.held ? 'added' : 'removed'} VIP ${record.address} (${record.instance})${record.vmac ? ` on ${record.vmac.iface} (VMAC ${record.vmac.mac}${record.held ? ', GARPs from it' : ''})` : ''}`;
    case 'transition':
    case 'priority':
    case 'script':
      // Printed through the engine's own log lines ("Entering MASTER STATE", "Changing effective priority", "VRRP_Script(x) failed").
      return undefined;
  }
}

/** JSON lines: transitions, notifies, faults and services as they happen, then a summary. */
export function formatJsonLines(result: SimulationResult): string {
  const lines: string[] = [];
  const rejectMarks = foldJson(result.records);
  for (const [index, record] of result.records.entries()) {
    switch (record.type) {
      case 'transition':
        lines.push(JSON.stringify({ type: 'transition', t: record.t, host: record.host, instance: record.instance, vrid: record.vrid, from: record.from, to: record.to, priority: record.priority, ...(record.silent ? { silent: true } : {}), ...(record.advertMac ? { advertMac: record.advertMac } : {}) }));
        break;
      case 'notify':
        lines.push(JSON.stringify({ type: 'notify', t: record.t, host: record.host, instance: record.instance, state: record.state, command: record.command, args: record.args }));
        break;
      case 'priority':
        lines.push(JSON.stringify({ type: 'priority', t: record.t, host: record.host, instance: record.instance, vrid: record.vrid, from: record.from, to: record.to }));
        break;
      case 'fault':
        lines.push(JSON.stringify({ type: 'event', t: record.t, host: record.host, action: record.action, detail: record.detail }));
        break;
      case 'service':
        lines.push(JSON.stringify({ type: 'service', t: record.t, host: record.host, service: record.service, up: record.up, cause: record.cause }));
        break;
      case 'log': {
        // keepalived's reject lines, a run of identical ones folded into one line with a count.
        const mark = rejectMarks.get(index);
        if (mark === 'skip' || !REJECT_LOG.test(record.message)) break;
        lines.push(JSON.stringify({ type: 'log', t: record.t, host: record.host, message: record.message, ...(mark !== undefined ? { repeated: mark.count, until: mark.until } : {}) }));
        break;
      }
      case 'advert-delay':
        lines.push(JSON.stringify({ type: 'advert-delay', t: record.t, host: record.host, instance: record.instance, vrid: record.vrid, gap: record.gap }));
        break;
      case 'vip':
        // A VIP on a VMAC (use_vmac): where it lives and the MAC its GARPs come from.
        if (record.vmac) lines.push(JSON.stringify({ type: 'vip', t: record.t, host: record.host, instance: record.instance, address: record.address, held: record.held, iface: record.vmac.iface, mac: record.vmac.mac }));
        break;
    }
  }
  // A start order within keepalived's start-up jitter that ends otherwise (this run's records are the steady start's).
  for (const race of result.startRaces ?? []) lines.push(JSON.stringify({ type: 'start-race', first: race.first, leadMs: race.leadMs, vips: race.vips, note: describeStartRace(race, result.vips) }));
  // A preempt_delay boundary tie whose other side ends otherwise (this run's records take the advert as accepted).
  for (const race of result.preemptRaces ?? []) {
    const { tie, takeover } = race;
    lines.push(JSON.stringify({ type: 'race', kind: 'preempt-boundary', t: tie.t, host: tie.host, instance: tie.instance, from: tie.from, takeover, vips: race.vips, note: describePreemptRace(race, result.vips) }));
  }
  lines.push(JSON.stringify({ type: 'summary', name: result.scenario.name, seed: result.seed, keepalivedVersion: keepalivedRelease(result.keepalivedVersion ?? '2.2'), vips: result.vips, services: result.services, findings: result.findings }));
  return lines.join('\n') + '\n';
}

function formatSeconds(seconds: number): string {
  if (seconds >= 3600) return `${(seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 2)} h`;
  if (seconds >= 60) return `${(seconds / 60).toFixed(seconds % 60 === 0 ? 0 : 2)} min`;
  return `${seconds} s`;
}

/** For JSON: the first line of each run carries the count of the lines folded into it. */
function foldJson(records: readonly SimRecord[]): Map<number, 'skip' | Repeat> {
  const marks = foldRejects(records);
  const out = new Map<number, 'skip' | Repeat>();
  const firstOf = new Map<string, number>();
  records.forEach((record, index) => {
    if (record.type !== 'log' || !REJECT_LOG.test(record.message)) return;
    const key = `${record.host}\0${record.message}`;
    const mark = marks.get(index);
    if (mark === undefined) {
      firstOf.set(key, index);
      return;
    }
    out.set(index, 'skip');
    if (mark !== 'skip') {
      const first = firstOf.get(key);
      if (first !== undefined) out.set(first, mark);
    }
  });
  return out;
}
