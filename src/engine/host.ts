/**
 * HostEngine: every VRRP instance, tracked script and sync group of one keepalived process.
 *
 * Sans-I/O (quinn-proto style): `handle(now, event)` and `handleTimeout(now)` return actions;
 * `nextDeadline()` says when to call `handleTimeout` next. Time is milliseconds, handed in.
 *
 * The transitions follow keepalived 2.2.7 (vrrp.c, vrrp_scheduler.c, vrrp_track.c, vrrp_sync.c)
 * function by function, so that a run can be compared advert by advert with real keepalived.
 * Where keepalived and the RFCs differ, keepalived wins and a comment says so.
 */
import { acceptMode, type KeepalivedConfig, type NotifyScripts, type VrrpInstance } from '../config/model.js';
import type { VrrpStats } from '../wire/stats.js';
import { verdictInfo } from '../wire/validate.js';
import { canonicalAddress, parseIpv4, parseIpv6 } from '../wire/address.js';
import type { ReceivedAdvert } from '../wire/types.js';
import { InstanceState, PRIORITY_OWNER, PRIORITY_STOP, SyncGroupState, type WeightedLink } from './instance.js';
import { checkReceivedAdvert, checkReceivedPacket, packetHead, receivedOf, trailerHmacOk, truncatedLogLine, type ReceiveCheck } from './receive.js';
import type { KeepalivedVersion } from '../config/version.js';
import type { AuthExtStats } from './auth-hmac.js';
import { applyScriptResult, newScriptTracker, scriptSucceeding, type ScriptInitState, type ScriptTracker } from './scripts.js';
import { masterDownIntervalMs, minimumSkewMs, skewTimeMs } from './timing.js';
import { newSlot, TimerHeap, type TimerSlot } from './timers.js';
import { commandWords } from './command-line.js';
import { countChange, newProcessTracker, quorumOf, type ProcessTracker } from './track-process.js';
import type { EngineAction, EngineEvent, Vmac, VrrpState } from './types.js';

export interface HostEnvironment {
  /** Primary IPv4 address of each interface: the advert source and the tie-breaker (RFC 3768 6.4.3). */
  interfaceAddresses: Record<string, string>;
  /** Primary (link-local) IPv6 address of each interface, for VRRPv3 over IPv6. */
  interfaceAddresses6?: Record<string, string>;
}

export interface InstanceSnapshot {
  name: string;
  vrid: number;
  iface: string;
  state: VrrpState;
  basePriority: number;
  effectivePriority: number;
  /** VIPs this instance has added (non-empty only while MASTER). */
  vipsHeld: string[];
  stats: VrrpStats;
  /** What keepalived's SIGUSR1 dump shows besides (vrrp_data.c dump_vrrp). */
  wantState: VrrpState;
  totalPriority: number;
  /** Engine time of the instance's next timer (advert or Master_Down), or Infinity. */
  sands: number;
  downTimerMs: number;
  masterAdvertIntervalMs: number;
  masterAddress: string | undefined;
  masterPriority: number;
  numScriptIfFault: number;
  numScriptInit: number;
  sourceAddress: string | undefined;
  /** keepalived 2.4.3's auth_ext_* counters (instances with auth_hmac only). */
  authExt?: AuthExtStats;
}

/** A vrrp_script's tracking state, for the SIGUSR1 dump. */
export interface ScriptSnapshot {
  name: string;
  result: number;
  initState: ScriptInitState;
  succeeding: boolean;
  running: boolean;
}

/** A gratuitous ARP burst keepalived queued for later (garp_master_delay, garp_lower_prio_delay). */
interface DelayedGarp {
  slot: TimerSlot;
  instance: InstanceState;
  repeat: number;
}

/** A track_file's current value and the instances tracking it. */
interface TrackedFile {
  value: number;
}

const FILE_FAULT_STATUS = -254;

/**
 * keepalived 2.4.3's wording of 2.2.7's rejection lines: most name the sender (vrrp.c
 * vrrp_check_packet). Lab-seen: "vrrp packet from 172.16.25.1 too long, length 68 and expect 40"
 * (captures/auth-hmac/mixed); the others as its source words them.
 */
const DIALECT_24: readonly [RegExp, string][] = [
  [/^(\([^)]*\) vrrp packet) too /, '$1 from SRC too '],
  [/^(\([^)]*\) invalid TTL\/HL)\. /, '$1 from SRC. '],
  [/^(\([^)]*\)) wrong version\. /, '$1 wrong VRRP version from SRC. '],
  [/^(\([^)]*\) Invalid auth type): /, '$1 from SRC: '],
  [/^(\([^)]*\) received a \d+ auth), expecting/, '$1 from SRC, expecting'],
  [/^(\([^)]*\) (?:Received AH header but auth type not AH|No AH header but auth type is AH))$/, '$1 from SRC'],
  [/^(\([^)]*\) received an invalid passwd)!$/, '$1 from SRC!'],
  [/^(\([^)]*\) advertisement interval mismatch) mine=/, '$1 with SRC mine='],
  [/^(\([^)]*\) Invalid packet type)\. /, '$1 from SRC. '],
  [/^(\([^)]*\) Invalid VRRPv\d checksum)$/, '$1 from SRC'],
  [/^(\([^)]*\) Expected \w+ packet but received \w+ packet)$/, '$1 from SRC'],
];

function dialect24(line: string, src: string): string {
  for (const [re, to] of DIALECT_24) if (re.test(line)) return line.replace(re, to.replace('SRC', src));
  return line;
}

/** Rejections keepalived 2.4.3 makes before it authenticates an advert (auth_hmac): they win over a bad trailer. */
const BEFORE_AUTH = new Set(['not-vrrp', 'truncated', 'unknown-vrid', 'bad-length', 'bad-ttl', 'bad-version']);

const OK: ReceiveCheck = { ok: true };

/** Engine options that are not keepalived configuration. */
export interface HostOptions {
  /**
   * Beyond keepalived (opt-in, off by default): a received packet that fails a check never moves a
   * timer. keepalived 2.2.7 re-arms the instance timer after every packet it reads for the VRID,
   * valid or not, so a stream of bad packets delays a master's adverts until the backups take over
   * (lab: test/lab/hostile.test.ts); with this option only accepted adverts re-arm it.
   */
  hardenedReceive?: boolean;
  /**
   * keepalived's log lines as 'log' actions (default true). Off, the engine builds no line at all
   * (a simulator exploring thousands of runs keeps none), and a tracked script's change of state,
   * which only a line tells otherwise, comes as a 'script-state' action.
   */
  logs?: boolean;
  /**
   * How long after a MASTER's answer to a lower-priority advert ("forcing new election") its advert
   * timer restarts, ms (default 0). keepalived sends the answer, then its GARPs
   * (garp_lower_prio_repeat), and only then takes the time its next advert is counted from
   * (vrrp_init_instance_sands() calls set_time_now()): in the lab its next advert came 1.001-1.003 s
   * after the answer, while another master re-armed by the answer was due ~1.0002 s after it and
   * went first.
   * Counted from the event's handledAt when a driver gives one (the runtime hands a packet in at
   * the kernel's receive time, and answers it later: keepalived's answer itself came 3-5 ms after
   * the packet in the lab, its next advert 1.0035-1.0053 s after it), else from the packet.
   */
  answerRearmMs?: number;
  /**
   * How long after reading a packet it rejects a MASTER's advert timer restarts, ms (default 0).
   * keepalived logs the rejection ("vrrp packet too short, ...", "received an invalid passwd!")
   * and only then takes the time its next advert is counted from (vrrp_init_instance_sands() calls
   * set_time_now()): in the lab its next advert came 0.9-6.5 ms (about 2 ms typically) more than
   * an interval after the bad packet. A master held silent by a stream of such packets advertises
   * only when one comes later than that; at exactly one interval apart the packet is read first.
   * A driver replaying a capture sets it (src/compare/drive.ts REJECT_REARM_MS, with the lab's
   * numbers); in real time (the runtime) it passes anyway. The simulator leaves it at 0 (ties there
   * are drawn from the seed).
   */
  rejectRearmMs?: number;
  /**
   * rejectRearmMs for a rejection keepalived 2.4 does not log (its line rate limited): with no line
   * to write it takes the time sooner. keepalived 2.4.3 (captures/auth-hmac rohigh and permnone: a
   * MASTER fed its peer's adverts it drops as unsigned or too long): its next advert 1000.10-1000.20
   * ms after each; default rejectRearmMs.
   */
  quietRejectRearmMs?: number;
  /**
   * A lower-priority advert that arrives exactly when preempt_delay ends (preempt time == now) is a
   * race in keepalived 2.2.7: it sets preempt_time from a fresh clock read (timer_now(), after its
   * log line) but compares it with the time its thread woke (time_now), so the same advert is
   * accepted in some runs and discarded in others. 'accept' (default) is the side the lab showed
   * most; 'discard' is the other, for a driver that plays both (the simulator's race check).
   */
  preemptBoundary?: 'accept' | 'discard';
  /** Called with the instance's name and the sender's address whenever such an advert arrives. */
  onPreemptBoundary?: (instance: string, src: string) => void;
  /**
   * The keepalived whose behaviour and log dialect to follow: '2.2' (2.2.7, the default) or '2.4'
   * (2.4.3: auth_hmac, whose block the config only has when read as 2.4; rejection lines rate
   * limited per kind, as log_rate_limited_error() does; "master set to ADDR" with logDetail).
   */
  keepalivedVersion?: KeepalivedVersion;
  /** keepalived runs with -D (log detail): 2.4 then logs "(VI_x) master set to ADDR" (default false). */
  logDetail?: boolean;
}

export class HostEngine {
  private instances: InstanceState[] = [];
  private groups: SyncGroupState[] = [];
  private scripts = new Map<string, ScriptTracker>();
  private files = new Map<string, TrackedFile>();
  private processes = new Map<string, ProcessTracker>();
  private linkUp = new Map<string, boolean>();
  /** Addresses of an interface beyond its first ("IFACE/4"): keepalived's sin_addr_l / sin6_addr_l. */
  private spareAddresses = new Map<string, string[]>();
  private delayedGarps: DelayedGarp[] = [];
  private readonly timers = new TimerHeap();
  private scriptSlots = new Map<ScriptTracker, TimerSlot>();
  /** Instances by interface, VRID and family: how keepalived's socket pool finds the receiver. */
  private byVrid = new Map<string, Map<number, InstanceState>>();
  private running = false;
  private now = 0;
  /** The host's wall clock minus the driver's clock, ms (start's wallClockOffsetMs, 'wall-clock'). */
  private wallOffsetMs = 0;
  /** The time handed to handleTimeout()/handle() that is firing the due timers (fireDueTimers). */
  private servedAt = 0;
  /** The actions of the call in progress; made on the first one, so a call with none allocates no list. */
  private out: EngineAction[] | undefined;

  constructor(
    /** The configuration in force (replaced by `reload`). */
    public config: KeepalivedConfig,
    readonly env: HostEnvironment,
    readonly options: HostOptions = {},
  ) {}

  /** Received packets rejected, by verdict ('truncated' included), since the engine was made. */
  readonly receiveDrops: Partial<Record<string, number>> = {};
  /** The packet receive() is handling: its bytes when handed in as such, and whether a check rejected it. */
  private readonly rx: { raw: Uint8Array | undefined; checksumVerified: boolean; rejected: boolean; answered: boolean; handledAt: number; quiet: boolean } = { raw: undefined, checksumVerified: false, rejected: false, answered: false, handledAt: 0, quiet: false };

