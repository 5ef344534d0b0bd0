/**
 * `compare` on captures where keepalived 2.2.7 masters were held silent by packets they rejected:
 * captures/no-auth-bytes (VRRPv2 adverts without their auth bytes, "vrrp packet too short, length
 * 40 and expect 48", 1000.25-1001.6 ms apart) and captures/shared-vrid51 (H2 held by the other
 * cluster's wrong-password adverts). keepalived logs each rejection before it reads the clock its
 * next advert is counted from, so such packets about one interval apart are read before its timer
 * fires; the engine does the same with compare's REJECT_REARM_MS (src/compare/drive.ts).
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareInputs, loadCompareInputs, type CompareInputs } from '../../src/compare/capture.js';

const CAPTURES = resolve(import.meta.dirname, '../../captures');

function inputs(options: Parameters<typeof loadCompareInputs>[0]): CompareInputs {
  const loaded = loadCompareInputs(options);
  if (!loaded.ok) throw new Error(loaded.error);
  return loaded.inputs;
}

describe('compare as K on captures/no-auth-bytes', () => {
  const dir = join(CAPTURES, 'no-auth-bytes');
  // Up to 10 s: K's stop (10.016 s) is in no events file, so its priority-0 advert cannot be matched.
  const k = (): CompareInputs => ({ ...inputs({ capture: join(dir, 'capture.pcap'), config: join(dir, 'K.conf'), host: '172.16.25.2' }), windowEndMs: 10_000 });

  it('matches keepalived: MASTER at 3.85 s, held silent by the sender\'s too-short adverts, advertising again 1 s after the last of them', () => {
    const report = compareInputs(k());
    expect(report.mismatches).toEqual([]);
    expect(report.adverts).toMatchObject({ recorded: 2, sent: 2, matched: 2 });
    expect(report.pass).toBe(true);
  });

  it('without the rejection\'s delay the engine advertises before each of those adverts, as it did before (extra adverts at 5-8 s)', () => {
    const report = compareInputs(k(), { rejectRearmMs: 0 });
    expect(report.pass).toBe(false);
    expect(report.mismatches.filter((m) => m.kind === 'extra-advert').map((m) => Math.round(m.t / 1000))).toEqual([5, 6, 7, 8]);
  });
});

describe('compare as H2 on captures/shared-vrid51', () => {
  const dir = join(CAPTURES, 'shared-vrid51');
  const h2 = (): CompareInputs => inputs({ capture: join(dir, 'capture.pcap'), config: join(dir, 'H2.conf'), host: 'H2', events: join(dir, 'events.json') });

  it('goes through the states H2 went through: held silent by H3\'s wrong-password adverts, advertising only when one came late', () => {
    const report = compareInputs(h2());
    expect(report.states.matched).toBe(report.states.total);
    expect(report.states.total).toBe(10);
    expect(report.adverts).toMatchObject({ recorded: 5, matched: 5 });
    // The rest are keepalived's scheduling (a few ms either way; README "Known differences"):
    // its timer after its takeover restarts after 15 ms of GARPs, H3's 1005 ms gap at 18.6 s held it anyway.
    expect(report.adverts.sent).toBeLessThanOrEqual(9);
  });

  it('without the rejection\'s delay it advertised every second from its takeover (5 of 20 adverts matched)', () => {
    const report = compareInputs(h2(), { rejectRearmMs: 0 });
    expect(report.adverts).toMatchObject({ matched: 5, sent: 20 });
    expect(report.states.matched).toBeLessThan(report.states.total);
  });
});
