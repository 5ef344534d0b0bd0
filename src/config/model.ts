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

/** A `track_script` / `track_file` / `track_interface` entry inside an instance or sync group. */
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
  virtualIpaddresses: VirtualAddress[];
  virtualIpaddressesExcluded: VirtualAddress[];
  trackInterfaces: TrackReference[];
  trackScripts: TrackReference[];
  trackFiles: TrackReference[];
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
  useVmac: boolean;
  vmacName?: string;
  accept: boolean;
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
