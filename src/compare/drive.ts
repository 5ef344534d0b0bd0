/**
 * Conformance driver: one HostEngine fed with what a recorded host heard (the other hosts'
 * adverts, at their recorded times) and what was done to it (start/stop), so that what the engine
 * sends and the states it goes through can be compared with what the recorded host did.
 *
 * Time is ms on the recording's own clock (any origin). The recorded host's scripts are not
 * re-run: their results come from a model callback, which may look at the notifies the engine
 * has run so far (the reference recordings' checks test flag files that the notify script
 * touches and removes).
 */
import type { KeepalivedConfig } from '../config/model.js';
import { HostEngine } from '../engine/host.js';
import type { EngineAction, EngineEvent, VrrpState } from '../engine/types.js';
import type { ReceivedAdvert } from '../wire/types.js';
import type { KeepalivedVersion } from '../config/version.js';

export interface TimedAdvert {
  t: number;
  packet: ReceivedAdvert;
  /**
   * The IP packet as captured: when given, the engine gets the bytes (a 'packet' event) and runs
   * every receive check on them as keepalived does, with their effect on its timers; a packet
   * keepalived rejects (wrong password, bad checksum, ...) still re-arms its timer.
   */
  bytes?: Uint8Array;
}

export type LifecycleEvent =
  | {
      t: number;
      /** start: keepalived is exec'd; stop: SIGTERM (priority-0 adverts, then gone); kill: SIGKILL (gone, silently). */
      action: 'start' | 'stop' | 'kill';
    }
  /** An interface's link went down or up (`iface` undefined: every interface the instances run on). */
  | { t: number; action: 'link-down' | 'link-up'; iface?: string }
  /** A vrrp_track_file's file now reads `value` (keepalived reads it at once: inotify). */
  | { t: number; action: 'file-value'; trackFile: string; value: number }
  /** SIGHUP with a new configuration file (the engine's reload); read at the next start when keepalived is down. */
  | { t: number; action: 'reload'; config: KeepalivedConfig };

export interface DrivenNotify {
  t: number;
  instance: string;
  state: VrrpState;
  args: string[];
}

/** What a tracked script returns when it runs at `t`; `notifies` are the engine's so far. */
export type ScriptModel = (script: string, t: number, notifies: readonly DrivenNotify[]) => number;

export interface DriveOptions {
  config: KeepalivedConfig;
  /** The host's own IPv4 address on the instances' interfaces (advert source, tie-breaker). */
  address: string;
  /** Its IPv6 (link-local) address there, the source of VRRPv3/IPv6 adverts; without one an IPv6 instance has no source address. */
  address6?: string;
  /** Adverts the host received: the other hosts', never its own. */
  received: TimedAdvert[];
  lifecycle: LifecycleEvent[];
  /** keepalived's exec-to-initialised delay: a number for every start, or one per start in order. */
  startLatencyMs: number | number[];
  scriptModel: ScriptModel;
  /** How long a tracked script runs before keepalived sees its result (default 5 ms). */
  scriptDurationMs?: number;
  /** Drive until this time (default: the last input). */
  until?: number;
  /** HostOptions.rejectRearmMs: how much later a MASTER's timer restarts after a packet it rejects, ms (default REJECT_REARM_MS). */
  rejectRearmMs?: number;
  /** The keepalived the host ran (HostOptions.keepalivedVersion; default 2.2). */
  keepalivedVersion?: KeepalivedVersion;
  /** The host's wall clock at time 0 (UTC, ms since the epoch): keepalived 2.4's auth_hmac reads it. */
  wallClockOffsetMs?: number;
}

/**
 * From a MASTER's reading of a packet it rejects to its advert timer's restart, ms
 * (HostOptions.rejectRearmMs): keepalived logs the rejection before it takes the time. keepalived
 * 2.2.7 in the lab, a master fed bad packets 1010 ms apart (each one re-arms it, so each of its
 * adverts comes one interval plus this after the last one; test/lab/rejected-rearm.test.ts): 13
 * packets over three runs, 0.8-4.2 ms, median 2.1 (2.1-2.3 ms for ones 4 bytes too long); its own
 * unhindered interval 1000.05-1000.16 ms. At exactly one interval apart bad packets hold it
 * silent, as in captures/no-auth-bytes (1000.3 ms apart). The spread (once 6.5 ms) is the
 * machine's scheduling, which no constant reproduces.
 */
