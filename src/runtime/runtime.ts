/**
 * The real-time driver: owns the sockets, the clock, child processes and the host's addresses,
 * and feeds the sans-I/O HostEngine. One timer is armed for the engine's next deadline; every
 * input (advert, script result, link change, file change, signal) is handed in with the
 * current monotonic time, and the returned actions are carried out here.
 *
 * Nothing the outside world does can stall the loop: scripts run as child processes; VIPs
 * (netlink) and GARPs (packet socket) go through the native helper's sockets, serialised per
 * interface in a promise chain (so a GARP always follows the address it announces); failures
 * are logged, never thrown.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { KeepalivedConfig, VirtualAddress, VrrpInstance } from '../config/model.js';
import { HostEngine, type HostEnvironment } from '../engine/host.js';
import { trackFileValue } from '../engine/track-file.js';
import type { EngineAction, EngineEvent } from '../engine/types.js';
import { PcapWriter } from '../capture/writer.js';
import { formatVrrpStats } from '../wire/stats.js';
import { buildAdvertPacket } from '../wire/packet.js';
import { withTrailer } from '../wire/auth-hmac.js';
import { newAuthExtStats } from '../engine/auth-hmac.js';
import type { KeepalivedVersion } from '../config/version.js';
import { IPV6_HEADER_LEN } from '../wire/ipv6.js';
import { decodeAdvertPacket, type DecodeError } from './decode.js';
import type { Logger } from './log.js';
import { RawTransport } from './raw-transport.js';
import { Announcer } from './announce.js';
import { SpawnGate, waitUntil } from './pacing.js';
import { warmUp } from './warmup.js';
import { formatDataDump } from './dump.js';
import { commandForDump, listInterfaces, openFdCount, rawSocketFds } from './host-info.js';
import { lookupUser, runProgram, splitCommandLine, startTrackRun, type TrackRunState } from './scripts.js';
import { readCarrier, readInterface } from './system.js';
import { Firewall } from './firewall.js';
import { fifoSpecs, NotifyFifos } from './notify-fifo.js';
import { AddressChanger, watchNetlink, type AddressChange } from './netlink.js';
import { watchProcesses } from './processes.js';
import { createVmac, deleteVmac, setVmacRules, type VmacSpec } from './vmac.js';
import { interfaceIndex, macvlanOf, sysfsText } from './sysfs.js';
import { assignVmacNames } from '../config/vmac.js';
import type { DropReason, InboundAdvert, InterfaceInfo, OutboundAdvert, Transport, TransportListener } from './transport.js';
import { DEFAULT_UDP_GROUP, DEFAULT_UDP_PORT, UdpTransport } from './udp-transport.js';
import { VrrpSocket } from './vrrp-socket.js';

const LINKTYPE_RAW = 101;
/** keepalived's VRRP child exits TIMER_HZ (1 s) after it began to stop (vrrp_terminate_phase1). */
const STOP_LINGER_MS = 1000;
/** The timer is armed this much before a deadline; the rest is waited out precisely (pacing.ts). */
const TIMER_LEAD_MS = 3;
/** A timer that woke earlier than this before its deadline is re-armed instead of waited out. */
const MAX_PRECISE_WAIT_MS = 6;
/**
 * Lines keepalived 2.2.7 logs only with -D (log detail), seen in the lab by running it with and
 * without: they are debug lines here, whoever writes them (the engine's words are shared with the
 * simulator, whose timeline keeps them).
 */
const DETAIL_ONLY = /^(Registering (Kernel netlink|gratuitous (ARP|NDISC))|(De)?[Aa]ssigned address |Netlink reflector reports IP |VRRP sockpool: |\(\S+\) (removing VIPs\.|setting VIPs\.|(setting|removing) firewall drop rule|Receive advertisement timeout|Sending\/queueing ))/;
/** Deferred actions wait for queued adverts: by timer until this close, then precisely. */
const DRAIN_PRECISE_MS = 3.5;
/** ... and this long after the advert's moment, for the sender thread's sendto. */
const DRAIN_AFTER_SEND_MS = 0.03;
/** ... and at most this much longer, while the sender thread has not sent it yet. */
const DRAIN_SENT_MAX_MS = 5;
/** A timer this late (ms) lets pending socket reads go first. */
const LATE_TIMER_MS = 5;
/** With scheduled sends, the lead grows with the number of instances, up to this. */
const MAX_SCHEDULED_LEAD_MS = 10;
const LEAD_PER_INSTANCE_MS = 0.02;
/** A deadline this close after the one just served is served in the same turn (see fire()). */
const BATCH_GAP_MS = 1;
/** ... for at most this long per turn. */
const BATCH_TURN_MS = 8;
/**
 * From handing a lower-priority advert to the engine to a MASTER's advert timer restarting, ms
 * (HostOptions.answerRearmMs): keepalived sends its answer, then its GARPs, then reads the clock.
 * Lab (test/lab/runtime-issue22.test.ts): keepalived's next advert 0.4-2.9 ms more than an interval
 * after its answer, the simulator's 1.3 ms (src/sim/cluster.ts ANSWER_REARM_MS).
 */
const ANSWER_REARM_MS = 1.3;
/**
 * How long after the last reload the malloc arenas' free memory goes back to the kernel, ms: once
 * V8's workers have done the reload's compiling and marking and its memory reducer has run (~8 s).
 */
const RELOAD_TRIM_DELAY_MS = 15_000;
/** A reload holds the timers at most this long for its VIP changes and GARPs, ms. */
const RELOAD_HOLD_MAX_MS = 200;
/** The warm-up runs only when the engine's next deadline is at least this far. */
const WARM_UP_ROOM_MS = 100;

export interface RuntimeOptions {
  config: KeepalivedConfig;
  transport: 'raw' | 'udp';
  udpGroup?: string;
  udpPort?: number;
  pcapPath?: string;
  /** Directory for keepalived.data / keepalived.stats (keepalived: /tmp). */
  dumpDir: string;
  logger: Logger;
  /** Link and track_file polling period. */
  pollMs?: number;
  /** Beyond keepalived, opt-in: rejected packets never move a timer (HostOptions.hardenedReceive). */
  hardenedReceive?: boolean;
  /** The keepalived to behave as: '2.2' (2.2.7, default) or '2.4' (2.4.3: auth_hmac, its log dialect). */
  keepalivedVersion?: KeepalivedVersion;
  /** -D: keepalived's detail lines (2.4's "(VI_x) master set to ADDR" is the engine's). */
  logDetail?: boolean;
}

/** An advert built and ready to leave. */
interface Outbound extends OutboundAdvert {
  instance: string;
}

export type StartResult = { ok: true } | { ok: false; error: string };

/** Counters the runtime keeps for packets that never reached the engine. */
export type RuntimeDrops = Partial<Record<DropReason | DecodeError | 'no-instance-interface', number>>;

/** What the reused packet event holds between adverts (not the last read buffer). */
const NO_BYTES = new Uint8Array(0);

/** The family and VRID of a datagram as read (IPv6: the header rebuilt), if it is long enough. */
function packetVrid(packet: Uint8Array): [4 | 6, number | undefined] {
  const family = packet.length > 0 && packet[0] >> 4 === 6 ? 6 : 4;
  const offset = family === 6 ? IPV6_HEADER_LEN : ((packet[0] ?? 0) & 0x0f) * 4;
  return [family, packet.length >= offset + 2 ? packet[offset + 1] : undefined];
}

/**
 * The instances a timer turn's actions only send an advert for (a MASTER's regular advert): no
 * transition, VIPs, GARPs, notify or anything else naming them.
 */
function regularOnly(actions: readonly EngineAction[]): Set<string> | undefined {
  let sending: Set<string> | undefined;
  for (const action of actions) if (action.type === 'send-advert') (sending ??= new Set()).add(action.instance);
  if (!sending) return undefined;
  for (const action of actions) if (action.type !== 'send-advert' && action.type !== 'log' && 'instance' in action) sending.delete(action.instance);
  return sending;
}

