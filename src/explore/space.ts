/**
 * The space explore searches: a base scenario (hosts, services, checks, the common timeline
 * prefix) and the vocabulary of faults that the hosts' configurations make meaningful.
 *
 * A fault is one injected event together with its undoing, if it has one (a stop and its later
 * start, a partition and its heal). The vocabulary is derived from the configs alone: services
 * that checks probe or notify scripts start and stop, interfaces the instances use or track,
 * files that checks read, and the network between the hosts.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkedService, inferNotifyEffects } from '../analysis/notify.js';
import type { KeepalivedConfig } from '../config/model.js';
import { onHostDisk } from '../config/load.js';
import { canonicalAddress } from '../wire/address.js';
import { loadHostConfig, type LoadedHostConfig } from '../sim/run.js';
import { KEEPALIVED_24_MODEL, keepalivedRelease, laterKeywordNotModelled, laterKeywordsIn } from '../config/version.js';
import { validateScenario } from '../sim/validate.js';
import { processService, trackedProcesses } from '../sim/processes.js';
import type { CheckModel, Scenario, ScenarioHost, TimelineEntry } from '../sim/scenario.js';

/** Fault templates: what is done, where; `at`/`until` are chosen by the search. */
export type FaultTemplate =
  | { do: 'stop' | 'kill'; host: string }
  | { do: 'service-stop'; host: string; service: string }
  | { do: 'link-down'; host: string; interface?: string }
  | { do: 'touch' | 'rm'; host: string; path: string }
  | { do: 'script-hang'; host: string; script: string }
  /** A vrrp_track_file's file gets a value other than 0 (undone: 0 again). */
  | { do: 'write'; host: string; path: string; value: string }
  | { do: 'partition'; groups: string[][] }
  | { do: 'loss'; percent: number }
  | { do: 'delay'; ms: number }
  /** The host's wall clock steps (NTP gone wrong); undone by the opposite step. */
  | { do: 'clock-step'; host: string; byMs: number };

/** A fault placed in time (virtual ms); `until` undefined means it is never undone. */
export type Fault = FaultTemplate & { at: number; until?: number };

export interface ExploreSpace {
  /** Hosts, services, checks and notify models; its timeline is the common prefix. */
  base: Scenario;
  configs: Map<string, LoadedHostConfig>;
  vocabulary: FaultTemplate[];
  /** Faults that may be left in force until the end (a host that dies and stays dead). */
  permanent: FaultTemplate[];
  /** How long the cluster needs to react to a change: the slowest check's rise/fall plus Master_Down_Interval, ms. */
  takeoverMs: number;
  /** The largest advert interval of any instance, ms. */
  advertIntervalMs: number;
}

export interface HostDirectory {
  name: string;
  root: string;
  /** keepalived.conf as the host sees it (default /etc/keepalived/keepalived.conf). */
  config?: string;
}

export const DEFAULT_CONFIG_PATH = '/etc/keepalived/keepalived.conf';
const SCENARIO_MS = 60_000;

/**
 * A base scenario from host directories alone, as `check --host` takes them: each host gets its
 * `unicast_src_ip`, else an address named by the other hosts' `unicast_peer` lists that no host
 * claims, else a lab address next to the first VIP (or in 192.0.2.0/24, the documentation range).
 * The same for IPv6 (`address6`): its IPv6 `unicast_src_ip`, else an unclaimed IPv6 peer address
 * when it has an IPv6 unicast instance; else the simulator's fe80::N (issue 23: IPv6 unicast hosts
 * advertised from fe80::N, which no peer list names, and every start was a split brain).
 */
