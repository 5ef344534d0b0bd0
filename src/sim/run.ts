/**
 * Run a scenario: load each host's keepalived.conf, build the cluster, play the timeline, and
 * compute findings. Model mode answers scripts and notifies from the scenario's models (never
 * running user programs); exec mode runs the hosts' real programs while virtual time stands still.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkedService, inferNotifyEffects, NOTIFY_STATES, type NotifyState } from '../analysis/notify.js';
import { loadConfig, onHostDisk } from '../config/load.js';
import { keepalivedRelease, laterKeywordNotModelled, laterKeywordsIn, type KeepalivedVersion } from '../config/version.js';
import type { Diagnostic, KeepalivedConfig } from '../config/model.js';
import type { EngineAction } from '../engine/types.js';
import { splitCommandLine } from '../engine/command-line.js';
import { Cluster, START_JITTER_MAX, START_JITTER_MIN, type InjectStream, type SimHost, type SimRecord } from './cluster.js';
import { findSimulationFindings, type SimFinding } from './findings.js';
import type { CheckModel, InjectAction, NotifyModelEffect, Scenario, ScenarioHost, TimelineEntry } from './scenario.js';
import { validateScenario } from './validate.js';
import { processService, serviceProcessCount, trackedProcesses } from './processes.js';
import { QUORUM_MAX_NONE } from '../config/keywords.js';
import { neverMatches } from '../analysis/track-process.js';

export const DEFAULT_SEED = 1;

/** keepalived's start-up latency from exec to its instances' init, steady on an idle machine (lab, issue 13). */
export const STARTUP_DELAY_MS = 70;

export interface SimulationOptions {
  seed?: number;
  /** The keepalived the hosts run: '2.2' (2.2.7) or '2.4' (2.4.3, auth_hmac); default the scenario's `keepalived-version`, else 2.2. */
  keepalivedVersion?: KeepalivedVersion;
  /** Keep engine log lines as records (the human timeline prints a selection of them). */
  keepLogs?: boolean;
  /** Called every few thousand events with the virtual time reached, for progress bars. */
  onProgress?: (virtualMs: number, totalMs: number) => void;
  /**
   * Configs already loaded, by host name; filled on first use. Explore runs thousands of
   * schedules over the same hosts and loads each host's config once.
   */
  configCache?: Map<string, LoadedHostConfig>;
  /** Model mode: the hosts' notify script texts already read, by host and path; filled on first use. */
  fileCache?: Map<string, string | undefined>;
  /**
   * Skip the checks of the scenario's names against the configs (./validate.ts): for a caller
   * that derived the scenario's names from these configs itself, once (explore).
   */
  namesChecked?: boolean;
  /**
   * Also run the scenario with each started host's keepalived coming up first, then last, within
   * keepalived's start-up jitter, and report the variants that end with the VIPs elsewhere
   * (`SimulationResult.startRaces`). The run itself is unchanged. Model mode only (exec mode's
   * programs change the disk). Off by default (explore runs thousands of schedules and searches
   * start orders itself); `vrrplab simulate` sets it.
   */
  startRaces?: boolean;
  /**
   * Also run the scenario again, for each host whose backup met a lower-priority advert exactly as
   * its preempt_delay ended (keepalived's race, HostOptions.preemptBoundary), with that host
   * discarding it, and report the variants whose takeover or VIPs end otherwise
   * (`SimulationResult.preemptRaces`). Model mode only, as startRaces; `vrrplab simulate` sets it.
   */
  preemptRaces?: boolean;
  /** Internal: the start-race variants' start-up scale per host (see ClusterOptions.startupScale). */
  startupScale?: Readonly<Record<string, number>>;
  /** Internal: the preempt-boundary variants' choice per host (see ClusterOptions.preemptBoundary). */
  preemptBoundary?: Readonly<Record<string, 'accept' | 'discard'>>;
}

/**
 * A start race: with `first`'s start-up `leadMs` shorter than the other racing hosts' (keepalived's
 * start-up at START_JITTER_MIN x the steady one for it, START_JITTER_MAX x for the others; negative:
 * the other way round), the run ends with these VIPs where the run as given does not.
 */
export interface StartRace {
  first: string;
  leadMs: number;
  vips: Record<string, string[]>;
}

/** A lower-priority advert that arrived exactly as a backup's preempt_delay ended (Cluster.preemptTies). */
export interface PreemptTie {
  /** Virtual seconds. */
  t: number;
  /** The backup's host and instance, and the sender's host. */
  host: string;
  instance: string;
  from: string;
}

