/**
 * Replaying one host of a reference recording (captures/reference/<run>/) through the engine and
 * comparing it with what the recorded host did: its adverts (per VRID, in order, by priority)
 * and its state changes (per VIP, in order, as its notify script logged them).
 *
 * What the recording describes but does not hold as data (addresses, configs, the flag files the
 * checks test and which notifies change them) comes from the run's recording.json.
 */
import { readFileSync } from 'node:fs';
import { canonicalAddress } from '../wire/address.js';
import { join } from 'node:path';
import { loadConfig } from '../config/load.js';
import type { KeepalivedConfig } from '../config/model.js';
import { drive, type DriveResult, type DrivenNotify, type LifecycleEvent, type ScriptModel } from './drive.js';
import { compareStreams, type Comparison, type TimedValue } from './match.js';
import { readRecording, type Recording } from './recording.js';

export interface FlagSpec {
  initial: boolean;
  /** Notify states (the script's first argument) that create the flag file. */
  setBy: string[];
  /** Notify states that remove it. */
  clearedBy: string[];
}

export interface RecordingSpec {
  description?: string;
  /** `address6`: the host's IPv6 (link-local) address, the source of its VRRPv3/IPv6 adverts. */
  hosts: Record<string, { address: string; address6?: string; config: string }>;
  /** Hosts the `end` event stops at its time (others stop later, at an unrecorded time). */
  endStops: string[];
  flags: Record<string, FlagSpec>;
  checks: Record<string, { flag: string; succeedsWhen: 'present' | 'absent' }>;
}

export interface ReferenceRun {
  recording: Recording;
  spec: RecordingSpec;
  configs: Record<string, KeepalivedConfig>;
}

export function readReferenceRun(dir: string, name = dir): ReferenceRun {
  const recording = readRecording(dir, name);
  const spec = JSON.parse(readFileSync(join(dir, 'recording.json'), 'utf8')) as RecordingSpec;
  const configs: Record<string, KeepalivedConfig> = {};
  for (const [host, { config }] of Object.entries(spec.hosts)) {
    configs[host] = loadConfig(join(dir, config), { scriptExists: () => true }).config;
  }
  return { recording, spec, configs };
}

/** A flag file created (touch) or removed (rm) by hand at `t`, as an events file records it. */
export interface FlagFileEvent {
  t: number;
  flag: string;
  present: boolean;
}

/**
 * Script results from flag files: a check succeeds when its flag is present (or absent); the
 * host's own notifies set and clear flags `notifyLatencyMs` after keepalived runs them, and
 * `fileEvents` (sorted by time) set and clear them at their own times.
 */
export function flagScriptModel(spec: Pick<RecordingSpec, 'flags' | 'checks'>, notifyLatencyMs: number, fileEvents: readonly FlagFileEvent[] = []): ScriptModel {
  return (script: string, t: number, notifies: readonly DrivenNotify[]): number => {
    const check = spec.checks[script];
    if (check === undefined) return 0;
    const flag = spec.flags[check.flag];
    let present = flag?.initial ?? false;
    let fileIndex = 0;
    const applyFileEventsUntil = (until: number, inclusive: boolean): void => {
      for (; fileIndex < fileEvents.length; fileIndex++) {
        const event = fileEvents[fileIndex]!;
        if (inclusive ? event.t > until : event.t >= until) break;
        if (event.flag === check.flag) present = event.present;
      }
    };
    for (const notify of notifies) {
      const effective = notify.t + notifyLatencyMs;
      if (effective > t) break;
      applyFileEventsUntil(effective, false);
      const state = notify.args[1] ?? '';
      if (flag?.setBy.includes(state)) present = true;
      if (flag?.clearedBy.includes(state)) present = false;
    }
    applyFileEventsUntil(t, true);
    return present === (check.succeedsWhen === 'present') ? 0 : 1;
  };
}

export interface HostReplayOptions {
  /** Exec-to-initialised delay of keepalived: one value, or one per start of the host. */
  startLatencyMs: number | number[];
  /** From keepalived running a notify to its effect on the flag files. */
  notifyLatencyMs: number;
  scriptDurationMs: number;
}

export interface HostReplay {
  host: string;
  driven: DriveResult;
  /** End of the compared window, ms: the `end` event (plus a little for a host it stops). */
  windowEndMs: number;
  /** Adverts: one stream per VRID, values are priorities. */
  adverts: Comparison<number>;
  /** States: one stream per VIP (the notify script's second argument), values are notify states. */
  states: Comparison<string>;
  lifecycle: LifecycleEvent[];
}

/** How long after a SIGTERM the last resignation adverts may come (keepalived sends them at once). */
const STOP_GRACE_MS = 50;

/** Whether an advert came from this host of the recording (any of its addresses). */
export function sentBy(spec: RecordingSpec, host: string, src: string): boolean {
  const h = spec.hosts[host];
  if (h === undefined) return false;
  const canonical = canonicalAddress(src);
  return canonical === canonicalAddress(h.address) || (h.address6 !== undefined && canonical === canonicalAddress(h.address6));
}