export function scenarioFromHosts(hosts: HostDirectory[], seed: number): Scenario {
  const loaded = hosts.map((host) => {
    const scenarioHost: ScenarioHost = { name: host.name, address: '', configPath: host.config ?? DEFAULT_CONFIG_PATH, root: path.resolve(host.root) };
    return { scenarioHost, config: loadHostConfig(scenarioHost, 'model', process.cwd()).config };
  });
  const claimed = new Set<string>();
  for (const { scenarioHost, config } of loaded) {
    const source = config.instances.find((instance) => instance.unicastSrcIp !== undefined)?.unicastSrcIp;
    if (source !== undefined && isIpv4(source) && !claimed.has(source)) {
      scenarioHost.address = source;
      claimed.add(source);
    }
  }
  const named = new Map<string, number>();
  for (const { config } of loaded) {
    for (const peer of new Set(config.instances.flatMap((instance) => instance.unicastPeers))) if (isIpv4(peer) && !claimed.has(peer)) named.set(peer, (named.get(peer) ?? 0) + 1);
  }
  const unclaimedPeers = [...named.entries()].sort((a, b) => b[1] - a[1] || compareAddresses(a[0], b[0])).map(([address]) => address);
  const vipAddresses = new Set(loaded.flatMap(({ config }) => config.instances.flatMap((instance) => instance.virtualIpaddresses.map((vip) => vip.address))));
  const firstVip = [...vipAddresses].find(isIpv4);
  const prefix = firstVip !== undefined ? firstVip.split('.').slice(0, 3).join('.') : '192.0.2';
  let next = 1;
  for (const { scenarioHost } of loaded) {
    if (scenarioHost.address !== '') continue;
    const peer = unclaimedPeers.shift();
    if (peer !== undefined) {
      scenarioHost.address = peer;
      claimed.add(peer);
      continue;
    }
    while (claimed.has(`${prefix}.${next}`) || vipAddresses.has(`${prefix}.${next}`)) next++;
    scenarioHost.address = `${prefix}.${next}`;
    claimed.add(scenarioHost.address);
  }
  assignAddresses6(loaded);
  return {
    name: `explore-${hosts.map((host) => host.name).join('-')}`,
    directory: process.cwd(),
    durationMs: SCENARIO_MS,
    scripts: 'model',
    hosts: loaded.map(({ scenarioHost }) => scenarioHost),
    services: Object.fromEntries(hosts.map((host) => [host.name, {}])),
    checks: {},
    notify: {},
    timeline: [],
    seed,
    flapping: { transitions: 4, windowMs: 60_000 },
  };
}

/**
 * What the search takes for granted about the hosts beyond their configs, for the report's header:
 * keepalived 2.4 keywords a config has (read as 2.2.7's), and how each vrrp_track_process is
 * followed (never silently).
 */
export function processNotes(base: Scenario): string[] {
  const byProcess = new Map<string, { service: string; hosts: string[]; blind: string[] }>();
  const later: string[] = [];
  const version = base.keepalivedVersion ?? '2.2';
  const configs = new Map<string, LoadedHostConfig>();
  for (const host of base.hosts) {
    const loaded = loadHostConfig(host, base.scripts, base.directory, version);
    configs.set(host.name, loaded);
    const config = loaded.config;
    // keepalived 2.4's auth_hmac under 2.2 is not modelled: said in the header (read as 2.2.7's).
    for (const keyword of laterKeywordsIn(loaded.diagnostics)) later.push(laterKeywordNotModelled(host.name, keyword));
    for (const process of trackedProcesses(config)) {
      const key = `${process.name}\0${processService(process)}`;
      const entry = byProcess.get(key) ?? { service: processService(process), hosts: [], blind: [] };
      entry.hosts.push(host.name);
      if (host.processEvents === false) entry.blind.push(host.name);
      byProcess.set(key, entry);
    }
  }
  // The keepalived the hosts run as, first (explore --keepalived-version, the scenario's key).
  const clocks = base.hosts.filter((h) => h.clockOffsetMs !== undefined).map((h) => `${h.name} ${h.clockOffsetMs! >= 0 ? '+' : ''}${h.clockOffsetMs! / 1000} s`);
  const stepped = clockStepWindowS(base, configs) !== undefined;
  const clockNote = stepped ? "; the faults searched include each host's wall clock stepping past the auth_hmac time window, which the lab cannot play (--confirm does not run those)" : '; no host judges send times (anti_replay time), so no clock step is searched';
  const runAs = `hosts run as keepalived ${keepalivedRelease(version)}${version === '2.4' ? ` (${KEEPALIVED_24_MODEL}${clockNote})` : ''}${clocks.length > 0 ? `; wall clocks off: ${clocks.join(', ')}` : ''}`;
  return [runAs, ...later, ...[...byProcess.entries()].map(([key, { service, hosts, blind }]) =>
    `track_process ${key.split('\0')[0]} (${hosts.join(', ')}): follows service ${service}; its service-stop faults are the process exiting, service-start an exec (no fork_delay)` +
      (blind.length > 0 ? `; ${blind.join(', ')} cannot follow process events (process-events: false): counted absent throughout` : ''))];
}

