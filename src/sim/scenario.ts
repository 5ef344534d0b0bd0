/**
 * Scenario files (YAML): which hosts run which keepalived.conf, what their scripts depend on,
 * and what happens when. Parsing never throws: what the file cannot mean is an error naming the
 * file and line (`FILE:LINE: key: message`), as keepalived names a bad config line; what merely
 * looks odd is a warning. Checks that need the hosts' configs (script, service and interface
 * names) are in ./validate.ts, run once the configs are loaded.
 */
import * as fs from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import * as path from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { isPacketKind, PACKET_KINDS, type PacketKind } from '../wire/forge.js';
import { parseKeepalivedVersion, type KeepalivedVersion } from '../config/version.js';

export type ScriptMode = 'model' | 'exec';

export interface ScenarioHost {
  name: string;
  address: string;
  /** IPv6 link-local address for VRRPv3 over IPv6 (default fe80::N). */
  address6?: string;
  /** keepalived.conf path as given (already resolved against the scenario directory / host root). */
  configPath: string;
  /** Host directory: absolute paths in the config (scripts, includes) resolve inside it. */
  root?: string;
  /**
   * `process-events: false`: the host's keepalived cannot follow process events (it runs inside a
   * network namespace, as in the lab), so every vrrp_track_process counts as absent.
   */
  processEvents?: boolean;
  /**
   * `clock: +30s`: the host's wall clock is this far ahead of true time (negative: behind). Only
   * keepalived 2.4's auth_hmac reads it (the trailer's time, the anti_replay time window).
   */
  clockOffsetMs?: number;
}

/** What a vrrp_script's result depends on, in model mode. */
export type CheckModel =
  | { kind: 'service'; service: string }
  | { kind: 'file-absent'; path: string }
  | { kind: 'file-present'; path: string }
  | { kind: 'exit'; code: number };

export type NotifyStateKey = 'master' | 'backup' | 'fault' | 'stop';

/** A model-mode notify effect: start or stop a service on the host that runs the notify. */
export interface NotifyModelEffect {
  action: 'start' | 'stop';
  service: string;
}

export type TimelineAction =
  /** `startup`: ms from keepalived's start to its instances' initialisation (default: the simulator's). */
  | { do: 'start'; host: string; startupMs?: number }
  | { do: 'stop' | 'kill'; host: string }
  /** `interface`: only this interface (a VRRP one or one that is only tracked); default: all the host's VRRP interfaces. */
  | { do: 'link-down' | 'link-up'; host: string; interface?: string }
  | { do: 'service-stop' | 'service-start'; host: string; service: string }
  | { do: 'touch' | 'rm'; host: string; path: string }
  /** Model mode: the file now holds `value` (`echo 3 > flag`): a track_file on it reads value x weight at once. */
  | { do: 'write'; host: string; path: string; value: string }
  /** A vrrp_script hangs: each run is killed at its timeout and counts as a failure, until resumed. */
  | { do: 'script-hang' | 'script-resume'; host: string; script: string }
  | { do: 'run'; host?: string; command: string }
  | { do: 'partition'; groups: string[][] }
  | { do: 'heal' }
  | { do: 'loss'; percent: number }
  | { do: 'delay'; ms: number }
  /** The host's wall clock steps by `byMs` (NTP gone wrong): keepalived 2.4's auth_hmac reads it. */
  | { do: 'clock-step'; host: string; byMs: number }
  /**
   * A new configuration for a running host (a rollout step). `reload`: the file is replaced and
   * keepalived gets SIGHUP (the engine's reload, keepalived's timing). `restart`: SIGTERM, then a
   * start with the new file `gapMs` later (at the earliest once the old process has exited, as
   * `systemctl restart` waits for it). The new file is `configPath` (resolved as a host's `config`
   * is), inside `root` when the new configuration is a host directory.
   */
  | ConfigChangeAction
  /**
   * A sender that is not one of the scenario's keepalived hosts: `count` packets of `kind` from
   * `from` to VRID `vrid`, at `rate` per second (a burst when no rate is given). The advert they
   * are made from takes the VRID's password, interval and VIPs from the hosts' configs unless
   * `priority`, `password`, `intervalMs` or `addresses` say otherwise.
   */
  | InjectAction;

export interface ConfigChangeAction {
  do: 'reload' | 'restart';
  host: string;
  /** The new keepalived.conf: resolved against the scenario directory, or as the host sees it inside `root`. */
  configPath: string;
  root?: string;
  /** `restart`: from the SIGTERM to the start (default: at once, i.e. when the old process has exited). */
  gapMs?: number;
  /** The file as the scenario gave it, for the timeline ("A: reloaded with new/A/keepalived.conf"). */
  label: string;
}

export interface InjectAction {
  do: 'inject';
  kind: PacketKind;
  from: string;
  vrid: number;
  count: number;
  /** Packets per second; absent: back to back. */
  rate?: number;
  priority?: number;
  password?: string;
  intervalMs?: number;
  addresses?: string[];
  /** Seed of the `random` kind's bytes. */
  seed?: number;
}

/** Most packets one inject event may send (a flood of 2,000/s for 10 minutes). */
export const MAX_INJECT_PACKETS = 1_200_000;

