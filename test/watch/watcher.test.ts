import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { withTrailer } from '../../src/wire/auth-hmac.js';
import { ALERT_KINDS, type AlertKind } from '../../src/watch/alerts.js';
import { watchCaptureFile } from '../../src/watch/capture.js';
import type { Expected } from '../../src/watch/expected.js';
import { MAX_SENDERS, Watcher, type WatchEvent } from '../../src/watch/watcher.js';
import { ethernet, garpPayload, ipv6Packet, vrrpIpv4, type CraftAdvert } from '../capture/craft.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { parseIpv6 } from '../../src/wire/address.js';

const RAW = 101;
const ETHERNET = 1;
const T0 = 1_700_000_000_000;

/** Every capture shipped with the repository and the shared reference set. */
function referenceCaptures(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.pcap(ng)?$/.test(n)) out.push(p);
    }
  };
  walk('captures');
  walk('../../shared/captures-reference');
  walk('/work/shared/captures-reference');
  return [...new Set(out)];
}

const captures = referenceCaptures();

function alertsOf(events: WatchEvent[], action: 'raised' | 'cleared' = 'raised'): Array<Extract<WatchEvent, { type: 'alert' }>> {
  return events.filter((e): e is Extract<WatchEvent, { type: 'alert' }> => e.type === 'alert' && e.action === action);
}

type Transition = Extract<ReplayRecord, { type: 'transition' }>;

describe('watch -r on the reference captures', () => {
  it('finds captures to compare', () => {
    expect(captures.length).toBeGreaterThanOrEqual(20);
  });

  it('names the same masters with the same takeover times as vrrplab replay, on every capture', () => {
    for (const path of captures) {
      const replay = replayCapture(path).records.filter((r): r is Transition => r.type === 'transition').map((t) => `${t.family ?? 4}/${t.vrid} ${t.to} @${t.ts.toFixed(6)}`);
      const watched = watchCaptureFile(path).events.flatMap((e) => (e.type === 'master' ? [`${e.family}/${e.vrid} ${e.to} @${(e.sinceMs / 1000).toFixed(6)}`] : []));
      expect(watched, path).toEqual(replay);
      expect(replay.length, path).toBeGreaterThan(0);
    }
  });

  it('raises no alert on a capture where replay finds nothing wrong, flapping aside where replay shows four master changes within a minute', () => {
    let clean = 0;
    for (const path of captures) {
      const records = replayCapture(path).records;
      if (records.some((r) => r.type === 'anomaly')) continue;
      clean++;
      const raised = alertsOf(watchCaptureFile(path).events);
      // Replay's own transitions say whether a VRID changed master 4 times within 60 s.
      const changes = records.filter((r): r is Transition => r.type === 'transition' && r.from !== null);
      const flappy = new Set<number>();
      for (const t of changes) {
        const within = changes.filter((u) => u.vrid === t.vrid && (u.family ?? 4) === (t.family ?? 4) && u.ts <= t.ts && u.ts > t.ts - 60);
        if (within.length >= 4) flappy.add(t.vrid);
      }
      expect(raised.filter((a) => a.kind !== 'flapping').map((a) => `${a.kind}: ${a.evidence}`), path).toEqual([]);
      expect([...new Set(raised.filter((a) => a.kind === 'flapping').map((a) => a.vrid))], path).toEqual([...flappy]);
    }
    expect(clean).toBeGreaterThanOrEqual(10);
  });

  it('raises two-masters or vrid-conflict for every VRID replay reports two masters on', () => {
    let split = 0;
    for (const path of captures) {
      const records = replayCapture(path).records;
      const vrids = new Set(records.flatMap((r) => (r.type === 'anomaly' && r.kind === 'two-masters' && r.vrid !== undefined ? [r.vrid] : [])));
      if (vrids.size === 0) continue;
      split++;
      const raised = alertsOf(watchCaptureFile(path).events).filter((a) => a.kind === 'two-masters' || a.kind === 'vrid-conflict');
      for (const vrid of vrids) expect(raised.some((a) => a.vrid === vrid), `${path} VRID ${vrid}`).toBe(true);
    }
    expect(split).toBeGreaterThanOrEqual(4);
  });
});