/** Build the space for a base scenario: load its configs once and derive the fault vocabulary. */
export function exploreSpace(base: Scenario): ExploreSpace {
  const configs = new Map<string, LoadedHostConfig>();
  for (const host of base.hosts) configs.set(host.name, loadHostConfig(host, base.scripts, base.directory, base.keepalivedVersion ?? '2.2'));
  // The names the base uses are checked against the configs once, here; the runs skip it.
  const validation = validateScenario(base, base.hosts.map((host) => ({ name: host.name, config: configs.get(host.name)?.config as KeepalivedConfig })));
  if (validation.errors.length > 0) throw new Error(validation.errors.join('\n'));
  const vocabulary: FaultTemplate[] = [];
  const permanent: FaultTemplate[] = [];
  // As the simulator infers it (../sim/run.ts): the command's probe, else a wrapper's, read from the host.
  const modelFor = (host: ScenarioHost, script: string, command: string): CheckModel => {
    const explicit = base.checks[script];
    if (explicit !== undefined) return explicit;
    const service = checkedService(command, (program) => readHostText(host, program));
    return service !== undefined ? { kind: 'service', service } : { kind: 'exit', code: 0 };
  };

  let takeoverMs = 0;
  let advertIntervalMs = 0;
  for (const host of base.hosts) {
    const config = configs.get(host.name)?.config;
    if (config === undefined) continue;
    const tracked = trackedScripts(config);
    // A script keepalived disables (its program cannot exist) or never uses never runs: nothing to fault there.
    const scripts = config.scripts.filter((script) => tracked.has(script.name) && script.disabled !== true && script.unused !== true);
    const services = new Set<string>();
    const files = new Map<string, 'touch' | 'rm'>();
    for (const script of scripts) {
      const model = modelFor(host, script.name, script.script);
      if (model.kind === 'service') services.add(model.service);
      if (model.kind === 'file-absent') files.set(model.path, 'touch');
      if (model.kind === 'file-present') files.set(model.path, 'rm');
    }
    for (const service of notifiedServices(host, config, base)) services.add(service);
    // A tracked process is the service of its name: stopping it is the process exiting.
    const processes = trackedProcesses(config);
    for (const process of processes) services.add(processService(process));
    for (const service of [...services].sort()) vocabulary.push({ do: 'service-stop', host: host.name, service });
    vocabulary.push({ do: 'stop', host: host.name }, { do: 'kill', host: host.name });
    permanent.push({ do: 'kill', host: host.name }, { do: 'stop', host: host.name });
    for (const iface of interfacesOf(config)) {
      const fault: FaultTemplate = iface.vrrp && interfacesOf(config).length === 1 ? { do: 'link-down', host: host.name } : { do: 'link-down', host: host.name, interface: iface.name };
      vocabulary.push(fault);
    }
    for (const [file, action] of [...files.entries()].sort()) vocabulary.push({ do: action, host: host.name, path: file });
    // A check that hangs past its timeout fails late, and only by timing out: not what a stopped service does.
    for (const script of scripts) vocabulary.push({ do: 'script-hang', host: host.name, script: script.name });
    // A tracked file read as 1: value x weight off the priority, or FAULT with weight 0.
    for (const file of trackedFiles(config)) vocabulary.push({ do: 'write', host: host.name, path: file, value: '1' });

    for (const instance of config.instances) {
      advertIntervalMs = Math.max(advertIntervalMs, instance.advertIntervalMs);
      const checkDelay = Math.max(0, ...scripts.map((script) => Math.max(script.rise, script.fall) * script.intervalMs), ...processes.map((p) => Math.max(p.terminateDelayMs, p.forkDelayMs)));
      takeoverMs = Math.max(takeoverMs, 3 * instance.advertIntervalMs + instance.advertIntervalMs + instance.preemptDelayMs + checkDelay);
    }
  }
  // keepalived 2.4's auth_hmac with anti_replay time judges each advert's send time against the
  // receiver's clock: a clock stepped past the time window makes one side's adverts stale to the
  // other (2.4.3, lab: "stale authentication trailer ... clock skew -30 sec exceeds window 5 sec",
  // a split brain). Any host's clock may be the one that steps.
  const windowS = clockStepWindowS(base, configs);
  if (windowS !== undefined) for (const host of base.hosts) vocabulary.push({ do: 'clock-step', host: host.name, byMs: Math.max(30, 2 * windowS) * 1000 });
  const names = base.hosts.map((host) => host.name);
  if (names.length === 2) vocabulary.push({ do: 'partition', groups: [[names[0] ?? ''], [names[1] ?? '']] });
  else if (names.length > 2) for (const name of names) vocabulary.push({ do: 'partition', groups: [[name], names.filter((other) => other !== name)] });
  if (names.length > 1) {
    vocabulary.push({ do: 'loss', percent: 50 });
    // Longer than Master_Down_Interval: adverts arrive too late for the backups' down timers.
    vocabulary.push({ do: 'delay', ms: 3 * (advertIntervalMs || 1000) + 500 });
  }
  return { base, configs, vocabulary, permanent, takeoverMs: Math.max(takeoverMs, 1000) + 1000, advertIntervalMs: advertIntervalMs || 1000 };
}