/** `line`: where the entry is in the scenario file, when it was read from one (for messages). */
export type TimelineEntry = TimelineAction & { atMs: number; line?: number };

/** Where a parsed scenario came from, so later checks (./validate.ts) can name file and line. */
export interface ScenarioSource {
  file: string;
  /** 1-based line of each key or list item, by path: `hosts.A.address`, `checks.chk_x`, `timeline[2].service`. */
  lines: Record<string, number>;
}

export interface Scenario {
  name: string;
  /** Directory the scenario file lives in: relative paths and `run` commands start here. */
  directory: string;
  durationMs: number;
  scripts: ScriptMode;
  hosts: ScenarioHost[];
  /** Service states at start: service -> up, per host (host name -> service -> up). */
  services: Record<string, Record<string, boolean>>;
  checks: Record<string, CheckModel>;
  /** Explicit notify effects by state; states not listed are inferred from the notify scripts. */
  notify: Partial<Record<NotifyStateKey, NotifyModelEffect[]>>;
  timeline: TimelineEntry[];
  seed?: number;
  /**
   * `start-jitter: true`: spread keepalived's start-up latency over 0.8x..1.4x at random, as on a
   * loaded machine. By default it is steady, as keepalived's is on an idle one.
   */
  startJitter?: boolean;
  /** Flapping: more than `transitions` state changes of one instance within `windowMs`. */
  flapping: { transitions: number; windowMs: number };
  /** `keepalived-version: 2.4`: the keepalived the hosts run (default 2.2; the command line's option wins). */
  keepalivedVersion?: KeepalivedVersion;
  /** Absent when the scenario was built in code rather than read from YAML. */
  source?: ScenarioSource;
}

export type ScenarioResult = { ok: true; scenario: Scenario; warnings: string[] } | { ok: false; errors: string[] };

/** Longest virtual run a scenario may ask for: a month of virtual time already takes minutes. */
export const MAX_DURATION_MS = 31 * 24 * 3_600_000;

/** The keys each part of a scenario takes; anything else is an error (it would be ignored). */
const TOP_KEYS = ['name', 'duration', 'scripts', 'seed', 'start-jitter', 'hosts', 'services', 'checks', 'notify', 'findings', 'timeline', 'keepalived-version'];
/** `stopped: true` says the host's keepalived is meant to stay down unless the timeline starts it. */
const HOST_KEYS = ['root', 'config', 'address', 'address6', 'stopped', 'process-events', 'clock'];
const CHECK_KEYS = ['service', 'file-absent', 'file-present', 'exit'];
const FINDINGS_KEYS = ['flapping'];
const FLAPPING_KEYS = ['transitions', 'window'];
const ACTION_KEYS: Record<string, string[]> = {
  start: ['host', 'startup'],
  stop: ['host'],
  kill: ['host'],
  'link-down': ['host', 'interface'],
  'link-up': ['host', 'interface'],
  'service-stop': ['host', 'service'],
  'service-start': ['host', 'service'],
  touch: ['host', 'path'],
  rm: ['host', 'path'],
  write: ['host', 'path', 'value'],
  'script-hang': ['host', 'script'],
  'script-resume': ['host', 'script'],
  run: ['host', 'command'],
  partition: ['groups'],
  heal: [],
  loss: ['percent'],
  delay: ['ms'],
  reload: ['host', 'config', 'root'],
  restart: ['host', 'config', 'root', 'gap'],
  'clock-step': ['host', 'by'],
  inject: ['kind', 'from', 'vrid', 'count', 'rate', 'duration', 'priority', 'password', 'interval', 'addresses', 'seed'],
};
const ACTIONS = Object.keys(ACTION_KEYS);

/** A duration with an optional sign ("+30s", "-2m", "5s", a number of seconds): ms, or undefined. */
export function parseSignedDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const sign = text.startsWith('-') ? -1 : 1;
  const ms = parseDuration(text.replace(/^[+-]/, ''));
  return ms === undefined ? undefined : sign * ms;
}

/**
 * "40s", "1500ms", "2m", "24h", compounds from the largest unit down ("1m30s", "1h2m3.5s",
 * "2s500ms"), or a bare number of seconds -> milliseconds. Anything else: undefined (never throws).
 */
export function parseDuration(value: unknown): number | undefined {
  const finite = (ms: number): number | undefined => (Number.isFinite(ms) ? ms : undefined);
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? finite(value * 1000) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const bare = /^(\d+(?:\.\d+)?)$/.exec(text);
  if (bare !== null) return finite(Number(bare[1]) * 1000);
  if (text === '' || text.length > 100) return undefined;
  let total = 0;
  let last = -1; // index in DURATION_UNITS of the previous part: each part's unit must be smaller
  const part = /(\d+(?:\.\d+)?)\s*(ms|h|m|s)\s*/y;
  while (part.lastIndex < text.length) {
    const at = part.lastIndex;
    const match = part.exec(text);
    if (match === null || match.index !== at) return undefined;
    const unit = DURATION_UNITS.findIndex(([name]) => name === match[2]);
    if (unit <= last) return undefined;
    last = unit;
    total += Number(match[1]) * (DURATION_UNITS[unit]?.[1] ?? 0);
  }
  return finite(total);
}

