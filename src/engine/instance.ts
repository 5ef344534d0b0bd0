/**
 * Per-instance and per-sync-group runtime state, built from the config model. Plain data: the
 * transitions that change it live in ./host.ts, the receive checks in ./receive.ts.
 */
import type { SyncGroup, VrrpInstance } from '../config/model.js';
import { newVrrpStats, type VrrpStats } from '../wire/stats.js';
import type { VrrpAdvert } from '../wire/types.js';
import type { ScriptTracker } from './scripts.js';
import { HmacState } from './auth-hmac.js';
import { newSlot, type TimerHeap, type TimerSlot } from './timers.js';
import type { VrrpState } from './types.js';

export const PRIORITY_OWNER = 255;
export const PRIORITY_STOP = 0;

/** A tracked object's link to an instance: keepalived's weight and weight_multiplier (-1 = reverse). */
export interface WeightedLink {
  weight: number;
  multiplier: 1 | -1;
}

export interface ScriptLink extends WeightedLink {
  tracker: ScriptTracker;
}

export interface InterfaceLink extends WeightedLink {
  iface: string;
}

export interface FileLink extends WeightedLink {
  trackFile: string;
}

export interface ProcessLink extends WeightedLink {
  trackProcess: string;
}

export class SyncGroupState {
  state: VrrpState = 'INIT';
  numMemberFault = 0;
  numMemberInit = 0;
  readonly members: InstanceState[] = [];
  constructor(readonly config: SyncGroup) {}
}

export class InstanceState {
  state: VrrpState = 'INIT';
  /** Where the instance would be disregarding its sync group (keepalived's wantstate). */
  wantState: VrrpState;
  basePriority: number;
  /** Base priority plus tracked weights, before clamping (keepalived's total_priority). */
  totalPriority: number;
  effectivePriority: number;
  readonly advertIntervalMs: number;
  masterAdvertIntervalMs: number;
  /** Length of the down timer last computed (keepalived's ms_down_timer), ms. */
  downTimerMs = 0;
  /** The instance's one timer (keepalived's sands): next advert as MASTER, master-down as BACKUP. */
  readonly timer: TimerSlot;
  numScriptInit = 0;
  numScriptIfFault = 0;
  vipSet = false;
  notifiesSent = false;
  /** preempt_delay end time, 0 while no preempt delay runs. */
  preemptTime = 0;
  masterAddress: string | undefined;
  masterPriority = 0;
  garpRefreshAt = Number.POSITIVE_INFINITY;
  /**
   * A MASTER kept by a reload, its timer due at once (keepalived's reload_master): the timer after
   * that advert counts from when the driver served it, not from the reload.
   */
  reloadMaster = false;
  sync: SyncGroupState | undefined;
  stats: VrrpStats = newVrrpStats();
  readonly scripts: ScriptLink[] = [];
  readonly interfaces: InterfaceLink[] = [];
  readonly files: FileLink[] = [];
  readonly processes: ProcessLink[] = [];
  readonly vips: string[];
  /** In FAULT for want of an address on its interface (keepalived's VRRP_FAULT_FL_NO_SOURCE_IP). */
  noSourceFault = false;
  /**
   * keepalived 2.4's auth_hmac: its send sequence, senders' replay marks and auth_ext_* counters
   * (absent without an auth_hmac block). A reload makes it anew, as keepalived's new vrrp_t.
   */
  readonly hmac: HmacState | undefined;
  /**
   * keepalived 2.4's rate-limited rejection lines (log_rate_limited_error, vrrp->rlflags): the
   * kinds already logged, cleared on becoming MASTER, on leaving it, and when a BACKUP accepts an
   * advert from a new master. keepalived 2.2.7 logs every rejection.
   */
  readonly logged = new Set<string>();

  constructor(
    readonly config: VrrpInstance,
    /**
     * The address adverts are sent from and ties are broken with (unicast_src_ip, or the
     * interface's primary, which follows the interface's addresses: HostEngine address()).
     */
    public sourceAddress: string | undefined,
    private readonly timers: TimerHeap,
    onTimer: (instance: InstanceState) => void,
  ) {
    this.timer = newSlot(() => onTimer(this));
    this.basePriority = config.priority;
    this.totalPriority = config.priority;
    this.effectivePriority = config.priority;
    this.advertIntervalMs = config.advertIntervalMs;
    this.masterAdvertIntervalMs = config.advertIntervalMs;
    // keepalived derives the wanted initial state from `state`, or from priority 255 (address owner).
    this.wantState = config.initialState ?? (config.priority === PRIORITY_OWNER ? 'MASTER' : 'BACKUP');
    this.vips = config.virtualIpaddresses.map((vip) => vip.address);
    this.hmac = config.authHmac !== undefined ? new HmacState(config.authHmac) : undefined;
  }

  /** When the instance's timer fires (Infinity: not armed). */
  get sands(): number {
    return this.timer.at;
  }

  set sands(at: number) {
    this.timers.set(this.timer, at);
  }

  get name(): string {
    return this.config.name;
  }

  get vrid(): number {
    return this.config.vrid;
  }

  get version(): 2 | 3 {
    return this.config.version;
  }

  get isUp(): boolean {
    return this.numScriptIfFault === 0;
  }

  get unicast(): boolean {
    return this.config.unicastPeers.length > 0;
  }

  /** The advert last made, handed out again while the priority is the same (adverts are values nobody changes). */
  private lastAdvert: VrrpAdvert | undefined;

  /** The advert this instance sends with `priority`. */
  advert(priority: number): VrrpAdvert {
    if (this.lastAdvert?.priority !== priority) this.lastAdvert = this.makeAdvert(priority);
    return this.lastAdvert;
  }

  private makeAdvert(priority: number): VrrpAdvert {
    const auth = this.config.version === 2 ? this.config.authentication : undefined;
    return {
      version: this.config.version,
      vrid: this.config.vrid,
      priority,
      authType: auth === undefined ? 0 : auth.type === 'PASS' ? 1 : 2,
      auth: auth?.type === 'PASS' ? auth.password : '',
      advertIntervalMs: this.advertIntervalMs,
      family: this.config.family,
      addresses: this.config.virtualIpaddresses.filter((vip) => vip.family === this.config.family).map((vip) => vip.address),
    };
  }
}