/**
 * The largest auth_hmac time window (s) of the cluster's `anti_replay time` instances under
 * keepalived 2.4 (keepalived's default when not given: max(3 x advert_int, 5), at most 300), or
 * undefined when no host judges send times: a clock step then changes nothing.
 */
function clockStepWindowS(base: Scenario, configs: ReadonlyMap<string, LoadedHostConfig>): number | undefined {
  if (base.keepalivedVersion !== '2.4') return undefined;
  let widest: number | undefined;
  for (const loaded of configs.values()) {
    for (const instance of loaded.config.instances) {
      const hmac = instance.authHmac;
      if (hmac === undefined || hmac.activeKey === 0 || hmac.antiReplay !== 'time') continue;
      const windowS = hmac.timeWindowS > 0 ? hmac.timeWindowS : Math.min(300, Math.max(5, (3 * instance.advertIntervalMs) / 1000));
      widest = Math.max(widest ?? 0, windowS);
    }
  }
  return widest;
}

/** Timeline entries for a fault: the event, and its undoing when it has one. */
export function faultEntries(fault: Fault): TimelineEntry[] {
  const undo = (entry: TimelineEntry): TimelineEntry[] => (fault.until === undefined ? [] : [entry]);
  const at = fault.at;
  const until = fault.until ?? 0;
  switch (fault.do) {
    case 'stop':
    case 'kill':
      return [{ atMs: at, do: fault.do, host: fault.host }, ...undo({ atMs: until, do: 'start', host: fault.host })];
    case 'service-stop':
      return [{ atMs: at, do: 'service-stop', host: fault.host, service: fault.service }, ...undo({ atMs: until, do: 'service-start', host: fault.host, service: fault.service })];
    case 'link-down': {
      const iface = fault.interface !== undefined ? { interface: fault.interface } : {};
      return [{ atMs: at, do: 'link-down', host: fault.host, ...iface }, ...undo({ atMs: until, do: 'link-up', host: fault.host, ...iface })];
    }
    case 'touch':
    case 'rm':
      return [{ atMs: at, do: fault.do, host: fault.host, path: fault.path }, ...undo({ atMs: until, do: fault.do === 'touch' ? 'rm' : 'touch', host: fault.host, path: fault.path })];
    case 'script-hang':
      return [{ atMs: at, do: 'script-hang', host: fault.host, script: fault.script }, ...undo({ atMs: until, do: 'script-resume', host: fault.host, script: fault.script })];
    case 'write':
      return [{ atMs: at, do: 'write', host: fault.host, path: fault.path, value: fault.value }, ...undo({ atMs: until, do: 'write', host: fault.host, path: fault.path, value: '0' })];
    case 'partition':
      return [{ atMs: at, do: 'partition', groups: fault.groups }, ...undo({ atMs: until, do: 'heal' })];
    case 'loss':
      return [{ atMs: at, do: 'loss', percent: fault.percent }, ...undo({ atMs: until, do: 'loss', percent: 0 })];
    case 'delay':
      return [{ atMs: at, do: 'delay', ms: fault.ms }, ...undo({ atMs: until, do: 'delay', ms: 0 })];
    case 'clock-step':
      return [{ atMs: at, do: 'clock-step', host: fault.host, byMs: fault.byMs }, ...undo({ atMs: until, do: 'clock-step', host: fault.host, byMs: -fault.byMs })];
  }
}

