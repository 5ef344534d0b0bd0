/**
 * `vrrplab compare` as a library: would this config have done what the real host did?
 *
 * One engine runs as the host, with its config, fed every OTHER host's adverts from the capture at
 * their captured times. What it sends is compared with the host's own adverts in the capture:
 * - adverts, per VRID, paired by time (within half an advert interval): same priorities, and
 *   each pair's time difference is a timing error;
 * - the state sequence, per VRID, read off the adverts the same way on both sides (MASTER while
 *   it advertises; left by a priority-0 advert or by silence; see states.ts).
 *
 * Starts and stops come from an events file (events.json of the reference recordings). Without
 * one the host is started once, shortly before its first advert: its start time is fitted
 * (see `fitStartDelays`), so a host that restarted during the capture, or one that was already
 * running when the capture began and whose config starts it in BACKUP, needs an events file.
 *
 * keepalived's exec-to-initialised delay is in no recording: by default it is fitted per start
 * (the value in 0..1000 ms that matches most, then has the smallest largest timing error;
 * keepalived's IPv6 instances took up to 600 ms on a busy machine), or given. The report says which value was used.
 *
 * Script results: with a script model (recording.json's `flags` and `checks`: which flag file a
 * check tests, which notify states create or remove it), checks follow the flag files, changed by
 * the engine's notifies and by the events file's touch/rm of this host; otherwise every tracked
 * script succeeds. Fixed results (`scriptResults`) override both.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { ipPacketOf } from '../capture/link.js';
import { readCaptureFile } from '../capture/reader.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadConfig } from '../config/load.js';
import { laterKeywordsIn, type KeepalivedVersion } from '../config/version.js';
import type { KeepalivedConfig } from '../config/model.js';
import { canonicalAddress as canonicalOrNull } from '../wire/address.js';
import { decodeAdvertPacket } from '../wire/decode.js';
import { trackFileValue } from '../engine/track-file.js';
import type { ReceivedAdvert } from '../wire/types.js';
import { drive, type DriveResult, type LifecycleEvent, type ScriptModel } from './drive.js';
import { compareStreams, pairByTime, type TimedValue } from './match.js';
import { flagScriptModel, type FlagFileEvent, type FlagSpec } from './reference.js';
import { wireStates, type WireState } from './states.js';

export interface CompareOptions {
  capture: string;
  /** The host's keepalived.conf. */
  config: string;
  /** The host's name in the events file, or any of its addresses (IPv4, or IPv6 for VRRPv3/IPv6). */
  host: string;
  events?: string;
  /** Script model file (recording.json format: `flags`, `checks`, optional `hosts`, `endStops`). */
  scripts?: string;
  /** Fixed results of tracked scripts, by vrrp_script name; these override the model. */
  scriptResults?: Record<string, 'ok' | 'fail'>;
  /** Largest accepted timing error, ms (default 20). */
  toleranceMs?: number;
  /** Exec-to-initialised delay: ms for every start, or 'fit' (default). */
  startDelay?: number | 'fit';
  /** From a notify being run to its effect on flag files (default 20 ms). */
  notifyLatencyMs?: number;
  /** How long a tracked script runs (default 5 ms). */
  scriptDurationMs?: number;
  /** How much later a MASTER's advert timer restarts after a packet it rejects (default REJECT_REARM_MS, drive.ts). */
  rejectRearmMs?: number;
  /** The keepalived the host ran: '2.2' (2.2.7, default) or '2.4' (2.4.3: auth_hmac). */
  keepalivedVersion?: KeepalivedVersion;
  /** How far the host's wall clock was ahead of the capture's, ms (auth_hmac's time window reads it). */
  clockOffsetMs?: number;
}

export interface ScriptModelSpec {
  flags: Record<string, FlagSpec>;
  checks: Record<string, { flag: string; succeedsWhen: 'present' | 'absent' }>;
  hosts?: Record<string, { address: string; address6?: string }>;
  endStops?: string[];
}

/** Everything read from files, in ms since the time origin. */
export interface CompareInputs {
  /** The host's IPv4 address (or the one address known), its advert source and tie-breaker. */
  address: string;
  /** Every address of the host (canonical text): its adverts are those from any of them. */
  addresses: string[];
  /** Its IPv6 address, the source of VRRPv3/IPv6 adverts, when known. */
  address6?: string;
  /** The host's name in the events file, when it has one. */
  hostName?: string;
  config: KeepalivedConfig;
  /** Epoch seconds of time 0: the events file's captureStart, or the capture's first frame. */
  originEpoch: number;
  /**
   * Every VRRP packet in the capture, in capture order, with its bytes (what the engine is fed);
   * `valid` when it passes the instance-independent checks (only those count as a host's adverts).
   */
  adverts: { t: number; packet: ReceivedAdvert; bytes?: Uint8Array; valid?: boolean }[];
  /** The host's starts and stops from the events file; undefined without one. */
  lifecycle?: LifecycleEvent[];
  /** End of the compared window (the `end` event, or just after the last frame). */
  windowEndMs: number;
  fileEvents: FlagFileEvent[];
  scriptSpec?: ScriptModelSpec;
  /** Where the script model came from, for the report. */
  scriptSpecSource?: string;
  warnings: string[];
  /** The keepalived the host is run as (absent: 2.2). */
  keepalivedVersion?: KeepalivedVersion;
  /** The host's wall clock minus the capture's, ms. */
  clockOffsetMs?: number;
}