/**
 * A preempt_delay boundary race: the run takes the advert at `tie` as accepted (keepalived's usual
 * side); with `tie.host` discarding such adverts, its instance takes over at `takeover.discarded`
 * instead of `takeover.accepted` (virtual s; undefined: not at all) and the run ends with `vips`.
 */
export interface PreemptRace {
  tie: PreemptTie;
  takeover: { accepted: number | undefined; discarded: number | undefined };
  vips: Record<string, string[]>;
}

/** One other outcome of a race of keepalived's: the options that make it, and what it is. */
export type RaceVariant =
  | { kind: 'start'; first: string; leadMs: number; options: Pick<SimulationOptions, 'startupScale'> }
  | { kind: 'preempt-boundary'; tie: PreemptTie; options: Pick<SimulationOptions, 'preemptBoundary'> };

export type LoadedHostConfig = ReturnType<typeof loadHostConfig>;

type NotifyAction = Extract<EngineAction, { type: 'notify' }>;

/** A notify as model mode carries it out: the services it starts or stops, and the cause its service records give. */
interface NotifyModel {
  kind: NotifyAction['kind'];
  instance: string;
  state: NotifyAction['state'];
  effects: NotifyModelEffect[];
  cause: string;
}

export interface SimulationResult {
  scenario: Scenario;
  seed: number;
  /** The keepalived the hosts ran as (the header says its release; absent: 2.2). */
  keepalivedVersion?: KeepalivedVersion;
  records: SimRecord[];
  /** VIPs each host holds at the end. */
  vips: Record<string, string[]>;
  /** Services each host runs at the end (model mode). */
  services: Record<string, Record<string, boolean>>;
  findings: SimFinding[];
  /** How each tracked script is answered in model mode, for the report. */
  checkModels: Record<string, string>;
  /** How each tracked vrrp_track_process is counted (./processes.ts), for the report's header. */
  processModels?: Record<string, string>;
  /** What keepalived would say about each host's config when loading it (warnings and errors). */
  diagnostics: { host: string; diagnostic: Diagnostic }[];
  events: number;
  /** With SimulationOptions.startRaces: the start orders within keepalived's jitter that end otherwise (absent when none). */
  startRaces?: StartRace[];
  /** With SimulationOptions.preemptRaces: the preempt_delay boundary ties whose other side ends otherwise (absent when none). */
  preemptRaces?: PreemptRace[];
  /** Every preempt_delay boundary tie the run met (absent when none). */
  preemptTies?: PreemptTie[];
}

/** `warnings`: what the scenario names that no config uses, where keepalived would go on (./validate.ts). */
export type SimulationOutcome = { ok: true; result: SimulationResult; warnings: string[] } | { ok: false; errors: string[] };

export function loadHostConfig(host: ScenarioHost, mode: 'model' | 'exec', directory: string, keepalivedVersion: KeepalivedVersion = '2.2'): { config: KeepalivedConfig; diagnostics: Diagnostic[]; exitStatus: number } {
  return loadConfig(host.configPath, {
    hostRoot: host.root,
    keepalivedVersion,
    // Model mode never runs scripts, but keepalived disables one whose program cannot exist, so
    // the simulation must too: from a host directory, as `check --host` judges it (a program in the
    // copied tree must be there; one outside it, /usr/bin/pidof, is assumed present; a shell word
    // such as `[[` is no program: keepalived runs no shell). With only a config file, nothing can
    // be judged and every script runs. Exec mode looks relative programs up in the scenario directory.
    ...(mode === 'exec' ? { scriptDirectory: directory } : host.root !== undefined ? { assumeSystemPrograms: true } : { scriptExists: () => true }),
  });
}

/** configCache keys of the timeline's new configurations start with this (host names cannot hold a NUL). */
const CHANGE_KEY = '\0change\0';