  /**
   * Handle one event at time `now` (ms). Timers due before `now` are handled first, and those due
   * at `now` too, except for a received packet: keepalived reads it before a timer due that instant.
   * The actions come back in a new list, or appended to `into`: a list the driver empties and
   * hands in again, so that a busy driver (the simulator) allocates no list per call.
   */
  handle(now: number, event: EngineEvent, into?: EngineAction[]): EngineAction[] {
    this.begin(now, into);
    const received = event.type === 'advert' || event.type === 'packet';
    // keepalived's scheduler serves a readable socket before a timer due at the same moment: a
    // packet arriving as an instance's timer falls due is read first, and the timer it re-arms
    // does not fire (two masters of one VRID that reject each other's adverts: the one whose
    // timer an advert re-arms stays silent). Timers due strictly before the packet fire first.
    this.fireDueTimers(now, received);
    switch (event.type) {
      case 'start':
        if (event.wallClockOffsetMs !== undefined) this.wallOffsetMs = event.wallClockOffsetMs;
        this.start(event.linksDown ?? [], event.fileValues ?? {}, event.processCounts ?? {});
        break;
      case 'stop':
        this.stop();
        break;
      case 'wall-clock':
        this.wallOffsetMs = event.offsetMs;
        break;
      case 'advert':
        this.rx.handledAt = event.handledAt ?? now;
        this.receive(event.iface, event.packet);
        break;
      case 'packet':
        this.rx.handledAt = event.handledAt ?? now;
        this.receivePacket(event.iface, event.packet, event.checksumVerified === true);
        break;
      case 'script-result':
        this.scriptResult(event.script, event.exitCode, event.timedOut === true);
        break;
      case 'file-value':
        this.fileValue(event.trackFile, event.value);
        break;
      case 'link':
        this.link(event.iface, event.up);
        break;
      case 'address':
        this.address(event.iface, event.family, event.address, event.present, event.linkScope === true, event.prefixLength);
        break;
      case 'process-count':
        this.processCount(event.trackProcess, event.count, event.fork === true);
        break;
    }
    if (received) this.fireDueTimers(now);
    return this.finish();
  }

  /** Fire every timer due at or before `now`, in time order. The actions as `handle` returns them. */
  handleTimeout(now: number, into?: EngineAction[]): EngineAction[] {
    this.begin(now, into);
    this.fireDueTimers(now);
    return this.finish();
  }

  /** Fire every timer due at or before `now` (only those due before it, when `strictlyBefore`), in time order. */
  private fireDueTimers(now: number, strictlyBefore = false): void {
    this.servedAt = now;
    for (;;) {
      const due = this.running ? this.timers.peek() : undefined;
      if (due === undefined || due.at > now || (strictlyBefore && due.at === now)) break;
      this.now = due.at;
      this.timers.set(due, Number.POSITIVE_INFINITY);
      due.fire();
    }
    this.now = now;
  }

  nextDeadline(): number | undefined {
    return this.running ? this.timers.peek()?.at : undefined;
  }

  snapshot(): InstanceSnapshot[] {
    return this.instances.map((instance) => ({
      name: instance.name,
      vrid: instance.vrid,
      iface: instance.config.interface,
      state: this.running ? instance.state : 'STOP',
      basePriority: instance.basePriority,
      effectivePriority: instance.effectivePriority,
      vipsHeld: instance.vipSet ? [...instance.vips] : [],
      stats: { ...instance.stats },
      wantState: instance.wantState,
      totalPriority: instance.totalPriority,
      sands: instance.sands,
      downTimerMs: instance.downTimerMs,
      masterAdvertIntervalMs: instance.masterAdvertIntervalMs,
      masterAddress: instance.masterAddress,
      masterPriority: instance.masterPriority,
      numScriptIfFault: instance.numScriptIfFault,
      numScriptInit: instance.numScriptInit,
      sourceAddress: instance.sourceAddress,
      ...(instance.hmac !== undefined ? { authExt: { ...instance.hmac.stats } } : {}),
    }));
  }

  scriptSnapshot(): ScriptSnapshot[] {
    return [...this.scripts.values()].map((tracker) => ({
      name: tracker.config.name,
      result: tracker.result,
      initState: tracker.initState,
      succeeding: scriptSucceeding(tracker),
      running: tracker.running,
    }));
  }

  // ---------------------------------------------------------------- plumbing

  private begin(now: number, into?: EngineAction[]): void {
    this.now = now;
    this.out = into;
  }

  /** The call's actions: a list the caller owns (and may change). */
  private finish(): EngineAction[] {
    const actions = this.out ?? [];
    this.out = undefined;
    return actions;
  }

  private emit(action: EngineAction): void {
    if (this.out === undefined) this.out = [action];
    else this.out.push(action);
  }

  /** Whether 'log' actions are wanted (HostOptions.logs): every line is built only when they are. */
  private get logging(): boolean {
    return this.options.logs !== false;
  }

  private log(message: string, level: 'info' | 'debug' | 'warning' = 'info'): void {
    this.emit({ type: 'log', level, message });
  }

  // ---------------------------------------------------------------- start and stop

  private start(linksDown: string[], fileValues: Record<string, number>, processCounts: Record<string, number>): void {
    if (this.running) return;
    this.running = true;
    this.timers.clear();
    this.delayedGarps = [];
    this.linkUp = new Map(linksDown.map((iface) => [iface, false]));
    // Scripts keepalived disabled at load (program not found, insecure) or that nothing tracks are never run.
    this.scripts = new Map(this.config.scripts.filter((script) => script.disabled !== true && script.unused !== true).map((script) => [script.name, newScriptTracker(script)]));
    this.files = new Map(this.config.trackFiles.map((file) => [file.name, { value: fileValues[file.name] ?? 0 }]));
    this.processes = new Map((this.config.trackProcesses ?? []).map((p) => [p.name, newProcessTracker(p, processCounts[p.name] ?? 0, (t) => this.processTimer(t))]));
    this.build();
    for (const tracker of this.processes.values()) this.emit({ type: 'process-state', trackProcess: tracker.config.name, ok: tracker.haveQuorum });
    this.initialiseTrackingPriorities();
    this.completeInit(this.instances);
    this.initState(this.instances, this.groups);
    for (const instance of this.instances) this.initSands(instance);
    // vrrp_init_script: every script runs once at start-up, then every interval.
    this.scriptSlots = new Map([...this.scripts.values()].map((tracker) => [tracker, newSlot(() => this.runScript(tracker))]));
    for (const tracker of this.scripts.values()) this.armScript(tracker, this.now);
  }

  /** Instances and sync groups of the current config, linked to what they track. */
  private build(): void {
    this.instances = this.config.instances.map((config) => {
      const source = config.unicastSrcIp ?? config.mcastSrcIp ??
        (config.family === 4 ? this.env.interfaceAddresses[config.interface] : this.env.interfaceAddresses6?.[config.interface]);
      return new InstanceState(config, source, this.timers, (instance) => this.instanceTimer(instance));
    });
    this.byVrid = new Map();
    for (const instance of this.instances) {
      const { interface: iface, family } = instance.config;
      const onInterface = this.byVrid.get(iface) ?? new Map<number, InstanceState>();
      this.byVrid.set(iface, onInterface);
      onInterface.set(vridOnInterface(instance.vrid, family), instance);
    }
    this.groups = this.config.syncGroups.map((config) => new SyncGroupState(config));
    this.linkTracking();
    this.linkSyncGroups();
  }