export function replayHost(run: ReferenceRun, host: string, options: HostReplayOptions): HostReplay {
  const { recording, spec } = run;
  const hostSpec = spec.hosts[host];
  const config = run.configs[host];
  if (hostSpec === undefined || config === undefined) throw new Error(`recording ${recording.name} has no host ${host}`);
  const lifecycle: LifecycleEvent[] = [];
  let windowEndMs = Number.POSITIVE_INFINITY;
  for (const event of recording.events) {
    if (event.action === 'end') {
      const stopped = spec.endStops.includes(host);
      if (stopped) lifecycle.push({ t: event.t, action: 'stop' });
      windowEndMs = event.t + (stopped ? STOP_GRACE_MS : 0);
    } else if (event.host === host && (event.action === 'start' || event.action === 'stop' || event.action === 'kill')) {
      lifecycle.push({ t: event.t, action: event.action });
    }
  }
  const received = recording.adverts.filter((advert) => !sentBy(spec, host, advert.packet.src) && advert.t < windowEndMs);
  const driven = drive({
    config,
    address: hostSpec.address,
    ...(hostSpec.address6 === undefined ? {} : { address6: hostSpec.address6 }),
    received,
    lifecycle,
    startLatencyMs: options.startLatencyMs,
    scriptModel: flagScriptModel(spec, options.notifyLatencyMs),
    scriptDurationMs: options.scriptDurationMs,
    until: windowEndMs,
  });
  const inWindow = <T extends { t: number }>(items: T[]): T[] => items.filter((item) => item.t < windowEndMs);
  const recordedAdverts: TimedValue<number>[] = inWindow(recording.adverts.filter((advert) => sentBy(spec, host, advert.packet.src))).map((advert) => ({
    t: advert.t,
    key: `vrid ${advert.packet.advert.vrid}`,
    value: advert.packet.advert.priority,
  }));
  const drivenAdverts: TimedValue<number>[] = inWindow(driven.sent).map((sent) => ({ t: sent.t, key: `vrid ${sent.vrid}`, value: sent.priority }));
  const recordedStates: TimedValue<string>[] = inWindow(recording.notifies.filter((notify) => notify.host === host)).map((notify) => ({
    t: notify.t,
    key: notify.arg,
    value: notify.state,
  }));
  const drivenStates: TimedValue<string>[] = inWindow(driven.notifies).map((notify) => ({ t: notify.t, key: notify.args[2] ?? notify.instance, value: notify.args[1] ?? notify.state }));
  return {
    host,
    driven,
    windowEndMs,
    adverts: compareStreams(recordedAdverts, drivenAdverts),
    states: compareStreams(recordedStates, drivenStates),
    lifecycle,
  };
}

export interface Calibration {
  /** The fitted exec-to-initialised delay of each start of the host, ms. */
  startLatencyMs: number[];
  replay: HostReplay;
}

/**
 * Fits keepalived's start-up latency, which a recording does not hold (only the exec time), one
 * start at a time: the value in [minMs, maxMs] (1 ms steps) that first maximises the matched
 * adverts and states, then minimises the summed timing error of the adverts sent and the
 * notifies run between that start and the next one. Instances initialise before their first notify runs, so
 * the host's first notify.log line after a start bounds the latency from above.
 */
export function calibrateStartLatency(
  run: ReferenceRun,
  host: string,
  options: Omit<HostReplayOptions, 'startLatencyMs'>,
  range: { minMs: number; maxMs: number } = { minMs: 0, maxMs: 200 },
): Calibration {
  const starts = run.recording.events.filter((event) => event.host === host && event.action === 'start').map((event) => event.t);
  const latencies = starts.map(() => (range.minMs + range.maxMs) / 2);
  for (let index = 0; index < starts.length; index++) {
    const from = starts[index]!;
    const to = starts[index + 1] ?? Number.POSITIVE_INFINITY;
    const firstNotify = run.recording.notifies.find((notify) => notify.host === host && notify.t > from);
    const upper = Math.min(range.maxMs, firstNotify === undefined ? range.maxMs : Math.floor(firstNotify.t - from));
    let best: { score: number; error: number; latency: number } | undefined;
    for (let latency = range.minMs; latency <= upper; latency++) {
      latencies[index] = latency;
      const replay = replayHost(run, host, { ...options, startLatencyMs: [...latencies] });
      const score = replay.adverts.matched + replay.states.matched;
      let error = 0;
      for (const stream of replay.adverts.streams) {
        const recorded = run.recording.adverts.filter(
          (advert) => sentBy(run.spec, host, advert.packet.src) && `vrid ${advert.packet.advert.vrid}` === stream.key,
        );
        stream.errorsMs.forEach((e, i) => {
          const t = recorded[i]?.t ?? 0;
          if (t >= from && t < to) error += Math.abs(e);
        });
      }
      // Ties (e.g. a host whose adverts all follow a takeover, not its start) go to the latency
      // that best times its notifies after this start too.
      for (const stream of replay.states.streams) {
        const recorded = run.recording.notifies.filter((notify) => notify.host === host && notify.arg === stream.key);
        stream.errorsMs.forEach((e, i) => {
          const t = recorded[i]?.t ?? 0;
          if (t >= from && t < to) error += Math.abs(e);
        });
      }
      if (best === undefined || score > best.score || (score === best.score && error < best.error)) best = { score, error, latency };
    }
    latencies[index] = best?.latency ?? latencies[index]!;
  }
  return { startLatencyMs: latencies, replay: replayHost(run, host, { ...options, startLatencyMs: latencies }) };
}
