/**
 * Priority arithmetic per VRID: effective priority of every host under every combination of
 * tracked-script failures, with keepalived's rules: weight > 0 adds on success, weight < 0
 * subtracts on failure, `reverse` swaps success and failure, weight 0 failure means FAULT,
 * the result is clamped to 1..254 (255 only for the address owner, whose weights are ignored).
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';
import { neverMatches } from './track-process.js';

/** Above this many (host, script) pairs per VRID, only single failures are examined. */
const MAX_COMBINATION_BITS = 12;

export interface Check {
  host: string;
  script: string;
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

/**
 * What each tracked script adds to an instance's priority given the scripts that fail on its
 * host, as keepalived applies weights (weight > 0 adds on success, < 0 subtracts on failure,
 * `reverse` swaps them); `fault` names a failing weight-0 script, which puts it in FAULT instead.
 */
function priorityTerms(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>): { fault?: string; terms: { script: string; delta: number; ok: boolean }[] } {
  const terms: { script: string; delta: number; ok: boolean }[] = [];
  for (const ref of trackedItems(v, config)) {
    const { weight, reverse } = ref;
    // A process keepalived can never count is absent whatever runs (track-process.ts neverMatches).
    const ok = !failed.has(ref.name) && ref.never !== true;
    if (weight === 0) {
      if (!ok) return { fault: ref.name, terms };
      continue;
    }
    const good = reverse ? !ok : ok;
    const delta = (weight > 0 && good) || (weight < 0 && !good) ? (reverse ? -weight : weight) : 0;
    if (delta !== 0) terms.push({ script: ref.name, delta, ok });
  }
  return { terms };
}

/** How the check names a vrrp_track_process among the scripts: failing is losing its quorum. */
export const processCheck = (name: string): string => `track_process ${name}`;

/**
 * What an instance tracks that can fail and move its priority: its vrrp_scripts (not disabled),
 * and the vrrp_track_processes it and its sync group track (keepalived 2.2.7 applies a group's
 * track_process to every member, its weight in place of the member's own unless that is 0;
 * weighted ones are not dropped in sync groups, unlike scripts).
 */
export function trackedItems(v: VrrpInstance, config: KeepalivedConfig): { name: string; weight: number; reverse: boolean; never?: boolean }[] {
  const items: { name: string; weight: number; reverse: boolean; never?: boolean }[] = [];
  for (const ref of v.trackScripts) {
    const script = config.scripts.find((s) => s.name === ref.name);
    if (!script || script.disabled) continue;
    items.push({ name: ref.name, weight: ref.weight ?? script.weight, reverse: ref.weight !== undefined ? ref.reverse === true : script.weightReverse });
  }
  const group = v.syncGroup === undefined ? undefined : config.syncGroups.find((g) => g.name === v.syncGroup);
  const own = (v.trackProcesses ?? []).map((ref) => ({ ref, fromGroup: false }));
  for (const { ref, fromGroup } of [...own, ...(group?.trackProcesses ?? []).map((ref) => ({ ref, fromGroup: true }))]) {
    const process = config.trackProcesses?.find((p) => p.name === ref.name);
    if (process === undefined) continue;
    const weight = ref.weight ?? process.weight;
    const existing = items.find((item) => item.name === processCheck(ref.name));
    if (existing !== undefined) {
      if (fromGroup && existing.weight !== 0) existing.weight = weight;
      continue;
    }
    items.push({ name: processCheck(ref.name), weight, reverse: ref.reverse ?? process.weightReverse, ...(neverMatches(process) !== undefined ? { never: true } : {}) });
  }
  return items;
}

/** Effective priority of one instance given the set of failed scripts on its host. */
export function effectivePriority(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>): number | 'FAULT' {
  if (v.priority === 255) return 255;
  const { fault, terms } = priorityTerms(v, config, failed);
  if (fault !== undefined) return 'FAULT';
  return Math.min(254, Math.max(1, terms.reduce((prio, term) => prio + term.delta, v.priority)));
}

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
      // A process that can never be counted is no variable: it is absent in every row.
      const names = [...m.instance.trackScripts.map((ref) => ref.name), ...trackedItems(m.instance, m.config).filter((item) => item.never !== true).map((item) => item.name)];
      for (const name of names) {
        if (!checks.some((c) => c.host === m.host && c.script === name)) checks.push({ host: m.host, script: name });
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
        const f = new Set(failed.filter((c) => c.host === m.host).map((c) => c.script));
        priorities[m.host] = effectivePriority(m.instance, m.config, f);
      }
      return { failed, priorities, ...masterOf(priorities) };
    });
    tables.push({ vrid, members: members.map((m) => ({ host: m.host, instance: m.instance.name })), checks, rows });
  }
  return tables;
}

const describe = (failed: Check[]): string => (failed.length === 0 ? 'nothing failing' : failed.map((c) => `${c.script} on ${c.host}`).join(' + '));

