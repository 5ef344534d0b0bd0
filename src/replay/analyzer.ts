/**
 * The replay analysis as a pure, streaming reducer: feed it decoded adverts, gratuitous ARPs and
 * malformed packets with their capture timestamps (in capture order), take the records it
 * produced with `poll()`, and call `finish()` at the end. No I/O, no clock. Memory grows with the
 * number of senders and events, not with the number of packets.
 *
 * Who is master is read off the wire: in VRRP only a master advertises, so the master of a VRID is
 * the sender of its non-zero-priority adverts. When a second sender appears while the master is
 * still advertising, mastership moves once the old master has gone quiet (no advert for three of
 * its intervals: shorter than any backup's master-down timer) or resigned (priority 0), or at once
 * when the newcomer outranks it (higher priority, or equal from a higher address: keepalived's
 * master goes BACKUP on such an advert); the new master's period starts at its first advert after
 * the old master's last. Two senders that keep advertising side by side for more than an interval
 * are reported as two masters.
 *
 * A master whose adverts are not in the capture (sent unicast where the capture does not see them)
 * still sends gratuitous ARPs, which keepalived sends only as master: a MAC that sends them for a
 * VRID's address while another host advertises as its master, with no advert of its own, is a
 * second master too.
 *
 * Senders whose adverts keepalived would reject from each other (another password or auth type,
 * VRRP version, VRRPv2 interval, or address list) cannot see each other: each such group follows
 * its own mastership, and two groups with a master at once are two masters and a VRID conflict.
 * A master's silence does not end its period while another group keeps advertising on the VRID:
 * keepalived 2.2.7 re-arms a master's advert timer on every packet it reads for the VRID, even one
 * it rejects ("received an invalid passwd!"), so a master can be held silent for as long as the
 * other group advertises at least as often.
 */
import type { KeepalivedVersion } from '../config/version.js';
import type { FrameSink, SeenAdvert } from './decoder.js';
import type { AnomalyKind, ReplayRecord } from './records.js';
import { AUTH_CISCO_MD5, quotedPassword } from '../wire/vrrp.js';
import { isMulticast } from '../wire/validate.js';
import type { ReceivedAdvert } from '../wire/types.js';

interface Source {
  src: string;
  adverts: number;
  first: number;
  last: number;
  /** First advert of the current continuous run (gaps of at most RUN_GAP intervals). */
  runStart: number;
  /** Last advertised priority (-1 before the first). */
  priority: number;
  priorities: Set<number>;
  resigned: boolean;
  seen: SeenAdvert | undefined;
  /** The advert interval of `seen`, in seconds (looked up on every advert). */
  interval: number;
  addrKey: string;
  /** First advert after the current master's last one (NaN when none). */
  since: number;
  sinceAdverts: number;
  sincePriority: number;
  /** `last` before the current advert. */
  prevLast: number;
  /** The group (see `groupKeyOf`) of its latest advert. */
  groupKey: string;
  group: Vrid | undefined;
  /** Advertised from the VRRP virtual router MAC. */
  virtualMac: boolean;
}

/** One group of mutually acceptable senders of a VRID (the fields shared by a VRID's groups are the same objects). */
interface Vrid {
  vrid: number;
  family: 4 | 6;
  groupKey: string;
  /** Every group of this VRID and family, this one included (shared). */
  groups: Vrid[];
  /** The sender of this group's master advertised, or another group advertised often enough to hold its timer back, until here. */
  coveredUntil: number;
  /** Which other group's sender held the master's timer back last, if any. */
  heldBackBy: string | undefined;
  /** Shared by the VRID's groups. */
  sources: Map<string, Source>;
  adverts: number;
  master: Source | undefined;
  masterFrom: number;
  masterAdverts: number;
  masterPriority: number;
  /** The master whose period ended last (resigned or silent), for the next gap. */
  previous: Source | undefined;
  /** `previous` was replaced while held silent by another group: master until the takeover, no gap. */
  previousHeld: boolean;
  masters: number;
  /** Latest non-master sender with non-zero priority. */
  challenger: Source | undefined;
  dual: { a: Source; b: Source; from: number; to: number } | undefined;
  /** The last two-masters period that ended (a virtual router MAC's GARPs then name no master). */
  lastDual?: { from: number; to: number };
  counts: Partial<Record<AnomalyKind, number>>;
  reported: Set<string>;
  /** Open conflicts with other groups (both had a master), by the other group's key; shared. */
  conflicts: Map<string, { a: Source; b: Source; from: number; to: number }>;
  /** Each other group's key in `conflicts` (this group's and its key, sorted), made once: checkConflicts runs per advert. */
  pairKeys: Map<Vrid, string>;
  /** Senders of gratuitous ARPs for the VRID's addresses that advertise nothing for it while its master advertises, by MAC; shared. */
  shadows: Map<string, Shadow>;
  /** Gratuitous ARPs for the VRID's addresses per sending MAC, in order of first burst; shared. */
  garpSenders: Map<string, number>;
}

/**
 * A master seen only by its gratuitous ARPs: keepalived sends them only as master (on taking over,
 * and again for each lower-priority advert it receives as master), so a MAC that sends them for a
 * VRID's address while another host advertises as its master, with no advert of its own in the
 * capture, is a second master whose adverts go where the capture does not see them (a unicast
 * peer elsewhere or one that does not exist).
 */
interface Shadow {
  mac: string;
  /** The address its bursts were for (the first one). */
  ip: string;
  from: number;
  to: number;
  garps: number;
  /** The advertising master it overlapped. */
  master: Source;
}

interface GarpBurst {
  ip: string;
  mac: string;
  ts: number;
  last: number;
  count: number;
  /** VRIDs whose shadow master (see Shadow) this burst belongs to. */
  shadowOf: number[] | undefined;
  /** From a virtual router MAC: the VRID's master when the burst began (who sends them; the MAC is every master's in turn). */
  src?: string;
}

/** A master silent for this many of its intervals has lost mastership (keepalived's down timer is 3 + skew). */
const SILENT_INTERVALS = 3;
/** A sender's adverts belong to one run while they are at most this many intervals apart. */
const RUN_GAP = 2.5;
/** A handover within this many intervals of the old master's last advert is a preemption. */
const PREEMPT_INTERVALS = 1.5;
/** The longest advert interval a packet can carry: VRRPv2's 8-bit seconds (VRRPv3's 12-bit centiseconds stop at 40.95 s). */
const MAX_INTERVAL_SECONDS = 255;
/** Gratuitous ARPs for one address from one MAC at most this far apart form one burst. */
const GARP_BURST_SECONDS = 1;

