/**
 * keepalived 2.4's auth_hmac in the engine: what an instance puts in the trailer of each advert it
 * sends, and whether it accepts a received one. Read from keepalived 2.4.3's vrrp_auth_hmac.c
 * (vrrp_auth_hmac_sign, next_seq, vrrp_auth_hmac_check, replay_ok, mcast_state) and vrrp.c
 * (vrrp_auth_ext_verify), and checked on its recordings (captures/auth-hmac).
 *
 * The sequence is 64 bits: UTC seconds (high 32), a binary fraction of a second (16), a counter
 * (16). A sender takes the clock (counter 0) when it is after its last sequence, else its last
 * plus one (the counter carries into the time); in `anti_replay time` mode a last sequence more
 * than the window ahead of the clock (a clock stepped back) restarts from the clock.
 *
 * A receiver, in this order: no trailer (enforce rejects it, permissive and receive-only accept
 * it); a unicast sender that is not a peer; ext_type or reserved wrong (malformed); in time mode
 * the sender's seconds more than the window from its own clock (stale: checked before the HMAC,
 * so it never needs a key); the key id unknown; the HMAC wrong; then per sender (each unicast
 * peer, or one of 4 multicast slots reused least recently used first) the sequence must be after
 * the last accepted one (in time mode a last one outside the window is forgotten first). Accepted
 * with a skew over half the window, it warns. Every rejection is a rate-limited line (see
 * HostEngine) and a counter (keepalived's auth_ext_*).
 *
 * The engine never reads a clock: the host's wall clock is the driver's time plus an offset
 * (HostEngine's start event and 'wall-clock' event).
 */
import type { AuthHmac } from '../config/model.js';
import type { ReceivedTrailer } from '../wire/types.js';
import { canonicalAddress } from '../wire/address.js';
import type { InstanceVerdict } from '../wire/validate.js';

/** What a driver needs to put a signed trailer on an advert (src/wire/auth-hmac.ts withTrailer). */
export interface AdvertSignature {
  keyId: number;
  /** The active key's bytes. */
  key: Uint8Array;
  /** The key's bytes as hex (the simulator's symbolic HMAC). */
  keyHex: string;
  seconds: number;
  fraction: number;
  counter: number;
}

/** keepalived 2.4.3's auth_ext_* counters of an instance. */
export interface AuthExtStats {
  auth_ext_missing: number;
  auth_ext_malformed: number;
  auth_ext_unknown_key: number;
  auth_ext_invalid_hmac: number;
  auth_ext_stale: number;
  auth_ext_replay: number;
}

export function newAuthExtStats(): AuthExtStats {
  return { auth_ext_missing: 0, auth_ext_malformed: 0, auth_ext_unknown_key: 0, auth_ext_invalid_hmac: 0, auth_ext_stale: 0, auth_ext_replay: 0 };
}

/** keepalived's VRRP_AUTH_HMAC_MCAST_SENDERS: replay slots of a multicast instance. */
export const MCAST_SENDERS = 4;

interface ReplaySlot {
  valid: boolean;
  seq: bigint;
  lastUsed: number;
}

const MASK64 = (1n << 64n) - 1n;

/** RFC 1982 order over the 64-bit sequence: a after b. */
function seqAfter(a: bigint, b: bigint): boolean {
  const d = (a - b) & MASK64;
  return d !== 0n && d < 1n << 63n;
}

/** int32 of a uint32 difference, as keepalived's (int32_t)((uint32_t)a - (uint32_t)b). */
function int32Diff(a: number, b: number): number {
  return ((a - b) | 0);
}

/** One instance's auth_hmac state: its send sequence and its senders' replay marks. */
export class HmacState {
  sendSeq = 0n;
  private lru = 0;
  private readonly mcast: (ReplaySlot & { addr: string })[] = [];
  private readonly peers = new Map<string, ReplaySlot>();
  readonly stats = newAuthExtStats();
  /** The active key's bytes, made once (the config of a state never changes). */
  private readonly activeKey: { bytes: Uint8Array; hex: string };

  constructor(readonly config: AuthHmac) {
    const hex = config.keys.find((k) => k.id === config.activeKey)?.hex ?? '';
    this.activeKey = { bytes: hexBytes(hex), hex };
  }

  /** The wall clock (ms since the epoch, UTC) as keepalived's clock_seq(): seconds, fraction, counter 0. */
  static clockSeq(wallMs: number): bigint {
    const sec = Math.floor(wallMs / 1000);
    const nsec = Math.floor((wallMs - sec * 1000) * 1_000_000);
    const subsec = Math.floor((nsec * 65536) / 1e9);
    return (BigInt(sec >>> 0) << 32n) | (BigInt(subsec) << 16n);
  }

  /** keepalived's next_seq() and the trailer it signs (vrrp_auth_hmac_sign); null in receive-only mode (no trailer). */
  sign(wallMs: number): AdvertSignature | null {
    const ah = this.config;
    if (ah.mode === 'receive-only') return null;
    const clk = HmacState.clockSeq(wallMs);
    if (seqAfter(clk, this.sendSeq)) {
      this.sendSeq = clk;
    } else {
      const ahead = int32Diff(Number(this.sendSeq >> 32n), Number(clk >> 32n));
      if (ah.antiReplay === 'time' && ahead > ah.timeWindowS) this.sendSeq = clk;
      else this.sendSeq = (this.sendSeq + 1n) & MASK64;
    }
    return {
      keyId: ah.activeKey,
      key: this.activeKey.bytes,
      keyHex: this.activeKey.hex,
      seconds: Number(this.sendSeq >> 32n),
      fraction: Number((this.sendSeq >> 16n) & 0xffffn),
      counter: Number(this.sendSeq & 0xffffn),
    };
  }