/** Duration units, largest first, with their milliseconds. */
const DURATION_UNITS: readonly (readonly [string, number])[] = [['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];

/** A duration as the shortest compound text parseDuration reads back to the same milliseconds ("1m30s", "250ms"). */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`not a duration: ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [name, factor] of DURATION_UNITS) {
    if (name === 'ms') {
      if (rest > 0) text += `${Number(rest.toFixed(6))}ms`;
      break;
    }
    const whole = Math.floor(rest / factor);
    if (whole > 0) {
      text += `${whole}${name}`;
      rest -= whole * factor;
    }
  }
  return text;
}

export function loadScenario(file: string): ScenarioResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, errors: [`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`] };
  }
  return parseScenario(text, path.dirname(path.resolve(file)), file);
}

/** `FILE:LINE: message`, or `FILE: message` when the line is not known. */
export function located(source: ScenarioSource | undefined, fallbackLabel: string, key: string, message: string): string {
  const line = source === undefined ? undefined : lineOf(source.lines, key);
  const file = source?.file ?? fallbackLabel;
  return `${file}${line !== undefined ? `:${line}` : ''}: ${message}`;
}

/** The line of `key`, else of the nearest enclosing key that has one. */
export function lineOf(lines: Record<string, number>, key: string): number | undefined {
  for (let probe = key; probe !== ''; ) {
    if (Object.hasOwn(lines, probe)) return lines[probe];
    const shorter = probe.replace(/(\.[^.[\]]*|\[\d+\])$/, '');
    if (shorter === probe) return undefined;
    probe = shorter;
  }
  return undefined;
}

/**
 * The closest of `candidates` to `name` when it is close enough to be a typo of it (at most two
 * edits, transpositions counting as one, fewer for short names), else undefined.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.min(2, Math.floor(name.length / 3)));
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate);
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min((rows[i - 1]?.[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (rows[i - 1]?.[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? 0;
}

export function parseScenario(text: string, directory: string, label = 'scenario'): ScenarioResult {
  try {
    return parseScenarioText(text, directory, label);
  } catch (error) {
    // Not expected (the property test feeds it arbitrary text), but a parser must not crash the CLI.
    return { ok: false, errors: [`${label}: cannot read the scenario: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

function parseScenarioText(text: string, directory: string, label: string): ScenarioResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number): number => Math.max(1, lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) {
    return { ok: false, errors: doc.errors.map((error) => `${label}:${lineAt(error.pos[0])}: not valid YAML: ${error.message}`) };
  }
  const warnings: string[] = doc.warnings.map((warning) => `${label}:${lineAt(warning.pos[0])}: ${warning.message}`);
  let document: unknown;
  try {
    document = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, errors: [`${label}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const lines: Record<string, number> = {};
  collectLines(doc.contents, '', lines, lineAt, 0);
  const source: ScenarioSource = { file: label, lines };

  const errors: string[] = [];
  const fail = (key: string, message: string): void => {
    errors.push(located(source, label, key, key === '' ? message : `${key}: ${message}`));
  };
  const warn = (key: string, message: string): void => {
    warnings.push(located(source, label, key, key === '' ? message : `${key}: ${message}`));
  };
  /** Unknown keys are errors: a misspelt or misplaced key would otherwise be ignored without a word. */
  const checkKeys = (node: Record<string, unknown>, prefix: string, allowed: string[], what: string): void => {
    for (const key of Object.keys(node)) {
      if (allowed.includes(key)) continue;
      const near = didYouMean(key, allowed);
      const where = prefix === '' ? key : `${prefix}.${key}`;
      fail(where, `unknown key${what === '' ? '' : ` for ${what}`}${near !== undefined ? ` (did you mean ${near}?)` : ''}; expected ${allowed.length > 0 ? allowed.join(', ') : 'no other keys'}`);
    }
  };
  if (!isRecord(document)) return { ok: false, errors: [`${label}:${lineAt(doc.contents?.range?.[0] ?? 0)}: expected a mapping at the top level (name, duration, hosts, timeline, ...)`] };
  checkKeys(document, '', TOP_KEYS, '');

  const name = document['name'];
  if (name !== undefined && typeof name !== 'string' && typeof name !== 'number') fail('name', 'expected a name');
  const durationMs = parseDuration(document['duration'] ?? '60s');
  if (durationMs === undefined) fail('duration', `expected e.g. 40s, 1500ms, 2m, 1m30s, 24h (got ${JSON.stringify(document['duration'])})`);
  else if (durationMs > MAX_DURATION_MS) {
    fail('duration', `${String(document['duration'])} is longer than the 31-day limit (${MAX_DURATION_MS / 3_600_000}h): the run would not end in any useful time`);
  }
  const scripts = document['scripts'] ?? 'model';
  if (scripts !== 'model' && scripts !== 'exec') fail('scripts', `expected model or exec (got ${JSON.stringify(scripts)})`);

  const hosts: ScenarioHost[] = [];
  const mayStayStopped = new Set<string>();
  const hostsNode = document['hosts'];
  if (!isRecord(hostsNode) || Object.keys(hostsNode).length === 0) fail('hosts', 'expected a mapping of host names');
  else {
    const byAddress = new Map<string, string>();
    const byAddress6 = new Map<string, string>();
    for (const [hostName, spec] of Object.entries(hostsNode)) {
      const key = `hosts.${hostName}`;
      if (!isRecord(spec)) {
        fail(key, 'expected { config: FILE, address: IP } or { root: DIR, address: IP }');
        continue;
      }
      checkKeys(spec, key, HOST_KEYS, 'a host');
      const address = spec['address'];
      if (address === undefined) fail(key, 'needs address: (its IPv4 address on the LAN)');
      else if (typeof address !== 'string' || !isIPv4(address)) fail(`${key}.address`, `${JSON.stringify(address)} is not an IPv4 address`);
      else if (!isHostAddress4(address)) fail(`${key}.address`, `${address} is not a host's unicast address`);
      else {
        // Two hosts with one address would each take the other's adverts for its own.
        const other = byAddress.get(address);
        if (other !== undefined) fail(`${key}.address`, `${address} is also ${other}'s address: each host needs its own`);
        else byAddress.set(address, hostName);
      }
      const rootNode = spec['root'];
      const configNode = spec['config'];
      if (rootNode !== undefined && typeof rootNode !== 'string') fail(`${key}.root`, 'expected a directory');
      if (configNode !== undefined && typeof configNode !== 'string') fail(`${key}.config`, 'expected a file');
      const root = typeof rootNode === 'string' ? path.resolve(directory, rootNode) : undefined;
      const config = typeof configNode === 'string' ? configNode : undefined;
      if (rootNode === undefined && configNode === undefined) fail(key, 'needs config: or root:');
      // With a root, `config` is a path as the host sees it; without, relative to the scenario.
      const configPath = root !== undefined ? (config ?? '/etc/keepalived/keepalived.conf') : path.resolve(directory, config ?? '');
      const address6 = spec['address6'];
      if (address6 !== undefined) {
        if (typeof address6 !== 'string' || !isIPv6(address6)) fail(`${key}.address6`, `${JSON.stringify(address6)} is not an IPv6 address`);
        else {
          const normal = normaliseIPv6(address6);
          const other = byAddress6.get(normal);
          if (other !== undefined) fail(`${key}.address6`, `${address6} is also ${other}'s address6: each host needs its own`);
          else byAddress6.set(normal, hostName);
        }
      }
      const stopped = spec['stopped'];
      if (stopped !== undefined && typeof stopped !== 'boolean') fail(`${key}.stopped`, 'expected true or false');
      if (stopped === true) mayStayStopped.add(hostName);
      const processEvents = spec['process-events'];
      if (processEvents !== undefined && typeof processEvents !== 'boolean') fail(`${key}.process-events`, 'expected true or false');
      const clockNode = spec['clock'];
      const clockOffsetMs = clockNode === undefined ? undefined : parseSignedDuration(clockNode);
      if (clockNode !== undefined && clockOffsetMs === undefined) fail(`${key}.clock`, `expected how far the host's clock is off, e.g. +30s or -2m (got ${JSON.stringify(clockNode)})`);
      hosts.push({
        name: hostName, address: typeof address === 'string' ? address : '', ...(typeof address6 === 'string' ? { address6 } : {}), configPath, root,
        ...(processEvents === false ? { processEvents: false } : {}),
        ...(clockOffsetMs !== undefined && clockOffsetMs !== 0 ? { clockOffsetMs } : {}),
      });
    }
    // Hosts without address6 get fe80::N (N their place in the list, as the cluster assigns it).
    hosts.forEach((host, index) => {
      if (host.address6 !== undefined) return;
      const fallback = `fe80::${(index + 1).toString(16)}`;
      const other = byAddress6.get(normaliseIPv6(fallback));
      if (other !== undefined) fail(`hosts.${other}.address6`, `${explicitAddress6(hosts, other)} is also ${host.name}'s default address6 (${fallback}): give ${host.name} an address6 of its own or pick another`);
    });
  }
  const hostNames = new Set(hosts.map((host) => host.name));
  const modelOnly = (key: string): void => {
    if (scripts === 'exec') warn(key, 'only model mode uses it; with scripts: exec the hosts\' real programs run, so it changes nothing');
  };

  const services: Record<string, Record<string, boolean>> = {};
  for (const host of hosts) services[host.name] = {};
  const servicesNode = document['services'] ?? {};
  if (!isRecord(servicesNode)) fail('services', 'expected a mapping');
  else {
    if (Object.keys(servicesNode).length > 0) modelOnly('services');
    for (const [key, value] of Object.entries(servicesNode)) {
      if (hostNames.has(key) && isRecord(value)) {
        for (const [service, state] of Object.entries(value)) {
          const up = parseUpDown(state);
          if (up === undefined) fail(`services.${key}.${service}`, 'expected up or down');
          else (services[key] ??= {})[service] = up;
        }
      } else {
        const up = parseUpDown(value);
        if (up === undefined) fail(`services.${key}`, isRecord(value) ? `${key} is not a host (hosts: ${[...hostNames].join(', ')})` : 'expected up or down');
        else for (const host of hosts) (services[host.name] ??= {})[key] = up;
      }
    }
  }

  const checks: Record<string, CheckModel> = {};
  const checksNode = document['checks'] ?? {};
  if (!isRecord(checksNode)) fail('checks', 'expected a mapping of vrrp_script names');
  else {
    if (Object.keys(checksNode).length > 0) modelOnly('checks');
    for (const [script, spec] of Object.entries(checksNode)) {
      if (isRecord(spec) && Object.keys(spec).some((key) => !CHECK_KEYS.includes(key))) {
        checkKeys(spec, `checks.${script}`, CHECK_KEYS, 'a check');
        continue;
      }
      const model = parseCheck(spec);
      if (model === undefined) fail(`checks.${script}`, 'expected one of { service: NAME }, { file-absent: PATH }, { file-present: PATH } or { exit: N }');
      else checks[script] = model;
    }
  }

  const notify: Partial<Record<NotifyStateKey, NotifyModelEffect[]>> = {};
  const notifyNode = document['notify'] ?? {};
  if (!isRecord(notifyNode)) fail('notify', 'expected a mapping of states');
  else {
    if (Object.keys(notifyNode).length > 0) modelOnly('notify');
    for (const [state, list] of Object.entries(notifyNode)) {
      if (state !== 'master' && state !== 'backup' && state !== 'fault' && state !== 'stop') {
        fail(`notify.${state}`, 'expected one of master, backup, fault, stop');
        continue;
      }
      if (!Array.isArray(list)) {
        fail(`notify.${state}`, 'expected a list');
        continue;
      }
      const effects: NotifyModelEffect[] = [];
      list.forEach((item: unknown, index: number) => {
        const match = typeof item === 'string' ? /^\s*(start|stop)\s+(\S+)\s*$/.exec(item) : null;
        if (match === null) fail(`notify.${state}[${index}]`, `expected entries like "stop haproxy" (got ${JSON.stringify(item)})`);
        else effects.push({ action: match[1] as 'start' | 'stop', service: match[2] ?? '' });
      });
      notify[state] = effects;
    }
  }

  const timeline: TimelineEntry[] = [];
  const timelineNode = document['timeline'] ?? [];
  let timelineComplete = true;
  if (!Array.isArray(timelineNode)) {
    fail('timeline', 'expected a list');
    timelineComplete = false;
  } else {
    timelineNode.forEach((entry: unknown, index: number) => {
      const key = `timeline[${index}]`;
      const parsed = parseTimelineEntry(entry, hostNames, (field, message) => fail(`${key}.${field}`, message), directory);
      if (typeof parsed === 'string') {
        fail(key, parsed);
        timelineComplete = false;
        return;
      }
      if (parsed === undefined) {
        timelineComplete = false;
        return;
      }
      const line = lineOf(lines, key);
      timeline.push({ ...parsed, ...(line !== undefined ? { line } : {}) });
      if (durationMs !== undefined && parsed.atMs > durationMs) {
        fail(`${key}.at`, `${formatMs(parsed.atMs)} is after the end of the run (duration: ${formatMs(durationMs)}), so it would never happen: raise duration or drop the event`);
      }
      if (scripts === 'exec' && (parsed.do === 'service-stop' || parsed.do === 'service-start')) modelOnly(`${key}.do`);
    });
  }
  timeline.sort((a, b) => a.atMs - b.atMs);

  // A host that is never started runs nothing, and the report says "Findings: none" about a cluster
  // that never ran. That is an error unless the host says `stopped: true` (meant to stay down).
  if (timelineComplete && hosts.length > 0) {
    const started = new Set(timeline.flatMap((entry) => (entry.do === 'start' || entry.do === 'restart' ? [entry.host] : [])));
    if (started.size === 0) {
      fail(document['timeline'] === undefined ? '' : 'timeline', 'no host is ever started, so nothing would run: add { at: 0s, host: NAME, do: start } for each host');
    } else {
      for (const host of hosts) {
        if (started.has(host.name) || mayStayStopped.has(host.name)) continue;
        fail(`hosts.${host.name}`, `${host.name} is never started (no { do: start, host: ${host.name} } in the timeline): start it, or say stopped: true if it is meant to stay down`);
      }
    }
  }

  const seedNode = document['seed'];
  if (seedNode !== undefined && !(typeof seedNode === 'number' && Number.isSafeInteger(seedNode))) fail('seed', `expected an integer (got ${JSON.stringify(seedNode)})`);
  const seed = typeof seedNode === 'number' && Number.isSafeInteger(seedNode) ? seedNode : undefined;
  const jitterNode = document['start-jitter'];
  if (jitterNode !== undefined && typeof jitterNode !== 'boolean') fail('start-jitter', `expected true or false (got ${JSON.stringify(jitterNode)})`);
  const versionNode = document['keepalived-version'];
  const keepalivedVersion = versionNode === undefined ? undefined : parseKeepalivedVersion(String(versionNode));
  if (versionNode !== undefined && keepalivedVersion === null) fail('keepalived-version', `expected 2.2 or 2.4 (got ${JSON.stringify(versionNode)})`);
  const flapping = { transitions: 4, windowMs: 60_000 };
  const findingsNode = document['findings'];
  if (findingsNode !== undefined) {
    if (!isRecord(findingsNode)) fail('findings', 'expected a mapping, e.g. { flapping: { transitions: 4, window: 60s } }');
    else {
      checkKeys(findingsNode, 'findings', FINDINGS_KEYS, 'findings');
      const flappingNode = findingsNode['flapping'];
      if (flappingNode !== undefined && !isRecord(flappingNode)) fail('findings.flapping', 'expected { transitions: N, window: DURATION }');
      else if (isRecord(flappingNode)) {
        checkKeys(flappingNode, 'findings.flapping', FLAPPING_KEYS, 'flapping');
        const transitions = flappingNode['transitions'];
        if (transitions !== undefined) {
          if (typeof transitions !== 'number' || !Number.isInteger(transitions) || transitions < 1) fail('findings.flapping.transitions', 'expected a whole number >= 1');
          else flapping.transitions = transitions;
        }
        if (flappingNode['window'] !== undefined) {
          const windowMs = parseDuration(flappingNode['window']);
          if (windowMs === undefined || windowMs <= 0) fail('findings.flapping.window', 'expected a duration such as 60s');
          else flapping.windowMs = windowMs;
        }
      }
    }
  }

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    warnings,
    scenario: {
      name: typeof name === 'string' || typeof name === 'number' ? String(name) : path.basename(label),
      directory,
      durationMs: durationMs ?? 60_000,
      scripts: scripts === 'exec' ? 'exec' : 'model',
      hosts,
      services,
      checks,
      notify,
      timeline,
      seed,
      ...(jitterNode === true ? { startJitter: true } : {}),
      ...(keepalivedVersion !== undefined && keepalivedVersion !== null ? { keepalivedVersion } : {}),
      flapping,
      source,
    },
  };
}

