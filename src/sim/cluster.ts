/**
 * The simulator's driver: several HostEngines on one simulated LAN, in virtual time.
 *
 * Everything that happens is an entry in one event queue (engine timers, packet deliveries,
 * script results, notify effects, injected faults), so a run is a pure function of its inputs and
 * the PRNG seed. Hosts exchange the engine's VrrpAdvert values directly: the codec is tested on
 * its own, and skipping it here keeps a virtual day under a second.
 */
import type { KeepalivedConfig } from '../config/model.js';
import { HostEngine } from '../engine/host.js';
import type { EngineAction, EngineEvent, Vmac, VrrpState } from '../engine/types.js';
import type { ReceivedAdvert, ReceivedTrailer, VrrpAdvert } from '../wire/types.js';
import type { AdvertSignature } from '../engine/auth-hmac.js';
import type { KeepalivedVersion } from '../config/version.js';
import { forgePacket, type ForgeSpec } from '../wire/forge.js';
import { IPV6_UNICAST_HOP_LIMIT } from '../wire/ipv6.js';
import { trackFileValue } from '../engine/track-file.js';
import { EventQueue, type QueueEntry } from './queue.js';
import { Random } from './random.js';
import { PROCESS_EVENTS_REFUSED, processCheckName, processService, serviceProcessCount } from './processes.js';

export interface SimHostSpec {
  name: string;
  /** The host's primary IPv4 address on every interface its instances use. */
  address: string;
  /** Its IPv6 link-local address, for VRRPv3 over IPv6 (default: fe80::N, N its place in the cluster). */
  address6?: string;
  config: KeepalivedConfig;
  /**
   * false: the host's keepalived cannot follow process events (keepalived inside a network
   * namespace: "Failed to set/clear process event listen - errno 111"), so every tracked process
   * counts as absent whatever runs. Default true.
   */
  processEvents?: boolean;
  /** How far the host's wall clock is ahead of true time, ms (keepalived 2.4's auth_hmac reads it). */
  clockOffsetMs?: number;
}

/**
 * True time (UTC, ms since the epoch) at the simulation's time 0: 2026-01-01. A host's wall clock
 * is that plus the virtual time plus its offset (scenario `clock:`, `clock-step`); only keepalived
 * 2.4's auth_hmac reads it.
 */
export const SIM_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Everything a run records; timelines, findings and reports are computed from these. */
export type SimRecord =
  /** `silent`: keepalived neither logs nor notifies it (FAULT while a first script result is awaited). */
  /** `advertMac`: a MASTER with use_vmac (no vmac_xmit_base) advertises from its VMAC's address. */
  | { type: 'transition'; t: number; host: string; instance: string; vrid: number; from: VrrpState; to: VrrpState; priority: number; silent?: true; advertMac?: string }
  | { type: 'priority'; t: number; host: string; instance: string; vrid: number; from: number; to: number }
  | { type: 'notify'; t: number; host: string; instance: string; state: VrrpState; command: string; args: string[] }
  /** `vmac`: the VIP is on the instance's VMAC (use_vmac), announced from its address. */
  | { type: 'vip'; t: number; host: string; instance: string; address: string; held: boolean; vmac?: Vmac }
  | { type: 'service'; t: number; host: string; service: string; up: boolean; cause: string }
  | { type: 'fault'; t: number; host?: string; action: string; detail?: string }
  /** A tracked script's state as keepalived sees it changed (after rise/fall): "VRRP_Script(name) succeeded/failed". */
  | { type: 'script'; t: number; host: string; script: string; ok: boolean }
  | { type: 'log'; t: number; host: string; message: string }
  /**
   * A MASTER's advert went out more than 1.5 advert intervals after its previous one while it stayed
   * MASTER (keepalived re-arms the advert timer after every packet it reads for the VRID, so
   * foreign or malformed packets put adverts off). `gap` in seconds.
   */
  | { type: 'advert-delay'; t: number; host: string; instance: string; vrid: number; gap: number };

/** A stream of packets from a sender that is not one of the scenario's keepalived hosts. */
export interface InjectStream extends Omit<ForgeSpec, 'dst'> {
  /** How many packets. */
  count: number;
  /** Packets per second; a burst (no rate given) is sent back to back, 20,000/s. */
  rate: number;
}

/**
 * A packet that reaches a host the instant its timer falls due is read first (keepalived's
 * scheduler serves a readable socket before a due timer, and the engine does so too), except in
 * this share of cases, drawn from the seed, where the timer goes first. On a real machine the
 * order is a race of sub-millisecond wake-ups that the simulator's exact times do not have. Exact
 * ties arise when masters of one VRID reject each other's adverts: each advert re-arms the other
 * master's timer to fall due as the next one arrives. keepalived 2.2.7 in the lab (two pairs
 * sharing VRID 51, 60 s, four runs): the master being held silent still sent first in 31-40% of
 * the rounds, and the backups took over 9, 11, 11 and 12 times, each after 3.61-3.70 s of silence;
 * 20% gives those takeovers (seeds 1-40: 4-14, mean 10.2; 25%: mean 8.8; 34%: median 6), as a fit:
 * the sub-millisecond spread around each tie that keepalived has is not modelled.
 */
const TIMER_FIRST_PERCENT = 20;