export class Runtime {
  private engine!: HostEngine;
  private transport: Transport | undefined;
  private pcap: PcapWriter | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires (runtime clock). */
  private timerAt = Infinity;
  /** Raw sockets hand in the packets of one wake-up as a batch: the timer is re-armed after the last. */
  private readonly batchedReads: boolean;
  private armAfterBatch = false;
  /**
   * The packet event and the action list of received adverts, reused: a backup of 255 instances
   * reads 255 adverts a second, and what was made per advert (these, the engine's decoding) kept
   * V8's young generation busy enough to move RSS (issue 15's soak). The list is taken while in
   * use, so a nested receive (none is known) would get a list of its own.
   */
  private readonly packetEvent: Extract<EngineEvent, { type: 'packet' }> = { type: 'packet', iface: '', packet: NO_BYTES, checksumVerified: false, handledAt: 0 };
  private receiveActions: EngineAction[] | undefined = [];
  /** The adverts of the timer turn under way, queued together at its end (queueTurn). */
  private turn: { out: Outbound; at: number; order: number; tag: number }[] | undefined;
  /**
   * A MASTER's regular advert worked out ahead of its deadline (fire()) and queued on the sender
   * thread, by instance: its deadline and tag. keepalived reads a packet that arrives before the
   * deadline first, and the timer it re-arms never sends that advert (takeBackRegular()).
   */
  private readonly regularQueued = new Map<string, { at: number; tag: number; packets: Uint8Array[] }>();
  /** Regular adverts taken back, by instance: not sent, so not counted in the stats dump. */
  private readonly advertsTakenBack = new Map<string, number>();
  /** Each instance's place in the config (queueTurn). */
  private orderOf = new Map<string, number>();
  private pollTimer: NodeJS.Timeout | undefined;
  /** The malloc trim due after the last reload (RELOAD_TRIM_DELAY_MS). */
  private trimTimer: NodeJS.Timeout | undefined;
  private linkWatch: { close(): void } | undefined;
  /** The kernel's process events for vrrp_track_process (src/runtime/processes.ts); undefined when none are tracked or to be had. */
  private processWatch: { close(): void } | undefined;
  /** The vrrp_track_process blocks the watch counts, as JSON (a reload that changes them opens it again). */
  private processWatchKey = '';
  /** Epoch ms at performance.now() == 0, to the microsecond (Date.now() would cost up to 1 ms). */
  private readonly epoch = performance.timeOrigin;
  private interfaces = new Map<string, InterfaceInfo>();
  private hostQueues = new Map<string, Promise<void>>();
  /** Each tracked script's keepalived state, shared by its runs (startTrackRun). */
  private scriptStates = new Map<string, TrackRunState>();
  private children = new Set<Promise<unknown>>();
  /** Host work (VIP changes, GARPs) queued and not yet done; engine log lines wait for it (orderedLog). */
  private hostWork = 0;
  /** A reload's work is under way: no timer is served (releaseAfterReload()). */
  private reloadHold = false;
  /** Events that came while a reload held the timers, in order (handed in when it ends). */
  private readonly heldEvents: { event: EngineEvent }[] = [];
  private lastQueued: string | undefined;
  /** keepalived's "Sending/queueing … for ADDRESS" lines, by "IFACE ADDRESS", logged by the GARP run. */
  private readonly queueingLines = new Map<string, string>();
  /** The engine time of the tick that asked for each script run still to be carried out. */
  private readonly runScriptAt = new WeakMap<EngineAction, number>();
  /** PIDs of the script and notify children still running: SIGTERM'd when vrrplab exits. */
  private readonly childPids = new Set<number>();
  /** keepalived's nftables drop rules for the VIPs of MASTERs with accept mode off; removed at exit. */
  readonly firewall = new Firewall((message) => this.log('warning', message));
  /** The notify fifos (global_defs notify_fifo, vrrp_notify_fifo), open from start to exit. */
  private fifos: NotifyFifos | undefined;
  /** PIDs of the notify fifo scripts still running. */
  private readonly fifoScriptPids = new Set<number>();
  /** A script or notify child has ended (keepalived's stop line then counts children's time). */
  childrenEnded = false;
  private linkState = new Map<string, boolean>();
  private fileState = new Map<string, number>();
  readonly drops: RuntimeDrops = {};
  private stopping = false;
  private deferred: EngineAction[] = [];
  private drainScheduled = false;
  private lastEngineTime = -Infinity;
  /** A late timer is waiting one loop turn for the sockets to be read (fire()). */
  private readFirst = false;
  /** The latest moment an advert was queued to leave at (native sender thread). */
  private scheduledUntil = -Infinity;
  /** Epoch ms of each instance's last transition (SIGUSR1 dump). */
  private readonly lastTransition = new Map<string, number>();
  /** MASTERs kept by a reload: their dump shows "Master down timer = 0 usecs" until they leave MASTER. */
  private readonly downTimerCleared = new Set<string>();
  /** keepalived's parent has looked up its default script user since start or the last reload (SIGUSR1). */
  private scriptUserLookedUp = false;
  /** When unsolicited NAs last went out on each interface (epoch ms; the dump's forwarding check). */
  private readonly ndiscCheckedAt = new Map<string, number>();
  /** The config before the last reload: VIPs of removed instances are deleted with their own prefix. */
  private previousConfig: KeepalivedConfig | undefined;
  /** Child processes start only in gaps between deadlines (see pacing.ts). */
  private readonly gate = new SpawnGate({
    clock: () => this.now(),
    nextDeadline: () => (this.stopping ? undefined : this.engine?.nextDeadline()),
    schedule: (pump) => setImmediate(pump),
  });

  private readonly announcer = new Announcer();
  /** The VMACs (use_vmac) this run created or took over, by name: removed at every exit. */
  private readonly vmacs = new Map<string, { spec: VmacSpec; info: InterfaceInfo }>();
  /** A VMAC base's ARP settings before the first VMAC changed them (SIGUSR1 dump). */
  private readonly vmacBaseArp = new Map<string, { arpIgnore: number; arpFilter: number }>();
  /** VMACs adverts are read on, with the interface the engine knows them by (openVmacSockets). */
  private readonly vmacReaders = new Map<string, string>();
  /** "IFACE/FAMILY/VRID" of the instances that read on their VMAC, with the VMAC. */
  private readonly vridsOnVmac = new Map<string, string>();
  /** Families whose nftables VMAC table this run wrote (setVmacRules): removed at exit. */
  private readonly nftFamilies = new Set<4 | 6>();
  /** VMACs a reload dropped: removed once the VIP removals queued before them are done. */
  private vmacRemovals: string[] = [];
  private readonly addresses = new AddressChanger();

  constructor(private readonly options: RuntimeOptions) {
    this.batchedReads = options.transport === 'raw';
  }

  /** Monotonic milliseconds: the engine's clock. */
  now(): number {
    return performance.now();
  }

  private log(level: 'info' | 'debug' | 'warning' | 'error', message: string): void {
    this.options.logger.log(level === 'info' && DETAIL_ONLY.test(message) ? 'debug' : level, message);
  }

  private trackedInterfaces(): string[] {
    const names = new Set<string>();
    for (const instance of this.options.config.instances) {
      names.add(instance.interface);
      for (const t of instance.trackInterfaces) names.add(t.name);
    }
    for (const group of this.options.config.syncGroups) for (const t of group.trackInterfaces) names.add(t.name);
    return [...names];
  }

  async start(lines: ConfigLines = NO_CONFIG_LINES): Promise<StartResult> {
    const { config } = this.options;
    const vrrpIfaces = [...new Set(config.instances.map((i) => i.interface))];
    const env: HostEnvironment = { interfaceAddresses: {}, interfaceAddresses6: {} };
    // keepalived's start-up lines for the two netlink sockets (vrrplab: link watch and addresses).
    this.log('info', 'Registering Kernel netlink reflector');
    this.log('info', 'Registering Kernel netlink command channel');
    // keepalived (built with nftables, as Debian's 2.2.7) when an instance has use_vmac or does not
    // accept packets for its VIPs and no firewall table is configured (vrrp.c; netns lab with
    // use_vmac). vrrplab writes only the VMAC rules (vmac.ts setVmacRules), not the no_accept ones.
    const g = config.globalDefs;
    if (g.other.nftables === undefined && g.other.vrrp_iptables === undefined && config.instances.some((i) => i.useVmac || (g.vrrpStrict && !i.accept))) {
      this.log('info', 'use_vmac or no_accept/strict specified, but no firewall configured - using nftables');
    }
    // keepalived's VRRP child looks its default script user up as it loads a config with scripts.
    const missingUser = hasScripts(config) ? defaultScriptUserMissing(config) : undefined;
    if (missingUser) this.log('info', missingUser);
    for (const line of [...lines.parse, ...lines.complete]) this.log('warning', line);
    for (const name of vrrpIfaces) {
      const read = await readInterface(name);
      if (!read.ok) return { ok: false, error: `interface ${name}: ${read.error}` };
      this.interfaces.set(name, read.info);
      if (read.info.ipv4) {
        env.interfaceAddresses[name] = read.info.ipv4;
        this.log('info', `Assigned address ${read.info.ipv4} for interface ${name}`);
      }
      if (read.info.ipv6) {
        (env.interfaceAddresses6 as Record<string, string>)[name] = read.info.ipv6;
        this.log('info', `Assigned address ${read.info.ipv6} for interface ${name}`);
      }
    }
    const families = [...new Set(config.instances.map((i) => i.family))];
    const created = await this.setUpVmacs(config);
    if (!created.ok) return created;
    const listener: TransportListener = {
      now: () => this.now(),
      advert: (inbound) => this.onAdvert(inbound),
      batchEnd: () => {
        if (!this.armAfterBatch) return;
        this.armAfterBatch = false;
        this.arm();
      },
      dropped: (iface, reason, packet) => {
        this.count(reason);
        this.record(packet);
        this.log('debug', `Dropped packet on ${iface}: ${reason}`);
      },
      error: (iface, message) => this.log('warning', `${iface}: ${message}`),
    };
    const infos = [...this.interfaces.values()];
    const opened = this.options.transport === 'raw'
      ? RawTransport.open({ interfaces: infos, families, group4: config.globalDefs.vrrpMcastGroup4, group6: config.globalDefs.vrrpMcastGroup6, listener })
      : await UdpTransport.open({ interfaces: infos, group: this.options.udpGroup ?? DEFAULT_UDP_GROUP, port: this.options.udpPort ?? DEFAULT_UDP_PORT, listener });
    if (!opened.ok) {
      this.removeVmacs();
      return { ok: false, error: opened.error };
    }
    this.transport = opened.transport;
    const sending = this.openVmacSockets(config);
    if (!sending.ok) {
      this.transport.close();
      this.removeVmacs();
      return sending;
    }
    if (this.options.pcapPath) this.pcap = new PcapWriter(this.options.pcapPath, { linkType: LINKTYPE_RAW });

    // A MASTER's answer to a lower-priority advert: keepalived counts its next advert from after the
    // answer (and its GARPs), not from the packet; handledAt above is when the answer goes.
    this.engine = new HostEngine(config, env, {
      hardenedReceive: this.options.hardenedReceive === true,
      answerRearmMs: ANSWER_REARM_MS,
      ...(this.options.keepalivedVersion !== undefined ? { keepalivedVersion: this.options.keepalivedVersion } : {}),
      ...(this.options.logDetail === true ? { logDetail: true } : {}),
    });
    const linksDown: string[] = [];
    for (const name of this.trackedInterfaces()) {
      const up = readCarrier(name);
      this.linkState.set(name, up);
      if (!up) linksDown.push(name);
    }
    const fileValues: Record<string, number> = {};
    for (const tf of config.trackFiles) {
      const value = readTrackFile(tf.file);
      this.fileState.set(tf.name, value);
      fileValues[tf.name] = value;
    }
    const processCounts = this.watchTrackedProcesses(config);
    for (const line of linkLocalWarnings(config)) this.log('info', line);
    this.openFifos(config);
    // keepalived registers the channel each family's announcements need (netns lab: IPv4 and IPv6
    // instances, both lines, ARP first; IPv6 only, only the NDISC one).
    if (families.includes(4)) this.log('info', 'Registering gratuitous ARP shared channel');
    if (families.includes(6)) this.log('info', 'Registering gratuitous NDISC shared channel');
    // The wall clock (auth_hmac's trailer time and time window): the runtime's clock plus its origin.
    this.feed({ type: 'start', linksDown, fileValues, processCounts, wallClockOffsetMs: this.epoch });
    // The JIT warm-up (10-35 ms of blocked loop) waits until start-up's notifies have left and the
    // engine has room before its next deadline: the first takeover is a Master_Down_Interval away.
    this.scheduleWarmUp(config, env);
    // After the instances' init lines, as keepalived logs them once its dispatcher runs. keepalived's
    // parent logs "Startup complete" in a race with its VRRP child's lines (before or after them
    // from one lab run to the next); here it always follows them.
    this.deferLog(...this.sockpoolLines(), 'Startup complete');
    this.pollTimer = setInterval(() => this.poll(), this.options.pollMs ?? 200);
    // Link changes are heard at once from the kernel (keepalived does the same); the poll stays
    // for track_file and as a fallback.
    this.linkWatch = watchNetlink(
      () => this.poll(),
      (change) => this.onAddressChange(change),
    );
    return { ok: true };
  }

