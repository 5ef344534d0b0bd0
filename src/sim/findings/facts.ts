/**
 * What the configs say, worked out once per set of configs: each instance's VRID, VIPs, timers,
 * priority and weighted checks, each host's check delay, and each VRID's home and takeover time.
 *
 * Which hosts are of one cluster is worked out here too, once for every finding: a host accepts
 * another's adverts when they reach it (multicast, or unicast to an address its sender lists) and
 * pass the engine's own receive check (src/wire/validate.ts). Hosts that accept each other's
 * adverts are one cluster; hosts that would hold the same VIPs are one VIP group (a unicast_peer
 * typo leaves a pair one group but not one cluster).
 */
import type { KeepalivedConfig, VrrpInstance } from '../../config/model.js';
import type { KeepalivedVersion } from '../../config/version.js';
import { masterDownIntervalMs } from '../../engine/timing.js';
import { configExpectation } from '../../engine/receive.js';
import { checkAdvertForInstance } from '../../wire/validate.js';
import type { ReceivedAdvert } from '../../wire/types.js';
import { IPV6_UNICAST_HOP_LIMIT } from '../../wire/ipv6.js';
import { conflictSides, type VridConflict } from '../../analysis/vrid-conflict.js';
import { processCheckName } from '../processes.js';
import type { SimRecord } from '../cluster.js';
import type { FindingContext } from './types.js';

export interface ConfigFacts {
  context: FindingContext;
  facts: Facts;
  conflicts: VridConflict[];
}

/** Facts already worked out, by the first host's config: explore judges thousands of runs of the same hosts. */
const factsByConfig = new WeakMap<KeepalivedConfig, ConfigFacts[]>();
const FACTS_PER_CONFIG = 8;

/** The facts of a context's configs (and duration and flapping limit), worked out once for the same ones. */
export function configFacts(context: FindingContext): ConfigFacts {
  const first = context.hosts[0]?.config;
  const known = first === undefined ? undefined : factsByConfig.get(first);
  const match = known?.find((candidate) => sameConfigs(candidate.context, context));
  if (match !== undefined) return match;
  const made = { context, facts: new Facts(context), conflicts: conflictSides(context.hosts, context.keepalivedVersion ?? '2.2') };
  if (first !== undefined) {
    const list = known ?? [];
    if (list.length >= FACTS_PER_CONFIG) list.shift();
    list.push(made);
    factsByConfig.set(first, list);
  }
  return made;
}

/** The same host names with the same config objects, duration and flapping limit (what Facts and conflicts depend on). */
function sameConfigs(a: FindingContext, b: FindingContext): boolean {
  return (
    a.durationMs === b.durationMs &&
    (a.keepalivedVersion ?? '2.2') === (b.keepalivedVersion ?? '2.2') &&
    a.flapping.transitions === b.flapping.transitions &&
    a.flapping.windowMs === b.flapping.windowMs &&
    a.hosts.length === b.hosts.length &&
    a.hosts.every((host, index) => {
      const other = b.hosts[index];
      return host.name === other?.name && host.config === other.config && host.address === other.address && host.address6 === other.address6;
    })
  );
}

/** What differs, for the verdicts two configs can give each other's adverts. */
const REJECTED: Partial<Record<string, string>> = {
  'auth-type-mismatch': 'other auth_type',
  'invalid-auth-type': 'other auth_type',
  'auth-mismatch': 'other auth_pass',
  'interval-mismatch': 'other VRRPv2 advert_int',
  'bad-version': 'other VRRP version',
  'address-count-mismatch': 'other virtual_ipaddress list',
  'address-list-mismatch': 'other virtual_ipaddress list',
  'unicast-multicast-mismatch': 'one unicast, the other multicast',
  'unicast-peer-mismatch': 'not among its unicast_peer',
  'ttl-out-of-range': 'TTL / hop limit outside its unicast_peer min_ttl-max_ttl',
};