export function runScenario(scenario: Scenario, options: SimulationOptions = {}): SimulationOutcome {
  const errors: string[] = [];
  const scenarioHosts = new Map(scenario.hosts.map((host) => [host.name, host]));
  const diagnostics: SimulationResult['diagnostics'] = [];
  const keepalivedVersion = options.keepalivedVersion ?? scenario.keepalivedVersion ?? '2.2';
  const specs = scenario.hosts.map((host) => {
    const cached = options.configCache?.get(host.name);
    const loaded = cached ?? loadHostConfig(host, scenario.scripts, scenario.directory, keepalivedVersion);
    if (cached === undefined) options.configCache?.set(host.name, loaded);
    // keepalived runs despite most config errors (keepalived -t exits non-zero for mere warnings),
    // so only a config without any vrrp_instance stops the simulation.
    if (loaded.config.instances.length === 0) {
      const reasons = loaded.diagnostics.map((d) => `${d.location ? `${d.location.file}:${d.location.line}: ` : ''}${d.message}`);
      const what = loaded.exitStatus === 139 ? 'keepalived crashes reading' : 'no vrrp_instance in';
      errors.push(`host ${host.name}: ${what} ${host.configPath}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`);
    }
    // Warnings and errors, and vrrplab's notes of what the config holds that is not modelled.
    for (const diagnostic of loaded.diagnostics) if (diagnostic.severity !== 'info' || diagnostic.notModelled === true) diagnostics.push({ host: host.name, diagnostic });
    // Not modelled, said in the header: keepalived 2.4's auth_hmac under 2.2 (the config is read as
    // 2.2.7's; under 2.4 it is read and run as 2.4.3's, and no keyword is reported unknown).
    for (const keyword of laterKeywordsIn(loaded.diagnostics)) diagnostics.push({ host: host.name, diagnostic: { severity: 'warning', message: laterKeywordNotModelled(host.name, keyword) } });
    // Not modelled, said in the header: what a fifo script does with the lines it reads.
    const g = loaded.config.globalDefs;
    for (const script of [g.notifyFifoScript, g.vrrpNotifyFifoScript]) {
      if (script !== undefined) diagnostics.push({ host: host.name, diagnostic: { severity: 'warning', message: `notify fifo script ${script} is not run by simulate: what it does with the lines is not modelled (the lines are shown as notify_fifo)` } });
    }
    return {
      name: host.name, address: host.address, address6: host.address6, config: loaded.config,
      ...(host.processEvents === false ? { processEvents: false } : {}),
      ...(host.clockOffsetMs !== undefined ? { clockOffsetMs: host.clockOffsetMs } : {}),
    };
  });
  // The new configurations of the timeline's reloads and restarts (rollout steps), loaded once each.
  const changes = new Map<TimelineEntry, KeepalivedConfig>();
  for (const entry of scenario.timeline) {
    if (entry.do !== 'reload' && entry.do !== 'restart') continue;
    const host = scenarioHosts.get(entry.host);
    if (host === undefined) continue;
    const changed: ScenarioHost = { ...host, configPath: entry.configPath, root: entry.root };
    const key = `${CHANGE_KEY}${entry.host}\0${entry.root ?? ''}\0${entry.configPath}`;
    const loaded = options.configCache?.get(key) ?? loadHostConfig(changed, scenario.scripts, scenario.directory, keepalivedVersion);
    options.configCache?.set(key, loaded);
    if (loaded.config.instances.length === 0) {
      errors.push(`${entry.line !== undefined && scenario.source !== undefined ? `${scenario.source.file}:${entry.line}: ` : ''}${entry.do} of ${entry.host}: no vrrp_instance in ${entry.label}`);
      continue;
    }
    for (const diagnostic of loaded.diagnostics) if (diagnostic.severity !== 'info' || diagnostic.notModelled === true) diagnostics.push({ host: `${entry.host} (${entry.label})`, diagnostic });
    changes.set(entry, loaded.config);
  }
  if (changes.size > 0) {
    // Said in the header, never silently: what the reload and restart events leave out.
    diagnostics.push({ host: '*', diagnostic: { severity: 'info', notModelled: true, message: 'not modelled: reload/restart: a finding that begins before the last reload or restart is judged by the configs the hosts started with, one after it by the new ones (none by the mix in force between steps); a reload is 2 ms long, as keepalived 2.2.7\'s with no VIPs added (one that adds VIPs sends its GARPs first, 30-51 ms)' } });
  }
  if (errors.length > 0) return { ok: false, errors };
  // Names the scenario uses that no config does (checks, services, interfaces): see ./validate.ts.
  const validation = options.namesChecked === true ? { errors: [], warnings: [] } : validateScenario(scenario, specs);
  if (validation.errors.length > 0) return { ok: false, errors: validation.errors };

  const seed = options.seed ?? scenario.seed ?? DEFAULT_SEED;
  const hostsByName = new Map(scenario.hosts.map((host) => [host.name, host]));
  const checkModels: Record<string, string> = {};
  // The hosts' notify and wrapper script texts, read once.
  const notifyTexts = options.fileCache ?? new Map<string, string | undefined>();
  const readHostFile = (host: ScenarioHost, file: string): string | undefined => {
    const key = `${host.name}\0${file}`;
    if (!notifyTexts.has(key)) notifyTexts.set(key, readQuietly(resolveOnHost(host, file)));
    return notifyTexts.get(key);
  };

  // A check the scenario does not model follows the service its command probes, or, for a wrapper
  // script, the service the wrapper's text probes (read from the host, as notify scripts are).
  const probedModels = new Map<string, CheckModel>();
  const modelFor = (hostName: string, script: string, command: string): CheckModel => {
    const explicit = scenario.checks[script];
    if (explicit !== undefined) return explicit;
    const key = `${hostName}\0${command}`;
    let model = probedModels.get(key);
    if (model === undefined) {
      const host = hostsByName.get(hostName);
      model = inferredCheckModel(command, host === undefined ? undefined : (file) => readHostFile(host, file));
      probedModels.set(key, model);
    }
    return model;
  };
  for (const spec of specs) {
    for (const script of spec.config.scripts) {
      checkModels[script.name] ??=
        script.disabled === true ? 'disabled: keepalived cannot run its program, so it never counts'
        : script.unused === true ? `not used: nothing tracks it (keepalived: "Warning - script ${script.name} is not used"), so it never runs`
        : describeCheck(modelFor(spec.name, script.name, script.script));
    }
  }

  // How each tracked process is counted, said in the header (never silently).
  const processModels: Record<string, string> = {};
  for (const spec of specs) {
    for (const process of trackedProcesses(spec.config)) {
      const service = processService(process);
      const never = neverMatches(process);
      const counted = never !== undefined ? `${never}`
        : scenario.scripts === 'exec'
        ? `exec mode has no services: counted absent (as by a keepalived without process events)`
        : `follows service ${service} (running: ${serviceProcessCount(process, true)} process${serviceProcessCount(process, true) === 1 ? '' : 'es'}, quorum ${process.quorum}${process.quorumMax < QUORUM_MAX_NONE ? `..${process.quorumMax}` : ''}; a start is an exec, no fork_delay)`;
      const blind = spec.processEvents === false ? `; on ${spec.name} keepalived cannot follow process events (process-events: false, as in a network namespace): counted absent` : '';
      const previous = processModels[process.name];
      processModels[process.name] = previous === undefined ? `${counted}${blind}` : `${previous}${blind}`;
    }
  }
  // The pitfall, where no host is marked blind: keepalived inside a network namespace sees no process.
  if (scenario.scripts === 'model' && specs.every((spec) => spec.processEvents !== false)) {
    for (const name of Object.keys(processModels)) processModels[name] += '; a keepalived inside a network namespace (a container) would count it absent (errno 111): process-events: false on such a host';
  }

  // What a notify does depends on its host, command line and arguments only: worked out once per run.
  const notifyModels = new Map<SimHost, Map<string, NotifyModel[]>>();
  const notifyModel = (host: SimHost, notify: NotifyAction, effectsOf: () => NotifyModelEffect[]): NotifyModel => {
    const byCommand = notifyModels.get(host) ?? new Map<string, NotifyModel[]>();
    notifyModels.set(host, byCommand);
    const models = byCommand.get(notify.command) ?? [];
    byCommand.set(notify.command, models);
    for (const model of models) {
      // The same command, kind, instance and state: the same arguments (the generic notify's priority never names a state).
      if (model.kind === notify.kind && model.instance === notify.instance && model.state === notify.state) return model;
    }
    const model = { kind: notify.kind, instance: notify.instance, state: notify.state, effects: effectsOf(), cause: `notify ${notify.state.toLowerCase()} (${notify.instance})` };
    models.push(model);
    return model;
  };
  const cluster: Cluster = new Cluster(specs, {
    seed,
    latencyMs: 0.1,
    startupDelayMs: STARTUP_DELAY_MS,
    startupJitter: scenario.startJitter === true,
    ...(options.startupScale !== undefined ? { startupScale: options.startupScale } : {}),
    ...(options.preemptBoundary !== undefined ? { preemptBoundary: options.preemptBoundary } : {}),
    scriptDurationMs: 3,
    notifyDurationMs: 5,
    keepLogs: options.keepLogs ?? true,
    keepalivedVersion,
    // Exec mode: tracked files are read from the disk (relative paths from the scenario directory).
    ...(scenario.scripts === 'exec' ? { readFile: (host: SimHost, file: string) => readQuietly(execPath(hostsByName.get(host.name), file, scenario.directory)) } : {}),
    runScript: (host, script, command) => {
      if (scenario.scripts === 'exec') return execProgram(hostsByName.get(host.name), command, scenario.directory);
      return evaluateCheck(modelFor(host.name, script, command), host);
    },
    runNotify: (host, notify) => {
      const scenarioHost = hostsByName.get(host.name);
      if (scenarioHost === undefined) return;
      if (scenario.scripts === 'exec') {
        execProgram(scenarioHost, notify.command, scenario.directory, notify.args);
        return;
      }
      const { effects, cause } = notifyModel(host, notify, () => notifyEffects(scenario, notify, (file) => readHostFile(scenarioHost, file)));
      for (const effect of effects) cluster.setService(host, effect.service, effect.action === 'start', cause);
    },
  });

  // Services that checks follow start up, unless the scenario says otherwise.
  const followed = new Set([
    ...specs.flatMap((spec) => spec.config.scripts.map((script) => modelFor(spec.name, script.name, script.script))).flatMap((model) => (model.kind === 'service' ? [model.service] : [])),
    // A tracked process is the service of its name (./processes.ts).
    ...specs.flatMap((spec) => trackedProcesses(spec.config).map(processService)),
  ]);
  for (const host of cluster.hosts) {
    for (const service of followed) host.services.set(service, true);
    for (const [service, up] of Object.entries(scenario.services[host.name] ?? {})) host.services.set(service, up);
  }

  for (const entry of scenario.timeline) {
    cluster.at(entry.atMs, () => {
      switch (entry.do) {
        case 'start':
          return cluster.start(cluster.host(entry.host), entry.startupMs);
        case 'stop':
          return cluster.stop(cluster.host(entry.host));
        case 'kill':
          return cluster.kill(cluster.host(entry.host));
        case 'link-down':
        case 'link-up':
          return cluster.setLink(cluster.host(entry.host), entry.do === 'link-up', entry.interface);
        case 'service-stop':
        case 'service-start':
          cluster.note(entry.host, entry.do, entry.service);
          return cluster.setService(cluster.host(entry.host), entry.service, entry.do === 'service-start', 'timeline');
        case 'touch':
        case 'rm':
          cluster.note(entry.host, entry.do, entry.path);
          return cluster.setFile(cluster.host(entry.host), entry.path, entry.do === 'touch');
        case 'script-hang':
        case 'script-resume':
          cluster.note(entry.host, entry.do, entry.script);
          return cluster.setScriptHung(cluster.host(entry.host), entry.script, entry.do === 'script-hang');
        case 'run':
          cluster.note(entry.host, 'run', entry.command);
          if (scenario.scripts === 'exec') {
            spawnSync('/bin/sh', ['-c', entry.command], { cwd: scenario.directory, stdio: 'ignore' });
            // keepalived hears of a tracked file's change at once (inotify) and reads it.
            cluster.readTrackedFiles();
          }
          return;
        case 'write':
          cluster.note(entry.host, 'write', `${entry.path} ${JSON.stringify(entry.value)}`);
          return cluster.writeFile(cluster.host(entry.host), entry.path, entry.value);
        case 'partition':
          return cluster.setPartition(entry.groups);
        case 'heal':
          return cluster.setPartition(undefined);
        case 'loss':
          return cluster.setLoss(entry.percent);
        case 'delay':
          return cluster.setDelay(entry.ms);
        case 'clock-step':
          return cluster.clockStep(cluster.host(entry.host), entry.byMs);
        case 'inject':
          return cluster.inject(injectStream(entry, specs.map((spec) => spec.config), seed));
        case 'reload':
        case 'restart': {
          const config = changes.get(entry);
          if (config === undefined) return;
          if (entry.do === 'reload') return cluster.reload(cluster.host(entry.host), config, entry.label);
          return cluster.restart(cluster.host(entry.host), config, entry.label, entry.gapMs);
        }
      }
    });
  }

  let events = 0;
  const step = 60_000;
  for (let until = Math.min(step, scenario.durationMs); ; until = Math.min(until + step, scenario.durationMs)) {
    events += cluster.run(until);
    options.onProgress?.(until, scenario.durationMs);
    if (until >= scenario.durationMs) break;
  }

  const vips: Record<string, string[]> = {};
  const services: Record<string, Record<string, boolean>> = {};
  for (const host of cluster.hosts) {
    vips[host.name] = [...host.vips.keys()].sort();
    services[host.name] = Object.fromEntries([...host.services.entries()].sort());
  }
  const judgedBy = (configOf: (spec: (typeof specs)[number]) => KeepalivedConfig) =>
    findSimulationFindings(cluster.records, {
      hosts: specs.map((spec) => ({ name: spec.name, config: configOf(spec), address: spec.address, ...(spec.address6 !== undefined ? { address6: spec.address6 } : {}) })),
      durationMs: scenario.durationMs,
      flapping: scenario.flapping,
      endServices: services,
      keepalivedVersion,
    });
  let findings = judgedBy((spec) => spec.config);
  if (changes.size > 0) {
    const finalConfig = new Map<string, KeepalivedConfig>();
    for (const [entry, config] of [...changes.entries()].sort(([a], [b]) => a.atMs - b.atMs)) if (entry.do === 'reload' || entry.do === 'restart') finalConfig.set(entry.host, config);
    findings = acrossChanges(scenario, findings, judgedBy((spec) => finalConfig.get(spec.name) ?? spec.config));
  }
  const startRaces = options.startRaces === true ? findStartRaces(scenario, seed, vips, options) : [];
  const preemptTies = cluster.preemptTies;
  const partial = { scenario, seed, records: cluster.records, vips, preemptTies };
  const preemptRaces = options.preemptRaces === true ? findPreemptRaces(partial, specs, options) : [];
  return {
    ok: true,
    warnings: validation.warnings,
    result: {
      scenario,
      seed,
      keepalivedVersion,
      records: cluster.records,
      vips,
      services,
      findings,
      checkModels,
      ...(Object.keys(processModels).length > 0 ? { processModels } : {}),
      diagnostics,
      events,
      ...(startRaces.length > 0 ? { startRaces } : {}),
      ...(preemptRaces.length > 0 ? { preemptRaces } : {}),
      ...(preemptTies.length > 0 ? { preemptTies } : {}),
    },
  };
}