  /**
   * SIGHUP: take a new configuration without restarting. As keepalived's reload does, an instance
   * whose identity (interface, VRID, family) is unchanged keeps its state, timer, VIPs and
   * counters; its priority and VIP list follow the new config. Instances that are gone release
   * their VIPs (a MASTER resigns with priority 0) and are notified FAULT, keepalived's default for
   * a deleted instance; new ones start as at start-up. Scripts with the same name and command
   * keep their rise/fall state.
   */
  reload(now: number, config: KeepalivedConfig): EngineAction[] {
    this.begin(now);
    this.fireDueTimers(now);
    this.config = config;
    if (!this.running) return this.finish();
    if (this.logging) this.log('Reloading');
    // keepalived 2.2.7 (lab, tcpdump): every MASTER sends one advert with the old settings as the
    // reload begins, and one with the new settings when it ends (below); pending delayed GARP
    // bursts (garp_master_delay) are dropped.
    for (const instance of this.instances) if (instance.state === 'MASTER') this.sendAdvert(instance, instance.effectivePriority);
    for (const garp of this.delayedGarps) this.timers.set(garp.slot, Number.POSITIVE_INFINITY);
    this.delayedGarps = [];
    const oldInstances = new Map(this.instances.map((instance) => [vridKey(instance.config.interface, instance.vrid, instance.config.family), instance]));
    const oldGroups = new Map(this.groups.map((group) => [group.config.name, group]));
    const oldScripts = this.scripts;
    for (const slot of this.scriptSlots.values()) this.timers.set(slot, Number.POSITIVE_INFINITY);
    this.scripts = new Map(
      config.scripts.filter((script) => script.disabled !== true && script.unused !== true).map((script) => {
        const previous = oldScripts.get(script.name);
        const tracker = newScriptTracker(script);
        if (previous !== undefined && previous.config.script === script.script) {
          Object.assign(tracker, { result: previous.result, initState: previous.initState, lastExitCode: previous.lastExitCode, running: previous.running, nextRunAt: previous.nextRunAt });
          // keepalived 2.2.7 logs the carried-over result of a succeeding script (lab).
          if (this.logging && tracker.initState === 'done' && scriptSucceeding(tracker)) this.log(`VRRP_Script(${script.name}) considered successful on reload`);
        }
        return [script.name, tracker] as const;
      }),
    );
    for (const file of config.trackFiles) if (!this.files.has(file.name)) this.files.set(file.name, { value: 0 });
    // keepalived's reload_track_processes() counts the processes again: the counts carry over, the
    // delay timers do not.
    const oldProcesses = this.processes;
    for (const tracker of oldProcesses.values()) {
      this.timers.set(tracker.forkTimer, Number.POSITIVE_INFINITY);
      this.timers.set(tracker.terminateTimer, Number.POSITIVE_INFINITY);
    }
    this.processes = new Map((config.trackProcesses ?? []).map((p) => [p.name, newProcessTracker(p, oldProcesses.get(p.name)?.count ?? 0, (t) => this.processTimer(t))]));

    const oldSands = new Map([...oldInstances.values()].map((instance) => [instance, instance.sands]));
    for (const instance of oldInstances.values()) this.timers.set(instance.timer, Number.POSITIVE_INFINITY);
    this.build();
    const kept: InstanceState[] = [];
    const added: InstanceState[] = [];
    const freshVips = new Set<InstanceState>();
    for (const instance of this.instances) {
      const key = vridKey(instance.config.interface, instance.vrid, instance.config.family);
      const previous = oldInstances.get(key);
      // keepalived 2.2.7 (vrrp.c reload matching): a change of use_vmac or use_vmac_addr makes it
      // another instance; the old one is deleted (its VIPs go with its VMAC) and the new one starts.
      if (previous === undefined || previous.config.useVmac !== instance.config.useVmac || (previous.config.vmacAddr === true) !== (instance.config.vmacAddr === true)) {
        added.push(instance);
        continue;
      }
      oldInstances.delete(key);
      kept.push(instance);
      // Carry the running state over; the priority is recomputed below from the new config.
      instance.state = previous.state;
      instance.wantState = previous.wantState;
      instance.effectivePriority = previous.effectivePriority;
      instance.masterAdvertIntervalMs = previous.masterAdvertIntervalMs;
      instance.downTimerMs = previous.downTimerMs;
      instance.notifiesSent = previous.notifiesSent;
      instance.preemptTime = previous.preemptTime;
      instance.masterAddress = previous.masterAddress;
      instance.masterPriority = previous.masterPriority;
      instance.garpRefreshAt = previous.garpRefreshAt;
      instance.stats = previous.stats;
      instance.vipSet = previous.vipSet;
      // keepalived 2.4.3 makes a new auth_hmac state on reload (its next advert takes the clock,
      // its replay marks start empty). Its reload's two adverts (old settings, then new) are 30-50
      // ms apart, so the clock has moved on; here they go at the same instant, and from a fresh
      // state the second would repeat the first's sequence (keepalived 2.4.3 beside vrrplab, lab:
      // "replayed authentication trailer"): the send sequence is carried over, the marks are not.
      if (instance.hmac !== undefined && previous.hmac !== undefined) instance.hmac.sendSeq = previous.hmac.sendSeq;
      instance.sands = oldSands.get(previous) ?? Number.POSITIVE_INFINITY;
      if (instance.basePriority !== previous.basePriority && instance.basePriority !== PRIORITY_OWNER) {
        // keepalived starts the effective priority again from the new base: the tracking weights
        // applied below then log "Changing effective priority from <new base> to ...".
        instance.effectivePriority = instance.basePriority;
        const oldDownTimer = instance.downTimerMs;
        instance.downTimerMs = this.masterDownInterval(instance);
        if (instance.state === 'BACKUP') instance.sands += instance.downTimerMs - oldDownTimer;
      }
      if (instance.version === 2 && instance.advertIntervalMs !== previous.advertIntervalMs) {
        // VRRPv2 learns no interval from the master: keepalived 2.2.7 takes the new advert_int as the
        // master's on reload (lab, advert_int 1 -> 3 s on both hosts by SIGHUP, then the master
        // killed: the backup took over 9.609 s after its last advert, 3 x 3 + skew, not 3.609 s).
        // A BACKUP's running down timer moves with it, as it does for a new priority above.
        instance.masterAdvertIntervalMs = instance.advertIntervalMs;
        const oldDownTimer = instance.downTimerMs;
        instance.downTimerMs = this.masterDownInterval(instance);
        if (instance.state === 'BACKUP') instance.sands += instance.downTimerMs - oldDownTimer;
      }
      if (instance.vipSet) {
        const before = new Set(previous.vips);
        const after = new Set(instance.vips);
        const gone = previous.vips.filter((vip) => !after.has(vip));
        const fresh = instance.vips.filter((vip) => !before.has(vip));
        if (gone.length > 0) this.emitVips('remove-vips', instance, gone);
        if (fresh.length > 0) this.emitVips('add-vips', instance, fresh);
        if (fresh.length > 0) freshVips.add(instance);
      }
    }
    for (const group of this.groups) {
      const previous = oldGroups.get(group.config.name);
      if (previous !== undefined && group.members.every((member) => kept.includes(member))) group.state = previous.state;
    }
    // Tracking weights from the new config (a kept instance logs only a real priority change and a
    // BACKUP's down timer moves with it), then new instances start as at start-up.
    const statesBefore = new Map(kept.map((instance) => [instance, instance.state]));
    this.initialiseTrackingPriorities();
    for (const instance of kept) {
      const before = statesBefore.get(instance) ?? instance.state;
      if (instance.state === 'FAULT' && before !== 'FAULT') {
        // The new config's tracking puts it in FAULT: leave the old state the way keepalived does.
        instance.state = before;
        instance.wantState = 'FAULT';
        if (before === 'MASTER') this.leaveMaster(instance, true);
        else this.leaveFault(instance);
      } else if (before === 'FAULT' && instance.isUp && instance.numScriptInit === 0) {
        // Whatever held it in FAULT is gone from the new config: it comes up as BACKUP.
        instance.wantState = 'BACKUP';
        this.leaveFault(instance);
      }
    }
    // Instances no longer configured: release and report them.
    for (const instance of oldInstances.values()) {
      if (instance.state === 'MASTER') this.restoreInterface(instance, true);
      const from = instance.state;
      instance.state = 'FAULT';
      this.transition(instance, from, 'deleted at reload');
      this.sendInstanceNotifies(instance);
    }
    // A kept MASTER sets its VIPs again (keepalived logs it), announces them all when the reload
    // added one, and its advert timer is due at once (keepalived's reload_master: sands =
    // time_now), so the advert with the new settings leaves from the timer once the reload is done,
    // after the GARPs (lab: 30-43 ms after the old one), and the timer restarts from it: a new
    // priority or advert_int shows at once (keepalived 2.2.7, lab).
    for (const instance of kept) {
      if (instance.state !== 'MASTER') continue;
      if (this.logging) this.log(`(${instance.name}) setting VIPs.`);
      if (freshVips.has(instance)) this.sendLinkUpdate(instance, instance.config.garpMasterRepeat);
      instance.masterAdvertIntervalMs = instance.advertIntervalMs;
      instance.sands = this.now;
      instance.reloadMaster = true;
    }
    this.completeInit(added);
    this.initState(added, this.groups.filter((group) => !oldGroups.has(group.config.name)), true);
    for (const instance of added) this.initSands(instance);
    this.scriptSlots = new Map([...this.scripts.values()].map((tracker) => [tracker, newSlot(() => this.runScript(tracker))]));
    for (const tracker of this.scripts.values()) this.armScript(tracker, Number.isFinite(tracker.nextRunAt) ? tracker.nextRunAt : this.now);
    return this.finish();
  }

  /** Graceful shutdown (SIGTERM): masters resign with priority 0, VIPs go, notify_stop runs. */
  private stop(): void {
    if (!this.running) return;
    if (this.logging) this.log('Stopping');
    for (const instance of this.instances) {
      if (instance.state === 'MASTER') this.restoreInterface(instance, true);
    }
    for (const instance of this.instances) {
      const from = instance.state;
      instance.state = 'STOP';
      instance.sands = Number.POSITIVE_INFINITY;
      this.transition(instance, from, 'shutdown');
      this.sendInstanceNotifies(instance);
    }
    for (const group of this.groups) {
      group.state = 'STOP';
      this.sendGroupNotifies(group);
    }
    this.running = false;
    this.delayedGarps = [];
  }

  private linkTracking(): void {
    for (const instance of this.instances) {
      const { config } = instance;
      // The instance's own interface is always tracked for FAULT unless dont_track_primary.
      if (!config.dontTrackPrimary) instance.interfaces.push({ iface: config.interface, weight: 0, multiplier: 1 });
      for (const ref of config.trackInterfaces) {
        if (ref.name === config.interface) {
          if (this.logging) this.log(`(${config.name}) Ignoring track_interface ${ref.name} since own interface`);
          continue;
        }
        instance.interfaces.push({ iface: ref.name, weight: ref.weight ?? 0, multiplier: ref.reverse ? -1 : 1 });
      }
      for (const ref of config.trackScripts) this.linkScript(instance, ref);
      for (const ref of config.trackFiles) this.linkFile(instance, ref);
      for (const ref of config.trackProcesses ?? []) this.linkProcess(instance, ref, false);
    }
  }

  /** keepalived's add_vrrp_to_track_process(). */
  private linkProcess(instance: InstanceState, ref: { name: string; weight?: number; reverse?: boolean }, fromGroup: boolean): void {
    const tracker = this.processes.get(ref.name);
    if (tracker === undefined) return;
    const weight = ref.weight ?? tracker.config.weight;
    const existing = instance.processes.find((link) => link.trackProcess === ref.name);
    if (existing !== undefined && fromGroup) {
      // Tracked by the instance and its sync group: the group's weight, unless the instance's is 0
      // (2.2.7 keeps the instance's reverse flag).
      if (this.logging) this.log(`(${instance.name}) track_process ${ref.name} is configured on VRRP instance and sync group. Remove vrrp instance config`);
      if (existing.weight !== 0) existing.weight = weight;
      return;
    }
    instance.processes.push({ trackProcess: ref.name, weight, multiplier: (ref.reverse ?? tracker.config.weightReverse) ? -1 : 1 });
  }

  private linkFile(instance: InstanceState, ref: { name: string; weight?: number; reverse?: boolean }): void {
    const file = this.config.trackFiles.find((candidate) => candidate.name === ref.name);
    if (file === undefined) return;
    instance.files.push({
      trackFile: file.name,
      weight: ref.weight ?? file.weight,
      multiplier: (ref.reverse ?? file.weightReverse) ? -1 : 1,
    });
  }

  private linkScript(instance: InstanceState, ref: { name: string; weight?: number; reverse?: boolean }): void {
    const tracker = this.scripts.get(ref.name);
    if (tracker === undefined) return;
    instance.scripts.push({
      tracker,
      weight: ref.weight ?? tracker.config.weight,
      multiplier: (ref.reverse ?? tracker.config.weightReverse) ? -1 : 1,
    });
  }

  private linkSyncGroups(): void {
    for (const group of this.groups) {
      for (const member of group.config.members) {
        const instance = this.instances.find((candidate) => candidate.name === member);
        if (instance === undefined || instance.sync !== undefined) continue;
        instance.sync = group;
        group.members.push(instance);
        // vrrp_sync_set_group: the group starts MASTER only if its members are address owners wanting MASTER.
        if (group.state !== 'BACKUP') {
          group.state = instance.wantState === 'MASTER' && instance.basePriority === PRIORITY_OWNER ? 'MASTER' : 'BACKUP';
        }
      }
      for (const instance of group.members) {
        for (const ref of group.config.trackScripts) this.linkScript(instance, ref);
        // A sync group's track_file counts for every member with its weight (lab, 2.2.7: value 2 x -20: 100 -> 60 on both).
        for (const ref of group.config.trackFiles) this.linkFile(instance, ref);
        for (const ref of group.config.trackProcesses ?? []) this.linkProcess(instance, ref, true);
        for (const ref of group.config.trackInterfaces) {
          instance.interfaces.push({ iface: ref.name, weight: ref.weight ?? 0, multiplier: ref.reverse ? -1 : 1 });
        }
      }
    }
    this.groups = this.groups.filter((group) => group.members.length > 0);
  }

  /** keepalived's initialise_tracking_priorities(): initial FAULTs and weights before the first state. */
  private initialiseTrackingPriorities(): void {
    for (const instance of this.instances) {
      for (const link of instance.interfaces) {
        const up = this.isLinkUp(link.iface);
        if (link.weight === 0) {
          if (up !== (link.multiplier === 1)) {
            if (this.logging) this.log(`(${instance.name}): entering FAULT state (interface ${link.iface} down)`);
            instance.state = 'FAULT';
            instance.numScriptIfFault++;
          }
        } else if (up ? link.weight > 0 : link.weight < 0) {
          instance.totalPriority += link.weight * link.multiplier;
        }
      }
      for (const link of instance.files) {
        const status = this.fileStatus(link);
        if (status <= FILE_FAULT_STATUS) {
          if (this.logging) this.log(`(${instance.name}): entering FAULT state (tracked file ${link.trackFile} has status ${status})`);
          instance.state = 'FAULT';
          instance.numScriptIfFault++;
        } else {
          instance.totalPriority += Math.min(status, 253);
        }
      }
    }
    // keepalived's initialise_process_tracking_priorities(), after interfaces and files.
    for (const instance of this.instances) {
      for (const link of instance.processes) {
        const tracker = this.processes.get(link.trackProcess);
        if (tracker === undefined) continue;
        tracker.haveQuorum = quorumOf(tracker.config, tracker.count);
        if (link.weight === 0) {
          if (tracker.haveQuorum !== (link.multiplier === 1)) {
            if (this.logging) this.log(`(${instance.name}) entering FAULT state (tracked process ${link.trackProcess} quorum not achieved)`);
            instance.state = 'FAULT';
            instance.numScriptIfFault++;
          }
        } else if (tracker.haveQuorum ? link.weight > 0 : link.weight < 0) {
          instance.totalPriority += link.weight * link.multiplier;
        }
      }
    }
    for (const instance of this.instances) {
      if (instance.sourceAddress === undefined) {
        if (this.logging) this.log(`(${instance.name}) entering FAULT state (no IPv${instance.config.family} address for interface)`);
        instance.state = 'FAULT';
        instance.numScriptIfFault++;
        instance.noSourceFault = true;
      }
      for (const link of instance.scripts) {
        const { tracker } = link;
        if (link.weight === 0) {
          if (tracker.initState === 'init') instance.numScriptInit++;
          else if (tracker.initState === 'failed' || !scriptSucceeding(tracker)) {
            instance.numScriptIfFault++;
            if (this.logging) this.log(`(${instance.name}): entering FAULT state due to script ${tracker.config.name}`);
            instance.state = 'FAULT';
          }
          continue;
        }
        if (instance.basePriority === PRIORITY_OWNER) continue;
        if (tracker.initState !== 'init') {
          if (scriptSucceeding(tracker) ? link.weight > 0 : link.weight < 0) instance.totalPriority += link.weight;
        }
      }
      this.setEffectivePriority(instance);
      const group = instance.sync;
      if (group !== undefined) {
        if (instance.state === 'FAULT') {
          if (group.state !== 'FAULT') {
            group.state = 'FAULT';
            if (this.logging) this.log(`VRRP_Group(${group.config.name}): Syncing ${instance.name} to FAULT state`);
          }
          group.numMemberFault++;
        }
        if (instance.numScriptInit > 0) {
          group.numMemberInit++;
          if (group.state !== 'FAULT') group.state = 'INIT';
        }
      }
    }
  }

