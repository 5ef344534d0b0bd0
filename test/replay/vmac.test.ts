/**
 * replay on keepalived 2.2.7's use_vmac failover (test/fixtures/vmac/failover, netns lab): A
 * (150) master, stopped; B (100) takes over. Both send their adverts and GARPs from the VMAC
 * 00:00:5e:00:01:33, so the MAC names no host: a GARP burst is the VRID's master's when it began.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';

const CAPTURE = resolve(import.meta.dirname, '../fixtures/vmac/failover/capture.pcap');

describe('replay of a use_vmac failover', () => {
  it('names each GARP burst from the VMAC by the master that sent it, and no single host for the VMAC in the summary', () => {
    const records = replayCapture(CAPTURE).records;
    const garps = records.flatMap((r) => (r.type === 'garp' ? [{ src: r.src, mac: r.mac, count: r.count }] : []));
    expect(garps).toEqual([
      { src: '10.9.0.1', mac: '00:00:5e:00:01:33', count: 5 },
      { src: '10.9.0.2', mac: '00:00:5e:00:01:33', count: 5 },
      { src: '10.9.0.2', mac: '00:00:5e:00:01:33', count: 5 },
    ]);
    const summary = records.find((r) => r.type === 'summary');
    expect(summary?.type === 'summary' ? summary.garps : undefined).toEqual([{ mac: '00:00:5e:00:01:33', count: 15 }]);
    expect(records.some((r) => r.type === 'anomaly')).toBe(false);
  });

  it('names no host for GARP bursts from the VMAC while two hosts are master (keepalived\'s split brain with vmac_xmit_base on one side)', () => {
    const records = replayCapture(resolve(import.meta.dirname, '../fixtures/vmac/xmit-base-one-side/capture.pcap')).records;
    expect(records.filter((r) => r.type === 'anomaly' && r.kind === 'two-masters')).toHaveLength(1);
    const garps = records.filter((r) => r.type === 'garp');
    expect(garps.length).toBeGreaterThan(0);
    for (const g of garps) expect(g).not.toHaveProperty('src');
  });
});