/**
 * A rollout's findings (a timeline with reloads or restarts): what began before its last step as
 * judged by the configs the hosts started with, what began after it as judged by the configs they
 * ended with (a failover after an advert_int change is slow or not by the new Master_Down_Interval).
 * The simulator and the lab's recordings judge alike.
 */
export function acrossChanges(scenario: Pick<Scenario, 'timeline'>, byStart: readonly SimFinding[], byEnd: readonly SimFinding[]): SimFinding[] {
  const changes = scenario.timeline.filter((entry) => entry.do === 'reload' || entry.do === 'restart');
  if (changes.length === 0) return [...byStart];
  const lastMs = Math.max(...changes.map((entry) => entry.atMs));
  return [...byStart.filter((finding) => finding.from * 1000 < lastMs), ...byEnd.filter((finding) => finding.from * 1000 >= lastMs)].sort((a, b) => a.from - b.from);
}

/**
 * The run's findings worked out again by other configs (by host name; a host not given keeps the
 * config it started with): a rollout's run judged by the configs its hosts end with.
 */
export function rejudged(result: SimulationResult, configs: ReadonlyMap<string, KeepalivedConfig | undefined>, keepalivedVersion: KeepalivedVersion = '2.2'): SimulationResult {
  const { scenario } = result;
  const hosts = scenario.hosts.flatMap((host) => {
    const config = configs.get(host.name);
    return config === undefined ? [] : [{ name: host.name, config, address: host.address, ...(host.address6 !== undefined ? { address6: host.address6 } : {}) }];
  });
  const findings = findSimulationFindings(result.records, { hosts, durationMs: scenario.durationMs, flapping: scenario.flapping, endServices: result.services, keepalivedVersion });
  return { ...result, findings };
}