/** A crafted LAN: adverts and GARPs at given seconds after T0, fed in time order. */
class Lan {
  readonly w: Watcher;
  readonly events: WatchEvent[] = [];
  private readonly frames: Array<{ t: number; bytes: Uint8Array; link: number }> = [];

  constructor(options: ConstructorParameters<typeof Watcher>[0] = {}) {
    this.w = new Watcher(options);
  }

  /** `a` advertises every `every` s from `from` to `to` (inclusive). */
  adverts(a: CraftAdvert, from: number, to: number, every = 1): this {
    for (let t = from; t <= to + 1e-9; t += every) this.frames.push({ t, bytes: vrrpIpv4(a), link: RAW });
    return this;
  }

  raw(t: number, bytes: Uint8Array, link = RAW): this {
    this.frames.push({ t, bytes, link });
    return this;
  }

  garp(t: number, ip: string): this {
    this.frames.push({ t, bytes: ethernet(garpPayload(ip), 0x0806), link: ETHERNET });
    return this;
  }

  /** Feeds everything, then ticks every 100 ms up to `until` s. */
  run(until: number): this {
    const frames = this.frames.sort((x, y) => x.t - y.t);
    let next = 0;
    for (let t = 0; t <= until + 1e-9; t = Math.round((t + 0.1) * 10) / 10) {
      while (next < frames.length && frames[next].t <= t) {
        const f = frames[next++];
        this.w.frame(T0 + f.t * 1000, f.bytes, f.link);
        this.events.push(...this.w.poll());
      }
      this.w.tick(T0 + t * 1000);
      this.events.push(...this.w.poll());
    }
    return this;
  }

  raised(kind: AlertKind): Array<Extract<WatchEvent, { type: 'alert' }>> {
    return alertsOf(this.events).filter((a) => a.kind === kind);
  }

  cleared(kind: AlertKind): Array<Extract<WatchEvent, { type: 'alert' }>> {
    return alertsOf(this.events, 'cleared').filter((a) => a.kind === kind);
  }

  allRaised(): string[] {
    return alertsOf(this.events).map((a) => a.kind);
  }
}

const A = { src: '10.0.0.1', vrid: 51, priority: 150, addresses: ['10.0.0.100'] };
const B = { src: '10.0.0.2', vrid: 51, priority: 100, addresses: ['10.0.0.100'] };