export interface AnalyzerOptions {
  /** Only analyse this VRID (ARP is still reported when it belongs to it, or to no known VRID). */
  vrid?: number;
  /**
   * The keepalived the receivers run (default 2.2): 2.2.7 drops an advert with an auth_hmac
   * trailer as too long (a `malformed` anomaly, once per sender); 2.4 reads it as 2.4.3 does.
   */
  keepalivedVersion?: KeepalivedVersion;
}

export class ReplayAnalyzer implements FrameSink {
  private out: ReplayRecord[] = [];
  /** Groups by family, VRID and group key. */
  private readonly vrids = new Map<string, Vrid>();
  /** The first group of each family and VRID (its `groups` lists them all). */
  private readonly byVrid = new Map<number, Vrid>();
  /** `byVrid` by key (VRID, +256 for IPv6) for the lookup on every advert. */
  private readonly byVridKey: Array<Vrid | undefined> = [];
  /** The sender of each VRID's latest advert, by the same key. */
  private readonly latestSource: Array<Source | undefined> = [];
  private readonly garps = new Map<string, GarpBurst>();
  /** `ip|mac` keys made once per pair (bursts repeat the pair: a hot path on long captures). */
  private readonly garpKeys = new Map<string, Map<string, string>>();
  private readonly lastGarp: { ip: string | undefined; mac: string | undefined; key: string } = { ip: undefined, mac: undefined, key: '' };
  /** VRIDs advertising each address, ascending. */
  private readonly addressVrids = new Map<string, number[]>();
  private readonly macSource = new Map<string, string>();
  /** Senders' addresses by MAC from ordinary ARP (for GARP senders that do not advertise). */
  private readonly arpAddress = new Map<string, string>();
  private readonly malformedSeen = new Set<string>();
  private readonly learned = new WeakSet<SeenAdvert>();
  private finished = false;
  first: number | null = null;
  last: number | null = null;

  readonly keepalivedVersion: KeepalivedVersion;

  constructor(private readonly options: AnalyzerOptions = {}) {
    this.keepalivedVersion = options.keepalivedVersion ?? '2.2';
  }

  /**
   * No record emitted from now on is about a time before this (its `recordTime`), as long as
   * the capture's timestamps do not go backwards. Records polled so far with a time at or before
   * it are therefore final in the time order (later ones come after them even on a tie), and can
   * be written out. Open periods, bursts and the runs two masters could start from hold it back.
   */
  horizon(): number {
    if (this.last === null) return Number.NEGATIVE_INFINITY;
    const now = this.last;
    let bound = now;
    for (const burst of this.garps.values()) if (burst.ts < bound) bound = burst.ts;
    for (const g of this.vrids.values()) {
      if (g.master !== undefined && g.masterFrom < bound) bound = g.masterFrom;
      if (g.dual !== undefined && g.dual.from < bound) bound = g.dual.from;
    }
    for (const v of this.byVrid.values()) {
      for (const c of v.conflicts.values()) if (c.from < bound) bound = c.from;
      for (const sh of v.shadows.values()) if (sh.from < bound) bound = sh.from;
      // A handover starts the new master at its `since`, which counts while it is after the
      // master's last advert (masters only ever advertise later).
      let masterLast = Number.POSITIVE_INFINITY;
      for (const g of v.groups) if (g.master !== undefined && g.master.last < masterLast) masterLast = g.master.last;
      // Two masters open from the later of two senders' run starts: at least the second earliest
      // run start that can still continue (a run broken off restarts at a later advert).
      let earliestRun = now;
      let secondRun = now;
      for (const s of v.sources.values()) {
        if (s.since > masterLast && s.since < bound) bound = s.since;
        if (now - s.last > RUN_GAP * MAX_INTERVAL_SECONDS) continue;
        if (s.runStart < earliestRun) {
          secondRun = earliestRun;
          earliestRun = s.runStart;
        } else if (s.runStart < secondRun) secondRun = s.runStart;
      }
      if (secondRun < bound) bound = secondRun;
    }
    return bound;
  }

  /** Records produced since the last call. */
  /** Whether poll() has records to hand out (a caller polling per advert allocates nothing when none). */
  get pending(): boolean {
    return this.out.length > 0;
  }

  poll(): ReplayRecord[] {
    const records = this.out;
    this.out = [];
    return records;
  }

  private tick(ts: number): void {
    if (this.first === null) this.first = ts;
    this.last = ts;
  }

