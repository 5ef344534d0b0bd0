/**
 * A split brain over unicast, recorded with keepalived 2.2.7 (captures/unicast-split, made by
 * how-made/unicast-split.sh): A (10.77.4.31, 101, check weight -20) names B (10.77.4.32, 100) as its
 * unicast_peer; B names 10.77.4.13, a typo for .31. A's check fails at 6 s: A advertises 81, B
 * (B.log: "received lower priority (81) advert ... - discarding") takes over, and its adverts are
 * never sent (nobody answers its ARP for 10.77.4.13), so A never hears it and both are master until
 * the check passes at 28 s. B answers each of A's adverts with gratuitous ARPs ("forcing new
 * election"). Replay sees A's adverts and B's GARPs only.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap } from '../../src/capture/writer.js';
import { formatTimeline } from '../../src/replay/format.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture } from '../../src/replay/replay.js';
import { garpPayload, ipv4Bytes, vrrpIpv4 } from '../capture/craft.js';
import { requireLab } from '../lab/lab.js';

function tshark(path: string, filter: string, fields: string[]): string[][] {
  const out = execFileSync('tshark', ['-r', path, '-Y', filter, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim() === '' ? [] : out.trimEnd().split('\n').map((l) => l.split('\t'));
}

const of = <K extends ReplayRecord['type']>(records: ReplayRecord[], type: K) =>
  records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);

describe('replay of a keepalived split brain over unicast (a wrong unicast_peer)', () => {
  const DIR = resolve(import.meta.dirname, '../../captures/unicast-split');
  const records = replayCapture(join(DIR, 'capture.pcap')).records;
  const notify = readFileSync(join(DIR, 'notify.log'), 'utf8').trim().split('\n').map((l) => l.split(' '));
  const at = (host: string, state: string, nth = 0) => Number(notify.filter((f) => f[1] === host && f[2] === state)[nth]![0]);

  it('shows both masters at once: A advertising, B seen by its gratuitous ARPs, from B taking over to B going back', () => {
    expect(of(records, 'master').map((m) => m.src)).toEqual(['10.77.4.31']);
    const two = of(records, 'anomaly').filter((a) => a.kind === 'two-masters');
    expect(two).toHaveLength(1);
    const a = two[0]!;
    expect(a.src).toBe('10.77.4.32');
    // notify.log: B master at 407.675, backup at 427.097 (its first and last GARPs of the period).
    expect(Math.abs(a.ts - at('B', 'master'))).toBeLessThan(0.05);
    expect(Math.abs(a.to! - at('B', 'backup', 1))).toBeLessThan(0.05);
    expect(a.detail).toMatch(
      /^10\.77\.4\.31 advertised as master while 42:d5:bc:15:d5:42 \(10\.77\.4\.32\) sent 180 gratuitous ARPs for 10\.77\.4\.40 over 19\.4\d\d s with no advert of its own in the capture: both were master\./,
    );
    expect(of(records, 'summary')[0]!.anomalies).toEqual({ 'two-masters': 1 });
  });

  it("counts the gratuitous ARPs per sender, B's named by its ordinary ARP", () => {
    expect(of(records, 'summary')[0]!.garps).toEqual([
      { mac: '7e:02:9a:6e:d8:b5', src: '10.77.4.31', count: 10 },
      { mac: '42:d5:bc:15:d5:42', src: '10.77.4.32', count: 190 },
    ]);
    const text = formatTimeline(records, of(records, 'capture')[0]!.first).join('\n');
    expect(text).toContain('    gratuitous ARPs: 7e:02:9a:6e:d8:b5 (10.77.4.31) x10, 42:d5:bc:15:d5:42 (10.77.4.32) x190');
    expect(text).toMatch(/gratuitous ARP x10 for 10\.77\.4\.40 from 42:d5:bc:15:d5:42 \(10\.77\.4\.32\) \[VRID 40\]/);
    // B's stream of them, each at most a second after the one before, says how long it went on.
    expect(text).toMatch(/\+ +10\.021s  gratuitous ARP x110 over 10\.0 s for 10\.77\.4\.40 from 42:d5:bc:15:d5:42 \(10\.77\.4\.32\) \[VRID 40\]/);
  });

  it('counts the gratuitous ARPs per sender as tshark does, and B has no VRRP packet on the wire, only its unanswered ARP for 10.77.4.13', (ctx) => {
    requireLab(ctx, ['tshark']);
    const path = join(DIR, 'capture.pcap');
    const perMac = new Map<string, number>();
    for (const [mac] of tshark(path, 'arp.isgratuitous', ['arp.src.hw_mac'])) perMac.set(mac!, (perMac.get(mac!) ?? 0) + 1);
    expect(of(records, 'summary')[0]!.garps!.map((g) => [g.mac, g.count])).toEqual([...perMac]);
    expect(tshark(path, 'vrrp && ip.src == 10.77.4.32', ['frame.number'])).toEqual([]);
    expect(tshark(path, 'arp.opcode == 1 && arp.dst.proto_ipv4 == 10.77.4.13', ['arp.src.proto_ipv4']).length).toBeGreaterThan(10);
    expect(tshark(path, 'arp.opcode == 2 && arp.src.proto_ipv4 == 10.77.4.13', ['frame.number'])).toEqual([]);
  });

  it('leaves B unreported once A has resigned: its GARPs then stand beside no advertising master', () => {
    const two = of(records, 'anomaly').filter((a) => a.kind === 'two-masters');
    expect(two.every((a) => a.to! < at('A', 'master') + 30 && a.to! < at('B', 'master', 1))).toBe(true);
  });
});

describe('gratuitous ARPs from a host that does not advertise', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrplab-shadow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const T0 = 1_700_000_000;
  const MAC_A = [0x02, 0, 0, 0, 0, 0x0a];
  const MAC_B = [0x02, 0, 0, 0, 0, 0x0b];
  const VIP = '10.0.0.40';
  let n = 0;

  function frame(src: number[], etherType: number, payload: Uint8Array): Uint8Array {
    const out = new Uint8Array(14 + payload.length);
    out.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
    out.set(src, 6);
    out[12] = etherType >> 8;
    out[13] = etherType & 0xff;
    out.set(payload, 14);
    return out;
  }
  const advert = (t: number, priority = 100, vrid = 40): [number, Uint8Array] => [t, frame(MAC_A, 0x0800, vrrpIpv4({ src: '10.0.0.1', vrid, priority, version: 3, addresses: [VIP] }))];
  const garps = (t: number, ip = VIP): Array<[number, Uint8Array]> => Array.from({ length: 5 }, (_, i) => [t + i * 0.001, frame(MAC_B, 0x0806, garpPayload(ip, MAC_B))]);
  /** "Who has 10.0.0.13? Tell 10.0.0.2" from B. */
  const arpRequest = (t: number): [number, Uint8Array] => {
    const p = garpPayload('10.0.0.2', MAC_B);
    p.set(ipv4Bytes('10.0.0.13'), 24);
    return [t, frame(MAC_B, 0x0806, p)];
  };
  function replay(frames: Array<[number, Uint8Array]>, vrid?: number): ReplayRecord[] {
    const path = join(dir, `s${n++}.pcap`);
    const sorted = [...frames].sort((x, y) => x[0] - y[0]);
    writeFileSync(path, encodePcap({ linkType: 1 }, sorted.map(([t, data]) => ({ ts: T0 + t, data }))));
    return replayCapture(path, { vrid }).records;
  }
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const twoMasters = (records: ReplayRecord[]) => of(records, 'anomaly').filter((a) => a.kind === 'two-masters');

  it('are a second master when they go on for more than an interval while the master advertises', () => {
    const records = replay([...range(0, 20).map((t) => advert(t)), ...range(5, 15).flatMap((t) => garps(t + 0.01)), arpRequest(4.9)]);
    const two = twoMasters(records);
    expect(two.map((a) => [a.src, Math.round((a.ts - T0) * 100) / 100, Math.round((a.to! - T0) * 100) / 100])).toEqual([['10.0.0.2', 5.01, 15.01]]);
    expect(two[0]!.detail).toContain('02:00:00:00:00:0b (10.0.0.2) sent 55 gratuitous ARPs for 10.0.0.40');
    expect(of(records, 'summary')[0]!.garps).toEqual([{ mac: '02:00:00:00:00:0b', src: '10.0.0.2', count: 55 }]);
  });

  it('name their sender by MAC alone when no ordinary ARP of it was captured', () => {
    const two = twoMasters(replay([...range(0, 20).map((t) => advert(t)), ...range(5, 15).flatMap((t) => garps(t + 0.01))]));
    expect(two).toHaveLength(1);
    expect(two[0]!.src).toBeUndefined();
    expect(two[0]!.detail).toContain('while 02:00:00:00:00:0b sent 55 gratuitous ARPs');
  });

  it('are no second master as one burst at a takeover moment, or with no advertising master beside them', () => {
    expect(twoMasters(replay([...range(0, 20).map((t) => advert(t)), ...garps(7.5)]))).toEqual([]);
    // The master stopped at 4 s: the GARPs come after its last advert, as a takeover's would.
    expect(twoMasters(replay([...range(0, 4).map((t) => advert(t)), ...range(9, 15).flatMap((t) => garps(t))]))).toEqual([]);
  });

  it("are no second master when they come from the VRID's virtual router MAC (use_vmac with adverts from the interface's own MAC)", () => {
    const vmac = [0x00, 0x00, 0x5e, 0x00, 0x01, 40];
    const fromVmac = (t: number): Array<[number, Uint8Array]> => Array.from({ length: 5 }, (_, i) => [t + i * 0.001, frame(vmac, 0x0806, garpPayload(VIP, vmac))]);
    const records = replay([...range(0, 20).map((t) => advert(t)), ...range(5, 15).flatMap((t) => fromVmac(t + 0.01))]);
    expect(twoMasters(records)).toEqual([]);
    expect(of(records, 'summary')[0]!.garps).toEqual([{ mac: '00:00:5e:00:01:28', count: 55 }]);
  });

  it('are no second master when their sender advertises the VRID too', () => {
    const b = (t: number): [number, Uint8Array] => [t, frame(MAC_B, 0x0800, vrrpIpv4({ src: '10.0.0.2', vrid: 40, priority: 50, version: 3, addresses: [VIP] }))];
    const records = replay([...range(0, 20).map((t) => advert(t)), b(1), ...range(5, 15).flatMap((t) => garps(t + 0.01))]);
    expect(twoMasters(records)).toEqual([]);
  });

  it('for another VRID\'s address are not counted against this one, and --vrid leaves them out', () => {
    const other = (t: number): [number, Uint8Array] => [t, frame(MAC_A, 0x0800, vrrpIpv4({ src: '10.0.0.1', vrid: 41, priority: 100, version: 3, addresses: ['10.0.0.41'] }))];
    const frames = [...range(0, 20).map((t) => advert(t)), other(0), ...range(5, 15).flatMap((t) => garps(t + 0.01))];
    expect(twoMasters(replay(frames, 41))).toEqual([]);
    expect(twoMasters(replay(frames, 40))).toHaveLength(1);
  });
});
