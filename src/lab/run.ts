/**
 * `vrrplab lab`: a simulate scenario run for real. Each host is a network namespace on a bridge
 * running real keepalived (or `vrrplab run`), the timeline's faults are played for real (signals,
 * `ip link`, nftables and netem on the bridge, files written), model-mode checks and notifies are
 * played by stand-ins (./host-config.ts), and what happened is kept as a recording (keepalived's
 * log, the notify stand-ins' log, what the lab did and when) and read back as the simulator's
 * records (./recording.ts, ./observe.ts). The result has the shape of a simulation's, so the same timeline, VIP
 * table, findings, JSON and HTML come out, and a simulation can be compared with it (./compare.ts).
 *
 * This is the only driver beside the runtime that touches the machine: it needs root, iproute2,
 * nftables, tc and keepalived (tcpdump for the capture).
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeepalivedConfig } from '../config/model.js';
import type { SimRecord } from '../sim/cluster.js';
import type { SenderStream } from './sender.js';
import { describeInject } from '../sim/cluster.js';
import { acrossChanges, injectStream, loadHostConfig, rejudged, type SimulationResult } from '../sim/run.js';
import type { ConfigChangeAction, Scenario, ScenarioHost, TimelineEntry } from '../sim/scenario.js';
import { validateScenario } from '../sim/validate.js';
import { labFilePath, prepareHost, type PreparedHost } from './host-config.js';
import { createLabNetwork, type LabHostSpec, type LabNetwork } from './network.js';
import { lineSplitter } from './observe.js';
import { readRecording, readText, RUN_FILE, type RunFile } from './recording.js';

export type LabImplementation = 'keepalived' | 'vrrplab';

export interface LabOptions {
  /** keepalived binary (default: `keepalived` on PATH). */
  keepalived?: string;
  /** What each host runs: real keepalived (default), or `vrrplab run`; per host with a map. */
  impl?: LabImplementation | Record<string, LabImplementation>;
  /** `vrrplab run`'s entry (default: the bundle's dist/cli/main.js beside this module). */
  vrrplabMain?: string;
  /** Where the run's files go (configs, logs, notify logs, capture); default a new directory under /run/vrrplab-lab. */
  outDir?: string;
  /** Record a capture of the bridge (tcpdump; default true when tcpdump is there). */
  capture?: boolean;
  onProgress?: (elapsedMs: number, totalMs: number) => void;
}

export interface LabArtifacts {
  dir: string;
  capture?: string;
  logs: Record<string, string>;
}

export type LabOutcome = { ok: true; result: SimulationResult; artifacts: LabArtifacts; warnings: string[] } | { ok: false; errors: string[] };