/**
 * Why keepalived 2.4.3 with `to`'s auth_hmac rejects the adverts of `from` (undefined: it does not,
 * as far as configs tell: clocks and the time window are the run's).
 */
function authHmacRejection(from: VrrpInstance, to: VrrpInstance): string | undefined {
  const sent = from.authHmac !== undefined && from.authHmac.mode !== 'receive-only' ? from.authHmac : undefined;
  const mine = to.authHmac;
  if (mine === undefined) return sent !== undefined ? 'signed with auth_hmac, which it does not have: too long' : undefined;
  if (sent === undefined) return mine.mode === 'enforce' ? 'unsigned, and its auth_hmac is in mode enforce: missing authentication trailer' : undefined;
  const key = mine.keys.find((k) => k.id === sent.activeKey);
  if (key === undefined) return `signed with auth_hmac key ${sent.activeKey}, which it does not hold: unknown authentication key id`;
  const theirs = sent.keys.find((k) => k.id === sent.activeKey);
  if (theirs !== undefined && theirs.hex !== key.hex) return `signed with auth_hmac key ${sent.activeKey}, which it holds with other bytes: invalid authentication HMAC`;
  return undefined;
}

/** Slack for script run time, start-up jitter and LAN latency, seconds. */
export const SLACK_S = 0.1;
/** keepalived's exec-to-init delay at most (70 ms jittered up to 1.4x, rounded up), seconds. */
export const STARTUP_S = 0.15;

export interface ScriptLink {
  script: string;
  weight: number;
  reverse: boolean;
}

/** A tracked interface (track_interface, the instance's or its sync group's) with a non-zero weight. */
export interface LinkLink {
  iface: string;
  weight: number;
  reverse: boolean;
}

/** A tracked file (vrrp_track_file, the instance's or its sync group's) with a non-zero weight: value x weight. */
export interface FileLink {
  name: string;
  file: string;
  weight: number;
  reverse: boolean;
}

export interface InstanceInfo {
  host: string;
  name: string;
  vrid: number;
  vips: string[];
  advertIntervalMs: number;
  version: 2 | 3;
  priority: number;
  nopreempt: boolean;
  preemptDelayMs: number;
  /** Tracked scripts (own and the sync group's) with a non-zero weight; weight-0 scripts cause FAULT instead. */
  weighted: ScriptLink[];
  /** Tracked scripts with weight 0: failing, they put the instance in FAULT. */
  faulting: string[];
  /** Tracked interfaces with a non-zero weight: down (up, for `reverse`), they lower its priority. */
  weightedLinks: LinkLink[];
  /** Tracked files with a non-zero weight: a value that makes value x weight negative lowers its priority. */
  weightedFiles: FileLink[];
  /** The instance as configured, for what its adverts carry and what it accepts. */
  config: VrrpInstance;
}

export interface VridInfo {
  home: string | undefined;
  byHost: Map<string, InstanceInfo>;
}

export class Facts {
  readonly hosts: string[];
  readonly vrids = new Map<number, VridInfo>();
  readonly interfaces = new Map<string, string[]>();
  private readonly checkDelays = new Map<string, number>();
  private readonly addresses = new Map<string, { v4: string | undefined; v6: string | undefined }>();
  private readonly shared = new Map<number, boolean>();
  private readonly groupsByVrid = new Map<number, string[][]>();
  private readonly homes = new Map<InstanceInfo, string>();
  private readonly hearing = new Map<InstanceInfo, Map<InstanceInfo, string | undefined>>();
  private readonly takeovers = new Map<string, number>();
  private readonly hostVrids = new Map<string, number[]>();
  private readonly vridAlone = new Map<number, readonly number[]>();
  private allVrids: readonly number[] | undefined;
  /** Per host, its instances that have VIPs, by VRID in the order of `vrids`. */
  private readonly withVips = new Map<string, { vrid: number; entry: VridInfo; info: InstanceInfo }[]>();
  readonly flappingLimit: { transitions: number; windowMs: number };
  readonly durationS: number;