  /**
   * keepalived's vrrp_auth_ext_verify() for one received advert. `hmacOk(key)`: whether the
   * trailer's HMAC verifies with these key bytes (on the packet's bytes, or symbolically).
   */
  verify(input: {
    instance: string;
    src: string;
    trailer: ReceivedTrailer | undefined;
    unicastPeers: readonly string[] | undefined;
    wallMs: number;
    hmacOk: (keyHex: string) => boolean;
  }): AuthOutcome {
    const ah = this.config;
    const { trailer, src, instance } = input;
    if (trailer === undefined) {
      if (ah.mode !== 'enforce') return ACCEPT;
      this.stats.auth_ext_missing++;
      return { verdict: 'auth-missing', line: `(${instance}) missing authentication trailer from ${src}` };
    }
    let slot: ReplaySlot | undefined;
    if (input.unicastPeers !== undefined) {
      // Each peer's replay state (vrrp_unicast_peer_lookup): addresses compared as addresses.
      const peer = canonicalAddress(src) ?? src;
      slot = this.peers.get(peer);
      if (slot === undefined) {
        if (!input.unicastPeers.some((p) => (canonicalAddress(p) ?? p) === peer)) return { verdict: 'auth-not-peer', line: `(${instance}) unicast source address ${src} not a unicast peer` };
        slot = { valid: false, seq: 0n, lastUsed: 0 };
        this.peers.set(peer, slot);
      }
    }
    if (trailer.extType !== 1 || trailer.reserved !== 0) {
      this.stats.auth_ext_malformed++;
      return { verdict: 'bad-trailer', line: `(${instance}) malformed authentication trailer from ${src}` };
    }
    const seq = (BigInt(trailer.seconds >>> 0) << 32n) | (BigInt(trailer.fraction & 0xffff) << 16n) | BigInt(trailer.counter & 0xffff);
    const nowSec = Math.floor(input.wallMs / 1000) >>> 0;
    let skew = 0;
    if (ah.antiReplay === 'time') {
      skew = int32Diff(nowSec, trailer.seconds >>> 0);
      if (skew > ah.timeWindowS || skew < -ah.timeWindowS) {
        this.stats.auth_ext_stale++;
        return { verdict: 'auth-stale', line: `(${instance}) stale authentication trailer from ${src}, clock skew ${skew} sec exceeds window ${ah.timeWindowS} sec` };
      }
    }
    const key = ah.keys.find((k) => k.id === trailer.keyId);
    if (key === undefined) {
      this.stats.auth_ext_unknown_key++;
      return { verdict: 'auth-unknown-key', line: `(${instance}) unknown authentication key id ${trailer.keyId} from ${src}` };
    }
    if (!input.hmacOk(key.hex)) {
      this.stats.auth_ext_invalid_hmac++;
      return { verdict: 'auth-bad-hmac', line: `(${instance}) invalid authentication HMAC from ${src}` };
    }
    slot ??= this.mcastSlot(src);
    // replay_ok(): a mark outside the window only orders packets the window rejects: forgotten.
    if (slot.valid && ah.antiReplay === 'time') {
      const age = int32Diff(nowSec, Number(slot.seq >> 32n));
      if (age > ah.timeWindowS || age < -ah.timeWindowS) slot.valid = false;
    }
    if (slot.valid && !seqAfter(seq, slot.seq)) {
      this.stats.auth_ext_replay++;
      return { verdict: 'auth-replay', line: `(${instance}) replayed authentication trailer from ${src}` };
    }
    slot.valid = true;
    slot.seq = seq;
    const half = Math.trunc(ah.timeWindowS / 2);
    if (ah.antiReplay === 'time' && (skew > half || skew < -half)) {
      return { verdict: 'ok', line: `(${instance}) authentication clock skew ${skew} sec from ${src} approaching window ${ah.timeWindowS} sec`, warning: true };
    }
    return ACCEPT;
  }

  /** mcast_state(): the sender's slot, or the least recently used one taken over (its mark forgotten). */
  private mcastSlot(src: string): ReplaySlot {
    if (++this.lru > 0xffffffff) this.lru = 1;
    for (const slot of this.mcast) {
      if (slot.addr === src) {
        slot.lastUsed = this.lru;
        return slot;
      }
    }
    if (this.mcast.length < MCAST_SENDERS) {
      const slot = { addr: src, valid: false, seq: 0n, lastUsed: this.lru };
      this.mcast.push(slot);
      return slot;
    }
    let victim = this.mcast[0];
    for (const slot of this.mcast) if (slot.lastUsed < victim.lastUsed) victim = slot;
    victim.addr = src;
    victim.valid = false;
    victim.lastUsed = this.lru;
    return victim;
  }
}

/**
 * The outcome of verifying a trailer: 'ok' or the verdict rejecting it, with keepalived's line
 * (an accepted one has a line only for the clock-skew warning, `warning`).
 */
export interface AuthOutcome {
  verdict: 'ok' | Extract<InstanceVerdict, `auth-${string}`> | 'bad-trailer';
  line?: string;
  warning?: boolean;
}

const ACCEPT: AuthOutcome = { verdict: 'ok' };

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