export interface AdvertPair {
  vrid: number;
  recorded?: { t: number; priority: number };
  sent?: { t: number; priority: number };
  /** sent.t - recorded.t, when both exist. */
  errorMs?: number;
}

export type MismatchKind = 'missing-advert' | 'extra-advert' | 'priority' | 'state' | 'timing';

export interface Mismatch {
  t: number;
  kind: MismatchKind;
  vrid: number;
  reason: string;
}

export interface VridSummary {
  vrid: number;
  recorded: number;
  sent: number;
  matched: number;
  maxErrorMs: number;
  states: { recorded: TimedValue<WireState>[]; sent: TimedValue<WireState>[] };
}

export interface CompareReport {
  address: string;
  /** Every address of the host whose adverts were compared. */
  addresses: string[];
  hostName?: string;
  originEpoch: number;
  /** The keepalived the host was run as: '2.2' or '2.4'. */
  keepalivedVersion: KeepalivedVersion;
  windowEndMs: number;
  start: {
    source: 'events' | 'first-advert';
    /** When keepalived was started (exec), per start, ms. */
    execMs: number[];
    /** Exec-to-initialised delay used for each start, ms. */
    delayMs: number[];
    fitted: boolean;
    /** Per start: fitted, but nothing compared depends on it (the middle of the range is shown). */
    unconstrained: boolean[];
  };
  scripts: string;
  toleranceMs: number;
  adverts: { matched: number; total: number; recorded: number; sent: number; maxErrorMs: number };
  states: { matched: number; total: number; maxErrorMs: number };
  vrids: VridSummary[];
  pairs: AdvertPair[];
  /** Every difference, in time order. */
  mismatches: Mismatch[];
  maxTimingErrorMs: number;
  /** State sequences and priorities match, and every timing error is within the tolerance. */
  pass: boolean;
  warnings: string[];
}

export type CompareOutcome = { ok: true; report: CompareReport } | { ok: false; error: string };

export const DEFAULT_TOLERANCE_MS = 20;
/** Range of the fitted exec-to-initialised delay with an events file, ms. */
export const FIT_RANGE_MS = { min: 0, max: 1000 };
/** How long after a SIGTERM at the `end` event its resignation adverts may still come. */
const STOP_GRACE_MS = 50;

export function compareCapture(options: CompareOptions): CompareOutcome {
  const loaded = loadCompareInputs(options);
  if (!loaded.ok) return loaded;
  return { ok: true, report: compareInputs(loaded.inputs, options) };
}

// ---------------------------------------------------------------------------------------------
// Reading the inputs (the only I/O here). Input problems come back as messages, never throws.

interface EventsFile {
  captureStart: number;
  /** `addresses`: every address the event names (`address`, `address6` and `addresses`), canonical. */
  events: { t: number; host?: string; address?: string; addresses: string[]; action: string; arg?: string; value?: string }[];
}

/** What an events file can say happened on the host, and compare plays to the engine. */
export const PLAYED_ACTIONS = ['start', 'stop', 'kill', 'reload', 'link-down', 'link-up', 'write', 'touch', 'rm', 'end'] as const;

const isIpv6 = (address: string): boolean => address.includes(':');
/** An address in one spelling (RFC 5952 for IPv6); text that is no address stays as it is (a name). */
const canonicalAddress = (text: string): string => canonicalOrNull(text) ?? text;

