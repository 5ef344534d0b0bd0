/**
 * `vrrplab watch`'s core: the LAN's VRRP state now, and alerts, from frames handed in with their
 * time. Pure (sans-I/O): no socket, no clock, no timer; the driver hands in frames (`frame`) and
 * the time (`tick`), and takes events (`poll`) and snapshots (`snapshot`).
 *
 * Frames go through replay's FrameDecoder (the one decoder of captured VRRP and ARP), and who is
 * master is replay's ReplayAnalyzer's decision (its transition records), so `watch -r` names the
 * masters and takeover times `vrrplab replay` does. Beside it the watcher keeps, per (family,
 * VRID): the master's priority, interval and VIPs, the senders heard, advert and GARP/NA counts and
 * keepalived's receive-check verdicts (a receiver configured like the master), and the alerts.
 *
 * Bounded memory: at most MAX_SENDERS senders per VRID (the least recently heard non-master one is
 * evicted for a newcomer); the decoder and analyzer are started afresh after NOVEL_MAX distinct
 * adverts or NEW_SENDERS_MAX new senders (their caches grow with senders and changes), the master
 * carried over; malformed packets
 * are counted by reason with the numbers taken out of it.
 */
import { ETHERTYPE, locateLinkPayloadIn, type LinkPayload } from '../capture/link.js';
import type { FrameCursor } from '../capture/types.js';
import type { MetricsSnapshot, VridSnapshot, VrrpCounterName } from '../metrics/snapshot.js';
import { FrameDecoder, type FrameSink, type SeenAdvert } from '../replay/decoder.js';
import { ReplayAnalyzer } from '../replay/analyzer.js';
import type { ReplayRecord } from '../replay/records.js';
import { canonicalAddress, formatIpv6 } from '../wire/address.js';
import { checkTrailerHmac, readHmacTrailer, trailerLengthAt, type HmacCheck } from '../wire/auth-hmac.js';
import { expectedVrrpLength, locateVrrp, newLocation } from '../wire/packet.js';
import { checkAdvertForInstance, isMulticast, VERDICTS, type AdvertExpectation, type InstanceVerdict } from '../wire/validate.js';
import { AlertBook, type Alert, type AlertKind } from './alerts.js';
import { addressKey, type Expected, type ExpectedVrid } from './expected.js';

/** Senders kept per family and VRID. */
export const MAX_SENDERS = 16;
/** Notes on what was not judged kept at most (one per VRID and master at worst). */
const NOTES_MAX = 20;
/** Distinct malformed reasons whose keys are kept (a length reason carries its numbers). */
const REASONS_MAX = 256;
/** Masters of other groups (senders the table's master rejects) reported at once per VRID; more are counted. */
const GROUP_MASTERS_MAX = MAX_SENDERS;
/** Distinct decoded adverts after which decoder and analyzer start afresh (bounds their caches). */
export const NOVEL_MAX = 8192;
/**
 * New senders after which they start afresh too: the analyzer compares each sender's advert with
 * every other sender's of its VRID and keeps each mismatch it reported, so a flood from made-up
 * sources would cost it time and memory growing with their square.
 */
export const NEW_SENDERS_MAX = 128;
/** flapping: this many master changes within FLAP_WINDOW intervals (at least FLAP_MIN_MS). */
export const FLAP_CHANGES = 4;
export const FLAP_WINDOW_INTERVALS = 20;
export const FLAP_MIN_MS = 60_000;
/** no-garp: a GARP / unsolicited NA for a VIP from GARP_BEFORE_MS before a takeover to GARP_WINDOW_MS after it. */
export const GARP_WINDOW_MS = 1000;
const GARP_BEFORE_MS = 1000;
/** forged / replayed clear after this long without another such packet. */
export const QUIET_CLEAR_MS = 30_000;
/** Slack on every timed promise: the driver ticks a few times a second. */
const SLACK_MS = 100;
/** Addresses whose recent GARP / NA times are kept, and how many times each. */
const GARP_ADDRESSES_MAX = 4096;
const GARP_TIMES_MAX = 8;
/** A master change is reported once the analyzer decides it; masters are kept across its restarts. */

export interface WatchOptions {
  /** Interface name for events and the snapshot (default 'capture'). */
  iface?: string;
  /** auth_hmac keys by key id (--key): trailers are verified and their sequence followed. */
  keys?: ReadonlyMap<number, Uint8Array>;
  /**
   * Whether ARP and NA frames reach the watcher (live: yes). Default: once the first one is seen,
   * so a capture filtered to VRRP never raises no-garp.
   */
  garpVisible?: boolean;
  /** --host configs: which hosts should be master where, and check's findings (raised as 'config' alerts at the first frame or tick). */
  expected?: Expected;
}

export type WatchEvent =
  | { type: 'master'; iface: string; vrid: number; family: 4 | 6; atMs: number; sinceMs: number; from: string | null; to: string; priority: number; reason: string }
  | { type: 'alert'; action: 'raised' | 'cleared'; kind: AlertKind; iface: string; vrid: number; family: 4 | 6; atMs: number; sinceMs: number; evidence: string };

interface Sender {
  src: string;
  firstMs: number;
  lastMs: number;
  /** First advert of its current run (adverts at most RUN_GAP intervals apart). */
  runStartMs: number;
  adverts: number;
  priority: number;
  intervalMs: number;
  seen: SeenAdvert;
  /** keepalived's verdict on its latest advert by a receiver configured like the master, and the master advert it was made against. */
  verdict: InstanceVerdict;
  verdictAgainst: SeenAdvert | undefined;
  /** auth_hmac: the last sequence (seconds, fraction, counter) as one number. */
  lastSequence?: number;
  /** --host: the configured host it is (its VIPs and priority match exactly one member's). */
  host?: string;
}

