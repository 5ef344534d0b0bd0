/**
 * Keyword tables: each block type maps its keywords to small handlers that fill the model.
 * Keywords keepalived 2.2.7 accepts but vrrplab does not model are listed so that they are
 * accepted silently (global_defs keeps their values in `other`).
 */
import type {
  AuthHmac, GlobalDefs, SourceLocation, NotifyScripts, SyncGroup, TrackFile, TrackProcess, TrackReference, VrrpInstance, VrrpScript,
} from './model.js';
import { INSTANCE_KEYWORDS_SINCE, newerKeywordNote, type KeepalivedVersion } from './version.js';
import { HMAC_KEY_MAX, HMAC_KEY_MIN, keyBytes } from '../wire/auth-hmac.js';
import { canonicalAddress } from '../wire/address.js';
import { ErrClass, type Reporter } from './diagnostics.js';
import { DEFAULTS } from './defaults.js';
import type { Statement } from './reader.js';
import { Args, isIpAddress, parseVirtualAddress } from './values.js';
import { checkRoute, checkRule, type InterfaceUse } from './routes.js';
import { parseGarpExtraIf, parseUseVmac, type VmacDraft } from './vmac.js';

export interface ParseContext {
  reporter: Reporter;
  /** Interfaces the config names; reports nothing unless the loader was given a way to look them up. */
  interfaces?: InterfaceUse & { loopback(name: string): boolean; vmacBlocked?(name: string): boolean; nonEthernet?(name: string): boolean };
  /** VMAC interface names use_vmac lines took so far, with their instance (config/vmac.ts). */
  vmacNames?: Map<string, string>;
  /** Preferences keepalived gives rules that have none (see routes.ts). */
  rulePriority?: { 4: number; 6: number };
  /** The vrrp_track_process blocks read so far: keepalived looks a track_process name up as it reads the line. */
  trackProcesses?: readonly TrackProcess[];
  /** The keepalived read as (default 2.2: keepalived 2.2.7). */
  version?: KeepalivedVersion;
  /**
   * Reads an auth_hmac `file:` key by the name the config gives: its text and permission bits, or
   * undefined when it cannot be opened. Default: none can.
   */
  readKeyFile?: (path: string) => { text: string; mode: number } | undefined;
  /**
   * Statements a block handed back to the level around it (see `applyBlock`): the level that called
   * the handler reads them next.
   */
  escaped?: Statement[];
  /** The lines of an unknown top-level keyword's block, read at the top level next. */
  rootCascade?: Statement[];
}

/** The `}` of a block whose `{` keepalived ignored: it ends the level it is read at. */
const CLOSES = new WeakSet<Statement>();

/** A `}` at `end` as a statement of its own (undefined without a location: a block never closed). */
export function closeAt(end: SourceLocation | undefined): Statement[] {
  if (end === undefined) return [];
  const st: Statement = { words: ['}'], location: end };
  CLOSES.add(st);
  return [st];
}

export function isClose(st: Statement): boolean {
  return CLOSES.has(st);
}

/** The interface check, or one that takes every interface to exist. */
function ifaces(ctx: ParseContext): InterfaceUse & { loopback(name: string): boolean } {
  return ctx.interfaces ?? { exists: () => true, loopback: () => false };
}

/** Context for route and rule lines. */
export function lineContext(ctx: ParseContext): { reporter: Reporter; interfaces: InterfaceUse; rulePriority: { 4: number; 6: number }; version: KeepalivedVersion } {
  ctx.rulePriority ??= { 4: 16384, 6: 16384 };
  return { reporter: ctx.reporter, interfaces: ifaces(ctx), rulePriority: ctx.rulePriority, version: ctx.version ?? '2.2' };
}

type Handler<T> = (target: T, a: Args, st: Statement, ctx: ParseContext) => void;
export type KeywordTable<T> = Record<string, Handler<T>>;

/** Instance fields the parser fills before keepalived's end-of-config completion step. */
export interface InstanceDraft extends VrrpInstance {
  priorityGiven: boolean;
  versionGiven: boolean;
  /**
   * The family the first VIP, source address or unicast peer gave the instance, in config order
   * (keepalived's vrrp->family while parsing); later ones of the other family are refused.
   */
  familyFromConfig?: 4 | 6;
  /** A unicast keyword was given (keepalived's VRRP_FLAG_UNICAST_CONFIGURED). */
  unicastConfigured?: boolean;
  /** unicast_fault_no_peer: no peers means FAULT, not multicast. */
  unicastFaultNoPeer?: boolean;
  garpLowerPrioDelayGiven: boolean;
  garpLowerPrioRepeatGiven: boolean;
  authTypeGiven?: string;
  /** use_vmac's MAC until completion (config/vmac.ts). */
  vmacDraft?: VmacDraft;
  promoteSecondaries?: boolean;
  /** use_vmac on an interface that is not Ethernet (known only with an interface probe). */
  nonEthernet?: boolean;
}

/** Runs a block's statements through a keyword table. */
/**
 * Runs a block's statements through a keyword table. An unknown keyword followed by a block is
 * read as keepalived reads it (lab, 2.2.7 and 2.4.3 -t alike): its `{` is ignored ("Unexpected '{' -
 * ignoring"), its lines are read at this level, and its `}` ends this level: what follows in this
 * block, and this block's own `}`, are read at the level around it (`ctx.escaped`). An `auth_hmac`
 * block under 2.2 thus ends its vrrp_instance, whose virtual_ipaddress is then an unknown top-level
 * keyword ("No VIP specified").
 */
export function applyBlock<T>(target: T, block: Statement[] | undefined, table: KeywordTable<T>, ctx: ParseContext, accepted: ReadonlySet<string> = new Set(), end?: SourceLocation): void {
  const queue = [...(block ?? [])];
  while (queue.length > 0) {
    const st = queue.shift() as Statement;
    if (isClose(st)) {
      ctx.escaped = [...queue, ...closeAt(end)];
      return;
    }
    const keyword = st.words[0];
    let handler = Object.hasOwn(table, keyword) ? table[keyword] : undefined;
    // A keyword of a later keepalived (auth_hmac) is unknown to 2.2.7; say which version reads it.
    const since = table === (INSTANCE_KEYWORDS as unknown) && Object.hasOwn(INSTANCE_KEYWORDS_SINCE, keyword) ? INSTANCE_KEYWORDS_SINCE[keyword] : undefined;
    if (since !== undefined && (ctx.version ?? '2.2') === '2.2') handler = undefined;
    if (handler) {
      handler(target, new Args(st, ctx.reporter), st, ctx);
      // A sub-block ended early: its remainder is read here.
      if (ctx.escaped !== undefined) {
        queue.unshift(...ctx.escaped);
        ctx.escaped = undefined;
      }
    } else if (!accepted.has(keyword)) {
      ctx.reporter.report(ErrClass.unknownKeyword, `Unknown keyword '${keyword}'`, st.location);
      if (since !== undefined) ctx.reporter.info(newerKeywordNote(keyword, since), st.location);
      if (st.block !== undefined) {
        ctx.reporter.report(ErrClass.unexpectedBob, "Unexpected '{' - ignoring", st.location);
        queue.unshift(...st.block, ...closeAt(st.end));
      }
    }
  }
}