export function loadCompareInputs(options: CompareOptions): { ok: true; inputs: CompareInputs } | { ok: false; error: string } {
  const warnings: string[] = [];
  for (const [what, file] of [['capture', options.capture], ['config', options.config], ['events file', options.events], ['script model', options.scripts]] as const) {
    if (file !== undefined && !existsSync(file)) return { ok: false, error: `${what} ${file}: no such file` };
  }

  const loaded = loadConfig(options.config, { scriptExists: () => true, keepalivedVersion: options.keepalivedVersion ?? '2.2' });
  if (loaded.config.instances.length === 0) {
    const errors = loaded.diagnostics.filter((d) => d.severity !== 'info').map(formatDiagnostic);
    return { ok: false, error: `config ${options.config} has no vrrp_instance${errors.length > 0 ? `: ${errors.join('; ')}` : ''}` };
  }
  const unknownScripts = Object.keys(options.scriptResults ?? {}).filter((name) => !loaded.config.scripts.some((script) => script.name === name));
  if (unknownScripts.length > 0) return { ok: false, error: `config ${options.config} has no vrrp_script ${unknownScripts.join(', ')}` };
  const configErrors = loaded.diagnostics.filter((d) => d.severity === 'error');
  if (configErrors.length > 0) warnings.push(`config ${options.config}: ${configErrors.map(formatDiagnostic).join('; ')} (see vrrplab check)`);
  // keepalived 2.4's auth_hmac is not modelled: the engine runs the config as keepalived 2.2.7.
  for (const keyword of laterKeywordsIn(loaded.diagnostics)) {
    warnings.push(`config ${options.config}: ${keyword} (keepalived 2.4) is not modelled: compare drives the engine with the config as keepalived 2.2.7 reads it (${keyword} unknown, its '}' ending the vrrp_instance; a peer's signed adverts dropped as too long), not as keepalived 2.4.3`);
  }

  let eventsFile: EventsFile | undefined;
  if (options.events !== undefined) {
    const parsed = readJson(options.events);
    if (!parsed.ok) return parsed;
    const checked = checkEventsFile(parsed.value, options.events);
    if (!checked.ok) return checked;
    eventsFile = checked.value;
  }

  let scriptSpec: ScriptModelSpec | undefined;
  let scriptSpecSource: string | undefined;
  const specFile = options.scripts ?? (options.events !== undefined && existsSync(join(dirname(options.events), 'recording.json')) ? join(dirname(options.events), 'recording.json') : undefined);
  if (specFile !== undefined) {
    const parsed = readJson(specFile);
    if (!parsed.ok) return parsed;
    const checked = checkScriptSpec(parsed.value, specFile);
    if (!checked.ok) return checked;
    scriptSpec = checked.value;
    scriptSpecSource = options.scripts !== undefined ? specFile : `${specFile} (beside the events file)`;
  }

  // Who the host is: a name the events file (or the model's hosts) gives addresses, or any one of
  // its addresses; the events file's other addresses of that host, and (below) the addresses that
  // advertise from the same link-layer address, are its too.
  const given = canonicalAddress(options.host);
  const known = new Set<string>();
  let hostName: string | undefined;
  const byName = eventsFile?.events.filter((event) => event.host === options.host && event.addresses.length > 0) ?? [];
  if (byName.length > 0) {
    hostName = options.host;
    for (const event of byName) for (const a of event.addresses) known.add(a);
  } else if (scriptSpec?.hosts?.[options.host] !== undefined) {
    hostName = options.host;
    const h = scriptSpec.hosts[options.host]!;
    for (const a of [h.address, h.address6]) if (a !== undefined) known.add(canonicalAddress(a));
  } else {
    known.add(given);
    hostName =
      eventsFile?.events.find((event) => event.addresses.includes(given) && event.host !== undefined)?.host ??
      Object.entries(scriptSpec?.hosts ?? {}).find(([, h]) => canonicalAddress(h.address) === given || (h.address6 !== undefined && canonicalAddress(h.address6) === given))?.[0];
    if (hostName !== undefined) {
      for (const event of eventsFile?.events ?? []) if (event.host === hostName) for (const a of event.addresses) known.add(a);
      const h = scriptSpec?.hosts?.[hostName];
      for (const a of [h?.address, h?.address6]) if (a !== undefined) known.add(canonicalAddress(a));
    }
  }

  let problems = 0;
  let firstProblem: string | undefined;
  const frames: { ts: number; packet: ReceivedAdvert; bytes: Uint8Array; valid: boolean }[] = [];
  /** Link-layer source of each advertising address (Ethernet and Linux cooked captures). */
  const macOf = new Map<string, string>();
  let firstTs: number | undefined;
  let lastTs: number | undefined;
  for (const frame of readCaptureFile(options.capture, {
    onProblem: (problem) => {
      problems++;
      firstProblem ??= `at byte ${problem.fileOffset}: ${problem.message}`;
    },
  })) {
    firstTs ??= frame.ts;
    lastTs = frame.ts;
    const ip = ipPacketOf(frame);
    if (ip === undefined) continue;
    const bytes = frame.data.slice(ip.offset);
    const decoded = decodeAdvertPacket(bytes);
    if (decoded === null) continue;
    // keepalived reads malformed packets too (and they move its timers): keep them for the engine.
    const packet: ReceivedAdvert = decoded.received ?? {
      advert: decoded.partial ?? { version: 2, vrid: decoded.header?.vrid ?? 0, priority: 0, authType: 0, auth: '', advertIntervalMs: 0, family: decoded.family, addresses: [] },
      src: decoded.src,
      dst: decoded.dst,
      ttl: decoded.ttl,
    };
    frames.push({ ts: frame.ts, packet, bytes, valid: decoded.received !== null && decoded.verdict === 'ok' });
    if (!frames.at(-1)!.valid) continue;
    const mac = ip.offset >= 14 && frame.linkType === 1 ? Array.from(frame.data.subarray(6, 12), (b) => b.toString(16).padStart(2, '0')).join(':') : undefined;
    if (mac !== undefined) macOf.set(canonicalAddress(packet.src), mac);
  }
  if (firstTs === undefined || lastTs === undefined) {
    return { ok: false, error: `capture ${options.capture}: no packets${firstProblem !== undefined ? ` (${firstProblem})` : ''}` };
  }
  if (problems > 0) warnings.push(`capture ${options.capture}: ${problems} problem(s), first ${firstProblem}; the readable part is compared`);
  if (!frames.some((frame) => frame.valid)) return { ok: false, error: `capture ${options.capture}: no VRRP adverts` };

  const originEpoch = eventsFile?.captureStart ?? firstTs;
  const ms = (epochSeconds: number): number => (epochSeconds - originEpoch) * 1000;
  const adverts = frames.map((frame) => ({ t: ms(frame.ts), packet: frame.packet, bytes: frame.bytes, valid: frame.valid }));
  // keepalived advertises from the interface's own MAC (no VMAC), so the host's IPv4 and IPv6
  // adverts share a link-layer source: a host named by one address is found under the other.
  // A VRRP virtual router MAC (00:00:5e:00:01:VRID, :02: for IPv6: keepalived's use_vmac, RFC
  // routers) is every master's of the VRID in turn: it links no addresses (a use_vmac pair's two
  // hosts both advertise from it).
  const hostMacs = new Set([...known].map((a) => macOf.get(a)).filter((m): m is string => m !== undefined && !/^00:00:5e:00:0[12]:/.test(m)));
  for (const [src, mac] of macOf) if (hostMacs.has(mac)) known.add(src);
  const addresses = [...known].sort((a, b) => Number(isIpv6(a)) - Number(isIpv6(b)));
  const address = addresses.find((a) => !isIpv6(a)) ?? addresses[0]!;
  const address6 = addresses.find((a) => a.startsWith('fe80:')) ?? addresses.find(isIpv6);
  const mine = new Set(addresses);
  if (!adverts.some((advert) => advert.valid && mine.has(canonicalAddress(advert.packet.src)))) {
    // Without an events file that starts it, a host that never advertised may not be on this LAN
    // at all (a mistyped address): a PASS with nothing compared would mislead.
    if (options.events === undefined) return { ok: false, error: `capture ${options.capture}: no adverts from ${addresses.join(' or ')}, and no events file says when it ran: nothing to compare` };
    warnings.push(`the capture has no adverts from ${addresses.join(' or ')}`);
  }
  if (address6 === undefined && loaded.config.instances.some((instance) => instance.family === 6)) {
    warnings.push(`no IPv6 address of ${options.host} is known (name the host by it, or list it in the events file's "addresses"): its IPv6 instances have no source address`);
  }

  let lifecycle: LifecycleEvent[] | undefined;
  let windowEndMs = ms(lastTs) + 1;
  const fileEvents: FlagFileEvent[] = [];
  if (eventsFile !== undefined) {
    lifecycle = [];
    const stopsAtEnd = hostName !== undefined && (scriptSpec?.endStops ?? []).includes(hostName);
    const written = new Set<string>();
    const unplayed = new Map<string, number>();
    const ours = (event: EventsFile['events'][number]): boolean => event.addresses.some((a) => mine.has(a)) || (hostName !== undefined && event.host === hostName);
    for (const event of eventsFile.events) {
      const t = ms(event.t);
      if (event.action === 'end') {
        if (stopsAtEnd) lifecycle.push({ t, action: 'stop' });
        windowEndMs = t + (stopsAtEnd ? STOP_GRACE_MS : 0);
      } else if (!ours(event)) {
        continue;
      } else if (event.action === 'start' || event.action === 'stop' || event.action === 'kill') {
        lifecycle.push({ t, action: event.action });
      } else if (event.action === 'reload' && event.arg !== undefined) {
        // SIGHUP with the file "arg" (relative to the events file) in place of the config.
        const file = isAbsolute(event.arg) ? event.arg : join(dirname(options.events ?? '.'), event.arg);
        const reloaded = loadConfig(file, { scriptExists: () => true, keepalivedVersion: options.keepalivedVersion ?? '2.2' });
        if (reloaded.config.instances.length === 0) return { ok: false, error: `events file ${options.events}: the reload at ${event.t} reads ${file}, which has no vrrp_instance` };
        lifecycle.push({ t, action: 'reload', config: reloaded.config });
      } else if ((event.action === 'touch' || event.action === 'rm') && event.arg !== undefined) {
        fileEvents.push({ t, flag: basename(event.arg), present: event.action === 'touch' });
        // A tracked file removed reads 0 (keepalived: a missing file is 0); a touch leaves what it held.
        if (event.action === 'rm' || !written.has(event.arg)) for (const trackFile of trackFilesAt(loaded.config, event.arg)) lifecycle.push({ t, action: 'file-value', trackFile, value: 0 });
      } else if (event.action === 'link-down' || event.action === 'link-up') {
        lifecycle.push({ t, action: event.action, ...(event.arg === undefined ? {} : { iface: event.arg }) });
        if (event.arg !== undefined && !configInterfaces(loaded.config).includes(event.arg)) {
          warnings.push(`the events file takes ${event.arg} ${event.action === 'link-down' ? 'down' : 'up'}, which ${options.config} neither runs VRRP on nor tracks: it changes nothing`);
        }
      } else if (event.action === 'write' && event.arg !== undefined && event.value !== undefined) {
        written.add(event.arg);
        const files = trackFilesAt(loaded.config, event.arg);
        const value = trackFileValue(event.value);
        if (files.length === 0) warnings.push(`the events file writes ${event.arg}, which no vrrp_track_file of ${options.config} reads: it changes nothing`);
        // keepalived ignores a value out of range (logged): the previous one stays.
        else if (value !== null) for (const trackFile of files) lifecycle.push({ t, action: 'file-value', trackFile, value });
      } else if (!(PLAYED_ACTIONS as readonly string[]).includes(event.action)) {
        unplayed.set(event.action, (unplayed.get(event.action) ?? 0) + 1);
      }
    }
    for (const [action, count] of unplayed) {
      warnings.push(`the events file's "${action}" (${count}x) is not played: compare plays ${PLAYED_ACTIONS.join(', ')}`);
    }
    if (!lifecycle.some((event) => event.action === 'start')) {
      const named = [...new Set(eventsFile.events.filter((event) => event.host !== undefined || event.addresses.length > 0)
        .map((event) => (event.host === undefined ? event.addresses.join('/') : `${event.host}${event.addresses.length > 0 ? ` (${event.addresses.join(', ')})` : ''}`)))];
      return { ok: false, error: `events file ${options.events}: no start of ${options.host} (hosts in it: ${named.join(', ') || 'none'})` };
    }
    if (fileEvents.length > 0 && scriptSpec === undefined) {
      warnings.push('the events file touches/removes flag files, but no script model (--scripts FILE) says which checks test them: tracked scripts are taken to succeed');
    }
  }

  return {
    ok: true,
    inputs: { address, addresses, ...(address6 === undefined ? {} : { address6 }), hostName, config: loaded.config, originEpoch, adverts, lifecycle, windowEndMs, fileEvents, scriptSpec, scriptSpecSource, warnings,
      ...(options.keepalivedVersion !== undefined ? { keepalivedVersion: options.keepalivedVersion } : {}),
      ...(options.clockOffsetMs !== undefined ? { clockOffsetMs: options.clockOffsetMs } : {}) },
  };
}