/**
 * One timeline entry: the entry, a message for the entry as a whole, or undefined when `failField`
 * was told what is wrong with one of its keys.
 */
function parseTimelineEntry(entry: unknown, hosts: Set<string>, failField: (field: string, message: string) => void, directory: string): TimelineEntry | string | undefined {
  if (!isRecord(entry)) return 'expected a mapping like { at: 5s, host: A, do: start }';
  const action = entry['do'];
  if (typeof action !== 'string' || !Object.hasOwn(ACTION_KEYS, action)) {
    const near = typeof action === 'string' ? didYouMean(action, ACTIONS) : undefined;
    return `do: unknown action ${JSON.stringify(action)}${near !== undefined ? ` (did you mean ${near}?)` : ''} (${ACTIONS.join(', ')})`;
  }
  let bad = false;
  const fieldError = (field: string, message: string): undefined => {
    failField(field, message);
    bad = true;
    return undefined;
  };
  const allowed = ['at', 'do', ...(ACTION_KEYS[action] ?? [])];
  for (const key of Object.keys(entry)) {
    if (allowed.includes(key)) continue;
    const near = didYouMean(key, allowed);
    fieldError(key, `unknown key for ${action}${near !== undefined ? ` (did you mean ${near}?)` : ''}; ${action} takes ${allowed.join(', ')}`);
  }
  const atMs = parseDuration(entry['at']);
  if (atMs === undefined) fieldError('at', `expected a time such as 5s (got ${JSON.stringify(entry['at'])})`);
  const host = entry['host'];
  const hostName = (): string => {
    if (typeof host === 'string' && hosts.has(host)) return host;
    fieldError('host', `expected one of ${[...hosts].join(', ')} (got ${JSON.stringify(host)})`);
    return '';
  };
  const text = (field: string, what: string): string => {
    const value = entry[field];
    if (typeof value === 'string' && value.trim() !== '') return value;
    fieldError(field, `expected ${what}`);
    return '';
  };
  let parsed: TimelineAction;
  switch (action) {
    case 'start': {
      const startup = entry['startup'] === undefined ? undefined : parseDuration(entry['startup']);
      if (entry['startup'] !== undefined && startup === undefined) fieldError('startup', 'expected a duration such as 60ms');
      parsed = { do: 'start', host: hostName(), ...(startup !== undefined ? { startupMs: startup } : {}) };
      break;
    }
    case 'stop':
    case 'kill':
      parsed = { do: action, host: hostName() };
      break;
    case 'link-down':
    case 'link-up': {
      const iface = entry['interface'] === undefined ? undefined : text('interface', 'an interface name such as eth1');
      parsed = { do: action, host: hostName(), ...(iface !== undefined ? { interface: iface } : {}) };
      break;
    }
    case 'service-stop':
    case 'service-start':
      parsed = { do: action, host: hostName(), service: text('service', 'a service name') };
      break;
    case 'touch':
    case 'rm':
      parsed = { do: action, host: hostName(), path: text('path', 'a file path') };
      break;
    case 'script-hang':
    case 'script-resume':
      parsed = { do: action, host: hostName(), script: text('script', 'a vrrp_script name') };
      break;
    case 'write': {
      const value = entry['value'];
      if (typeof value !== 'number' && typeof value !== 'string') fieldError('value', 'expected what the file holds, e.g. 1 (keepalived reads a number from a tracked file)');
      parsed = { do: 'write', host: hostName(), path: text('path', 'a file path'), value: typeof value === 'number' || typeof value === 'string' ? String(value) : '' };
      break;
    }
    case 'run':
      parsed = { do: 'run', ...(host !== undefined ? { host: hostName() } : {}), command: text('command', 'a shell command') };
      break;
    case 'partition': {
      const groups = entry['groups'];
      if (!Array.isArray(groups) || !groups.every((group) => Array.isArray(group) && group.every((member) => typeof member === 'string' && hosts.has(member)))) {
        fieldError('groups', `expected a list of host-name lists, e.g. [[A], [B]] (hosts: ${[...hosts].join(', ')})`);
        parsed = { do: 'partition', groups: [] };
      } else parsed = { do: 'partition', groups: groups as string[][] };
      break;
    }
    case 'heal':
      parsed = { do: 'heal' };
      break;
    case 'loss': {
      const percent = entry['percent'];
      if (typeof percent !== 'number' || !(percent >= 0 && percent <= 100)) fieldError('percent', 'expected 0..100');
      parsed = { do: 'loss', percent: typeof percent === 'number' ? percent : 0 };
      break;
    }
    case 'inject': {
      const kindNode = entry['kind'];
      let kind: PacketKind = 'valid';
      if (typeof kindNode !== 'string' || !isPacketKind(kindNode)) {
        const near = typeof kindNode === 'string' ? didYouMean(kindNode, PACKET_KINDS) : undefined;
        fieldError('kind', `expected one of ${PACKET_KINDS.join(', ')}${near !== undefined ? ` (did you mean ${near}?)` : ''} (got ${JSON.stringify(kindNode)})`);
      } else kind = kindNode;
      const from = entry['from'];
      if (typeof from !== 'string' || !isIPv4(from) || !isHostAddress4(from)) fieldError('from', `expected the sender's IPv4 address (got ${JSON.stringify(from)})`);
      const vrid = entry['vrid'];
      if (typeof vrid !== 'number' || !Number.isInteger(vrid) || vrid < 1 || vrid > 255) fieldError('vrid', 'expected a VRID, 1..255');
      const rateNode = entry['rate'];
      if (rateNode !== undefined && (typeof rateNode !== 'number' || !(rateNode > 0 && rateNode <= 100_000))) fieldError('rate', 'expected packets per second, more than 0 and at most 100000');
      const rate = typeof rateNode === 'number' ? rateNode : undefined;
      let count = 1;
      if (entry['duration'] !== undefined) {
        const durationMs = parseDuration(entry['duration']);
        if (entry['count'] !== undefined) fieldError('duration', 'give count or duration, not both');
        else if (durationMs === undefined || durationMs <= 0) fieldError('duration', 'expected a duration such as 6s');
        else if (rate === undefined) fieldError('duration', 'a duration needs a rate (packets per second)');
        else count = Math.max(1, Math.round((rate * durationMs) / 1000));
      } else if (entry['count'] !== undefined) {
        const c = entry['count'];
        if (typeof c !== 'number' || !Number.isInteger(c) || c < 1) fieldError('count', 'expected a whole number of packets >= 1');
        else count = c;
      }
      if (count > MAX_INJECT_PACKETS) fieldError(entry['duration'] !== undefined ? 'duration' : 'count', `${count} packets is more than the ${MAX_INJECT_PACKETS} one inject may send`);
      const priority = entry['priority'];
      if (priority !== undefined && (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 255)) fieldError('priority', 'expected 0..255');
      const password = entry['password'];
      if (password !== undefined && typeof password !== 'string' && typeof password !== 'number') fieldError('password', 'expected a password (at most 8 characters are sent)');
      const intervalMs = entry['interval'] === undefined ? undefined : parseDuration(entry['interval']);
      if (entry['interval'] !== undefined && (intervalMs === undefined || intervalMs < 1000 || intervalMs > 255_000 || intervalMs % 1000 !== 0)) fieldError('interval', 'expected whole seconds, 1s..255s (a VRRPv2 advert interval)');
      const addresses = entry['addresses'];
      if (addresses !== undefined && !(Array.isArray(addresses) && addresses.length <= 255 && addresses.every((a) => typeof a === 'string' && isIPv4(a)))) fieldError('addresses', 'expected a list of IPv4 addresses');
      const seed = entry['seed'];
      if (seed !== undefined && !(typeof seed === 'number' && Number.isSafeInteger(seed))) fieldError('seed', 'expected an integer');
      parsed = {
        do: 'inject',
        kind,
        from: typeof from === 'string' ? from : '',
        vrid: typeof vrid === 'number' ? vrid : 0,
        count,
        ...(rate !== undefined ? { rate } : {}),
        ...(typeof priority === 'number' ? { priority } : {}),
        ...(password !== undefined && (typeof password === 'string' || typeof password === 'number') ? { password: String(password) } : {}),
        ...(intervalMs !== undefined ? { intervalMs } : {}),
        ...(Array.isArray(addresses) ? { addresses: addresses as string[] } : {}),
        ...(typeof seed === 'number' ? { seed } : {}),
      };
      break;
    }
    case 'reload':
    case 'restart': {
      // As a host's own: `config: FILE` relative to the scenario, or `root: DIR` (a host directory
      // copy) with `config` the path the host sees (default /etc/keepalived/keepalived.conf).
      const rootNode = entry['root'];
      const configNode = entry['config'];
      if (rootNode !== undefined && (typeof rootNode !== 'string' || rootNode.trim() === '')) fieldError('root', 'expected a host directory');
      if (configNode !== undefined && (typeof configNode !== 'string' || configNode.trim() === '')) fieldError('config', 'expected a keepalived.conf file');
      if (rootNode === undefined && configNode === undefined) fieldError('config', `${action} needs the new configuration: config: FILE or root: DIR`);
      const root = typeof rootNode === 'string' && rootNode.trim() !== '' ? path.resolve(directory, rootNode) : undefined;
      const config = typeof configNode === 'string' ? configNode : undefined;
      const configPath = root !== undefined ? (config ?? '/etc/keepalived/keepalived.conf') : path.resolve(directory, config ?? '');
      let gapMs: number | undefined;
      if (entry['gap'] !== undefined) {
        gapMs = parseDuration(entry['gap']);
        if (gapMs === undefined) fieldError('gap', 'expected a duration such as 2s (from the SIGTERM to the start)');
      }
      const label = typeof rootNode === 'string' ? `${rootNode}${config !== undefined ? `:${config}` : ''}` : (config ?? '');
      parsed = { do: action, host: hostName(), configPath, ...(root !== undefined ? { root } : {}), ...(gapMs !== undefined ? { gapMs } : {}), label };
      break;
    }
    case 'clock-step': {
      const byMs = parseSignedDuration(entry['by']);
      if (byMs === undefined) fieldError('by', `expected how far the clock steps, e.g. +30s or -1h (got ${JSON.stringify(entry['by'])})`);
      parsed = { do: 'clock-step', host: hostName(), byMs: byMs ?? 0 };
      break;
    }
    case 'delay':
    default: {
      const ms = entry['ms'];
      if (typeof ms !== 'number' || !(ms >= 0 && Number.isFinite(ms))) fieldError('ms', 'expected a non-negative number');
      parsed = { do: 'delay', ms: typeof ms === 'number' ? ms : 0 };
      break;
    }
  }
  if (bad || atMs === undefined) return undefined;
  return { atMs, ...parsed };
}

