/**
 * Priority arithmetic per VRID: effective priority of every host under every combination of
 * tracked failures (scripts failing, tracked interfaces going down, tracked files reading 1), with
 * keepalived's rules: weight > 0 adds on success (link up), weight < 0 subtracts on failure (link
 * down), `reverse` swaps them, a track_file adds value x weight, weight 0 failure means FAULT, the
 * result is clamped to 1..254 (255 only for the address owner, whose weights are ignored). A sync
 * group's own track_script / track_interface / track_file count for each member with their weights,
 * also without sync_group_tracking_weight, as the engine links them (lab, 2.2.7: a group's
 * track_script of weight -20 failing took both members 100 -> 80; a group's track_file of weight
 * -20 reading 2, 100 -> 60).
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';
import { neverMatches } from './track-process.js';

/** Above this many (host, tracked object) pairs per VRID, only single failures are examined. */
const MAX_COMBINATION_BITS = 12;

/** What is tracked: a vrrp_script, an interface (track_interface), a vrrp_track_file, a vrrp_track_process. */
export type TrackKind = 'script' | 'interface' | 'file' | 'process';

export interface Check {
  host: string;
  /** The tracked object's name: the vrrp_script, the interface, or the vrrp_track_file. */
  script: string;
  kind: TrackKind;
}

export interface PriorityRow {
  failed: Check[];
  /** host -> effective priority, or 'FAULT'. */
  priorities: Record<string, number | 'FAULT'>;
  /** Host that would be master, or undefined when no host can be (all FAULT) or priorities tie. */
  master?: string;
  tie: boolean;
}

export interface VridTable {
  vrid: number;
  members: { host: string; instance: string }[];
  checks: Check[];
  rows: PriorityRow[];
}

interface Member {
  host: string;
  instance: VrrpInstance;
  config: KeepalivedConfig;
}

/** One tracked object of an instance (its own or its sync group's), with the weight that applies. */
interface Tracked {
  kind: TrackKind;
  name: string;
  weight: number;
  reverse: boolean;
  /** A process keepalived can never count (track-process.ts neverMatches): absent whatever runs. */
  never?: boolean;
}

/** A weight given to one tracked object instead of its own (weightHint tries them). */
interface WeightOverride {
  kind: TrackKind;
  name: string;
  weight: number;
}

const key = (kind: TrackKind, name: string): string => `${kind}:${name}`;

/** The instance's tracked objects as the engine links them: its own, then its sync group's. */
function trackedOf(v: VrrpInstance, config: KeepalivedConfig, override?: WeightOverride): Tracked[] {
  const group = v.syncGroup === undefined ? undefined : config.syncGroups.find((g) => g.name === v.syncGroup);
  const out: Tracked[] = [];
  const weightFor = (kind: TrackKind, name: string, weight: number): number => (override?.kind === kind && override.name === name ? override.weight : weight);
  for (const ref of [...v.trackScripts, ...(group?.trackScripts ?? [])]) {
    const script = config.scripts.find((s) => s.name === ref.name);
    if (!script || script.disabled) continue;
    const reverse = ref.weight !== undefined ? ref.reverse === true : script.weightReverse;
    out.push({ kind: 'script', name: ref.name, weight: weightFor('script', ref.name, ref.weight ?? script.weight), reverse });
  }
  for (const ref of [...v.trackInterfaces, ...(group?.trackInterfaces ?? [])]) {
    if (ref.name === v.interface) continue; // keepalived: "Ignoring track_interface X since own interface"
    out.push({ kind: 'interface', name: ref.name, weight: weightFor('interface', ref.name, ref.weight ?? 0), reverse: ref.reverse === true });
  }
  for (const ref of [...v.trackFiles, ...(group?.trackFiles ?? [])]) {
    const file = config.trackFiles.find((f) => f.name === ref.name);
    if (file === undefined) continue;
    out.push({ kind: 'file', name: ref.name, weight: weightFor('file', ref.name, ref.weight ?? file.weight), reverse: ref.reverse ?? file.weightReverse });
  }
  // keepalived 2.2.7 applies a group's track_process to every member, its weight in place of the
  // member's own unless that is 0; weighted ones are not dropped in sync groups, unlike scripts.
  const own = (v.trackProcesses ?? []).map((ref) => ({ ref, fromGroup: false }));
  for (const { ref, fromGroup } of [...own, ...(group?.trackProcesses ?? []).map((ref) => ({ ref, fromGroup: true }))]) {
    const process = config.trackProcesses?.find((p) => p.name === ref.name);
    if (process === undefined) continue;
    const weight = weightFor('process', ref.name, ref.weight ?? process.weight);
    const existing = out.find((item) => item.kind === 'process' && item.name === ref.name);
    if (existing !== undefined) {
      if (fromGroup && existing.weight !== 0) existing.weight = weight;
      continue;
    }
    out.push({ kind: 'process', name: ref.name, weight, reverse: ref.reverse ?? process.weightReverse, ...(neverMatches(process) !== undefined ? { never: true } : {}) });
  }
  return out;
}

