/**
 * Typed model of the VRRP part of a keepalived.conf, as keepalived 2.2.7 understands it.
 * Times are milliseconds. Defaults are filled in by the parser from ./defaults.ts, so every
 * consumer (engine, simulator, runtime, check) sees the same values keepalived would use.
 */

export interface SourceLocation {
  file: string;
  line: number;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Where keepalived would point: file and 1-based line. Absent for whole-config messages. */
  location?: SourceLocation;
  /** keepalived's wording where keepalived has a message for it. */
  message: string;
  /** An info line saying what keepalived does that vrrplab does not model (simulate shows these too). */
  notModelled?: true;
}

export interface GlobalDefs {
  routerId?: string;
  vrrpVersion: 2 | 3;
  scriptUser?: string;
  scriptGroup?: string;
  enableScriptSecurity: boolean;
  vrrpMcastGroup4: string;
  vrrpMcastGroup6: string;
  vrrpGarpMasterDelayMs: number;
  vrrpGarpMasterRepeat: number;
  vrrpGarpMasterRefreshMs: number;
  vrrpGarpMasterRefreshRepeat: number;
  vrrpGarpLowerPrioDelayMs: number;
  vrrpGarpLowerPrioRepeat: number;
  /** Delay between gratuitous ARPs of one burst (vrrp_garp_interval). */
  vrrpGarpIntervalMs: number;
  vrrpGnaIntervalMs: number;
  vrrpSkipCheckAdvAddr: boolean;
  vrrpStrict: boolean;
  vrrpHigherPrioSendAdvert: boolean;
  vrrpCheckUnicastSrc: boolean;
  /**
   * `notify_fifo FILE` (every process) and `vrrp_notify_fifo FILE` (VRRP only): keepalived 2.2.7 writes
   * each notify as a line into both, `INSTANCE "VI_1" MASTER 110` / `GROUP "G" BACKUP 0` (lab). The
   * owner words after the file are not modelled. 2.2.7 has no per-instance notify_fifo ("Unknown keyword").
   */
  notifyFifo?: string;
  vrrpNotifyFifo?: string;
  /** `notify_fifo_script` / `vrrp_notify_fifo_script`: run at start with the fifo's path, to read it. */
  notifyFifoScript?: string;
  vrrpNotifyFifoScript?: string;
  /** Other global_defs keywords keepalived accepts and vrrplab does not model: name -> value. */
  other: Record<string, string>;
}

export interface VrrpScript {
  name: string;
  location: SourceLocation;
  /** Command line exactly as written (keepalived splits it into arguments itself, no shell). */
  script: string;
  intervalMs: number;
  timeoutMs: number;
  /** Signed weight; 0 means failure puts tracking instances into FAULT. */
  weight: number;
  /** `weight N reverse`: success subtracts / failure adds, as keepalived does. */
  weightReverse: boolean;
  rise: number;
  fall: number;
  user?: string;
  group?: string;
  /** `init_fail`: the script starts in the failed state instead of keepalived's default. */
  initFail: boolean;
  /** keepalived disables the script at start-up (its program was not found); tracking instances drop it. */
  disabled?: boolean;
  /**
   * No instance or sync group tracks it (once weighted ones in sync groups are dropped): keepalived
   * logs "Warning - script NAME is not used" when it starts and never runs it.
   */
  unused?: boolean;
}

export interface TrackFile {
  name: string;
  location: SourceLocation;
  file: string;
  weight: number;
  weightReverse: boolean;
  /** `init_file [VALUE] [overwrite]`: create the file with VALUE when missing (or always, with overwrite). */
  initFile?: { value: number; overwrite: boolean };
}

/**
 * A `vrrp_track_process` block (keepalived 2.2.7 core/track_process.c, vrrp/vrrp_parser.c): the
 * number of running processes whose name (comm, or the command line with `full_command` or
 * parameters) matches; quorum reached while quorum <= count <= quorumMax.
 */
