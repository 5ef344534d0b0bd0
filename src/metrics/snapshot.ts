/**
 * What `vrrplab watch` and `vrrplab run --listen` know at one moment, in the shape the Prometheus
 * exposition (src/metrics/exposition.ts) renders. Both producers fill it; neither knows about
 * Prometheus. Counter names are keepalived's own (its SIGUSR2 stats / JSON field names), so a
 * metric can carry keepalived-exporter's name where it means the same thing.
 */
export type SnapshotState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'STOP' | 'UNKNOWN';

/** keepalived's per-instance counters (`keepalived -s` / SIGUSR2 names, snake_case). */
export type VrrpCounterName =
  | 'advert_rcvd'
  | 'advert_sent'
  | 'become_master'
  | 'release_master'
  | 'packet_len_err'
  | 'advert_interval_err'
  | 'ip_ttl_err'
  | 'invalid_type_rcvd'
  | 'addr_list_err'
  | 'invalid_authtype'
  | 'authtype_mismatch'
  | 'auth_failure'
  | 'pri_zero_rcvd'
  | 'pri_zero_sent'
  | 'garp_sent';

/** One VRRP instance (run: our own) or one VRID on a link (watch: what the LAN shows). */
export interface VridSnapshot {
  /** keepalived's instance name (run, or watch with --host configs); undefined when unknown. */
  instance?: string;
  iface: string;
  vrid: number;
  family: 4 | 6;
  /** run: the instance's state. watch: MASTER when a master is heard, else UNKNOWN. */
  state: SnapshotState;
  /** The address the current master advertises from, when one is heard or we are it. */
  master?: string;
  /** The master's (or our own) advertised / effective priority. */
  priority?: number;
  advertIntervalMs?: number;
  /** Unix time (s) of the last change of master or state. */
  lastTransitionSec?: number;
  /** Senders of this VRID heard recently other than the master (watch). */
  backups?: string[];
  /** The VIPs of the instance (run) or of the master's adverts (watch). */
  addresses?: string[];
  counters: Partial<Record<VrrpCounterName, number>>;
}

/** An alert of `vrrplab watch`, active or recently cleared. */
export interface AlertSnapshot {
  /** two-masters, vrid-conflict, master-silent, flapping, priority-drop, no-garp, forged, replayed, … */
  kind: string;
  iface: string;
  vrid: number;
  active: boolean;
  /** Unix time (s) it was raised. */
  sinceSec: number;
  /** One line of evidence, as the terminal view prints it. */
  evidence: string;
}

export interface MetricsSnapshot {
  /** Who produced it: 'watch' or 'run'. */
  source: 'watch' | 'run';
  /** Unix time (s) the snapshot describes. */
  atSec: number;
  vrids: VridSnapshot[];
  alerts: AlertSnapshot[];
  /** Packets read and dropped as malformed, by reason (watch), for a counter per reason. */
  malformed?: Record<string, number>;
  packetsSeen?: number;
}