/**
 * What one tracked object adds in one state (failed: script failing, link down, file reading 1 as
 * explore writes it), or FAULT; as the engine applies it.
 */
function contribution(t: Tracked, failed: boolean): number | 'FAULT' {
  const multiplier = t.reverse ? -1 : 1;
  switch (t.kind) {
    case 'script':
    case 'process': {
      // A process failing is losing its quorum; one keepalived can never count has lost it for good.
      const ok = !failed && t.never !== true;
      if (t.weight === 0) return ok ? 0 : 'FAULT';
      const good = t.reverse ? !ok : ok;
      return (t.weight > 0 && good) || (t.weight < 0 && !good) ? (t.reverse ? -t.weight : t.weight) : 0;
    }
    case 'interface': {
      const up = !failed;
      // keepalived: weight 0 faults on down (on up, reverse); else weight > 0 counts while up, < 0 while down.
      if (t.weight === 0) return up !== (multiplier === 1) ? 'FAULT' : 0;
      return (up ? t.weight > 0 : t.weight < 0) ? t.weight * multiplier : 0;
    }
    case 'file': {
      const value = failed ? 1 : 0;
      if (t.weight === 0) return (value !== 0) === (multiplier === 1) ? 'FAULT' : 0;
      return Math.min(253, value * t.weight * multiplier);
    }
  }
}

/** A failure of it lowers the instance's priority (or faults it): worth a row in the table. */
function failureMatters(t: Tracked): boolean {
  const bad = contribution(t, true);
  const good = contribution(t, false);
  // A process that can never be counted is no variable: it is absent in every row.
  if (t.never === true) return false;
  return bad === 'FAULT' || (good !== 'FAULT' && bad < good) || t.kind === 'script' || t.kind === 'process';
}

/** The object's state in words, for the arithmetic ("chk_nginx fails", "eth1 down", "track_file f reads 1"). */
function stateWords(t: { kind: TrackKind; name: string }, failed: boolean): string {
  switch (t.kind) {
    case 'script':
      return `${t.name} ${failed ? 'fails' : 'succeeds'}`;
    case 'interface':
      return `${t.name} ${failed ? 'down' : 'up'}`;
    case 'file':
      return `track_file ${t.name} reads ${failed ? 1 : 0}`;
    case 'process':
      return `track_process ${t.name} ${failed ? 'fails' : 'succeeds'}`;
  }
}

/**
 * What each tracked object adds to an instance's priority given the objects that fail on its host
 * (keys `kind:name`); `fault` names a failure that puts it in FAULT instead (weight 0, or its own
 * interface down).
 */
function priorityTerms(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>, override?: WeightOverride): { fault?: string; terms: { words: string; delta: number }[] } {
  const terms: { words: string; delta: number }[] = [];
  if (!v.dontTrackPrimary && failed.has(key('interface', v.interface))) return { fault: `${v.interface} down, its own interface`, terms };
  for (const t of trackedOf(v, config, override)) {
    const isFailed = failed.has(key(t.kind, t.name));
    const delta = contribution(t, isFailed);
    if (delta === 'FAULT') return { fault: `${stateWords(t, isFailed)}, weight 0`, terms };
    if (delta !== 0) terms.push({ words: stateWords(t, isFailed), delta });
  }
  return { terms };
}

/** Effective priority of one instance given the set of failed tracked objects on its host (keys `kind:name`). */
export function effectivePriority(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>, override?: WeightOverride): number | 'FAULT' {
  if (v.priority === 255) return 255;
  const { fault, terms } = priorityTerms(v, config, failed, override);
  if (fault !== undefined) return 'FAULT';
  return Math.min(254, Math.max(1, terms.reduce((prio, term) => prio + term.delta, v.priority)));
}

