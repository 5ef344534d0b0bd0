/**
 * A sender's master periods as the wire shows them: per VRID, a host is MASTER from its first
 * advert with a non-zero priority, and leaves when it sends priority 0 (a resignation: keepalived
 * stopping, or leaving MASTER for FAULT) or falls silent. The same rule is applied to the
 * captured adverts and to the engine's, so the two state sequences compare like for like.
 */
import type { TimedValue } from './match.js';

export type WireState = 'master' | 'resigned' | 'silent';

export interface WireAdvert {
  t: number;
  /** Stream key, e.g. `vrid 51`. */
  key: string;
  priority: number;
  intervalMs: number;
}

/**
 * Silence longer than this many advert intervals ends a master period (at the last advert): one
 * lost advert in a capture is not a state change, and no backup reacts before about three.
 */
export const SILENT_INTERVALS = 2;

/** State changes per key, in time order; `windowEndMs` bounds the silence seen at the end. */
export function wireStates(adverts: readonly WireAdvert[], windowEndMs: number): TimedValue<WireState>[] {
  const byKey = new Map<string, WireAdvert[]>();
  for (const advert of adverts) {
    const list = byKey.get(advert.key);
    if (list === undefined) byKey.set(advert.key, [advert]);
    else list.push(advert);
  }
  const out: TimedValue<WireState>[] = [];
  for (const [key, list] of byKey) {
    let master = false;
    let last: WireAdvert | undefined;
    const silentSince = (t: number): boolean => last !== undefined && t - last.t > SILENT_INTERVALS * last.intervalMs;
    for (const advert of list) {
      if (master && last !== undefined && silentSince(advert.t)) {
        out.push({ t: last.t, key, value: 'silent' });
        master = false;
      }
      if (advert.priority === 0) {
        if (master) out.push({ t: advert.t, key, value: 'resigned' });
        master = false;
      } else if (!master) {
        out.push({ t: advert.t, key, value: 'master' });
        master = true;
      }
      last = advert;
    }
    if (master && last !== undefined && silentSince(windowEndMs)) out.push({ t: last.t, key, value: 'silent' });
  }
  return out.sort((a, b) => a.t - b.t);
}