/**
 * The other outcomes of keepalived's races in a run: each start order within keepalived's start-up
 * jitter (see findStartRaces), and for each host that met a preempt_delay boundary tie, that host
 * discarding such adverts (its first tie named). Model mode only: exec mode's programs and commands
 * changed the disk, they are not run again.
 */
export function raceVariants(result: Pick<SimulationResult, 'scenario' | 'preemptTies'>): RaceVariant[] {
  const { scenario } = result;
  if (scenario.scripts === 'exec') return [];
  const variants: RaceVariant[] = startRaceVariants(scenario).map((variant) => ({ kind: 'start', first: variant.first, leadMs: variant.leadMs, options: { startupScale: variant.scale } }));
  const seen = new Set<string>();
  for (const tie of result.preemptTies ?? []) {
    if (seen.has(tie.host)) continue;
    seen.add(tie.host);
    variants.push({ kind: 'preempt-boundary', tie, options: { preemptBoundary: { [tie.host]: 'discard' } } });
  }
  return variants;
}

/**
 * preempt_delay boundary races: the scenario again with each tied host discarding the advert that
 * came exactly as its preempt_delay ended. A race when the VIPs end elsewhere, or when the tied
 * instance takes over (enters MASTER after the tie) at another time by half its advert interval or
 * more: the tie moves the takeover by one whole interval of the master's.
 */