interface VridState {
  vrid: number;
  family: 4 | 6;
  senders: Map<string, Sender>;
  master: string | undefined;
  masterPriority: number;
  /** The highest priority the current master advertised (priority-drop's reference). */
  masterPeak: number;
  masterIntervalMs: number;
  masterSinceMs: number;
  masterSeen: SeenAdvert | undefined;
  /** The last advert with non-zero priority that keepalived would take at packet level. */
  lastLiveMs: number;
  adverts: number;
  garps: number;
  /** keepalived's counters by their index in COUNTER_NAMES, and the indices in the order first counted (the snapshot's key order). */
  counts: number[];
  counted: number[];
  /** Times of recent master changes (at most FLAP_CHANGES * 2). */
  changes: number[];
  /** A takeover whose GARP / NA is awaited. */
  garpDue: { atMs: number; sinceMs: number; master: string; addresses: string[] } | undefined;
  lastForgedMs: number;
  lastReplayedMs: number;
  /** A MAC announcing the VIPs while another host advertises as master, with no adverts of its own in view. */
  shadow: { mac: string; ip: string; firstMs: number; lastMs: number; count: number } | undefined;
  forged: number;
  /** --host: what the configs say of this VRID. */
  expected: ExpectedVrid | undefined;
  /** Masters of other groups of the VRID reported, by address (when they took over). */
  groupMasters: Map<string, number>;
  /** Other groups' masters not reported (GROUP_MASTERS_MAX were at once). */
  groupMastersUnreported: number;
}

/** What the watcher makes of one decoded advert, whoever sends it again. */
interface SeenInfo {
  /** keepalived drops it for its TTL / hop limit (multicast only, vrrp_check_packet). */
  ttlBad: boolean;
  /** keepalived drops it for its auth type ("invalid auth type"). */
  authTypeBad: boolean;
  /** The forged alert's evidence when either is bad. */
  forged: string | undefined;
}

function seenInfo(seen: SeenAdvert): SeenInfo {
  const p = seen.packet;
  const a = p.advert;
  const ttlBad = p.ttl !== 255 && isMulticast(p.dst, a.family);
  const authTypeBad = a.version === 2 && a.family === 4 && a.authType > 2 && seen.lengthNote === undefined;
  const why = ttlBad
    ? `TTL/hop limit ${p.ttl} on a multicast advert (keepalived sends 255 and drops others: "ip ttl/hop limit")`
    : authTypeBad
      ? `auth type ${a.authType}, which keepalived rejects ("invalid auth type")`
      : undefined;
  return { ttlBad, authTypeBad, forged: why === undefined ? undefined : `${p.src} sent VRID ${a.vrid} with ${why}` };
}

const RUN_GAP = 2.5;
/** keepalived 2.2.7's VRRPv2 / v3 default interval, for a VRID before its first advert. */
const DEFAULT_INTERVAL_MS = 1000;

export class Watcher {
  readonly iface: string;
  private decoder: FrameDecoder;
  private analyzer: ReplayAnalyzer;
  /** What the watcher makes of each distinct advert, made once (the decoder hands in the same object for the same bytes). */
  private known = new WeakMap<SeenAdvert, SeenInfo>();
  private novel = 0;
  private newSenders = 0;
  private readonly vrids = new Map<number, VridState>();
  private readonly alerts: AlertBook;
  private events: WatchEvent[] = [];
  /** Recent GARP / NA times per address (at most GARP_TIMES_MAX each). */
  private readonly garpTimes = new Map<string, number[]>();
  /** Whether the link shows ARP / NA at all (a capture filtered to VRRP does not: no-garp is then not judged). */
  private garpVisible: boolean;
  private readonly link: LinkPayload = { etherType: 0, offset: 0 };
  private readonly loc = newLocation();
  private readonly cursor: FrameCursor = { ts: 0, linkType: 0, bytes: new Uint8Array(0), start: 0, end: 0, originalLength: 0, fileOffset: 0 };
  /** The auth_hmac check of the frame being decoded (with keys). */
  private frameHmac: { check: HmacCheck; sequence: number | undefined } | undefined;
  private nowMs = 0;
  /** The first time handed in (a frame's or a tick's). */
  private startMs: number | undefined;
  private nextCheckMs = 0;
  /** Packets read, and those dropped as malformed by reason. */
  packets = 0;
  readonly malformed: Record<string, number> = {};
  /** Malformed packets' reasons: their key in `malformed` (numbers taken out) and their counter. */
  private readonly reasons = new Map<string, { key: string; counter: number }>();
  /** Times decoder and analyzer were started afresh. */
  restarts = 0;
  /** What could not be judged, once each (see notes()). */
  private readonly unjudged = new Set<string>();
  private note(text: string): void {
    if (this.unjudged.size < NOTES_MAX) this.unjudged.add(text);
  }

  constructor(private readonly options: WatchOptions = {}) {
    this.iface = options.iface ?? 'capture';
    this.garpVisible = options.garpVisible === true;
    this.alerts = new AlertBook((a, action, atMs) => this.events.push({ type: 'alert', action, kind: a.kind, iface: this.iface, vrid: a.vrid, family: a.family, atMs, sinceMs: a.sinceMs, evidence: a.evidence }));
    this.analyzer = new ReplayAnalyzer();
    this.decoder = new FrameDecoder(this.sink);
    // Configured VRIDs are in the table from the start, heard or not.
    for (const e of options.expected?.vrids ?? []) this.vridState(e.vrid, e.family);
  }

  /**
   * One captured frame (`bytes[start..end)`, pcap link type) received at `timeMs` (ms since the
   * epoch); `originalLength` is its length on the wire when the capture cut it (snap length), as
   * replay reads it. Never throws on its bytes.
   */
  frame(timeMs: number, bytes: Uint8Array, linkType: number, start = 0, end = bytes.length, originalLength = end - start): void {
    this.packets++;
    this.tick(timeMs);
    const link = this.link;
    if (!locateLinkPayloadIn(linkType, bytes, start, end, link)) return;
    if (link.etherType === ETHERTYPE.IPV6 && this.neighborAdvert(timeMs, bytes, link.offset, end)) return;
    this.frameHmac = undefined;
    if (this.options.keys !== undefined && (link.etherType === ETHERTYPE.IPV4 || link.etherType === ETHERTYPE.IPV6)) this.checkHmac(bytes.subarray(link.offset, end));
    const c = this.cursor;
    c.ts = timeMs / 1000;
    c.linkType = linkType;
    c.bytes = bytes;
    c.start = start;
    c.end = end;
    c.originalLength = originalLength;
    this.decoder.decodeAt(c);
    this.frameHmac = undefined;
  }