  /**
   * vrrp_track_process: the kernel's process events, as keepalived follows them; each new count
   * goes to the engine. Without them (inside a network namespace: keepalived's "Failed to set/clear
   * process event listen - errno 111") every tracked process counts as absent, as keepalived counts
   * it, and the log says why. The counts at the start.
   */
  private watchTrackedProcesses(config: KeepalivedConfig): Record<string, number> {
    const processes = config.trackProcesses ?? [];
    const key = JSON.stringify(processes.map(({ location: _l, ...p }) => p));
    if (key === this.processWatchKey && this.processWatch !== undefined) return {};
    this.processWatch?.close();
    this.processWatch = undefined;
    this.processWatchKey = key;
    if (processes.length === 0) return {};
    const watch = watchProcesses(processes, (trackProcess, count, fork) => this.feed({ type: 'process-count', trackProcess, count, fork }));
    if (!watch.ok) {
      for (const line of watch.lines) this.log('info', line);
      return {};
    }
    this.processWatch = watch;
    return watch.counts;
  }

  /**
   * SIGHUP: hand the engine a new configuration (kept instances keep running). Sockets are per
   * interface and family, so a config that needs other interfaces or families needs a restart.
   */
  reload(config: KeepalivedConfig, lines: ConfigLines = NO_CONFIG_LINES): { ok: true } | { ok: false; error: string } {
    const shape = (c: KeepalivedConfig) => JSON.stringify([[...new Set(c.instances.map((i) => `${i.interface}/${i.family}`))].sort(), c.globalDefs.vrrpMcastGroup4, c.globalDefs.vrrpMcastGroup6]);
    if (shape(config) !== shape(this.options.config)) return { ok: false, error: 'the interfaces, address families or multicast groups changed: restart to apply' };
    const wanted = new Set(vmacSpecs(config).map((spec) => spec.name));
    // keepalived treats an instance whose use_vmac changed as a new one (vrrp.c: the old one is
    // deleted, its VMAC removed); the engine does the same, and the VMACs follow here.
    const previousSpecs = new Map([...this.vmacs.values()].map(({ spec }) => [spec.name, spec]));
    for (const spec of vmacSpecs(config)) {
      const old = previousSpecs.get(spec.name);
      if (old !== undefined && (old.base !== spec.base || old.mac !== spec.mac || old.family !== spec.family)) wanted.delete(spec.name);
    }
    this.vmacRemovals.push(...[...this.vmacs.keys()].filter((name) => !wanted.has(name)));
    this.previousConfig = this.options.config;
    this.options.config = config;
    this.orderOf = new Map();
    for (const tf of config.trackFiles) if (!this.fileState.has(tf.name)) this.fileState.set(tf.name, readTrackFile(tf.file));
    for (const name of this.trackedInterfaces()) if (!this.linkState.has(name)) this.linkState.set(name, readCarrier(name));
    const actions = this.engine.reload(this.engineTime(this.now()), config);
    // keepalived's reload sequence: its "Reloading" and script lines, the interfaces' addresses
    // again, then what the instances do, the socket pool and "Reload complete" (netns lab).
    let at = 0;
    actions.forEach((a, i) => {
      if (a.type === 'log' && /^(Reloading$|VRRP_Script\(.*\) considered)/.test(a.message)) at = i + 1;
    });
    const assigned: EngineAction[] = [];
    for (const [name, info] of this.interfaces) {
      if (info.ipv4) assigned.push({ type: 'log', level: 'info', message: `Assigned address ${info.ipv4} for interface ${name}` });
      if (info.ipv6) assigned.push({ type: 'log', level: 'info', message: `Assigned address ${info.ipv6} for interface ${name}` });
    }
    for (const message of linkLocalWarnings(config)) assigned.push({ type: 'log', level: 'info', message });
    const warn = (message: string): EngineAction => ({ type: 'log', level: 'warning', message });
    // keepalived's VRRP child reads the config after "Reloading": global_defs' problems, "Script
    // user ... does not exist", the rest of the file's problems, then (after the scripts' reload
    // lines) the end-of-config checks such as SECURITY VIOLATION (netns lab).
    actions.splice(at, 0, ...lines.complete.map(warn), ...assigned);
    const missingUser = hasScripts(config) ? defaultScriptUserMissing(config) : undefined;
    const reloading = actions.findIndex((a) => a.type === 'log' && a.message === 'Reloading');
    const read = [...lines.global, ...(missingUser ? [missingUser] : []), ...lines.parse];
    actions.splice(reloading + 1, 0, ...read.map((message) => (message === missingUser ? { type: 'log' as const, level: 'info' as const, message } : warn(message))));
    // keepalived's reload builds every instance anew: the dump's "Last transition" of each is the
    // reload time, and a MASTER's "Master down timer" is 0 until it next leaves MASTER (netns lab,
    // SIGUSR1 after a reload: MASTERs 0 usecs, a BACKUP 3609375).
    const when = this.epoch + this.now();
    for (const s of this.engine.snapshot()) {
      this.lastTransition.set(s.name, when);
      if (s.state === 'MASTER') this.downTimerCleared.add(s.name);
    }
    this.scriptUserLookedUp = false;
    this.createReloadVmacs(config, actions);
    // keepalived's reload runs to its end before any timer: a kept MASTER's advert with the new
    // settings (due at once, engine reload_master) leaves after the GARPs and the VIP changes.
    this.reloadHold = true;
    this.execute(actions);
    // keepalived's reload counts the tracked processes again (reload_track_processes).
    for (const [trackProcess, count] of Object.entries(this.watchTrackedProcesses(config))) this.feed({ type: 'process-count', trackProcess, count });
    const added = actions.some((a) => a.type === 'transition' && a.from === 'INIT');
    // keepalived logs the socket pool before "Reload complete" when the reload started instances, after it otherwise.
    if (added) this.deferLog(...this.sockpoolLines(), 'Reload complete');
    else this.deferLog('Reload complete', ...this.sockpoolLines());
    this.releaseAfterReload(this.now());
    // glibc keeps what V8's worker threads freed during a reload's burst of work, in an arena per
    // thread (255 backups, 100 reloads: one arena at 6.3 MB, 1.4 MB after the trim; issue 22).
    // Given back once the reloads stop (keepalived, one C process, stays flat).
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      VrrpSocket.trimMemory();
    }, RELOAD_TRIM_DELAY_MS);
    this.trimTimer.unref();
    return { ok: true };
  }

  /**
   * Timers wait until the reload's own work is done (its deferred actions, the VIP changes and
   * GARPs on the interfaces' queues; at most RELOAD_HOLD_MAX_MS), then what fell due is served at
   * the real time: the new-settings advert leaves then and the next counts from it (lab: keepalived
   * sends it 30-51 ms after the old one, its 15 GARPs in between; vrrplab ~2 ms).
   */
  private releaseAfterReload(since: number): void {
    if (this.stopping) return;
    const settled = !this.drainScheduled && this.deferred.length === 0 && this.hostWork === 0;
    if (!settled && this.now() - since < RELOAD_HOLD_MAX_MS) {
      setTimeout(() => this.releaseAfterReload(since), 1);
      return;
    }
    this.reloadHold = false;
    // What came meanwhile, in order, read now as keepalived reads it after its reload (the timers
    // due are served first), then the rest.
    for (const { event } of this.heldEvents.splice(0)) this.execute(this.engine.handle(this.engineTime(this.now()), event));
    this.execute(this.engine.handleTimeout(this.engineTime(this.now())));
    this.arm();
  }

  /**
   * The engine's clock: monotonic ms that never run backwards, even though a timeout is worked out
   * at its deadline (before the real clock gets there, see fire()) and an advert is handed in at
   * the time it was read, which can be a little before the last event's.
   */
  private engineTime(at: number): number {
    this.lastEngineTime = Math.max(this.lastEngineTime, at);
    return this.lastEngineTime;
  }

  /** Hands one event to the engine (at `at`, default now), carries out the actions, re-arms the timer. */
  feed(event: EngineEvent, at = this.now()): void {
    // During a reload's work keepalived reads nothing (its reload runs to the end first).
    if (this.reloadHold) {
      this.heldEvents.push({ event });
      return;
    }
    this.execute(this.engine.handle(this.engineTime(at), event));
    this.arm();
  }

  /**
   * One libuv timer, for the engine's earliest deadline (less the lead). A timer already armed to
   * fire no later than that stays armed: when it fires early, fire() re-arms it. So a backup
   * reading 255 adverts a second re-arms a timer about once per Master_Down_Interval, not at every
   * advert (each setTimeout/clearTimeout pair costs an object and a timer-list insert).
   */
  private arm(): void {
    this.gate.kick();
    if (this.reloadHold) {
      this.disarm();
      return;
    }
    const deadline = this.engine.nextDeadline();
    if (deadline === undefined) {
      this.disarm();
      return;
    }
    const at = deadline - this.leadMs();
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /**
   * The timer fires a little early (setTimeout has millisecond granularity and wakes early or late
   * by about 1 ms). The engine is pure, so what it does at the deadline can be worked out before
   * the deadline: its actions are computed and the adverts built now, the rest of the wait is
   * spent precisely (pacing.ts), and the adverts leave at the deadline with nothing but a sendto
   * in between. Nothing else can run during the wait (one thread), so an advert arriving in that
   * window is handed in after the timeout either way. With the kernel's receive time for adverts
   * (vrrp-socket.ts), this brought the SIGKILL failover down to keepalived's (native-notes/README.md,
   * Failover latency).
   */
  private fire(afterRead = false): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.reloadHold) return;
    const deadline = this.engine.nextDeadline() ?? this.now();
    if (deadline - this.now() > this.leadMs() + MAX_PRECISE_WAIT_MS - TIMER_LEAD_MS) {
      this.arm();
      return;
    }
    // A timer that fires late (the process was held up) lets the sockets be read first, as
    // keepalived's scheduler does: an advert the kernel received before the deadline (its receive
    // time is kept) resets the timer instead of a takeover on a silence that never was.
    if (!afterRead && this.now() - deadline > LATE_TIMER_MS) {
      if (this.readFirst) return;
      this.readFirst = true;
      setImmediate(() => {
        this.readFirst = false;
        if (this.stopping) return;
        this.disarm();
        this.fire(true);
      });
      return;
    }
    if (this.regularQueued.size > 0) this.settleRegular();
    this.turn = [];
    this.execute(this.engine.handleTimeout(this.engineTime(deadline)), deadline);
    // Deadlines that follow closely (many instances that became MASTER together keep adverts a few
    // microseconds apart for good) are served in this same turn, each at its own time: re-arming a
    // timer for each would cost a loop turn (>= 1 ms) and leave the rest late by a varying amount
    // (bench: jitter with 255 masters). Bounded, so the loop gets back to reading sockets.
    // Measured from the deadline just served, not from now: with the native sender thread nothing
    // here waits, so now stays ahead of the deadlines.
    const turnEnds = this.now() + BATCH_TURN_MS;
    let last = deadline;
    for (;;) {
      const next = this.engine.nextDeadline();
      // Never beyond the lead: the engine's clock would run ahead of the real one.
      if (next === undefined || next - last > BATCH_GAP_MS || next - this.now() > this.leadMs() || this.now() > turnEnds) break;
      this.execute(this.engine.handleTimeout(this.engineTime(next)), next);
      last = next;
    }
    this.queueTurn();
    this.arm();
  }

  /**
   * The adverts of one timer turn go to the sender thread in time order, and those due at the same
   * moment in the config's instance order. The engine's timer heap hands equal deadlines over in an
   * order that changes from one second to the next; the sender sends a group of 255 one after the
   * other (~1.5 ms here), so each VRID's place in it, and with that its interval, moved by up to
   * that much (bench: jitter with 255 masters). In a fixed order each keeps its place.
   */
  private queueTurn(): void {
    const turn = this.turn;
    this.turn = undefined;
    if (!turn) return;
    turn.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const { out, at, tag } of turn) this.transmit(out, at, tag);
  }

  private instanceOrder(name: string): number {
    let order = this.orderOf.get(name);
    if (order === undefined) {
      this.orderOf = new Map(this.options.config.instances.map((instance, index) => [instance.name, index]));
      order = this.orderOf.get(name) ?? this.orderOf.size;
    }
    return order;
  }

  /**
   * How early the timer fires. With the native sender thread nothing waits here, so the adverts of
   * many instances due together are worked out further ahead (about 20 us each): with 255 masters
   * a 3 ms lead left the last of a group late whenever the loop was a little slow.
   */
  private leadMs(): number {
    if (this.transport?.sendAt === undefined) return TIMER_LEAD_MS;
    return Math.min(MAX_SCHEDULED_LEAD_MS, TIMER_LEAD_MS + this.options.config.instances.length * LEAD_PER_INSTANCE_MS);
  }

  private count(reason: keyof RuntimeDrops): void {
    this.drops[reason] = (this.drops[reason] ?? 0) + 1;
  }

  /** Into --pcap, at `at` (runtime clock; received adverts: when the kernel got them). */
  private record(packet: Uint8Array, at = this.now()): void {
    this.pcap?.write((this.epoch + at) / 1000, packet);
  }

  private onAdvert(inbound: InboundAdvert): void {
    // use_vmac: read on the VMAC, handed in as the instance's interface (openVmacSockets).
    let iface = inbound.iface;
    if (this.vmacReaders.size > 0) {
      const base = this.vmacReaders.get(iface);
      if (base !== undefined) iface = base;
      else if (this.readOnVmac(iface, inbound.packet)) return;
    }
    this.record(inbound.packet, inbound.receivedAt);
    if (this.stopping) return;
    // The bytes go to the engine as read (IPv6: the header rebuilt, the checksum checked by the
    // kernel), which checks them as keepalived does, so a bad packet has keepalived's effect on the
    // timers and its log line (engine receivePacket()).
    if (inbound.packet.length > 0) {
      if (!this.batchedReads) {
        if (this.regularQueued.size > 0) this.takeBackRegular(iface, ...packetVrid(inbound.packet), inbound.receivedAt);
        this.feed({ type: 'packet', iface, packet: inbound.packet, checksumVerified: inbound.checksumVerified, handledAt: this.now() }, inbound.receivedAt);
        return;
      }
      // The rest of the batch follows in this turn; the timer is re-armed after it (batchEnd).
      // One event object and one action list serve every packet (nothing allocated per advert:
      // see receiveActions); the engine keeps neither.
      if (this.reloadHold) {
        // Held until the reload's work is done (feed()): the bytes are copied, the buffer is reused.
        this.feed({ type: 'packet', iface, packet: inbound.packet.slice(), checksumVerified: inbound.checksumVerified, handledAt: this.now() }, inbound.receivedAt);
        return;
      }
      if (this.regularQueued.size > 0) this.takeBackRegular(iface, ...packetVrid(inbound.packet), inbound.receivedAt);
      const event = this.packetEvent;
      event.iface = iface;
      event.packet = inbound.packet;
      event.checksumVerified = inbound.checksumVerified;
      event.handledAt = this.now();
      const actions = this.receiveActions ?? [];
      this.receiveActions = undefined;
      this.engine.handle(this.engineTime(inbound.receivedAt), event, actions);
      event.packet = NO_BYTES;
      this.execute(actions);
      actions.length = 0;
      this.receiveActions = actions;
      this.armAfterBatch = true;
      return;
    }
    const decoded = decodeAdvertPacket(inbound.packet, inbound.checksumVerified);
    if (!decoded.ok) {
      this.count(decoded.error);
      this.log('debug', `Dropped VRRP packet from ${inbound.src} on ${iface}: ${decoded.error}`);
      return;
    }
    if (this.regularQueued.size > 0) this.takeBackRegular(iface, decoded.value.advert.family, decoded.value.advert.vrid, inbound.receivedAt);
    this.feed({ type: 'advert', iface, packet: decoded.value, handledAt: this.now() }, inbound.receivedAt);
  }

  /**
   * A packet for a MASTER whose regular advert was worked out ahead (fire()) but is due after the
   * packet arrived: keepalived reads the packet before its timer falls due (any packet for the
   * VRID re-arms it), so that advert never leaves. It is taken back from the sender thread; the
   * engine, which counted it sent at its deadline, re-arms the timer from there (at most the
   * lead, 3 ms, later than keepalived's). Without it a peer advertising just under a MASTER's
   * interval got both the answer and the regular advert each time. Not with --hardened-receive
   * (a rejected packet moves no timer there).
   */
  private takeBackRegular(iface: string, family: 4 | 6, vrid: number | undefined, receivedAt: number): void {
    this.settleRegular();
    if (this.regularQueued.size === 0 || this.options.hardenedReceive === true || vrid === undefined) return;
    const instance = this.options.config.instances.find((i) => i.interface === iface && i.vrid === vrid && i.family === family);
    const queued = instance && this.regularQueued.get(instance.name);
    if (!instance || !queued || receivedAt >= queued.at) return;
    this.regularQueued.delete(instance.name);
    const taken = this.transport?.cancelScheduled?.(queued.tag, queued.at) ?? 0;
    if (taken > 0) this.advertsTakenBack.set(instance.name, (this.advertsTakenBack.get(instance.name) ?? 0) + 1);
    // One the sender thread had already taken left after all.
    else for (const packet of queued.packets) this.record(packet, queued.at);
  }

  /** Forgets the regular adverts whose deadline has passed (they have left), into --pcap. */
  private settleRegular(all = false): void {
    const now = this.now();
    for (const [name, queued] of this.regularQueued) {
      if (!all && queued.at >= now) continue;
      this.regularQueued.delete(name);
      for (const packet of queued.packets) this.record(packet, queued.at);
    }
  }

  /**
   * An address came or went on one of the instances' interfaces (the VIPs included): the engine
   * decides, as keepalived's netlink reflector does (an instance waiting in FAULT for an address
   * comes up, one losing its address goes to FAULT, a MASTER losing a VIP steps down). An IPv6
   * interface with no link-local address at start gets its sockets when one comes.
   */
  private onAddressChange(change: AddressChange): void {
    if (this.stopping || this.engine === undefined) return;
    const info = [...this.interfaces.values()].find((candidate) => candidate.index === change.ifindex);
    if (info === undefined) return;
    const linkScope = change.scope === 253;
    if (change.family === 6 && linkScope && change.present && info.ipv6 === undefined) {
      info.ipv6 = change.local;
      const wanted = this.options.config.instances.some((instance) => instance.interface === info.name && instance.family === 6);
      const opened = wanted ? this.transport?.openFamily?.(info, 6) : undefined;
      if (opened !== undefined && !opened.ok) this.log('warning', opened.error);
    } else if (change.family === 4 && change.present && info.ipv4 === undefined && !change.secondary) {
      info.ipv4 = change.local;
    } else if (!change.present && (change.family === 4 ? info.ipv4 : info.ipv6) === change.local) {
      if (change.family === 4) info.ipv4 = undefined;
      else info.ipv6 = undefined;
    }
    this.feed({ type: 'address', iface: info.name, family: change.family, address: change.local, present: change.present, linkScope, prefixLength: change.prefixLength });
  }

  private poll(): void {
    if (this.stopping) return;
    for (const [name, was] of this.linkState) {
      const up = readCarrier(name);
      if (up !== was) {
        this.linkState.set(name, up);
        this.feed({ type: 'link', iface: name, up }); // the engine logs keepalived's "Netlink reports" line
      }
    }
    for (const tf of this.options.config.trackFiles) {
      const value = readTrackFile(tf.file, this.fileState.get(tf.name));
      if (value !== this.fileState.get(tf.name)) {
        this.fileState.set(tf.name, value);
        this.feed({ type: 'file-value', trackFile: tf.name, value });
      }
    }
  }

  /**
   * Adverts go out at once (at `sendAt` when given: waited out here); everything else (logs, VIPs,
   * GARPs, scripts, notifies) runs on the next loop turn, in order, so none of it holds the
   * advert back (measured on SIGKILL failover against keepalived).
   */
  private execute(actions: EngineAction[], sendAt?: number): void {
    if (actions.length === 0 && sendAt === undefined) return;
    const outbound: Outbound[] = [];
    for (const action of actions) {
      if (action.type === 'send-advert') this.buildAdvert(action, outbound);
      else {
        // A script run's timeout counts from the engine's tick, and the skip line takes its words
        // from the script's state at the tick (keepalived: the tick comes before the timeouts due
        // at the same moment).
        if (action.type === 'run-script') this.runScriptAt.set(action, this.lastEngineTime);
        this.deferred.push(action.type === 'log' ? this.skipLineWording(action) : action);
      }
      if (action.type === 'transition') {
        this.lastTransition.set(action.instance, this.epoch + (sendAt ?? this.now()));
        if (action.to !== 'MASTER') this.downTimerCleared.delete(action.instance);
      }
    }
    if (sendAt !== undefined && this.transport?.sendAt !== undefined) {
      // The native sender thread sends them at `sendAt`; this thread goes back to the loop. A
      // MASTER's regular advert (nothing but the send for its instance) can be taken back.
      const regular = this.transport.cancelScheduled !== undefined && this.turn !== undefined ? regularOnly(actions) : undefined;
      for (const out of outbound) {
        const tag = regular?.has(out.instance) === true ? this.instanceOrder(out.instance) + 1 : 0;
        if (tag !== 0) this.regularQueued.set(out.instance, { at: sendAt, tag, packets: [] });
        if (this.turn) this.turn.push({ out, at: sendAt, order: this.instanceOrder(out.instance), tag });
        else this.transmit(out, sendAt);
      }
    } else {
      if (sendAt !== undefined) waitUntil(sendAt);
      // Never ahead of adverts still queued for a later moment (a resignation after the advert).
      const after = this.scheduledUntil > this.now() ? this.scheduledUntil : undefined;
      for (const out of outbound) this.transmit(out, after);
    }
    if (this.deferred.length > 0 && !this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => this.drainDeferred());
    }
  }

  private scheduleWarmUp(config: KeepalivedConfig, env: HostEnvironment, tries = 0): void {
    const timer = setTimeout(() => {
      const deadline = this.engine.nextDeadline();
      if (this.stopping) return;
      if (tries < 50 && ((deadline !== undefined && deadline - this.now() < WARM_UP_ROOM_MS) || this.gate.pending > 0)) {
        this.scheduleWarmUp(config, env, tries + 1);
        return;
      }
      warmUp(config, env);
    }, tries === 0 ? 1 : 20);
    timer.unref();
  }

  /** Log lines that follow the actions already queued (keepalived's order). */
  private deferLog(...messages: string[]): void {
    for (const message of messages) this.deferred.push({ type: 'log', level: 'info', message });
    if (!this.drainScheduled) {
      this.drainScheduled = true;
      setImmediate(() => this.drainDeferred());
    }
  }

  /** keepalived's "VRRP sockpool: [...]" line per socket (interface, family, unicast or multicast). */
  private sockpoolLines(): string[] {
    const { config } = this.options;
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const instance of config.instances) {
      const unicast = instance.unicastPeers.length > 0;
      const key = `${instance.interface}/${instance.useVmac && instance.vmacXmitBase !== true ? instance.vmacName : ''}/${instance.family}/${unicast}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // keepalived's socket is the VMAC's unless vmac_xmit_base (netns lab: ifindex of vrrp.51, of eth0 with xmit_base).
      const vmac = instance.useVmac && instance.vmacXmitBase !== true && instance.vmacName !== undefined ? this.vmacs.get(instance.vmacName) : undefined;
      const index = vmac?.info.index ?? this.interfaces.get(instance.interface)?.index ?? 0;
      const fd = this.socketFds(instance.family);
      const address = unicast ? (instance.unicastSrcIp ?? '') : instance.family === 6 ? config.globalDefs.vrrpMcastGroup6 : config.globalDefs.vrrpMcastGroup4;
      lines.push(`VRRP sockpool: [ifindex(${String(index).padStart(3)}), family(IPv${instance.family}), proto(112), fd(${fd.in},${fd.out}) ${unicast ? ', unicast' : 'multicast'}, address(${address})]`);
    }
    return lines;
  }

  /** The fds of the VRRP socket for a family (one socket does both ways here; keepalived has two). */
  private socketFds(family: 4 | 6): { in: number; out: number } {
    const fds = this.options.transport === 'raw' ? rawSocketFds(family, 112) : [];
    const fd = fds[0] ?? -1;
    return { in: fd, out: fds[1] ?? fd };
  }

  private drainDeferred(force = false): void {
    // Adverts queued on the native sender thread leave first: keepalived sends the takeover advert
    // before the VIP is added and announced (the old master drops it before our GARPs).
    const wait = this.scheduledUntil - this.now();
    if (!force && wait > DRAIN_PRECISE_MS) {
      setTimeout(() => this.drainDeferred(), Math.floor(wait - DRAIN_PRECISE_MS));
      return;
    }
    // The last stretch is waited out precisely (a timer could be a millisecond late).
    if (!force && wait > 0) waitUntil(this.scheduledUntil + DRAIN_AFTER_SEND_MS);
    // ... and until the sender thread has really sent them: woken late (its CPU taken), it put the
    // takeover advert on the wire 0.1 ms after the first GARP once (bench failover). Bounded.
    if (!force && this.transport?.scheduledPending) {
      const until = this.scheduledUntil;
      const giveUp = this.now() + DRAIN_SENT_MAX_MS;
      while (this.transport.scheduledPending(until) > 0 && this.now() < giveUp) waitUntil(this.now() + 0.02);
    }
    this.drainScheduled = false;
    const batch = this.deferred;
    this.deferred = [];
    for (const action of batch) this.carryOut(action);
    // keepalived's netlink then reports the interface gone (lab, reload dropping use_vmac, -D).
    for (const name of this.vmacRemovals.splice(0)) {
      void this.enqueue(name, async () => {
        if (this.removeVmac(name)) this.log('debug', `Interface ${name} deleted`);
      });
    }
  }

  private carryOut(action: EngineAction): void {
    switch (action.type) {
      case 'log':
        this.orderedLog(action.level, action.message);
        break;
      case 'send-advert':
        break;
      case 'add-vips':
      case 'remove-vips':
        this.changeVips(action.type === 'add-vips' ? 'add' : 'del', action.instance, action.iface, action.addresses);
        break;
      case 'send-garp':
        this.garp(action.iface, action.addresses, action.count);
        break;
      case 'firewall':
        this.firewall.change(action.add ? 'add' : 'delete', action.addresses);
        break;
      case 'run-script':
        this.runScript(action.script, action.command, action.timeoutMs, action.user, this.runScriptAt.get(action) ?? this.now());
        break;
      case 'notify':
        this.notify(action.args, action.command);
        break;
      case 'notify-fifo': {
        const problem = this.fifos?.write(action.line);
        if (problem !== undefined) this.log('warning', problem);
        break;
      }
      case 'transition':
      case 'priority':
        // Already logged by the engine in keepalived's words; structured copies for JSON logs.
        this.options.logger.event?.(action);
        break;
    }
  }

  private buildAdvert(action: Extract<EngineAction, { type: 'send-advert' }>, into: Outbound[]): void {
    if (!this.transport) return;
    const info = this.interfaces.get(action.iface);
    const src = action.src ?? (action.advert.family === 6 ? info?.ipv6 : info?.ipv4);
    if (!src) {
      this.log('warning', `No source address on ${action.iface} for IPv${action.advert.family} advert`);
      return;
    }
    const group = action.advert.family === 6 ? this.options.config.globalDefs.vrrpMcastGroup6 : this.options.config.globalDefs.vrrpMcastGroup4;
    for (const dst of action.unicastPeers?.length ? action.unicastPeers : [group]) {
      // use_vmac without vmac_xmit_base: out of the VMAC, from its address (the source IP stays the base's).
      const via = action.vmac !== undefined && this.vmacs.has(action.vmac.iface) ? action.vmac.iface : action.iface;
      const plain = buildAdvertPacket(action.advert, { src, dst });
      // keepalived 2.4's auth_hmac: the signed trailer after the PDU (the IPv4 checksum left over
      // the PDU alone, as 2.4.3's; IPv6's is the kernel's over the whole payload). Every copy to a
      // unicast peer carries the same trailer, as keepalived signs once per advert.
      const h = action.hmac;
      const packet = h === undefined ? plain : withTrailer(plain, { keyId: h.keyId, seconds: h.seconds, fraction: h.fraction, counter: h.counter }, h.key);
      into.push({ instance: action.instance, iface: via, dst, packet });
    }
  }

  private transmit(out: Outbound, at?: number, tag = 0): void {
    const transport = this.transport;
    const sent = at !== undefined && transport?.sendAt ? transport.sendAt(out, at, tag) : transport?.send(out);
    if (at !== undefined && transport?.sendAt) this.scheduledUntil = Math.max(this.scheduledUntil, at);
    // An advert that can still be taken back goes into --pcap once it has left (settleRegular()).
    const queued = tag !== 0 && this.pcap ? this.regularQueued.get(out.instance) : undefined;
    if (sent?.ok && queued) queued.packets.push(out.packet);
    else if (sent?.ok) this.record(out.packet, at);
    else if (sent) this.log('warning', `(${out.instance}) send advert to ${out.dst} failed: ${sent.error}`);
  }

  private findVip(instanceName: string, address: string): { vip: VirtualAddress; instance: VrrpInstance } | undefined {
    for (const config of [this.options.config, this.previousConfig]) {
      const instance = config?.instances.find((i) => i.name === instanceName);
      const vip = instance?.virtualIpaddresses.find((v) => v.address === address);
      if (instance && vip) return { vip, instance };
    }
    return undefined;
  }

  /** Host changes on one interface happen in order: add, then GARP, then (later) delete. */
  private enqueue(iface: string, work: () => Promise<void>): Promise<void> {
    const next = (this.hostQueues.get(iface) ?? Promise.resolve()).then(work, work);
    this.hostQueues.set(iface, next);
    this.track(next);
    this.hostWork++;
    this.lastQueued = iface;
    void next.finally(() => this.hostWork--);
    return next;
  }

  /**
   * An engine log line, in order with the host work queued before it: keepalived adds the VIPs and
   * sends the first GARP of each before it logs what comes next (netns lab, -D: a second instance's
   * "Receive advertisement timeout" after the first's GARP lines). While host work is pending the
   * line is queued behind it, and so are the lines after it. "Sending/queueing … for X" is kept for the
   * GARP run that follows, which logs it just before X's first frame, as keepalived does.
   */
  private orderedLog(level: 'info' | 'debug' | 'warning' | 'error', message: string): void {
    const queueing = /^\(\S+\) Sending\/queueing .* on (\S+) for (\S+)$/.exec(message);
    if (queueing) {
      this.queueingLines.set(`${queueing[1]} ${queueing[2]}`, message);
      return;
    }
    if (this.hostWork === 0 || this.lastQueued === undefined) {
      this.log(level, message);
      return;
    }
    // Behind the work queued last (one interface in all but rare configs), and so in order with it.
    void this.enqueue(this.lastQueued, async () => this.log(level, message));
  }

  private track(p: Promise<unknown>): void {
    this.children.add(p);
    void p.finally(() => this.children.delete(p));
  }

  private changeVips(verb: 'add' | 'del', instance: string, iface: string, addresses: string[]): void {
    for (const address of addresses) {
      const found = this.findVip(instance, address);
      const vip: VirtualAddress = found?.vip ?? { address, prefixLength: address.includes(':') ? 128 : 32, family: address.includes(':') ? 6 : 4, location: { file: '', line: 0 } };
      // keepalived puts only VIPs of the instance's family on its VMAC (vrrp.c, use_vmac_addr aside).
      const onVmac = this.vmacs.get(iface);
      const dev = vip.dev ?? (onVmac !== undefined && found !== undefined && found.instance.family !== vip.family ? onVmac.spec.base : this.hostInterface(iface));
      void this.enqueue(dev, async () => {
        const result = verb === 'add' ? await this.addresses.add(vip, dev) : await this.addresses.remove(vip, dev);
        if (!result.ok) this.log('warning', `(${instance}) ${verb === 'add' ? 'adding' : 'removing'} VIP ${address}: ${result.error}`);
      });
    }
  }

  /**
   * Gratuitous ARPs (IPv4) and unsolicited NAs (IPv6), keepalived's vrrp_send_link_update: `count`
   * rounds over the addresses, back to back, no child process. Queued behind the address change
   * on the same interface, so the announcement follows the address. The engine logged
   * keepalived's line already.
   */
  private garp(vipIface: string, addresses: string[], count: number): void {
    const iface = this.hostInterface(vipIface);
    void this.enqueue(iface, async () => {
      const read = this.interfaces.has(iface) ? undefined : await readInterface(iface);
      const info = this.interfaces.get(iface) ?? (read?.ok ? read.info : undefined);
      if (addresses.some((a) => a.includes(':'))) this.ndiscCheckedAt.set(iface, this.epoch + this.now());
      for (let n = 0; n < count; n++) {
        for (const address of addresses) {
          const queued = this.queueingLines.get(`${iface} ${address}`);
          if (queued !== undefined) {
            this.queueingLines.delete(`${iface} ${address}`);
            this.log('info', queued);
          }
          const sent = info ? this.announcer.announce(iface, info.index, info.mac, address) : { ok: false as const, error: `interface ${iface} not found` };
          // keepalived -D logs every frame.
          if (sent.ok) this.log('debug', address.includes(':') ? `Sending unsolicited Neighbour Advert on ${iface} for ${address}` : `Sending gratuitous ARP on ${iface} for ${address}`);
          if (!sent.ok) this.log('warning', `${address.includes(':') ? 'unsolicited NA' : 'gratuitous ARP'} on ${iface} for ${address}: ${sent.error}`);
        }
      }
    });
  }

  private userIds(user: string | undefined): { uid?: number; gid?: number } | { error: string } {
    const name = user ?? this.options.config.globalDefs.scriptUser;
    if (!name) return {};
    const looked = lookupUser(name, this.options.config.globalDefs.scriptGroup);
    if (!looked.ok) return { error: looked.error };
    // Running as the same uid needs no switch (and non-root cannot switch anyway).
    if (process.getuid?.() === looked.uid) return {};
    return { uid: looked.uid, gid: looked.gid };
  }

  /**
   * A tracked script's run, as keepalived 2.2.7 runs it: every interval, also while earlier runs
   * hang (startTrackRun in scripts.ts: the shared state, the TERM/KILL sequence). The engine logs
   * "is already running" when its last run has not ended; that line says "being timed out" once a
   * timeout has asked the script to end (carryOut).
   */
  /** keepalived words the engine's skip line by the script's state: "being timed out" once a timeout asked it to end. */
  private skipLineWording(action: Extract<EngineAction, { type: 'log' }>): EngineAction {
    const skip = /^Track script (\S+) is already running, expect idle - skipping run$/.exec(action.message);
    if (!skip) return action;
    const state = this.scriptStates.get(skip[1])?.state;
    if (state !== 'requesting-termination' && state !== 'forcing-termination') return action;
    return { ...action, message: `Track script ${skip[1]} is being timed out, expect idle - skipping run` };
  }

  private runScript(script: string, command: string, timeoutMs: number, user: string | undefined, tickAt: number): void {
    const split = splitCommandLine(command);
    const ids = this.userIds(user);
    if (!split.ok || 'error' in ids) {
      const why = !split.ok ? split.error : (ids as { error: string }).error;
      this.log('warning', `VRRP_Script(${script}) cannot run: ${why}`);
      queueMicrotask(() => this.feed({ type: 'script-result', script, exitCode: 127 }));
      return;
    }
    let state = this.scriptStates.get(script);
    if (state === undefined) {
      state = { name: script, state: 'idle' };
      this.scriptStates.set(script, state);
    }
    const tracked = state;
    // The timeout runs from the tick that asked for the run, as keepalived's does (from the fork,
    // just after the tick: 1 ms later here, so the tick two intervals on comes first).
    const startedAt = tickAt + 1;
    const p = this.gate.clear().then(() => new Promise<void>((resolve) => {
      startTrackRun(tracked, split.words, { timeoutMs, startedAt, ...ids }, {
        log: (message) => this.log('info', message),
        now: () => this.now(),
        onSpawn: (pid) => this.childPids.add(pid),
        onExit: (pid) => { this.childPids.delete(pid); this.childrenEnded = true; },
        onForget: (pid) => {
          this.childPids.delete(pid);
          resolve();
        },
        result: (outcome) => {
          resolve();
          if (outcome.spawnError) this.log('debug', `VRRP_Script(${script}): ${outcome.spawnError}`);
          if (this.stopping) return;
          this.feed({ type: 'script-result', script, exitCode: outcome.exitCode, timedOut: outcome.timedOut });
        },
      });
    }));
    this.track(p);
  }

  /** Opens the notify fifos and starts their scripts, each with the fifo's path (keepalived 2.2.7). */
  private openFifos(config: KeepalivedConfig): void {
    const specs = fifoSpecs(config.globalDefs);
    if (specs.length === 0) return;
    this.fifos = new NotifyFifos(specs, (message) => this.log('warning', message));
    for (const { argv } of this.fifos.scripts()) {
      const ids = this.userIds(undefined);
      if ('error' in ids) {
        this.log('warning', `Notify fifo script ${argv[0] ?? ''}: ${ids.error}`);
        continue;
      }
      const p = runProgram(argv, { ...ids, onSpawn: (pid) => this.fifoScriptPids.add(pid), onExit: (pid) => this.fifoScriptPids.delete(pid) }).then((outcome) => {
        if (outcome.spawnError) this.log('warning', `Error exec-ing command '${argv[0] ?? ''}': ${outcome.spawnError}`);
      });
      this.track(p);
    }
  }

  private notify(args: string[], command: string): void {
    if (args.length === 0) return;
    const ids = this.userIds(undefined);
    if ('error' in ids) {
      this.log('warning', `Notify ${command}: ${ids.error}`);
      return;
    }
    const p = this.gate.clear().then(() => runProgram(args, { ...ids, onSpawn: (pid) => this.childPids.add(pid), onExit: (pid) => { this.childPids.delete(pid); this.childrenEnded = true; } })).then((outcome) => {
      if (outcome.spawnError) this.log('warning', `Error exec-ing command '${args[0]}': ${outcome.spawnError}`);
      else if (outcome.exitCode !== 0) this.log('debug', `Notify ${command} exited with status ${outcome.exitCode}`);
    });
    this.track(p);
  }

  /**
   * The "Script user 'keepalived_script' does not exist" lines keepalived logs on SIGUSR1: its
   * parent looks the user up at its first dump after start or a reload, and so does its VRRP child
   * when the config has no scripts (it looked it up while loading otherwise). netns lab: one line
   * at the first SIGUSR1 with scripts, none at the second, one after a reload; two each time with
   * no scripts.
   */
  dumpScriptUserLines(): string[] {
    const { config } = this.options;
    const missing = defaultScriptUserMissing(config);
    if (missing === undefined || this.scriptUserLookedUp) return [];
    this.scriptUserLookedUp = true;
    return hasScripts(config) ? [missing] : [missing, missing];
  }

  /** SIGUSR1: keepalived.data, as keepalived 2.2.7 writes it (dump.ts), mode 0600. */
  writeDataDump(): string {
    const path = join(this.options.dumpDir, 'keepalived.data');
    const { config } = this.options;
    const text = formatDataDump({
      config,
      routerId: config.globalDefs.routerId ?? hostname(),
      instances: this.snapshot().map((i) => (this.downTimerCleared.has(i.name) && i.state === 'MASTER' ? { ...i, downTimerMs: 0 } : i)),
      scripts: this.engine.scriptSnapshot(),
      interfaces: listInterfaces().map((i) => {
        // The interface's own addresses (the VIPs on it are listed under the instances).
        const own = this.interfaces.get(i.name);
        const checked = this.ndiscCheckedAt.get(i.name);
        // A VMAC shows no address of its own (the VIPs are the instances'), its ARP settings as
        // set, and its base the settings it had before (keepalived 2.2.7's dump, netns lab).
        const vmac = this.vmacs.get(i.name);
        const base = this.vmacBaseArp.get(i.name);
        const vmacFields = vmac !== undefined
          ? { ipv4: undefined, ipv6: undefined, vmacBase: vmac.spec.base, ...(vmac.spec.family === 4 ? { rpFilterShown: 0, original: { arpIgnore: 1, arpFilter: 0, promoteSecondaries: 1 } } : {}) }
          : base !== undefined ? { rpFilterShown: i.rpFilter ?? 0, original: { ...base, promoteSecondaries: 0 } } : {};
        return {
          ...i,
          ...(own ? { ipv4: own.ipv4 ?? i.ipv4, ipv6: own.ipv6 ?? i.ipv6 } : {}),
          ...vmacFields,
          ...(checked !== undefined ? { ipv6ForwardingCheckedAt: checked, ipv6Forwarding: readForwarding6(i.name) } : {}),
        };
      }),
      lastTransition: this.lastTransition,
      ...(this.options.keepalivedVersion !== undefined ? { keepalivedVersion: this.options.keepalivedVersion } : {}),
      toEpoch: (ms) => this.epoch + ms,
      fds: (_iface, family) => this.socketFds(family),
      command: commandForDump,
      scriptIds: this.scriptIds(),
    });
    writeDump(path, text);
    return path;
  }

  private scriptIds(): string {
    const ids = this.userIds(undefined);
    const uid = 'uid' in ids && ids.uid !== undefined ? ids.uid : (process.getuid?.() ?? 0);
    const gid = 'gid' in ids && ids.gid !== undefined ? ids.gid : (process.getgid?.() ?? 0);
    return `${uid}:${gid}`;
  }

  /** One line for -D on SIGUSR2 (beyond keepalived): what a soak watches for leaks. */
  resourceLine(): string {
    const kinds = process.getActiveResourcesInfo();
    const timers = kinds.filter((k) => k === 'Timeout').length;
    // Received packets dropped, by reason: before the engine (transport, decoding) and by its checks.
    const dropped = Object.entries({ ...this.drops, ...this.engine.receiveDrops }).map(([reason, n]) => `${reason} ${n}`).join(', ');
    const m = process.memoryUsage();
    const mb = (n: number) => (n / 1048576).toFixed(1);
    // heap used, then where the rest of RSS is: V8's heap as reserved, memory outside it (Buffers).
    return `vrrplab resources: fds ${openFdCount()}, timers ${timers}, active resources ${kinds.length}, children ${this.children.size}, heap used ${mb(m.heapUsed)} MB, heap total ${mb(m.heapTotal)} MB, external ${mb(m.external)} MB, array buffers ${mb(m.arrayBuffers)} MB, rss ${mb(m.rss)} MB, dropped: ${dropped || 'none'}`;
  }

  /** The config in use (the last applied reload's): run --listen's snapshot reads it. */
  currentConfig(): KeepalivedConfig {
    return this.options.config;
  }

  /** Epoch ms of each instance's last transition, as the SIGUSR1 dump shows it (and run --listen). */
  lastTransitions(): ReadonlyMap<string, number> {
    return this.lastTransition;
  }

  /** SIGUSR2: keepalived.stats. */
  writeStatsDump(): string {
    const path = join(this.options.dumpDir, 'keepalived.stats');
    // keepalived 2.4.3 adds its auth_ext_* counters (zeros for an instance without auth_hmac).
    const v24 = this.options.keepalivedVersion === '2.4';
    writeDump(path, this.snapshot().map((s) => formatVrrpStats(s.name, s.stats, v24 ? (s.authExt ?? newAuthExtStats()) : undefined)).join(''));
    return path;
  }

  /** The engine's, less the regular adverts taken back before they left (takeBackRegular()). */
  snapshot(): ReturnType<HostEngine['snapshot']> {
    const instances = this.engine.snapshot();
    if (this.advertsTakenBack.size === 0) return instances;
    return instances.map((i) => {
      const taken = this.advertsTakenBack.get(i.name) ?? 0;
      return taken === 0 ? i : { ...i, stats: { ...i.stats, advert_sent: i.stats.advert_sent - taken } };
    });
  }

  /** SIGTERM: resign, remove VIPs, notify_stop; resolves when host changes are done. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    const stopAt = this.now();
    // The notify fifo scripts get SIGTERM at once, before the STOP lines (lab, 2.2.7: 5 ms after
    // keepalived's own SIGTERM; a script reading the fifo never saw a STOP line).
    for (const pid of this.fifoScriptPids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch { /* already gone */ }
    }
    this.fifoScriptPids.clear();
    this.feed({ type: 'stop' });
    // The resignations leave before the VIPs go, as keepalived does it.
    const queued = this.scheduledUntil - this.now();
    if (queued > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(queued)));
    this.drainDeferred(true);
    this.stopping = true;
    this.disarm();
    if (this.pollTimer) clearInterval(this.pollTimer);
    if (this.trimTimer) clearTimeout(this.trimTimer);
    this.linkWatch?.close();
    this.processWatch?.close();
    this.processWatch = undefined;
    // Let VIP removals and notify_stop finish (bounded: a hung notify script does not hold us).
    const deadline = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    await Promise.race([Promise.allSettled([...this.hostQueues.values()]), deadline]);
    // Closing a socket drops what is still queued on it: let the last scheduled adverts leave.
    const pending = this.scheduledUntil - this.now();
    if (pending > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(pending) + 1));
    // keepalived's VRRP child waits TIMER_HZ after resigning before it exits (vrrp_terminate_phase1;
    // netns lab: "Stopped" 1.02 s after "Stopping"), and a notify_stop still running then gets
    // SIGTERM, to its PID only (its children and its process group are left alone), and no
    // SIGKILL after it (lab: a notify_stop that traps TERM and sleeps got TERM 1.03 s after
    // keepalived's SIGTERM, a child it started in the background got nothing, and it outlived
    // keepalived). Track scripts still running get the same.
    const linger = stopAt + STOP_LINGER_MS - this.now();
    if (linger > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(linger)));
    this.terminateChildren();
    this.transport?.close();
    this.announcer.close();
    this.addresses.close();
    // keepalived: "(VI_1) Success removing VMAC interface vrrp.51" after "removing VIPs." (lab).
    for (const name of [...this.vmacs.keys()]) this.removeVmac(name);
    this.removeVmacs();
    this.firewall.close();
    this.settleRegular(true);
    this.pcap?.close();
    // A fifo this process made goes with it; one that was there stays (lab, 2.2.7).
    this.fifos?.close();
  }

  /**
   * use_vmac: each instance's VMAC, created (or taken over) at start as keepalived does, with its
   * line ("(VI_1): Success creating VMAC interface vrrp.51"). Only the raw transport has them.
   */
  private async setUpVmacs(config: KeepalivedConfig): Promise<StartResult> {
    if (this.options.transport === 'raw') resolveVmacNames(config);
    const specs = vmacSpecs(config, (name) => this.interfaces.get(name)?.ipv6);
    if (specs.length === 0) return { ok: true };
    if (this.options.transport !== 'raw') {
      this.log('warning', `use_vmac is not applied with --transport ${this.options.transport}: the VIPs stay on ${[...new Set(specs.map((s) => s.base))].join(', ')}`);
      return { ok: true };
    }
    for (const spec of specs) {
      const made = await this.createOne(spec);
      if (!made.ok) {
        this.removeVmacs();
        return { ok: false, error: `(${spec.instance}) VMAC ${spec.name}: ${made.error}` };
      }
    }
    this.applyVmacRules();
    return { ok: true };
  }

  /** keepalived's nftables rules for the VMACs there are (or to be kept: not being removed). */
  private applyVmacRules(): void {
    const removing = new Set(this.vmacRemovals);
    for (const family of [4, 6] as const) {
      const vmacs = [...this.vmacs.values()].filter(({ spec }) => spec.family === family && !removing.has(spec.name)).map(({ spec }) => ({ name: spec.name, base: spec.base }));
      if (vmacs.length === 0 && !this.nftFamilies.has(family)) continue;
      const done = setVmacRules(family, vmacs);
      if (done.ok) {
        if (vmacs.length > 0) this.nftFamilies.add(family);
        else this.nftFamilies.delete(family);
      } else if (vmacs.length > 0) {
        this.log('warning', `VMAC ${family === 4 ? 'IGMP' : 'MLD'} reports are not moved to the base interface (keepalived's nftables rule): ${done.error}`);
      }
    }
  }

  private async createOne(spec: VmacSpec): Promise<StartResult> {
    const made = createVmac(spec);
    if (!made.ok) return made;
    const read = await readInterface(spec.name);
    if (!read.ok) {
      deleteVmac(spec.name);
      return read;
    }
    this.vmacs.set(spec.name, { spec, info: read.info });
    if (made.baseBefore !== undefined && !this.vmacBaseArp.has(spec.base)) this.vmacBaseArp.set(spec.base, made.baseBefore);
    // keepalived logs these with -D only (lab, with and without).
    this.log('debug', made.reused ? `(${spec.instance}) Found matching interface ${spec.name}` : `(${spec.instance}): Success creating VMAC interface ${spec.name}`);
    return { ok: true };
  }

  /**
   * Sockets on the VMACs whose instances advertise from them (no vmac_xmit_base): they send there
   * and read there, as keepalived's socket does (its sockpool names the VMAC). They must: a
   * multicast frame whose source MAC is one of the host's own private macvlans is handed to that
   * macvlan only (the kernel's macvlan_handle_frame), so a peer's VMAC adverts never reach the
   * base interface while this host has the same VMAC (lab: a backup reading on eth0 heard nothing
   * from keepalived's VMAC and took over). Adverts for those VRIDs read on the base are dropped:
   * the VMAC gets its own copy of what the base receives.
   */
  private openVmacSockets(config: KeepalivedConfig): StartResult {
    this.vmacReaders.clear();
    this.vridsOnVmac.clear();
    for (const { spec, info } of this.vmacs.values()) {
      const users = config.instances.filter((i) => i.useVmac && i.vmacName === spec.name && i.vmacXmitBase !== true);
      if (users.length === 0) continue;
      const opened = this.transport?.addInterface?.(info, [spec.family]) ?? { ok: false as const, error: 'the transport cannot send from a VMAC' };
      if (!opened.ok) return opened;
      this.vmacReaders.set(spec.name, spec.base);
      for (const i of users) this.vridsOnVmac.set(vridKey(i.interface, i.family, i.vrid), spec.name);
    }
    return { ok: true };
  }

  /** Whether an advert read on a base interface is for an instance that reads on its VMAC. */
  private readOnVmac(iface: string, packet: Uint8Array): boolean {
    if (packet.length < 1) return false;
    const family = packet[0] >> 4;
    const at = family === 4 ? (packet[0] & 0x0f) * 4 + 1 : 41;
    return at < packet.length && this.vridsOnVmac.has(vridKey(iface, family, packet[at]));
  }

  /** A reload's new VMACs are made before its actions run (they add VIPs to them). */
  private createReloadVmacs(config: KeepalivedConfig, actions: EngineAction[]): void {
    if (this.options.transport !== 'raw') return;
    resolveVmacNames(config, (name) => this.vmacs.has(name));
    const removing = new Set(this.vmacRemovals);
    const specs = vmacSpecs(config, (name) => this.interfaces.get(name)?.ipv6).filter((spec) => !this.vmacs.has(spec.name) || removing.has(spec.name));
    for (const spec of specs) {
      if (removing.has(spec.name)) {
        // The same name, another VMAC: the old one goes first (its VIPs with it).
        this.vmacRemovals = this.vmacRemovals.filter((name) => name !== spec.name);
        this.removeVmac(spec.name);
      }
      const made = createVmac(spec);
      if (!made.ok) {
        actions.unshift({ type: 'log', level: 'warning', message: `(${spec.instance}) VMAC ${spec.name}: ${made.error}` });
        continue;
      }
      const read = readInterfaceNow(spec.name);
      if (read === undefined) continue;
      this.vmacs.set(spec.name, { spec, info: read });
      if (made.baseBefore !== undefined && !this.vmacBaseArp.has(spec.base)) this.vmacBaseArp.set(spec.base, made.baseBefore);
      actions.unshift({ type: 'log', level: 'debug', message: `(${spec.instance}): Success creating VMAC interface ${spec.name}` });
    }
    const opened = this.openVmacSockets(config);
    if (!opened.ok) actions.unshift({ type: 'log', level: 'warning', message: opened.error });
    this.applyVmacRules();
  }

  private removeVmac(name: string): boolean {
    const vmac = this.vmacs.get(name);
    if (vmac === undefined) return false;
    this.transport?.removeInterface?.(name);
    this.vmacReaders.delete(name);
    for (const [key, vmac] of this.vridsOnVmac) if (vmac === name) this.vridsOnVmac.delete(key);
    this.vmacs.delete(name);
    const removed = deleteVmac(name);
    if (removed.ok) this.log('debug', `(${vmac.spec.instance}) Success removing VMAC interface ${name}`);
    else this.log('warning', `(${vmac.spec.instance}) removing VMAC interface ${name}: ${removed.error}`);
    return removed.ok;
  }

  /** Every VMAC this run made, at once (also from a process 'exit' handler: nothing here waits). */
  removeVmacs(): void {
    for (const name of [...this.vmacs.keys()]) {
      this.vmacs.delete(name);
      deleteVmac(name);
    }
    for (const family of [...this.nftFamilies]) {
      this.nftFamilies.delete(family);
      setVmacRules(family, []);
    }
  }

  /** Where host work for an interface the engine names goes: a VMAC that was not set up means its base. */
  private hostInterface(iface: string): string {
    if (this.vmacs.has(iface)) return iface;
    const instance = this.options.config.instances.find((i) => i.useVmac && i.vmacName === iface);
    return instance !== undefined ? instance.interface : iface;
  }

  /** SIGTERM to every script and notify child still running, by PID (keepalived at exit). */
  terminateChildren(): void {
    for (const pid of this.childPids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch { /* already gone */ }
    }
    this.childPids.clear();
  }
}