  /** The keepalived the hosts run as. */
  private readonly version: KeepalivedVersion;

  constructor(context: FindingContext) {
    this.version = context.keepalivedVersion ?? '2.2';
    this.hosts = context.hosts.map((host) => host.name);
    this.flappingLimit = context.flapping;
    this.durationS = context.durationMs / 1000;
    context.hosts.forEach((host, index) => {
      // The simulator's default IPv6 address: fe80::N, N the host's place.
      this.addresses.set(host.name, { v4: host.address, v6: host.address6 ?? (host.address !== undefined ? `fe80::${(index + 1).toString(16)}` : undefined) });
    });
    for (const { name: host, config } of context.hosts) {
      this.interfaces.set(host, [...new Set(config.instances.map((instance) => instance.interface))]);
      const scripts = new Map(config.scripts.filter((script) => script.disabled !== true).map((script) => [script.name, script]));
      const processes = new Map((config.trackProcesses ?? []).map((process) => [process.name, process]));
      let delay = 0;
      for (const instance of config.instances) {
        const group = config.syncGroups.find((candidate) => candidate.name === instance.syncGroup || candidate.members.includes(instance.name));
        const refs = [...instance.trackScripts, ...(group?.trackScripts ?? [])];
        const weighted: ScriptLink[] = [];
        const faulting: string[] = [];
        for (const ref of refs) {
          const script = scripts.get(ref.name);
          if (script === undefined) continue;
          // Recovering takes `rise` good runs, failing `fall` bad ones, one interval apart.
          delay = Math.max(delay, (Math.max(script.rise, script.fall) * script.intervalMs) / 1000);
          const weight = ref.weight ?? script.weight;
          if (weight !== 0) weighted.push({ script: script.name, weight, reverse: ref.reverse ?? script.weightReverse });
          else faulting.push(script.name);
        }
        // A tracked process counts as a check named `track_process NAME` (../processes.ts).
        for (const ref of [...(instance.trackProcesses ?? []), ...(group?.trackProcesses ?? [])]) {
          const process = processes.get(ref.name);
          if (process === undefined || weighted.some((link) => link.script === processCheckName(ref.name))) continue;
          delay = Math.max(delay, process.terminateDelayMs / 1000);
          const weight = ref.weight ?? process.weight;
          if (weight !== 0) weighted.push({ script: processCheckName(ref.name), weight, reverse: ref.reverse ?? process.weightReverse });
          else faulting.push(processCheckName(ref.name));
        }
        // As the engine links them: the instance's own, then its sync group's, weight 0 (FAULT) aside.
        const weightedLinks: LinkLink[] = [...instance.trackInterfaces, ...(group?.trackInterfaces ?? [])]
          .filter((ref) => (ref.weight ?? 0) !== 0 && ref.name !== instance.interface)
          .map((ref) => ({ iface: ref.name, weight: ref.weight ?? 0, reverse: ref.reverse === true }));
        const weightedFiles: FileLink[] = [];
        for (const ref of [...instance.trackFiles, ...(group?.trackFiles ?? [])]) {
          const file = config.trackFiles.find((candidate) => candidate.name === ref.name);
          const weight = ref.weight ?? file?.weight ?? 0;
          if (file !== undefined && weight !== 0) weightedFiles.push({ name: file.name, file: file.file, weight, reverse: ref.reverse ?? file.weightReverse });
        }
        const entry = this.vrids.get(instance.vrid) ?? { home: undefined, byHost: new Map<string, InstanceInfo>() };
        if (!entry.byHost.has(host)) {
          entry.byHost.set(host, {
            host,
            name: instance.name,
            vrid: instance.vrid,
            vips: instance.virtualIpaddresses.map((vip) => normaliseAddress(vip.address)),
            advertIntervalMs: instance.advertIntervalMs,
            version: instance.version,
            priority: instance.priority,
            nopreempt: instance.nopreempt,
            preemptDelayMs: instance.preemptDelayMs,
            weighted,
            faulting,
            weightedLinks,
            weightedFiles,
            config: instance,
          });
        }
        this.vrids.set(instance.vrid, entry);
      }
      this.checkDelays.set(host, delay + SLACK_S);
    }
    // The home of a VRID: the host configured `state MASTER`, else the highest base priority.
    for (const [vrid, entry] of this.vrids) {
      let best: { host: string; score: number } | undefined;
      for (const host of context.hosts) {
        const instance = host.config.instances.find((candidate) => candidate.vrid === vrid);
        if (instance === undefined) continue;
        const score = (instance.initialState === 'MASTER' ? 1000 : 0) + instance.priority;
        if (best === undefined || score > best.score) best = { host: host.name, score };
      }
      entry.home = best?.host;
    }
  }