/** The vrrp_track_files reading `file`. */
function trackFilesAt(config: KeepalivedConfig, file: string): string[] {
  return config.trackFiles.filter((trackFile) => trackFile.file === file).map((trackFile) => trackFile.name);
}

/** Interfaces the config runs VRRP on or tracks. */
function configInterfaces(config: KeepalivedConfig): string[] {
  return [
    ...config.instances.flatMap((instance) => [instance.interface, ...instance.trackInterfaces.map((ref) => ref.name)]),
    ...config.syncGroups.flatMap((group) => group.trackInterfaces.map((ref) => ref.name)),
  ];
}

function readJson(file: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(file, 'utf8')) as unknown };
  } catch (error) {
    return { ok: false, error: `${file}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function checkEventsFile(value: unknown, file: string): { ok: true; value: EventsFile } | { ok: false; error: string } {
  if (!isRecord(value) || typeof value.captureStart !== 'number' || !Array.isArray(value.events)) {
    return { ok: false, error: `events file ${file}: wants {"captureStart": epoch seconds, "events": [...]}` };
  }
  const events: EventsFile['events'] = [];
  for (const [index, event] of value.events.entries()) {
    if (!isRecord(event) || typeof event.t !== 'number' || typeof event.action !== 'string') {
      return { ok: false, error: `events file ${file}: events[${index}] wants "t" (epoch seconds) and "action"` };
    }
    const text = (key: string): string | undefined => (typeof event[key] === 'string' ? event[key] : typeof event[key] === 'number' && key === 'value' ? String(event[key]) : undefined);
    const list = Array.isArray(event.addresses) ? event.addresses.filter((a): a is string => typeof a === 'string') : [];
    const addresses = [...new Set([text('address'), text('address6'), ...list].filter((a): a is string => a !== undefined).map(canonicalAddress))];
    const value = text('value');
    if (event.action === 'reload' && text('arg') === undefined) {
      return { ok: false, error: `events file ${file}: events[${index}] (reload) wants "arg" (the new configuration file)` };
    }
    if (event.action === 'write' && (text('arg') === undefined || value === undefined)) {
      return { ok: false, error: `events file ${file}: events[${index}] (write) wants "arg" (the file) and "value" (what it now holds)` };
    }
    events.push({ t: event.t, action: event.action, host: text('host'), address: text('address'), addresses, arg: text('arg'), ...(value === undefined ? {} : { value }) });
  }
  return { ok: true, value: { captureStart: value.captureStart, events: events.sort((a, b) => a.t - b.t) } };
}

function checkScriptSpec(value: unknown, file: string): { ok: true; value: ScriptModelSpec } | { ok: false; error: string } {
  if (!isRecord(value) || !isRecord(value.checks)) return { ok: false, error: `script model ${file}: wants "checks" (and "flags")` };
  const flags: Record<string, FlagSpec> = {};
  for (const [name, flag] of Object.entries(isRecord(value.flags) ? value.flags : {})) {
    if (!isRecord(flag)) return { ok: false, error: `script model ${file}: flags.${name} is not an object` };
    const states = (key: string): string[] => (Array.isArray(flag[key]) ? flag[key].filter((s): s is string => typeof s === 'string') : []);
    flags[name] = { initial: flag.initial === true, setBy: states('setBy'), clearedBy: states('clearedBy') };
  }
  const checks: ScriptModelSpec['checks'] = {};
  for (const [name, check] of Object.entries(value.checks)) {
    if (!isRecord(check) || typeof check.flag !== 'string' || (check.succeedsWhen !== 'present' && check.succeedsWhen !== 'absent')) {
      return { ok: false, error: `script model ${file}: checks.${name} wants "flag" and "succeedsWhen": "present" | "absent"` };
    }
    checks[name] = { flag: check.flag, succeedsWhen: check.succeedsWhen };
  }
  const hosts: Record<string, { address: string; address6?: string }> = {};
  for (const [name, host] of Object.entries(isRecord(value.hosts) ? value.hosts : {})) {
    if (isRecord(host) && typeof host.address === 'string') {
      hosts[name] = { address: host.address, ...(typeof host.address6 === 'string' ? { address6: host.address6 } : {}) };
    }
  }
  const endStops = Array.isArray(value.endStops) ? value.endStops.filter((s): s is string => typeof s === 'string') : [];
  return { ok: true, value: { flags, checks, hosts, endStops } };
}

// ---------------------------------------------------------------------------------------------
// The comparison itself: pure, deterministic.

type Settings = Pick<CompareOptions, 'scriptResults' | 'toleranceMs' | 'startDelay' | 'notifyLatencyMs' | 'scriptDurationMs' | 'rejectRearmMs'>;

export function compareInputs(inputs: CompareInputs, settings: Settings = {}): CompareReport {
  const toleranceMs = settings.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  const scriptModel = buildScriptModel(inputs, settings);
  const mine = new Set(inputs.addresses);
  const isMine = (advert: CompareInputs['adverts'][number]): boolean => mine.has(canonicalAddress(advert.packet.src));
  const received = inputs.adverts.filter((advert) => !isMine(advert) && advert.t < inputs.windowEndMs);
  const own = inputs.adverts.filter((advert) => isMine(advert) && advert.valid !== false && advert.t < inputs.windowEndMs);

  // Starts: from the events file, or one start against the capture's first frame (time 0).
  const fromEvents = inputs.lifecycle !== undefined;
  const lifecycle: LifecycleEvent[] = inputs.lifecycle ?? [{ t: 0, action: 'start' }];
  const execMs = lifecycle.filter((event) => event.action === 'start').map((event) => event.t);

  const evaluate = (delayMs: number[]): Evaluation => {
    const driven = drive({
      config: inputs.config,
      address: inputs.address,
      ...(inputs.address6 === undefined ? {} : { address6: inputs.address6 }),
      received,
      lifecycle,
      startLatencyMs: delayMs,
      scriptModel,
      scriptDurationMs: settings.scriptDurationMs ?? 5,
      until: inputs.windowEndMs,
      ...(settings.rejectRearmMs === undefined ? {} : { rejectRearmMs: settings.rejectRearmMs }),
      ...(inputs.keepalivedVersion !== undefined ? { keepalivedVersion: inputs.keepalivedVersion } : {}),
      wallClockOffsetMs: inputs.originEpoch * 1000 + (inputs.clockOffsetMs ?? 0),
    });
    return evaluateDriven(inputs, own, driven, toleranceMs);
  };

  let delayMs: number[];
  let constrained: boolean[] = [];
  const fitted = settings.startDelay === undefined || settings.startDelay === 'fit';
  if (!fitted) {
    delayMs = execMs.map(() => settings.startDelay as number);
  } else if (fromEvents) {
    ({ delays: delayMs, constrained } = fitStartDelays(evaluate, execMs, FIT_RANGE_MS.min, FIT_RANGE_MS.max, 1));
  } else {
    // No events: the host started at most one master-down interval (plus a second of slack)
    // before its first advert, possibly before the capture began (a negative delay); search
    // that stretch coarsely, then to the millisecond.
    const firstOwn = own[0]?.t;
    if (firstOwn === undefined) {
      delayMs = [0];
    } else {
      const lead = Math.max(...inputs.config.instances.map((instance) => 3 * instance.advertIntervalMs + 1000));
      const from = Math.floor(firstOwn - lead);
      const coarse = fitStartDelays(evaluate, execMs, from, Math.ceil(firstOwn), 10).delays[0]!;
      ({ delays: delayMs, constrained } = fitStartDelays(evaluate, execMs, coarse - 10, coarse + 10, 1));
    }
  }

  const result = evaluate(delayMs);
  const warnings = [...inputs.warnings];
  if (fitted && fromEvents) {
    delayMs.forEach((delay, index) => {
      if (constrained[index] === true && (delay === FIT_RANGE_MS.min || delay === FIT_RANGE_MS.max)) {
        warnings.push(`the start delay fitted for start ${index + 1} is at the edge of its range (${FIT_RANGE_MS.min}..${FIT_RANGE_MS.max} ms): the events may not describe this host's starts`);
      }
    });
  }
  return {
    address: inputs.address,
    addresses: inputs.addresses,
    hostName: inputs.hostName,
    originEpoch: inputs.originEpoch,
    keepalivedVersion: inputs.keepalivedVersion ?? '2.2',
    windowEndMs: inputs.windowEndMs,
    start: { source: fromEvents ? 'events' : 'first-advert', execMs, delayMs, fitted, unconstrained: fitted ? execMs.map((_, i) => constrained[i] !== true) : execMs.map(() => false) },
    scripts: describeScripts(inputs, settings),
    toleranceMs,
    ...result.report,
    warnings,
  };
}