function findPreemptRaces(
  result: Pick<SimulationResult, 'scenario' | 'seed' | 'records' | 'vips' | 'preemptTies'>,
  specs: readonly { name: string; config: KeepalivedConfig }[],
  options: SimulationOptions,
): PreemptRace[] {
  const races: PreemptRace[] = [];
  const ending = JSON.stringify(result.vips);
  const configCache = options.configCache ?? new Map<string, LoadedHostConfig>();
  for (const variant of raceVariants(result)) {
    if (variant.kind !== 'preempt-boundary') continue;
    const { tie } = variant;
    const outcome = runScenario(result.scenario, { seed: result.seed, keepLogs: false, configCache, fileCache: options.fileCache, namesChecked: true, ...variant.options });
    if (!outcome.ok) continue;
    const accepted = takeoverAfter(result.records, tie);
    const discarded = takeoverAfter(outcome.result.records, tie);
    const intervalMs = specs.find((spec) => spec.name === tie.host)?.config.instances.find((instance) => instance.name === tie.instance)?.advertIntervalMs ?? 1000;
    const moved = accepted === undefined || discarded === undefined ? accepted !== discarded : Math.abs(accepted - discarded) * 1000 >= intervalMs / 2;
    if (!moved && JSON.stringify(outcome.result.vips) === ending) continue;
    races.push({ tie, takeover: { accepted, discarded }, vips: outcome.result.vips });
  }
  return races;
}