/** The lines of a value block (`{ a b \n c }`), each as its words. */
function valueLines(st: Statement): Statement[] {
  const inline = st.words.length > 1 ? [{ words: st.words.slice(1), location: st.location }] : [];
  return [...inline, ...(st.block ?? [])];
}

const set = <T>(fn: (t: T, a: Args) => void): Handler<T> => (t, a) => fn(t, a);

// ---------------------------------------------------------------- global_defs

const msNumber = (a: Args, i = 1): number | undefined => {
  const s = a.unsigned(i, 0, 4294967);
  return s === undefined ? undefined : s * 1000;
};

export const GLOBAL_KEYWORDS: KeywordTable<GlobalDefs> = {
  router_id: set((g, a) => { g.routerId = a.word(1) ?? g.routerId; }),
  vrrp_version: set((g, a) => { const v = a.int(1, 2, 3); if (v === 2 || v === 3) g.vrrpVersion = v; }),
  script_user: set((g, a) => { g.scriptUser = a.word(1); if (a.count > 2) g.scriptGroup = a.st.words[2]; }),
  enable_script_security: set((g) => { g.enableScriptSecurity = true; }),
  vrrp_mcast_group4: set((g, a) => { const v = a.word(1); if (v) g.vrrpMcastGroup4 = v; }),
  vrrp_mcast_group6: set((g, a) => { const v = a.word(1); if (v) g.vrrpMcastGroup6 = v; }),
  vrrp_garp_master_delay: set((g, a) => { g.vrrpGarpMasterDelayMs = msNumber(a) ?? g.vrrpGarpMasterDelayMs; }),
  vrrp_garp_master_repeat: set((g, a) => { g.vrrpGarpMasterRepeat = a.unsigned(1, 0, 0xffffffff) ?? g.vrrpGarpMasterRepeat; }),
  vrrp_garp_master_refresh: set((g, a) => { g.vrrpGarpMasterRefreshMs = msNumber(a) ?? g.vrrpGarpMasterRefreshMs; }),
  vrrp_garp_master_refresh_repeat: set((g, a) => { g.vrrpGarpMasterRefreshRepeat = a.unsigned(1, 0, 0xffffffff) ?? g.vrrpGarpMasterRefreshRepeat; }),
  vrrp_garp_lower_prio_delay: set((g, a) => { g.vrrpGarpLowerPrioDelayMs = msNumber(a) ?? g.vrrpGarpLowerPrioDelayMs; lowerPrioGiven.add(g); }),
  vrrp_garp_lower_prio_repeat: set((g, a) => { g.vrrpGarpLowerPrioRepeat = a.unsigned(1, 0, 0xffffffff) ?? g.vrrpGarpLowerPrioRepeat; lowerPrioRepGiven.add(g); }),
  vrrp_garp_interval: set((g, a) => { g.vrrpGarpIntervalMs = a.seconds(1, 0, 1000000) ?? g.vrrpGarpIntervalMs; }),
  vrrp_gna_interval: set((g, a) => { g.vrrpGnaIntervalMs = a.seconds(1, 0, 1000000) ?? g.vrrpGnaIntervalMs; }),
  vrrp_skip_check_adv_addr: set((g) => { g.vrrpSkipCheckAdvAddr = true; }),
  vrrp_strict: set((g) => { g.vrrpStrict = true; }),
  vrrp_higher_prio_send_advert: set((g) => { g.vrrpHigherPrioSendAdvert = true; }),
  vrrp_check_unicast_src: set((g) => { g.vrrpCheckUnicastSrc = true; }),
  notify_fifo: fifoName('notify_fifo', 'notifyFifo'),
  vrrp_notify_fifo: fifoName('vrrp_notify_fifo', 'vrrpNotifyFifo'),
  notify_fifo_script: fifoScript('notify_fifo_script', 'notifyFifoScript'),
  vrrp_notify_fifo_script: fifoScript('vrrp_notify_fifo_script', 'vrrpNotifyFifoScript'),
};

/**
 * keepalived 2.2.7 -t (lab) words these with "(Line N)" and no file name, and exits 5:
 * "(Line 2) No notify_fifo name specified", "(Line 3) notify_fifo already specified - ignoring FILE".
 */
function fifoName(keyword: string, field: 'notifyFifo' | 'vrrpNotifyFifo'): Handler<GlobalDefs> {
  return (g, a) => {
    const name = a.st.words[1];
    if (name === undefined) a.reporter.report(ErrClass.general, `(Line ${a.location.line}) No ${keyword} name specified`);
    else if (g[field] !== undefined) a.reporter.report(ErrClass.general, `(Line ${a.location.line}) ${keyword} already specified - ignoring ${name}`);
    else g[field] = name;
  };
}

/** "(Line 2) No notify_fifo_script specified" (lab); a second one replaces the first, silently. */
function fifoScript(keyword: string, field: 'notifyFifoScript' | 'vrrpNotifyFifoScript'): Handler<GlobalDefs> {
  return (g, a) => {
    const script = a.st.words[1];
    if (script === undefined) a.reporter.report(ErrClass.general, `(Line ${a.location.line}) No ${keyword} specified`);
    else g[field] = script;
  };
}

/** global_defs whose lower-priority GARP values were given (else they follow the master ones). */
export const lowerPrioGiven = new WeakSet<GlobalDefs>();
export const lowerPrioRepGiven = new WeakSet<GlobalDefs>();