interface Evaluation {
  report: Pick<CompareReport, 'adverts' | 'states' | 'vrids' | 'pairs' | 'mismatches' | 'maxTimingErrorMs' | 'pass'>;
  /** Pairs with equal priorities plus matched state changes: what the fit maximises first. */
  score: number;
  /** |timing error| of matched items, with the recorded time, for per-start segments. */
  errors: { t: number; abs: number }[];
}

function evaluateDriven(inputs: CompareInputs, own: CompareInputs['adverts'], driven: DriveResult, toleranceMs: number): Evaluation {
  const key = (vrid: number): string => `vrid ${vrid}`;
  const vridOf = (k: string): number => Number(k.slice(5));
  const sent = driven.sent.filter((advert) => advert.t < inputs.windowEndMs);
  const recordedWire = own.map((a) => ({ t: a.t, key: key(a.packet.advert.vrid), priority: a.packet.advert.priority, intervalMs: a.packet.advert.advertIntervalMs }));
  const sentWire = sent.map((a) => ({ t: a.t, key: key(a.vrid), priority: a.priority, intervalMs: a.intervalMs }));

  const vrids = [...new Set([...recordedWire, ...sentWire].map((a) => vridOf(a.key)))].sort((a, b) => a - b);
  const configured = new Map(inputs.config.instances.map((instance) => [instance.vrid, instance.advertIntervalMs]));
  const pairs: AdvertPair[] = [];
  const mismatches: Mismatch[] = [];
  const errors: { t: number; abs: number }[] = [];
  const summaries: VridSummary[] = [];
  let statesMatched = 0;
  let statesTotal = 0;
  let statesMaxError = 0;

  for (const vrid of vrids) {
    const recorded = recordedWire.filter((a) => a.key === key(vrid));
    const mine = sentWire.filter((a) => a.key === key(vrid));
    const interval = configured.get(vrid) ?? recorded[0]?.intervalMs ?? 1000;
    const timePairs = pairByTime(
      recorded.map((a) => ({ t: a.t, key: a.key, value: a.priority })),
      mine.map((a) => ({ t: a.t, key: a.key, value: a.priority })),
      interval / 2,
    );
    let matched = 0;
    let maxErrorMs = 0;
    for (const pair of timePairs) {
      const out: AdvertPair = { vrid };
      if (pair.recorded !== undefined) out.recorded = { t: pair.recorded.t, priority: pair.recorded.value };
      if (pair.driven !== undefined) out.sent = { t: pair.driven.t, priority: pair.driven.value };
      pairs.push(out);
      if (pair.recorded !== undefined && pair.driven !== undefined) {
        out.errorMs = pair.driven.t - pair.recorded.t;
        if (pair.recorded.value !== pair.driven.value) {
          mismatches.push({
            t: pair.recorded.t,
            kind: 'priority',
            vrid,
            reason: `the host advertised priority ${pair.recorded.value}, the engine ${pair.driven.value}`,
          });
          continue;
        }
        matched++;
        const abs = Math.abs(out.errorMs);
        maxErrorMs = Math.max(maxErrorMs, abs);
        errors.push({ t: pair.recorded.t, abs });
        if (abs > toleranceMs) {
          mismatches.push({ t: pair.recorded.t, kind: 'timing', vrid, reason: `the engine's advert came ${signed(out.errorMs)} ms off (tolerance ${toleranceMs} ms)` });
        }
      } else if (pair.recorded !== undefined) {
        mismatches.push({ t: pair.recorded.t, kind: 'missing-advert', vrid, reason: `the host advertised priority ${pair.recorded.value}, the engine sent nothing` });
      } else if (pair.driven !== undefined) {
        mismatches.push({ t: pair.driven.t, kind: 'extra-advert', vrid, reason: `the engine advertised priority ${pair.driven.value}, the host sent nothing` });
      }
    }

    const recordedStates = wireStates(recorded, inputs.windowEndMs);
    const sentStates = wireStates(mine, inputs.windowEndMs);
    const states = compareStreams(recordedStates, sentStates);
    statesMatched += states.matched;
    statesTotal += states.total;
    statesMaxError = Math.max(statesMaxError, states.maxErrorMs);
    for (const stream of states.streams) {
      const matchedStates = recordedStates.filter((s) => s.key === stream.key).slice(0, stream.matched);
      stream.errorsMs.forEach((e, i) => {
        const t = matchedStates[i]!.t;
        errors.push({ t, abs: Math.abs(e) });
        // A state change happens at an advert, so its timing is normally reported with that advert.
        if (Math.abs(e) > toleranceMs && !mismatches.some((m) => m.kind === 'timing' && m.vrid === vrid && m.t === t)) {
          mismatches.push({ t, kind: 'timing', vrid, reason: `the engine's ${describeStateAt(matchedStates[i]!.value, t)} came ${signed(e)} ms off (tolerance ${toleranceMs} ms)` });
        }
      });
      const difference = stream.firstDifference;
      if (difference === undefined) continue;
      const what = (s: TimedValue<WireState> | undefined): string => (s === undefined ? 'nothing more' : describeStateAt(s.value, s.t));
      mismatches.push({
        t: Math.min(difference.recorded?.t ?? Number.POSITIVE_INFINITY, difference.driven?.t ?? Number.POSITIVE_INFINITY),
        kind: 'state',
        vrid,
        reason: `state change #${difference.index + 1}: the host ${what(difference.recorded)}, the engine ${what(difference.driven)}`,
      });
    }
    summaries.push({ vrid, recorded: recorded.length, sent: mine.length, matched, maxErrorMs, states: { recorded: recordedStates, sent: sentStates } });
  }

  mismatches.sort((a, b) => a.t - b.t || a.vrid - b.vrid);
  const advertsMatched = summaries.reduce((sum, v) => sum + v.matched, 0);
  const advertsMax = Math.max(0, ...summaries.map((v) => v.maxErrorMs));
  const maxTimingErrorMs = Math.max(advertsMax, statesMaxError);
  return {
    report: {
      adverts: { matched: advertsMatched, total: pairs.length, recorded: recordedWire.length, sent: sentWire.length, maxErrorMs: advertsMax },
      states: { matched: statesMatched, total: statesTotal, maxErrorMs: statesMaxError },
      vrids: summaries,
      pairs,
      mismatches,
      maxTimingErrorMs,
      pass: mismatches.length === 0,
    },
    score: advertsMatched + statesMatched,
    errors,
  };
}

