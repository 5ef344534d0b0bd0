import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTERS, renderExposition, STATE_VALUE } from '../../src/metrics/exposition.js';
import type { AlertSnapshot, MetricsSnapshot, SnapshotState, VridSnapshot } from '../../src/metrics/snapshot.js';
import { parseExposition, type ParsedSample } from './exposition-parser.js';
import { anySnapshot as snapshot } from './arbitrary.js';

const master: VridSnapshot = {
  instance: 'VI_1',
  iface: 'eth0',
  vrid: 51,
  family: 4,
  state: 'MASTER',
  master: '10.0.0.2',
  priority: 150,
  advertIntervalMs: 1000,
  lastTransitionSec: 1796000000.25,
  addresses: ['10.0.0.10/24', '10.0.0.11'],
  counters: { advert_rcvd: 3, advert_sent: 120, become_master: 1, release_master: 0, garp_sent: 5 },
};

function run(vrids: VridSnapshot[], alerts: AlertSnapshot[] = []): MetricsSnapshot {
  return { source: 'run', atSec: 1796000100, vrids, alerts };
}

function samples(text: string, name: string): ParsedSample[] {
  return parseExposition(text).find((f) => f.name === name)?.samples ?? [];
}

describe('Prometheus exposition of a snapshot', () => {
  it("writes keepalived_vrrp_state with keepalived-exporter's labels, one series per VIP, MASTER as 2", () => {
    const text = renderExposition(run([master]));
    expect(text).toContain('# TYPE keepalived_vrrp_state gauge\n');
    expect(text).toContain('keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",family="4",ip_address="10.0.0.10/24"} 2\n');
    expect(text).toContain('keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",family="4",ip_address="10.0.0.11"} 2\n');
  });

  it("encodes the states as keepalived-exporter does: INIT 0, BACKUP 1, MASTER 2, FAULT 3", () => {
    const states: SnapshotState[] = ['INIT', 'BACKUP', 'MASTER', 'FAULT'];
    const text = renderExposition(run(states.map((state, i) => ({ ...master, instance: `VI_${i}`, vrid: i + 1, state, addresses: [] }))));
    expect(samples(text, 'keepalived_vrrp_state').map((s) => [s.labels.iname, s.labels.ip_address, s.value])).toEqual([
      ['VI_0', '', 0],
      ['VI_1', '', 1],
      ['VI_2', '', 2],
      ['VI_3', '', 3],
    ]);
  });

  it('writes no keepalived_vrrp_state for a state the encoding lacks, and says no master is known', () => {
    const text = renderExposition({ source: 'watch', atSec: 1, vrids: [{ iface: 'eth0', vrid: 7, family: 6, state: 'UNKNOWN', counters: {} }], alerts: [] });
    expect(samples(text, 'keepalived_vrrp_state')).toEqual([]);
    expect(text).toContain('vrrplab_master{iname="",intf="eth0",vrid="7",family="6",master=""} 0\n');
  });

  it("names keepalived's counters as keepalived-exporter does, typed counter, ending _total", () => {
    const text = renderExposition(run([master]));
    expect(text).toContain('# TYPE keepalived_advertisements_sent_total counter\n');
    expect(text).toContain('keepalived_advertisements_sent_total{iname="VI_1",intf="eth0",vrid="51",family="4"} 120\n');
    expect(text).toContain('keepalived_become_master_total{iname="VI_1",intf="eth0",vrid="51",family="4"} 1\n');
    for (const f of parseExposition(text)) expect(f.name.endsWith('_total')).toBe(f.type === 'counter');
  });

  it("writes vrrplab's own gauges: master address, priority, advert interval in seconds, last transition", () => {
    const text = renderExposition(run([master]));
    expect(text).toContain('vrrplab_master{iname="VI_1",intf="eth0",vrid="51",family="4",master="10.0.0.2"} 1\n');
    expect(text).toContain('vrrplab_priority{iname="VI_1",intf="eth0",vrid="51",family="4"} 150\n');
    expect(text).toContain('vrrplab_advert_interval_seconds{iname="VI_1",intf="eth0",vrid="51",family="4"} 1\n');
    expect(text).toContain('vrrplab_last_transition_timestamp_seconds{iname="VI_1",intf="eth0",vrid="51",family="4"} 1796000000.25\n');
  });

  it('says keepalived_up 1 from run and nothing about keepalived from watch', () => {
    expect(renderExposition(run([]))).toContain('\nkeepalived_up 1\n');
    const watch = renderExposition({ source: 'watch', atSec: 1, vrids: [], alerts: [] });
    expect(watch).not.toContain('keepalived_up');
    expect(watch).toContain('vrrplab_up{source="watch"} 1\n');
  });

  it('gives an alert gauge per kind, link and VRID: 1 while any is active, 0 once all are cleared', () => {
    const alert = (kind: string, vrid: number, active: boolean): AlertSnapshot => ({ kind, iface: 'br0', vrid, active, sinceSec: 10, evidence: 'x' });
    const text = renderExposition({ source: 'watch', atSec: 1, vrids: [], alerts: [alert('two-masters', 1, false), alert('two-masters', 1, true), alert('flapping', 2, false)] });
    expect(samples(text, 'vrrplab_alert').map((s) => [s.labels.kind, s.labels.vrid, s.value])).toEqual([
      ['two-masters', '1', 1],
      ['flapping', '2', 0],
    ]);
  });

  it('counts malformed packets by reason', () => {
    const text = renderExposition({ source: 'watch', atSec: 1, vrids: [], alerts: [], packetsSeen: 12, malformed: { 'bad-checksum': 2, truncated: 1 } });
    expect(text).toContain('vrrplab_packets_total 12\n');
    expect(text).toContain('vrrplab_malformed_packets_total{reason="bad-checksum"} 2\n');
    expect(text).toContain('vrrplab_malformed_packets_total{reason="truncated"} 1\n');
  });

  it('escapes backslashes, quotes and line feeds in label values, and they read back unchanged', () => {
    const odd = 'a\\b"c\nd';
    const text = renderExposition(run([{ ...master, instance: odd, iface: odd }]));
    expect(text).toContain('iname="a\\\\b\\"c\\nd"');
    expect(samples(text, 'keepalived_vrrp_state')[0]?.labels.iname).toBe(odd);
    expect(text.split('\n').every((line) => !line.includes('"c') || line.includes('\\"c'))).toBe(true);
  });

  it('writes a repeated VRID once rather than the same series twice', () => {
    const text = renderExposition(run([master, { ...master, priority: 1 }]));
    expect(samples(text, 'vrrplab_priority').map((s) => s.value)).toEqual([150]);
  });

  it('keeps IPv4 and IPv6 instances of one VRID on one link apart by family', () => {
    const text = renderExposition({ source: 'watch', atSec: 1, alerts: [], vrids: [4, 6].map((family) => ({ iface: 'eth0', vrid: 9, family: family as 4 | 6, state: 'MASTER' as const, counters: { advert_rcvd: family } })) });
    expect(samples(text, 'keepalived_advertisements_received_total').map((s) => [s.labels.family, s.value])).toEqual([['4', 4], ['6', 6]]);
  });
});