/**
 * A config's problems as keepalived's VRRP process logs them while reading it: those of global_defs
 * (logged by keepalived's parent at start; by both on reload), those of the rest of the file, and
 * those of the end-of-config checks (SECURITY VIOLATION, a disabled script).
 */
export interface ConfigLines {
  global: string[];
  parse: string[];
  complete: string[];
}

const NO_CONFIG_LINES: ConfigLines = { global: [], parse: [], complete: [] };

/** The config runs scripts: a vrrp_script, or a notify of an instance or sync group. */
function hasScripts(config: KeepalivedConfig): boolean {
  const g = config.globalDefs;
  // A notify fifo script counts too (lab: "Script user 'keepalived_script' does not exist" with only a vrrp_notify_fifo_script).
  if (g.notifyFifoScript !== undefined || g.vrrpNotifyFifoScript !== undefined) return true;
  return config.scripts.length > 0 || [...config.instances, ...config.syncGroups].some((o) => Object.values(o.notify).some((n) => Boolean(n)));
}

/**
 * keepalived's line when no script_user is configured and its default user, keepalived_script,
 * does not exist (it runs scripts as root then); undefined otherwise.
 */
function defaultScriptUserMissing(config: KeepalivedConfig): string | undefined {
  if (config.globalDefs.scriptUser) return undefined;
  const looked = lookupUser('keepalived_script');
  return looked.ok ? undefined : looked.error;
}