/**
 * Fits each start's exec-to-initialised delay in turn (earlier starts first, later ones held at
 * the middle of the range): the value in [min, max] (in `step`s) with the highest score, then the
 * smallest largest timing error (what the pass/fail tolerance tests), then the smallest summed
 * error, over the items recorded between that start and the next.
 */
function fitStartDelays(
  evaluate: (delayMs: number[]) => Evaluation,
  execMs: number[],
  min: number,
  max: number,
  step: number,
): { delays: number[]; constrained: boolean[] } {
  const delays = execMs.map(() => Math.round((min + max) / 2));
  const constrained = execMs.map(() => false);
  for (let index = 0; index < execMs.length; index++) {
    const from = execMs[index]!;
    const to = execMs[index + 1] ?? Number.POSITIVE_INFINITY;
    let best: { score: number; max: number; sum: number; delay: number; timed: boolean } | undefined;
    const scores = new Set<number>();
    for (let delay = min; delay <= max; delay += step) {
      delays[index] = delay;
      const evaluation = evaluate([...delays]);
      scores.add(evaluation.score);
      let worst = 0;
      let sum = 0;
      let timed = false;
      for (const error of evaluation.errors) {
        if (error.t < from || error.t >= to) continue;
        timed = true;
        worst = Math.max(worst, error.abs);
        sum += error.abs;
      }
      const better =
        best === undefined ||
        evaluation.score > best.score ||
        (evaluation.score === best.score && (worst < best.max || (worst === best.max && sum < best.sum)));
      if (better) best = { score: evaluation.score, max: worst, sum, delay, timed };
    }
    // Nothing after this start depends on its delay (e.g. the host never advertised again):
    // keep the middle of the range rather than an arbitrary edge.
    constrained[index] = scores.size > 1 || best?.timed === true;
    delays[index] = constrained[index] ? (best?.delay ?? delays[index]!) : Math.round((min + max) / 2);
  }
  return { delays, constrained };
}