export interface TrackProcess {
  name: string;
  location: SourceLocation;
  /** The process name (comm, at most 15 characters) or, with fullCommand, argv[0]. */
  process: string;
  /** Parameters after the name (`process haproxy -f /etc/haproxy.cfg`): matched against argv[1..]. */
  params?: string[];
  /** How params match: keepalived's PARAM_MATCH_EXACT / PARTIAL / INITIAL ('none' without params). */
  paramMatch: 'none' | 'exact' | 'partial' | 'initial';
  /** Match the command line (/proc/PID/cmdline) instead of comm. */
  fullCommand: boolean;
  quorum: number;
  /** keepalived's UINT_MAX when not given. */
  quorumMax: number;
  /** Signed weight; 0 means losing quorum puts tracking instances into FAULT. */
  weight: number;
  weightReverse: boolean;
  /** Delay before a quorum gained by a tracked process forking counts (`fork_delay`, or `delay`), ms. */
  forkDelayMs: number;
  /** Delay before a quorum lost by a process exiting counts (`terminate_delay`, or `delay`), ms. */
  terminateDelayMs: number;
}

/** A `track_script` / `track_file` / `track_interface` / `track_process` entry inside an instance or sync group. */
export interface TrackReference {
  name: string;
  /** Weight given at the reference; overrides the tracked object's own weight when present. */
  weight?: number;
  reverse?: boolean;
  location: SourceLocation;
}

export interface VirtualAddress {
  /** Address text without prefix, e.g. 172.16.25.10 or fe80::1. */
  address: string;
  prefixLength: number;
  family: 4 | 6;
  dev?: string;
  label?: string;
  scope?: string;
  broadcast?: string;
  location: SourceLocation;
}

export type InitialState = 'MASTER' | 'BACKUP';

export interface NotifyScripts {
  master?: string;
  backup?: string;
  fault?: string;
  stop?: string;
  /** Generic `notify` script: called with TYPE NAME STATE PRIORITY after the specific one. */
  generic?: string;
  masterRxLowerPri?: string;
}

/** keepalived 2.4.3's auth_hmac modes. */
export type AuthHmacMode = 'enforce' | 'permissive' | 'receive-only';

export interface AuthHmacKey {
  id: number;
  /** The key's bytes, hex (never printed: check's output names keys by id and length only). */
  hex: string;
  /** Where it came from: the config line, and the file for `file:` keys. */
  location: SourceLocation;
  file?: string;
}

export interface AuthHmac {
  location: SourceLocation;
  keys: AuthHmacKey[];
  /** The key id used when sending; 0 when not given (keepalived then disables the block). */
  activeKey: number;
  mode: AuthHmacMode;
  antiReplay: 'time' | 'monotonic';
  /** Seconds; 0 until keepalived's default, max(3 x advert_int, 5) capped at 300, is derived (time mode). */
  timeWindowS: number;
}

export interface VrrpInstance {
  name: string;
  location: SourceLocation;
  /** `state` as written; keepalived only uses it to decide a few start-up details. */
  initialState?: InitialState;
  interface: string;
  vrid: number;
  /** Base priority as configured (keepalived default 100; 255 = address owner). */
  priority: number;
  advertIntervalMs: number;
  version: 2 | 3;
  family: 4 | 6;
  nopreempt: boolean;
  preemptDelayMs: number;
  /** v2 only. Password already truncated to 8 characters, as keepalived does on load. */
  authentication?: { type: 'PASS' | 'AH'; password: string };
  /**
   * keepalived 2.4's `auth_hmac` block (read only with keepalived version 2.4), as it stands after
   * keepalived's end-of-config step: absent when not configured or when keepalived disabled it
   * (an active_key no key defines).
   */
  authHmac?: AuthHmac;
  virtualIpaddresses: VirtualAddress[];
  virtualIpaddressesExcluded: VirtualAddress[];
  trackInterfaces: TrackReference[];
  trackScripts: TrackReference[];
  trackFiles: TrackReference[];
  /** `track_process` entries naming a vrrp_track_process block (absent in configs built by hand: none). */
  trackProcesses?: TrackReference[];
  unicastSrcIp?: string;
  unicastPeers: string[];
  /**
   * Each unicast peer's `min_ttl`/`max_ttl` (keepalived's default 0-255), by its place in
   * `unicastPeers`; absent when no peer gives either.
   */
  unicastPeerTtl?: { min: number; max: number }[];
  /**
   * Adverts must come from a unicast peer, with a TTL / hop limit in its range (keepalived 2.2.7:
   * `check_unicast_src`, a peer's min_ttl/max_ttl, or global `vrrp_check_unicast_src`).
   */
  checkUnicastSrc?: boolean;
  /** The instance's own flag (check_unicast_src or a peer's min_ttl/max_ttl), as keepalived's data dump shows it. */
  checkUnicastSrcInstance?: boolean;
  mcastSrcIp?: string;
  garpMasterDelayMs: number;
  garpMasterRepeat: number;
  garpMasterRefreshMs: number;
  garpMasterRefreshRepeat: number;
  garpLowerPrioDelayMs: number;
  garpLowerPrioRepeat: number;
  notify: NotifyScripts;
  smtpAlert: boolean;
  /** use_vmac: the VIPs live on a macvlan of their own, keepalived's VMAC (config/vmac.ts). */
  useVmac: boolean;
  /** use_vmac's interface name; once loaded, the VMAC's name (vrrp.VRID unless named). */
  vmacName?: string;
  /** use_vmac named it (else keepalived picks the name, skipping interfaces that are there). */
  vmacNameGiven?: boolean;
  /** Once loaded, the VMAC's address: 00:00:5e:00:01:VRID (IPv4), 00:00:5e:00:02:VRID (IPv6), or use_vmac's own. */
  vmacMac?: string;
  /** vmac_xmit_base: adverts leave from the base interface (and its MAC); VIPs and GARPs stay on the VMAC. */
  vmacXmitBase?: boolean;
  /** use_vmac_addr (read; the VMACs it adds for VIPs of other interfaces or families are not modelled). */
  vmacAddr?: boolean;
  /** `accept` / `no_accept` as configured (unset: keepalived decides, see acceptMode()). */
  accept?: boolean;
  dontTrackPrimary: boolean;
  /** Instance name of the sync group it belongs to, filled in after parsing. */
  syncGroup?: string;
  /**
   * Weighted track_script entries keepalived drops at load ("ignoring tracked script ... with
   * weights due to SYNC group / address_owner"): present only when some were dropped.
   */
  ignoredTrackScripts?: { ref: TrackReference; why: 'sync-group' | 'address-owner' }[];
}

