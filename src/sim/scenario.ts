/**
 * Scenario files (YAML): which hosts run which keepalived.conf, what their scripts depend on,
 * and what happens when. Parsing returns typed errors with the offending key, never throws.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

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
  | { do: 'stop' | 'kill' | 'link-down' | 'link-up'; host: string }
  | { do: 'service-stop' | 'service-start'; host: string; service: string }
  | { do: 'touch' | 'rm'; host: string; path: string }
  | { do: 'run'; host?: string; command: string }
  | { do: 'partition'; groups: string[][] }
  | { do: 'heal' }
  | { do: 'loss'; percent: number }
  | { do: 'delay'; ms: number };

export type TimelineEntry = TimelineAction & { atMs: number };

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
  /** Flapping: more than `transitions` state changes of one instance within `windowMs`. */
  flapping: { transitions: number; windowMs: number };
}

export type ScenarioResult = { ok: true; scenario: Scenario } | { ok: false; errors: string[] };

/** "40s", "1500ms", "2m", "24h", or a bare number of seconds -> milliseconds. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (match === null) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return amount * factor;
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

export function parseScenario(text: string, directory: string, label = 'scenario'): ScenarioResult {
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    return { ok: false, errors: [`${label}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`] };
  }
  const errors: string[] = [];
  const fail = (message: string): void => {
    errors.push(`${label}: ${message}`);
  };
  if (!isRecord(document)) return { ok: false, errors: [`${label}: expected a mapping at the top level`] };

  const durationMs = parseDuration(document['duration'] ?? '60s');
  if (durationMs === undefined) fail(`duration: expected e.g. 40s, 1500ms, 2m, 24h (got ${JSON.stringify(document['duration'])})`);
  const scripts = document['scripts'] ?? 'model';
  if (scripts !== 'model' && scripts !== 'exec') fail(`scripts: expected model or exec (got ${JSON.stringify(scripts)})`);

  const hosts: ScenarioHost[] = [];
  const hostsNode = document['hosts'];
  if (!isRecord(hostsNode) || Object.keys(hostsNode).length === 0) fail('hosts: expected a mapping of host names');
  else {
    for (const [name, spec] of Object.entries(hostsNode)) {
      if (!isRecord(spec)) {
        fail(`hosts.${name}: expected { config: FILE, address: IP } or { root: DIR, address: IP }`);
        continue;
      }
      const address = spec['address'];
      if (typeof address !== 'string' || !/^\d{1,3}(\.\d{1,3}){3}$/.test(address)) fail(`hosts.${name}.address: expected an IPv4 address`);
      const root = typeof spec['root'] === 'string' ? path.resolve(directory, spec['root']) : undefined;
      const config = typeof spec['config'] === 'string' ? spec['config'] : undefined;
      if (root === undefined && config === undefined) fail(`hosts.${name}: needs config: or root:`);
      // With a root, `config` is a path as the host sees it; without, relative to the scenario.
      const configPath = root !== undefined ? (config ?? '/etc/keepalived/keepalived.conf') : path.resolve(directory, config ?? '');
      const address6 = spec['address6'];
      if (address6 !== undefined && (typeof address6 !== 'string' || !address6.includes(':'))) fail(`hosts.${name}.address6: expected an IPv6 address`);
      hosts.push({ name, address: typeof address === 'string' ? address : '', ...(typeof address6 === 'string' ? { address6 } : {}), configPath, root });
    }
  }
  const hostNames = new Set(hosts.map((host) => host.name));

  const services: Record<string, Record<string, boolean>> = {};
  for (const host of hosts) services[host.name] = {};
  const servicesNode = document['services'] ?? {};
  if (!isRecord(servicesNode)) fail('services: expected a mapping');
  else {
    for (const [key, value] of Object.entries(servicesNode)) {
      if (hostNames.has(key) && isRecord(value)) {
        for (const [service, state] of Object.entries(value)) {
          const up = parseUpDown(state);
          if (up === undefined) fail(`services.${key}.${service}: expected up or down`);
          else (services[key] ??= {})[service] = up;
        }
      } else {
        const up = parseUpDown(value);
        if (up === undefined) fail(`services.${key}: expected up or down`);
        else for (const host of hosts) (services[host.name] ??= {})[key] = up;
      }
    }
  }

  const checks: Record<string, CheckModel> = {};
  const checksNode = document['checks'] ?? {};
  if (!isRecord(checksNode)) fail('checks: expected a mapping of vrrp_script names');
  else {
    for (const [script, spec] of Object.entries(checksNode)) {
      const model = parseCheck(spec);
      if (model === undefined) fail(`checks.${script}: expected { service: NAME }, { file-absent: PATH }, { file-present: PATH } or { exit: N }`);
      else checks[script] = model;
    }
  }

  const notify: Partial<Record<NotifyStateKey, NotifyModelEffect[]>> = {};
  const notifyNode = document['notify'] ?? {};
  if (!isRecord(notifyNode)) fail('notify: expected a mapping of states');
  else {
    for (const [state, list] of Object.entries(notifyNode)) {
      if (state !== 'master' && state !== 'backup' && state !== 'fault' && state !== 'stop') {
        fail(`notify.${state}: expected one of master, backup, fault, stop`);
        continue;
      }
      const effects: NotifyModelEffect[] = [];
      for (const item of Array.isArray(list) ? list : []) {
        const match = typeof item === 'string' ? /^\s*(start|stop)\s+(\S+)\s*$/.exec(item) : null;
        if (match === null) fail(`notify.${state}: expected entries like "stop haproxy" (got ${JSON.stringify(item)})`);
        else effects.push({ action: match[1] as 'start' | 'stop', service: match[2] ?? '' });
      }
      if (!Array.isArray(list)) fail(`notify.${state}: expected a list`);
      notify[state] = effects;
    }
  }

  const timeline: TimelineEntry[] = [];
  const timelineNode = document['timeline'] ?? [];
  if (!Array.isArray(timelineNode)) fail('timeline: expected a list');
  else {
    timelineNode.forEach((entry: unknown, index: number) => {
      const parsed = parseTimelineEntry(entry, hostNames);
      if (typeof parsed === 'string') fail(`timeline[${index}]: ${parsed}`);
      else timeline.push(parsed);
    });
  }
  timeline.sort((a, b) => a.atMs - b.atMs);

  const seedNode = document['seed'];
  const seed = typeof seedNode === 'number' && Number.isInteger(seedNode) ? seedNode : undefined;
  const flappingNode = isRecord(document['findings']) && isRecord(document['findings']['flapping']) ? document['findings']['flapping'] : {};
  const flapping = {
    transitions: typeof flappingNode['transitions'] === 'number' ? flappingNode['transitions'] : 4,
    windowMs: parseDuration(flappingNode['window'] ?? '60s') ?? 60_000,
  };

  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    scenario: {
      name: typeof document['name'] === 'string' ? document['name'] : path.basename(label),
      directory,
      durationMs: durationMs ?? 60_000,
      scripts: scripts === 'exec' ? 'exec' : 'model',
      hosts,
      services,
      checks,
      notify,
      timeline,
      seed,
      flapping,
    },
  };
}

function parseTimelineEntry(entry: unknown, hosts: Set<string>): TimelineEntry | string {
  if (!isRecord(entry)) return 'expected a mapping like { at: 5s, host: A, do: start }';
  const atMs = parseDuration(entry['at']);
  if (atMs === undefined) return `at: expected a time such as 5s (got ${JSON.stringify(entry['at'])})`;
  const action = entry['do'];
  const host = entry['host'];
  const needHost = (): string | undefined => (typeof host === 'string' && hosts.has(host) ? undefined : `host: expected one of ${[...hosts].join(', ')} (got ${JSON.stringify(host)})`);
  switch (action) {
    case 'start': {
      const startup = entry['startup'] === undefined ? undefined : parseDuration(entry['startup']);
      if (entry['startup'] !== undefined && startup === undefined) return 'startup: expected a duration such as 60ms';
      return needHost() ?? { atMs, do: 'start', host: String(host), ...(startup !== undefined ? { startupMs: startup } : {}) };
    }
    case 'stop':
    case 'kill':
    case 'link-down':
    case 'link-up':
      return needHost() ?? { atMs, do: action, host: String(host) };
    case 'service-stop':
    case 'service-start': {
      const service = entry['service'];
      if (typeof service !== 'string') return 'service: expected a service name';
      return needHost() ?? { atMs, do: action, host: String(host), service };
    }
    case 'touch':
    case 'rm': {
      const file = entry['path'];
      if (typeof file !== 'string') return 'path: expected a file path';
      return needHost() ?? { atMs, do: action, host: String(host), path: file };
    }
    case 'run': {
      const command = entry['command'];
      if (typeof command !== 'string') return 'command: expected a shell command';
      if (host !== undefined && needHost() !== undefined) return needHost() ?? '';
      return { atMs, do: 'run', host: typeof host === 'string' ? host : undefined, command };
    }
    case 'partition': {
      const groups = entry['groups'];
      if (!Array.isArray(groups) || !groups.every((group) => Array.isArray(group) && group.every((name) => typeof name === 'string' && hosts.has(name)))) {
        return 'groups: expected a list of host-name lists, e.g. [[A], [B]]';
      }
      return { atMs, do: 'partition', groups: groups as string[][] };
    }
    case 'heal':
      return { atMs, do: 'heal' };
    case 'loss': {
      const percent = entry['percent'];
      if (typeof percent !== 'number' || percent < 0 || percent > 100) return 'percent: expected 0..100';
      return { atMs, do: 'loss', percent };
    }
    case 'delay': {
      const ms = entry['ms'];
      if (typeof ms !== 'number' || ms < 0) return 'ms: expected a non-negative number';
      return { atMs, do: 'delay', ms };
    }
    default:
      return `do: unknown action ${JSON.stringify(action)} (start, stop, kill, service-stop, service-start, touch, rm, run, link-down, link-up, partition, heal, loss, delay)`;
  }
}

function parseCheck(spec: unknown): CheckModel | undefined {
  if (!isRecord(spec)) return undefined;
  if (typeof spec['service'] === 'string') return { kind: 'service', service: spec['service'] };
  if (typeof spec['file-absent'] === 'string') return { kind: 'file-absent', path: spec['file-absent'] };
  if (typeof spec['file-present'] === 'string') return { kind: 'file-present', path: spec['file-present'] };
  if (typeof spec['exit'] === 'number') return { kind: 'exit', code: spec['exit'] };
  return undefined;
}

function parseUpDown(value: unknown): boolean | undefined {
  if (value === 'up' || value === true) return true;
  if (value === 'down' || value === false) return false;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