/**
 * keepalived's warning for a VRRPv3 IPv6 multicast instance whose first VIP is not link-local (at
 * start and reload); a unicast instance gets none (vrrp.c tests VRRP_FLAG_UNICAST; lab, issue 23).
 */
export function linkLocalWarnings(config: KeepalivedConfig): string[] {
  return config.instances
    .filter((i) => i.family === 6 && i.unicastPeers.length === 0 && i.virtualIpaddresses.length > 0 && !/^fe[89ab][0-9a-f]:/i.test(i.virtualIpaddresses[0].address))
    .map((i) => `(${i.name}) the first IPv6 VIP address should be link local`);
}

/**
 * keepalived writes its dumps (keepalived.data, .stats, .json) mode 0600, also over a file that
 * was there with another mode (netns lab: all three 0600, and 0600 again after a chmod 644): the
 * data dump holds the authentication passwords.
 */
function writeDump(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** /proc/sys/net/ipv6/conf/IF/forwarding is 1 (keepalived sets the NA Router flag then). */
function readForwarding6(iface: string): boolean {
  try {
    return readFileSync(`/proc/sys/net/ipv6/conf/${iface}/forwarding`, 'utf8').trim() === '1';
  } catch {
    return false;
  }
}

/**
 * The value of a track_file as keepalived reads it (the engine's trackFileValue: strtol base 0, so
 * 0x1f and 010 are 31 and 8; missing or unreadable: 0). A number keepalived ignores (out of range)
 * leaves `previous` in force.
 */
export function readTrackFile(path: string, previous = 0): number {
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    text = undefined;
  }
  return trackFileValue(text) ?? previous;
}