export const REJECT_REARM_MS = 2;

/**
 * HostOptions.quietRejectRearmMs for keepalived 2.4: a rejection whose line is rate limited writes
 * nothing, and the timer restarts sooner. keepalived 2.4.3 (captures/auth-hmac): a MASTER fed
 * adverts it drops sent its next one 1000.20 ms (rohigh) and 1000.10 ms (permnone) after one, and
 * stayed silent where the next came 1000.14 ms after (permnone).
 */
export const QUIET_REJECT_REARM_MS = 0.15;

export interface DrivenAdvert {
  t: number;
  instance: string;
  vrid: number;
  priority: number;
  /** The advert's interval field, ms. */
  intervalMs: number;
}

export interface DrivenTransition {
  t: number;
  instance: string;
  vrid: number;
  from: VrrpState;
  to: VrrpState;
  priority: number;
}

export interface DriveResult {
  sent: DrivenAdvert[];
  transitions: DrivenTransition[];
  notifies: DrivenNotify[];
  /** When each start's instances were initialised (start time + latency). */
  initialisedAt: number[];
}

type Input =
  | { t: number; order: number; kind: 'advert'; packet: ReceivedAdvert; bytes?: Uint8Array }
  | { t: number; order: number; kind: 'start' | 'stop' | 'kill' }
  | { t: number; order: number; kind: 'link'; ifaces: string[]; up: boolean }
  | { t: number; order: number; kind: 'file-value'; trackFile: string; value: number }
  | { t: number; order: number; kind: 'reload'; config: KeepalivedConfig }
  | { t: number; order: number; kind: 'script'; script: string; exitCode: number; generation: number };