  /**
   * The end of keepalived's vrrp_complete_init(): a sync group with members wanting MASTER and
   * members that are not address owners starts them all as BACKUP; an instance already in FAULT
   * (an interface down, a weight-0 script with init_fail, a faulted sync group) is announced now,
   * with its notify_fault — checked against keepalived 2.2.7 in a netns lab.
   */
  private completeInit(instances: InstanceState[]): void {
    for (const group of this.groups) {
      const anyBackup = group.members.some((member) => member.wantState === 'BACKUP' || member.basePriority !== PRIORITY_OWNER);
      if (anyBackup) for (const member of group.members) if (member.wantState === 'MASTER') member.wantState = 'BACKUP';
    }
    for (const instance of instances) {
      if (instance.state !== 'FAULT' && instance.sync?.state !== 'FAULT') continue;
      instance.state = 'FAULT';
      if (this.logging) this.log(`(${instance.name}) entering FAULT state`);
      this.transition(instance, 'INIT', 'fault at start');
      this.sendInstanceNotifies(instance);
    }
  }

  /** keepalived's vrrp_init_state() (RFC 3768 6.4.1), for a fresh start. */
  private initState(instances: InstanceState[], groups: SyncGroupState[], reloading = false): void {
    for (const group of groups) {
      if (group.state === 'FAULT' || group.state === 'BACKUP') this.sendGroupNotifies(group);
    }
    for (const instance of instances) {
      this.emitVips('remove-vips', instance, instance.vips);
      // keepalived logs this at start-up only, not for an instance a reload adds.
      if (this.logging && !reloading) this.log(`(${instance.name}) removing VIPs.`);
      // keepalived 2.3+ logs it twice at start (captures/auth-hmac, every host).
      if (this.logging && !reloading && this.options.keepalivedVersion === '2.4') this.log(`(${instance.name}) removing VIPs.`);
      if (!reloading) this.firewall(instance, false);
    }
    for (const instance of instances) {
      const beginState = instance.state;
      if (instance.state === 'FAULT') instance.wantState = 'FAULT';
      const newState = instance.sync ? instance.sync.state : instance.wantState;
      const noInit = instance.numScriptInit === 0 && (instance.sync === undefined || instance.sync.numMemberInit === 0);
      if (instance.isUp && newState === 'MASTER' && noInit && instance.basePriority === PRIORITY_OWNER && instance.wantState === 'MASTER') {
        // keepalived's "simplest way to become master": time out of BACKUP almost at once (1 us).
        instance.state = 'BACKUP';
        instance.downTimerMs = 0.001;
        continue;
      }
      if (newState === 'BACKUP' && instance.wantState === 'MASTER') {
        // A sync member configured MASTER waits one advert interval for another master to show up.
        instance.downTimerMs = instance.masterAdvertIntervalMs + minimumSkewMs(instance.version, instance.masterAdvertIntervalMs);
      } else {
        instance.downTimerMs = this.masterDownInterval(instance);
      }
      if (instance.isUp && newState !== 'FAULT' && noInit) {
        if (instance.state !== 'BACKUP') {
          if (this.logging) this.log(`(${instance.name}) Entering BACKUP STATE (init)`);
          instance.state = 'BACKUP';
        }
      } else {
        if (this.logging && beginState !== instance.state) this.log(`(${instance.name}) Entering FAULT STATE (init)`);
        instance.state = 'FAULT';
      }
      // Entering FAULT here is never logged (keepalived's check runs before the state is set) and
      // notified only for a failed script: waiting for a first script result is silent.
      if (beginState !== instance.state) this.transition(instance, beginState, 'init', instance.state === 'FAULT' && instance.numScriptIfFault === 0);
      if (beginState !== instance.state && (instance.state !== 'FAULT' || instance.numScriptIfFault > 0)) {
        this.sendInstanceNotifies(instance);
      }
    }
  }

  // ---------------------------------------------------------------- timers

  private masterDownInterval(instance: InstanceState): number {
    return masterDownIntervalMs(instance.version, instance.effectivePriority, instance.masterAdvertIntervalMs);
  }

  private skew(instance: InstanceState): number {
    return skewTimeMs(instance.version, instance.effectivePriority, instance.masterAdvertIntervalMs);
  }

  /** keepalived's vrrp_init_instance_sands(). */
  private initSands(instance: InstanceState): void {
    if (instance.state === 'MASTER') instance.sands = this.now + instance.advertIntervalMs;
    else if (instance.state === 'BACKUP') instance.sands = this.now + instance.downTimerMs;
    else instance.sands = Number.POSITIVE_INFINITY;
  }

  /** keepalived's vrrp_dispatcher_read_timeout() for one instance. */
  private instanceTimer(instance: InstanceState): void {
    const prevState = instance.state;
    if (instance.state === 'BACKUP') {
      if (this.logging) this.log(`(${instance.name}) Receive advertisement timeout`);
      instance.wantState = 'MASTER';
      this.gotoMaster(instance);
    } else if (instance.state === 'MASTER') {
      this.masterTx(instance);
    }
    this.tsmHandle(prevState, instance);
    // keepalived re-queues the instance whose timer fired after its state change, the sync group's
    // members it took along included: at the same time they fire before it (tcpdump: the member
    // synced to MASTER sends every later advert ahead of the one that timed out).
    instance.sands = Number.POSITIVE_INFINITY;
    this.initSands(instance);
    // keepalived's reload_master advert leaves when its thread runs after the reload, and the next
    // one is counted from then (vrrp_init_instance_sands() after the send reads the clock).
    if (instance.reloadMaster) {
      instance.reloadMaster = false;
      if (instance.state === 'MASTER') instance.sands = Math.max(this.now, this.servedAt) + instance.advertIntervalMs;
    }
  }

  private armScript(tracker: ScriptTracker, at: number): void {
    tracker.nextRunAt = at;
    const slot = this.scriptSlots.get(tracker);
    if (slot !== undefined) this.timers.set(slot, at);
  }

  private delayGarp(instance: InstanceState, delayMs: number, repeat: number): void {
    const garp: DelayedGarp = { slot: newSlot(() => this.fireDelayedGarp(garp)), instance, repeat };
    this.delayedGarps.push(garp);
    this.timers.set(garp.slot, this.now + delayMs);
  }

  private fireDelayedGarp(garp: DelayedGarp): void {
    this.delayedGarps = this.delayedGarps.filter((candidate) => candidate !== garp);
    this.sendLinkUpdate(garp.instance, garp.repeat);
  }

  private runScript(tracker: ScriptTracker): void {
    const { config } = tracker;
    // keepalived re-arms the timer before running, whatever the previous run is doing.
    this.armScript(tracker, this.now + config.intervalMs);
    if (this.logging && tracker.running) this.log(`Track script ${config.name} is already running, expect idle - skipping run`);
    tracker.running = true;
    this.emit({ type: 'run-script', script: config.name, command: config.script, timeoutMs: config.timeoutMs, user: config.user });
  }

  // ---------------------------------------------------------------- priorities and tracking

  /** keepalived's vrrp_set_effective_priority(): clamp to 1..254; a BACKUP's down timer moves with it. */
  private setEffectivePriority(instance: InstanceState): void {
    if (instance.basePriority === PRIORITY_OWNER) return;
    const newPriority = Math.max(1, Math.min(PRIORITY_OWNER - 1, instance.totalPriority));
    if (newPriority === instance.effectivePriority) return;
    if (this.logging) this.log(`(${instance.name}) Changing effective priority from ${instance.effectivePriority} to ${newPriority}`);
    this.emit({ type: 'priority', instance: instance.name, vrid: instance.vrid, from: instance.effectivePriority, to: newPriority });
    instance.effectivePriority = newPriority;
    const oldDownTimer = instance.downTimerMs;
    instance.downTimerMs = this.masterDownInterval(instance);
    if (instance.state === 'BACKUP') instance.sands += instance.downTimerMs - oldDownTimer;
    // keepalived 2.2.7 does not send an advert when a MASTER's priority changes: the new
    // priority goes out with the next scheduled advert (no vrrp_send_adv in this path).
  }

  private scriptResult(name: string, exitCode: number, timedOut: boolean): void {
    if (!this.running) return;
    const tracker = this.scripts.get(name);
    if (tracker === undefined) return;
    const lines: string[] | undefined = this.logging ? [] : undefined;
    const outcome = applyScriptResult(tracker, exitCode, timedOut, lines);
    if (lines !== undefined) {
      for (const line of lines) this.log(line);
    } else if (outcome.changed) {
      // Without log lines, a driver still learns what "VRRP_Script(name) succeeded/failed" would tell.
      this.emit({ type: 'script-state', script: name, ok: outcome.succeeded });
    }
    if (!outcome.changed) return;
    for (const instance of this.instances) {
      for (const link of instance.scripts) {
        if (link.tracker === tracker) this.updateScriptPriority(instance, link, outcome.succeeded, outcome.initStateBefore);
      }
    }
  }

  /** keepalived's process_script_update_priority(). */
  private updateScriptPriority(instance: InstanceState, link: WeightedLink, ok: boolean, initState: ScriptInitState): void {
    if (link.weight === 0) {
      let leftInit = false;
      if (initState === 'init') {
        instance.numScriptInit--;
        if (instance.numScriptInit === 0) {
          leftInit = true;
          if (instance.sync) instance.sync.numMemberInit--;
        }
      }
      if (ok !== (link.multiplier === 1)) this.downInstance(instance);
      else if (instance.numScriptInit === 0 && (instance.sync === undefined || instance.sync.numMemberInit === 0)) {
        this.tryUpInstance(instance, leftInit);
      }
      return;
    }
    if (instance.basePriority === PRIORITY_OWNER) return;
    if (initState === 'init') {
      if (ok ? link.weight > 0 : link.weight < 0) instance.totalPriority += link.weight * link.multiplier;
    } else {
      instance.totalPriority += (ok ? 1 : -1) * Math.abs(link.weight) * link.multiplier;
    }
    this.setEffectivePriority(instance);
  }

  private isLinkUp(iface: string): boolean {
    return this.linkUp.get(iface) ?? true;
  }

