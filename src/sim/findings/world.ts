/** The cluster as the records tell it, record by record. */
import type { VrrpState } from '../../engine/types.js';
import { trackFileValue } from '../../engine/track-file.js';
import type { SimRecord } from '../cluster.js';
import { STARTUP_S, writtenValue, type Facts, type InstanceInfo } from './facts.js';

/**
 * The state of the run at the record being read: who runs keepalived, each instance's state, each
 * tracked script's state as keepalived sees it, and the injected impairments in force.
 */
export class World {
  readonly alive = new Set<string>();
  /** vrid -> host -> state (hosts whose keepalived runs and whose instance left INIT). */
  readonly states = new Map<number, Map<string, VrrpState>>();
  /** vrid -> its MASTERs, as `masters()` last listed them; dropped when a state of the VRID changes. */
  private readonly mastersOf = new Map<number, string[]>();
  /** vrid -> host -> when it entered that state. */
  readonly stateSince = new Map<number, Map<string, number>>();
  /** host -> script -> succeeding (absent: no result yet, keepalived's "init"). */
  readonly scripts = new Map<string, Map<string, boolean>>();
  /** vrid -> host -> effective priority, as its last transition or priority change gave it. */
  readonly priorities = new Map<number, Map<string, number>>();
  /** host -> injected impairments in force: service:NAME, file:PATH, link:IFACE. */
  readonly impaired = new Map<string, Set<string>>();
  /** host -> time from which its checks can have caught up with the last start or cleared impairment. */
  readonly eligibleAt = new Map<string, number>();
  /** host -> path -> the value keepalived reads from the file, as the timeline's write/touch/rm left it. */
  readonly fileValues = new Map<string, Map<string, number>>();
  partition: Map<string, number> | undefined;
  partitionGroups: string[][] | undefined;
  lossPercent = 0;
  delayMs = 0;

  constructor(private readonly facts: Facts) {
    for (const host of facts.hosts) this.impaired.set(host, new Set());
  }

  apply(record: SimRecord): void {
    switch (record.type) {
      case 'transition': {
        const states = this.states.get(record.vrid) ?? new Map<string, VrrpState>();
        this.states.set(record.vrid, states);
        if (record.to === 'STOP') states.delete(record.host);
        else states.set(record.host, record.to);
        this.mastersOf.delete(record.vrid);
        const since = this.stateSince.get(record.vrid) ?? new Map<string, number>();
        this.stateSince.set(record.vrid, since);
        since.set(record.host, record.t);
        this.setPriority(record.vrid, record.host, record.priority);
        // Its checks start over when its instances initialise (however long the start-up took).
        if (record.from === 'INIT') this.eligible(record.host, record.t + this.facts.checkDelay(record.host));
        break;
      }
      case 'priority':
        this.setPriority(record.vrid, record.host, record.to);
        break;
      case 'script': {
        const map = this.scripts.get(record.host) ?? new Map<string, boolean>();
        map.set(record.script, record.ok);
        this.scripts.set(record.host, map);
        break;
      }
      case 'fault':
        this.fault(record);
        break;
      default:
        break;
    }
  }

  private fault(record: Extract<SimRecord, { type: 'fault' }>): void {
    const { t, host } = record;
    switch (record.action) {
      case 'start':
        if (host === undefined) return;
        this.alive.add(host);
        this.scripts.delete(host);
        this.eligible(host, t + STARTUP_S + this.facts.checkDelay(host));
        return;
      case 'stop':
      case 'kill':
        if (host === undefined) return;
        this.alive.delete(host);
        this.scripts.delete(host);
        for (const vrid of this.facts.vridsOf(host)) {
          this.states.get(vrid)?.delete(host);
          this.mastersOf.delete(vrid);
        }
        return;
      case 'partition':
      case 'heal': {
        this.partitionGroups = record.action === 'partition' ? parseGroups(record.detail) : undefined;
        this.partition = this.partitionGroups === undefined ? undefined : new Map(this.partitionGroups.flatMap((group, index) => group.map((name) => [name, index] as const)));
        if (record.action === 'heal') for (const name of this.facts.hosts) this.eligible(name, t);
        return;
      }
      case 'loss':
        this.lossPercent = Number.parseFloat(record.detail ?? '0') || 0;
        return;
      case 'delay':
        this.delayMs = Number.parseFloat(record.detail ?? '0') || 0;
        return;
      case 'service-stop':
      case 'service-start':
        return this.impair(host, `service:${record.detail ?? ''}`, record.action === 'service-stop', t, true);
      case 'touch':
      case 'rm':
        // An empty (touched) or missing file reads 0; a touch keeps what a file held.
        if (host !== undefined) {
          const values = this.valuesOf(host);
          if (record.action === 'rm' || !values.has(record.detail ?? '')) values.set(record.detail ?? '', 0);
        }
        return this.impair(host, `file:${record.detail ?? ''}`, record.action === 'touch', t, true);
      case 'write': {
        // "PATH \"VALUE\"": a tracked file holding a value other than 0 impairs the host like a touched flag file.
        const { file, zero } = writtenValue(record.detail);
        if (host !== undefined) {
          const value = trackFileValue(writtenText(record.detail));
          if (value !== null) this.valuesOf(host).set(file, value);
        }
        return this.impair(host, `file:${file}`, !zero, t, true);
      }
      case 'script-hang':
      case 'script-resume':
        return this.impair(host, `script:${record.detail ?? ''}`, record.action === 'script-hang', t, true);
      case 'link-down':
      case 'link-up': {
        if (host === undefined) return;
        const ifaces = record.detail !== undefined ? [record.detail] : (this.facts.interfaces.get(host) ?? []);
        for (const iface of ifaces) this.impair(host, `link:${iface}`, record.action === 'link-down', t, false);
        return;
      }
      default:
        return;
    }
  }