function buildScriptModel(inputs: CompareInputs, settings: Settings): ScriptModel {
  const fixed = settings.scriptResults ?? {};
  const fromFlags = inputs.scriptSpec !== undefined ? flagScriptModel(inputs.scriptSpec, settings.notifyLatencyMs ?? 20, inputs.fileEvents) : undefined;
  return (script, t, notifies) => {
    const result = fixed[script];
    if (result !== undefined) return result === 'ok' ? 0 : 1;
    return fromFlags?.(script, t, notifies) ?? 0;
  };
}

/**
 * What the engine was told of the host's tracking, in words: each tracked script's results, each
 * tracked interface's link and each tracked file's value (as the events file plays them, or what
 * is assumed without one), each tracked process taken to run, and what compare does not model (BFD).
 */
function describeScripts(inputs: CompareInputs, settings: Settings): string {
  const parts = [scriptWords(inputs, settings), ...trackingWords(inputs)].filter((part) => part !== '');
  return parts.length === 0 ? 'nothing tracked' : parts.join('; ');
}

function trackingWords(inputs: CompareInputs): string[] {
  const { config } = inputs;
  const out: string[] = [];
  const lifecycle = inputs.lifecycle ?? [];
  const tracked = [...new Set([
    ...config.instances.flatMap((instance) => instance.trackInterfaces.map((ref) => ref.name)),
    ...config.syncGroups.flatMap((group) => group.trackInterfaces.map((ref) => ref.name)),
  ])];
  for (const iface of tracked) {
    const events = lifecycle.filter((event) => (event.action === 'link-down' || event.action === 'link-up') && (event.iface === undefined || event.iface === iface));
    out.push(events.length > 0 ? `track_interface ${iface}: down/up as the events file says (${events.length} event(s))` : `track_interface ${iface}: up throughout (no link-down of it in ${inputs.lifecycle === undefined ? 'an events file' : 'the events file'})`);
  }
  const files = new Set([...config.instances.flatMap((instance) => instance.trackFiles), ...config.syncGroups.flatMap((group) => group.trackFiles)].map((ref) => ref.name));
  for (const file of config.trackFiles.filter((candidate) => files.has(candidate.name))) {
    const events = lifecycle.filter((event) => event.action === 'file-value' && event.trackFile === file.name);
    out.push(events.length > 0 ? `track_file ${file.name} (${file.file}): its value as the events file writes it (${events.length} event(s))` : `track_file ${file.name} (${file.file}): 0 throughout (no write of it in ${inputs.lifecycle === undefined ? 'an events file' : 'the events file'})`);
  }
  for (const process of config.trackProcesses ?? []) out.push(`track_process ${process.name} running (assumed: the capture cannot tell; keepalived inside a network namespace counts it absent)`);
  if (config.ignored.some((block) => block.keyword === 'bfd_instance')) out.push('bfd_instance: not modelled, BFD sessions taken as up');
  return out;
}