  /** The time now (ms since the epoch): timed alerts are raised and cleared. Time never goes back. */
  tick(nowMs: number): void {
    if (nowMs < this.nowMs) return;
    this.nowMs = nowMs;
    if (this.startMs === undefined) {
      this.startMs = nowMs;
      this.configAlerts(nowMs);
    }
    if (nowMs < this.nextCheckMs) return;
    this.nextCheckMs = nowMs + SLACK_MS;
    for (const v of this.vrids.values()) this.checkTimers(v, nowMs);
  }

  /** Events since the last call: master changes and alerts raised or cleared, in order. */
  poll(): WatchEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** What watch could not judge so far, in words for the summary (empty when everything was). */
  notes(): string[] {
    const out = [...this.unjudged];
    for (const v of this.vrids.values()) {
      if (v.groupMastersUnreported > 0) out.push(`VRID ${v.vrid}: ${v.groupMastersUnreported} more masters of other groups were not reported (${GROUP_MASTERS_MAX} at once)`);
    }
    return out;
  }

  activeAlerts(): Alert[] {
    return this.alerts.activeAlerts();
  }

  recentlyCleared(): readonly Alert[] {
    return this.alerts.recentlyCleared();
  }

  /** What the LAN looks like at `nowMs`, in the shape the Prometheus exposition renders. */
  snapshot(nowMs: number): MetricsSnapshot {
    const vrids: VridSnapshot[] = [];
    for (const v of [...this.vrids.values()].sort((a, b) => a.family - b.family || a.vrid - b.vrid)) {
      const masterSender = v.master === undefined ? undefined : v.senders.get(v.master);
      const silent = this.alerts.get('master-silent', v.family, v.vrid) !== undefined;
      const alive = this.aliveSenders(v, nowMs);
      const s: VridSnapshot = {
        iface: this.iface,
        vrid: v.vrid,
        family: v.family,
        state: v.master !== undefined && !silent ? 'MASTER' : 'UNKNOWN',
        counters: countersOf(v),
      };
      const instance = v.expected?.members.find((m) => m.host === masterSender?.host)?.instance ?? v.expected?.members[0]?.instance;
      if (instance !== undefined) s.instance = instance;
      if (v.master !== undefined) {
        s.master = v.master;
        s.priority = v.masterPriority;
        s.advertIntervalMs = v.masterIntervalMs;
        s.lastTransitionSec = v.masterSinceMs / 1000;
        s.addresses = [...(masterSender?.seen.packet.advert.addresses ?? v.masterSeen?.packet.advert.addresses ?? [])];
      }
      s.backups = alive.filter((x) => x.src !== v.master).map((x) => x.src);
      vrids.push(s);
    }
    return { source: 'watch', atSec: nowMs / 1000, vrids, alerts: this.alerts.snapshot(this.iface), malformed: { ...this.malformed }, packetsSeen: this.packets };
  }

  /** Rows for the terminal view. */
  table(nowMs: number): Array<{ family: 4 | 6; vrid: number; master: string; priority: string; interval: string; sinceMs: number | undefined; backups: number; adverts: number; errors: number; garps: number }> {
    return [...this.vrids.values()]
      .sort((a, b) => a.family - b.family || a.vrid - b.vrid)
      .map((v) => ({
        family: v.family,
        vrid: v.vrid,
        master: v.master ?? '-',
        priority: v.master === undefined ? '-' : String(v.masterPriority),
        interval: v.master === undefined ? '-' : `${v.masterIntervalMs / 1000}s`,
        sinceMs: v.master === undefined ? undefined : v.masterSinceMs,
        backups: this.aliveSenders(v, nowMs).filter((x) => x.src !== v.master).length,
        adverts: v.adverts,
        errors: errorCount(countersOf(v)) + v.forged,
        garps: v.garps,
      }));
  }

  // --- frames the decoder does not read -------------------------------------------------------

  /** An ICMPv6 neighbour advertisement (no extension headers): its target's time, as a GARP's. */
  private neighborAdvert(timeMs: number, bytes: Uint8Array, at: number, end: number): boolean {
    if (end - at < 64 || bytes[at] >> 4 !== 6 || bytes[at + 6] !== 58 || bytes[at + 40] !== 136) return false;
    this.garpSeen(timeMs, formatIpv6(bytes, at + 48));
    return true;
  }

  private checkHmac(ip: Uint8Array): void {
    const loc = this.loc;
    if (locateVrrp(ip, loc) !== 'ok') return;
    const pduEnd = loc.vrrp + expectedVrrpLength(ip, loc);
    if (pduEnd >= loc.end || trailerLengthAt(ip, loc.vrrp, pduEnd, loc.end) === 0) return;
    const keys = this.options.keys;
    if (keys === undefined) return;
    const check = checkTrailerHmac(ip, loc.vrrp, pduEnd, loc.end, keys);
    const t = readHmacTrailer(ip, pduEnd, loc.end);
    const sequence = t.seconds === null || t.fraction === null || t.counter === null ? undefined : t.seconds * 2 ** 32 + t.fraction * 2 ** 16 + t.counter;
    this.frameHmac = { check, sequence };
  }

  // --- the decoder's output -------------------------------------------------------------------

  private readonly sink: FrameSink = {
    advert: (ts, seen) => this.advert(ts * 1000, seen),
    garp: (ts, ip, mac) => this.garpSeen(ts * 1000, ip, mac),
    malformed: (ts, src, vrid, reason) => this.malformedPacket(ts * 1000, vrid, reason),
  };

  private vridState(vrid: number, family: 4 | 6): VridState {
    const key = family === 6 ? vrid + 256 : vrid;
    let v = this.vrids.get(key);
    if (v === undefined) {
      v = {
        vrid,
        family,
        senders: new Map(),
        master: undefined,
        masterPriority: 0,
        masterPeak: 0,
        masterIntervalMs: DEFAULT_INTERVAL_MS,
        masterSinceMs: 0,
        masterSeen: undefined,
        lastLiveMs: Number.NEGATIVE_INFINITY,
        adverts: 0,
        garps: 0,
        counts: COUNTER_NAMES.map(() => 0),
        counted: [],
        changes: [],
        garpDue: undefined,
        lastForgedMs: Number.NEGATIVE_INFINITY,
        lastReplayedMs: Number.NEGATIVE_INFINITY,
        shadow: undefined,
        forged: 0,
        expected: this.options.expected?.vrids.find((e) => e.vrid === vrid && e.family === family),
        groupMasters: new Map(),
        groupMastersUnreported: 0,
      };
      this.vrids.set(key, v);
    }
    return v;
  }