/** global_defs keywords keepalived 2.2.7 accepts (core/global_parser.c). */
export const GLOBAL_ACCEPTED = new Set(`bfd_cpu_affinity bfd_no_swap bfd_priority bfd_process_name bfd_rlimit_rtime
 bfd_rlimit_rttime bfd_rt_priority checker_cpu_affinity checker_log_all_failures checker_no_swap checker_priority
 checker_process_name checker_rlimit_rtime checker_rlimit_rttime checker_rt_priority config_save_dir data_use_instance
 dbus_service_name default_interface disable_local_igmp dynamic_interfaces enable_dbus enable_snmp_checker
 enable_snmp_keepalived enable_snmp_rfc enable_snmp_rfcv2 enable_snmp_rfcv3 enable_snmp_vrrp enable_traps
 fifo_write_vrrp_states_on_reload include_check instance linkbeat_use_polling log_unknown_vrids lvs_flush
 lvs_flush_on_stop lvs_flush_onstop lvs_netlink_cmd_rcv_bufs lvs_netlink_cmd_rcv_bufs_force lvs_netlink_monitor_rcv_bufs
 lvs_netlink_monitor_rcv_bufs_force lvs_notify_fifo lvs_notify_fifo_script lvs_process_name lvs_sync_daemon lvs_timeouts
 max_auto_priority min_auto_priority_delay namespace_with_ipsets net_namespace net_namespace_ipvs nftables
 nftables_counters nftables_ifindex nftables_ipvs nftables_ipvs_priority nftables_ipvs_start_fwmark nftables_priority
 no_checker_emails no_email_faults notification_email notification_email_from notify_fifo notify_fifo_script
 process_monitor_rcv_bufs process_monitor_rcv_bufs_force process_name process_names random_seed reload_check_config
 reload_file reload_repeat reload_time_file rs_init_notifies shutdown_script shutdown_script_timeout smtp_alert
 smtp_alert_checker smtp_alert_vrrp smtp_connect_timeout smtp_helo_name smtp_server snmp_socket startup_script
 startup_script_timeout tmp_config_directory umask use_pid_dir vmac_addr_prefix vmac_prefix vrrp_cpu_affinity
 vrrp_down_timer_adverts vrrp_garp_extra_if vrrp_ipsets vrrp_iptables vrrp_lower_prio_no_advert vrrp_min_garp
 vrrp_netlink_cmd_rcv_bufs vrrp_netlink_cmd_rcv_bufs_force vrrp_netlink_monitor_rcv_bufs
 vrrp_netlink_monitor_rcv_bufs_force vrrp_no_swap vrrp_notify_fifo vrrp_notify_fifo_script vrrp_notify_priority_changes
 vrrp_priority vrrp_process_name vrrp_rlimit_rtime vrrp_rlimit_rttime vrrp_rt_priority vrrp_rx_bufs_multiplier
 vrrp_rx_bufs_policy vrrp_startup_delay vrrp_vmac_garp_intvl`.split(/\s+/));

// ---------------------------------------------------------------- vrrp_script

export const SCRIPT_KEYWORDS: KeywordTable<VrrpScript> = {
  script: (s, a, _st, ctx) => {
    // keepalived 2.2.7 and 2.4.3 alike (lab): -t prints the line below, then dies of a segmentation
    // fault (exit 139), and so does the VRRP child at every respawn: no instance ever runs.
    if (unterminatedScript(a, ctx)) {
      ctx.reporter.crash(`vrrplab: keepalived crashes on this line (segmentation fault: keepalived -t exits 139, and its VRRP process dies at every respawn, so no instance runs): close the quote`, a.location);
      return;
    }
    s.script = a.rest() ?? s.script;
  },
  interval: (s, a) => {
    const v = a.unsigned(1, 0, 4294967);
    if (v === undefined) {
      if (a.st.words[1] !== undefined) report(a, `(${s.name}): vrrp script interval '${a.st.words[1]}' must be between 1 and 4294 - ignoring`);
      return;
    }
    if (v === 0) report(a, `(${s.name}): vrrp script interval must be greater than 0, setting to 1`);
    s.intervalMs = Math.max(v, 1) * 1000;
  },
  timeout: (s, a) => {
    const v = a.unsigned(1, 0, 4294967);
    if (v === undefined) {
      if (a.st.words[1] !== undefined) report(a, `(${s.name}): vrrp script timeout '${a.st.words[1]}' invalid - ignoring`);
      return;
    }
    if (v === 0) report(a, `(${s.name}): vrrp script timeout must be greater than 0, setting to 1`);
    s.timeoutMs = Math.max(v, 1) * 1000;
    timeoutGiven.add(s);
  },
  weight: (s, a) => {
    const v = a.int(1, -253, 253);
    if (v === undefined) {
      if (a.st.words[1] !== undefined) report(a, `vrrp_script ${s.name} weight ${a.st.words[1]} must be in [-253, 253]`);
    } else s.weight = v;
    const opt = a.st.words[2];
    if (opt === 'reverse') s.weightReverse = true;
    else if (opt !== undefined) report(a, `vrrp_script ${s.name} unknown weight option ${opt}`);
  },
  rise: (s, a) => { s.rise = countOrOne(a, s.name, 'rise'); },
  fall: (s, a) => { s.fall = countOrOne(a, s.name, 'fall'); },
  user: set((s, a) => { s.user = a.word(1); if (a.count > 2) s.group = a.st.words[2]; }),
  init_fail: set((s) => { s.initFail = true; }),
};

/** Instances whose interface keepalived ignored (a loopback): it says "Unknown interface!" at the end. */
export const loopbackIgnored = new WeakSet<InstanceDraft>();

/** Scripts whose timeout was given; the others use their interval, as keepalived does. */
export const timeoutGiven = new WeakSet<VrrpScript>();

function countOrOne(a: Args, name: string, what: string): number {
  const v = a.unsigned(1, 1, 2147483647);
  if (v !== undefined) return v;
  report(a, `(${name}): vrrp script ${what} value '${a.st.words[1] ?? ''}' invalid, defaulting to 1`);
  return 1;
}

function report(a: Args, message: string): void {
  a.reporter.report(ErrClass.general, message, a.location);
}

// ---------------------------------------------------------------- track_file

export const TRACK_FILE_KEYWORDS: KeywordTable<TrackFile> = {
  file: set((t, a) => { t.file = a.word(1) ?? t.file; }),
  weight: (t, a) => {
    const v = a.int(1, -254, 254);
    if (v !== undefined) t.weight = v;
    if (a.st.words[2] === 'reverse') t.weightReverse = true;
  },
  init_file: set((t, a) => {
    const words = a.st.words.slice(1);
    const overwrite = words.includes('overwrite');
    const value = Number(words.find((w) => w !== 'overwrite') ?? 0);
    t.initFile = { value: Number.isFinite(value) ? value : 0, overwrite };
  }),
};

// ---------------------------------------------------------------- vrrp_track_process

/** keepalived's UINT_MAX: no quorum_max given. */
export const QUORUM_MAX_NONE = 4294967295;

/** A vrrp_track_process block as keepalived's alloc_vrrp_process() starts it. */
export function newTrackProcess(name: string, location: TrackProcess['location']): TrackProcess {
  return {
    name, location, process: '', paramMatch: 'none', fullCommand: false, quorum: 1, quorumMax: QUORUM_MAX_NONE,
    weight: 0, weightReverse: false, forkDelayMs: 0, terminateDelayMs: 0,
  };
}

/** The `delay`, `fork_delay` and `terminate_delay` lines (vrrp_tprocess_delay_general). */
const processDelay = (prefix: '' | 'fork_' | 'terminate_'): Handler<TrackProcess> => (t, a) => {
  // keepalived reads a decimal number of seconds in [0.000001, 3600] (microseconds).
  const ms = a.seconds(1, 0.001, 3600000);
  if (ms === undefined) {
    if (a.st.words[1] !== undefined) report(a, `${prefix}delay (${a.st.words[1]}) for vrrp_track_process ${t.name} must be between [0.000001..3600] inclusive. Ignoring...`);
    return;
  }
  if (prefix !== 'fork_') t.terminateDelayMs = ms;
  if (prefix !== 'terminate_') t.forkDelayMs = ms;
};