function scriptWords(inputs: CompareInputs, settings: Settings): string {
  const names = inputs.config.scripts.map((script) => script.name);
  if (names.length === 0) return '';
  const fixed = settings.scriptResults ?? {};
  const parts = names.map((name) => {
    const result = fixed[name];
    if (result !== undefined) return `${name}=${result} (given)`;
    const check = inputs.scriptSpec?.checks[name];
    if (check !== undefined) return `${name}: ok while ${check.flag} is ${check.succeedsWhen}`;
    return `${name}=ok (assumed)`;
  });
  const source = inputs.scriptSpec !== undefined ? `; flag files per ${inputs.scriptSpecSource ?? 'the script model'}` : '';
  const touches = inputs.fileEvents.length > 0 ? `, ${inputs.fileEvents.length} touch/rm event(s)` : '';
  return `${parts.join(', ')}${source}${touches}`;
}

/** A state change in words, with its time: `MASTER at 4.663 s`, `silent after 7.664 s`. */
export function describeStateAt(state: WireState, t: number): string {
  const at = `${(t / 1000).toFixed(3)} s`;
  switch (state) {
    case 'master':
      return `MASTER at ${at}`;
    case 'resigned':
      return `priority 0 at ${at}`;
    case 'silent':
      return `silent after ${at}`;
  }
}

function signed(ms: number): string {
  return `${ms >= 0 ? '+' : ''}${ms.toFixed(1)}`;
}