/** When the tied instance next entered MASTER after the tie (virtual s), if it did. */
function takeoverAfter(records: readonly SimRecord[], tie: PreemptTie): number | undefined {
  for (const record of records) {
    if (record.type === 'transition' && record.t >= tie.t && record.host === tie.host && record.instance === tie.instance && record.to === 'MASTER') return record.t;
  }
  return undefined;
}

/**
 * Start races (keepalived's start-up is a distribution, not a constant: in the lab a host started
 * 33 ms earlier won, and kept the VIP with nopreempt): the scenario again with each host the
 * timeline starts (with no `startup` of its own) coming up first, and, among three or more, last,
 * by the spread of keepalived's start-up jitter; a variant whose VIPs end elsewhere is a race.
 */
function findStartRaces(scenario: Scenario, seed: number, vips: Record<string, string[]>, options: SimulationOptions): StartRace[] {
  // Exec mode runs the hosts' real programs and the timeline's commands, which change the disk: not again.
  if (scenario.scripts === 'exec') return [];
  const variants = startRaceVariants(scenario);
  const ending = JSON.stringify(vips);
  const configCache = options.configCache ?? new Map<string, LoadedHostConfig>();
  const races: StartRace[] = [];
  for (const variant of variants) {
    const outcome = runScenario(scenario, {
      seed,
      keepLogs: false,
      configCache,
      fileCache: options.fileCache,
      namesChecked: true,
      startupScale: variant.scale,
    });
    if (!outcome.ok || JSON.stringify(outcome.result.vips) === ending) continue;
    races.push({ first: variant.first, leadMs: variant.leadMs, vips: outcome.result.vips });
  }
  return races;
}

/** The start orders within keepalived's start-up jitter: each racing host first, and among three or more, last. */
function startRaceVariants(scenario: Scenario): { first: string; leadMs: number; scale: Record<string, number> }[] {
  const lead = Math.round(STARTUP_DELAY_MS * (START_JITTER_MAX - START_JITTER_MIN));
  // Only hosts started within that spread of another host's start can come up in the other order.
  const starts = scenario.timeline.flatMap((entry) => (entry.do === 'start' && entry.startupMs === undefined ? [{ host: entry.host, at: entry.atMs }] : []));
  const started = [...new Set(starts.filter((a) => starts.some((b) => b.host !== a.host && Math.abs(b.at - a.at) <= lead)).map((start) => start.host))];
  if (started.length < 2) return [];
  const variants: { first: string; leadMs: number; scale: Record<string, number> }[] = [];
  for (const host of started) {
    variants.push({ first: host, leadMs: lead, scale: Object.fromEntries(started.map((name) => [name, name === host ? START_JITTER_MIN : START_JITTER_MAX])) });
  }
  if (started.length > 2) {
    for (const host of started) {
      variants.push({ first: host, leadMs: -lead, scale: Object.fromEntries(started.map((name) => [name, name === host ? START_JITTER_MAX : START_JITTER_MIN])) });
    }
  }
  return variants;
}

