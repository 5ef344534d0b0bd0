/**
 * Replay of the FRR interop lab runs (captures/frr, see test/lab/frr.test.ts): FRR's vrrpd on
 * 172.16.25.1 (its IPv6 adverts come from its macvlan's link-local address), `vrrplab run` on
 * 172.16.25.2. Each run is master, resignation (priority 0), takeover, preemption back.
 */
import { describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';

const FRR4 = '172.16.25.1';
const OURS4 = '172.16.25.2';
const of = <K extends ReplayRecord['type']>(records: ReplayRecord[], type: K) =>
  records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);

describe('replay of FRR beside vrrplab', () => {
  for (const variant of ['v2-ipv4', 'v3-ipv4', 'v3-ipv6']) {
    it(`${variant}: names FRR as master, then vrrplab after FRR resigns, then FRR again after it preempts`, () => {
      const records = replayCapture(`captures/frr/${variant}-frr-master.pcap`).records;
      const masters = of(records, 'master').map((m) => [m.src, m.priority, m.end]);
      const frr = variant === 'v3-ipv6' ? masters[0]![0] : FRR4;
      if (variant === 'v3-ipv6') expect(frr).toMatch(/^fe80::/);
      expect(masters).toEqual([[frr, 200, 'resigned'], [expect.any(String), 100, 'replaced'], [frr, 200, 'capture-end']]);
      if (variant !== 'v3-ipv6') expect(masters[1]![0]).toBe(OURS4);
      expect(of(records, 'transition').map((t) => t.reason)).toEqual(['first', 'resigned', 'preempted']);
      expect(of(records, 'anomaly')).toEqual([]);
      // FRR advertises from the virtual router MAC, as the RFCs say; vrrplab (as keepalived) from eth0's.
      const sources = of(records, 'summary')[0]!.sources.map((x) => [x.src, x.virtualMac === true]);
      expect(sources).toEqual(expect.arrayContaining([[frr, true], [masters[1]![0], false]]));
    });

    it(`${variant}: names vrrplab as master, then FRR after vrrplab stops, then vrrplab again`, () => {
      const records = replayCapture(`captures/frr/${variant}-vrrplab-master.pcap`).records;
      const masters = of(records, 'master').map((m) => [m.src, m.priority, m.end]);
      expect(masters.map((m) => m.slice(1))).toEqual([[200, 'resigned'], [100, 'replaced'], [200, 'capture-end']]);
      expect(masters[0]![0]).toBe(masters[2]![0]);
      if (variant !== 'v3-ipv6') expect([masters[0]![0], masters[1]![0]]).toEqual([OURS4, FRR4]);
      const gap = of(records, 'gap')[0]!;
      expect(gap.seconds).toBeLessThan(2);
    });
  }
});
