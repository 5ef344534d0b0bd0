/**
 * Priority arithmetic per VRID: effective priority of every host under every combination of
 * tracked-script failures, with keepalived's rules: weight > 0 adds on success, weight < 0
 * subtracts on failure, `reverse` swaps success and failure, weight 0 failure means FAULT,
 * the result is clamped to 1..254 (255 only for the address owner, whose weights are ignored).
 */
import type { KeepalivedConfig, VrrpInstance } from '../config/model.js';
import { at, type Finding, type HostConfig } from './findings.js';

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

/** Effective priority of one instance given the set of failed scripts on its host. */
export function effectivePriority(v: VrrpInstance, config: KeepalivedConfig, failed: ReadonlySet<string>): number | 'FAULT' {
  if (v.priority === 255) return 255;
  let prio = v.priority;
  for (const ref of v.trackScripts) {
    const script = config.scripts.find((s) => s.name === ref.name);
    if (!script || script.disabled) continue;
    const weight = ref.weight ?? script.weight;
    const reverse = ref.weight !== undefined ? ref.reverse === true : script.weightReverse;
    const ok = !failed.has(ref.name);
    if (weight === 0) {
      if (!ok) return 'FAULT';
      continue;
    }
    const good = reverse ? !ok : ok;
    if (weight > 0 && good) prio += reverse ? -weight : weight;
    if (weight < 0 && !good) prio += reverse ? -weight : weight;
  }
  return Math.min(254, Math.max(1, prio));
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
      for (const ref of m.instance.trackScripts) {
        if (!checks.some((c) => c.host === m.host && c.script === ref.name)) checks.push({ host: m.host, script: ref.name });
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

export function priorityFindings(hosts: HostConfig[], tables = priorityTables(hosts)): Finding[] {
  const findings: Finding[] = [];
  /** host/script -> VRIDs whose master that single failure moves */
  const movers = new Map<string, { check: Check; vrids: number[] }>();
  for (const t of tables) {
    if (t.members.length < 2) continue;
    const [base, ...rest] = t.rows;
    const names = t.members.map((m) => at(m.host, m.instance));
    const changing = rest.filter((r) => r.master !== base.master);
    if (changing.length > 0) {
      findings.push({
        kind: 'master-change', severity: 'info', vrid: t.vrid, hosts: [...new Set(t.members.map((m) => m.host))], instances: names,
        message: `VRID ${t.vrid}: master is ${base.master ?? (base.tie ? 'a tie' : 'nobody')} with ${describe([])}; ` +
          `${changing.length} of ${rest.length} failure combinations change it: ` +
          changing.slice(0, 6).map((r) => `${describe(r.failed)} -> ${r.master ?? (r.tie ? 'tie' : 'none')}`).join('; ') +
          (changing.length > 6 ? '; ...' : ''),
      });
    }
    for (const r of changing.filter((x) => x.failed.length === 1)) {
      const c = r.failed[0];
      findings.push({
        kind: 'small-gap', severity: 'warning', vrid: t.vrid, hosts: [c.host], instances: names,
        message: `VRID ${t.vrid}: one check failure moves the VIP: ${c.script} failing on ${c.host} ` +
          `(${fmtPrio(base.priorities)} -> ${fmtPrio(r.priorities)}) hands it from ${base.master ?? 'nobody'} to ${r.master ?? 'nobody'}`,
      });
      const key = `${c.host}\u0000${c.script}`;
      const entry = movers.get(key) ?? { check: c, vrids: [] };
      entry.vrids.push(t.vrid);
      movers.set(key, entry);
    }
  }
  for (const h of hosts) {
    for (const script of h.config.scripts) {
      const fails = new Set([script.name]);
      const hit = h.config.instances.filter((v) => effectivePriority(v, h.config, fails) !== effectivePriority(v, h.config, new Set()));
      if (hit.length < 2) continue;
      const moved = movers.get(`${h.name}\u0000${script.name}`)?.vrids ?? [];
      findings.push({
        kind: 'flip-together', severity: 'warning', hosts: [h.name], instances: hit.map((v) => at(h.name, v.name)),
        message: `${h.name}: ${hit.map((v) => v.name).join(', ')} all lose priority when ${script.name} fails there, ` +
          `so every VIP this host holds among them moves at once` + (moved.length ? ` (a single failure moves VRID ${moved.join(', ')})` : ''),
      });
    }
  }
  return findings;
}

function fmtPrio(p: Record<string, number | 'FAULT'>): string {
  return Object.entries(p).map(([h, v]) => `${h} ${v}`).join(', ');
}