  advert(ts: number, seen: SeenAdvert): void {
    this.tick(ts);
    const p = seen.packet;
    const a = p.advert;
    if (this.options.vrid !== undefined && a.vrid !== this.options.vrid) {
      // Still learn which VRID owns which address, so other VRIDs' GARPs can be left out.
      if (!this.learned.has(seen)) {
        this.learned.add(seen);
        for (const address of a.addresses) this.learnAddress(address, a.vrid);
      }
      return;
    }
    // Hot path: a sender repeating its last advert stays in its group; look groups up only on a change.
    const vkey = a.family === 6 ? a.vrid + 256 : a.vrid;
    let first = this.byVridKey[vkey];
    // The VRID's latest sender is found without a lookup by address when it repeats its advert
    // (an advert object belongs to one sender and VRID).
    let s = this.latestSource[vkey];
    if (s === undefined || s.seen !== seen) s = first?.sources.get(p.src);
    let v: Vrid;
    if (s !== undefined && s.seen === seen && s.group !== undefined) {
      v = s.group;
    } else {
      const gk = groupKeyOf(seen);
      const key = `${a.family}|${a.vrid}|${gk}`;
      let g = this.vrids.get(key);
      if (g === undefined) {
        g = newVrid(a.vrid, a.family, gk, first);
        this.vrids.set(key, g);
        if (first === undefined) {
          this.byVrid.set(vkey, (first = g));
          this.byVridKey[vkey] = g;
        }
      }
      v = g;
      if (s === undefined) {
        s = newSource(p.src, ts);
        v.sources.set(p.src, s);
      }
      s.groupKey = gk;
      s.group = v;
    }
    this.latestSource[vkey] = s;
    // Every packet for the VRID re-arms the advert timer of the other groups' masters.
    const groups = v.groups;
    if (groups.length > 1) {
      for (const g of groups) {
        const gm = g.master;
        // A sender of adverts keepalived drops for their length is no keepalived: nothing says
        // other packets hold its adverts back.
        if (g === v || gm === undefined || gm.src === s.src || gm.seen?.dropLog !== undefined) continue;
        if (ts - Math.max(gm.last, g.coveredUntil) <= 1.1 * intervalOf(gm)) {
          g.coveredUntil = ts;
          g.heldBackBy = s.src;
        }
      }
    }
    v.adverts++;
    s.adverts++;
    if (v.shadows.size > 0) this.expireShadows(v, ts);
    if (seen !== s.seen) this.changed(ts, v, s, seen);
    if (!seen.checksumOk) count(v, 'bad-checksum');
    if (ttlRejected(p)) count(v, 'ttl');

    const interval = intervalOf(s);
    if (s.adverts === 1 || ts - s.last > RUN_GAP * interval) s.runStart = ts;
    s.prevLast = s.last;
    s.last = ts;

    const prio = a.priority;
    if (prio !== s.priority) {
      if (prio !== 0 && s.priority > 0) this.emitFor(v, { type: 'priority', vrid: v.vrid, src: s.src, ts, from: s.priority, to: prio });
      s.priority = prio;
      s.priorities.add(prio);
    }
    if (prio === 0) {
      if (!s.resigned) this.emitFor(v, { type: 'resign', vrid: v.vrid, src: s.src, ts });
      s.resigned = true;
      if (v.master === s) this.endMaster(v, 'resigned');
      if (v.challenger === s) v.challenger = undefined;
      return;
    }
    s.resigned = false;

    const m = v.master;
    if (m === undefined) {
      this.startMaster(v, s, ts, s.adverts - 1, prio);
    } else if (m === s) {
      if (s.adverts > 1 && ts - Math.max(s.prevLast, v.coveredUntil) > SILENT_INTERVALS * interval) {
        // The master itself went quiet and came back: two periods.
        this.handover(v, s, ts);
      } else {
        v.masterAdverts++;
        this.checkDual(v, ts);
      }
      v.coveredUntil = ts;
      v.heldBackBy = undefined;
    } else {
      if (!(s.since > m.last)) {
        s.since = ts;
        s.sinceAdverts = s.adverts - 1;
        s.sincePriority = prio;
      }
      if (ts - Math.max(m.last, v.coveredUntil) > SILENT_INTERVALS * intervalOf(m)) this.handover(v, s, s.since);
      else if (m.priority > 0 && beats(s, prio, m)) {
        // keepalived's master goes BACKUP on the first advert it accepts with a higher priority
        // (or the same priority from a higher address): the sender preempts it at once, even
        // when the old master advertises again later (held back, its down timer expiring).
        this.handover(v, s, s.since);
      }
      else {
        v.challenger = s;
        this.checkDual(v, ts);
      }
    }
    this.checkConflicts(v, ts);
  }

  garp(ts: number, ip: string, mac: string): void {
    this.tick(ts);
    // Bursts repeat the pair (and the decoder the very same strings): compare before looking up.
    const last = this.lastGarp;
    const key = ip === last.ip && mac === last.mac ? last.key : this.garpKey(ip, mac);
    last.ip = ip;
    last.mac = mac;
    last.key = key;
    const burst = this.garps.get(key);
    if (burst !== undefined && ts - burst.last <= GARP_BURST_SECONDS) {
      burst.count++;
      burst.last = ts;
      return;
    }
    if (burst !== undefined) this.emitGarp(burst);
    const src = this.virtualMacMaster(mac);
    this.garps.set(key, { ip, mac, ts, last: ts, count: 1, shadowOf: this.shadowStart(ts, ip, mac), ...(src !== undefined ? { src } : {}) });
  }

  /**
   * The master of the VRID a virtual router MAC (00:00:5e:00:01:VRID, :02: for IPv6) belongs to:
   * keepalived's use_vmac hosts all send their GARPs from it, so the MAC alone names none of them.
   */
  private twoMastersDuring(b: GarpBurst): boolean {
    const v = this.byVridKey[virtualMacKey(b.mac) ?? -1];
    if (v === undefined) return false;
    if (v.dual !== undefined && v.dual.from <= b.last) return true;
    return v.lastDual !== undefined && v.lastDual.from <= b.last && v.lastDual.to >= b.ts;
  }

  private virtualMacMaster(mac: string): string | undefined {
    const key = virtualMacKey(mac);
    return key === undefined ? undefined : this.byVridKey[key]?.master?.src;
  }

  /** A non-gratuitous ARP's sender: the address of its MAC, for naming GARP senders that do not advertise. */
  arpSender(_ts: number, ip: string, mac: string): void {
    // A virtual address as sender says nothing about which host the MAC is.
    if (this.addressVrids.has(ip)) return;
    if (this.arpAddress.size >= 4096) this.arpAddress.clear();
    if (!this.arpAddress.has(mac)) this.arpAddress.set(mac, ip);
  }

  // --- masters seen only by their gratuitous ARPs ---------------------------------------------

  /** A burst for `ip` from `mac` starts at `ts`: the VRIDs whose shadow master it opens or continues. */
  private shadowStart(ts: number, ip: string, mac: string): number[] | undefined {
    const vrids = this.addressVrids.get(ip);
    if (vrids === undefined) return undefined;
    let out: number[] | undefined;
    for (const vrid of vrids) {
      if (this.options.vrid !== undefined && vrid !== this.options.vrid) continue;
      const v = this.byVridKey[vrid];
      if (v === undefined) continue;
      // The VRID's virtual router MAC is whoever is master (keepalived's use_vmac may send its
      // adverts from the interface's own MAC, vmac_xmit_base, and its GARPs from the VMAC).
      if (mac === virtualMac4(vrid)) continue;
      let advertises = false;
      for (const s of v.sources.values()) {
        if (s.seen?.mac === mac) {
          advertises = true;
          break;
        }
      }
      const open = v.shadows.get(mac);
      if (advertises) {
        if (open !== undefined) this.closeShadow(v, open);
        continue;
      }
      let live: Source | undefined;
      for (const g of v.groups) {
        const gm = g.master;
        if (gm !== undefined && gm.seen?.mac !== mac && ts - Math.max(gm.last, g.coveredUntil) <= RUN_GAP * intervalOf(gm)) {
          live = gm;
          break;
        }
      }
      if (open !== undefined && (live === undefined || ts - open.to > RUN_GAP * intervalOf(open.master))) this.closeShadow(v, open);
      if (live === undefined) continue;
      const shadow = v.shadows.get(mac);
      if (shadow === undefined) v.shadows.set(mac, { mac, ip, from: ts, to: ts, garps: 0, master: live });
      else shadow.to = ts;
      (out ??= []).push(vrid);
    }
    return out;
  }