describe('watch alerts on crafted traffic', () => {
  it('a healthy master with its backup silent raises nothing', () => {
    const lan = new Lan().garp(0, '10.0.0.100').adverts(A, 0, 30).run(30.5);
    expect(lan.allRaised()).toEqual([]);
    const snap = lan.w.snapshot(T0 + 30_500);
    expect(snap.vrids).toMatchObject([{ vrid: 51, state: 'MASTER', master: '10.0.0.1', priority: 150, advertIntervalMs: 1000, backups: [] }]);
    expect(snap.vrids[0].counters.advert_rcvd).toBe(31);
  });

  it('two-masters is raised when two senders keep advertising side by side, and cleared when one stops', () => {
    const lan = new Lan().adverts(A, 0, 10).adverts({ ...B, addresses: A.addresses }, 3, 6).run(12);
    const raised = lan.raised('two-masters');
    expect(raised).toHaveLength(1);
    // Side by side for more than one interval (plus 0.1 s): at B's third advert at the latest.
    expect(raised[0].atMs - T0).toBeLessThanOrEqual(5000);
    expect(raised[0].evidence).toContain('10.0.0.1 (priority 150) and 10.0.0.2 (priority 100)');
    expect(lan.cleared('two-masters')).toHaveLength(1);
  });

  it('two-masters is not raised for a preemption: the old master stops at the newcomer\'s first advert', () => {
    const lan = new Lan().adverts(B, 0, 5).adverts(A, 5.5, 15).garp(5.5, '10.0.0.100').run(16);
    expect(lan.raised('two-masters')).toEqual([]);
    expect(lan.allRaised()).toEqual([]);
    expect(lan.events.filter((e) => e.type === 'master').map((e) => (e.type === 'master' ? e.to : ''))).toEqual(['10.0.0.2', '10.0.0.1']);
  });

  it('vrid-conflict is raised for senders with other VIP lists, saying which check fails', () => {
    const lan = new Lan().adverts(A, 0, 10).adverts({ ...B, src: '10.0.0.9', priority: 200, addresses: ['10.0.0.200'] }, 2, 10).run(11);
    const raised = lan.raised('vrid-conflict');
    expect(raised).toHaveLength(1);
    expect(raised[0].atMs - T0).toBe(2000);
    expect(raised[0].evidence).toMatch(/address-(count|list)-mismatch/);
  });

  it('vrid-conflict is raised for another password and another VRRPv2 interval', () => {
    const pw = new Lan().adverts({ ...A, password: 'one' }, 0, 5).adverts({ ...B, password: 'two' }, 1, 5).run(6);
    expect(pw.raised('vrid-conflict')[0]?.evidence).toContain('auth-mismatch');
    const iv = new Lan().adverts(A, 0, 8).adverts({ ...B, interval: 2 }, 1, 8, 2).run(9);
    expect(iv.raised('vrid-conflict')[0]?.evidence).toContain('interval-mismatch');
  });

  it('vrid-conflict is not raised for senders that agree on everything but priority', () => {
    const lan = new Lan().adverts(A, 0, 10).adverts(B, 2, 2.5).run(11);
    expect(lan.raised('vrid-conflict')).toEqual([]);
  });

  it('master-silent is raised once no advert came for 3 intervals plus the largest skew, and cleared by the next advert', () => {
    const lan = new Lan().adverts(A, 0, 5).adverts(A, 12, 14).run(15);
    const raised = lan.raised('master-silent');
    expect(raised).toHaveLength(1);
    // Last advert at 5 s: silent past 5 + 3.996 + 0.1 s, seen at the next 100 ms tick.
    expect(raised[0].atMs - T0).toBeGreaterThan(9000);
    expect(raised[0].atMs - T0).toBeLessThanOrEqual(9300);
    expect(lan.cleared('master-silent')[0].atMs - T0).toBe(12000);
  });

  it('master-silent is not raised when a backup takes over within its Master_Down_Interval', () => {
    const lan = new Lan().adverts(A, 0, 5).adverts(B, 8.6, 20).garp(8.6, '10.0.0.100').run(21);
    expect(lan.raised('master-silent')).toEqual([]);
    expect(lan.allRaised()).toEqual([]);
  });

  it('flapping is raised at the fourth master change within a minute, not at the third', () => {
    // A resigns (priority 0) and B takes over, then A preempts: two changes per cycle.
    const cycle = (lan: Lan, at: number): Lan => lan.raw(at, vrrpIpv4({ ...A, priority: 0 })).adverts(B, at + 0.5, at + 3).adverts(A, at + 4, at + 7).garp(at + 0.5, '10.0.0.100').garp(at + 4, '10.0.0.100');
    const three = new Lan().adverts(A, 0, 2).garp(0, '10.0.0.100');
    cycle(three, 3);
    three.raw(11, vrrpIpv4({ ...A, priority: 0 })).adverts(B, 11.5, 20).garp(11.5, '10.0.0.100');
    three.run(21);
    expect(three.events.filter((e) => e.type === 'master')).toHaveLength(4);
    expect(three.raised('flapping')).toEqual([]);
    const four = new Lan().adverts(A, 0, 2).garp(0, '10.0.0.100');
    cycle(four, 3);
    cycle(four, 11);
    four.run(20);
    expect(four.raised('flapping')).toHaveLength(1);
    expect(four.raised('flapping')[0].evidence).toContain('4 times');
  });

  it('priority-drop is raised when the master advertises a lower priority, and cleared when it is back', () => {
    const lan = new Lan().adverts(A, 0, 4).adverts({ ...A, priority: 130 }, 5, 8).adverts(A, 9, 10).run(11);
    expect(lan.raised('priority-drop')).toHaveLength(1);
    expect(lan.raised('priority-drop')[0].evidence).toContain('priority 130, down from 150');
    expect(lan.cleared('priority-drop')).toHaveLength(1);
    const steady = new Lan().adverts(A, 0, 10).run(11);
    expect(steady.raised('priority-drop')).toEqual([]);
  });

  it('no-garp is raised when a takeover announces none of its VIPs within a second, and not when it does', () => {
    const quiet = new Lan().garp(0, '10.0.0.100').adverts(A, 0, 5).adverts(B, 9, 15).run(16);
    const raised = quiet.raised('no-garp');
    expect(raised).toHaveLength(1);
    expect(raised[0].atMs - T0).toBeLessThanOrEqual(10_200);
    expect(raised[0].evidence).toContain('10.0.0.2 took over');
    const announced = new Lan().garp(0, '10.0.0.100').adverts(A, 0, 5).adverts(B, 9, 15).garp(9.01, '10.0.0.100').run(16);
    expect(announced.raised('no-garp')).toEqual([]);
  });

  it('no-garp is not judged on a link that shows no ARP at all (a capture filtered to VRRP)', () => {
    const lan = new Lan().adverts(A, 0, 5).adverts(B, 9, 15).run(16);
    expect(lan.raised('no-garp')).toEqual([]);
  });

  it('forged is raised for a multicast advert with TTL 64 and is not for a unicast one', () => {
    const lan = new Lan().adverts(A, 0, 10).raw(3.3, vrrpIpv4({ ...B, src: '10.0.0.66', ttl: 64 })).run(11);
    expect(lan.raised('forged')).toHaveLength(1);
    expect(lan.raised('forged')[0].evidence).toContain('TTL/hop limit 64');
    expect(lan.w.snapshot(T0 + 11_000).vrids[0].counters.ip_ttl_err).toBe(1);
    // The forged advert is not followed: A stays master.
    expect(lan.events.filter((e) => e.type === 'master')).toHaveLength(1);
    const unicast = new Lan().adverts({ ...A, dst: '10.0.0.2', ttl: 64 }, 0, 10).run(11);
    expect(unicast.allRaised()).toEqual([]);
  });

  it('forged is raised for an auth type keepalived rejects', () => {
    const lan = new Lan().adverts(A, 0, 5).raw(2.5, vrrpIpv4({ ...B, authType: 7 })).run(6);
    expect(lan.raised('forged')[0]?.evidence).toContain('auth type 7');
  });

  it('with --key, forged is raised for an auth_hmac trailer that does not verify, and replayed for a sequence that does not increase', () => {
    const key = new TextEncoder().encode('k'.repeat(32));
    const keys = new Map([[1, key]]);
    const signed = (t: number, counter: number, k = key): Uint8Array => withTrailer(vrrpIpv4(A), { keyId: 1, seconds: 1_700_000_000 + Math.floor(t), fraction: 0, counter }, k);
    const good = new Lan({ keys });
    for (let t = 0; t <= 6; t++) good.raw(t, signed(t, t));
    good.run(7);
    expect(good.allRaised()).toEqual([]);
    const bad = new Lan({ keys });
    for (let t = 0; t <= 6; t++) bad.raw(t, signed(t, t));
    bad.raw(3.5, signed(3.5, 99, new TextEncoder().encode('x'.repeat(32))));
    bad.raw(4.5, signed(2, 2));
    bad.run(7);
    expect(bad.raised('forged')[0]?.evidence).toContain('HMAC does not verify');
    expect(bad.raised('replayed')).toHaveLength(1);
  });
});