  private link(iface: string, up: boolean): void {
    if (this.isLinkUp(iface) === up) return;
    this.linkUp.set(iface, up);
    if (!this.running) return;
    const affected = this.instances.filter((instance) => instance.interfaces.some((link) => link.iface === iface));
    // keepalived logs the change of an interface some instance is on or tracks, dont_track_primary's
    // own included: it is still on the interface's tracking list (process_interface_flags_change).
    const known = affected.length > 0 || this.instances.some((instance) => instance.config.interface === iface);
    if (this.logging && known) this.log(`Netlink reports ${iface} ${up ? 'up' : 'down'}`);
    // keepalived's process_if_status_change().
    for (const instance of affected) {
      for (const link of instance.interfaces) {
        if (link.iface !== iface) continue;
        if (link.weight !== 0) {
          if (instance.basePriority !== PRIORITY_OWNER) {
            instance.totalPriority += (up ? 1 : -1) * Math.abs(link.weight) * link.multiplier;
            this.setEffectivePriority(instance);
          }
        } else if (up === (link.multiplier === 1)) {
          this.tryUpInstance(instance, false);
        } else {
          this.downInstance(instance);
        }
      }
    }
  }

  /**
   * keepalived's netlink_if_address_filter() for an instance's interface (non-VMAC): the first
   * address of a family becomes the interface's (IPv6: link-local ones only), later ones are
   * spares that replace it when it goes. An instance that was in FAULT for want of an address
   * takes the new one and comes up; one whose address went with no spare goes to FAULT (a MASTER
   * resigning with priority 0). A VIP of a MASTER removed by someone else sends it to BACKUP,
   * with a down timer of the skew only, so that it takes over again at once. Measured on
   * keepalived 2.2.7 in a netns lab: FAULT at start, "Assigned address" and BACKUP the moment
   * the address is added, MASTER after Master_Down_Interval.
   */
  private address(iface: string, family: 4 | 6, address: string, present: boolean, linkScope: boolean, prefixLength: number | undefined): void {
    const ours = this.instances.filter((instance) => instance.config.interface === iface);
    const isVip = (instance: InstanceState) =>
      instance.config.virtualIpaddresses.some((vip) => vip.family === family && vip.address === address) ||
      instance.config.virtualIpaddressesExcluded.some((vip) => vip.address === address);
    const primaries = family === 4 ? this.env.interfaceAddresses : (this.env.interfaceAddresses6 ??= {});
    const spares = this.spareAddresses.get(`${iface}/${family}`) ?? [];
    this.spareAddresses.set(`${iface}/${family}`, spares);
    let changed = false;
    if (present) {
      if ((family === 6 && !linkScope) || ours.some(isVip)) return;
      if (primaries[iface] === undefined) {
        primaries[iface] = address;
        changed = ours.length > 0;
      } else if (primaries[iface] !== address && !spares.includes(address)) spares.push(address);
      if (!changed || !this.running) return;
      if (this.logging) this.log(`Assigned address ${address} for interface ${iface}`);
      for (const instance of ours) {
        if (instance.config.family !== family || instance.sourceAddress !== undefined || !instance.noSourceFault) continue;
        instance.sourceAddress = address;
        instance.noSourceFault = false;
        this.tryUpInstance(instance, false);
      }
      return;
    }
    if (family === 4 || linkScope) {
      if (primaries[iface] === address) {
        const spare = spares.pop();
        if (spare === undefined) changed = true;
        else {
          primaries[iface] = spare;
          for (const instance of ours) if (instance.config.family === family && !sourceFromConfig(instance)) instance.sourceAddress = spare;
        }
      } else {
        const at = spares.indexOf(address);
        if (at >= 0) spares.splice(at, 1);
      }
    }
    if (changed && ours.length > 0) {
      delete primaries[iface];
      if (!this.running) return;
      if (this.logging) this.log(`Deassigned address ${address} from interface ${iface}`);
      for (const instance of ours) {
        if (instance.config.family !== family || instance.sourceAddress !== address || sourceFromConfig(instance)) continue;
        // No IPv6 advert can go out without an address; an IPv4 one still does (its priority 0).
        if (family === 6) instance.sourceAddress = undefined;
        instance.noSourceFault = true;
        this.downInstance(instance);
        instance.sourceAddress = undefined;
      }
      return;
    }
    if (changed) delete primaries[iface];
    if (!this.running) return;
    // keepalived's address_is_ours(): a VIP (or eVIP) of a MASTER, with its prefix length. The VIPs
    // an instance removes itself are gone from it by then: not reported.
    const owner = this.instances.find(
      (instance) =>
        instance.state === 'MASTER' &&
        [...(instance.config.family === family ? instance.config.virtualIpaddresses : []), ...instance.config.virtualIpaddressesExcluded].some(
          (vip) => vip.address === address && (vip.dev ?? instance.config.interface) === iface && (prefixLength === undefined || vip.prefixLength === prefixLength),
        ),
    );
    if (owner === undefined) return;
    if (this.logging) this.log(`Netlink reflector reports IP ${address} removed from ${iface}`);
    if (owner.state === 'MASTER') this.setBackup(owner);
  }

  /** keepalived's set_vrrp_backup(): a MASTER whose VIP was removed steps down, to take over again at once. */
  private setBackup(instance: InstanceState): void {
    instance.wantState = 'BACKUP';
    this.leaveMaster(instance, true);
    const group = instance.sync;
    if (group !== undefined) {
      for (const member of group.members) {
        if (member.state !== 'MASTER') continue;
        member.wantState = 'BACKUP';
        this.leaveMaster(member, true);
        member.downTimerMs = this.skew(member);
        this.initSands(member);
      }
      group.state = 'BACKUP';
    }
    instance.downTimerMs = this.skew(instance);
    this.initSands(instance);
  }

  private fileStatus(link: { trackFile: string; weight: number; multiplier: 1 | -1 }): number {
    const value = this.files.get(link.trackFile)?.value ?? 0;
    if (link.weight === 0) return (value !== 0) === (link.multiplier === 1) ? FILE_FAULT_STATUS : 0;
    return value * link.weight * link.multiplier;
  }

  private fileValue(name: string, value: number): void {
    const file = this.files.get(name);
    if (file === undefined || file.value === value) {
      if (file === undefined) this.files.set(name, { value });
      return;
    }
    if (!this.running) {
      file.value = value;
      return;
    }
    const before = new Map<InstanceState, number[]>();
    for (const instance of this.instances) before.set(instance, instance.files.map((link) => this.fileStatus(link)));
    file.value = value;
    for (const instance of this.instances) {
      instance.files.forEach((link, index) => {
        if (link.trackFile !== name) return;
        const oldStatus = before.get(instance)?.[index] ?? 0;
        const newStatus = this.fileStatus(link);
        const wasFault = oldStatus <= FILE_FAULT_STATUS;
        const isFault = newStatus <= FILE_FAULT_STATUS;
        if (!wasFault) instance.totalPriority -= Math.min(oldStatus, 253);
        if (!isFault) instance.totalPriority += Math.min(newStatus, 253);
        if (wasFault && !isFault) this.tryUpInstance(instance, false);
        if (!wasFault && isFault) this.downInstance(instance);
        if (!isFault) this.setEffectivePriority(instance);
      });
    }
  }

  /** A new count of a vrrp_track_process's processes (the driver's process events). */
  private processCount(name: string, count: number, fork: boolean): void {
    const tracker = this.processes.get(name);
    if (tracker === undefined) return;
    if (!this.running) {
      tracker.count = count;
      tracker.haveQuorum = quorumOf(tracker.config, count);
      return;
    }
    const change = countChange(tracker, count, fork);
    if (change.cancel !== undefined) this.timers.set(change.cancel === 'fork' ? tracker.forkTimer : tracker.terminateTimer, Number.POSITIVE_INFINITY);
    if (change.arm === 'fork') this.timers.set(tracker.forkTimer, this.now + tracker.config.forkDelayMs);
    if (change.arm === 'terminate') this.timers.set(tracker.terminateTimer, this.now + tracker.config.terminateDelayMs);
    if (change.report !== undefined) this.processStatus(tracker, change.report);
  }

  /** process_gained_quorum_timer_thread / process_lost_quorum_timer_thread: the delay is over. */
  private processTimer(tracker: ProcessTracker): void {
    this.processStatus(tracker, quorumOf(tracker.config, tracker.count));
  }

  /** keepalived's update_process_status() and process_update_track_process_status(). */
  private processStatus(tracker: ProcessTracker, up: boolean): void {
    if (tracker.haveQuorum === up) return;
    tracker.haveQuorum = up;
    if (this.logging) this.log(`Quorum ${up ? 'gained' : 'lost'} for tracked process ${tracker.config.name}`);
    this.emit({ type: 'process-state', trackProcess: tracker.config.name, ok: up });
    for (const instance of this.instances) {
      for (const link of instance.processes) {
        if (link.trackProcess !== tracker.config.name) continue;
        if (link.weight === 0) {
          if (up === (link.multiplier === 1)) this.tryUpInstance(instance, false);
          else this.downInstance(instance);
        } else if (instance.basePriority !== PRIORITY_OWNER) {
          instance.totalPriority += ((link.weight > 0) === up ? 1 : -1) * link.weight * link.multiplier;
          this.setEffectivePriority(instance);
        }
      }
    }
  }

  /** keepalived's down_instance(): a tracked item failed with weight 0 (or an interface went down). */
  private downInstance(instance: InstanceState): void {
    const first = instance.numScriptIfFault === 0;
    instance.numScriptIfFault++;
    if (!first && instance.state !== 'INIT') return;
    instance.wantState = 'FAULT';
    if (instance.state === 'MASTER') this.leaveMaster(instance, true);
    else this.leaveFault(instance);
    if (instance.sync) {
      const groupFirst = instance.sync.numMemberFault === 0;
      instance.sync.numMemberFault++;
      if (groupFirst) this.syncFault(instance);
    }
  }

  /** keepalived's try_up_instance(). */
  private tryUpInstance(instance: InstanceState, leavingInit: boolean): void {
    if (leavingInit) {
      if (instance.numScriptIfFault > 0) return;
    } else {
      instance.numScriptIfFault--;
      if (instance.numScriptIfFault > 0 || instance.numScriptInit > 0) {
        if (instance.numScriptIfFault === 0) {
          if (instance.sync) {
            instance.sync.numMemberFault--;
            instance.sync.state = 'INIT';
          }
          instance.wantState = 'BACKUP';
        }
        return;
      }
    }
    const ownerWantsMaster = instance.wantState === 'MASTER' && instance.basePriority === PRIORITY_OWNER;
    if (!ownerWantsMaster) instance.wantState = 'BACKUP';
    instance.masterAdvertIntervalMs = instance.advertIntervalMs;
    instance.downTimerMs = ownerWantsMaster ? instance.masterAdvertIntervalMs + this.skew(instance) : this.masterDownInterval(instance);
    if (instance.sync) {
      if (leavingInit) {
        if (instance.sync.numMemberFault > 0) return;
      } else {
        instance.sync.numMemberFault--;
        if (instance.sync.numMemberFault > 0 || instance.sync.numMemberInit > 0) return;
      }
    }
    const wantState = instance.wantState;
    if (instance.sync && instance.wantState === 'MASTER' && !this.syncCanGotoMaster(instance)) instance.wantState = 'BACKUP';
    this.leaveFault(instance);
    this.initSands(instance);
    instance.wantState = wantState;
    if (instance.sync) {
      if (instance.state === 'MASTER') this.syncMaster(instance);
      else this.syncBackup(instance);
    }
  }

  // ---------------------------------------------------------------- state transitions (vrrp.c)

  private transition(instance: InstanceState, from: VrrpState, reason: string, silent = false): void {
    this.emit({
      type: 'transition',
      instance: instance.name,
      vrid: instance.vrid,
      from,
      to: instance.state,
      priority: instance.effectivePriority,
      reason,
      ...(silent ? { silent: true as const } : {}),
    });
  }