/**
 * From a MASTER's answer to a lower-priority advert to its advert timer's restart, ms
 * (HostOptions.answerRearmMs): keepalived sends its GARPs in between. Lab: its next advert 1.0011-
 * 1.0029 s after the answer, the other master's (re-armed by the answer) 1.0001-1.0020 s after it.
 */
const ANSWER_REARM_MS = 1.3;

/**
 * keepalived's start-up latency (exec to its instances' init) varies from START_JITTER_MIN to
 * START_JITTER_MAX times the simulator's steady one: under load, a start was 20 ms late in the lab
 * (test/lab/startup-race.test.ts). `start-jitter: true` draws from this range (0.8 + 0.6 x a draw,
 * below); the start-race check (run.ts) tries its ends.
 */
export const START_JITTER_MIN = 0.8;
export const START_JITTER_MAX = 1.4;

/**
 * How long keepalived's process lives on after a SIGTERM: its VRRP child resigns at once, then
 * waits a second before it exits (lab, 2.2.7: "Stopped" 1.00-1.02 s after "Stopping").
 */
const STOP_EXIT_MS = 1000;

/**
 * How long keepalived's reload holds its timers and socket: it sends one advert with the old
 * settings as it begins, re-reads the config, sets the VIPs, then a kept MASTER's advert with the
 * new settings leaves from its timer. Lab, keepalived 2.2.7, one instance with one VIP, SIGHUP
 * (test/fixtures/recordings/rollout, capture.pcap): the new-settings advert 0.3 and 1.8 ms after
 * the old one. A reload that adds VIPs sends GARPs in between and takes longer (30-51 ms with 15
 * GARPs, src/runtime/runtime.ts releaseAfterReload): not modelled here. Packets that come
 * meanwhile are read when it ends, in order.
 */
export const RELOAD_HOLD_MS = 2;

/** A placeholder until the first advert arrives. */
const NO_ADVERT: VrrpAdvert = { version: 2, vrid: 0, priority: 0, authType: 0, auth: '', advertIntervalMs: 0, family: 4, addresses: [] };

/** Distinct packets forged per stream; a longer stream repeats them (the lab's sender does the same). */
const STREAM_VARIANTS = 64;

type NotifyAction = Extract<EngineAction, { type: 'notify' }>;

/** The `command` of a notify record that is a notify fifo line (its one argument is the line). */
export const NOTIFY_FIFO = 'notify_fifo';

/** What the cluster does when a queued event's time comes: plain values for the frequent ones, a closure for the rest. */
type ClusterEvent =
  /** The host's engine timer is due (one standing queue entry per host). */
  | { kind: 'timer'; host: SimHost }
  /** An advert reaches a host. */
  | { kind: 'deliver'; receiver: SimHost; packet: ReceivedAdvert }
  /** A tracked script that `engine` ran ends. */
  | { kind: 'script-result'; host: SimHost; engine: HostEngine; script: string; exitCode: number; hung: boolean }
  /** A notify program's effect lands. */
  | { kind: 'notify'; host: SimHost; notify: NotifyAction }
  /** Anything else: timeline entries, start-ups, injected packets. */
  | { kind: 'call'; run: () => void };

/** What a tracked script returns, decided by the driver (model or exec mode). */
export type ScriptRunner = (host: SimHost, script: string, command: string) => number;
/** What a notify program does to its host (model: service changes; exec: run it). */
export type NotifyRunner = (host: SimHost, notify: NotifyAction) => void;

export interface ClusterOptions {
  seed: number;
  /** One-way LAN latency, ms. */
  latencyMs: number;
  /** From keepalived's start to its instances' initialisation, ms. */
  startupDelayMs: number;
  /**
   * Spread the start-up delay over 0.8x..1.4x at random. Off by default: on an idle machine
   * keepalived's exec-to-init latency is steady to a few ms (lab, issue 13), so hosts started 10 ms
   * apart come up 10 ms apart; the jitter is for searching startup races on a loaded machine.
   */
  startupJitter?: boolean;
  /**
   * Scale a host's start-up delay (by host name; 1 when not listed), in place of the jitter: the
   * start-race check's variants, in which one host's keepalived comes up before the others'.
   */
  startupScale?: Readonly<Record<string, number>>;
  /**
   * By host name: what its keepalived does with a lower-priority advert that arrives exactly as
   * preempt_delay ends (HostOptions.preemptBoundary; 'accept' when not listed): the race check's
   * variant in which that host discards it.
   */
  preemptBoundary?: Readonly<Record<string, 'accept' | 'discard'>>;
  /** How long a tracked script takes before its result reaches keepalived, ms (jittered up to 2x). */
  scriptDurationMs: number;
  /** How long after a state change a notify script's effect lands, ms. */
  notifyDurationMs: number;
  runScript: ScriptRunner;
  runNotify: NotifyRunner;
  /** Keep every engine log line as a record (for keepalived-style timelines). */
  keepLogs: boolean;
  /**
   * The text of a file as the host sees it (undefined: no such file), for track_file. Default: the
   * model's files (`touch` makes an empty one, `write` sets its text); exec mode reads the disk.
   */
  readFile?: (host: SimHost, path: string) => string | undefined;
  /** The keepalived the hosts run (HostOptions.keepalivedVersion): '2.2' (default) or '2.4'. */
  keepalivedVersion?: KeepalivedVersion;
}

