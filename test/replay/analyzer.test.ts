import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap } from '../../src/capture/writer.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture } from '../../src/replay/replay.js';
import { formatTimeline } from '../../src/replay/format.js';
import { ethernet, garpPayload, PcapngBuilder, sll, sll2, vrrpIpv4, type CraftAdvert } from '../capture/craft.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const A = '10.0.0.1';
const B = '10.0.0.2';
const T0 = 1_700_000_000;

type Step = { t: number; advert?: CraftAdvert; garp?: string };

/** Adverts from `src` every second from `from` to `to` (inclusive, seconds after T0). */
function every(src: string, from: number, to: number, extra: Partial<CraftAdvert> = {}): Step[] {
  const out: Step[] = [];
  for (let t = from; t <= to + 1e-9; t += extra.interval ?? 1) out.push({ t, advert: { src, vrid: 51, priority: 100, ...extra } });
  return out;
}

function frameOf(s: Step, link: 'eth' | 'qinq' | 'sll' | 'sll2' | 'raw' = 'eth'): Uint8Array {
  if (s.garp !== undefined) return ethernet(garpPayload(s.garp), 0x0806);
  const ip = vrrpIpv4(s.advert!);
  if (link === 'qinq') return ethernet(ip, 0x0800, [0x88a8, 0x8100]);
  if (link === 'sll') return sll(ip, 0x0800);
  if (link === 'sll2') return sll2(ip, 0x0800);
  if (link === 'raw') return ip;
  return ethernet(ip, 0x0800);
}

const LINKTYPES = { eth: 1, qinq: 1, sll: 113, sll2: 276, raw: 101 } as const;

function replay(steps: Step[], link: keyof typeof LINKTYPES = 'eth', vrid?: number): ReplayRecord[] {
  const sorted = [...steps].sort((x, y) => x.t - y.t);
  const path = join(dir, `r${n++}.pcap`);
  writeFileSync(path, encodePcap({ linkType: LINKTYPES[link] }, sorted.map((s) => ({ ts: T0 + s.t, data: frameOf(s, link) }))));
  return replayCapture(path, { vrid }).records;
}

const of = <K extends ReplayRecord['type']>(records: ReplayRecord[], type: K) =>
  records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);

const ms = (x: number) => Math.round((x - T0) * 1000) / 1000;
const masters = (records: ReplayRecord[]) => of(records, 'master').map((m) => [m.vrid, m.src, ms(m.from), ms(m.to)]);