/** keepalived 2.2.7's vrrp_track_process keywords (vrrp/vrrp_parser.c vrrp_tprocess_*_handler), with its wording. */
export const TRACK_PROCESS_KEYWORDS: KeywordTable<TrackProcess> = {
  process: (t, a) => {
    const path = a.word(1);
    if (path === undefined) return;
    if (t.process !== '') {
      report(a, `Process already set for track process ${t.name} - ignoring ${path}`);
      return;
    }
    t.process = path;
    if (a.count > 2) {
      t.params = a.st.words.slice(2);
      if (t.paramMatch === 'none') t.paramMatch = 'exact';
      t.fullCommand = true;
    }
  },
  param_match: (t, a) => {
    const kind = a.st.words[1];
    if (kind === undefined) t.paramMatch = 'exact';
    else if (kind === 'initial' || kind === 'partial') t.paramMatch = kind;
    else {
      report(a, `Invalid param_match type ${kind} - ignoring`);
      return;
    }
    t.fullCommand = true;
  },
  weight: (t, a) => {
    if (a.count < 2) {
      report(a, `No weight specified for track process ${t.name} - ignoring`);
      return;
    }
    // Only a non-zero weight counts as set (keepalived tests tprocess->weight).
    if (t.weight !== 0) {
      report(a, `Weight already set for track process ${t.name} - ignoring ${a.st.words[1]}`);
      return;
    }
    const w = a.int(1, -254, 254);
    if (w === undefined) {
      report(a, `Weight (${a.st.words[1]}) for vrrp_track_process ${t.name} must be between [-254..254] inclusive. Ignoring...`);
      return;
    }
    const opt = a.st.words[2];
    if (opt === 'reverse') t.weightReverse = true;
    else if (opt !== undefined) report(a, `vrrp_track_process ${t.name} unknown weight option ${opt}`);
    t.weight = w;
  },
  quorum: (t, a) => {
    const q = a.unsigned(1, 1, 65535);
    if (q === undefined) {
      if (a.st.words[1] !== undefined) report(a, `Quorum (${a.st.words[1]}) for vrrp_track_process ${t.name} must be between [1..65535] inclusive. Ignoring...`);
      return;
    }
    if (q > t.quorumMax) {
      report(a, 'Quorum is greater than quorum_max - ignoring');
      return;
    }
    t.quorum = q;
  },
  quorum_max: (t, a) => {
    const q = a.unsigned(1, 0, 65535);
    if (q === undefined) {
      if (a.st.words[1] !== undefined) report(a, `quorum_max (${a.st.words[1]}) for vrrp_track_process ${t.name} must be between [0..65535] inclusive. Ignoring...`);
      return;
    }
    // quorum_max 0 is allowed while no quorum above 1 was given (it then means "no process").
    if ((q !== 0 || t.quorum > 1) && q < t.quorum) {
      report(a, 'quorum_max is less than quorum - ignoring');
      return;
    }
    t.quorumMax = q;
    if (q === 0) t.quorum = 0;
    else if (t.quorum === 0) t.quorum = 1;
  },
  delay: processDelay(''),
  terminate_delay: processDelay('terminate_'),
  fork_delay: processDelay('fork_'),
  full_command: (t) => { t.fullCommand = true; },
};

/**
 * `NAME [weight N [reverse|noreverse]]` lines of a track_process block (keepalived 2.2.7
 * vrrp_track.c alloc_track_process()): the name is looked up as the line is read, so a
 * vrrp_track_process further down is not found; a bad option or a missing weight drops the line,
 * a weight out of range keeps it with the process's own weight.
 */
function trackProcessRefs(list: TrackReference[], owner: string, ctx: ParseContext, st: Statement): void {
  const known = ctx.trackProcesses ?? [];
  for (const line of valueLines(st)) {
    const [name, kw, value, reverse] = line.words;
    const general = (message: string): void => ctx.reporter.report(ErrClass.general, message, line.location);
    const process = known.find((p) => p.name === name);
    if (process === undefined) {
      general(`(${owner}) track process ${name} not found, ignoring...`);
      continue;
    }
    if (list.some((other) => other.name === name)) {
      general(`(${owner}) duplicate track_process ${name} - ignoring`);
      continue;
    }
    const ref: TrackReference = { name, location: line.location };
    if (kw !== undefined) {
      if (kw !== 'weight') {
        general(`(${owner}) unknown track process option ${kw} - ignoring`);
        continue;
      }
      if (value === undefined) {
        general(`(${owner}) weight without value specified for track process ${name} - ignoring`);
        continue;
      }
      const w = new Args(line, ctx.reporter).int(2, -254, 254);
      if (w === undefined) general(`(${owner}) weight for track process ${name} must be in [-254..254] inclusive. Ignoring...`);
      else ref.weight = w;
      if (reverse === 'reverse') ref.reverse = true;
      else if (reverse === 'noreverse') ref.reverse = false;
      else if (reverse !== undefined) general(`(${owner}) unknown track_process ${name} weight option ${reverse} - ignoring`);
    }
    list.push(ref);
  }
}

// ---------------------------------------------------------------- track references

/** `NAME [weight N [reverse]]` lines of track_script / track_interface / track_file blocks. */
function trackRefs(list: TrackReference[], owner: string, what: string, ctx: ParseContext, st: Statement): void {
  for (const line of valueLines(st)) {
    const [name, kw, value, reverse] = line.words;
    // keepalived 2.2.7 (lab): a second line for the same name is dropped with a message (the first
    // one's weight stands), in instances and sync groups alike.
    if (list.some((other) => other.name === name)) {
      ctx.reporter.report(ErrClass.general, `(${owner}) duplicate ${what} ${name} - ignoring`, line.location);
      continue;
    }
    const ref: TrackReference = { name, location: line.location };
    if (kw === 'weight') {
      const a = new Args(line, ctx.reporter);
      const w = a.int(2, -254, 254);
      if (w === undefined || w < -253 || w > 253) {
        if (w !== undefined || value !== undefined)
          ctx.reporter.report(ErrClass.general, `(${owner}) weight ${value} for ${name} must be between [-253..253] inclusive. Ignoring...`, line.location);
      } else {
        ref.weight = w;
        if (reverse === 'reverse') ref.reverse = true;
      }
    } else if (kw !== undefined) {
      ctx.reporter.report(ErrClass.general, `(${owner}) unknown option ${kw} for ${what} ${name} - ignoring`, line.location);
    }
    list.push(ref);
  }
}

/**
 * A script line with an unmatched quote: keepalived parses a script's words again, quotes and
 * escapes allowed (set_script_params_array), and reports the line once more when that fails
 * (2.2.7 and 2.4.3, lab). True when it did.
 */