export class SimHost {
  engine: HostEngine | undefined;
  /** Interfaces whose link is down: VRRP interfaces and interfaces that are only tracked. */
  readonly linksDown = new Set<string>();
  /** VIPs currently on the host's interfaces: address -> instance that added it. */
  readonly vips = new Map<string, string>();
  readonly services = new Map<string, boolean>();
  /** Files that exist on the host (model mode: flag files such as /etc/keepalived/down). */
  readonly files = new Set<string>();
  /** Model mode: what files written by the timeline hold (a touched file not listed here is empty). */
  readonly fileTexts = new Map<string, string>();
  /** Value last read from each track_file, by track_file name (ignored reads keep the previous one). */
  readonly trackValues = new Map<string, number>();
  /** When each of its MASTER instances last advertised (instance -> ms), for advert-delay records. */
  readonly lastAdvert = new Map<string, number>();
  /** The VMAC address each use_vmac instance's adverts leave from (instance -> MAC). */
  readonly advertMac = new Map<string, string>();
  /** vrrp_scripts that hang: each run is killed at its timeout, a failure (keepalived's "timed_out"). */
  readonly hungScripts = new Set<string>();
  /** keepalived was started and its instances are not initialised yet. */
  starting = false;
  /** The host's wall clock minus the simulation's clock, ms (SIM_EPOCH_MS plus its offset and steps). */
  wallOffsetMs = SIM_EPOCH_MS;
  /** A stopped keepalived's process is still there until then (ms); a start waits for it. */
  exitsAt = Number.NEGATIVE_INFINITY;
  /** A start is waiting for the stopped process to exit. */
  startWaiting = false;
  /** When the engine's timer is queued (Infinity: not queued). */
  timerAt = Number.POSITIVE_INFINITY;
  /** The engine timer's standing entry in the cluster's queue. */
  timerEntry: QueueEntry<ClusterEvent> | undefined;

  interfaces: string[];
  /** Until then (ms) a reload holds the host's timers and packets (RELOAD_HOLD_MS). */
  holdUntil = Number.NEGATIVE_INFINITY;
  /**
   * The host's VMACs (use_vmac) by address, each with the "FAMILY/VRID" of the instances that read
   * on it (no vmac_xmit_base). A multicast frame from one of the host's own private macvlans'
   * addresses reaches that macvlan only (Linux macvlan_handle_frame), so an instance that reads on
   * the base interface (vmac_xmit_base) never hears a peer advertising from the same VMAC.
   * keepalived 2.2.7, netns lab: A with vmac_xmit_base (100), B without (150), both MASTER.
   */
  readonly vmacs = new Map<string, Set<string>>();

  constructor(readonly spec: SimHostSpec) {
    this.wallOffsetMs = SIM_EPOCH_MS + (spec.clockOffsetMs ?? 0);
    this.interfaces = [];
    this.configure(spec.config);
  }

  /** Take `config` as the host's keepalived.conf (at construction, and when a rollout replaces it). */
  configure(config: KeepalivedConfig): void {
    this.spec.config = config;
    this.interfaces = [...new Set(config.instances.map((instance) => instance.interface))];
    this.vmacs.clear();
    for (const instance of config.instances) {
      if (!instance.useVmac || instance.vmacMac === undefined) continue;
      const readers = this.vmacs.get(instance.vmacMac) ?? new Set<string>();
      if (instance.vmacXmitBase !== true) readers.add(`${instance.family}/${instance.vrid}`);
      this.vmacs.set(instance.vmacMac, readers);
    }
  }

  /** Whether an advert sent from `mac` reaches the instance for its VRID here (see `vmacs`). */
  hearsFrom(mac: string | undefined, advert: VrrpAdvert): boolean {
    if (mac === undefined) return true;
    const readers = this.vmacs.get(mac);
    return readers === undefined || readers.has(`${advert.family}/${advert.vrid}`);
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.engine !== undefined;
  }

  /** Every interface the host runs VRRP on has its link up. */
  get linkUp(): boolean {
    return this.interfaces.every((iface) => !this.linksDown.has(iface));
  }
}

export class Cluster {
  readonly hosts: SimHost[];
  readonly records: SimRecord[] = [];
  /**
   * Lower-priority adverts that arrived exactly as a backup's preempt_delay ended: keepalived's
   * race (HostOptions.preemptBoundary). `from`: the sender's host name (its address when no host has it).
   */
  readonly preemptTies: { t: number; host: string; instance: string; from: string }[] = [];
  private readonly queue = new EventQueue<ClusterEvent>();
  /** Every engine call's actions go into this one list, emptied once carried out: no list per call. */
  private readonly actions: EngineAction[] = [];
  /** The event of each advert's arrival, filled in anew for each: an engine reads an event and keeps none. */
  private readonly arrival: Extract<EngineEvent, { type: 'advert' }> = { type: 'advert', iface: '', packet: { advert: NO_ADVERT, src: '', dst: '', ttl: 0 } };
  private readonly random: Random;
  private now = 0;
  private lossPercent = 0;
  private extraDelayMs = 0;
  /**
   * The multicast packet each advert went out as. An engine hands out the same advert while its
   * priority stays, so every advert of a steady master is one packet, and the receiving engine
   * checks it once (see src/engine/receive.ts).
   */
  private readonly multicastPackets = new WeakMap<VrrpAdvert, ReceivedAdvert>();
  /** Partition: host name -> group index; hosts in different groups cannot hear each other. */
  private partition: Map<string, number> | undefined;

