/**
 * What a replay analysis produces: plain records, one JSON line each with `--json`. Times are
 * epoch seconds. `vrid` records of IPv6 instances carry `family: 6` (VRIDs are per family).
 */

export type AnomalyKind =
  /** Two sources advertised the same VRID with non-zero priority for more than one interval. */
  | 'two-masters'
  /** Senders of one VRID that reject each other's adverts (password, auth type, version, interval, addresses): the cause of their two masters. */
  | 'vrid-conflict'
  | 'auth-mismatch'
  | 'interval-mismatch'
  | 'address-mismatch'
  | 'version-mix'
  | 'ttl'
  | 'bad-checksum'
  /** VRRP part shorter or longer than its address count says, bad type or version, truncated. */
  | 'malformed';

export type ReplayRecord =
  /** A period during which `src` was master: its first and last advert. */
  | { type: 'master'; vrid: number; family?: 6; src: string; from: number; to: number; priority: number; adverts: number; end: 'resigned' | 'replaced' | 'capture-end' | 'silent' }
  /** Mastership changed hands (`from` is null for the first master seen). */
  | { type: 'transition'; vrid: number; family?: 6; ts: number; from: string | null; to: string; priority: number; reason: 'first' | 'resigned' | 'preempted' | 'silent' }
  /** Failover gap: last advert of the old master to the first of the new one. */
  | { type: 'gap'; vrid: number; family?: 6; from: string; to: string; lastOld: number; firstNew: number; seconds: number }
  /** A source's advertised priority changed (0 is a resignation and has its own record). */
  | { type: 'priority'; vrid: number; family?: 6; src: string; ts: number; from: number; to: number }
  /** A priority-0 advert: the sender resigns mastership. */
  | { type: 'resign'; vrid: number; family?: 6; src: string; ts: number }
  /**
   * A burst of gratuitous ARPs for one address from one MAC (each at most a second after the one
   * before). `vrids`: VRIDs advertising that address. `last`: the time of its last one, when the
   * burst went on for more than a second.
   */
  | { type: 'garp'; ts: number; ip: string; mac: string; count: number; vrids: number[]; src?: string; last?: number }
  /** Something wrong, first seen at `ts` (later repeats are counted in the summary). */
  | { type: 'anomaly'; kind: AnomalyKind; vrid?: number; family?: 6; src?: string; ts: number; to?: number; detail: string }
  /** A problem reading the file itself (truncation, corruption), with its byte offset. */
  | { type: 'problem'; fileOffset: number; message: string }
  /** Per-VRID totals at the end. */
  | {
      type: 'summary';
      vrid: number;
      family?: 6;
      adverts: number;
      /** `virtualMac`: its adverts came from the VRRP virtual router MAC (00:00:5e:00:01:VRID or 00:00:5e:00:02:VRID), as RFC routers (FRR, Cisco) send them; keepalived does only with use_vmac. */
      sources: Array<{ src: string; adverts: number; priorities: number[]; first: number; last: number; virtualMac?: true }>;
      masters: number;
      anomalies: Partial<Record<AnomalyKind, number>>;
      /** Gratuitous ARPs for the VRID's addresses per sending MAC (`src`: its address, from its adverts or its ordinary ARP), when there were any. */
      garps?: Array<{ mac: string; src?: string; count: number }>;
    }
  /** Whole-capture totals at the end. */
  /** `keepalived`: the release the capture was read as (its receivers' keepalived). */
  | { type: 'capture'; frames: number; adverts: number; arp: number; garps: number; other: number; first: number | null; last: number | null; problems: number; keepalived?: string };

/** The time a record is about, for ordering a timeline. */
export function recordTime(r: ReplayRecord): number {
  switch (r.type) {
    case 'master':
      return r.from;
    case 'gap':
      return r.firstNew;
    case 'problem':
    case 'summary':
    case 'capture':
      return Number.POSITIVE_INFINITY;
    default:
      return r.ts;
  }
}