function unterminatedScript(a: Args, ctx: ParseContext): boolean {
  if (a.st.broken === undefined) return false;
  ctx.reporter.report(ErrClass.unmatchedQuote, `String '${a.st.broken}': missing terminating "`, a.location);
  return true;
}

function notifyHandlers<T extends { notify: NotifyScripts; name: string }>(): KeywordTable<T> {
  const one = (key: keyof NotifyScripts, keyword: string): Handler<T> => (t, a, _st, ctx) => {
    unterminatedScript(a, ctx);
    const script = a.rest();
    if (script === undefined) return;
    if (t.notify[key] !== undefined) {
      ctx.reporter.report(ErrClass.general, `(${t.name}) ${keyword} script already specified - ignoring ${a.st.words[1]}`, a.location);
      return;
    }
    t.notify[key] = script;
  };
  return {
    notify_master: one('master', 'notify_master'),
    notify_backup: one('backup', 'notify_backup'),
    notify_fault: one('fault', 'notify_fault'),
    notify_stop: one('stop', 'notify_stop'),
    notify: one('generic', 'notify'),
    notify_master_rx_lower_pri: one('masterRxLowerPri', 'notify_master_rx_lower_pri'),
  };
}

// ---------------------------------------------------------------- vrrp_instance

const seconds = (field: 'garpMasterDelayMs' | 'garpLowerPrioDelayMs', keyword: string): Handler<InstanceDraft> => (v, a, _st, ctx) => {
  // keepalived 2.2.7 reads them up to UINT_MAX / TIMER_HZ (microseconds): 4294 s (lab: "number '5000'
  // outside range [0, 4294]").
  const s = a.unsigned(1, 0, 4294);
  if (s === undefined) {
    if (a.st.words[1] !== undefined) ctx.reporter.report(ErrClass.general, `(${v.name}): ${keyword} '${a.st.words[1]}' invalid - ignoring`, a.location);
    return;
  }
  v[field] = s * 1000;
  if (field === 'garpLowerPrioDelayMs') v.garpLowerPrioDelayGiven = true;
};

/**
 * garp_master_refresh as keepalived 2.2.7 reads it (vrrp_garp_refresh_handler): any unsigned number
 * of seconds; a bad one is worded apart from its neighbours' and turns refreshing off.
 */
const garpRefresh: Handler<InstanceDraft> = (v, a, _st, ctx) => {
  const s = a.unsigned(1, 0, 0xffffffff);
  if (s === undefined) {
    if (a.st.words[1] !== undefined) ctx.reporter.report(ErrClass.general, `(${v.name}): Invalid garp_master_refresh '${a.st.words[1]}' - ignoring`, a.location);
    v.garpMasterRefreshMs = 0;
    return;
  }
  v.garpMasterRefreshMs = s * 1000;
};

const repeat = (field: 'garpMasterRepeat' | 'garpMasterRefreshRepeat' | 'garpLowerPrioRepeat', keyword: string): Handler<InstanceDraft> => (v, a, _st, ctx) => {
  // garp_lower_prio_repeat: at most INT_MAX, and its own wording (vrrp_garp_lower_prio_rep_handler).
  const lowerPrio = field === 'garpLowerPrioRepeat';
  const n = a.unsigned(1, 0, lowerPrio ? 0x7fffffff : 0xffffffff);
  if (n === undefined) {
    const word = a.st.words[1];
    if (word !== undefined) ctx.reporter.report(ErrClass.general, lowerPrio ? `(${v.name}): Invalid ${keyword} '${word}'` : `(${v.name}): ${keyword} '${word}' invalid - ignoring`, a.location);
    return;
  }
  if (n === 0 && field !== 'garpLowerPrioRepeat') ctx.reporter.report(ErrClass.general, `(${v.name}): ${keyword} must be greater than 0, setting to 1`, a.location);
  v[field] = field === 'garpLowerPrioRepeat' ? n : Math.max(n, 1);
  if (field === 'garpLowerPrioRepeat') v.garpLowerPrioRepeatGiven = true;
};

/**
 * keepalived 2.2.7 gives an instance the family of the first VIP, unicast_src_ip / mcast_src_ip or
 * unicast_peer it reads, and refuses a later one of the other family at its line (lab, issue 23):
 * true when `address` may stay.
 */
function sameFamily(v: InstanceDraft, address: string): boolean {
  const family = address.includes(':') ? 6 : 4;
  v.familyFromConfig ??= family;
  return v.familyFromConfig === family;
}

/**
 * A unicast_peer line's `min_ttl N` / `max_ttl N` options, as keepalived 2.2.7 reads them
 * (alloc_vrrp_unicast_peer): undefined when the line gives none. Any one read makes the instance
 * check its adverts' source (VRRP_FLAG_CHECK_UNICAST_SRC).
 */
function peerTtl(v: InstanceDraft, line: Statement, ctx: ParseContext): { min: number; max: number } | undefined {
  let ttl: { min: number; max: number } | undefined;
  const args = new Args(line, ctx.reporter);
  // keepalived 2.4.3 names the peer too: "(VI_1) 10.9.0.3 - min_ttl 10 > max_ttl 5 - …" (lab, -t).
  const who = ctx.version === '2.4' ? `(${v.name}) ${line.words[0]} - ` : `(${v.name}) `;
  for (let i = 1; i < line.words.length; i += 2) {
    const option = line.words[i];
    if (i + 1 >= line.words.length) {
      ctx.reporter.report(ErrClass.general, `${who}${option} is missing a value`, line.location);
      break;
    }
    const n = args.unsigned(i + 1, 0, 255);
    if (n === undefined) continue;
    if (option !== 'min_ttl' && option !== 'max_ttl') {
      ctx.reporter.report(ErrClass.general, `${who}unknown unicast_peer option ${option}`, line.location);
      break;
    }
    ttl ??= { min: 0, max: 255 };
    if (option === 'min_ttl') ttl.min = n;
    else ttl.max = n;
    v.checkUnicastSrc = true;
    v.checkUnicastSrcInstance = true;
  }
  if (ttl !== undefined && ttl.min > ttl.max) {
    ctx.reporter.report(ErrClass.general, `${who}min_ttl ${ttl.min} > max_ttl ${ttl.max} - all packets will be discarded`, line.location);
  }
  return ttl;
}

/** unicast_src_ip / mcast_src_ip: one address of the instance's family. */
function sourceAddress(v: InstanceDraft, a: Args, ctx: ParseContext, field: 'unicastSrcIp' | 'mcastSrcIp'): void {
  const ip = a.word(1);
  if (ip === undefined) return;
  if (!isIpAddress(ip)) ctx.reporter.report(ErrClass.general, `Configuration error: VRRP instance[${v.name}] malformed src address[${ip}]. Skipping...`, a.location);
  else if (!sameFamily(v, ip)) ctx.reporter.report(ErrClass.general, `Configuration error: VRRP instance[${v.name}] and src address[${ip}] MUST be of the same family !!! Skipping...`, a.location);
  else v[field] = ip;
}