describe('who was master when', () => {
  it('hands mastership to the backup after the master goes silent, with the failover gap', () => {
    const records = replay([...every(A, 0, 10, { priority: 200 }), ...every(B, 13.6, 20)]);
    expect(masters(records)).toEqual([
      [51, A, 0, 10],
      [51, B, 13.6, 19.6],
    ]);
    const t = of(records, 'transition');
    expect(t.map((x) => [x.from, x.to, x.reason])).toEqual([
      [null, A, 'first'],
      [A, B, 'silent'],
    ]);
    expect(of(records, 'gap')[0].seconds).toBeCloseTo(3.6, 6);
  });

  it('reports a priority-0 resignation and the takeover that follows it', () => {
    const records = replay([...every(A, 0, 5), { t: 5.5, advert: { src: A, vrid: 51, priority: 0 } }, ...every(B, 6.1, 10, { priority: 90 })]);
    expect(of(records, 'resign').map((r) => [r.src, r.ts - T0])).toEqual([[A, 5.5]]);
    expect(of(records, 'master').map((m) => [m.src, m.end])).toEqual([
      [A, 'resigned'],
      [B, 'capture-end'],
    ]);
    expect(of(records, 'transition')[1].reason).toBe('resigned');
    expect(of(records, 'gap')[0].seconds).toBeCloseTo(0.6, 6);
  });

  it('dates a preemption from the new master first advert even though it is confirmed later', () => {
    // B preempts at 5.3; A stops at once. Mastership moves at 5.3, not when A's silence is noticed.
    const records = replay([...every(A, 0, 5), ...every(B, 5.3, 12.3, { priority: 150 })]);
    expect(masters(records)).toEqual([
      [51, A, 0, 5],
      [51, B, 5.3, 12.3],
    ]);
    expect(of(records, 'transition')[1].reason).toBe('preempted');
  });

  it('keeps a master whose whole period fits in the old master\'s silence allowance (10 s adverts: A, then B three times over 20 s, then C)', () => {
    const C = '10.0.0.3';
    // A (191) preempted by B (192) at 52 s, B by C (193) at 75 s: every handover comes before
    // the old master has been silent for three of its 10 s intervals.
    const records = replay([
      ...every(A, 0, 50, { interval: 10, priority: 191 }),
      ...every(B, 52, 72, { interval: 10, priority: 192 }),
      ...every(C, 75, 135, { interval: 10, priority: 193 }),
    ]);
    expect(masters(records)).toEqual([
      [51, A, 0, 50],
      [51, B, 52, 72],
      [51, C, 75, 135],
    ]);
    expect(of(records, 'transition').map((t) => [t.from, t.to, t.priority, t.reason])).toEqual([
      [null, A, 191, 'first'],
      [A, B, 192, 'preempted'],
      [B, C, 193, 'preempted'],
    ]);
    expect(of(records, 'gap').map((g) => [g.from, g.to, g.seconds])).toEqual([[A, B, 2], [B, C, 3]]);
    expect(of(records, 'master').map((m) => m.adverts)).toEqual([6, 3, 7]);
    expect(of(records, 'anomaly')).toEqual([]);
  });

  it('keeps such a master when the capture ends before its successor is confirmed', () => {
    const C = '10.0.0.3';
    const records = replay([
      ...every(A, 0, 50, { interval: 10, priority: 191 }),
      ...every(B, 52, 72, { interval: 10, priority: 192 }),
      ...every(C, 75, 85, { interval: 10, priority: 193 }),
    ]);
    expect(masters(records).map((m) => m[1])).toEqual([A, B, C]);
  });

  it('settles a takeover still pending when the capture ends', () => {
    const records = replay([...every(A, 0, 5), ...every(B, 5.3, 6.3, { priority: 150 })]);
    expect(masters(records).map((m) => m[1])).toEqual([A, B]);
  });

  it('records advertised priority changes', () => {
    const records = replay([...every(A, 0, 3), ...every(A, 4, 6, { priority: 80 })]);
    expect(of(records, 'priority').map((p) => [p.src, p.from, p.to, p.ts - T0])).toEqual([[A, 100, 80, 4]]);
    expect(of(records, 'master')).toHaveLength(1);
  });

  it('keeps VRIDs apart and filters on --vrid', () => {
    const steps = [...every(A, 0, 5), ...every(B, 0.5, 5.5, { vrid: 52 })];
    expect(masters(replay(steps)).map((m) => [m[0], m[1]])).toEqual([
      [51, A],
      [52, B],
    ]);
    expect(masters(replay(steps, 'eth', 52)).map((m) => [m[0], m[1]])).toEqual([[52, B]]);
  });

  for (const link of ['qinq', 'sll', 'sll2', 'raw'] as const) {
    it(`reads the same story from a ${link} capture`, () => {
      const records = replay([...every(A, 0, 10, { priority: 200 }), ...every(B, 13.6, 20)], link);
      expect(masters(records).map((m) => m[1])).toEqual([A, B]);
    });
  }

  it('reads the same story from a multi-interface pcapng capture', () => {
    const b = new PcapngBuilder().section().interface(1).interface(101, 9);
    for (const s of every(A, 0, 10)) b.enhanced(0, BigInt(T0 + s.t) * 1_000000n, ethernet(vrrpIpv4(s.advert!), 0x0800));
    for (const s of every(B, 13.5, 15)) b.enhanced(1, BigInt(Math.round((T0 + s.t) * 1e3)) * 1_000000n, vrrpIpv4(s.advert!));
    const path = join(dir, 'multi.pcapng');
    writeFileSync(path, b.bytes());
    expect(masters(replayCapture(path).records)).toEqual([
      [51, A, 0, 10],
      [51, B, 13.5, 14.5],
    ]);
  });
});