describe('watch on bad input', () => {
  it('a flood of valid-looking adverts from 20,000 made-up senders, each with its own VIP, stays fast and keeps the real master', () => {
    const w = new Watcher();
    const start = performance.now();
    let t = T0;
    const real = vrrpIpv4({ src: '10.0.0.1', vrid: 9, priority: 200, addresses: ['10.9.0.1'] });
    for (let i = 0; i < 20_000; i++) {
      if (i % 1000 === 0) w.frame((t += 1), real, RAW);
      const src = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) + 2 > 255 ? 3 : (i & 255) + 2}`;
      w.frame((t += 1), vrrpIpv4({ src, vrid: 9, priority: 100, addresses: [`10.8.${(i >> 8) & 255}.${i & 255}`] }), RAW);
      w.poll();
    }
    // Quadratic work would take minutes here.
    expect(performance.now() - start).toBeLessThan(10_000);
    expect(w.restarts).toBeGreaterThan(100);
    expect(w.snapshot(t).vrids[0]).toMatchObject({ vrid: 9, master: '10.0.0.1' });
    expect((w.snapshot(t).vrids[0].backups ?? []).length).toBeLessThan(MAX_SENDERS);
  });

  it('arbitrary bytes in any link type never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(0, 1, 12, 101, 113, 228, 229, 276, 9999)), { maxLength: 40 }), (frames) => {
        const w = new Watcher({ keys: new Map([[1, new Uint8Array(32)]]) });
        let t = T0;
        for (const [bytes, link] of frames) {
          w.frame((t += 10), bytes, link);
          w.poll();
        }
        w.snapshot(t);
      }),
      { numRuns: 300 },
    );
  });

  it('a flood of adverts from made-up senders keeps the sender table, the alerts and the malformed reasons bounded', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ src: fc.ipV4(), vrid: fc.integer({ min: 1, max: 4 }), priority: fc.integer({ min: 0, max: 255 }), ttl: fc.constantFrom(255, 64), interval: fc.integer({ min: 1, max: 3 }), cut: fc.nat(40) }),
          { minLength: 50, maxLength: 400 },
        ),
        (adverts) => {
          const w = new Watcher();
          let t = T0;
          for (const a of adverts) {
            const bytes = vrrpIpv4({ src: a.src, vrid: a.vrid, priority: a.priority, ttl: a.ttl, interval: a.interval, addresses: [`10.1.${a.vrid}.${a.priority}`] });
            w.frame((t += 1), a.cut > 30 ? bytes.subarray(0, a.cut) : bytes, RAW);
            w.poll();
          }
          const snap = w.snapshot(t);
          for (const v of snap.vrids) expect((v.backups ?? []).length).toBeLessThan(MAX_SENDERS);
          expect(w.activeAlerts().length).toBeLessThanOrEqual(ALERT_KINDS.length * 4);
          expect(Object.keys(w.malformed).length).toBeLessThan(10);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('watch with --host configs', () => {
  const expected = (master: string | undefined, extra: Partial<Expected> = {}): Expected => ({
    vrids: [
      {
        vrid: 51,
        family: 4,
        master,
        members: [
          { host: 'A', instance: 'VI_1', priority: 150, priorities: [150, 130], addresses: ['10.0.0.100'] },
          { host: 'B', instance: 'VI_1', priority: 100, priorities: [100], addresses: ['10.0.0.100'] },
        ],
      },
    ],
    findings: [],
    ...extra,
  });

  it('host-silent is raised when another configured host is master, and cleared when the configured one takes over again', () => {
    const lan = new Lan({ expected: expected('A') }).garp(0, '10.0.0.100').adverts(B, 0, 10).adverts(A, 10.5, 20).garp(10.5, '10.0.0.100').run(21);
    const raised = lan.raised('host-silent');
    expect(raised).toHaveLength(1);
    expect(raised[0].evidence).toContain('the configs make A master of VRID 51');
    expect(raised[0].evidence).toContain('10.0.0.2 (B) is master');
    expect(lan.cleared('host-silent')).toHaveLength(1);
    expect(lan.w.snapshot(T0 + 21_000).vrids[0].instance).toBe('VI_1');
  });

  it('host-silent is not raised while the configured master advertises, nor for a master that cannot be told apart', () => {
    const right = new Lan({ expected: expected('A') }).adverts(A, 0, 20).run(21);
    expect(right.allRaised()).toEqual([]);
    // Priority 120 is in no member's table and both have the VIPs: which host it is is unknown.
    const unknown = new Lan({ expected: expected('A') }).adverts({ ...B, priority: 120 }, 0, 20).run(21);
    expect(unknown.raised('host-silent')).toEqual([]);
  });

  it('host-silent is raised for a configured VRID nobody advertises', () => {
    const lan = new Lan({ expected: expected('A') }).adverts({ ...A, vrid: 52 }, 0, 10).run(11);
    expect(lan.raised('host-silent').map((a) => a.vrid)).toEqual([51]);
    expect(lan.raised('host-silent')[0].evidence).toContain('nobody advertises');
  });

  it('unexpected-master is raised for a master whose VIPs no configured instance has, or whose VRID no config has, and not for a configured one', () => {
    const stranger = new Lan({ expected: expected('A') }).adverts({ ...A, src: '10.0.0.9', addresses: ['10.9.9.9'] }, 0, 10).run(11);
    expect(stranger.raised('unexpected-master')[0]?.evidence).toContain('10.0.0.9 is master of VRID 51 advertising [10.9.9.9]');
    const otherVrid = new Lan({ expected: expected('A') }).adverts(A, 0, 10).adverts({ ...A, vrid: 77 }, 0, 10).run(11);
    expect(otherVrid.raised('unexpected-master').map((a) => a.vrid)).toEqual([77]);
    const fine = new Lan({ expected: expected('A') }).adverts(A, 0, 10).run(11);
    expect(fine.raised('unexpected-master')).toEqual([]);
  });

  it("check's findings are raised as config alerts at the start, infos left out", () => {
    const findings: Expected['findings'] = [
      { kind: 'vrid-conflict', severity: 'error', message: 'A and X share VRID 51', hosts: ['A'], instances: [], vrid: 51 },
      { kind: 'master-change', severity: 'info', message: 'master is A', hosts: ['A'], instances: [], vrid: 51 },
    ];
    const lan = new Lan({ expected: expected('A', { findings }) }).adverts(A, 0, 3).run(4);
    expect(lan.raised('config').map((a) => [a.vrid, a.evidence, a.atMs - T0])).toEqual([[51, '[error] vrid-conflict: A and X share VRID 51', 0]]);
  });

  it('names hosts by their address when NAME is one: --host 172.16.25.1=DIR', () => {
    const byAddress = expected('10.0.0.1');
    byAddress.vrids[0].members[0].host = '10.0.0.1';
    byAddress.vrids[0].members[1].host = '10.0.0.2';
    // Same VIPs and a priority in neither table: known by the source address alone.
    const lan = new Lan({ expected: byAddress }).adverts({ ...B, priority: 120 }, 0, 10).run(11);
    expect(lan.raised('host-silent')[0]?.evidence).toContain('10.0.0.2 (10.0.0.2) is master');
  });
});

describe('watch over IPv6', () => {
  const v3 = (src: string, priority: number, hopLimit = 255): Uint8Array =>
    ethernet(buildAdvertPacket({ version: 3, vrid: 60, priority, authType: 0, auth: '', advertIntervalMs: 1000, family: 6, addresses: ['fd00::100'] }, { src, ttl: hopLimit }), 0x86dd);
  /** An unsolicited neighbour advertisement for `target` (override flag set), as keepalived sends one for a VIP. */
  const na = (target: string): Uint8Array => {
    const icmp = new Uint8Array(24);
    icmp[0] = 136;
    icmp[4] = 0x20;
    icmp.set(parseIpv6(target) ?? new Uint8Array(16), 8);
    const ip = ipv6Packet(58, icmp);
    return ethernet(ip, 0x86dd);
  };
  const feed = (frames: Array<[number, Uint8Array]>, until: number): WatchEvent[] => {
    const w = new Watcher();
    const out: WatchEvent[] = [];
    frames.sort((x, y) => x[0] - y[0]);
    let i = 0;
    for (let t = 0; t <= until; t = Math.round((t + 0.1) * 10) / 10) {
      while (i < frames.length && frames[i][0] <= t) w.frame(T0 + frames[i][0] * 1000, frames[i++][1], ETHERNET);
      w.tick(T0 + t * 1000);
      out.push(...w.poll());
    }
    return out;
  };
  const run = (from: number, to: number, f: () => Uint8Array): Array<[number, Uint8Array]> => Array.from({ length: to - from + 1 }, (_, i) => [from + i, f()] as [number, Uint8Array]);

  it('follows IPv6 masters and takes an unsolicited NA for a VIP as its announcement', () => {
    const frames = [...run(0, 5, () => v3('fe80::1', 150)), [0, na('fd00::100')] as [number, Uint8Array], ...run(9, 15, () => v3('fe80::2', 100)), [9.01, na('fd00::100')] as [number, Uint8Array]];
    const events = feed(frames, 16);
    expect(events.filter((e) => e.type === 'master').map((e) => (e.type === 'master' ? `${e.family} ${e.to}` : ''))).toEqual(['6 fe80::1', '6 fe80::2']);
    expect(alertsOf(events)).toEqual([]);
  });

  it('raises no-garp for an IPv6 takeover with no NA, and forged for hop limit 64', () => {
    const frames = [...run(0, 5, () => v3('fe80::1', 150)), [0, na('fd00::100')] as [number, Uint8Array], ...run(9, 15, () => v3('fe80::2', 100)), [12.5, v3('fe80::66', 200, 64)] as [number, Uint8Array]];
    const kinds = alertsOf(feed(frames, 16)).map((a) => `${a.kind} ${a.family}`);
    expect(kinds).toEqual(['no-garp 6', 'forged 6']);
  });
});