  private advert(ms: number, seen: SeenAdvert): void {
    let info = this.known.get(seen);
    if (info === undefined) {
      info = seenInfo(seen);
      this.known.set(seen, info);
      if (++this.novel > NOVEL_MAX) this.restart();
    }
    const p = seen.packet;
    const a = p.advert;
    const v = this.vridState(a.vrid, a.family);
    v.adverts++;
    if (p.viaAh === true || (a.version === 2 && a.authType === 2)) this.note('IPsec AH authentication (auth type 2) is recognised, not verified');
    const hmac = this.frameHmac;
    // keepalived drops these before any instance sees them: TTL / hop limit (multicast only,
    // vrrp_check_packet), a bad checksum, a length it does not expect.
    const ttlBad = info.ttlBad;
    const authTypeBad = info.authTypeBad;
    const hmacBad = hmac !== undefined && hmac.check !== 'good';
    if (ttlBad) bump(v, C.ip_ttl_err);
    if (authTypeBad) bump(v, C.invalid_authtype);
    if (ttlBad || authTypeBad || hmacBad) {
      v.forged++;
      v.lastForgedMs = ms;
      // The evidence of a TTL or auth type is the advert's own, made once for it.
      const evidence = info.forged ?? `${p.src} sent VRID ${v.vrid} with auth_hmac trailer ${hmac?.check === 'bad-hmac' ? 'HMAC does not verify' : hmac?.check === 'unknown-key' ? 'signed with a key id not given with --key' : 'malformed'}`;
      this.alerts.raise('forged', v.family, v.vrid, ms, evidence);
      return;
    }
    if (!seen.checksumOk) {
      // Not counted in keepalived's instance counters (chk_err is SNMP's); counted here as malformed.
      count(this.malformed, 'bad VRRP checksum');
      return;
    }
    const s = this.admit(v, p.src, ms, seen);
    if (hmac !== undefined && hmac.sequence !== undefined) {
      if (s.lastSequence !== undefined && hmac.sequence <= s.lastSequence) {
        v.lastReplayedMs = ms;
        this.alerts.raise('replayed', v.family, v.vrid, ms, `${p.src}'s auth_hmac sequence did not increase (keepalived 2.4 drops it as a replay)`);
        return;
      }
      s.lastSequence = hmac.sequence;
    }
    // Its run: adverts at most RUN_GAP intervals apart.
    const interval = a.advertIntervalMs > 0 ? a.advertIntervalMs : DEFAULT_INTERVAL_MS;
    if (s.adverts === 0 || ms - s.lastMs > RUN_GAP * interval) s.runStartMs = ms;
    s.adverts++;
    s.lastMs = ms;
    s.priority = a.priority;
    s.intervalMs = interval;
    const changed = s.adverts === 1 || s.seen !== seen;
    s.seen = seen;
    if (a.priority > 0) v.lastLiveMs = ms;
    if (changed && v.expected !== undefined) this.identify(v, s);
    this.counters(v, s);

    this.analyzer.advert(ms / 1000, seen);
    this.takeRecords();

    if (v.master === p.src) this.masterAdvert(v, s, ms);
    if (changed) this.checkConflicts(v, s, ms);
    this.checkTwoMasters(v, s, ms);
    if (this.alerts.get('master-silent', v.family, v.vrid) !== undefined && a.priority > 0) {
      this.alerts.clear('master-silent', v.family, v.vrid, ms, `${p.src} advertised`);
    }
  }

  /** The sender's entry, made room for when new (the least recently heard non-master is evicted). */
  private admit(v: VridState, src: string, ms: number, seen: SeenAdvert): Sender {
    let s = v.senders.get(src);
    if (s !== undefined) return s;
    if (v.senders.size >= MAX_SENDERS) {
      let oldest: Sender | undefined;
      for (const x of v.senders.values()) if (x.src !== v.master && (oldest === undefined || x.lastMs < oldest.lastMs)) oldest = x;
      if (oldest !== undefined) v.senders.delete(oldest.src);
    }
    if (++this.newSenders > NEW_SENDERS_MAX) this.restart();
    s = { src, firstMs: ms, lastMs: ms, runStartMs: ms, adverts: 0, priority: -1, intervalMs: DEFAULT_INTERVAL_MS, seen, verdict: 'ok', verdictAgainst: undefined };
    v.senders.set(src, s);
    return s;
  }

  /**
   * --host: which configured host `s` is: the member named by its address (--host 172.16.25.1=DIR),
   * else the one member with its VIPs, else the one of those with its priority in check's table.
   * Otherwise unknown (and nothing is judged by it).
   */
  private identify(v: VridState, s: Sender): void {
    const e = v.expected;
    if (e === undefined) return;
    const src = canonicalAddress(s.src);
    const named = e.members.find((m) => canonicalAddress(m.host) === src);
    if (named !== undefined) {
      s.host = named.host;
      return;
    }
    const key = addressKey(s.seen.packet.advert.addresses);
    const same = e.members.filter((m) => addressKey(m.addresses) === key);
    const byPriority = same.filter((m) => m.priorities.includes(s.priority));
    if (same.length === 1) s.host = same[0].host;
    else if (byPriority.length === 1) s.host = byPriority[0].host;
  }

  /** --host: check's findings, one 'config' alert per VRID (0: not about one VRID). */
  private configAlerts(ms: number): void {
    const byVrid = new Map<number, string[]>();
    for (const f of this.options.expected?.findings ?? []) {
      if (f.severity === 'info') continue;
      const list = byVrid.get(f.vrid ?? 0) ?? [];
      list.push(`[${f.severity}] ${f.kind}: ${f.message}`);
      byVrid.set(f.vrid ?? 0, list);
    }
    for (const [vrid, lines] of byVrid) this.alerts.raise('config', 4, vrid, ms, lines.join(' | '));
  }