  /** Shadows whose bursts stopped more than RUN_GAP intervals before `ts` end. */
  private expireShadows(v: Vrid, ts: number): void {
    for (const shadow of [...v.shadows.values()]) {
      const key = this.garpKey(shadow.ip, shadow.mac);
      const burst = this.garps.get(key);
      const to = burst !== undefined && burst.shadowOf !== undefined ? Math.max(shadow.to, burst.last) : shadow.to;
      if (ts - to <= RUN_GAP * intervalOf(shadow.master) + GARP_BURST_SECONDS) continue;
      // Its last burst is over (more than GARP_BURST_SECONDS ago): counted in now.
      if (burst !== undefined && burst.shadowOf !== undefined) {
        this.garps.delete(key);
        this.emitGarp(burst);
      }
      this.closeShadow(v, shadow);
    }
  }

  private closeShadow(v: Vrid, shadow: Shadow): void {
    v.shadows.delete(shadow.mac);
    const m = shadow.master;
    // Side by side for more than an interval, as for two advertising masters.
    const to = Math.min(shadow.to, Math.max(m.last, m.group?.coveredUntil ?? m.last) + intervalOf(m));
    if (to - shadow.from <= intervalOf(m)) return;
    count(v, 'two-masters');
    const ip = this.macSource.get(shadow.mac) ?? this.arpAddress.get(shadow.mac);
    const who = ip === undefined ? shadow.mac : `${shadow.mac} (${ip})`;
    this.emitFor(v, {
      type: 'anomaly',
      kind: 'two-masters',
      vrid: v.vrid,
      ...(ip === undefined ? {} : { src: ip }),
      ts: shadow.from,
      to,
      detail:
        `${m.src} advertised as master while ${who} sent ${shadow.garps} gratuitous ARPs for ${shadow.ip} over ${(to - shadow.from).toFixed(3)} s ` +
        'with no advert of its own in the capture: both were master. keepalived sends gratuitous ARPs only as master (on taking over, and again for ' +
        `each lower-priority advert it receives as master: ${m.src}'s reach it), so its adverts went where the capture does not see them ` +
        '(a unicast_peer on another link, or one that names no host)',
    });
  }

  private garpKey(ip: string, mac: string): string {
    let byMac = this.garpKeys.get(ip);
    if (byMac === undefined) this.garpKeys.set(ip, (byMac = new Map()));
    let key = byMac.get(mac);
    if (key === undefined) byMac.set(mac, (key = `${ip}|${mac}`));
    return key;
  }

  malformed(ts: number, src: string | undefined, vrid: number | undefined, reason: string): void {
    this.tick(ts);
    if (this.options.vrid !== undefined && vrid !== this.options.vrid) return;
    const v = vrid === undefined ? undefined : (this.byVrid.get(vrid) ?? this.byVrid.get(vrid + 256));
    if (v !== undefined) count(v, 'malformed');
    const key = `${src}|${vrid}|${reason}`;
    if (this.malformedSeen.has(key)) return;
    this.malformedSeen.add(key);
    this.emit({ type: 'anomaly', kind: 'malformed', ...(vrid === undefined ? {} : { vrid }), ...(src === undefined ? {} : { src }), ts, detail: reason });
  }