const failedKeys = (failed: readonly Check[], host: string): Set<string> => new Set(failed.filter((c) => c.host === host).map((c) => key(c.kind, c.script)));

function masterOf(priorities: Record<string, number | 'FAULT'>): { master?: string; tie: boolean } {
  let best = -1;
  let winners: string[] = [];
  for (const [host, p] of Object.entries(priorities)) {
    if (p === 'FAULT') continue;
    if (p > best) [best, winners] = [p, [host]];
    else if (p === best) winners.push(host);
  }
  // On equal priority keepalived prefers the higher primary IP address, which configs don't tell us.
  return winners.length === 1 ? { master: winners[0], tie: false } : { tie: winners.length > 1 };
}

export function priorityTables(hosts: HostConfig[]): VridTable[] {
  const byVrid = new Map<number, Member[]>();
  for (const h of hosts) {
    for (const v of h.config.instances) {
      if (v.vrid === 0) continue;
      const list = byVrid.get(v.vrid) ?? [];
      list.push({ host: h.name, instance: v, config: h.config });
      byVrid.set(v.vrid, list);
    }
  }
  const tables: VridTable[] = [];
  for (const [vrid, members] of [...byVrid].sort((a, b) => a[0] - b[0])) {
    const checks: Check[] = [];
    for (const m of members) {
      for (const t of trackedOf(m.instance, m.config)) {
        if (!failureMatters(t)) continue;
        if (!checks.some((c) => c.host === m.host && c.kind === t.kind && c.script === t.name)) checks.push({ host: m.host, script: t.name, kind: t.kind });
      }
    }
    const combos: Check[][] = [];
    if (checks.length <= MAX_COMBINATION_BITS) {
      for (let mask = 0; mask < 1 << checks.length; mask++) combos.push(checks.filter((_, i) => mask & (1 << i)));
    } else {
      combos.push([], ...checks.map((c) => [c]));
    }
    const rows = combos.map((failed) => {
      const priorities: Record<string, number | 'FAULT'> = {};
      for (const m of members) {
        priorities[m.host] = effectivePriority(m.instance, m.config, failedKeys(failed, m.host));
      }
      return { failed, priorities, ...masterOf(priorities) };
    });
    tables.push({ vrid, members: members.map((m) => ({ host: m.host, instance: m.instance.name })), checks, rows });
  }
  return tables;
}

/** A tracked object on a host, in words: "chk_nginx on A", "link eth1 on A", "track_file f on A". */
const label = (c: Check): string => `${c.kind === 'interface' ? 'link ' : c.kind === 'file' ? 'track_file ' : c.kind === 'process' ? 'track_process ' : ''}${c.script} on ${c.host}`;

const describe = (failed: Check[]): string => (failed.length === 0 ? 'nothing failing' : failed.map(label).join(' + '));

/** "chk_nginx on A fails", "link eth1 on A goes down", "track_file f on A reads 1", joined. */
function failing(failed: Check[]): string {
  if (failed.every((c) => c.kind === 'script' || c.kind === 'process')) return `${describe(failed)} fail${failed.length === 1 ? 's' : ''}`;
  return failed.map((c) => `${label(c)} ${c.kind === 'script' || c.kind === 'process' ? 'fails' : c.kind === 'interface' ? 'goes down' : 'reads 1'}`).join(' and ');
}

/** How one instance's effective priority comes about, e.g. "150 - 20 (chk_nginx fails) = 130". */
export function explainPriority(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>): string {
  // failed: keys `kind:name`, as effectivePriority takes them.
  if (v.priority === 255) return '255 (address owner)';
  const { fault, terms } = priorityTerms(v, config, failed);
  if (fault !== undefined) return `FAULT (${fault})`;
  const prio = terms.reduce((sum, term) => sum + term.delta, v.priority);
  const effective = Math.min(254, Math.max(1, prio));
  const cap = effective !== prio ? `, capped to ${effective} (effective priorities stay within 1..254)` : '';
  const words = terms.map((term) => `${term.delta > 0 ? '+' : '-'} ${Math.abs(term.delta)} (${term.words})`);
  return words.length === 0 ? `${v.priority}` : `${v.priority} ${words.join(' ')} = ${prio}${cap}`;
}

interface Holder {
  member: Member;
  prio: number | 'FAULT';
}