/**
 * An inject event as a packet stream: the advert it forges takes the VRID's password, interval and
 * VIPs from the first configured IPv4 instance with that VRID (what the victims expect), unless
 * the event names them. Exported for explore, which may inject streams of its own.
 */
export function injectStream(entry: InjectAction, configs: readonly KeepalivedConfig[], seed: number): InjectStream {
  const victim = configs.flatMap((config) => config.instances).find((instance) => instance.vrid === entry.vrid && instance.family === 4);
  const auth = victim?.version === 2 ? victim.authentication : undefined;
  return {
    kind: entry.kind,
    src: entry.from,
    vrid: entry.vrid,
    priority: entry.priority ?? 100,
    password: entry.password ?? (auth?.type === 'PASS' ? auth.password : ''),
    advertIntervalMs: entry.intervalMs ?? victim?.advertIntervalMs ?? 1000,
    addresses: entry.addresses ?? victim?.virtualIpaddresses.filter((vip) => vip.family === 4).map((vip) => vip.address) ?? [],
    seed: entry.seed ?? seed,
    count: entry.count,
    // A burst: back to back, as a sender's loop puts them on the wire.
    rate: entry.rate ?? 20_000,
  };
}

/**
 * What a check the scenario does not model follows: the service its command probes, or for a
 * wrapper script the service the wrapper's text probes (`readFile` reads it from the host), else it
 * succeeds. The lab's stand-ins (src/lab/host-config.ts) answer by the same model.
 */
export function inferredCheckModel(command: string, readFile?: (file: string) => string | undefined): CheckModel {
  const service = checkedService(command, readFile);
  return service !== undefined ? { kind: 'service', service } : { kind: 'exit', code: 0 };
}

function describeCheck(model: CheckModel): string {
  switch (model.kind) {
    case 'service':
      return `succeeds while ${model.service} runs`;
    case 'file-absent':
      return `succeeds while ${model.path} is absent`;
    case 'file-present':
      return `succeeds while ${model.path} exists`;
    case 'exit':
      return model.code === 0 ? 'always succeeds' : `always exits ${model.code}`;
  }
}

function evaluateCheck(model: CheckModel, host: SimHost): number {
  switch (model.kind) {
    case 'service':
      return host.services.get(model.service) === true ? 0 : 1;
    case 'file-absent':
      return host.files.has(model.path) ? 1 : 0;
    case 'file-present':
      return host.files.has(model.path) ? 0 : 1;
    case 'exit':
      return model.code;
  }
}

/**
 * What a notify run does in model mode: the scenario's explicit effects for the state, or those
 * read from the notify program's text (the `case "$1"` arm its arguments select).
 */
export function notifyEffects(
  scenario: Pick<Scenario, 'notify'>,
  notify: Extract<EngineAction, { type: 'notify' }>,
  readFile: (file: string) => string | undefined,
): NotifyModelEffect[] {
  const stateKey = notify.state.toLowerCase();
  const explicit = scenario.notify[stateKey as NotifyState];
  if (explicit !== undefined) return explicit;
  const program = notify.args[0];
  if (program === undefined) return [];
  const text = readFile(program);
  if (text === undefined) return [];
  const selected = notify.args.slice(1).map((arg) => arg.toLowerCase()).find((arg): arg is NotifyState => (NOTIFY_STATES as readonly string[]).includes(arg));
  const key = selected ?? stateKey;
  return inferNotifyEffects(text)
    .filter((effect) => effect.state === key)
    .map((effect) => ({ action: effect.action, service: effect.service }));
}

function execPath(host: ScenarioHost | undefined, file: string, directory: string): string {
  return host?.root === undefined && !path.isAbsolute(file) ? path.resolve(directory, file) : onHostDisk(host?.root, file);
}

function resolveOnHost(host: ScenarioHost | undefined, file: string): string {
  return onHostDisk(host?.root, file);
}

function readQuietly(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Exec mode: run a program without a shell (keepalived's way); 127 when it cannot be run. */
function execProgram(host: ScenarioHost | undefined, command: string, cwd: string, args?: string[]): number {
  const argv = args ?? splitCommandLine(command);
  const program = argv[0];
  if (program === undefined) return 127;
  const result = spawnSync(resolveOnHost(host, program), argv.slice(1), { cwd, stdio: 'ignore', timeout: 10_000 });
  if (result.error !== undefined) return 127;
  return result.status ?? 1;
}