/** How one instance's effective priority comes about, e.g. "150 - 20 (chk_nginx fails) = 130". */
export function explainPriority(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>): string {
  if (v.priority === 255) return '255 (address owner)';
  const { fault, terms } = priorityTerms(v, config, failed);
  if (fault !== undefined) return `FAULT (${fault} fails, weight 0)`;
  const prio = terms.reduce((sum, term) => sum + term.delta, v.priority);
  const effective = Math.min(254, Math.max(1, prio));
  const cap = effective !== prio ? `, capped to ${effective} (effective priorities stay within 1..254)` : '';
  const words = terms.map((term) => `${term.delta > 0 ? '+' : '-'} ${Math.abs(term.delta)} (${term.script} ${term.ok ? 'succeeds' : 'fails'})`);
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
      const key = `${c.host}\u0000${c.script}`;
      const entry = movers.get(key) ?? { check: c, vrids: [] };
      entry.vrids.push(t.vrid);
      movers.set(key, entry);
    }
    findings.push(...unhealthyMasters(t, all));
  }
  for (const { check, vrids } of movers.values()) {
    if (vrids.length < 2) continue;
    findings.push({
      kind: 'flip-together', severity: 'info', hosts: [check.host], instances: [],
      message: `${check.host}: ${check.script} failing there moves VRID ${vrids.join(', ')} away together (${check.host} is master of each); ` +
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
 * The smallest weight (of the same sign, given to that script on every host tracking it) with which
 * the failure would hand the VIP over, found by trying each: the 1..254 caps make a formula wrong.
 */
function weightHint(members: Member[], sick: Member, script: string, row: PriorityRow, to: string): string {
  const current = weightOf(sick, script);
  if (current === undefined || current === 0) return '';
  const sign = Math.sign(current);
  for (let n = Math.abs(current) + 1; n <= 253; n++) {
    const w = sign * n;
    const prio = (m: Member): number | 'FAULT' => {
      const process = (name: string): boolean => processCheck(name) === script;
      const config = {
        ...m.config,
        scripts: m.config.scripts.map((x) => (x.name === script ? { ...x, weight: w } : x)),
        trackProcesses: m.config.trackProcesses?.map((x) => (process(x.name) ? { ...x, weight: w } : x)),
        syncGroups: m.config.syncGroups.map((g) => ({ ...g, trackProcesses: g.trackProcesses?.map((x) => (process(x.name) && x.weight !== undefined ? { ...x, weight: w } : x)) })),
      };
      const instance = {
        ...m.instance,
        trackScripts: m.instance.trackScripts.map((x) => (x.name === script && x.weight !== undefined ? { ...x, weight: w } : x)),
        trackProcesses: m.instance.trackProcesses?.map((x) => (process(x.name) && x.weight !== undefined ? { ...x, weight: w } : x)),
      };
      return effectivePriority(instance, config, new Set(row.failed.filter((c) => c.host === m.host).map((c) => c.script)));
    };
    const own = prio(sick);
    const others = members.filter((m) => m !== sick).map(prio).filter((p): p is number => p !== 'FAULT');
    if (own === 'FAULT' || own < Math.max(...others)) return `; a weight of ${w}${sign < 0 ? ' or lower' : ' or more'} (or weight 0: FAULT) would hand it to ${to}`;
  }
  return `; no weight of that sign can, with priorities capped to 1..254: use weight 0 (FAULT)`;
}

function weightOf(m: Member, script: string): number | undefined {
  const item = trackedItems(m.instance, m.config).find((x) => x.name === script);
  if (item !== undefined) return item.weight;
  const ref = m.instance.trackScripts.find((x) => x.name === script);
  return ref?.weight ?? m.config.scripts.find((x) => x.name === script)?.weight;
}

function unhealthyMasters(t: VridTable, members: Member[]): Finding[] {
  const out: Finding[] = [];
  const names = members.map((m) => at(m.host, m.instance.name));
  const reported = new Set<string>();
  const failedOn = (r: PriorityRow, host: string): Set<string> => new Set(r.failed.filter((c) => c.host === host).map((c) => c.script));
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
      const what = describe(r.failed);
      const severity = r.failed.length === 1 ? 'warning' : 'info';
      const bestHost = healthy.find((h) => h.prio === best)?.member.host ?? '';
      if (own >= Math.max(...others)) {
        // The sick host still has the highest priority (a tie keeps the incumbent too).
        reported.add(sick.host);
        const single = r.failed.length === 1 ? r.failed[0] : undefined;
        const hint = single ? weightHint(members, sick, single.script, r, bestHost) : '';
        out.push({
          kind: 'unhealthy-master', severity, vrid: t.vrid, hosts: [sick.host, ...healthy.map((h) => h.member.host)], instances: names,
          message: `VRID ${t.vrid}: ${sick.host} keeps the VIP while ${what} fail${r.failed.length === 1 ? 's' : ''}, although ${healthy.map((h) => h.member.host).join(', ')} ` +
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
          message: `VRID ${t.vrid}: ${sick.host} keeps the VIP while ${what} fail${r.failed.length === 1 ? 's' : ''}: ${outranking.map((h) => h.member.host).join(', ')} ` +
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