  /** keepalived's counters for this advert, as a receiver configured like the master counts them. */
  private counters(v: VridState, s: Sender): void {
    const m = v.masterSeen;
    if (m === undefined || s.src === v.master) {
      bump(v, C.advert_rcvd);
      if (s.priority === 0) bump(v, C.pri_zero_rcvd);
      return;
    }
    if (s.verdictAgainst !== m) {
      s.verdict = checkAdvertForInstance(s.seen.packet, expectationOf(m));
      s.verdictAgainst = m;
    }
    const info = VERDICTS[s.verdict];
    if (info.counter !== null && isSnapshotCounter(info.counter)) bump(v, C[info.counter]);
    if (info.countsAsReceived) bump(v, C.advert_rcvd);
    if (s.verdict === 'ok' && s.priority === 0) bump(v, C.pri_zero_rcvd);
  }

  private masterAdvert(v: VridState, s: Sender, ms: number): void {
    v.masterSeen = s.seen;
    v.masterIntervalMs = s.intervalMs;
    const prio = s.priority;
    if (prio === 0) {
      bump(v, C.release_master);
      return;
    }
    if (prio !== v.masterPriority) {
      if (prio < v.masterPriority) {
        this.alerts.raise('priority-drop', v.family, v.vrid, ms, `master ${s.src} of VRID ${v.vrid} advertises priority ${prio}, down from ${v.masterPeak} (a failing track script or interface)`);
      } else if (prio >= v.masterPeak) {
        this.alerts.clear('priority-drop', v.family, v.vrid, ms, `priority back to ${prio}`);
      }
      v.masterPriority = prio;
      if (prio > v.masterPeak) v.masterPeak = prio;
    }
  }

  private takeRecords(): void {
    if (!this.analyzer.pending) return;
    for (const r of this.analyzer.poll()) if (r.type === 'transition') this.transition(r);
  }

  private transition(r: Extract<ReplayRecord, { type: 'transition' }>): void {
    const family = r.family ?? 4;
    const v = this.vridState(r.vrid, family);
    const ms = r.ts * 1000;
    // After a restart of the analyzer its first master is not news; nor is a master that went
    // quiet and came back (held up, SIGSTOPped: keepalived never left MASTER and sends no GARP).
    if (v.master === r.to) return;
    const s = v.senders.get(r.to);
    // Another group's master (senders rejecting the table master's adverts, or its rival in a
    // split brain) while the table's master still advertises: an event, not the table's master.
    const current = v.master === undefined ? undefined : v.senders.get(v.master);
    if (current !== undefined && r.from !== v.master && this.nowMs - current.lastMs <= RUN_GAP * current.intervalMs) {
      this.otherGroup(v, r, s);
      return;
    }
    v.groupMasters.delete(r.to);
    const from = v.master ?? null;
    v.master = r.to;
    v.masterPriority = r.priority;
    v.masterPeak = r.priority;
    v.masterSinceMs = ms;
    if (s !== undefined) {
      v.masterSeen = s.seen;
      v.masterIntervalMs = s.intervalMs;
    }
    this.alerts.clear('priority-drop', family, r.vrid, this.nowMs, `${r.to} is master now`);
    this.events.push({ type: 'master', iface: this.iface, vrid: r.vrid, family, atMs: this.nowMs, sinceMs: ms, from, to: r.to, priority: r.priority, reason: from === null ? 'first' : r.reason === 'first' ? 'another-group' : r.reason });
    if (from === null) return;
    bump(v, C.become_master);
    v.changes.push(ms);
    if (v.changes.length > FLAP_CHANGES * 2) v.changes.shift();
    const window = Math.max(FLAP_MIN_MS, FLAP_WINDOW_INTERVALS * v.masterIntervalMs);
    const recent = v.changes.filter((t) => t > ms - window);
    // Two masters or a conflict make the master seem to change with every advert: they have their own alert.
    const split = this.alerts.get('two-masters', family, r.vrid) !== undefined || this.alerts.get('vrid-conflict', family, r.vrid) !== undefined;
    if (recent.length >= FLAP_CHANGES && !split) {
      this.alerts.raise('flapping', family, r.vrid, this.nowMs, `VRID ${r.vrid} changed master ${recent.length} times in ${((ms - recent[0]) / 1000).toFixed(1)} s (latest ${from} -> ${r.to})`);
    }
    const addresses = s?.seen.packet.advert.addresses ?? [];
    // Judged GARP_WINDOW_MS after the takeover, or now when the analyzer decided it later.
    if (addresses.length > 0) v.garpDue = { atMs: Math.max(ms + GARP_WINDOW_MS, this.nowMs), sinceMs: ms, master: r.to, addresses: [...addresses] };
  }

  /** A master of another group of the VRID: reported once per sender (GROUP_MASTERS_MAX at a time; more are counted). */
  private otherGroup(v: VridState, r: Extract<ReplayRecord, { type: 'transition' }>, s: Sender | undefined): void {
    if (r.from !== null) v.groupMasters.delete(r.from);
    if (v.groupMasters.has(r.to)) return;
    if (v.groupMasters.size >= GROUP_MASTERS_MAX) {
      for (const src of v.groupMasters.keys()) {
        const x = v.senders.get(src);
        if (x === undefined || this.nowMs - x.lastMs > RUN_GAP * x.intervalMs) v.groupMasters.delete(src);
      }
      if (v.groupMasters.size >= GROUP_MASTERS_MAX) {
        v.groupMastersUnreported++;
        return;
      }
    }
    v.groupMasters.set(r.to, r.ts * 1000);
    this.events.push({
      type: 'master', iface: this.iface, vrid: r.vrid, family: v.family, atMs: this.nowMs, sinceMs: r.ts * 1000, from: r.from ?? v.master ?? null, to: r.to, priority: r.priority,
      reason: r.reason === 'first' ? 'another-group' : `another-group-${r.reason}`,
    });
    void s;
  }