  /** Close every open period and burst, then emit the summaries. */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    const end = this.last ?? 0;
    for (const v of this.vrids.values()) {
      const m = v.master;
      if (m !== undefined) {
        // A challenger that kept advertising after the master's last advert took over at the end.
        const c = v.challenger;
        if (c !== undefined && !c.resigned && c.since > m.last && c.last > m.last) this.handover(v, c, c.since);
      }
      if (v.dual !== undefined) this.closeDual(v);
      const last = v.master;
      if (last !== undefined) this.endMaster(v, end - Math.max(last.last, v.coveredUntil) <= SILENT_INTERVALS * intervalOf(last) ? 'capture-end' : 'silent');
    }
    for (const burst of this.garps.values()) this.emitGarp(burst);
    this.garps.clear();
    for (const v of this.byVrid.values()) for (const shadow of [...v.shadows.values()]) this.closeShadow(v, shadow);
    for (const v of this.byVrid.values()) {
      const garps = [...v.garpSenders].map(([mac, n]) => {
        // A virtual router MAC is every master's in turn (use_vmac): no one address is named for it.
        const src = isVirtualRouterMac(mac) ? undefined : this.macSource.get(mac) ?? this.arpAddress.get(mac);
        return src === undefined ? { mac, count: n } : { mac, src, count: n };
      });
      this.emitFor(v, {
        type: 'summary',
        vrid: v.vrid,
        adverts: v.groups.reduce((sum, g) => sum + g.adverts, 0),
        sources: [...v.sources.values()].map((s) => ({
          src: s.src,
          adverts: s.adverts,
          priorities: [...s.priorities].sort((x, y) => x - y),
          first: s.first,
          last: s.last,
          ...(s.virtualMac ? { virtualMac: true as const } : {}),
        })),
        masters: v.groups.reduce((sum, g) => sum + g.masters, 0),
        anomalies: v.counts,
        ...(garps.length > 0 ? { garps } : {}),
      });
    }
  }

  // --- mastership ---------------------------------------------------------------------------

  private startMaster(v: Vrid, s: Source, from: number, advertsBefore: number, priority: number): void {
    const prev = v.previous;
    this.emitFor(v, {
      type: 'transition',
      vrid: v.vrid,
      ts: from,
      from: prev?.src ?? null,
      to: s.src,
      priority,
      reason: prev === undefined ? 'first' : prev.resigned ? 'resigned' : from - lastHeard(v, prev, s, priority) <= PREEMPT_INTERVALS * intervalOf(prev) ? 'preempted' : 'silent',
    });
    if (prev !== undefined && !v.previousHeld) {
      this.emitFor(v, { type: 'gap', vrid: v.vrid, from: prev.src, to: s.src, lastOld: prev.last, firstNew: from, seconds: round6(from - prev.last) });
    }
    v.previousHeld = false;
    v.master = s;
    v.masterFrom = from;
    v.masterAdverts = s.adverts - advertsBefore;
    v.masterPriority = priority;
    v.previous = undefined;
    v.masters++;
    v.coveredUntil = from;
    v.heldBackBy = undefined;
    if (v.challenger === s) v.challenger = undefined;
    s.since = Number.NaN;
  }

  /** `heldUntil`: a replaced master was held silent by another group's adverts until then (see lastHeard). */
  private endMaster(v: Vrid, end: 'resigned' | 'replaced' | 'capture-end' | 'silent', heldUntil?: number): void {
    const m = v.master;
    if (m === undefined) return;
    // Held silent by another group's adverts until the end: master all along.
    const held = (end === 'capture-end' || end === 'silent') && v.coveredUntil > m.last && v.heldBackBy !== undefined;
    const to = held ? v.coveredUntil : heldUntil !== undefined && heldUntil > m.last ? heldUntil : m.last;
    this.closeConflicts(v, to);
    this.emitFor(v, {
      type: 'master',
      vrid: v.vrid,
      src: m.src,
      from: v.masterFrom,
      to,
      priority: v.masterPriority,
      adverts: v.masterAdverts,
      end,
    });
    v.master = undefined;
    v.previous = m;
  }

  // --- groups that cannot hear each other ---------------------------------------------------

  /** After an advert in group `v`: every other group with a live master is in conflict with it. */
  private checkConflicts(v: Vrid, ts: number): void {
    if (v.groups.length < 2) return;
    const m = v.master;
    if (m === undefined || ts - Math.max(m.last, v.coveredUntil) > RUN_GAP * intervalOf(m)) return;
    for (const g of v.groups) {
      const gm = g.master;
      if (g === v || gm === undefined || gm.src === m.src) continue;
      if (ts - Math.max(gm.last, g.coveredUntil) > RUN_GAP * intervalOf(gm)) continue;
      let key = v.pairKeys.get(g);
      if (key === undefined) {
        if (v.pairKeys.size >= PAIR_KEYS_MAX) v.pairKeys.clear();
        key = [v.groupKey, g.groupKey].sort().join('\n');
        v.pairKeys.set(g, key);
      }
      const open = v.conflicts.get(key);
      if (open === undefined) {
        // `a` became master first.
        const [a, b] = g.masterFrom <= v.masterFrom ? [gm, m] : [m, gm];
        v.conflicts.set(key, { a, b, from: Math.max(g.masterFrom, v.masterFrom), to: ts });
      } else {
        open.to = ts;
      }
    }
  }

  private closeConflicts(v: Vrid, at: number): void {
    for (const [key, c] of v.conflicts) {
      if (!key.split('\n').includes(v.groupKey)) continue;
      v.conflicts.delete(key);
      const to = Math.max(c.to, Math.min(at, this.last ?? at));
      // As for two masters in one group: side by side for more than an interval.
      if (to - c.from <= Math.max(intervalOf(c.a), intervalOf(c.b))) continue;
      count(v, 'two-masters');
      const cause = conflictCause(c.a, c.b);
      this.emitFor(v, {
        type: 'anomaly',
        kind: 'two-masters',
        vrid: v.vrid,
        ts: c.from,
        to,
        detail: `${c.a.src} and ${c.b.src} were both master for ${(to - c.from).toFixed(3)} s: ${cause.why}`,
      });
      this.once(v, 'vrid-conflict', c.b, c.from, `${[c.a.src, c.b.src].sort().join('|')}|${cause.why}`,
        cause.dropped === undefined
          ? `${c.a.src} and ${c.b.src} share VRID ${v.vrid} but ${cause.why}; keepalived logs "${cause.log}" for each of the other's adverts, ` +
              'and every packet it reads for the VRID re-arms a master\'s advert timer, so each one\'s adverts hold back the other\'s'
          : `${c.a.src} and ${c.b.src} share VRID ${v.vrid} but ${cause.why}; keepalived logs "${cause.log}" for each of them, ` +
              `and every packet it reads for the VRID re-arms a master's advert timer, so ${cause.dropped.src}'s adverts hold back ${(cause.dropped === c.a ? c.b : c.a).src}'s`);
    }
  }

  /** `s` takes over (or the master restarts itself) at `from`. */
  private handover(v: Vrid, s: Source, from: number): void {
    const m = v.master;
    if (m !== undefined) {
      if (v.dual !== undefined) this.closeDual(v);
      // The master's own comeback: its period ended at the advert before this one.
      if (m === s) {
        const lastOld = s.prevLast;
        this.emitMasterUntil(v, m, lastOld, 'silent');
        v.previous = { ...m, last: lastOld };
        this.startMaster(v, s, from, s.adverts - 1, s.priority);
        return;
      }
      // Senders that began advertising after the old master's last advert and before `s` held
      // mastership in between (with long intervals a whole period can fit in the old master's
      // silence allowance: A stops, B advertises three times over 20 s, C takes over).
      const between = v.sources.size <= 2 ? [] : [...v.sources.values()]
        .filter((x) => x !== s && x !== m && x.groupKey === v.groupKey && !x.resigned && x.since > m.last && x.since < from && x.last >= x.since)
        .sort((x, y) => x.since - y.since);
      // A master held silent by the other group's adverts and outranked by `s` was master until
      // `s` took over: no failover gap between them.
      const heard = between.length === 0 ? Math.min(lastHeard(v, m, s, s.since === from ? s.sincePriority : s.priority), from) : m.last;
      this.endMaster(v, 'replaced', heard);
      v.previousHeld = heard > m.last;
      for (const x of between) {
        this.startMaster(v, x, x.since, x.sinceAdverts, x.sincePriority);
        this.endMaster(v, 'replaced');
      }
    }
    this.startMaster(v, s, from, s.since === from ? s.sinceAdverts : s.adverts - 1, s.since === from ? s.sincePriority : s.priority);
  }

  private emitMasterUntil(v: Vrid, m: Source, to: number, end: 'silent'): void {
    this.emitFor(v, { type: 'master', vrid: v.vrid, src: m.src, from: v.masterFrom, to, priority: v.masterPriority, adverts: v.masterAdverts, end });
    v.master = undefined;
  }

  // --- two masters --------------------------------------------------------------------------

  private checkDual(v: Vrid, ts: number): void {
    const m = v.master;
    const c = v.challenger;
    if (m === undefined || c === undefined) return;
    const interval = Math.max(intervalOf(m), intervalOf(c));
    const alive = ts - c.last <= RUN_GAP * intervalOf(c) && ts - m.last <= RUN_GAP * intervalOf(m) && !c.resigned;
    if (!alive) {
      if (v.dual !== undefined) this.closeDual(v);
      return;
    }
    const from = Math.max(c.runStart, m.runStart);
    const to = Math.min(c.last, m.last);
    if (to - from > interval) {
      if (v.dual === undefined || v.dual.b !== c) {
        if (v.dual !== undefined) this.closeDual(v);
        v.dual = { a: m, b: c, from, to };
      } else v.dual.to = to;
    }
  }

  private closeDual(v: Vrid): void {
    const d = v.dual;
    if (d === undefined) return;
    v.dual = undefined;
    v.lastDual = { from: d.from, to: d.to };
    count(v, 'two-masters');
    this.emitFor(v, {
      type: 'anomaly',
      kind: 'two-masters',
      vrid: v.vrid,
      ts: d.from,
      to: d.to,
      detail: `${d.a.src} and ${d.b.src} both advertised with non-zero priority for ${(d.to - d.from).toFixed(3)} s`,
    });
  }

  // --- what a sender advertises ------------------------------------------------------------

  private changed(ts: number, v: Vrid, s: Source, seen: SeenAdvert): void {
    const before = s.seen;
    const a = seen.packet.advert;
    s.seen = seen;
    s.interval = intervalOfSeen(seen);
    s.addrKey = addressKeyOf(seen);
    for (const address of a.addresses) this.learnAddress(address, v.vrid);
    if (seen.mac !== undefined) {
      this.macSource.set(seen.mac, s.src);
      if (seen.mac.startsWith('00:00:5e:00:01:') || seen.mac.startsWith('00:00:5e:00:02:')) s.virtualMac = true;
    }
    if (!seen.checksumOk) {
      this.once(v, 'bad-checksum', s, ts, `${s.src}|${seen.checksumVariant ?? 'bad'}`,
        seen.checksumVariant === 'no-pseudo-header'
          ? 'VRRPv3 checksum verifies only without the IPv4 pseudo-header (computed as for VRRPv2, as some routers do); keepalived drops these ("Invalid VRRPv3 checksum")'
          : 'VRRP checksum does not verify');
    }
    if (seen.lengthNote !== undefined) {
      this.once(v, 'malformed', s, ts, `${s.src}|length|${seen.lengthNote}`, `${seen.lengthNote}, replay follows them`);
    }
    if (seen.hmacKeyId !== undefined && this.keepalivedVersion === '2.2') {
      this.once(v, 'malformed', s, ts, `${s.src}|hmac`,
        `${s.src} signs with auth_hmac key ${seen.hmacKeyId} (keepalived 2.4): keepalived 2.2.7 drops these ("vrrp packet too long"), replay follows them; --keepalived-version 2.4 reads them as keepalived 2.4.3`);
    }
    if (ttlRejected(seen.packet)) this.once(v, 'ttl', s, ts, `${s.src}|${seen.packet.ttl}`, `TTL/hop limit ${seen.packet.ttl}, keepalived requires 255`);
    if (before !== undefined && before.packet.advert.version !== a.version) {
      this.once(v, 'version-mix', s, ts, `${s.src}|self|${a.version}`, `${s.src} switched from VRRPv${before.packet.advert.version} to VRRPv${a.version}`);
    }
    for (const o of v.sources.values()) {
      if (o === s || o.seen === undefined) continue;
      const b = o.seen.packet.advert;
      // A mismatch between two senders is one anomaly, whichever of the two is heard first: its key
      // names the pair and their two values in the same (address) order.
      const sFirst = s.src < o.src;
      const pair = sFirst ? `${s.src}|${o.src}` : `${o.src}|${s.src}`;
      if (b.version !== a.version) {
        this.once(v, 'version-mix', s, ts, sFirst ? `${pair}|${a.version}|${b.version}` : `${pair}|${b.version}|${a.version}`,
          `${s.src} sends VRRPv${a.version}, ${o.src} VRRPv${b.version}`);
      }
      if (b.authType !== a.authType || b.auth !== a.auth) {
        const mine = `${a.authType}:${a.auth}`;
        const theirs = `${b.authType}:${b.auth}`;
        this.once(v, 'auth-mismatch', s, ts, sFirst ? `${pair}|${mine}|${theirs}` : `${pair}|${theirs}|${mine}`,
          `${s.src} uses ${authText(a.authType, a.auth)}, ${o.src} ${authText(b.authType, b.auth)}`);
      }
      // keepalived 2.4's auth_hmac: signed beside unsigned, or signed by other key ids. What each
      // receiver drops depends on its mode and keys, which the wire does not show (lab, 2.4.3).
      const ka = seen.hmacKeyId;
      const kb = o.seen.hmacKeyId;
      if (ka !== kb && this.keepalivedVersion === '2.4') {
        const mine = `hmac:${ka ?? 'none'}`;
        const theirs = `hmac:${kb ?? 'none'}`;
        this.once(v, 'auth-mismatch', s, ts, sFirst ? `${pair}|${mine}|${theirs}` : `${pair}|${theirs}|${mine}`, hmacMismatchText(s.src, ka, o.src, kb));
      }
      if (b.advertIntervalMs !== a.advertIntervalMs) {
        this.once(v, 'interval-mismatch', s, ts, sFirst ? `${pair}|${a.advertIntervalMs}|${b.advertIntervalMs}` : `${pair}|${b.advertIntervalMs}|${a.advertIntervalMs}`,
          `${s.src} advertises every ${a.advertIntervalMs / 1000} s, ${o.src} every ${b.advertIntervalMs / 1000} s`);
      }
      if (o.addrKey !== s.addrKey) {
        this.once(v, 'address-mismatch', s, ts, sFirst ? `${pair}|${s.addrKey}|${o.addrKey}` : `${pair}|${o.addrKey}|${s.addrKey}`,
          `${s.src} lists [${a.addresses.join(', ')}], ${o.src} [${b.addresses.join(', ')}]`);
      }
    }
  }

  private learnAddress(address: string, vrid: number): void {
    let vrids = this.addressVrids.get(address);
    if (vrids === undefined) this.addressVrids.set(address, (vrids = []));
    if (vrids.includes(vrid)) return;
    // Kept sorted: every GARP burst for the address lists them.
    let i = vrids.length;
    while (i > 0 && vrids[i - 1] > vrid) i--;
    vrids.splice(i, 0, vrid);
  }

  private once(v: Vrid, kind: AnomalyKind, s: Source, ts: number, key: string, detail: string): void {
    const k = `${kind}|${key}`;
    if (v.reported.has(k)) return;
    v.reported.add(k);
    if (kind !== 'bad-checksum' && kind !== 'ttl') count(v, kind);
    this.emitFor(v, { type: 'anomaly', kind, vrid: v.vrid, src: s.src, ts, detail });
  }

  private emitGarp(b: GarpBurst): void {
    const vrids = this.addressVrids.get(b.ip)?.slice() ?? [];
    if (b.shadowOf !== undefined) {
      for (const vrid of b.shadowOf) {
        const shadow = this.byVridKey[vrid]?.shadows.get(b.mac);
        if (shadow === undefined) continue;
        shadow.garps += b.count;
        if (b.last > shadow.to) shadow.to = b.last;
      }
    }
    if (this.options.vrid !== undefined && vrids.length > 0 && !vrids.includes(this.options.vrid)) return;
    for (const vrid of vrids) {
      const v = this.byVridKey[vrid];
      if (v === undefined || (this.options.vrid !== undefined && vrid !== this.options.vrid)) continue;
      v.garpSenders.set(b.mac, (v.garpSenders.get(b.mac) ?? 0) + b.count);
    }
    // A virtual router MAC: the master when the burst began, unless two were master meanwhile
    // (a use_vmac split brain: both send from that MAC, and the burst is not one host's).
    const src = isVirtualRouterMac(b.mac) ? (this.twoMastersDuring(b) ? undefined : b.src) : this.macSource.get(b.mac) ?? this.arpAddress.get(b.mac);
    const r: ReplayRecord = src === undefined ? { type: 'garp', ts: b.ts, ip: b.ip, mac: b.mac, count: b.count, vrids } : { type: 'garp', ts: b.ts, ip: b.ip, mac: b.mac, count: b.count, vrids, src };
    // A stream rather than a burst (a master answering each advert with more): say how long.
    if (b.last - b.ts > GARP_BURST_SECONDS) r.last = b.last;
    this.emit(r);
  }

  private emit(r: ReplayRecord): void {
    this.out.push(r);
  }

  /** A record about VRID `v` (built without the spread of a family field: IPv4 is the common case). */
  private emitFor(v: Vrid, r: ReplayRecord): void {
    this.out.push(inFamily(v, r));
  }
}