  private valuesOf(host: string): Map<string, number> {
    let values = this.fileValues.get(host);
    if (values === undefined) {
      values = new Map();
      this.fileValues.set(host, values);
    }
    return values;
  }

  private impair(host: string | undefined, key: string, on: boolean, t: number, throughChecks: boolean): void {
    if (host === undefined) return;
    const set = this.impaired.get(host);
    if (set === undefined) return;
    if (on) set.add(key);
    else if (set.delete(key)) this.eligible(host, t + (throughChecks ? this.facts.checkDelay(host) : 0));
  }

  private eligible(host: string, at: number): void {
    this.eligibleAt.set(host, Math.max(this.eligibleAt.get(host) ?? 0, at));
  }

  private setPriority(vrid: number, host: string, priority: number): void {
    const map = this.priorities.get(vrid) ?? new Map<string, number>();
    map.set(host, priority);
    this.priorities.set(vrid, map);
  }

  /** The instance's effective priority (its configured one until a record says otherwise). */
  priority(info: InstanceInfo): number {
    return this.priorities.get(info.vrid)?.get(info.host) ?? info.priority;
  }

  state(host: string, vrid: number): VrrpState | undefined {
    return this.states.get(vrid)?.get(host);
  }

  since(host: string, vrid: number): number | undefined {
    return this.stateSince.get(vrid)?.get(host);
  }

  masterCount(vrid: number): number {
    const states = this.states.get(vrid);
    if (states === undefined) return 0;
    let count = 0;
    for (const state of states.values()) if (state === 'MASTER') count++;
    return count;
  }

  /** The hosts MASTER of the VRID (a list shared until the VRID's states change: do not change it). */
  masters(vrid: number): readonly string[] {
    let result = this.mastersOf.get(vrid);
    if (result === undefined) {
      result = [];
      for (const [host, state] of this.states.get(vrid) ?? []) if (state === 'MASTER') result.push(host);
      this.mastersOf.set(vrid, result);
    }
    return result;
  }

  isImpaired(host: string): boolean {
    return (this.impaired.get(host)?.size ?? 0) > 0;
  }

  /** Hosts can hear each other (same partition group, or no partition). */
  reachable(a: string, b: string): boolean {
    return this.partition === undefined || this.partition.get(a) === this.partition.get(b);
  }

  /** A weighted check of the instance is in the state that lowers its priority (failing; succeeding for `reverse`). */
  badChecks(info: InstanceInfo): string[] {
    const states = this.scripts.get(info.host);
    return info.weighted.filter((link) => states?.get(link.script) === link.reverse).map((link) => link.script);
  }

  hasBadCheck(info: InstanceInfo): boolean {
    const states = this.scripts.get(info.host);
    if (states !== undefined) for (const link of info.weighted) if (states.get(link.script) === link.reverse) return true;
    if (info.weightedLinks.length > 0 || info.weightedFiles.length > 0) return this.badTracked(info).length > 0;
    return false;
  }

  /** The interface is down on the host (a link-down in force). */
  linkDown(host: string, iface: string): boolean {
    return this.impaired.get(host)?.has(`link:${iface}`) === true;
  }

  /**
   * The instance's weighted tracked interfaces and files in the state that lowers its priority, with
   * what each adds now (keepalived: weight > 0 counts while the link is up, < 0 while it is down,
   * `reverse` negates; a file adds value x weight): a link whose weight it lost or that subtracts, a
   * file whose value x weight is below 0.
   */
  badTracked(info: InstanceInfo): { words: string; delta: number }[] {
    const out: { words: string; delta: number }[] = [];
    for (const link of info.weightedLinks) {
      const multiplier = link.reverse ? -1 : 1;
      const add = (up: boolean): number => ((up ? link.weight > 0 : link.weight < 0) ? link.weight * multiplier : 0);
      const up = !this.linkDown(info.host, link.iface);
      const now = add(up);
      if (now < add(!up)) out.push({ words: `${link.iface} ${up ? 'up' : 'down'}`, delta: now });
    }
    for (const file of info.weightedFiles) {
      const value = this.fileValues.get(info.host)?.get(file.file) ?? 0;
      const now = Math.min(253, value * file.weight * (file.reverse ? -1 : 1));
      if (now < 0) out.push({ words: `track_file ${file.name} reads ${value}`, delta: now });
    }
    return out;
  }
}

/** The text a `write` record put into the file (its detail is `PATH "VALUE"`, the value JSON-quoted). */
function writtenText(detail: string | undefined): string {
  const text = detail ?? '';
  const cut = text.lastIndexOf(' "');
  if (cut < 0) return '';
  try {
    const value: unknown = JSON.parse(text.slice(cut + 1));
    return typeof value === 'string' ? value : '';
  } catch {
    return '';
  }
}

export function parseGroups(detail: string | undefined): string[][] {
  return (detail ?? '').split(' | ').map((group) => group.split('+').filter((name) => name !== ''));
}