describe('anomalies', () => {
  const kinds = (records: ReplayRecord[]) => of(records, 'anomaly').map((a) => a.kind);

  it('reports two masters when two senders keep advertising side by side', () => {
    const records = replay([...every(A, 0, 10), ...every(B, 3.5, 10.5)]);
    const dual = of(records, 'anomaly').filter((a) => a.kind === 'two-masters');
    expect(dual).toHaveLength(1);
    expect(dual[0].ts - T0).toBeCloseTo(3.5, 6);
    expect(dual[0].to! - T0).toBeCloseTo(10, 6);
  });

  it('does not call a clean preemption two masters', () => {
    expect(kinds(replay([...every(A, 0, 5), ...every(B, 5.3, 12.3, { priority: 150 })]))).toEqual([]);
  });

  it('reports a TTL other than 255 and a bad checksum once each, counting repeats in the summary', () => {
    const records = replay(every(A, 0, 4, { ttl: 64, badChecksum: true }));
    expect(kinds(records).sort()).toEqual(['bad-checksum', 'ttl']);
    expect(of(records, 'summary')[0].anomalies).toEqual({ 'bad-checksum': 5, ttl: 5 });
  });

  it('does not report a TTL other than 255 on unicast adverts, which keepalived accepts (it checks multicast ones only)', () => {
    const records = replay(every(A, 0, 4, { ttl: 64, dst: B }));
    expect(kinds(records)).toEqual([]);
    expect(of(records, 'summary')[0].anomalies).toEqual({});
  });

  it('reports auth, interval, address-list and version mismatches between senders', () => {
    const records = replay([
      ...every(A, 0, 3, { password: 'secret' }),
      { t: 3.2, advert: { src: B, vrid: 51, priority: 50, password: 'other', interval: 2, addresses: ['10.0.0.100'] } },
      { t: 3.4, advert: { src: '10.0.0.3', vrid: 51, priority: 40, version: 3, addresses: ['10.0.0.100'] } },
    ]);
    expect(new Set(kinds(records))).toEqual(new Set(['auth-mismatch', 'interval-mismatch', 'address-mismatch', 'version-mix']));
  });

  it('reports a mismatch between two senders once, whichever of them is heard first afterwards', () => {
    // B is heard after A; then A's advert changes (its priority), and A is compared with B again.
    const records = replay([
      ...every(A, 0, 3, { password: 'secret', addresses: ['10.0.0.100'] }),
      ...every(A, 4, 6, { priority: 110, password: 'secret', addresses: ['10.0.0.100'] }),
      ...every(B, 0.5, 6.5, { priority: 50, password: 'other', addresses: ['10.0.0.101'] }),
    ].sort((x, y) => x.t - y.t));
    // Both advertise as masters (VRID conflict); each mismatch is one anomaly, not one per order.
    expect(of(records, 'anomaly').map((a) => a.kind).sort()).toEqual(['address-mismatch', 'auth-mismatch', 'two-masters', 'vrid-conflict']);
  });

  it('quotes a forged password with its line breaks and escapes escaped, so it cannot add lines to the timeline', () => {
    // Eight bytes, as many as VRRPv2 auth data carries.
    const forged = '\n19\x1b[J"\\';
    const records = replay([
      ...every(A, 0, 3, { password: 'secret' }),
      ...every(B, 0.5, 3.5, { priority: 50, password: forged }),
    ]);
    const auth = of(records, 'anomaly').find((a) => a.kind === 'auth-mismatch');
    expect(auth?.detail).toBe(`${B} uses password "\\n19\\x1b[J\\"\\\\", ${A} password "secret"`);
    const lines = formatTimeline(records, T0);
    expect(lines.filter((l) => l.includes('ANOMALY auth-mismatch'))).toHaveLength(1);
    expect(lines.join('\n')).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it('reports malformed VRRP packets and keeps going', () => {
    const bad = vrrpIpv4({ src: B, vrid: 51, priority: 100 });
    bad[20 + 3] = 3; // claims three addresses, carries one
    const path = join(dir, 'malformed.pcap');
    const good = every(A, 0, 2).map((s) => ({ ts: T0 + s.t, data: frameOf(s) }));
    writeFileSync(path, encodePcap({ linkType: 1 }, [...good, { ts: T0 + 2.5, data: ethernet(bad, 0x0800) }]));
    const records = replayCapture(path).records;
    expect(of(records, 'anomaly').map((a) => [a.kind, a.src])).toEqual([['malformed', B]]);
    expect(masters(records)).toEqual([[51, A, 0, 2]]);
  });
});

describe('gratuitous ARP', () => {
  it('groups a burst of gratuitous ARPs and names the VRID advertising the address', () => {
    const records = replay([
      ...every(A, 0, 3, { addresses: ['10.0.0.100'] }),
      ...[0, 0.001, 0.002, 0.003, 0.004].map((d) => ({ t: 0.01 + d, garp: '10.0.0.100' })),
      { t: 2.5, garp: '10.0.0.200' },
    ]);
    expect(of(records, 'garp').map((g) => [g.ip, g.count, g.vrids])).toEqual([
      ['10.0.0.100', 5, [51]],
      ['10.0.0.200', 1, []],
    ]);
  });
});

describe('file problems', () => {
  it('keeps the adverts before a truncation and reports the problem with its offset', () => {
    const whole = encodePcap({ linkType: 1 }, every(A, 0, 5).map((s) => ({ ts: T0 + s.t, data: frameOf(s) })));
    const path = join(dir, 'cut.pcap');
    writeFileSync(path, whole.subarray(0, whole.length - 3));
    const records = replayCapture(path).records;
    expect(of(records, 'problem')).toHaveLength(1);
    expect(of(records, 'problem')[0].fileOffset).toBeGreaterThan(24);
    expect(masters(records)).toEqual([[51, A, 0, 4]]);
  });
});

describe('timeline text', () => {
  it('reads like a log with a master summary', () => {
    const records = replay([...every(A, 0, 10, { priority: 200 }), ...every(B, 13.6, 20)]);
    const text = formatTimeline(records, T0).join('\n');
    expect(text).toContain(`VRID 51  ${A} is master (priority 200)`);
    expect(text).toContain(`${B} takes over from ${A}`);
    expect(text).toContain('failover gap 3.600 s');
    expect(text).toMatch(/Masters:\n {2}VRID 51/);
  });
});

describe('a long-interval master chain recorded with keepalived 2.2.7', () => {
  // captures/long-interval (captures/how-made/long-interval.sh): 10 s adverts; A (191) master,
  // B (192) started at 35 s preempts it, C (193) started at 57 s preempts B after B's three
  // adverts over 20 s; then C, B and A are stopped in turn.
  const records = replayCapture('captures/long-interval/capture.pcap').records;

  it('names B as master between A and C, with its three adverts and the gaps on both sides', () => {
    const spans = of(records, 'master').map((m) => [m.src, m.priority, m.adverts, Math.round(m.to - m.from), m.end]);
    expect(spans.slice(0, 3)).toEqual([
      ['172.16.25.1', 191, 4, 30, 'replaced'],
      ['172.16.25.2', 192, 3, 20, 'replaced'],
      ['172.16.25.3', 193, 3, 25, 'resigned'],
    ]);
    const gaps = of(records, 'gap').slice(0, 2).map((g) => [g.from, g.to, Math.round(g.seconds * 1000) / 1000]);
    expect(gaps).toEqual([['172.16.25.1', '172.16.25.2', 5.005], ['172.16.25.2', '172.16.25.3', 2.046]]);
    expect(of(records, 'transition').slice(1, 3).map((t) => t.reason)).toEqual(['preempted', 'preempted']);
  });
});