  constructor(
    specs: SimHostSpec[],
    readonly options: ClusterOptions,
  ) {
    for (const key of ['seed', 'latencyMs', 'startupDelayMs', 'scriptDurationMs', 'notifyDurationMs'] as const) {
      if (!Number.isFinite(options[key]) || options[key] < 0) throw new Error(`Cluster option ${key} must be a finite number >= 0 (got ${options[key]})`);
    }
    this.hosts = specs.map((spec) => new SimHost({ ...spec }));
    for (const host of this.hosts) host.timerEntry = this.queue.standing({ kind: 'timer', host });
    this.random = new Random(options.seed);
  }

  get time(): number {
    return this.now;
  }

  host(name: string): SimHost {
    const host = this.hosts.find((candidate) => candidate.name === name);
    if (host === undefined) throw new Error(`no host ${name} in the cluster`);
    return host;
  }

  /** Schedule `run` at virtual time `at` (ms). */
  at(at: number, run: () => void): void {
    this.queue.push(at, { kind: 'call', run });
  }

  /** Run the queue until virtual time `until` (ms); returns the number of events handled. */
  run(until: number): number {
    let handled = 0;
    for (;;) {
      const next = this.queue.peekTime();
      if (next === undefined || next > until) break;
      const event = this.queue.pop();
      if (event === undefined) break;
      this.now = next;
      this.handleEvent(event);
      handled++;
    }
    this.now = until;
    return handled;
  }

  private handleEvent(event: ClusterEvent): void {
    switch (event.kind) {
      case 'timer': {
        const { host } = event;
        host.timerAt = Number.POSITIVE_INFINITY;
        if (host.engine === undefined) return;
        if (this.now < host.holdUntil) {
          // A reload is under way: what fell due is served when it ends.
          host.timerAt = host.holdUntil;
          if (host.timerEntry !== undefined) this.queue.reschedule(host.timerEntry, host.holdUntil);
          return;
        }
        this.apply(host, host.engine.handleTimeout(this.now, this.actions));
        return;
      }
      case 'deliver': {
        const { receiver, packet } = event;
        const engine = receiver.engine;
        if (engine === undefined) return;
        if (this.now < receiver.holdUntil) {
          this.queue.push(receiver.holdUntil, event);
          return;
        }
        // A tie with the receiver's timer: the packet is read first (the engine), unless the draw says the timer won the race.
        if (receiver.timerAt === this.now && this.random.chance(TIMER_FIRST_PERCENT)) {
          this.apply(receiver, engine.handleTimeout(this.now, this.actions));
        }
        // One LAN segment: the advert arrives on each interface the receiver runs VRRP on whose link is up.
        const arrival = this.arrival;
        arrival.packet = packet;
        for (const receiverIface of receiver.interfaces) {
          if (receiver.linksDown.has(receiverIface)) continue;
          arrival.iface = receiverIface;
          this.apply(receiver, engine.handle(this.now, arrival, this.actions));
        }
        return;
      }
      case 'script-result': {
        const { host, engine, script, hung } = event;
        if (host.engine !== engine) return;
        if (this.now < host.holdUntil) {
          this.queue.push(host.holdUntil, event);
          return;
        }
        const actions = engine.handle(this.now, { type: 'script-result', script, exitCode: event.exitCode, timedOut: hung }, this.actions);
        const ok = scriptStateChange(script, actions);
        if (ok !== undefined) this.record({ type: 'script', t: this.seconds(), host: host.name, script, ok });
        this.apply(host, actions);
        return;
      }
      case 'notify':
        this.options.runNotify(event.host, event.notify);
        return;
      case 'call':
        event.run();
        return;
    }
  }

  // ---------------------------------------------------------------- faults and host control