/**
 * When old master `prev` of group `v` was last known alive, for telling a preemption by `s` (at
 * `priority`) from a takeover after silence: its last advert, or, when another group's adverts held
 * it silent and `s` outranks it, the last of those (a held-back master is still master; a lower
 * priority takes over only from a master that is gone).
 */
/**
 * Whether keepalived 2.2.7 drops this advert for its TTL / hop limit: only a multicast one
 * (vrrp_check_packet, "but not if unicast"); a unicast peer's TTL is held to min_ttl-max_ttl,
 * 0-255 unless configured. keepalived's own IPv6 unicast adverts have hop limit 64 (lab, issue 23).
 */
function ttlRejected(p: ReceivedAdvert): boolean {
  return p.ttl !== 255 && isMulticast(p.dst, p.advert.family);
}

function lastHeard(v: Vrid, prev: Source, s: Source, priority: number): number {
  return v.heldBackBy !== undefined && v.coveredUntil > prev.last && beats(s, priority, prev) ? v.coveredUntil : prev.last;
}

/** Whether `s`'s advert with priority `prio` wins over master `m`'s last one (higher priority, or equal and a higher address). */
function beats(s: Source, prio: number, m: Source): boolean {
  if (prio !== m.priority) return prio > m.priority;
  return compareAddresses(s.src, m.src) > 0;
}