  instance(host: string, vrid: number): InstanceInfo | undefined {
    return this.vrids.get(vrid)?.byHost.get(host);
  }

  /**
   * Whether `receiver`'s keepalived accepts the adverts `sender` sends: they reach it (multicast,
   * or unicast to its address among the sender's unicast_peer), and pass what keepalived checks of
   * each (the engine's own check: version, auth type and password, a VRRPv2 interval, the VIP list,
   * unicast against multicast). A host that rejects a master's adverts is not of its cluster.
   */
  hears(receiver: InstanceInfo, sender: InstanceInfo): boolean {
    return this.deafness(receiver, sender) === undefined;
  }

  /** Why `receiver` does not accept `sender`'s adverts, in words (undefined: it does). */
  deafness(receiver: InstanceInfo, sender: InstanceInfo): string | undefined {
    if (receiver === sender) return undefined;
    let bySender = this.hearing.get(receiver);
    if (bySender === undefined) {
      bySender = new Map();
      this.hearing.set(receiver, bySender);
    }
    if (!bySender.has(sender)) bySender.set(sender, this.rejection(receiver, sender));
    return bySender.get(sender);
  }

  /**
   * The home of the VRID for the cluster of `info`'s host: among the instances of its cluster (those
   * that accept its adverts and whose adverts it accepts), the one configured `state MASTER`, else
   * the highest base priority. Another cluster sharing the VRID has a home of its own.
   */
  homeFor(info: InstanceInfo): string | undefined {
    let home = this.homes.get(info);
    if (home === undefined) {
      let best: { host: string; score: number } | undefined;
      for (const other of this.vrids.get(info.vrid)?.byHost.values() ?? []) {
        if (!this.sameCluster(info, other)) continue;
        const score = (other.config.initialState === 'MASTER' ? 1000 : 0) + other.priority;
        if (best === undefined || score > best.score) best = { host: other.host, score };
      }
      home = best?.host ?? '';
      this.homes.set(info, home);
    }
    return home === '' ? undefined : home;
  }

  /**
   * The VRID's hosts in groups that would hold the same VIPs (instances sharing an address, joined
   * transitively): one group per cluster when two clusters with other VIPs share the VRID, one
   * group for a pair that a unicast_peer typo keeps deaf to each other.
   */
  vipGroups(vrid: number): readonly (readonly string[])[] {
    let groups = this.groupsByVrid.get(vrid);
    if (groups === undefined) {
      const infos = [...(this.vrids.get(vrid)?.byHost.values() ?? [])];
      const made: InstanceInfo[][] = [];
      for (const info of infos) {
        // keepalived 2.4.3 follows a master whose adverts carry other VIPs: one cluster all the same.
        const joined = made.filter((group) => group.some((other) => shareVips(info, other) || (this.version === '2.4' && this.sameCluster(info, other))));
        const merged = [info, ...joined.flat()];
        for (const group of joined) made.splice(made.indexOf(group), 1);
        made.push(merged);
      }
      groups = made.map((group) => inHostOrder(this.hosts, group.map((info) => info.host)));
      this.groupsByVrid.set(vrid, groups);
    }
    return groups;
  }