  /** The host's wall clock now, ms since the epoch (UTC). */
  private get wallMs(): number {
    return this.now + this.wallOffsetMs;
  }

  private sendAdvert(instance: InstanceState, priority: number): void {
    const { config } = instance;
    // keepalived 2.4.3 signs once per advert (vrrp_auth_hmac_sign, in enforce and permissive
    // modes): the trailer's sequence is taken here, as the advert is built.
    const hmac = instance.hmac?.sign(this.wallMs) ?? undefined;
    this.emit({
      type: 'send-advert',
      instance: instance.name,
      iface: config.interface,
      advert: instance.advert(priority),
      src: instance.sourceAddress,
      unicastPeers: config.unicastPeers.length > 0 ? [...config.unicastPeers] : undefined,
      // keepalived 2.2.7 (netns lab, tcpdump): with use_vmac its adverts come from the VMAC's address
      // (00:00:5e:00:01:VRID), with vmac_xmit_base from the base interface's; the source IP is the
      // base interface's either way (the VMAC holds only the VIPs).
      ...(config.useVmac && config.vmacXmitBase !== true ? { vmac: vipPlace(config).vmac } : {}),
      ...(hmac !== undefined ? { hmac } : {}),
    });
    instance.stats.advert_sent++;
  }

  /** keepalived's vrrp_send_link_update(): `repeat` GARPs per VIP, only while the VIPs are set. */
  private sendLinkUpdate(instance: InstanceState, repeat: number): void {
    if (!instance.vipSet || repeat <= 0 || instance.vips.length === 0) return;
    for (const vip of instance.vips) {
      const what = vip.includes(':') ? 'Unsolicited Neighbour Adverts' : 'gratuitous ARPs';
      if (this.logging) this.log(`(${instance.name}) Sending/queueing ${what} on ${vipPlace(instance.config, vip).iface} for ${vip}`);
    }
    for (const group of vipGroups(instance.config, instance.vips)) this.emit({ type: 'send-garp', instance: instance.name, ...group.place, addresses: group.addresses, count: repeat });
  }

  /** VIPs added or removed, one action per interface that carries them (a VMAC and the base: vipPlace). */
  private emitVips(type: 'add-vips' | 'remove-vips', instance: InstanceState, addresses: readonly string[]): void {
    for (const group of vipGroups(instance.config, addresses)) this.emit({ type, instance: instance.name, ...group.place, addresses: group.addresses });
  }

  private gotoMaster(instance: InstanceState): void {
    if (instance.sync && !this.syncCanGotoMaster(instance)) {
      instance.wantState = 'MASTER';
      return;
    }
    const from = instance.state;
    instance.state = 'MASTER';
    instance.logged.clear();
    this.initSands(instance);
    this.masterTx(instance, from);
  }

  /** keepalived's vrrp_state_master_tx(): advert first, so the old master drops the VIPs before our GARPs. */
  private masterTx(instance: InstanceState, from: VrrpState = 'MASTER'): void {
    this.sendAdvert(instance, instance.effectivePriority);
    if (!instance.vipSet) {
      if (this.logging) this.log(`(${instance.name}) Entering MASTER STATE`);
      this.transition(instance, from, from === 'BACKUP' ? 'master-down timer expired' : 'became master');
      this.becomeMaster(instance);
      if (instance.config.garpMasterDelayMs > 0) {
        this.delayGarp(instance, instance.config.garpMasterDelayMs, instance.config.garpMasterRepeat);
      }
    } else if (instance.config.garpMasterRefreshMs > 0 && this.now > instance.garpRefreshAt) {
      this.sendLinkUpdate(instance, instance.config.garpMasterRefreshRepeat);
      instance.garpRefreshAt = this.now + instance.config.garpMasterRefreshMs;
    }
  }

  private becomeMaster(instance: InstanceState): void {
    instance.stats.become_master++;
    if (instance.version === 3 && instance.masterAdvertIntervalMs !== instance.advertIntervalMs) {
      if (this.logging) this.log(`(${instance.name}) changing advert interval from ${instance.masterAdvertIntervalMs}ms to locally configured ${instance.advertIntervalMs}ms`);
      instance.masterAdvertIntervalMs = instance.advertIntervalMs;
    }
    this.firewall(instance, true);
    this.emitVips('add-vips', instance, instance.vips);
    if (this.logging) this.log(`(${instance.name}) setting VIPs.`);
    instance.vipSet = true;
    this.sendLinkUpdate(instance, instance.config.garpMasterRepeat);
    if (instance.config.garpMasterRefreshMs > 0) instance.garpRefreshAt = this.now + instance.config.garpMasterRefreshMs;
    this.sendInstanceNotifies(instance);
  }

  /** keepalived's vrrp_restore_interface(): optional priority-0 advert, then the VIPs go. */
  private restoreInterface(instance: InstanceState, resign: boolean): void {
    if (resign) {
      this.sendAdvert(instance, PRIORITY_STOP);
      instance.stats.pri_zero_sent++;
      if (this.logging) this.log(`(${instance.name}) sent 0 priority`);
    }
    for (const garp of this.delayedGarps) if (garp.instance === instance) this.timers.set(garp.slot, Number.POSITIVE_INFINITY);
    this.delayedGarps = this.delayedGarps.filter((garp) => garp.instance !== instance);
    if (instance.vipSet) {
      this.emitVips('remove-vips', instance, instance.vips);
      if (this.logging) this.log(`(${instance.name}) removing VIPs.`);
      this.firewall(instance, false);
      instance.vipSet = false;
    }
  }

  /**
   * keepalived's vrrp_handle_accept_mode(): with accept mode off (and not the address owner) the
   * VIPs go into the firewall's drop sets as the instance becomes MASTER, before the VIPs are
   * added, and out after they are removed (lab, 2.2.7: "(VI_1) setting firewall drop rule").
   */
  private firewall(instance: InstanceState, add: boolean): void {
    if (acceptMode(instance.config, this.config.globalDefs)) return;
    if (this.logging) this.log(`(${instance.name}) ${add ? 'setting' : 'removing'} firewall drop rule`);
    const addresses = [...instance.config.virtualIpaddresses, ...instance.config.virtualIpaddressesExcluded].map((vip) => ({
      address: vip.address,
      family: vip.family,
      iface: vip.dev ?? instance.config.interface,
    }));
    this.emit({ type: 'firewall', instance: instance.name, add, addresses });
  }

  private leaveMaster(instance: InstanceState, resign: boolean): void {
    if (instance.wantState === 'BACKUP' || instance.wantState === 'FAULT') instance.logged.clear();
    if (instance.wantState === 'BACKUP') {
      if (this.logging) this.log(`(${instance.name}) Entering BACKUP STATE`);
      instance.preemptTime = 0;
    } else if (instance.wantState === 'FAULT') {
      if (this.logging) this.log(`(${instance.name}) Entering FAULT STATE`);
      this.sendAdvert(instance, PRIORITY_STOP);
    } else {
      return;
    }
    this.restoreInterface(instance, resign);
    const from = instance.state;
    instance.state = instance.wantState;
    this.transition(instance, from, instance.state === 'FAULT' ? 'fault' : 'higher priority master');
    this.sendInstanceNotifies(instance);
    instance.downTimerMs = this.masterDownInterval(instance);
    this.initSands(instance);
    instance.stats.release_master++;
  }

  private leaveFault(instance: InstanceState): void {
    if (instance.wantState === 'MASTER') {
      this.gotoMaster(instance);
    } else {
      const from = instance.state;
      if (instance.state !== instance.wantState) {
        if (this.logging) this.log(`(${instance.name}) Entering ${instance.wantState === 'BACKUP' ? 'BACKUP' : 'FAULT'} STATE`);
      }
      if (instance.wantState === 'FAULT' && instance.state === 'MASTER') {
        this.sendAdvert(instance, PRIORITY_STOP);
        this.restoreInterface(instance, false);
      }
      instance.state = instance.wantState;
      if (from !== instance.state) this.transition(instance, from, instance.state === 'FAULT' ? 'fault' : 'fault cleared');
      this.sendInstanceNotifies(instance);
      if (instance.state === 'BACKUP') instance.preemptTime = 0;
    }
    instance.masterAdvertIntervalMs = instance.advertIntervalMs;
    instance.downTimerMs = this.masterDownInterval(instance);
    this.initSands(instance);
  }

  // ---------------------------------------------------------------- receiving (vrrp_dispatcher_read)

  /** The instance a packet for `vrid` of `family` arriving on `iface` is for (keyed without building a string per packet). */
  private receiver(iface: string, vrid: number, family: number): InstanceState | undefined {
    return this.byVrid.get(iface)?.get(vridOnInterface(vrid, family));
  }

  private receive(iface: string, packet: ReceivedAdvert, raw?: Uint8Array, checksumVerified = false): void {
    if (!this.running) return;
    const { advert } = packet;
    const instance = this.receiver(iface, advert.vrid, advert.family);
    // Unknown VRIDs are ignored (logged only with log_unknown_vrids).
    if (instance === undefined) return;
    if (instance.state === 'FAULT' || instance.state === 'INIT') return;
    const prevState = instance.state;
    const rx = this.rx;
    this.rxSource = packet.src;
    rx.raw = raw;
    rx.checksumVerified = checksumVerified;
    rx.rejected = false;
    rx.answered = false;
    rx.quiet = false;
    if (instance.state === 'BACKUP') {
      this.backupReceive(instance, packet);
    } else if (this.masterReceive(instance, packet)) {
      this.leaveMaster(instance, false);
    }
    const accepted = !rx.rejected;
    rx.raw = undefined;
    this.tsmHandle(prevState, instance);
    // keepalived resets the instance timer after every packet it read for the instance, valid or
    // not (unless lower_prio_no_advert in MASTER): a master's next advert is one interval later,
    // so bad packets 0.5 s apart silence a master. The opt-in hardened receive leaves it alone.
    // keepalived 2.4.3 does the same with an advert auth_hmac rejects (lab, captures/auth-hmac/
    // forged: a MASTER's next advert 1.0002-1.0016 s after each forged one): HMAC stops forged
    // takeovers, not this.
    if (!accepted && this.options.hardenedReceive === true) return;
    this.initSands(instance);
    instance.reloadMaster = false;
    if (rx.answered) {
      rx.answered = false;
      // From the answer, not from the packet (keepalived's set_time_now() after sending it): a
      // driver that handed the packet in later than it arrived (handledAt) sent the answer then.
      if (instance.state === 'MASTER') instance.sands = Math.max(this.now, rx.handledAt) + instance.advertIntervalMs + (this.options.answerRearmMs ?? 0);
    } else if (!accepted && instance.state === 'MASTER') {
      // keepalived 2.4 logs a repeated rejection no more (rate limited), and takes the time sooner.
      instance.sands += rx.quiet ? (this.options.quietRejectRearmMs ?? this.options.rejectRearmMs ?? 0) : (this.options.rejectRearmMs ?? 0);
    }
  }