const vips = (field: 'virtualIpaddresses' | 'virtualIpaddressesExcluded'): Handler<InstanceDraft> => (v, _a, st, ctx) => {
  for (const line of valueLines(st)) {
    const vip = parseVirtualAddress(line.words, line.location);
    if (!vip) {
      ctx.reporter.report(ErrClass.general, `VRRP parsed invalid IP ${line.words[0]}. skipping IP...`, line.location);
      continue;
    }
    if (vip.dev !== undefined && !ifaces(ctx).exists(vip.dev)) {
      ctx.reporter.report(ErrClass.general, `WARNING - interface ${vip.dev} for ip address ${line.words[0]} doesn't exist`, line.location);
      continue;
    }
    // Excluded VIPs are not held to the instance's family (alloc_vrrp_evip).
    if (field === 'virtualIpaddresses' && !sameFamily(v, vip.address)) {
      ctx.reporter.report(ErrClass.general, `(${v.name}): address family must match VRRP instance [${line.words[0]}] - ignoring`, line.location);
      continue;
    }
    if (ctx.version === '2.4' && duplicateVip(v, vip, line.words[0], field === 'virtualIpaddressesExcluded', ctx, line)) continue;
    v[field].push(vip);
  }
};

/**
 * keepalived 2.4.3's vip_is_duplicate() (keepalived 2.2.7 takes the address twice, silently; lab:
 * its doc/samples/keepalived.conf.vrrp, exit 0 on 2.2.7, 5 on 2.4.3): an address already among the
 * VIPs (for an excluded VIP: on the same interface), or among the excluded VIPs on the same
 * interface, is dropped with a message. The interface is the `dev` given, if any.
 */
function duplicateVip(v: InstanceDraft, vip: { address: string; family: number; dev?: string }, text: string, excluded: boolean, ctx: ParseContext, line: Statement): boolean {
  const same = (other: { address: string; family: number; dev?: string }): boolean =>
    other.family === vip.family && canonical(other.address) === canonical(vip.address);
  const prefix = excluded ? 'Excluded ' : '';
  if (v.virtualIpaddresses.some((other) => (!excluded || other.dev === vip.dev) && same(other))) {
    ctx.reporter.report(ErrClass.general, `(${v.name}): ${prefix}VIP duplicates a VIP ${text} - ignoring`, line.location);
    return true;
  }
  if (v.virtualIpaddressesExcluded.some((other) => other.dev === vip.dev && same(other))) {
    ctx.reporter.report(ErrClass.general, `(${v.name}): ${prefix}VIP duplicates an excluded VIP ${text} - ignoring`, line.location);
    return true;
  }
  return false;
}

function canonical(address: string): string {
  return canonicalAddress(address) ?? address;
}

/** `static_ipaddress` lines: the same address syntax, checked the same way. */
export function checkStaticAddresses(st: Statement, ctx: ParseContext): void {
  const scratch = { virtualIpaddresses: [], virtualIpaddressesExcluded: [] } as unknown as InstanceDraft;
  vips('virtualIpaddresses')(scratch, new Args(st, ctx.reporter), st, ctx);
}

/** Track references to interfaces, each looked up as keepalived does (the entry is dropped when missing). */
function trackInterfaces(list: TrackReference[], owner: string, ctx: ParseContext, st: Statement): void {
  const added: TrackReference[] = [];
  trackRefs(added, owner, 'track_interface', ctx, st);
  for (const ref of added) {
    if (ifaces(ctx).exists(ref.name)) list.push(ref);
    else ctx.reporter.report(ErrClass.general, `(${owner}) tracked interface ${ref.name} doesn't exist`, ref.location);
  }
}