/** The VMAC each use_vmac instance needs (one per name). */
function vmacSpecs(config: KeepalivedConfig, linkLocal: (iface: string) => string | undefined = () => undefined): VmacSpec[] {
  const specs = new Map<string, VmacSpec>();
  for (const i of config.instances) {
    if (!i.useVmac || i.vmacName === undefined || i.vmacMac === undefined || specs.has(i.vmacName)) continue;
    specs.set(i.vmacName, { instance: i.name, name: i.vmacName, base: i.interface, mac: i.vmacMac, family: i.family, xmitBase: i.vmacXmitBase === true, baseLinkLocal: linkLocal(i.interface) });
  }
  return [...specs.values()];
}

/** An interface's index and MAC from sysfs, at once (a reload cannot wait for a netlink dump). */
function readInterfaceNow(name: string): InterfaceInfo | undefined {
  const index = interfaceIndex(name);
  if (index === undefined) return undefined;
  return { name, index, mac: sysfsText(name, 'address') || undefined };
}

function vridKey(iface: string, family: number, vrid: number): string {
  return `${iface}/${family}/${vrid}`;
}

/**
 * keepalived's create_vmac_name on this machine: a default VMAC name (vrrp.VRID) held by an
 * interface that is not this instance's VMAC (a private macvlan on its interface with its MAC) is
 * skipped for the next one (vrrp1.VRID, ...); keepalived never takes such an interface over. A
 * name use_vmac gives is kept (keepalived replaces a macvlan of that name; check refuses any
 * other interface). `ours`: VMACs this run made (kept on reload).
 */
function resolveVmacNames(config: KeepalivedConfig, ours: (name: string) => boolean = () => false): void {
  const foreign = (name: string, i: VrrpInstance): boolean => {
    if (interfaceIndex(name) === undefined || ours(name)) return false;
    const m = macvlanOf(name);
    return !(m !== undefined && m.mode === 'private' && m.link === i.interface && m.mac?.toLowerCase() === i.vmacMac);
  };
  const rename = config.instances.filter((i) => i.useVmac && i.vmacNameGiven !== true && i.vmacName !== undefined && foreign(i.vmacName, i));
  if (rename.length === 0) return;
  for (const i of rename) i.vmacName = undefined;
  assignVmacNames(config.instances, config.globalDefs.other.vmac_prefix || undefined, foreign);
}
