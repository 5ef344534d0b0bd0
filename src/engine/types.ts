/**
 * The engine's inputs and outputs. The engine is sans-I/O: drivers (runtime, simulator,
 * replayer) turn the world into EngineEvents, hand them in with the current time in ms, carry
 * out the EngineActions that come back, and call again at `nextDeadline()`.
 */
import type { ReceivedAdvert, VrrpAdvert } from '../wire/types.js';
import type { AdvertSignature } from './auth-hmac.js';

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP';

export type EngineEvent =
  /** keepalived started: instances enter their initial states. */
  | {
      type: 'start';
      /** Interfaces whose link is down at start (default: all up). */
      linksDown?: string[];
      /** Current value of each track_file's file at start (default 0, as for a missing file). */
      fileValues?: Record<string, number>;
      /**
       * Matching processes running at start, per vrrp_track_process (default 0: keepalived, unable
       * to follow process events, counts every tracked process absent).
       */
      processCounts?: Record<string, number>;
      /**
       * The host's wall clock (UTC, ms since the epoch) minus the driver's clock: the engine's
       * wall clock is `now + wallClockOffsetMs` (default 0). Only keepalived 2.4's auth_hmac reads
       * it (the trailer's time, and the receiver's anti_replay time window); a runtime gives
       * Date.now() - its clock, a simulator an epoch of its choosing plus the host's skew.
       */
      wallClockOffsetMs?: number;
    }
  /**
   * The host's wall clock was set (a step: NTP gone wrong, a clock corrected): from now on it is
   * the driver's clock plus `offsetMs` (see start's wallClockOffsetMs).
   */
  | { type: 'wall-clock'; offsetMs: number }
  /** Graceful shutdown (SIGTERM): a master resigns with a priority-0 advert, VIPs go, notify_stop runs. */
  | { type: 'stop' }
  /** An advert arrived on `iface` (already IP-decoded; validation happens in the engine). */
  | {
      type: 'advert';
      iface: string;
      packet: ReceivedAdvert;
      /**
       * The driver's clock (ms) when it hands the packet in, where that is later than the event's
       * time (when the kernel received it). A MASTER's answer to a lower-priority advert leaves
       * then, and keepalived counts its next advert from after its answer (HostOptions.answerRearmMs).
       */
      handledAt?: number;
    }
  /**
   * An IP datagram as keepalived's raw socket reads it (IPv4 header included), not yet decoded:
   * the engine makes every check keepalived makes, in its order, so a malformed packet has the
   * effect on timers, counters and log lines that it has on keepalived (see receive.ts).
   */
  | {
      type: 'packet';
      iface: string;
      packet: Uint8Array;
      /** IPv6: the kernel checked the checksum (IPV6_CHECKSUM) and the header was rebuilt from ancillary data. */
      checksumVerified?: boolean;
      /**
       * The driver's clock (ms) when it hands the packet in, where that is later than the event's
       * time (when the kernel received it). A MASTER's answer to a lower-priority advert leaves
       * then, and keepalived counts its next advert from after its answer (HostOptions.answerRearmMs).
       */
      handledAt?: number;
    }
  /** A vrrp_script finished: exit status 0 is success. `timedOut` counts as failure. */
  | { type: 'script-result'; script: string; exitCode: number; timedOut?: boolean }
  /** A track_file's file was read: its integer value (missing or unreadable file = 0). */
  | { type: 'file-value'; trackFile: string; value: number }
  /**
   * The number of running processes a vrrp_track_process matches changed (a process started or
   * exited). `fork`: it rose because a tracked process forked (fork_delay applies); else an exec.
   */
  | { type: 'process-count'; trackProcess: string; count: number; fork?: boolean }
  /** Link state of an interface changed (carrier). */
  | { type: 'link'; iface: string; up: boolean }
  /**
   * An address appeared on an interface or went (rtnetlink RTM_NEWADDR / RTM_DELADDR), the
   * host's own and the VIPs alike. `linkScope`: an IPv6 address of link scope.
   */
  | { type: 'address'; iface: string; family: 4 | 6; address: string; present: boolean; linkScope?: boolean; prefixLength?: number };