export const INSTANCE_KEYWORDS: KeywordTable<InstanceDraft> = {
  state: (v, a, _st, ctx) => {
    const s = a.word(1);
    if (s === 'MASTER') v.initialState = 'MASTER';
    else if (s === 'BACKUP') {
      if (v.initialState === 'MASTER') ctx.reporter.report(ErrClass.general, `(${v.name}) state previously set as MASTER - ignoring BACKUP`, a.location);
      else v.initialState = 'BACKUP';
    } else if (s !== undefined) {
      ctx.reporter.report(ErrClass.general, `(${v.name}) unknown state '${s}', defaulting to BACKUP`, a.location);
      v.initialState = 'BACKUP';
    }
  },
  interface: (v, a, _st, ctx) => {
    const name = a.word(1);
    if (name === undefined) return;
    if (name.length >= 16) {
      ctx.reporter.report(ErrClass.general, `Interface name '${name}' too long - ignoring`, a.location);
      return;
    }
    v.interface = name;
    if (!ifaces(ctx).exists(name)) ctx.reporter.report(ErrClass.general, `WARNING - interface ${name} for vrrp_instance ${v.name} doesn't exist`, a.location);
    else if (ifaces(ctx).loopback(name)) {
      ctx.reporter.report(ErrClass.general, `(${v.name}) cannot use a loopback interface (${name}) for vrrp - ignoring`, a.location);
      loopbackIgnored.add(v);
    }
  },
  virtual_router_id: (v, a, _st, ctx) => {
    const id = a.unsigned(1, 1, 255);
    if (id === undefined) {
      if (a.st.words[1] !== undefined) ctx.reporter.report(ErrClass.general, `(${v.name}): VRID '${a.st.words[1]}' not valid - must be between 1 & 255`, a.location);
      return;
    }
    v.vrid = id;
  },
  priority: (v, a, _st, ctx) => {
    const p = a.unsigned(1, 1, 255);
    if (p === undefined) {
      if (a.st.words[1] === undefined) return;
      ctx.reporter.report(ErrClass.general, `(${v.name}) Priority not valid! must be between 1 & 255. Using default ${DEFAULTS.priority}`, a.location);
      v.priority = DEFAULTS.priority;
    } else v.priority = p;
    v.priorityGiven = true;
  },
  advert_int: (v, a, _st, ctx) => {
    const ms = a.seconds(1, 10, 255000);
    if (ms === undefined || ms <= 0) {
      if (a.st.words[1] !== undefined) ctx.reporter.report(ErrClass.general, `(${v.name}) Advert interval (${a.st.words[1]}) not valid! Must be > 0 - ignoring`, a.location);
      return;
    }
    v.advertIntervalMs = ms;
  },
  version: (v, a, _st, ctx) => {
    const n = a.int(1, 2, 3);
    if (n !== 2 && n !== 3) {
      if (a.st.words[1] !== undefined) ctx.reporter.report(ErrClass.general, `(${v.name}): Version must be either 2 or 3`, a.location);
      return;
    }
    // keepalived 2.2.7 (vrrp_version_handler): a second, different version, or version 2 once an
    // IPv6 address made the instance IPv6, is refused (lab: "... deduced version 0; ignoring.").
    const current = v.versionGiven ? v.version : 0;
    if ((current !== 0 && current !== n) || (n === 2 && v.familyFromConfig === 6)) {
      ctx.reporter.report(ErrClass.general, `(${v.name}) vrrp_version ${n} conflicts with configured or deduced version ${current}; ignoring.`, a.location);
      return;
    }
    v.version = n;
    v.versionGiven = true;
  },
  nopreempt: set((v) => { v.nopreempt = true; }),
  preempt: set((v) => { v.nopreempt = false; }),
  preempt_delay: (v, a, _st, ctx) => {
    const ms = a.seconds(1, 0, 1000000 * 1000);
    if (ms === undefined) {
      if (a.st.words[1] !== undefined) ctx.reporter.report(ErrClass.general, `(${v.name}) Preempt_delay not valid! must be between 0-1000000`, a.location);
      v.preemptDelayMs = 0;
      return;
    }
    v.preemptDelayMs = ms;
  },
  authentication: (v, _a, st, ctx) => {
    applyBlock(v, st.block, {
      auth_type: (inst, a) => {
        const t = a.word(1);
        if (t === 'PASS' || t === 'AH') {
          inst.authTypeGiven = t;
          inst.authentication = { type: t, password: inst.authentication?.password ?? '' };
        } else if (t !== undefined) ctx.reporter.report(ErrClass.general, `(${inst.name}) unknown authentication type '${t}'`, a.location);
      },
      auth_pass: (inst, a) => {
        let pass = a.word(1);
        if (pass === undefined) return;
        if (pass.length > DEFAULTS.authPassMaxLength) {
          pass = pass.slice(0, DEFAULTS.authPassMaxLength);
          ctx.reporter.report(ErrClass.general, `Truncating auth_pass to ${DEFAULTS.authPassMaxLength} characters`, a.location);
        }
        inst.authentication = { type: inst.authentication?.type ?? 'PASS', password: pass };
      },
    }, ctx, new Set(), st.end);
  },
  virtual_ipaddress: vips('virtualIpaddresses'),
  virtual_ipaddress_excluded: vips('virtualIpaddressesExcluded'),
  track_interface: (v, _a, st, ctx) => trackInterfaces(v.trackInterfaces, v.name, ctx, st),
  track_script: (v, _a, st, ctx) => trackRefs(v.trackScripts, v.name, 'track_script', ctx, st),
  track_file: (v, _a, st, ctx) => trackRefs(v.trackFiles, v.name, 'track_file', ctx, st),
  track_process: (v, _a, st, ctx) => trackProcessRefs(v.trackProcesses ??= [], v.name, ctx, st),
  virtual_routes: (_v, _a, st, ctx) => { for (const line of st.block ?? []) checkRoute(line.words, line.location, lineContext(ctx)); },
  virtual_rules: (_v, _a, st, ctx) => { for (const line of st.block ?? []) checkRule(line.words, line.location, lineContext(ctx)); },
  // keepalived 2.2.7's words (vrrp_srcip_handler, alloc_vrrp_unicast_peer; lab, issue 23).
  unicast_src_ip: (v, a, _st, ctx) => {
    v.unicastConfigured = true;
    sourceAddress(v, a, ctx, 'unicastSrcIp');
  },
  mcast_src_ip: (v, a, _st, ctx) => sourceAddress(v, a, ctx, 'mcastSrcIp'),
  unicast_peer: (v, _a, st, ctx) => {
    v.unicastConfigured = true;
    for (const line of valueLines(st)) {
      const ip = line.words[0];
      if (!isIpAddress(ip)) ctx.reporter.report(ErrClass.general, `Configuration error: VRRP instance[${v.name}] malformed unicast peer address[${ip}]. Skipping...`, line.location);
      else if (!sameFamily(v, ip)) ctx.reporter.report(ErrClass.general, `Configuration error: VRRP instance[${v.name}] and unicast peer address[${ip}] MUST be of the same family !!! Skipping...`, line.location);
      else {
        const ttl = peerTtl(v, line, ctx);
        if (ttl !== undefined) {
          v.unicastPeerTtl ??= v.unicastPeers.map(() => ({ min: 0, max: 255 }));
          v.unicastPeerTtl.push(ttl);
        } else v.unicastPeerTtl?.push({ min: 0, max: 255 });
        v.unicastPeers.push(ip);
      }
    }
  },
  check_unicast_src: set((v) => { v.unicastConfigured = true; v.checkUnicastSrc = true; v.checkUnicastSrcInstance = true; }),
  old_unicast_checksum: set((v) => { v.unicastConfigured = true; }),
  unicast_fault_no_peer: set((v) => { v.unicastConfigured = true; v.unicastFaultNoPeer = true; }),
  garp_master_delay: seconds('garpMasterDelayMs', 'garp_master_delay'),
  garp_master_refresh: garpRefresh,
  garp_lower_prio_delay: seconds('garpLowerPrioDelayMs', 'garp_lower_prio_delay'),
  garp_master_repeat: repeat('garpMasterRepeat', 'garp_master_repeat'),
  garp_master_refresh_repeat: repeat('garpMasterRefreshRepeat', 'garp_master_refresh_repeat'),
  garp_lower_prio_repeat: repeat('garpLowerPrioRepeat', 'garp_lower_prio_repeat'),
  ...notifyHandlers<InstanceDraft>(),
  smtp_alert: set((v, a) => { v.smtpAlert = a.st.words[1] === undefined || !/^(false|no|off)$/i.test(a.st.words[1]); }),
  use_vmac: (v, a, st, ctx) => {
    const probe = ctx.interfaces;
    parseUseVmac(v, st.words, a.location, {
      reporter: ctx.reporter,
      taken: (ctx.vmacNames ??= new Map()),
      blocked: (name) => probe?.vmacBlocked?.(name) ?? false,
    });
  },
  vmac_xmit_base: (v) => { v.vmacXmitBase = true; },
  use_vmac_addr: (v) => { v.vmacAddr = true; },
  promote_secondaries: (v) => { v.promoteSecondaries = true; },
  garp_extra_if: (v, a, _st, ctx) => parseGarpExtraIf(v, a, ctx.reporter),
  vmac_garp_intvl: (v, a, _st, ctx) => parseGarpExtraIf(v, a, ctx.reporter),
  use_ipvlan: (v, a, _st, ctx) => ctx.reporter.notModelled(`vrrplab: (${v.name}) use_ipvlan is not modelled: its checks, and the ipvlan interface keepalived makes for the VIPs`, a.location),
  accept: set((v) => { v.accept = true; }),
  no_accept: set((v) => { v.accept = false; }),
  dont_track_primary: set((v) => { v.dontTrackPrimary = true; }),
  // keepalived 2.4 only (applyBlock leaves it unknown under 2.2).
  auth_hmac: (v, _a, st, ctx) => {
    // keepalived 2.4.3: a second block adds to the first ("duplicate auth_hmac key id 1", lab).
    v.authHmac ??= { location: st.location, keys: [], activeKey: 0, mode: 'enforce', antiReplay: 'time', timeWindowS: 0 };
    applyBlock(v.authHmac, st.block, authHmacKeywords(v.name), ctx, new Set(), st.end);
  },
};