  /**
   * Start keepalived on the host. Its instances initialise `startupDelayMs` later, as
   * keepalived's do: the reference recordings show 60-100 ms from exec to "Entering BACKUP STATE".
   */
  start(host: SimHost, startupMs?: number): void {
    if (host.engine !== undefined || host.starting) return;
    if (this.now < host.exitsAt) {
      // keepalived's VRRP process exits a second after a SIGTERM (vrrp_terminate_phase1 waits
      // TIMER_HZ, "for an IGMP leave"), and a keepalived started meanwhile refuses to run: the start
      // happens once the old one is gone, as `systemctl restart` does it (the lab does the same).
      if (host.startWaiting) return;
      host.startWaiting = true;
      this.at(host.exitsAt, () => {
        host.startWaiting = false;
        this.start(host, startupMs);
      });
      return;
    }
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: 'start' });
    host.starting = true;
    const scale = this.options.startupScale?.[host.name];
    const delay =
      startupMs ??
      (scale !== undefined ? this.options.startupDelayMs * scale : this.options.startupJitter === true ? this.options.startupDelayMs * (0.8 + 0.6 * this.random.next()) : this.options.startupDelayMs);
    this.at(this.now + delay, () => {
      if (!host.starting) return; // stopped or killed before it came up
      host.starting = false;
      this.initialise(host);
    });
  }

  private initialise(host: SimHost): void {
    if (host.engine !== undefined) return;
    const interfaceAddresses: Record<string, string> = {};
    const interfaceAddresses6: Record<string, string> = {};
    for (const instance of host.spec.config.instances) {
      interfaceAddresses[instance.interface] = host.spec.address;
      interfaceAddresses6[instance.interface] = this.address6(host);
    }
    // Log lines are only built when they are kept.
    // A MASTER's answer to a lower-priority advert restarts its timer after its GARPs, as keepalived's does (HostOptions.answerRearmMs).
    host.engine = new HostEngine(
      host.spec.config,
      { interfaceAddresses, interfaceAddresses6 },
      {
        logs: this.options.keepLogs,
        answerRearmMs: ANSWER_REARM_MS,
        preemptBoundary: this.options.preemptBoundary?.[host.name] ?? 'accept',
        ...(this.options.keepalivedVersion !== undefined ? { keepalivedVersion: this.options.keepalivedVersion } : {}),
        onPreemptBoundary: (instance, src) => this.preemptTies.push({ t: this.seconds(), host: host.name, instance, from: this.hostAt(src) }),
      },
    );
    const linksDown = [...host.linksDown];
    const fileValues: Record<string, number> = {};
    for (const tf of host.spec.config.trackFiles) {
      // init_file: keepalived creates the file with the value when it is missing (or always, with overwrite).
      if (tf.initFile !== undefined && this.options.readFile === undefined && (tf.initFile.overwrite || !host.files.has(tf.file))) {
        host.files.add(tf.file);
        host.fileTexts.set(tf.file, `${tf.initFile.value}\n`);
      }
      const value = trackFileValue(this.readFile(host, tf.file)) ?? host.trackValues.get(tf.name) ?? 0;
      host.trackValues.set(tf.name, value);
      fileValues[tf.name] = value;
    }
    const processCounts: Record<string, number> = {};
    const processes = host.spec.config.trackProcesses ?? [];
    if (host.spec.processEvents === false) {
      if (processes.length > 0 && this.options.keepLogs) this.record({ type: 'log', t: this.seconds(), host: host.name, message: PROCESS_EVENTS_REFUSED });
    } else {
      for (const process of processes) processCounts[process.name] = serviceProcessCount(process, host.services.get(processService(process)) === true);
    }
    this.apply(host, host.engine.handle(this.now, { type: 'start', linksDown, fileValues, processCounts, wallClockOffsetMs: host.wallOffsetMs }, this.actions));
  }

  /** The host's wall clock steps by `byMs` (NTP gone wrong): its keepalived reads the new time from now on. */
  clockStep(host: SimHost, byMs: number): void {
    host.wallOffsetMs += byMs;
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: 'clock-step', detail: `${byMs >= 0 ? '+' : ''}${byMs / 1000}s` });
    const engine = host.engine;
    if (engine !== undefined) this.apply(host, engine.handle(this.now, { type: 'wall-clock', offsetMs: host.wallOffsetMs }, this.actions));
  }

  /**
   * SIGHUP with a new keepalived.conf (`label`: the file as the scenario names it). The engine's
   * reload (keepalived's: kept instances keep their state, timers and VIPs) runs at once, then the
   * host's timers and packets wait RELOAD_HOLD_MS, as keepalived's do while it reloads. A host
   * whose keepalived is not running just has the new file: its next start reads it.
   */
  reload(host: SimHost, config: KeepalivedConfig, label: string): void {
    const engine = host.engine;
    const idle = host.starting ? ' (keepalived still starting: its instances come up with the new file)' : ' (keepalived not running: read at its next start)';
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: 'reload', detail: engine === undefined ? `${label}${idle}` : label });
    host.configure(config);
    if (engine === undefined) return;
    host.holdUntil = this.now + RELOAD_HOLD_MS;
    this.apply(host, engine.reload(this.now, config));
  }

  /**
   * A restart with a new keepalived.conf: SIGTERM (keepalived resigns and exits a second later),
   * then a start `gapMs` later, at the earliest once the old process is gone (`systemctl restart`).
   */
  restart(host: SimHost, config: KeepalivedConfig, label: string, gapMs = 0): void {
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: 'restart', detail: label });
    this.stop(host);
    host.configure(config);
    if (gapMs <= 0) this.start(host);
    else this.at(this.now + gapMs, () => this.start(host));
  }

  /** Graceful stop (SIGTERM): the engine resigns, removes its VIPs and runs notify_stop. */
  stop(host: SimHost): void {
    host.starting = false;
    const engine = host.engine;
    if (engine === undefined) return;
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: 'stop' });
    this.apply(host, engine.handle(this.now, { type: 'stop' }, this.actions));
    host.engine = undefined;
    host.exitsAt = this.now + STOP_EXIT_MS;
    this.disarm(host);
  }

  /** Crash (SIGKILL): silence. The VIPs stay on the host, as they do when keepalived is killed. */
  kill(host: SimHost): void {
    host.starting = false;
    const engine = host.engine;
    if (engine === undefined) return;
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: 'kill' });
    this.recordStopped(host, engine);
    host.engine = undefined;
    host.exitsAt = Number.NEGATIVE_INFINITY;
    this.disarm(host);
  }

  /**
   * A host whose keepalived is gone has no timer. Left queued, its entry fired later into nothing
   * and left \`timerAt\` at the dead engine's deadline; a restarted engine whose first deadline fell
   * on that same instant (a script interval in phase with the old one: interval 1 s, a restart a
   * whole number of seconds later) was then never queued, and the host froze in BACKUP.
   */
  private disarm(host: SimHost): void {
    host.timerAt = Number.POSITIVE_INFINITY;
    if (host.timerEntry !== undefined) this.queue.reschedule(host.timerEntry, Number.POSITIVE_INFINITY);
  }

  /**
   * Link down or up on one interface (a VRRP interface or one that is only tracked), or, with no
   * `iface`, on every interface the host's instances run on.
   */
  setLink(host: SimHost, up: boolean, iface?: string): void {
    const changed = (iface !== undefined ? [iface] : host.interfaces).filter((name) => host.linksDown.has(name) === up);
    if (changed.length === 0) return;
    for (const name of changed) {
      if (up) host.linksDown.delete(name);
      else host.linksDown.add(name);
    }
    this.record({ type: 'fault', t: this.seconds(), host: host.name, action: up ? 'link-up' : 'link-down', ...(iface !== undefined ? { detail: iface } : {}) });
    const engine = host.engine;
    if (engine === undefined) return;
    for (const name of changed) this.apply(host, engine.handle(this.now, { type: 'link', iface: name, up }, this.actions));
  }

  setPartition(groups: string[][] | undefined): void {
    this.partition = groups === undefined ? undefined : new Map(groups.flatMap((group, index) => group.map((name) => [name, index] as const)));
    this.record({
      type: 'fault',
      t: this.seconds(),
      action: groups === undefined ? 'heal' : 'partition',
      detail: groups?.map((group) => group.join('+')).join(' | '),
    });
  }

  setLoss(percent: number): void {
    this.lossPercent = percent;
    this.record({ type: 'fault', t: this.seconds(), action: 'loss', detail: `${percent}%` });
  }

  setDelay(ms: number): void {
    this.extraDelayMs = ms;
    this.record({ type: 'fault', t: this.seconds(), action: 'delay', detail: `${ms} ms` });
  }

  setService(host: SimHost, service: string, up: boolean, cause: string): void {
    if ((host.services.get(service) ?? false) === up) return;
    host.services.set(service, up);
    this.record({ type: 'service', t: this.seconds(), host: host.name, service, up, cause });
    // A tracked process of that name exits or is started (keepalived hears it from the kernel at once).
    const engine = host.engine;
    if (engine === undefined || host.spec.processEvents === false) return;
    for (const process of host.spec.config.trackProcesses ?? []) {
      if (processService(process) !== service) continue;
      this.apply(host, engine.handle(this.now, { type: 'process-count', trackProcess: process.name, count: serviceProcessCount(process, up) }, this.actions));
    }
  }

  setScriptHung(host: SimHost, script: string, hung: boolean): void {
    if (hung) host.hungScripts.add(script);
    else host.hungScripts.delete(script);
  }

  setFile(host: SimHost, path: string, present: boolean): void {
    if (present) host.files.add(path);
    else {
      host.files.delete(path);
      host.fileTexts.delete(path);
    }
    this.readTrackedFiles(host);
  }

  /** Model mode: the host's file now holds `text` (`echo 1 > flag`); a track_file on it changes at once. */
  writeFile(host: SimHost, path: string, text: string): void {
    host.files.add(path);
    host.fileTexts.set(path, text);
    this.readTrackedFiles(host);
  }

  /**
   * keepalived watches tracked files with inotify and reads one as soon as it changes: hand each
   * running engine the values of its track_files (value x weight is the engine's), e.g. after a
   * timeline `run` in exec mode. Unchanged values change nothing.
   */
  readTrackedFiles(host?: SimHost): void {
    for (const target of host !== undefined ? [host] : this.hosts) {
      for (const tf of target.spec.config.trackFiles) {
        const value = trackFileValue(this.readFile(target, tf.file));
        if (value === null || value === target.trackValues.get(tf.name)) continue;
        target.trackValues.set(tf.name, value);
        const engine = target.engine;
        if (engine !== undefined) this.apply(target, engine.handle(this.now, { type: 'file-value', trackFile: tf.name, value }, this.actions));
      }
    }
  }

  private readFile(host: SimHost, path: string): string | undefined {
    if (this.options.readFile !== undefined) return this.options.readFile(host, path);
    return host.files.has(path) ? (host.fileTexts.get(path) ?? '') : undefined;
  }

  /**
   * A foreign sender on the LAN (not a keepalived host of the scenario): `count` packets of a kind
   * at `rate` per second, multicast to every host, each handed to the engine as bytes so that it
   * has keepalived's effect (see HostEngine's 'packet' event). Loss applies; partitions do not
   * (the sender belongs to no group).
   */
  inject(stream: InjectStream): void {
    const packets = Array.from({ length: Math.min(stream.count, STREAM_VARIANTS) }, (_, i) => forgePacket(stream, i));
    const spacing = 1000 / stream.rate;
    const start = this.now;
    this.record({
      type: 'fault',
      t: this.seconds(),
      action: 'inject',
      detail: describeInject(stream),
    });
    // One queue entry at a time, so a flood does not fill the queue up front.
    const send = (index: number): void => {
      const packet = packets[index % packets.length];
      for (const receiver of this.hosts) {
        const engine = receiver.engine;
        if (engine === undefined) continue;
        if (this.lossPercent > 0 && this.random.chance(this.lossPercent)) continue;
        for (const iface of receiver.interfaces) {
          if (receiver.linksDown.has(iface)) continue;
          this.apply(receiver, engine.handle(this.now, { type: 'packet', iface, packet }, this.actions));
        }
      }
      if (index + 1 < stream.count) this.at(start + (index + 1) * spacing + this.options.latencyMs, () => send(index + 1));
    };
    if (stream.count > 0 && packets.length > 0) this.at(start + this.options.latencyMs, () => send(0));
  }

  /** Record an injected event that the cluster itself does not interpret (e.g. a `run` command). */
  note(host: string | undefined, action: string, detail?: string): void {
    this.record({ type: 'fault', t: this.seconds(), host, action, detail });
  }

  /** Virtual seconds since the scenario start, rounded to the microsecond. */
  seconds(): number {
    return Math.round(this.now * 1000) / 1_000_000;
  }

  // ---------------------------------------------------------------- engine plumbing

  private record(record: SimRecord): void {
    this.records.push(record);
  }

  private recordStopped(host: SimHost, engine: HostEngine): void {
    for (const instance of engine.snapshot()) {
      this.record({ type: 'transition', t: this.seconds(), host: host.name, instance: instance.name, vrid: instance.vrid, from: instance.state, to: 'STOP', priority: instance.effectivePriority });
    }
  }

  /**
   * Carry out an engine call's actions (the list is `actions`, see there) and re-arm the host's timer.
   * Nothing here calls an engine while the list is being read: what the actions cause is queued.
   */
  private apply(host: SimHost, actions: EngineAction[]): void {
    for (const action of actions) this.applyOne(host, action);
    this.rearm(host);
    // Emptied keeping its storage (`length = 0` would give it back, and the next call allocate it again).
    while (actions.length > 0) actions.pop();
  }

  private rearm(host: SimHost): void {
    const deadline = host.engine?.nextDeadline() ?? Number.POSITIVE_INFINITY;
    if (deadline === host.timerAt) return;
    host.timerAt = deadline;
    if (host.timerEntry !== undefined) this.queue.reschedule(host.timerEntry, deadline);
  }

  private applyOne(host: SimHost, action: EngineAction): void {
    switch (action.type) {
      case 'send-advert':
        this.noteAdvert(host, action.instance, action.advert);
        if (action.vmac) host.advertMac.set(action.instance, action.vmac.mac);
        this.broadcast(host, action.iface, action.advert, action.unicastPeers, action.vmac?.mac, action.hmac);
        break;
      case 'add-vips':
        for (const address of action.addresses) {
          if (host.vips.get(address) === undefined) this.record({ type: 'vip', t: this.seconds(), host: host.name, instance: action.instance, address, held: true, ...(action.vmac ? { vmac: action.vmac } : {}) });
          host.vips.set(address, action.instance);
        }
        break;
      case 'remove-vips':
        for (const address of action.addresses) {
          if (host.vips.get(address) !== undefined) this.record({ type: 'vip', t: this.seconds(), host: host.name, instance: action.instance, address, held: false, ...(action.vmac ? { vmac: action.vmac } : {}) });
          host.vips.delete(address);
        }
        break;
      case 'send-garp':
        break;
      case 'run-script': {
        // A hung script is killed at its timeout; keepalived counts that as a failure ("timed_out").
        const hung = host.hungScripts.has(action.script);
        const exitCode = hung ? 1 : this.options.runScript(host, action.script, action.command);
        const engine = host.engine;
        const delay = hung ? action.timeoutMs : this.options.scriptDurationMs * (1 + this.random.next());
        if (engine !== undefined) this.queue.push(this.now + delay, { kind: 'script-result', host, engine, script: action.script, exitCode, hung });
        break;
      }
      case 'notify':
        this.record({ type: 'notify', t: this.seconds(), host: host.name, instance: action.instance, state: action.state, command: action.command, args: action.args });
        this.queue.push(this.now + this.options.notifyDurationMs, { kind: 'notify', host, notify: action });
        break;
      case 'notify-fifo':
        // The line keepalived writes into its notify fifos: shown with the notifies, nothing runs.
        this.record({ type: 'notify', t: this.seconds(), host: host.name, instance: action.instance, state: action.state, command: NOTIFY_FIFO, args: [action.line] });
        break;
      case 'transition':
        host.lastAdvert.delete(action.instance);
        {
          // The takeover advert went out just before (vrrp_state_master_tx): its source MAC is known.
          const mac = action.to === 'MASTER' ? host.advertMac.get(action.instance) : undefined;
          this.record({ type: 'transition', t: this.seconds(), host: host.name, instance: action.instance, vrid: action.vrid, from: action.from, to: action.to, priority: action.priority, ...(action.silent ? { silent: true as const } : {}), ...(mac ? { advertMac: mac } : {}) });
        }
        break;
      case 'priority':
        this.record({ type: 'priority', t: this.seconds(), host: host.name, instance: action.instance, vrid: action.vrid, from: action.from, to: action.to });
        break;
      case 'log':
        if (this.options.keepLogs) this.record({ type: 'log', t: this.seconds(), host: host.name, message: action.message });
        break;
      case 'script-state':
        break; // recorded before the actions of the result that caused it (handleEvent)
      case 'process-state':
        // The findings judge a tracked process as a check of that name (findings/facts.ts).
        this.record({ type: 'script', t: this.seconds(), host: host.name, script: processCheckName(action.trackProcess), ok: action.ok });
        break;
    }
  }

  /** A MASTER's advert later than 1.5 intervals after its previous one is an `advert-delay` record. */
  private noteAdvert(host: SimHost, instance: string, advert: VrrpAdvert): void {
    if (advert.priority === 0) {
      host.lastAdvert.delete(instance);
      return;
    }
    const previous = host.lastAdvert.get(instance);
    host.lastAdvert.set(instance, this.now);
    if (previous === undefined) return;
    const gap = this.now - previous;
    if (gap > 1.5 * advert.advertIntervalMs) {
      this.record({ type: 'advert-delay', t: this.seconds(), host: host.name, instance, vrid: advert.vrid, gap: Math.round(gap) / 1000 });
    }
  }

  /** Multicast to every host on the LAN, or unicast to the configured peers only. */
  private broadcast(sender: SimHost, iface: string, advert: VrrpAdvert, unicastPeers: string[] | undefined, fromMac?: string, signature?: AdvertSignature): void {
    if (sender.linksDown.has(iface)) return;
    const v6 = advert.family === 6;
    const src = v6 ? this.address6(sender) : sender.spec.address;
    // keepalived 2.4's auth_hmac: the trailer travels symbolically (ReceivedTrailer.signedWith).
    const hmac: ReceivedTrailer | undefined = signature === undefined ? undefined : { extType: 1, keyId: signature.keyId, reserved: 0, seconds: signature.seconds, fraction: signature.fraction, counter: signature.counter, signedWith: signature.keyHex };
    let signedMulticast: ReceivedAdvert | undefined;
    for (const receiver of this.hosts) {
      if (receiver === sender || !this.canHear(sender, receiver) || !receiver.hearsFrom(fromMac, advert)) continue;
      const receiverAddress = v6 ? this.address6(receiver) : receiver.spec.address;
      if (unicastPeers !== undefined && !unicastPeers.includes(receiverAddress)) continue;
      if (this.lossPercent > 0 && this.random.chance(this.lossPercent)) continue;
      const ttl = v6 ? IPV6_UNICAST_HOP_LIMIT : 255;
      let packet: ReceivedAdvert = unicastPeers !== undefined ? { advert, src, dst: receiverAddress, ttl, ...behindAh(advert) } : this.multicastPacket(advert, src);
      if (hmac !== undefined) packet = unicastPeers !== undefined ? { ...packet, hmac } : (signedMulticast ??= { ...packet, hmac });
      this.queue.push(this.now + this.options.latencyMs + this.extraDelayMs, { kind: 'deliver', receiver, packet });
    }
  }

  private multicastPacket(advert: VrrpAdvert, src: string): ReceivedAdvert {
    let packet = this.multicastPackets.get(advert);
    if (packet === undefined || packet.src !== src) {
      packet = { advert, src, dst: advert.family === 6 ? 'ff02::12' : '224.0.0.18', ttl: 255, ...behindAh(advert) };
      this.multicastPackets.set(advert, packet);
    }
    return packet;
  }

  /** The host with this address (IPv4 or IPv6), else the address itself (a forged sender). */
  private hostAt(address: string): string {
    return this.hosts.find((host) => host.spec.address === address || this.address6(host) === address)?.name ?? address;
  }

  private address6(host: SimHost): string {
    return host.spec.address6 ?? `fe80::${(this.hosts.indexOf(host) + 1).toString(16)}`;
  }

  private canHear(a: SimHost, b: SimHost): boolean {
    if (this.partition === undefined) return true;
    return this.partition.get(a.name) === this.partition.get(b.name);
  }
}