/**
 * What can go wrong with the weights, per VRID: a host keeps the VIP while a check it tracks fails
 * although a peer whose checks all pass could hold it (`unhealthy-master`). Moving the VIP on a
 * single failure is what weights are for, so that is not reported (only listed, as info).
 * keepalived's rules: equal priority never preempts (the incumbent keeps the VIP); a backup with
 * `nopreempt` never takes over from a master that still advertises; weights are ignored in sync
 * groups (without sync_group_tracking_weight) and by address owners; 1..254 caps.
 */
export function priorityFindings(hosts: HostConfig[], tables = priorityTables(hosts)): Finding[] {
  const findings: Finding[] = [];
  const members = membersByVrid(hosts);
  /** host/script -> VRIDs whose master that single failure moves */
  const movers = new Map<string, { check: Check; vrids: number[] }>();
  for (const t of tables) {
    if (t.members.length < 2) continue;
    const all = members.get(t.vrid) ?? [];
    const [base, ...rest] = t.rows;
    const names = t.members.map((m) => at(m.host, m.instance));
    const hostsOf = [...new Set(t.members.map((m) => m.host))];
    const changing = rest.filter((r) => r.master !== base.master);
    if (changing.length > 0) {
      findings.push({
        kind: 'master-change', severity: 'info', vrid: t.vrid, hosts: hostsOf, instances: names,
        message: `VRID ${t.vrid}: master is ${base.master ?? (base.tie ? 'a tie' : 'nobody')} with ${describe([])}; ` +
          `${changing.length} of ${rest.length} failure combinations change it: ` +
          changing.slice(0, 6).map((r) => `${describe(r.failed)} -> ${r.master ?? (r.tie ? 'tie' : 'none')}`).join('; ') +
          (changing.length > 6 ? '; ...' : ''),
      });
    }
    for (const r of changing.filter((x) => x.failed.length === 1 && x.master !== undefined && base.master === x.failed[0].host)) {
      const c = r.failed[0];
      const id = `${c.host}\u0000${key(c.kind, c.script)}`;
      const entry = movers.get(id) ?? { check: c, vrids: [] };
      entry.vrids.push(t.vrid);
      movers.set(id, entry);
    }
    findings.push(...unhealthyMasters(t, all));
  }
  for (const { check, vrids } of movers.values()) {
    if (vrids.length < 2) continue;
    findings.push({
      kind: 'flip-together', severity: 'info', hosts: [check.host], instances: [],
      message: `${check.host}: ${check.kind === 'script' ? `${check.script} failing` : check.kind === 'interface' ? `link ${check.script} going down` : `track_file ${check.script} reading 1`} there moves VRID ${vrids.join(', ')} away together (${check.host} is master of each); ` +
        'as intended when they share the checked service',
    });
  }
  return findings;
}

function membersByVrid(hosts: HostConfig[]): Map<number, Member[]> {
  const byVrid = new Map<number, Member[]>();
  for (const h of hosts) {
    for (const v of h.config.instances) {
      if (v.vrid === 0) continue;
      byVrid.set(v.vrid, [...(byVrid.get(v.vrid) ?? []), { host: h.name, instance: v, config: h.config }]);
    }
  }
  return byVrid;
}

/**
 * The smallest weight (of the same sign, given to that object on every host tracking it) with which
 * the failure would hand the VIP over, found by trying each: the 1..254 caps make a formula wrong.
 */
function weightHint(members: Member[], sick: Member, check: Check, row: PriorityRow, to: string): string {
  const current = trackedOf(sick.instance, sick.config).find((t) => t.kind === check.kind && t.name === check.script)?.weight;
  if (current === undefined || current === 0) return '';
  const sign = Math.sign(current);
  for (let n = Math.abs(current) + 1; n <= 253; n++) {
    const override: WeightOverride = { kind: check.kind, name: check.script, weight: sign * n };
    const prio = (m: Member): number | 'FAULT' => effectivePriority(m.instance, m.config, failedKeys(row.failed, m.host), override);
    const own = prio(sick);
    const others = members.filter((m) => m !== sick).map(prio).filter((p): p is number => p !== 'FAULT');
    if (own === 'FAULT' || own < Math.max(...others)) return `; a weight of ${sign * n}${sign < 0 ? ' or lower' : ' or more'} (or weight 0: FAULT) would hand it to ${to}`;
  }
  return `; no weight of that sign can, with priorities capped to 1..254: use weight 0 (FAULT)`;
}