/**
 * The auth_hmac block's keywords, with keepalived 2.4.3's wording (vrrp_parser.c
 * vrrp_auth_hmac_*_handler; every message measured with 2.4.3 -t, test/fixtures/auth-hmac-check).
 */
function authHmacKeywords(name: string): KeywordTable<AuthHmac> {
  const say = (a: Args, message: string, cls: ErrClass = ErrClass.general): void => a.reporter.report(cls, `(${name}) ${message}`, a.location);
  return {
    key: (ah, a, _st, ctx) => {
      // Checked before the words are read: `key 1` is this line, not a missing parameter.
      if (a.count < 3) return say(a, 'auth_hmac key needs an id and a value');
      const id = a.unsigned(1, 1, 255);
      if (id === undefined) return say(a, `auth_hmac key id '${a.st.words[1]}' must be between 1 and 255`);
      const value = a.st.words[2];
      let bytes: Uint8Array | undefined;
      let file: string | undefined;
      if (value.startsWith('file:')) {
        file = value.slice(5);
        bytes = keyFileBytes(file, a, ctx, name);
      } else bytes = keyBytes(value);
      const length = bytes?.length ?? 0;
      if (bytes === undefined || length < HMAC_KEY_MIN || length > HMAC_KEY_MAX) {
        say(a, `auth_hmac key ${id} length ${length} not in range [${HMAC_KEY_MIN}, ${HMAC_KEY_MAX}]`);
      } else if (ah.keys.some((k) => k.id === id)) {
        say(a, `duplicate auth_hmac key id ${id}`);
      } else {
        ah.keys.push({ id, hex: Buffer.from(bytes).toString('hex'), location: a.location, ...(file === undefined ? {} : { file }) });
      }
    },
    active_key: (ah, a) => {
      const id = a.unsigned(1, 1, 255);
      if (id === undefined) {
        if (a.st.words[1] !== undefined) say(a, `auth_hmac active_key '${a.st.words[1]}' must be between 1 and 255`);
        return;
      }
      ah.activeKey = id;
    },
    time_window: (ah, a) => {
      const s = a.unsigned(1, 1, 300);
      if (s === undefined) {
        if (a.st.words[1] !== undefined) say(a, `auth_hmac time_window '${a.st.words[1]}' must be between 1 and 300 seconds`);
        return;
      }
      ah.timeWindowS = s;
    },
    anti_replay: (ah, a) => {
      const w = a.word(1);
      if (w === 'time' || w === 'monotonic') ah.antiReplay = w;
      else if (w !== undefined) say(a, `auth_hmac anti_replay '${w}' must be time or monotonic`);
    },
    mode: (ah, a) => {
      const w = a.word(1);
      if (w === 'enforce' || w === 'permissive' || w === 'receive-only') ah.mode = w;
      else if (w !== undefined) say(a, `auth_hmac mode '${w}' must be enforce, permissive or receive-only`);
    },
  };
}

/** keepalived's largest key file: "hex:", 128 digits and 8 bytes of slack, less its NUL. */
const KEY_FILE_MAX = 4 + HMAC_KEY_MAX * 2 + 8 - 1;

/**
 * A `file:` key as keepalived 2.4.3 reads it (vrrp_auth_hmac_read_key_file): a file it cannot open,
 * or longer than it reads, gives no key; group or other permission bits are a security error (exit
 * 6) and the key is still read; trailing line ends are dropped, then the text is read as an inline
 * value would be.
 */
function keyFileBytes(path: string, a: Args, ctx: ParseContext, name: string): Uint8Array | undefined {
  const say = (message: string, cls: ErrClass = ErrClass.general): void => ctx.reporter.report(cls, `(${name}) ${message}`, a.location);
  const file = ctx.readKeyFile?.(path);
  if (file === undefined) {
    say(`auth_hmac key file '${path}' cannot be opened`);
    return undefined;
  }
  if ((file.mode & 0o077) !== 0) say(`auth_hmac key file '${path}' is readable by group or others`, ErrClass.security);
  if (Buffer.byteLength(file.text, 'latin1') > KEY_FILE_MAX) {
    say(`auth_hmac key file '${path}' is too large`);
    return undefined;
  }
  return keyBytes(file.text.replace(/[\r\n]+$/, ''));
}

/** vrrp_instance keywords keepalived 2.2.7 accepts and vrrplab does not model (vrrp/vrrp_parser.c). */
export const INSTANCE_ACCEPTED = new Set(`use_vmac_addr vmac_xmit_base use_ipvlan unicast_fault_no_peer check_unicast_src
 old_unicast_checksum native_ipv6 vrf track_bfd mcast_dst_ip track_src_ip unicast_ttl promote_secondaries
 linkbeat_use_polling skip_check_adv_addr strict_mode debug notify_deleted
 notify_priority_changes lvs_sync_daemon_interface down_timer_adverts garp_extra_if vmac_garp_intvl lower_prio_no_advert
 higher_prio_send_advert kernel_rx_buf_size`.split(/\s+/));

// ---------------------------------------------------------------- vrrp_sync_group

export const SYNC_GROUP_KEYWORDS: KeywordTable<SyncGroup> = {
  group: (g, _a, st) => { for (const line of valueLines(st)) g.members.push(...line.words); },
  track_interface: (g, _a, st, ctx) => trackInterfaces(g.trackInterfaces, g.name, ctx, st),
  track_script: (g, _a, st, ctx) => trackRefs(g.trackScripts, g.name, 'track_script', ctx, st),
  track_file: (g, _a, st, ctx) => trackRefs(g.trackFiles, g.name, 'track_file', ctx, st),
  track_process: (g, _a, st, ctx) => trackProcessRefs(g.trackProcesses ??= [], g.name, ctx, st),
  ...notifyHandlers<SyncGroup>(),
  sync_group_tracking_weight: set((g) => { g.trackingWeight = true; }),
  global_tracking: (g, a) => {
    report(a, `(${g.name}) global_tracking is deprecated. Use track_interface/script/file on the sync group`);
    g.trackingWeight = true;
  },
};

export const SYNC_GROUP_ACCEPTED = new Set(['track_bfd', 'smtp_alert', 'notify_priority_changes']);

/** Top-level blocks keepalived reads and vrrplab lists as ignored. */
export const IGNORED_ROOTS = new Set([
  'virtual_server', 'virtual_server_group', 'bfd_instance', 'static_ipaddress', 'static_routes',
  'static_rules', 'track_group', 'garp_group', 'linkbeat_interfaces', 'interface_up_down_delays', 'net_namespace',
  'net_namespace_ipvs', 'namespace_with_ipsets', 'use_pid_dir', 'instance', 'child_wait_time', 'linkbeat_use_polling',
]);