/** An IPv4 advert of an `auth_type AH` instance goes out behind an IPsec AH header, as keepalived sends it. */
function behindAh(advert: VrrpAdvert): { viaAh?: true } {
  return advert.family === 4 && advert.authType === 2 ? { viaAh: true } : {};
}

/** An inject event in the timeline's words (the lab's records use the same). */
export function describeInject(stream: InjectStream): string {
  return `${stream.count} ${stream.kind} packet${stream.count === 1 ? '' : 's'} from ${stream.src} (VRID ${stream.vrid}, ${formatRate(stream.rate)})`;
}

function formatRate(rate: number): string {
  return rate >= 20_000 ? 'back to back' : `${rate}/s`;
}

/**
 * The state a script result moved a tracked script to (undefined: no change): the engine's
 * 'script-state' action, or with log lines on, its line for it.
 */
function scriptStateChange(script: string, actions: EngineAction[]): boolean | undefined {
  // "VRRP_Script(<script>) succeeded", read in place: no string is made for each result.
  const opening = 'VRRP_Script(';
  const rest = opening.length + script.length + 2;
  for (const action of actions) {
    if (action.type === 'script-state' && action.script === script) return action.ok;
    if (action.type !== 'log') continue;
    const { message } = action;
    if (!message.startsWith(opening) || !message.startsWith(script, opening.length) || !message.startsWith(') ', rest - 2)) continue;
    if (message.startsWith('succeeded', rest)) return true;
    if (message.startsWith('failed', rest) || message.startsWith('timed_out', rest)) return false;
  }
  return undefined;
}