  /**
   * The receive checks of the packet receive() is handling: on its bytes when the driver handed
   * them in (keepalived's order), else on the decoded advert. A rejection is noted in `rx`.
   */
  private check(instance: InstanceState, packet: ReceivedAdvert, checkAddresses: boolean): ReceiveCheck {
    const { raw } = this.rx;
    // keepalived 2.4.3 (lab, test/fixtures/ka24-vip-mismatch) logs and counts an advert whose VIPs differ from its own
    // but does not reject it: the VIP checks are made apart below (vipMismatch()).
    const v24 = this.options.keepalivedVersion === '2.4';
    let result: ReceiveCheck = raw === undefined ? checkReceivedAdvert(instance, packet, checkAddresses && !v24) : checkReceivedPacket(instance, raw, checkAddresses && !v24, this.rx.checksumVerified);
    // keepalived 2.4.3 authenticates the advert (auth_hmac) after the length, TTL and version
    // checks and before every other one (vrrp_check_packet: "before any field reaches the state
    // machine"); a failure of those later checks counts only when the trailer passed.
    const hmac = instance.hmac;
    if (hmac !== undefined && (result.ok || !(BEFORE_AUTH.has(result.verdict ?? '') || (result.verdict === 'bad-checksum' && instance.config.family === 6)))) {
      const outcome = hmac.verify({
        instance: instance.name,
        src: packet.src,
        trailer: packet.hmac,
        unicastPeers: instance.unicast ? instance.config.unicastPeers : undefined,
        wallMs: this.wallMs,
        hmacOk: (keyHex) => (raw !== undefined ? trailerHmacOk(instance, raw, keyHex) : packet.hmac?.signedWith === keyHex),
      });
      if (outcome.verdict !== 'ok') {
        // The later checks never ran: undo the counters the static check bumped for this packet.
        if (result.ok) {
          instance.stats.advert_rcvd--;
          if (packet.advert.priority === 0) instance.stats.pri_zero_rcvd--;
        } else if (result.verdict !== undefined) {
          const info = verdictInfo(result.verdict, instance.config.family);
          if (info.countsAsReceived) instance.stats.advert_rcvd--;
          if (info.counter !== null) instance.stats[info.counter]--;
        }
        result = { ok: false, verdict: outcome.verdict, log: outcome.line };
      } else if (outcome.line !== undefined) {
        this.logLimited(instance, 'auth-skew', outcome.line);
      }
    }
    if (result.ok) {
      if (v24 && checkAddresses) this.vipMismatch(instance, packet);
      return OK;
    }
    this.rx.rejected = true;
    this.countDrop(result.verdict ?? 'invalid');
    return { ok: false, log: result.log, verdict: result.verdict };
  }

  /**
   * keepalived 2.4.3's VIP checks (vrrp_check_packet, after counting the advert received): another
   * number of VIPs, or one of ours missing, is logged (rate limited) and counted in addr_list_err,
   * and the advert is accepted all the same (lab, 2.4.3: a BACKUP whose VIP list differs from the
   * MASTER's logged "ip address associated with VRID 51 not present in advert from 172.16.25.1:
   * 172.16.25.101" twice and stayed BACKUP; 2.2.7 rejects it and becomes a second master).
   */
  private vipMismatch(instance: InstanceState, packet: ReceivedAdvert): void {
    const { config } = instance;
    const ours = config.virtualIpaddresses.filter((vip) => vip.family === config.family).map((vip) => vip.address);
    const theirs = packet.advert.addresses;
    let line: string | undefined;
    let kind = 'address-count-mismatch';
    if (theirs.length !== ours.length) {
      line = `(${instance.name}) expected ${ours.length} VIPs but received ${theirs.length}`;
    } else {
      const got = new Set(theirs.map((a) => canonicalAddress(a) ?? a));
      const missing = ours.find((a) => !got.has(canonicalAddress(a) ?? a));
      if (missing !== undefined) {
        kind = 'address-list-mismatch';
        line = `(${instance.name}) ip address associated with VRID ${instance.vrid} not present in advert from ${packet.src}: ${missing}`;
      }
    }
    if (line === undefined) return;
    instance.stats.addr_list_err++;
    this.logLimited(instance, kind, line);
  }

  /** The source of the advert receive() is handling (for 2.4's lines). */
  private rxSource: string | undefined;

  /**
   * A rejection's line: every one under keepalived 2.2.7; under 2.4, once per kind until the flags
   * are cleared (log_rate_limited_error: on becoming MASTER, on leaving it, on a new master).
   */
  private logLimited(instance: InstanceState, kind: string, line: string): void {
    if (this.options.keepalivedVersion === '2.4') {
      if (instance.logged.has(kind)) {
        this.rx.quiet = true;
        return;
      }
      instance.logged.add(kind);
      if (this.rxSource !== undefined) line = dialect24(line, this.rxSource);
    }
    if (this.logging) this.log(line);
  }

  private countDrop(reason: string): void {
    this.receiveDrops[reason] = (this.receiveDrops[reason] ?? 0) + 1;
  }

  /**
   * keepalived's vrrp_dispatcher_read() for one datagram: vrrp_get_header() first (shorter than the
   * IP header plus the 8-byte VRRP header: "IPv4 VRRP packet too short - N bytes", no instance, no
   * timer), then the VRID's instance, then the state's receive function with every check on the
   * bytes. A packet that fails a check still re-arms the instance timer, as in keepalived (see
   * receive()): so does one whose length does not fit its address count ("vrrp packet too short,
   * length 40 and expect 48" for a VRRPv2 advert without its auth bytes; "too long" for one with
   * bytes after them), which only the instance's vrrp_check_packet() rejects (lab: a master fed
   * such packets 1000.3 ms apart stays silent; 27-byte packets 500 ms apart leave its adverts at
   * 1000.05 ms).
   */
  private receivePacket(iface: string, bytes: Uint8Array, checksumVerified: boolean): void {
    if (!this.running) return;
    const head = packetHead(bytes);
    if (head.kind === 'not-vrrp') return;
    if (head.kind === 'truncated') {
      // IPv6: the kernel drops it before keepalived reads it (IPV6_CHECKSUM needs 8 bytes). IPv4:
      // read only when an instance on the interface has a socket of the datagram's protocol.
      // Counted either way (receiveDrops is vrrplab's own count of what it dropped).
      this.countDrop('truncated');
      if (head.family === 6 || !this.instances.some((i) => i.config.interface === iface && i.config.family === 4 && readsAh(i) === head.ah)) return;
      if (this.logging) this.log(truncatedLogLine(head));
      return;
    }
    const instance = this.receiver(iface, head.vrid, head.family);
    if (instance === undefined || instance.state === 'FAULT' || instance.state === 'INIT') return;
    // keepalived reads an auth_type AH instance's packets on a socket of protocol AH and every
    // other IPv4 instance's on one of protocol VRRP (vrrp_create_sockpool()): a packet of the other
    // protocol never reaches the instance, so nothing is logged and no timer moves (lab: plain
    // adverts to an AH master, AH ones to a master without authentication, both unseen).
    // vrrp_check_packet()'s "Received AH header but auth type not AH" is not reached that way.
    // (Adverts handed in decoded, the 'advert' event, are left to its checks.)
    if (head.family === 4 && head.ah !== readsAh(instance)) {
      this.countDrop('other-protocol');
      return;
    }
    this.receive(iface, receivedOf(bytes, head, instance), bytes, checksumVerified);
  }

  /** keepalived's vrrp_state_backup(). */
  private backupReceive(instance: InstanceState, packet: ReceivedAdvert): void {
    const { advert } = packet;
    const masterChange = packet.src !== instance.masterAddress;
    if (masterChange && this.logging && this.options.logDetail === true && this.options.keepalivedVersion === '2.4') {
      // keepalived 2.3+ with -D, before checking the advert (captures/auth-hmac: also before a rejection).
      this.log(instance.masterAddress === undefined ? `(${instance.name}) master set to ${packet.src}` : `(${instance.name}) master changed from ${instance.masterAddress} to ${packet.src}`);
    }
    const checkAddresses = !this.config.globalDefs.vrrpSkipCheckAdvAddr || masterChange;
    const check = this.check(instance, packet, checkAddresses);
    if (check.log !== undefined) this.logLimited(instance, check.verdict ?? '', check.log);
    // keepalived 2.4: the rate-limit flags are reset only once an advert from a new master is accepted.
    if (check.ok && masterChange) instance.logged.clear();
    let ignore = false;
    if (!check.ok) {
      ignore = true;
    } else if (advert.priority === PRIORITY_STOP) {
      if (this.logging) this.log(`(${instance.name}) Backup received priority 0 advertisement`);
      instance.downTimerMs = this.skew(instance);
    } else if (
      instance.config.nopreempt ||
      advert.priority >= instance.effectivePriority ||
      // keepalived sets preempt_time from a fresh clock read (timer_now(), after its log line) but
      // compares it with the time its thread woke (time_now): the advert exactly preempt_delay after
      // the first is accepted in most lab runs (2.2.7: first "discarding" one interval later),
      // discarded in others; a race (HostOptions.preemptBoundary).
      (instance.config.preemptDelayMs > 0 && (instance.preemptTime === 0 || this.preemptPending(instance, packet.src)))
    ) {
      if (instance.version === 3 && instance.masterAdvertIntervalMs !== advert.advertIntervalMs) {
        // RFC 5798 6.4.2: a v3 backup adopts the master's advert interval.
        if (this.logging) this.log(`(${instance.name}) advertisement interval updated from ${instance.masterAdvertIntervalMs}ms to ${advert.advertIntervalMs}ms by master`);
        instance.masterAdvertIntervalMs = advert.advertIntervalMs;
      }
      instance.downTimerMs = this.masterDownInterval(instance);
      instance.masterAddress = packet.src;
      instance.masterPriority = advert.priority;
      if (instance.config.preemptDelayMs > 0) {
        if (advert.priority >= instance.effectivePriority) {
          if (this.logging && instance.preemptTime !== 0) this.log(`(${instance.name}) stop preempt delay`);
          instance.preemptTime = 0;
        } else if (instance.preemptTime === 0) {
          if (this.logging) this.log(`(${instance.name}) start preempt delay (${(instance.config.preemptDelayMs / 1000).toFixed(6)})`);
          instance.preemptTime = this.now + instance.config.preemptDelayMs;
        }
      }
      instance.wantState = 'BACKUP';
    } else {
      // Preemption: a lower-priority master is ignored, so our down timer runs out and we take over.
      if (this.logging) this.log(`(${instance.name}) received lower priority (${advert.priority}) advert from ${packet.src} - discarding`);
      ignore = true;
      instance.masterAddress = packet.src;
    }
    if (ignore) instance.downTimerMs = Math.max(0, instance.sands - this.now);
  }

  /**
   * Whether preempt_delay still runs for a lower-priority advert from `src` arriving now. Compared
   * in microseconds, keepalived's timer resolution (the simulator's adverts, n intervals of float
   * ms, land within rounding of the end); one arriving exactly at the end is keepalived's race
   * (HostOptions.preemptBoundary).
   */
  private preemptPending(instance: InstanceState, src: string): boolean {
    const end = Math.round(instance.preemptTime * 1000);
    const now = Math.round(this.now * 1000);
    if (end !== now) return end > now;
    this.options.onPreemptBoundary?.(instance.name, src);
    return this.options.preemptBoundary !== 'discard';
  }