  private garpSeen(ms: number, ip: string, mac?: string): void {
    this.garpVisible = true;
    let times = this.garpTimes.get(ip);
    if (times === undefined) {
      if (this.garpTimes.size >= GARP_ADDRESSES_MAX) this.garpTimes.clear();
      this.garpTimes.set(ip, (times = []));
    }
    times.push(ms);
    if (times.length > GARP_TIMES_MAX) times.shift();
    for (const v of this.vrids.values()) {
      if (v.masterSeen?.packet.advert.addresses.includes(ip)) {
        v.garps++;
        bump(v, C.garp_sent);
        if (mac !== undefined) this.shadowGarp(v, ms, ip, mac);
      }
    }
  }

  /**
   * A gratuitous ARP for the master's VIP from another MAC, while the master advertises: keepalived
   * sends them only as master (at its takeover, and for each lower-priority advert it receives as
   * master), so a host doing so without adverts in view is a second master whose adverts go
   * elsewhere (unicast peers): replay's 'shadow' master. Two masters once it goes on for more than
   * an interval.
   */
  private shadowGarp(v: VridState, ms: number, ip: string, mac: string): void {
    const m = v.master === undefined ? undefined : v.senders.get(v.master);
    if (m === undefined || m.seen.mac === undefined || m.seen.mac === mac || isVirtualRouterMac(mac)) return;
    if (ms - m.lastMs > 1.5 * m.intervalMs || ms - v.masterSinceMs <= m.intervalMs) return;
    for (const s of v.senders.values()) if (s.seen.mac === mac && ms - s.lastMs <= RUN_GAP * s.intervalMs) return;
    const sh = v.shadow;
    if (sh === undefined || sh.mac !== mac || ms - sh.lastMs > 3 * m.intervalMs) {
      v.shadow = { mac, ip, firstMs: ms, lastMs: ms, count: 1 };
      return;
    }
    sh.lastMs = ms;
    sh.count++;
    if (sh.lastMs - sh.firstMs > m.intervalMs + SLACK_MS) {
      this.alerts.raise('two-masters', v.family, v.vrid, ms,
        `${m.src} advertises as master of VRID ${v.vrid} while ${mac} sent ${sh.count} gratuitous ARPs for ${sh.ip} over ${((sh.lastMs - sh.firstMs) / 1000).toFixed(1)} s with no advert of its own in view: keepalived sends them only as master, so its adverts go elsewhere (unicast peers)`);
    }
  }

  private malformedPacket(ms: number, vrid: number | undefined, reason: string): void {
    // The reason's key and counter, made once per reason (the decoder hands in the same strings).
    let r = this.reasons.get(reason);
    if (r === undefined) {
      if (this.reasons.size >= REASONS_MAX) this.reasons.clear();
      r = { key: reason.replace(/\d+/g, 'N'), counter: /type/.test(reason) ? C.invalid_type_rcvd : C.packet_len_err };
      this.reasons.set(reason, r);
    }
    count(this.malformed, r.key);
    if (vrid === undefined) return;
    const v = this.vrids.get(vrid) ?? this.vrids.get(vrid + 256);
    if (v === undefined) return;
    bump(v, r.counter);
    void ms;
  }

  // --- alerts -------------------------------------------------------------------------------

  /** Senders heard within RUN_GAP of their interval. */
  private aliveSenders(v: VridState, ms: number): Sender[] {
    const out: Sender[] = [];
    for (const s of v.senders.values()) if (ms - s.lastMs <= RUN_GAP * s.intervalMs) out.push(s);
    return out;
  }

  /**
   * two-masters: `s` and another sender both advertising with non-zero priority (taken at packet
   * level), their current runs overlapping for more than the longer interval (replay's rule).
   */
  private checkTwoMasters(v: VridState, s: Sender, ms: number): void {
    if (s.priority === 0) return;
    for (const o of v.senders.values()) {
      if (o === s || o.priority <= 0 || ms - o.lastMs > RUN_GAP * o.intervalMs) continue;
      const overlap = Math.min(o.lastMs, s.lastMs) - Math.max(o.runStartMs, s.runStartMs);
      if (overlap > Math.max(o.intervalMs, s.intervalMs) + SLACK_MS) {
        const [a, b] = o.src < s.src ? [o, s] : [s, o];
        this.alerts.raise('two-masters', v.family, v.vrid, ms, `${a.src} (priority ${a.priority}) and ${b.src} (priority ${b.priority}) both advertise VRID ${v.vrid}, side by side for ${(overlap / 1000).toFixed(1)} s`);
        return;
      }
    }
  }

  /** vrid-conflict: `s` (its advert new or changed) and another sender reject each other's adverts. */
  private checkConflicts(v: VridState, s: Sender, ms: number): void {
    for (const o of v.senders.values()) {
      if (o === s || !this.conflictAlive(o, ms)) continue;
      const why = conflictOf(s, o);
      if (why !== undefined) {
        this.alerts.raise('vrid-conflict', v.family, v.vrid, ms, why);
        return;
      }
    }
  }

  /** A conflicting sender may be held silent by the other's adverts: heard within 10 of its intervals. */
  private conflictAlive(s: Sender, ms: number): boolean {
    return ms - s.lastMs <= 10 * s.intervalMs;
  }