  /** Two clusters share the VRID on the LAN: adverts of one reach hosts of the other, which reject them. */
  sharedVrid(vrid: number): boolean {
    let value = this.shared.get(vrid);
    if (value === undefined) {
      const infos = [...(this.vrids.get(vrid)?.byHost.values() ?? [])];
      // Packets that reach a host and that it rejects: what re-arms its advert timer.
      value = infos.some((a) => infos.some((b) => a !== b && this.deafness(a, b) !== undefined && this.delivered(a, b)));
      this.shared.set(vrid, value);
    }
    return value;
  }

  /** Each hears the other: members of one cluster, able to take over from each other. */
  sameCluster(a: InstanceInfo, b: InstanceInfo): boolean {
    return a === b || (this.hears(a, b) && this.hears(b, a));
  }

  /** `sender`'s adverts reach `receiver` (multicast, or unicast to its address). */
  private delivered(receiver: InstanceInfo, sender: InstanceInfo): boolean {
    const peers = sender.config.unicastPeers;
    if (peers.length === 0) return true;
    const known = this.addresses.get(receiver.host);
    const address = sender.config.family === 6 ? known?.v6 : known?.v4;
    return address === undefined || peers.includes(address);
  }

  private rejection(receiver: InstanceInfo, sender: InstanceInfo): string | undefined {
    const from = sender.config;
    const to = receiver.config;
    if (from.family !== to.family) return `${sender.host} and ${receiver.host} use other address families`;
    const pick = (host: string): string | undefined => {
      const known = this.addresses.get(host);
      return from.family === 6 ? known?.v6 : known?.v4;
    };
    const receiverAddress = pick(receiver.host);
    // Unicast goes only to the peers listed: a typo there is a host that never hears.
    if (!this.delivered(receiver, sender)) {
      return `${receiver.host} never gets ${sender.host}'s adverts: ${sender.host}'s unicast_peer (${from.unicastPeers.join(', ')}) does not list ${receiverAddress ?? '?'}`;
    }
    const multicast = from.family === 6 ? 'ff02::12' : '224.0.0.18';
    const dst = from.unicastPeers.length > 0 ? (receiverAddress ?? from.unicastPeers[0] ?? multicast) : multicast;
    const sent = from.version === 2 ? from.authentication : undefined;
    const received: ReceivedAdvert = {
      advert: {
        version: from.version,
        vrid: from.vrid,
        priority: from.priority,
        authType: sent === undefined ? 0 : sent.type === 'PASS' ? 1 : 2,
        auth: sent?.type === 'PASS' ? sent.password : '',
        advertIntervalMs: from.advertIntervalMs,
        family: from.family,
        addresses: from.virtualIpaddresses.filter((vip) => vip.family === from.family).map((vip) => vip.address),
      },
      src: from.unicastSrcIp ?? pick(sender.host) ?? (from.family === 6 ? '::' : '0.0.0.0'),
      dst,
      ttl: from.unicastPeers.length > 0 && from.family === 6 ? IPV6_UNICAST_HOP_LIMIT : 255,
      ...(sent?.type === 'AH' ? { viaAh: true } : {}),
    };
    if (this.version === '2.4') {
      const why = authHmacRejection(from, to);
      if (why !== undefined) return `${receiver.host} rejects ${sender.host}'s adverts (${why})`;
    }
    // keepalived 2.4.3 logs an advert with other VIPs and accepts it.
    const verdict = checkAdvertForInstance(received, configExpectation(to, this.version === '2.4' ? false : undefined));
    if (verdict === 'ok') return undefined;
    return `${receiver.host} rejects ${sender.host}'s adverts (${REJECTED[verdict] ?? verdict})`;
  }

  /** The longest a host's tracked checks take to follow a service or file (max(rise, fall) x interval), seconds. */
  checkDelay(host: string | undefined): number {
    if (host !== undefined) return this.checkDelays.get(host) ?? SLACK_S;
    return Math.max(SLACK_S, ...this.checkDelays.values());
  }