/** Addresses compared as numbers (IPv4 dotted quads, or IPv6 text expanded), as keepalived compares them. */
function compareAddresses(a: string, b: string): number {
  const x = addressBytes(a);
  const y = addressBytes(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function addressBytes(address: string): number[] {
  if (!address.includes(':')) return address.split('.').map((p) => Number(p) || 0);
  const [head, tail = ''] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = address.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = [...left, ...new Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16) || 0;
    return [n >> 8, n & 0xff];
  });
}

const VIRTUAL_MACS: string[] = [];
/** The IPv4 virtual router MAC of a VRID, 00:00:5e:00:01:VRID. */
function virtualMac4(vrid: number): string {
  return (VIRTUAL_MACS[vrid] ??= `00:00:5e:00:01:${vrid.toString(16).padStart(2, '0')}`);
}

function newSource(src: string, ts: number): Source {
  const s: Source = {
    src,
    adverts: 0,
    first: ts,
    last: ts,
    runStart: ts,
    priority: -1,
    priorities: new Set(),
    resigned: false,
    seen: undefined,
    interval: intervalOfSeen(undefined),
    addrKey: '',
    since: Number.NaN,
    sinceAdverts: 0,
    sincePriority: 0,
    prevLast: ts,
    groupKey: '',
    group: undefined,
    virtualMac: false,
  };
  return s;
}

const addressKeys = new WeakMap<SeenAdvert, string>();
/** An advert's addresses, sorted and joined (made once per decoded advert). */
function addressKeyOf(seen: SeenAdvert): string {
  let key = addressKeys.get(seen);
  if (key === undefined) addressKeys.set(seen, (key = [...seen.packet.advert.addresses].sort().join(',')));
  return key;
}

/**
 * Adverts keepalived would accept from each other share a group key: VRRP version, auth type and
 * password (v2), interval (v2: a mismatch is dropped; v3 adopts the master's), address list, and
 * a length keepalived drops (too short or too long for the address count).
 */