  private checkTimers(v: VridState, ms: number): void {
    const a = this.alerts;
    // master-silent: longer than the longest Master_Down_Interval a backup can have (3 intervals
    // plus the skew of priority 1, (256 - 1) / 256 of one) without a live advert.
    if (v.master !== undefined && Number.isFinite(v.lastLiveMs)) {
      const down = 3 * v.masterIntervalMs + (255 / 256) * v.masterIntervalMs;
      if (ms - v.lastLiveMs > down + SLACK_MS && a.get('master-silent', v.family, v.vrid) === undefined) {
        a.raise('master-silent', v.family, v.vrid, ms, `no advert for VRID ${v.vrid} for ${((ms - v.lastLiveMs) / 1000).toFixed(1)} s (master ${v.master}, interval ${v.masterIntervalMs / 1000} s: every backup's Master_Down_Interval is at most ${(down / 1000).toFixed(2)} s)`);
      }
    }
    // The table's master gone quiet while another group's master advertises: that one is the master now.
    const cur = v.master === undefined ? undefined : v.senders.get(v.master);
    if (cur !== undefined && ms - cur.lastMs > RUN_GAP * cur.intervalMs) {
      for (const src of v.groupMasters.keys()) {
        const x = v.senders.get(src);
        if (x === undefined || x.priority <= 0 || ms - x.lastMs > RUN_GAP * x.intervalMs) continue;
        v.groupMasters.delete(src);
        v.master = src;
        v.masterPriority = v.masterPeak = x.priority;
        v.masterSinceMs = x.runStartMs;
        v.masterSeen = x.seen;
        v.masterIntervalMs = x.intervalMs;
        break;
      }
    }
    const due = v.garpDue;
    if (due !== undefined && ms >= due.atMs + SLACK_MS) {
      v.garpDue = undefined;
      const heard = due.addresses.some((ip) => this.garpTimes.get(ip)?.some((t) => t >= due.sinceMs - GARP_BEFORE_MS && t <= due.sinceMs + GARP_WINDOW_MS + SLACK_MS) === true);
      if (!this.garpVisible) {
        // Nothing to judge by: the link (or the capture's filter) shows no ARP / NA at all.
        this.note('no-garp not judged: no ARP or neighbour advertisement was seen at all (a capture filtered to VRRP?)');
      } else if (!heard) {
        a.raise('no-garp', v.family, v.vrid, ms, `${due.master} took over VRID ${v.vrid} at ${new Date(due.sinceMs).toISOString()} but sent no gratuitous ARP / unsolicited NA for ${due.addresses.join(', ')} within ${GARP_WINDOW_MS / 1000} s`);
      } else {
        a.clear('no-garp', v.family, v.vrid, ms, `${due.master} announced its VIPs at its takeover`);
      }
    }
    if (a.get('two-masters', v.family, v.vrid) !== undefined) {
      const live = this.aliveSenders(v, ms).filter((s) => s.priority > 0);
      const shadow = v.shadow !== undefined && ms - v.shadow.lastMs <= 3 * v.masterIntervalMs;
      if (live.length < 2 && !shadow) a.clear('two-masters', v.family, v.vrid, ms, live.length === 1 ? `only ${live[0].src} advertises` : 'nobody advertises');
    }
    if (a.get('vrid-conflict', v.family, v.vrid) !== undefined) {
      let still = false;
      const alive = [...v.senders.values()].filter((s) => this.conflictAlive(s, ms));
      for (let i = 0; i < alive.length && !still; i++) for (let j = i + 1; j < alive.length && !still; j++) still = conflictOf(alive[i], alive[j]) !== undefined;
      if (!still) a.clear('vrid-conflict', v.family, v.vrid, ms, 'the conflicting senders are no longer both heard');
    }
    if (a.get('flapping', v.family, v.vrid) !== undefined) {
      const window = Math.max(FLAP_MIN_MS, FLAP_WINDOW_INTERVALS * v.masterIntervalMs);
      const last = v.changes[v.changes.length - 1] ?? 0;
      if (ms - last > window) a.clear('flapping', v.family, v.vrid, ms, `no master change for ${window / 1000} s`);
    }
    if (this.options.expected !== undefined) this.checkExpected(v, ms);
    if (ms - v.lastForgedMs > QUIET_CLEAR_MS) a.clear('forged', v.family, v.vrid, ms, `none for ${QUIET_CLEAR_MS / 1000} s`);
    if (ms - v.lastReplayedMs > QUIET_CLEAR_MS) a.clear('replayed', v.family, v.vrid, ms, `none for ${QUIET_CLEAR_MS / 1000} s`);
    // Senders not heard for long leave the table (a flood's made-up sources among them).
    for (const s of v.senders.values()) if (s.src !== v.master && ms - s.lastMs > 60 * s.intervalMs) v.senders.delete(s.src);
  }

  /**
   * --host: the host the configs make master should be the one advertising (host-silent: another
   * configured host is master, or nobody advertises), and the master should look like one of the
   * configured instances (unexpected-master: its VIPs are none of theirs, or no config has its
   * VRID). Judged one longest Master_Down_Interval after watch's start and after a takeover; a
   * master that cannot be told apart from the others (same VIPs, a priority check's table does
   * not give) is not judged.
   */
  private checkExpected(v: VridState, ms: number): void {
    const e = v.expected;
    const interval = v.masterIntervalMs;
    const down = 3 * interval + (255 / 256) * interval + SLACK_MS;
    if (this.startMs === undefined || ms - this.startMs <= down) return;
    const a = this.alerts;
    const m = v.master === undefined ? undefined : v.senders.get(v.master);
    const settled = v.master !== undefined && ms - v.masterSinceMs > down;
    if (settled && m !== undefined && m.host === undefined && e !== undefined && e.members.some((x) => addressKey(x.addresses) === addressKey(m.seen.packet.advert.addresses))) {
      this.note(`--host: master ${m.src} of VRID ${v.vrid} (priority ${m.priority}) could not be told apart from the configured hosts, so host-silent was not judged by it: name the hosts by their addresses (--host ADDR=DIR)`);
    }
    if (e !== undefined && e.master !== undefined) {
      const silent = ms - v.lastLiveMs > down;
      if (m?.host === e.master && !silent) a.clear('host-silent', v.family, v.vrid, ms, `${e.master} is master`);
      else if (silent || (settled && m?.host !== undefined && m.host !== e.master)) {
        const now = silent || m === undefined ? 'nobody advertises' : `${m.src} (${m.host ?? '?'}) is master`;
        a.raise('host-silent', v.family, v.vrid, ms, `the configs make ${e.master} master of VRID ${v.vrid} when no check fails, but ${now}: ${e.master} is down, cut off, or its checks fail`);
      }
    }
    if (!settled || m === undefined) return;
    if (e === undefined) {
      a.raise('unexpected-master', v.family, v.vrid, ms, `${m.src} is master of VRID ${v.vrid}, which no --host config has`);
      return;
    }
    const key = addressKey(m.seen.packet.advert.addresses);
    if (m.host === undefined && !e.members.some((x) => addressKey(x.addresses) === key)) {
      a.raise('unexpected-master', v.family, v.vrid, ms, `${m.src} is master of VRID ${v.vrid} advertising [${m.seen.packet.advert.addresses.join(', ')}], which none of the configured instances has (${e.members.map((x) => `${x.host}/${x.instance} [${x.addresses.join(', ')}]`).join(', ')})`);
    } else {
      a.clear('unexpected-master', v.family, v.vrid, ms, `${m.src} looks like a configured host`);
    }
  }