  /**
   * The longest a backup of the VRID on `host` (any, when undefined) takes to take over once it
   * should: Master_Down_Interval at the lowest priority (3 advert intervals + Skew_Time), plus its
   * preempt_delay, plus slack.
   */
  takeover(vrid: number, host?: string): number {
    const key = `${vrid}\0${host ?? ''}`;
    let value = this.takeovers.get(key);
    if (value === undefined) {
      value = this.computeTakeover(vrid, host);
      this.takeovers.set(key, value);
    }
    return value;
  }

  private computeTakeover(vrid: number, host?: string): number {
    const infos = [...(this.vrids.get(vrid)?.byHost.values() ?? [])].filter((info) => host === undefined || info.host === host);
    if (infos.length === 0) return (masterDownIntervalMs(2, 1, 1000) + SLACK_S * 1000) / 1000;
    return Math.max(...infos.map((info) => (masterDownIntervalMs(info.version, 1, info.advertIntervalMs) + info.preemptDelayMs) / 1000)) + SLACK_S;
  }

  advertInterval(vrid: number): number {
    return Math.max(1, ...[...(this.vrids.get(vrid)?.byHost.values() ?? [])].map((info) => info.advertIntervalMs)) / 1000;
  }

  /** VRIDs a host has an instance of. */
  vridsOf(host: string): number[] {
    let list = this.hostVrids.get(host);
    if (list === undefined) {
      list = [...this.vrids.entries()].filter(([, entry]) => entry.byHost.has(host)).map(([vrid]) => vrid);
      this.hostVrids.set(host, list);
    }
    return list;
  }

  /** The VRIDs a record can change the picture of: its own, its host's, or all for a network fault. */
  affected(record: SimRecord): readonly number[] {
    if (record.type === 'transition' || record.type === 'priority') {
      let alone = this.vridAlone.get(record.vrid);
      if (alone === undefined) {
        alone = [record.vrid];
        this.vridAlone.set(record.vrid, alone);
      }
      return alone;
    }
    if ('host' in record && record.host !== undefined) return this.vridsOf(record.host);
    this.allVrids ??= [...this.vrids.keys()];
    return this.allVrids;
  }

  /** The host's instances that have VIPs, with their VRIDs, in the order of `vrids`. */
  instancesWithVips(host: string): readonly { vrid: number; entry: VridInfo; info: InstanceInfo }[] {
    let list = this.withVips.get(host);
    if (list === undefined) {
      list = [];
      for (const [vrid, entry] of this.vrids) {
        const info = entry.byHost.get(host);
        if (info !== undefined && info.vips.length > 0) list.push({ vrid, entry, info });
      }
      this.withVips.set(host, list);
    }
    return list;
  }
}

export function holdsAll(held: ReadonlySet<string>, vips: readonly string[]): boolean {
  for (const vip of vips) if (!held.has(vip)) return false;
  return true;
}

export function normaliseAddress(address: string): string {
  return address.toLowerCase();
}

/** A `write` fault record's detail, `PATH "VALUE"`: the file, and whether the value reads as 0. */
export function writtenValue(detail: string | undefined): { file: string; zero: boolean } {
  const text = detail ?? '';
  const cut = text.lastIndexOf(' ');
  return { file: cut < 0 ? text : text.slice(0, cut), zero: /^"\s*[-+]?0*\s*"$/.test(cut < 0 ? '' : text.slice(cut + 1)) };
}

/** Two instances would hold a VIP in common (two with no VIP at all count as the same). */
export function shareVips(a: InstanceInfo | undefined, b: InstanceInfo | undefined): boolean {
  if (a === undefined || b === undefined) return true;
  if (a.vips.length === 0 && b.vips.length === 0) return true;
  return a.vips.some((vip) => b.vips.includes(vip));
}

/** `names` in the order of `hosts`. */
function inHostOrder(hosts: readonly string[], names: readonly string[]): string[] {
  return hosts.filter((host) => names.includes(host));
}