describe('Prometheus exposition, any snapshot', () => {
  it('renders to text a strict 0.0.4 reader accepts, with every VRID state and counter read back', () => {
    fc.assert(
      fc.property(snapshot, (s) => {
        const families = parseExposition(renderExposition(s));
        for (const f of families) {
          expect(f.type).toMatch(/^(gauge|counter)$/);
          expect(f.help).toBeDefined();
        }
        const all = families.flatMap((f) => f.samples);
        const seen = new Set<string>();
        for (const v of s.vrids) {
          const key = JSON.stringify([v.instance ?? '', v.iface, v.vrid, v.family]);
          if (seen.has(key)) continue; // a repeated VRID is written once
          seen.add(key);
          const mine = all.filter((x) => x.labels.iname === (v.instance ?? '') && x.labels.intf === v.iface && x.labels.vrid === String(v.vrid) && x.labels.family === String(v.family));
          const states = mine.filter((x) => x.name === 'keepalived_vrrp_state').map((x) => x.value);
          const expected = STATE_VALUE[v.state];
          if (expected === undefined) expect(states).toEqual([]);
          else expect(new Set(states)).toEqual(new Set([expected]));
          for (const [key, name] of COUNTERS) {
            const got = mine.find((x) => x.name === name);
            if (v.counters[key] === undefined) expect(got).toBeUndefined();
            else expect(got?.value).toBe(v.counters[key]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