/** What a fault is and where, without when: the identity two failures are compared by. */
export function faultIdentity(fault: FaultTemplate): string {
  switch (fault.do) {
    case 'stop':
    case 'kill':
      return `${fault.host}:${fault.do}`;
    case 'service-stop':
      return `${fault.host}:service-stop:${fault.service}`;
    case 'link-down':
      return `${fault.host}:link-down${fault.interface !== undefined ? `:${fault.interface}` : ''}`;
    case 'touch':
    case 'rm':
      return `${fault.host}:${fault.do}:${fault.path}`;
    case 'script-hang':
      return `${fault.host}:script-hang:${fault.script}`;
    case 'write':
      return `${fault.host}:write:${fault.path}=${fault.value}`;
    case 'partition':
      return `partition:${fault.groups.map((group) => group.join('+')).join('|')}`;
    case 'loss':
      return `loss:${fault.percent}`;
    case 'delay':
      return `delay:${fault.ms}`;
    case 'clock-step':
      return `${fault.host}:clock-step:${fault.byMs}`;
  }
}

/** A fault in words, as the report prints it. */
export function describeFault(fault: Fault): string {
  const at = seconds(fault.at);
  const until = fault.until === undefined ? undefined : seconds(fault.until);
  switch (fault.do) {
    case 'stop':
      return `keepalived on ${fault.host} stops at ${at}${until !== undefined ? ` and starts again at ${until}` : ' and stays down'}`;
    case 'kill':
      return `keepalived on ${fault.host} is killed (SIGKILL) at ${at}${until !== undefined ? ` and starts again at ${until}` : ' and stays down'}`;
    case 'service-stop':
      return `${fault.service} on ${fault.host} stops at ${at}${until !== undefined ? ` and is started again at ${until}` : ''}`;
    case 'link-down':
      return `${fault.interface ?? 'the link'} on ${fault.host} goes down at ${at}${until !== undefined ? ` and comes back at ${until}` : ''}`;
    case 'touch':
      return `${fault.path} is created on ${fault.host} at ${at}${until !== undefined ? ` and removed at ${until}` : ''}`;
    case 'rm':
      return `${fault.path} is removed on ${fault.host} at ${at}${until !== undefined ? ` and created again at ${until}` : ''}`;
    case 'script-hang':
      return `${fault.script} on ${fault.host} hangs past its timeout from ${at}${until !== undefined ? ` to ${until}` : ''}`;
    case 'write':
      return `${fault.value} is written to ${fault.path} on ${fault.host} at ${at}${until !== undefined ? ` and 0 at ${until}` : ''}`;
    case 'partition':
      return `the LAN splits into ${fault.groups.map((group) => group.join('+')).join(' | ')} at ${at}${until !== undefined ? ` and heals at ${until}` : ''}`;
    case 'loss':
      return `${fault.percent}% of packets are lost from ${at}${until !== undefined ? ` to ${until}` : ''}`;
    case 'delay':
      return `packets are delayed by ${fault.ms} ms from ${at}${until !== undefined ? ` to ${until}` : ''}`;
    case 'clock-step':
      return `the wall clock of ${fault.host} steps ${fault.byMs >= 0 ? '+' : '-'}${Math.abs(fault.byMs) / 1000} s at ${at}${until !== undefined ? ` and back at ${until}` : ''}`;
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function trackedScripts(config: KeepalivedConfig): Set<string> {
  const names = new Set<string>();
  for (const instance of config.instances) for (const ref of instance.trackScripts) names.add(ref.name);
  for (const group of config.syncGroups) for (const ref of group.trackScripts) names.add(ref.name);
  return names;
}

/** The files of the vrrp_track_files an instance or sync group tracks. */
function trackedFiles(config: KeepalivedConfig): string[] {
  const names = new Set([...config.instances.flatMap((instance) => instance.trackFiles), ...config.syncGroups.flatMap((group) => group.trackFiles)].map((ref) => ref.name));
  return [...new Set(config.trackFiles.filter((file) => names.has(file.name)).map((file) => file.file))].sort();
}

function interfacesOf(config: KeepalivedConfig): { name: string; vrrp: boolean }[] {
  const vrrp = new Set(config.instances.map((instance) => instance.interface));
  const tracked = new Set([...config.instances.flatMap((instance) => instance.trackInterfaces), ...config.syncGroups.flatMap((group) => group.trackInterfaces)].map((ref) => ref.name));
  return [...new Set([...vrrp, ...tracked])].sort().map((name) => ({ name, vrrp: vrrp.has(name) }));
}

/** Services a host's notify scripts start or stop (model mode reads them the same way). */
function notifiedServices(host: ScenarioHost, config: KeepalivedConfig, base: Scenario): string[] {
  const services = new Set<string>();
  for (const effects of Object.values(base.notify)) for (const effect of effects ?? []) services.add(effect.service);
  const programs = new Set<string>();
  const notifies = [...config.instances.map((instance) => instance.notify), ...config.syncGroups.map((group) => group.notify)];
  for (const notify of notifies) {
    for (const command of [notify.master, notify.backup, notify.fault, notify.stop, notify.generic]) {
      const program = command?.trim().split(/\s+/)[0]?.replace(/^["']|["']$/g, '');
      if (program !== undefined && program !== '') programs.add(program);
    }
  }
  for (const program of programs) {
    const text = readHostText(host, program);
    if (text !== undefined) for (const effect of inferNotifyEffects(text)) services.add(effect.service);
  }
  return [...services];
}

/** A file as the host holds it (notify and wrapper scripts); undefined when it cannot be read. */
function readHostText(host: ScenarioHost, file: string): string | undefined {
  try {
    return fs.readFileSync(onHostDisk(host.root, file), 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * What keepalived would do with the hosts' configs that the simulation does not model (the
 * configs' notModelled notes, without the "vrrplab: " some begin with), one line per note, for explore's header.
 */
export function modelNotes(space: ExploreSpace): string[] {
  const lines: string[] = [];
  for (const [host, loaded] of space.configs) {
    for (const d of loaded.diagnostics) {
      if (d.notModelled === true) lines.push(`${host} keepalived.conf: ${d.location ? `(${d.location.file}: Line ${d.location.line}) ` : ''}${d.message.replace(/^vrrplab: /, '')}`);
    }
  }
  return lines;
}

/** scenarioFromHosts()'s IPv6 half: `address6` from IPv6 unicast_src_ip, else an unclaimed IPv6 unicast_peer. */
function assignAddresses6(loaded: { scenarioHost: ScenarioHost; config: KeepalivedConfig }[]): void {
  const claimed = new Set<string>();
  const v6 = (address: string) => (address.includes(':') ? canonicalAddress(address) : null);
  for (const { scenarioHost, config } of loaded) {
    const source = config.instances.map((instance) => (instance.unicastSrcIp === undefined ? null : v6(instance.unicastSrcIp))).find((address) => address !== null);
    if (source != null && !claimed.has(source)) {
      scenarioHost.address6 = source;
      claimed.add(source);
    }
  }
  const named = new Map<string, number>();
  for (const { config } of loaded) {
    const peers = new Set(config.instances.flatMap((instance) => instance.unicastPeers.map(v6).filter((peer): peer is string => peer !== null)));
    for (const peer of peers) if (!claimed.has(peer)) named.set(peer, (named.get(peer) ?? 0) + 1);
  }
  const unclaimed = [...named.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([address]) => address);
  for (const { scenarioHost, config } of loaded) {
    if (scenarioHost.address6 !== undefined) continue;
    if (!config.instances.some((instance) => instance.family === 6 && instance.unicastPeers.length > 0)) continue;
    const peer = unclaimed.shift();
    if (peer === undefined) break;
    scenarioHost.address6 = peer;
  }
}

function isIpv4(address: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(address);
}

function compareAddresses(a: string, b: string): number {
  const key = (address: string) => address.split('.').map((part) => part.padStart(3, '0')).join('.');
  return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;
}
