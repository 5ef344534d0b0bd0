/**
 * The alert book of `vrrplab watch`: which alerts are active per (family, VRID, kind), when each
 * was raised, and the recently cleared ones. Pure: times are handed in (ms since the epoch).
 * Bounded: at most one active alert per family, VRID and kind (9 x 512), and RECENT_MAX cleared ones.
 */
import type { AlertSnapshot } from '../metrics/snapshot.js';

export type AlertKind =
  /** Two senders of one VRID both advertising with non-zero priority, side by side beyond a grace. */
  | 'two-masters'
  /** Senders of one VRID whose adverts the other would reject (keepalived's receive checks). */
  | 'vrid-conflict'
  /** No advert for the VRID for longer than the longest Master_Down_Interval a backup can have. */
  | 'master-silent'
  /** FLAP_CHANGES master changes within the flap window. */
  | 'flapping'
  /** The master's advertised priority fell (and is not back). */
  | 'priority-drop'
  /** No gratuitous ARP / unsolicited NA for any VIP within GARP_WINDOW_MS of a takeover. */
  | 'no-garp'
  /** Adverts keepalived drops as not from the link or not authentic: TTL/hop limit, auth type, auth_hmac. */
  | 'forged'
  /** auth_hmac sequence not increasing for a sender (with --key). */
  | 'replayed'
  /** --host: the host the configs make master (no check failing) has not advertised for longer than Master_Down_Interval. */
  | 'host-silent'
  /** --host: the master heard is none of the configured hosts, or its VRID is in no config. */
  | 'unexpected-master'
  /** --host: check's static findings for the configs, raised at start. */
  | 'config';

export const ALERT_KINDS: readonly AlertKind[] = ['two-masters', 'vrid-conflict', 'master-silent', 'flapping', 'priority-drop', 'no-garp', 'forged', 'replayed', 'host-silent', 'unexpected-master', 'config'];

export interface Alert {
  kind: AlertKind;
  vrid: number;
  family: 4 | 6;
  /** When it was raised (ms). */
  sinceMs: number;
  /** When it was cleared (ms), once it is. */
  clearedMs?: number;
  evidence: string;
}

const KIND_INDEX = Object.fromEntries(ALERT_KINDS.map((k, i) => [k, i])) as Record<AlertKind, number>;

/** Cleared alerts kept for the snapshot and the terminal view. */
const RECENT_MAX = 32;

export class AlertBook {
  /** By a small integer (kind, family, VRID): the watcher looks alerts up with every advert and tick, no string made. */
  private readonly active = new Map<number, Alert>();
  private readonly recent: Alert[] = [];

  constructor(private readonly onChange: (alert: Alert, action: 'raised' | 'cleared', atMs: number) => void) {}

  private static key(kind: AlertKind, family: 4 | 6, vrid: number): number {
    return (KIND_INDEX[kind] * 2 + (family === 6 ? 1 : 0)) * 65536 + vrid;
  }

  get(kind: AlertKind, family: 4 | 6, vrid: number): Alert | undefined {
    return this.active.get(AlertBook.key(kind, family, vrid));
  }

  /** Raises the alert unless it is active already (then only its evidence is brought up to date). */
  raise(kind: AlertKind, family: 4 | 6, vrid: number, atMs: number, evidence: string): void {
    const key = AlertBook.key(kind, family, vrid);
    const open = this.active.get(key);
    if (open !== undefined) {
      open.evidence = evidence;
      return;
    }
    const alert: Alert = { kind, vrid, family, sinceMs: atMs, evidence };
    this.active.set(key, alert);
    this.onChange(alert, 'raised', atMs);
  }

  clear(kind: AlertKind, family: 4 | 6, vrid: number, atMs: number, why?: string): void {
    const key = AlertBook.key(kind, family, vrid);
    const open = this.active.get(key);
    if (open === undefined) return;
    this.active.delete(key);
    open.clearedMs = atMs;
    if (why !== undefined) open.evidence = `${open.evidence}; cleared: ${why}`;
    this.recent.push(open);
    if (this.recent.length > RECENT_MAX) this.recent.shift();
    this.onChange(open, 'cleared', atMs);
  }

  activeAlerts(): Alert[] {
    return [...this.active.values()];
  }

  recentlyCleared(): readonly Alert[] {
    return this.recent;
  }

  snapshot(iface: string): AlertSnapshot[] {
    const out: AlertSnapshot[] = [];
    for (const a of this.active.values()) out.push({ kind: a.kind, iface, vrid: a.vrid, active: true, sinceSec: a.sinceMs / 1000, evidence: a.evidence });
    for (const a of this.recent) out.push({ kind: a.kind, iface, vrid: a.vrid, active: false, sinceSec: a.sinceMs / 1000, evidence: a.evidence });
    return out;
  }
}