export interface SyncGroup {
  name: string;
  location: SourceLocation;
  members: string[];
  notify: NotifyScripts;
  trackScripts: TrackReference[];
  trackInterfaces: TrackReference[];
  trackFiles: TrackReference[];
  /** `track_process` entries: every member tracks them with the group's weight. */
  trackProcesses?: TrackReference[];
  /** `sync_group_tracking_weight` (or the deprecated `global_tracking`): members keep their weights. */
  trackingWeight?: boolean;
}

/** A block keepalived reads but vrrplab does not model (virtual_server, SMTP, BFD...). */
export interface IgnoredBlock {
  keyword: string;
  location: SourceLocation;
}

export interface KeepalivedConfig {
  /** Every file read, the main one first (includes in the order read). */
  files: string[];
  globalDefs: GlobalDefs;
  scripts: VrrpScript[];
  trackFiles: TrackFile[];
  /** `vrrp_track_process` blocks (absent in configs built by hand: none). */
  trackProcesses?: TrackProcess[];
  instances: VrrpInstance[];
  syncGroups: SyncGroup[];
  ignored: IgnoredBlock[];
}

export interface ConfigLoadResult {
  config: KeepalivedConfig;
  diagnostics: Diagnostic[];
  /** keepalived -t's exit status for this file: 0 ok, non-zero when it would refuse the config. */
  exitStatus: number;
  /** What the check took for granted about the machine the config is for (see LoadOptions). */
  assumed?: Assumptions;
}

export interface Assumptions {
  /** Interfaces the config names that were not looked up (no interface probe was given). */
  interfaces: string[];
  /** Script programs taken to be on the host although the host directory does not hold them. */
  programs: string[];
}

/**
 * Whether a MASTER takes packets sent to its VIPs (RFC 5798 Accept_Mode), as keepalived 2.2.7
 * decides it: as configured, else on unless vrrp_strict (an address owner always); with
 * vrrp_strict, VRRPv2 never ("accept mode for VRRP version 2 does not comply with RFC3768").
 * Off: keepalived drops such packets with nftables rules while MASTER.
 */
export function acceptMode(instance: Pick<VrrpInstance, 'accept' | 'priority' | 'version'>, globals: Pick<GlobalDefs, 'vrrpStrict'>): boolean {
  if (instance.priority === 255) return true;
  const accept = instance.accept ?? !globals.vrrpStrict;
  return accept && !(globals.vrrpStrict && instance.version === 2);
}