  private hostOf(v: VridState, src: string): string {
    const h = v.senders.get(src)?.host;
    return h === undefined ? '' : ` (${h})`;
  }

  /** Decoder and analyzer afresh (their caches grow with distinct adverts); masters carried over. */
  private restart(): void {
    this.restarts++;
    this.novel = 0;
    this.newSenders = 0;
    this.known = new WeakMap();
    this.analyzer = new ReplayAnalyzer();
    this.decoder = new FrameDecoder(this.sink);
  }
}

/** 00:00:5e:00:01:XX (IPv4) or 00:00:5e:00:02:XX (IPv6): every master's MAC in turn with use_vmac. */
function isVirtualRouterMac(mac: string): boolean {
  return mac.startsWith('00:00:5e:00:01:') || mac.startsWith('00:00:5e:00:02:');
}

/** keepalived's counter names; watch counts by index (C.name), with no string key per advert. */
const COUNTER_NAMES: readonly VrrpCounterName[] = [
  'advert_rcvd', 'advert_sent', 'become_master', 'release_master', 'packet_len_err', 'advert_interval_err', 'ip_ttl_err', 'invalid_type_rcvd',
  'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd', 'pri_zero_sent', 'garp_sent',
];
const C = Object.fromEntries(COUNTER_NAMES.map((name, i) => [name, i])) as Record<VrrpCounterName, number>;

function bump(v: VridState, counter: number): void {
  if (v.counts[counter]++ === 0) v.counted.push(counter);
}

/** The VRID's counters by name, in the order first counted (as one object counted into would have them). */
function countersOf(v: VridState): Partial<Record<VrrpCounterName, number>> {
  const out: Partial<Record<VrrpCounterName, number>> = {};
  for (const c of v.counted) out[COUNTER_NAMES[c]] = v.counts[c];
  return out;
}

function count(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

const ERROR_COUNTERS: readonly VrrpCounterName[] = ['packet_len_err', 'advert_interval_err', 'ip_ttl_err', 'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure'];

function errorCount(c: Partial<Record<VrrpCounterName, number>>): number {
  let n = 0;
  for (const k of ERROR_COUNTERS) n += c[k] ?? 0;
  return n - (c.ip_ttl_err ?? 0) - (c.invalid_authtype ?? 0);
}

const SNAPSHOT_COUNTERS = new Set<string>(['advert_rcvd', 'packet_len_err', 'advert_interval_err', 'ip_ttl_err', 'invalid_type_rcvd', 'addr_list_err', 'invalid_authtype', 'authtype_mismatch', 'auth_failure', 'pri_zero_rcvd']);

function isSnapshotCounter(name: string): name is VrrpCounterName {
  return SNAPSHOT_COUNTERS.has(name);
}

/** What a keepalived instance configured as the sender of `m` expects of the adverts it receives. */
function expectationOf(m: SeenAdvert): AdvertExpectation {
  const a = m.packet.advert;
  return {
    version: a.version,
    vrid: a.vrid,
    family: a.family,
    authType: a.authType,
    auth: a.auth,
    advertIntervalMs: a.advertIntervalMs,
    addresses: a.addresses,
    unicast: !isMulticast(m.packet.dst, a.family),
  };
}

/** Why `s` and `o` reject each other's adverts (keepalived's receive checks, or auth_hmac key ids), or undefined. */
function conflictOf(s: Sender, o: Sender): string | undefined {
  const a = s.seen;
  const b = o.seen;
  const vrid = a.packet.advert.vrid;
  // Adverts keepalived drops for their length, whoever sent them.
  if ((a.dropLog === undefined) !== (b.dropLog === undefined)) {
    const [x, y] = a.dropLog !== undefined ? [s, o] : [o, s];
    return `${x.src} and ${y.src} share VRID ${vrid} but ${y.src} (keepalived) drops ${x.src}'s adverts: "${x.seen.dropLog ?? ''}"`;
  }
  if (a.hmacKeyId !== b.hmacKeyId) {
    const k = (x: number | undefined): string => (x === undefined ? 'unsigned' : `auth_hmac key id ${x}`);
    return `${s.src} (${k(a.hmacKeyId)}) and ${o.src} (${k(b.hmacKeyId)}) share VRID ${vrid}: keepalived 2.4 drops one's adverts at the other`;
  }
  const unicastMix = isMulticast(a.packet.dst, a.packet.advert.family) !== isMulticast(b.packet.dst, b.packet.advert.family);
  // A unicast and a multicast sender: each checks the other's TTL differently; not a conflict this can tell.
  if (unicastMix) return undefined;
  for (const [x, y] of [[s, o], [o, s]] as const) {
    const verdict = checkAdvertForInstance(x.seen.packet, expectationOf(y.seen));
    if (verdict === 'ok' || verdict === 'bad-ttl') continue;
    return `${x.src} and ${y.src} share VRID ${vrid} but ${y.src} would reject ${x.src}'s adverts (${verdict}: ${describe(x.seen, y.seen, verdict)})`;
  }
  return undefined;
}

function describe(x: SeenAdvert, y: SeenAdvert, verdict: InstanceVerdict): string {
  const a = x.packet.advert;
  const b = y.packet.advert;
  switch (verdict) {
    case 'interval-mismatch':
      return `interval ${a.advertIntervalMs / 1000} s against ${b.advertIntervalMs / 1000} s`;
    case 'address-count-mismatch':
    case 'address-list-mismatch':
      return `[${a.addresses.join(', ')}] against [${b.addresses.join(', ')}]`;
    case 'auth-mismatch':
    case 'auth-type-mismatch':
    case 'invalid-auth-type':
      return `auth type ${a.authType} against ${b.authType}${a.authType === b.authType ? ', another password' : ''}`;
    case 'bad-version':
      return `VRRPv${a.version} against VRRPv${b.version}`;
    default:
      return verdict;
  }
}