/** Drive one engine through the recorded inputs; deterministic. */
export function drive(options: DriveOptions): DriveResult {
  const { address, scriptModel } = options;
  /** The configuration a start reads: the options' until a reload replaces it. */
  let config = options.config;
  const scriptDurationMs = options.scriptDurationMs ?? 5;
  const interfaces = [...new Set(config.instances.map((instance) => instance.interface))];
  const interfaceAddresses = Object.fromEntries(interfaces.map((iface) => [iface, address]));
  const address6 = options.address6;
  const interfaceAddresses6 = address6 === undefined ? undefined : Object.fromEntries(interfaces.map((iface) => [iface, address6]));
  const result: DriveResult = { sent: [], transitions: [], notifies: [], initialisedAt: [] };

  // Pending inputs, kept sorted by (t, order): recorded adverts and lifecycle first, script results as they come.
  let order = 0;
  const pending: Input[] = [];
  const push = (input: Input): void => {
    let index = pending.length;
    while (index > 0 && compareInputs(pending[index - 1]!, input) > 0) index--;
    pending.splice(index, 0, input);
  };
  let starts = 0;
  for (const event of options.lifecycle) {
    if (event.action === 'start') {
      const latency = Array.isArray(options.startLatencyMs) ? (options.startLatencyMs[starts] ?? 0) : options.startLatencyMs;
      starts++;
      push({ t: event.t + latency, order: order++, kind: 'start' });
    } else if (event.action === 'link-down' || event.action === 'link-up') {
      push({ t: event.t, order: order++, kind: 'link', ifaces: event.iface !== undefined ? [event.iface] : interfaces, up: event.action === 'link-up' });
    } else if (event.action === 'file-value') {
      push({ t: event.t, order: order++, kind: 'file-value', trackFile: event.trackFile, value: event.value });
    } else if (event.action === 'reload') {
      push({ t: event.t, order: order++, kind: 'reload', config: event.config });
    } else {
      push({ t: event.t, order: order++, kind: event.action });
    }
  }
  // Links and tracked files keep their state while keepalived is down; a start reads them.
  const linksDown = new Set<string>();
  const fileValues: Record<string, number> = {};
  for (const advert of options.received) push({ t: advert.t, order: order++, kind: 'advert', packet: advert.packet, ...(advert.bytes === undefined ? {} : { bytes: advert.bytes }) });
  const until = options.until ?? Math.max(...pending.map((input) => input.t));

  let engine: HostEngine | undefined;
  let generation = 0;
  const apply = (t: number, actions: EngineAction[]): void => {
    for (const action of actions) {
      switch (action.type) {
        case 'send-advert':
          result.sent.push({
            t,
            instance: action.instance,
            vrid: action.advert.vrid,
            priority: action.advert.priority,
            intervalMs: action.advert.advertIntervalMs,
          });
          break;
        case 'transition':
          result.transitions.push({ t, instance: action.instance, vrid: action.vrid, from: action.from, to: action.to, priority: action.priority });
          break;
        case 'notify':
          if (action.kind === 'specific') result.notifies.push({ t, instance: action.instance, state: action.state, args: action.args });
          break;
        case 'run-script': {
          const done = t + scriptDurationMs;
          push({ t: done, order: order++, kind: 'script', script: action.script, exitCode: scriptModel(action.script, done, result.notifies), generation });
          break;
        }
        default:
          break;
      }
    }
  };

  for (;;) {
    const next = pending[0];
    const deadline = engine?.nextDeadline();
    const nextT = Math.min(next?.t ?? Number.POSITIVE_INFINITY, deadline ?? Number.POSITIVE_INFINITY);
    if (nextT > until || nextT === Number.POSITIVE_INFINITY) break;
    // A timer due before the next input fires first (handle() also fires timers due at its own time).
    if (engine !== undefined && deadline !== undefined && deadline < (next?.t ?? Number.POSITIVE_INFINITY)) {
      apply(deadline, engine.handleTimeout(deadline));
      continue;
    }
    pending.shift();
    if (next === undefined) break;
    const t = next.t;
    if (next.kind === 'start') {
      if (engine !== undefined) continue;
      generation++;
      engine = new HostEngine(config, { interfaceAddresses, ...(interfaceAddresses6 === undefined ? {} : { interfaceAddresses6 }) }, {
        rejectRearmMs: options.rejectRearmMs ?? REJECT_REARM_MS,
        ...(options.keepalivedVersion !== undefined ? { keepalivedVersion: options.keepalivedVersion } : {}),
        ...(options.keepalivedVersion === '2.4' ? { quietRejectRearmMs: QUIET_REJECT_REARM_MS } : {}),
      });
      result.initialisedAt.push(t);
      // A tracked process is taken to run throughout (the capture cannot tell; capture.ts says so).
      const processCounts = Object.fromEntries((config.trackProcesses ?? []).map((p) => [p.name, Math.max(1, p.quorum)]));
      apply(t, engine.handle(t, { type: 'start', linksDown: [...linksDown], fileValues: { ...fileValues }, processCounts, wallClockOffsetMs: options.wallClockOffsetMs ?? 0 }));
    } else if (next.kind === 'stop') {
      if (engine === undefined) continue;
      apply(t, engine.handle(t, { type: 'stop' }));
      engine = undefined;
    } else if (next.kind === 'kill') {
      // The process is gone at once: no resignation, no notifies.
      engine = undefined;
    } else if (next.kind === 'link') {
      for (const iface of next.ifaces) {
        if (linksDown.has(iface) === !next.up) continue;
        if (next.up) linksDown.delete(iface);
        else linksDown.add(iface);
        if (engine !== undefined) apply(t, engine.handle(t, { type: 'link', iface, up: next.up }));
      }
    } else if (next.kind === 'file-value') {
      fileValues[next.trackFile] = next.value;
      if (engine !== undefined) apply(t, engine.handle(t, { type: 'file-value', trackFile: next.trackFile, value: next.value }));
    } else if (next.kind === 'reload') {
      config = next.config;
      if (engine !== undefined) apply(t, engine.reload(t, next.config));
    } else if (engine === undefined) {
      continue;
    } else if (next.kind === 'script') {
      if (next.generation !== generation) continue;
      apply(t, engine.handle(t, { type: 'script-result', script: next.script, exitCode: next.exitCode }));
    } else if (next.kind === 'advert') {
      // One LAN segment: the advert arrives on every interface the host runs VRRP on.
      for (const iface of interfaces) {
        const event: EngineEvent = next.bytes !== undefined ? { type: 'packet', iface, packet: next.bytes } : { type: 'advert', iface, packet: next.packet };
        apply(t, engine.handle(t, event));
      }
    }
  }
  return result;
}

function compareInputs(a: Input, b: Input): number {
  return a.t - b.t || a.order - b.order;
}