interface RunningHost {
  spec: ScenarioHost;
  /** The configuration in force (a rollout's reload or restart replaces it). */
  config: KeepalivedConfig;
  prepared: PreparedHost;
  impl: LabImplementation;
  daemon?: ChildProcess;
  /** SIGTERM was sent to `daemon`: it is on its way out. */
  stopping?: boolean;
  vrrpPidFile: string;
  logFile: string;
  log: fs.WriteStream;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/**
 * The scenario as the lab can run it: keepalived (and vrrplab run) inside a network namespace gets
 * no process events (lab, 2.2.7: "Failed to set/clear process event listen - errno 111"), so every
 * host that tracks a process is `process-events: false` for the simulation it is compared with.
 * The warning names them (undefined when no host tracks a process).
 */
export function asInNamespaces(scenario: Scenario): { scenario: Scenario; warning?: string } {
  const blind = scenario.hosts.filter((host) => (loadHostConfig(host, scenario.scripts, scenario.directory, scenario.keepalivedVersion).config.trackProcesses ?? []).length > 0 && host.processEvents !== false);
  if (blind.length === 0) return { scenario };
  const names = new Set(blind.map((host) => host.name));
  return {
    scenario: { ...scenario, hosts: scenario.hosts.map((host) => (names.has(host.name) ? { ...host, processEvents: false } : host)) },
    warning: `track_process on ${[...names].join(', ')}: keepalived inside the lab's network namespaces gets no process events (errno 111) and counts every tracked process absent; compared as process-events: false`,
  };
}

/** Runs the scenario for real; resolves when its duration has passed and everything is removed. */
export async function runLab(scenario: Scenario, options: LabOptions = {}): Promise<LabOutcome> {
  const errors: string[] = [];
  // keepalived reads the system clock, which a network namespace shares with the machine: the lab
  // has no per-host wall clock to offset or step (the 2.4.3 skew recording used libfaketime).
  const clocks = [
    ...scenario.hosts.filter((host) => (host.clockOffsetMs ?? 0) !== 0).map((host) => `${host.name}'s clock offset`),
    ...scenario.timeline.flatMap((entry) => (entry.do === 'clock-step' ? [`${entry.host}'s clock-step at ${entry.atMs / 1000} s`] : [])),
  ];
  if (clocks.length > 0) return { ok: false, errors: [`the lab cannot offset or step a host's wall clock (keepalived reads the machine's clock): ${clocks.join(', ')}`] };
  // Read as the keepalived the scenario names (keepalived-version: 2.4 for an auth_hmac block; --keepalived runs that build).
  const loaded = scenario.hosts.map((host) => ({ host, loaded: loadHostConfig(host, scenario.scripts, scenario.directory, scenario.keepalivedVersion) }));
  for (const { host, loaded: result } of loaded) if (result.config.instances.length === 0) errors.push(`host ${host.name}: no vrrp_instance in ${host.configPath}`);
  if (errors.length > 0) return { ok: false, errors };
  const specs = loaded.map(({ host, loaded: result }) => ({ name: host.name, address: host.address, address6: host.address6, config: result.config }));
  const validation = validateScenario(scenario, specs);
  if (validation.errors.length > 0) return { ok: false, errors: validation.errors };

  // Absolute: keepalived is handed paths under it and resolves them from its own working directory.
  const dir = path.resolve(options.outDir ?? makeRunDir());
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  /** What the lab did, and when (run.json's `played`). */
  const played: SimRecord[] = [];
  const hosts: RunningHost[] = loaded.map(({ host, loaded: result }) => {
    const prepared = prepareHost(scenario, host, result.config, dir);
    const logFile = path.join(dir, `${host.name}.log`);
    const impl = typeof options.impl === 'string' ? options.impl : options.impl?.[host.name] ?? 'keepalived';
    return {
      spec: host, config: result.config, prepared, impl, logFile,
      vrrpPidFile: path.join(prepared.dir, 'vrrp.pid'),
      log: fs.createWriteStream(logFile),
    };
  });

  // One sender namespace per address the timeline injects from, on the first VRRP interface's bridge.
  const injects = scenario.timeline.filter((entry): entry is Extract<TimelineEntry, { do: 'inject' }> => entry.do === 'inject');
  const senders = [...new Set(injects.map((entry) => entry.from))];
  const firstInterface = hosts[0]?.config.instances[0]?.interface ?? 'eth0';
  const network = createLabNetwork([
    ...hosts.map((host, index) => networkSpec(host.spec, host.config, index)),
    ...senders.map((from, i) => ({ name: senderName(i), interfaces: [firstInterface], dummies: [], addresses: [from], addresses6: [], sender: true })),
  ]);
  const capture = path.join(dir, 'capture.pcap');
  let tcpdump: ChildProcess | undefined;
  const warnings = [...validation.warnings];
  try {
    if (options.capture !== false && hasCommand('tcpdump')) {
      const bridge = [...network.bridges.values()][0] ?? 'br0';
      tcpdump = network.spawn(null, ['tcpdump', '-i', bridge, '-w', capture, '-U', '-s', '256', 'vrrp or arp or icmp6 or udp'], { stdio: 'ignore' });
      await sleep(300);
    }
    const t0 = performance.now();
    const t0Epoch = Date.now() / 1000;
    const now = (): number => Math.round(performance.now() - t0) / 1000;
    const host = (name: string): RunningHost => {
      const found = hosts.find((candidate) => candidate.spec.name === name);
      if (found === undefined) throw new Error(`lab: no host ${name}`);
      return found;
    };
    const fault = (hostName: string | undefined, action: string, detail?: string): void => {
      played.push({ type: 'fault', t: now(), ...(hostName !== undefined ? { host: hostName } : {}), action, ...(detail !== undefined ? { detail } : {}) });
    };
    // The senders start now, each with its streams' epoch times: a node process's start-up would make a late burst.
    const seed = scenario.seed ?? 1;
    const configs = hosts.map((h) => h.config);
    senders.forEach((from, i) => {
      const streams: SenderStream[] = injects.filter((entry) => entry.from === from).map((entry) => ({ ...injectStream(entry, configs, seed), atEpochMs: t0Epoch * 1000 + entry.atMs }));
      const sender = network.spawn(senderName(i), [process.execPath, fileURLToPath(new URL('./sender.js', import.meta.url)), firstInterface, JSON.stringify(streams)], { stdio: ['ignore', 'ignore', 'pipe'] });
      sender.stderr?.on('data', lineSplitter((line) => warnings.push(`lab: sender ${from}: ${line}`)));
    });

    const play = async (entry: TimelineEntry): Promise<void> => {
      switch (entry.do) {
        case 'start': {
          const h = host(entry.host);
          // keepalived takes about a second to stop after SIGTERM, and a second keepalived started
          // meanwhile would refuse ("daemon is already running"): the start waits for the old one
          // to be gone, as `systemctl restart` does, and is recorded when it happens.
          if (running(h) && h.stopping) await Promise.race([exited(h.daemon), sleep(5000)]);
          if (running(h)) return;
          fault(entry.host, 'start');
          start(h, network, options, now);
          return;
        }
        case 'stop': {
          const h = host(entry.host);
          if (!running(h)) return;
          fault(entry.host, 'stop');
          signal(h.daemon?.pid, 'SIGTERM');
          h.stopping = true;
          return;
        }
        case 'kill': {
          const h = host(entry.host);
          if (!running(h)) return;
          fault(entry.host, 'kill');
          crash(h);
          return;
        }
        case 'link-down':
        case 'link-up': {
          const h = host(entry.host);
          const names = entry.interface !== undefined ? [entry.interface] : [...new Set(h.config.instances.map((instance) => instance.interface))];
          fault(entry.host, entry.do, entry.interface);
          for (const name of names) network.setLink(entry.host, name, entry.do === 'link-up');
          return;
        }
        case 'service-stop':
        case 'service-start': {
          const h = host(entry.host);
          fault(entry.host, entry.do, entry.service);
          const up = entry.do === 'service-start';
          const flag = path.join(h.prepared.dir, 'services', entry.service);
          if (up) fs.writeFileSync(flag, '');
          else fs.rmSync(flag, { force: true });
          played.push({ type: 'service', t: now(), host: entry.host, service: entry.service, up, cause: 'timeline' });
          return;
        }
        case 'touch':
        case 'rm': {
          const h = host(entry.host);
          fault(entry.host, entry.do, entry.path);
          const file = labFilePath(scenario, h.spec, h.prepared.dir, entry.path);
          if (entry.do === 'touch') {
            fs.mkdirSync(path.dirname(file), { recursive: true });
            fs.closeSync(fs.openSync(file, 'a'));
          } else fs.rmSync(file, { force: true });
          return;
        }
        case 'write': {
          const h = host(entry.host);
          fault(entry.host, 'write', `${entry.path} ${JSON.stringify(entry.value)}`);
          const file = labFilePath(scenario, h.spec, h.prepared.dir, entry.path);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, entry.value);
          return;
        }
        case 'script-hang':
        case 'script-resume': {
          const h = host(entry.host);
          fault(entry.host, entry.do, entry.script);
          const flag = path.join(h.prepared.dir, 'hang', entry.script);
          if (entry.do === 'script-hang') fs.writeFileSync(flag, '');
          else fs.rmSync(flag, { force: true });
          return;
        }
        case 'run':
          fault(entry.host, 'run', entry.command);
          if (scenario.scripts === 'exec') spawnSync('/bin/sh', ['-c', entry.command], { cwd: scenario.directory, stdio: 'ignore', timeout: 10_000 });
          return;
        case 'partition':
          fault(undefined, 'partition', entry.groups.map((group) => group.join('+')).join(' | '));
          network.setPartition(entry.groups);
          return;
        case 'heal':
          fault(undefined, 'heal');
          network.setPartition(undefined);
          return;
        case 'loss':
          fault(undefined, 'loss', `${entry.percent}%`);
          network.setLoss(entry.percent);
          return;
        case 'delay':
          fault(undefined, 'delay', `${entry.ms} ms`);
          network.setDelay(entry.ms);
          return;
        case 'inject':
          fault(undefined, 'inject', describeInject(injectStream(entry, hosts.map((h) => h.config), scenario.seed ?? 1)));
          return;
        case 'reload': {
          // A rollout step: the new file in place of the old, then SIGHUP to keepalived's parent (by PID), which reloads its children.
          const h = host(entry.host);
          const live = running(h) && h.stopping !== true;
          fault(entry.host, 'reload', live ? entry.label : `${entry.label} (keepalived not running: read at its next start)`);
          replaceConfig(h, entry);
          if (live) signal(h.daemon?.pid, 'SIGHUP');
          return;
        }
        case 'restart': {
          // SIGTERM, then the new file and a start `gap` later, at the earliest once the old keepalived has exited.
          const h = host(entry.host);
          fault(entry.host, 'restart', entry.label);
          const from = performance.now();
          if (running(h) && h.stopping !== true) {
            fault(entry.host, 'stop');
            signal(h.daemon?.pid, 'SIGTERM');
            h.stopping = true;
          }
          const daemon = h.daemon;
          pending.push((async () => {
            await Promise.race([exited(daemon), sleep(5000)]);
            const left = (entry.gapMs ?? 0) - (performance.now() - from);
            if (left > 0) await sleep(left);
            if (finished || running(h)) return;
            replaceConfig(h, entry);
            fault(entry.host, 'start');
            start(h, network, options, now);
          })());
          return;
        }
      }
    };
    /** The new configuration of a reload or restart, prepared as the host's first was (stand-ins and all). */
    const replaceConfig = (h: RunningHost, entry: ConfigChangeAction): void => {
      const spec: ScenarioHost = { ...h.spec, configPath: entry.configPath, root: entry.root };
      const loadedNew = loadHostConfig(spec, scenario.scripts, scenario.directory, scenario.keepalivedVersion);
      // The services the run started with stay what the recording is read from (run.json).
      h.prepared = { ...prepareHost(scenario, spec, loadedNew.config, dir, true), services: h.prepared.services };
      h.config = loadedNew.config;
    };
    const pending: Promise<void>[] = [];
    let finished = false;

    const timeline = [...scenario.timeline].sort((a, b) => a.atMs - b.atMs);
    for (const entry of timeline) {
      const wait = entry.atMs - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
      try {
        await play(entry);
      } catch (error) {
        warnings.push(`lab: ${entry.do} at ${entry.atMs / 1000} s failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
      }
      options.onProgress?.(performance.now() - t0, scenario.durationMs);
    }
    for (;;) {
      const left = scenario.durationMs - (performance.now() - t0);
      if (left <= 0) break;
      await sleep(Math.min(left, 1000));
      options.onProgress?.(Math.min(performance.now() - t0, scenario.durationMs), scenario.durationMs);
    }
    finished = true;
    await Promise.all(pending);
    // The run ends as a simulation does: nothing more is recorded. The daemons are killed only to clean up.
    for (const h of hosts) {
      if (running(h)) crash(h);
      await exited(h.daemon);
    }
    await Promise.all(hosts.map((h) => new Promise<void>((done) => h.log.end(() => done()))));
    const runFile: RunFile = {
      t0Epoch,
      played,
      services: Object.fromEntries(hosts.map((h) => [h.spec.name, Object.fromEntries(h.prepared.services)])),
      impl: Object.fromEntries(hosts.map((h) => [h.spec.name, h.impl])),
    };
    fs.writeFileSync(path.join(dir, RUN_FILE), `${JSON.stringify(runFile, null, 1)}\n`);
    // Read with the configurations the hosts started with, as the simulation's findings judge them.
    const recorded = readRecording(dir, scenario, new Map(loaded.map(({ host: h, loaded: l }) => [h.name, l.config])));
    // As simulate judges a rollout: what began after its last reload or restart by the configs the hosts ended with.
    const result = { ...recorded, findings: acrossChanges(scenario, recorded.findings, rejudged(recorded, new Map(hosts.map((h) => [h.spec.name, h.config])), scenario.keepalivedVersion).findings) };
    const logs = Object.fromEntries(hosts.map((h) => [h.spec.name, h.logFile]));
    return { ok: true, result, artifacts: { dir, logs, ...(tcpdump !== undefined ? { capture } : {}) }, warnings };
  } finally {
    for (const h of hosts) if (running(h)) crash(h);
    if (tcpdump?.pid !== undefined) {
      signal(tcpdump.pid, 'SIGTERM');
      await Promise.race([exited(tcpdump), sleep(2000)]);
    }
    for (const h of hosts) h.log.end();
    network.destroy();
  }
}

const senderName = (index: number): string => `inject-${index + 1}`;

function makeRunDir(): string {
  // Under /run, not /tmp: keepalived's script security refuses programs below a world-writable directory.
  const base = '/run/vrrplab-lab';
  fs.mkdirSync(base, { recursive: true, mode: 0o755 });
  return fs.mkdtempSync(path.join(base, 'run-'));
}

function networkSpec(host: ScenarioHost, config: KeepalivedConfig, index: number): LabHostSpec {
  const interfaces = [...new Set(config.instances.map((instance) => instance.interface))];
  const named = [
    ...config.instances.flatMap((instance) => [...instance.trackInterfaces.map((ref) => ref.name), ...instance.virtualIpaddresses.flatMap((vip) => (vip.dev !== undefined ? [vip.dev] : []))]),
    ...config.syncGroups.flatMap((group) => group.trackInterfaces.map((ref) => ref.name)),
  ];
  const dummies = [...new Set(named)].filter((name) => !interfaces.includes(name) && name !== 'lo');
  const sources = config.instances.flatMap((instance) => (instance.unicastSrcIp !== undefined ? [instance.unicastSrcIp] : []));
  const addresses = [host.address, ...sources.filter((a) => !a.includes(':'))];
  const addresses6 = [host.address6 ?? `fe80::${(index + 1).toString(16)}`, ...sources.filter((a) => a.includes(':'))];
  return { name: host.name, interfaces, dummies, addresses: [...new Set(addresses)], addresses6: [...new Set(addresses6)] };
}

/** The release a keepalived binary says it is ("Keepalived v2.2.7 (01/16,2022)" -> "2.2.7"), or undefined. */
export function keepalivedBinaryRelease(binary: string): string | undefined {
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return /Keepalived v(\d+\.\d+\.\d+)/.exec(`${version.stdout ?? ''}${version.stderr ?? ''}`)?.[1];
}

const vrrpOnlyFlag = new Map<string, boolean>();
/** Whether this keepalived takes -P (--vrrp): its --help lists it only in builds with the LVS checker. */
function hasVrrpOnlyFlag(binary: string): boolean {
  let known = vrrpOnlyFlag.get(binary);
  if (known === undefined) {
    const help = spawnSync(binary, ['--help'], { encoding: 'utf8', timeout: 5000 });
    known = /--vrrp\b/.test(`${help.stdout ?? ''}${help.stderr ?? ''}`);
    vrrpOnlyFlag.set(binary, known);
  }
  return known;
}

function start(h: RunningHost, network: LabNetwork, options: LabOptions, now: () => number): void {
  const pid = path.join(h.prepared.dir, 'keepalived.pid');
  // A killed keepalived leaves its pid files; the new one must not take their PIDs for its own.
  fs.rmSync(h.vrrpPidFile, { force: true });
  fs.rmSync(pid, { force: true });
  h.stopping = false;
  const binary = options.keepalived ?? 'keepalived';
  // -P (VRRP only) exists in builds with the checker too: a VRRP-only build (the lab's 2.4.3) refuses it.
  const vrrpOnly = h.impl === 'vrrplab' || hasVrrpOnlyFlag(binary) ? ['-P'] : [];
  const flags = ['-n', '-l', '-D', ...vrrpOnly, '-f', h.prepared.configFile, '-p', pid, '-r', h.vrrpPidFile];
  const argv = h.impl === 'vrrplab' ? [process.execPath, options.vrrplabMain ?? vrrplabMain(), 'run', ...flags] : [binary, ...flags];
  const daemon = network.spawn(h.spec.name, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: h.prepared.dir });
  h.daemon = daemon;
  // Each line with the time it arrived; ./recording.ts reads them back.
  const onLine = (line: string): void => {
    h.log.write(`${now().toFixed(3)} ${line}\n`);
  };
  daemon.stdout?.on('data', lineSplitter(onLine));
  daemon.stderr?.on('data', lineSplitter(onLine));
}

/** The `vrrplab` command beside this module: the bundle's main.js (dist/cli), from a chunk or from dist/src/lab. */
function vrrplabMain(): string {
  const candidates = [new URL('./main.js', import.meta.url), new URL('../../cli/main.js', import.meta.url)].map((url) => fileURLToPath(url));
  return candidates.find((file) => fs.existsSync(file)) ?? candidates[0] ?? 'vrrplab';
}

function running(h: RunningHost): boolean {
  return h.daemon !== undefined && h.daemon.exitCode === null && h.daemon.signalCode === null;
}

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch { /* already gone */ }
}

/**
 * A crash: every process of the daemon dies by SIGKILL. keepalived's parent is stopped first, so it
 * neither restarts its VRRP child nor, by dying, makes the child resign (priority 0). By PID only.
 * `ip netns exec` execs the command, so the child process's PID is keepalived's parent's.
 */
function crash(h: RunningHost): void {
  const parent = h.daemon?.pid;
  signal(parent, 'SIGSTOP');
  const child = Number(readText(h.vrrpPidFile).trim());
  if (Number.isInteger(child) && child > 0 && child !== parent) signal(child, 'SIGKILL');
  signal(parent, 'SIGKILL');
}

function exited(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => child.once('exit', () => done()));
}


function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}