const groupKeys = new WeakMap<SeenAdvert, string>();
function groupKeyOf(seen: SeenAdvert): string {
  let key = groupKeys.get(seen);
  if (key === undefined) {
    const a = seen.packet.advert;
    const addresses = addressKeyOf(seen);
    key = a.version === 2 ? `2|${a.authType}|${a.authType === 1 ? a.auth : ''}|${a.advertIntervalMs}|${addresses}` : `3|${addresses}`;
    // keepalived drops an advert for its length before anything else: its sender is heard by no
    // keepalived, only by senders of the same kind.
    if (seen.dropLog !== undefined) key += `|${seen.dropLog.startsWith('vrrp packet too short') ? 'short' : 'long'}`;
    groupKeys.set(seen, key);
  }
  return key;
}

/** Why two masters' adverts are rejected by each other, and what keepalived logs for it. */
function conflictCause(a: Source, b: Source): { why: string; log: string; dropped?: Source } {
  const x = a.seen?.packet.advert;
  const y = b.seen?.packet.advert;
  if (x === undefined || y === undefined) return { why: 'they do not accept each other\'s adverts', log: '' };
  if (x.version !== y.version) return { why: `one sends VRRPv${x.version}, the other VRRPv${y.version}`, log: `wrong version. Received ${y.version} and expect ${x.version}` };
  if (x.authType !== y.authType) return { why: `their auth types differ (${authText(x.authType, x.auth)}, ${authText(y.authType, y.auth)})`, log: `received a ${y.authType} auth, expecting ${x.authType}!` };
  const dropped = a.seen?.dropLog !== undefined ? a : b.seen?.dropLog !== undefined ? b : undefined;
  if (dropped !== undefined && (a.seen?.dropLog === undefined) !== (b.seen?.dropLog === undefined)) {
    const log = dropped.seen?.dropLog ?? '';
    return { why: `keepalived drops ${dropped.src}'s adverts for their length (${log.startsWith('vrrp packet too short') ? 'too short' : 'too long'} for their address count)`, log, dropped };
  }
  if (x.auth !== y.auth) return { why: `they use different passwords (${quotedPassword(x.auth)}, ${quotedPassword(y.auth)})`, log: 'received an invalid passwd!' };
  if (x.advertIntervalMs !== y.advertIntervalMs) {
    return { why: `their advert intervals differ (${x.advertIntervalMs / 1000} s, ${y.advertIntervalMs / 1000} s)`, log: 'advertisement interval mismatch' };
  }
  if (x.addresses.length !== y.addresses.length) return { why: `they list ${x.addresses.length} and ${y.addresses.length} addresses`, log: 'received an unexpected ip number count' };
  return { why: `they list other addresses ([${x.addresses.join(', ')}], [${y.addresses.join(', ')}])`, log: 'ip address associated with VRID … not present in MASTER advert' };
}

/** Pair keys kept per group (started afresh past it: groups of a VRID come and go in a long capture). */
const PAIR_KEYS_MAX = 64;

function newVrid(vrid: number, family: 4 | 6, groupKey: string, sibling: Vrid | undefined): Vrid {
  const v: Vrid = {
    vrid,
    family,
    groupKey,
    groups: sibling?.groups ?? [],
    coveredUntil: 0,
    heldBackBy: undefined,
    sources: sibling?.sources ?? new Map(),
    adverts: 0,
    master: undefined,
    masterFrom: 0,
    masterAdverts: 0,
    masterPriority: 0,
    previous: undefined,
    previousHeld: false,
    masters: 0,
    challenger: undefined,
    dual: undefined,
    counts: sibling?.counts ?? {},
    reported: sibling?.reported ?? new Set(),
    conflicts: sibling?.conflicts ?? new Map(),
    pairKeys: new Map(),
    shadows: sibling?.shadows ?? new Map(),
    garpSenders: sibling?.garpSenders ?? new Map(),
  };
  v.groups.push(v);
  return v;
}

function intervalOf(s: Source): number {
  return s.interval;
}

/** A sender's advert interval in seconds (1 s before its first advert, or when it advertises 0). */
function intervalOfSeen(seen: SeenAdvert | undefined): number {
  const ms = seen?.packet.advert.advertIntervalMs ?? 1000;
  return ms > 0 ? ms / 1000 : 1;
}

function count(v: Vrid, kind: AnomalyKind): void {
  v.counts[kind] = (v.counts[kind] ?? 0) + 1;
}

/** `record` with `family: 6` right after its `vrid` when the VRID is IPv6 (the field order of its type). */
function inFamily(v: Vrid, record: ReplayRecord): ReplayRecord {
  if (v.family !== 6) return record;
  const withFamily: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    withFamily[key] = value;
    if (key === 'vrid') withFamily.family = 6;
  }
  return withFamily as ReplayRecord;
}

function authText(type: number, auth: string): string {
  if (type === 0) return 'no authentication';
  if (type === 1) return `password ${quotedPassword(auth)}`;
  if (type === 2) return 'IPsec AH';
  if (type === AUTH_CISCO_MD5) return 'Cisco MD5 authentication';
  return `auth type ${type}`;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** 00:00:5e:00:01:VRID (IPv4) or 00:00:5e:00:02:VRID (IPv6): RFC 5798's virtual router MACs. */
function isVirtualRouterMac(mac: string): boolean {
  return mac.startsWith('00:00:5e:00:0') && virtualMacKey(mac) !== undefined;
}

/** The VRID key (VRID, +256 for IPv6) of a virtual router MAC, else undefined. */
function virtualMacKey(mac: string): number | undefined {
  const m = /^00:00:5e:00:0([12]):([0-9a-f]{2})$/.exec(mac);
  return m === null ? undefined : parseInt(m[2], 16) + (m[1] === '2' ? 256 : 0);
}

/** An auth_hmac difference between two senders of one VRID, and what keepalived 2.4.3 does with it. */
function hmacMismatchText(a: string, ka: number | undefined, b: string, kb: number | undefined): string {
  const signs = (src: string, k: number | undefined): string => (k === undefined ? `${src} sends unsigned adverts` : `${src} signs with auth_hmac key ${k}`);
  const head = `${signs(a, ka)}, ${signs(b, kb)}`;
  if (ka === undefined || kb === undefined) {
    return `${head}: keepalived 2.4.3 in mode enforce drops unsigned adverts ("missing authentication trailer") and one without auth_hmac drops signed ones ("too long"), each a split brain in the lab; modes receive-only and permissive accept both (a rollout's first two steps)`;
  }
  return `${head}: a keepalived 2.4.3 that lacks one of the keys drops those adverts ("unknown authentication key id"), a split brain in the lab; a safe rotation holds both keys everywhere first`;
}