/** keepalived's VMAC of an instance (use_vmac): a private macvlan on its interface. */
export interface Vmac {
  iface: string;
  mac: string;
  /** The interface it sits on. */
  base: string;
}

export type EngineAction =
  /**
   * Send an advert: to the multicast group, or to each unicast peer when `unicastPeers` is set.
   * `vmac`: it leaves by the instance's VMAC interface, from the VMAC's address (use_vmac without
   * vmac_xmit_base; `iface` stays the interface adverts are read on).
   */
  | {
      type: 'send-advert';
      instance: string;
      iface: string;
      advert: VrrpAdvert;
      src?: string;
      unicastPeers?: string[];
      vmac?: Vmac;
      /**
       * keepalived 2.4's auth_hmac (enforce and permissive modes): the advert carries a trailer
       * signed with this key id, key and sequence (src/wire/auth-hmac.ts withTrailer builds the
       * bytes; every unicast copy carries the same trailer, as keepalived signs once per advert).
       */
      hmac?: AdvertSignature;
    }
  /** `iface` is the interface that carries the VIPs: the VMAC with use_vmac (`vmac` then says which). */
  | { type: 'add-vips'; instance: string; iface: string; addresses: string[]; vmac?: Vmac }
  | { type: 'remove-vips'; instance: string; iface: string; addresses: string[]; vmac?: Vmac }
  /** `count` gratuitous ARPs (IPv4) / unsolicited NAs (IPv6) for each address, now, back to back (from the VMAC with use_vmac). */
  | { type: 'send-garp'; instance: string; iface: string; addresses: string[]; count: number; vmac?: Vmac }
  /** Accept mode off: the VIPs go into (add) or out of keepalived's nftables drop sets. */
  | { type: 'firewall'; instance: string; add: boolean; addresses: { address: string; family: 4 | 6; iface: string }[] }
  /** Run a tracked script now; answer later with a `script-result` event. */
  | { type: 'run-script'; script: string; command: string; timeoutMs: number; user?: string }
  /** Run a notify program (keepalived's order and arguments); failures are only logged. */
  | { type: 'notify'; instance: string; state: VrrpState; command: string; args: string[]; kind: 'specific' | 'generic' }
  /**
   * A line for the notify fifos (global `notify_fifo`, `vrrp_notify_fifo`), only when one is
   * configured: `INSTANCE "VI_1" MASTER 110` (the effective priority), `GROUP "G" BACKUP 0`, where
   * and in the order keepalived 2.2.7 writes them (with the notifies; lab).
   */
  | { type: 'notify-fifo'; instance: string; state: VrrpState; line: string }
  /** A state transition (also logged); the simulator and replay timelines are built from these. */
  | {
      type: 'transition';
      instance: string;
      vrid: number;
      from: VrrpState;
      to: VrrpState;
      priority: number;
      reason: string;
      /**
       * keepalived neither logs nor notifies it: an instance whose weight-0 script (or a sync-group
       * member's) has not run yet sits in FAULT from its start, then logs "Entering BACKUP STATE".
       */
      silent?: true;
    }
  | { type: 'priority'; instance: string; vrid: number; from: number; to: number }
  /** A log line in keepalived's wording, e.g. "(VI_1) Entering MASTER STATE". */
  | { type: 'log'; level: 'info' | 'debug' | 'warning'; message: string }
  /**
   * Only with log lines off (HostOptions.logs false): a tracked script changed state as keepalived
   * sees it, where its line "VRRP_Script(name) succeeded" (or failed, timed_out) would be.
   */
  | { type: 'script-state'; script: string; ok: boolean }
  /**
   * A vrrp_track_process has its quorum (ok) or not: at start, and whenever keepalived would log
   * "Quorum gained/lost for tracked process NAME" (with or without log lines).
   */
  | { type: 'process-state'; trackProcess: string; ok: boolean };