function unhealthyMasters(t: VridTable, members: Member[]): Finding[] {
  const out: Finding[] = [];
  const names = members.map((m) => at(m.host, m.instance.name));
  const reported = new Set<string>();
  const failedOn = (r: PriorityRow, host: string): Set<string> => failedKeys(r.failed, host);
  const rows = [...t.rows].sort((a, b) => a.failed.length - b.failed.length);
  const base = t.rows[0];
  for (const r of rows) {
    if (r.failed.length === 0) continue;
    for (const sick of members) {
      const fails = failedOn(r, sick.host);
      if (fails.size === 0 || reported.has(sick.host)) continue;
      const own = r.priorities[sick.host];
      if (own === 'FAULT') continue;
      const healthy: Holder[] = members
        .filter((p) => p !== sick && failedOn(r, p.host).size === 0 && r.priorities[p.host] !== 'FAULT')
        .map((p) => ({ member: p, prio: r.priorities[p.host] }));
      if (healthy.length === 0) continue;
      const others = members.filter((p) => p !== sick).map((p) => r.priorities[p.host]).filter((p): p is number => p !== 'FAULT');
      const best = Math.max(...healthy.map((h) => h.prio as number));
      const arithmetic = (): string =>
        members.map((m) => `${m.host} ${explainPriority(m.instance, m.config, failedOn(r, m.host))}` +
          (m === sick ? ` (with its checks passing: ${explainPriority(m.instance, m.config, new Set())})` : '')).join('; ');
      const what = failing(r.failed);
      const severity = r.failed.length === 1 ? 'warning' : 'info';
      const bestHost = healthy.find((h) => h.prio === best)?.member.host ?? '';
      if (own >= Math.max(...others)) {
        // The sick host still has the highest priority (a tie keeps the incumbent too).
        reported.add(sick.host);
        const single = r.failed.length === 1 ? r.failed[0] : undefined;
        const hint = single ? weightHint(members, sick, single, r, bestHost) : '';
        out.push({
          kind: 'unhealthy-master', severity, vrid: t.vrid, hosts: [sick.host, ...healthy.map((h) => h.member.host)], instances: names,
          message: `VRID ${t.vrid}: ${sick.host} keeps the VIP while ${what}, although ${healthy.map((h) => h.member.host).join(', ')} ` +
            `(checks passing) could hold it: ${arithmetic()}` + (own === best ? ` (equal priority does not preempt: the incumbent keeps it)` : '') + hint,
        });
        continue;
      }
      // A healthy peer outranks the sick host, but nopreempt keeps it from taking over.
      const outranking = healthy.filter((h) => (h.prio as number) > own);
      if (base.master === sick.host && outranking.length > 0 && outranking.every((h) => h.member.instance.nopreempt)) {
        reported.add(sick.host);
        out.push({
          kind: 'unhealthy-master', severity, vrid: t.vrid, hosts: [sick.host, ...outranking.map((h) => h.member.host)], instances: names,
          message: `VRID ${t.vrid}: ${sick.host} keeps the VIP while ${what}: ${outranking.map((h) => h.member.host).join(', ')} ` +
            `outrank${outranking.length === 1 ? 's' : ''} it (${arithmetic()}) but ${outranking.length === 1 ? 'has' : 'have'} nopreempt, and a backup with nopreempt ` +
            `never takes over from a master that still advertises; only weight 0 (FAULT) or a stop moves it`,
        });
      }
    }
  }
  // Weights keepalived drops: a failing check then never moves the VIP.
  for (const m of members) {
    if (base.master !== m.host || !m.instance.ignoredTrackScripts?.length) continue;
    const others = members.filter((p) => p !== m && base.priorities[p.host] !== 'FAULT');
    if (others.length === 0) continue;
    for (const { ref, why } of m.instance.ignoredTrackScripts) {
      out.push({
        kind: 'unhealthy-master', severity: 'warning', vrid: t.vrid, hosts: [m.host, ...others.map((p) => p.host)], instances: names,
        message: `VRID ${t.vrid}: ${m.host} keeps the VIP while ${ref.name} fails, although ${others.map((p) => p.host).join(', ')} could hold it: ` +
          (why === 'sync-group'
            ? `${m.instance.name} is in sync group ${m.instance.syncGroup ?? ''}, so keepalived ignores the weight of ${ref.name} (add sync_group_tracking_weight to the group, or use weight 0: FAULT)`
            : `${m.instance.name} has priority 255 (address owner), so keepalived ignores the weight of ${ref.name}`),
      });
    }
  }
  return out;
}