  /** keepalived's vrrp_state_master_rx(): true when the instance must leave MASTER. */
  private masterReceive(instance: InstanceState, packet: ReceivedAdvert): boolean {
    const { advert } = packet;
    if (instance.wantState === 'FAULT') {
      instance.masterAdvertIntervalMs = instance.advertIntervalMs;
      instance.downTimerMs = this.masterDownInterval(instance);
      const from = instance.state;
      instance.state = 'FAULT';
      this.transition(instance, from, 'fault');
      this.sendInstanceNotifies(instance);
      return true;
    }
    const check = this.check(instance, packet, true);
    if (check.log !== undefined) this.logLimited(instance, check.verdict ?? '', check.log);
    if (!check.ok) return false;
    const addressOrder = compareAddresses(packet.src, instance.sourceAddress);
    const ours = instance.effectivePriority;
    if (
      advert.priority === PRIORITY_STOP ||
      (this.config.globalDefs.vrrpHigherPrioSendAdvert && (advert.priority > ours || (advert.priority === ours && addressOrder > 0)))
    ) {
      this.sendAdvert(instance, ours);
      if (advert.priority === PRIORITY_STOP) {
        if (this.logging) this.log(`(${instance.name}) Master received priority 0 message`);
        return false;
      }
    }
    if (advert.priority === ours) {
      if (addressOrder === 0) {
        if (this.logging) this.log(`(${instance.name}) WARNING - equal priority advert received from remote host with our IP address.`);
      } else if (ours === PRIORITY_OWNER) {
        if (this.logging) this.log(`(${instance.name}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority`);
        instance.effectivePriority = PRIORITY_OWNER - 1;
        instance.basePriority = PRIORITY_OWNER - 1;
      }
    }
    if (advert.priority < instance.effectivePriority || (advert.priority === instance.effectivePriority && addressOrder < 0)) {
      // RFC 3768 says a master ignores a lower priority advert; keepalived answers it at once
      // ("forcing new election") unless lower_prio_no_advert, and may re-send GARPs.
      if (this.logging) this.log(`(${instance.name}) Received advert from ${packet.src} with lower priority ${advert.priority}, ours ${instance.effectivePriority}, forcing new election`);
      this.sendAdvert(instance, instance.effectivePriority);
      this.rx.answered = true;
      if (instance.config.garpLowerPrioRepeat > 0) {
        this.sendLinkUpdate(instance, instance.config.garpLowerPrioRepeat);
        if (instance.config.garpLowerPrioDelayMs > 0) {
          this.delayGarp(instance, instance.config.garpLowerPrioDelayMs, instance.config.garpLowerPrioRepeat);
        }
      }
      for (const member of instance.sync?.members ?? []) {
        if (member === instance || member.config.garpLowerPrioRepeat <= 0) continue;
        this.sendLinkUpdate(member, member.config.garpLowerPrioRepeat);
      }
      if (instance.config.notify.masterRxLowerPri !== undefined) {
        this.notify(instance, 'MASTER', instance.config.notify.masterRxLowerPri, 'specific');
      }
      return false;
    }
    if (advert.priority > instance.effectivePriority || (advert.priority === instance.effectivePriority && addressOrder > 0)) {
      if (advert.priority > instance.effectivePriority) {
        if (this.logging) this.log(`(${instance.name}) Master received advert from ${packet.src} with higher priority ${advert.priority}, ours ${instance.effectivePriority}`);
      } else {
        if (this.logging) this.log(`(${instance.name}) Master received advert from ${packet.src} with same priority ${advert.priority} but higher IP address than ours`);
      }
      if (instance.version === 3 && instance.masterAdvertIntervalMs !== advert.advertIntervalMs) {
        instance.masterAdvertIntervalMs = advert.advertIntervalMs;
      }
      instance.downTimerMs = this.masterDownInterval(instance);
      instance.masterPriority = advert.priority;
      instance.masterAddress = packet.src;
      instance.wantState = 'BACKUP';
      // keepalived sets state BACKUP here and logs "Entering BACKUP STATE" in leave_master.
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- sync groups (vrrp_sync.c)

  /** keepalived's VRRP_TSM table: B->M, M->M, F->M sync the group to MASTER; M->B to BACKUP. */
  private tsmHandle(prevState: VrrpState, instance: InstanceState): void {
    if (instance.sync === undefined) return;
    if (instance.state === 'MASTER' && (prevState === 'BACKUP' || prevState === 'MASTER' || prevState === 'FAULT')) {
      this.syncMaster(instance);
    } else if (prevState === 'MASTER' && instance.state === 'BACKUP') {
      this.syncBackup(instance);
    }
  }

  private syncCanGotoMaster(instance: InstanceState): boolean {
    const group = instance.sync;
    if (group === undefined || group.state === 'MASTER') return true;
    for (const member of group.members) {
      if (member !== instance && member.wantState !== 'MASTER') {
        instance.downTimerMs = this.masterDownInterval(instance);
        this.initSands(instance);
        return false;
      }
    }
    return true;
  }

  private syncBackup(instance: InstanceState): void {
    const group = instance.sync;
    if (group === undefined || group.state === 'BACKUP') return;
    if (this.logging) this.log(`VRRP_Group(${group.config.name}) Syncing instances to BACKUP state`);
    for (const member of group.members) {
      if (member === instance || member.state === 'BACKUP') continue;
      member.wantState = 'BACKUP';
      if (member.state === 'FAULT' || member.state === 'INIT') this.leaveFault(member);
      else this.leaveMaster(member, false);
    }
    group.state = 'BACKUP';
    this.sendGroupNotifies(group);
  }

  private syncMaster(instance: InstanceState): void {
    const group = instance.sync;
    if (group === undefined || group.state === 'MASTER') return;
    if (!this.syncCanGotoMaster(instance)) return;
    if (this.logging) this.log(`VRRP_Group(${group.config.name}) Syncing instances to MASTER state`);
    for (const member of group.members) {
      if (member !== instance && member.state !== 'MASTER') {
        member.wantState = 'MASTER';
        this.gotoMaster(member);
      }
    }
    group.state = 'MASTER';
    this.sendGroupNotifies(group);
  }

  private syncFault(instance: InstanceState): void {
    const group = instance.sync;
    if (group === undefined || group.state === 'FAULT') return;
    if (this.logging) this.log(`VRRP_Group(${group.config.name}) Syncing instances to FAULT state`);
    for (const member of group.members) {
      if (member === instance || member.state === 'FAULT') continue;
      member.wantState = 'FAULT';
      if (member.state === 'MASTER') {
        this.leaveMaster(member, false);
      } else if (member.state === 'BACKUP' || member.state === 'INIT') {
        // keepalived's "bit of a bodge": mark FAULT first, then leave_fault notifies.
        const from = member.state;
        member.state = 'FAULT';
        this.transition(member, from, 'sync group fault');
        this.leaveFault(member);
      }
    }
    group.state = 'FAULT';
    this.sendGroupNotifies(group);
  }

  // ---------------------------------------------------------------- notifies (vrrp_notify.c)

  private notify(instance: InstanceState, state: VrrpState, command: string, kind: 'specific' | 'generic', extra: string[] = []): void {
    this.emit({ type: 'notify', instance: instance.name, state, command, args: commandWords(command).concat(extra), kind });
  }

  /** keepalived's send_instance_notifies(): notify_<state>, then the generic `notify` with 4 arguments. */
  private sendInstanceNotifies(instance: InstanceState): void {
    if (instance.notifiesSent && instance.sync && instance.state === instance.sync.state) return;
    instance.notifiesSent = true;
    const { notify } = instance.config;
    const specific = notifyScriptFor(notify, instance.state);
    if (specific !== undefined) this.notify(instance, instance.state, specific, 'specific');
    if (notify.generic !== undefined) {
      this.notify(instance, instance.state, notify.generic, 'generic', ['INSTANCE', instance.name, instance.state, String(instance.effectivePriority)]);
    }
    if (this.notifyFifo) {
      this.emit({ type: 'notify-fifo', instance: instance.name, state: instance.state, line: `INSTANCE "${instance.name}" ${instance.state} ${instance.effectivePriority}` });
    }
  }

  /** A notify fifo is configured (keepalived 2.2.7 writes the same lines into each). */
  private get notifyFifo(): boolean {
    const g = this.config.globalDefs;
    return g.notifyFifo !== undefined || g.vrrpNotifyFifo !== undefined;
  }

  private sendGroupNotifies(group: SyncGroupState): void {
    const { notify } = group.config;
    const state = group.state;
    const specific = notifyScriptFor(notify, state);
    const push = (command: string, kind: 'specific' | 'generic', extra: string[]) => {
      this.emit({ type: 'notify', instance: group.config.name, state, command, args: commandWords(command).concat(extra), kind });
    };
    if (specific !== undefined) push(specific, 'specific', []);
    if (notify.generic !== undefined) push(notify.generic, 'generic', ['GROUP', group.config.name, state, '0']);
    // A group's line always carries priority 0 (lab: GROUP "G" MASTER 0).
    if (this.notifyFifo) this.emit({ type: 'notify-fifo', instance: group.config.name, state, line: `GROUP "${group.config.name}" ${state} 0` });
  }
}

/** The notify_<state> script configured for a state, if any. */
function notifyScriptFor(notify: NotifyScripts, state: VrrpState): string | undefined {
  switch (state) {
    case 'MASTER':
      return notify.master;
    case 'BACKUP':
      return notify.backup;
    case 'FAULT':
      return notify.fault;
    case 'STOP':
      return notify.stop;
    default:
      return undefined;
  }
}

/** An instance's key among those of its interface: VRID and family. */
function vridOnInterface(vrid: number, family: number): number {
  return vrid * 8 + family;
}

function vridKey(iface: string, vrid: number, family: number): string {
  return `${iface}\0${vrid}\0${family}`;
}

/** Compare two IPv4 or IPv6 addresses numerically: >0 when a > b (keepalived's inet_inaddrcmp). */
export function compareAddresses(a: string, b: string | undefined): number {
  if (b === undefined) return 0;
  const a4 = parseIpv4(a);
  const b4 = parseIpv4(b);
  if (a4 !== null && b4 !== null) return a4 - b4;
  const a6 = parseIpv6(a);
  const b6 = parseIpv6(b);
  if (a6 === null || b6 === null) return 0;
  for (let index = 0; index < 16; index++) {
    const diff = (a6[index] ?? 0) - (b6[index] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Whether keepalived reads the instance's packets on a socket of protocol AH (auth_type AH, VRRPv2 over IPv4). */
function readsAh(instance: InstanceState): boolean {
  const { config } = instance;
  return config.version === 2 && config.family === 4 && config.authentication?.type === 'AH';
}

/** unicast_src_ip / mcast_src_ip: keepalived's VRRP_FLAG_SADDR_FROM_CONFIG, never replaced by the interface's addresses. */
function sourceFromConfig(instance: InstanceState): boolean {
  return instance.config.unicastSrcIp !== undefined || instance.config.mcastSrcIp !== undefined;
}

/**
 * Where an instance's VIP lives and its GARPs leave from: with use_vmac, keepalived's VMAC
 * (vrrp.VRID, its own MAC; netns lab: the VIP on vrrp.51, GARPs from 00:00:5e:00:01:33 with or
 * without vmac_xmit_base), else the instance's interface. Only VIPs of the instance's family on
 * its own interface go on the VMAC (vrrp.c: one with another `dev` or family stays put, unless
 * use_vmac_addr, which is not modelled). Without `address`: the instance's VMAC, if any.
 */
export function vipPlace(config: VrrpInstance, address?: string): { iface: string; vmac?: Vmac } {
  if (!config.useVmac || config.vmacName === undefined || config.vmacMac === undefined) return { iface: config.interface };
  if (address !== undefined) {
    const vip = config.virtualIpaddresses.find((v) => v.address === address);
    const family = address.includes(':') ? 6 : 4;
    if (family !== config.family || (vip?.dev !== undefined && vip.dev !== config.interface)) return { iface: config.interface };
  }
  return { iface: config.vmacName, vmac: { iface: config.vmacName, mac: config.vmacMac, base: config.interface } };
}

/** Addresses grouped by where they live (vipPlace), in their order. */
function vipGroups(config: VrrpInstance, addresses: readonly string[]): { place: { iface: string; vmac?: Vmac }; addresses: string[] }[] {
  if (!config.useVmac) return [{ place: { iface: config.interface }, addresses: [...addresses] }];
  const groups = new Map<string, { place: { iface: string; vmac?: Vmac }; addresses: string[] }>();
  for (const address of addresses) {
    const place = vipPlace(config, address);
    const group = groups.get(place.iface) ?? { place, addresses: [] };
    group.addresses.push(address);
    groups.set(place.iface, group);
  }
  return [...groups.values()];
}