function parseCheck(spec: unknown): CheckModel | undefined {
  if (!isRecord(spec)) return undefined;
  const given = CHECK_KEYS.filter((key) => spec[key] !== undefined);
  if (given.length !== 1) return undefined;
  if (typeof spec['service'] === 'string') return { kind: 'service', service: spec['service'] };
  if (typeof spec['file-absent'] === 'string') return { kind: 'file-absent', path: spec['file-absent'] };
  if (typeof spec['file-present'] === 'string') return { kind: 'file-present', path: spec['file-present'] };
  if (typeof spec['exit'] === 'number' && Number.isInteger(spec['exit'])) return { kind: 'exit', code: spec['exit'] };
  return undefined;
}

function parseUpDown(value: unknown): boolean | undefined {
  if (value === 'up' || value === true) return true;
  if (value === 'down' || value === false) return false;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Map) && !(value instanceof Set);
}

/** An address a host can have: not unspecified, broadcast, multicast or reserved (240/4). */
function isHostAddress4(address: string): boolean {
  const first = Number(address.split('.')[0]);
  return address !== '0.0.0.0' && first < 224;
}

/** One spelling per IPv6 address (zone dropped), so fe80::0:1 and fe80::1 compare equal. */
function normaliseIPv6(address: string): string {
  const bare = address.split('%')[0] ?? address;
  try {
    return new URL(`http://[${bare}]/`).hostname;
  } catch {
    return bare.toLowerCase();
  }
}

function explicitAddress6(hosts: ScenarioHost[], name: string): string {
  return hosts.find((host) => host.name === name)?.address6 ?? name;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Records the line of every map key and list item, by path (`timeline[2].do`). */
function collectLines(node: unknown, prefix: string, lines: Record<string, number>, lineAt: (offset: number) => number, depth: number): void {
  if (depth > 16 || isAlias(node)) return;
  if (isMap(node)) {
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyText = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const where = prefix === '' ? keyText : `${prefix}.${keyText}`;
      const offset = keyNode?.range?.[0] ?? (pair.value as YamlNode | null)?.range?.[0];
      if (offset !== undefined && !Object.hasOwn(lines, where)) lines[where] = lineAt(offset);
      collectLines(pair.value, where, lines, lineAt, depth + 1);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const where = `${prefix}[${index}]`;
      const offset = (item as YamlNode | null)?.range?.[0];
      if (offset !== undefined) lines[where] = lineAt(offset);
      collectLines(item, where, lines, lineAt, depth + 1);
    });
  }
}
