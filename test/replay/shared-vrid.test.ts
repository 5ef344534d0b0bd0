/**
 * Two keepalived clusters on one VRID (captures/shared-vrid51 and -v3, made by how-made/shared-vrid.sh with
 * keepalived 2.2.7): X is .1 (150) and .2 (100) with auth_pass x-51 and VIP .51, Y is .3 (120) and
 * .4 (80) with y-51 and VIP .151. .1 is stopped at 15 s and started again at 31 s, .3 killed at
 * 41 s. Each cluster's master is followed on its own; notify.log is the truth.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodePcap } from '../../src/capture/writer.js';
import { formatTimeline } from '../../src/replay/format.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture } from '../../src/replay/replay.js';
import { ethernet, vrrpIpv4, type CraftAdvert } from '../capture/craft.js';
import { requireLab } from '../lab/lab.js';

const of = <K extends ReplayRecord['type']>(records: ReplayRecord[], type: K) =>
  records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);

for (const [name, cause] of [
  ['shared-vrid51', /: they use different passwords \("[xy]-51", "[xy]-51"\)$/],
  // VRRPv3: keepalived ignores auth_pass ("VRRP version 3 does not support authentication"); the
  // VIPs alone keep the clusters apart, and .2, once master, is held silent for 18 s.
  ['shared-vrid51-v3', /: they list other addresses \(\[172\.16\.25\.1?51\], \[172\.16\.25\.1?51\]\)$/],
] as const) {
  describe(`replay of two keepalived clusters sharing VRID 51 (captures/${name})`, () => {
    const DIR = resolve(import.meta.dirname, '../../captures', name);
    const records = replayCapture(join(DIR, 'capture.pcap')).records;
    const host = (h: string) => `172.16.25.${h.slice(1)}`;
    /** notify.log's "master" calls, in time order: [address, epoch s]. */
    const notified = readFileSync(join(DIR, 'notify.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '))
      .filter((f) => f[2] === 'master')
      .map((f) => [host(f[1]!), Number(f[0])] as const)
      .sort((a, b) => a[1] - b[1]);

    it("follows each cluster's master on its own: every master period starts within 50 ms of that host's notify_master", () => {
      const masters = of(records, 'master');
      // notify.log also has hosts that were master for a few ms (one advert, answered at once).
      for (const m of masters) expect(notified.some(([src, t]) => src === m.src && Math.abs(m.from - t) < 0.05), `${m.src} at ${m.from}`).toBe(true);
      expect(masters.map((m) => [m.src, m.priority, m.end])).toEqual([
        ['172.16.25.1', 150, 'resigned'],
        ['172.16.25.3', 120, 'replaced'],
        ['172.16.25.2', 100, 'replaced'],
        ['172.16.25.1', 150, 'resigned'],
        ['172.16.25.4', 80, 'resigned'],
        ['172.16.25.2', 100, 'resigned'],
      ]);
    });

    it('names each takeover once, by the right reason, and none of a master from itself', () => {
      expect(of(records, 'transition').filter((t) => t.from !== null).map((t) => [t.to, t.from, t.reason])).toEqual([
        ['172.16.25.2', '172.16.25.1', 'resigned'],
        // .1, back, preempts .2 at its first advert: .2's own advert after that (its down timer ran
        // out while .3's adverts held .1 silent; notify.log: master, then backup within ms) is no comeback.
        ['172.16.25.1', '172.16.25.2', 'preempted'],
        ['172.16.25.4', '172.16.25.3', 'silent'],
        ['172.16.25.2', '172.16.25.1', 'resigned'],
      ]);
      expect(of(records, 'priority')).toEqual([]);
      const text = formatTimeline(records, null).join('\n');
      expect(text).not.toMatch(/(\S+) takes over from \1 /);
      expect(text).not.toContain('is master again');
    });

    it('keeps .2 master while .3 held it silent, up to .1 taking over, with no failover gap between them', () => {
      const takeover = of(records, 'transition').find((t) => t.to === '172.16.25.1' && t.from === '172.16.25.2')!;
      const held = of(records, 'master').find((m) => m.src === '172.16.25.2' && m.end === 'replaced')!;
      expect(takeover.ts - held.to).toBeGreaterThanOrEqual(0);
      expect(takeover.ts - held.to).toBeLessThan(1.1);
      expect(of(records, 'gap').map((g) => [g.from, g.to])).toEqual([
        ['172.16.25.1', '172.16.25.2'],
        ['172.16.25.3', '172.16.25.4'],
        ['172.16.25.1', '172.16.25.2'],
      ]);
    });

    it('counts the adverts of each sender as tshark does', (ctx) => {
      requireLab(ctx, ['tshark']);
      const out = execFileSync('tshark', ['-r', join(DIR, 'capture.pcap'), '-Y', 'vrrp', '-T', 'fields', '-e', 'ip.src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const counts: Record<string, number> = {};
      for (const src of out.trim().split('\n')) counts[src] = (counts[src] ?? 0) + 1;
      expect(Object.fromEntries(of(records, 'summary')[0]!.sources.map((x) => [x.src, x.adverts]))).toEqual(counts);
    });

    it('reports each pair of masters from the two clusters as two masters, with what keeps them apart', () => {
      const two = of(records, 'anomaly').filter((a) => a.kind === 'two-masters');
      expect(two.map((a) => a.detail.split(' were ')[0])).toEqual([
        '172.16.25.1 and 172.16.25.3',
        '172.16.25.3 and 172.16.25.2',
        '172.16.25.3 and 172.16.25.1',
        '172.16.25.1 and 172.16.25.4',
      ]);
      for (const a of two) expect(a.detail).toMatch(cause);
    });
  });
}

describe('a higher-priority sender of the same group', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrrplab-shared-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const T0 = 1_700_000_000;
  const A = '10.0.0.1';
  const B = '10.0.0.2';
  const C = '10.0.0.3';
  const x = (src: string, priority: number): CraftAdvert => ({ src, vrid: 51, priority, password: 'x-51', addresses: ['10.0.0.51'] });
  const y: CraftAdvert = { src: C, vrid: 51, priority: 120, password: 'y-51', addresses: ['10.0.0.151'] };
  function replay(steps: Array<[number, CraftAdvert]>): ReplayRecord[] {
    const path = join(dir, `r${steps.length}-${steps[0]![0]}.pcap`);
    const sorted = [...steps].sort((p, q) => p[0] - q[0]);
    writeFileSync(path, encodePcap({ linkType: 1 }, sorted.map(([t, a]) => ({ ts: T0 + t, data: ethernet(vrrpIpv4(a), 0x0800) }))));
    return replayCapture(path).records;
  }
  const steps = (from: number, to: number, a: CraftAdvert): Array<[number, CraftAdvert]> => {
    const out: Array<[number, CraftAdvert]> = [];
    for (let t = from; t <= to; t++) out.push([t, a]);
    return out;
  };

  it('preempts the master at its first advert, though the old master advertises once more while the other group holds the new one silent', () => {
    // A (100) is master of X; C of the other group advertises every second from 0.5 s. B (150)
    // preempts A at 5.2 s; C's adverts hold B silent, so A's down timer runs out at 8.8 s: one
    // advert, answered by B's.
    const records = replay([...steps(0, 4, x(A, 100)), ...steps(0, 12, y).map(([t, a]): [number, CraftAdvert] => [t + 0.5, a]), [5.2, x(B, 150)], [8.8, x(A, 100)], [8.8, x(B, 150)], [9.8, x(B, 150)], [10.8, x(B, 150)]]);
    expect(of(records, 'transition').filter((t) => t.vrid === 51 && t.to !== C).map((t) => [t.to, t.from, Math.round((t.ts - T0) * 10) / 10, t.reason])).toEqual([
      [A, null, 0, 'first'],
      [B, A, 5.2, 'preempted'],
    ]);
    // A was master until B took over: held silent by C's adverts after its last one, no gap.
    expect(of(records, 'master').filter((m) => m.src === A).map((m) => Math.round((m.to - T0) * 10) / 10)).toEqual([4.5]);
    expect(of(records, 'gap').filter((g) => g.from === A)).toEqual([]);
  });

  it('does not take over while it advertises a lower priority than the master', () => {
    const records = replay([...steps(0, 10, x(A, 150)), ...steps(3, 8, x(B, 100)).map(([t, a]): [number, CraftAdvert] => [t + 0.3, a])]);
    expect(of(records, 'transition').map((t) => t.to)).toEqual([A]);
    expect(of(records, 'anomaly').map((a) => a.kind)).toEqual(['two-masters']);
  });

  it('takes over at once from an equal priority at a lower address, and not from one at a higher address', () => {
    // The old master advertises once more after the first advert of the new one.
    const takeover = (records: ReplayRecord[]) => of(records, 'transition').filter((t) => t.from !== null).map((t) => [t.to, Math.round((t.ts - T0) * 10) / 10]);
    expect(takeover(replay([...steps(0, 4, x(A, 100)), ...steps(0, 4, x(B, 100)).map(([t, a]): [number, CraftAdvert] => [t + 3.5, a])]))).toEqual([[B, 3.5]]);
    // A lower address waits for the master's silence: its run after the master's last advert.
    expect(takeover(replay([...steps(0, 4, x(B, 100)), ...steps(0, 4, x(A, 100)).map(([t, a]): [number, CraftAdvert] => [t + 3.5, a])]))).toEqual([[A, 4.5]]);
  });

  it("reads a master's own return after a silence as master again, not as a takeover from itself", () => {
    const records = replay([...steps(0, 3, x(A, 100)), ...steps(8, 10, x(A, 100))]);
    expect(of(records, 'transition').map((t) => [t.from, t.to])).toEqual([[null, A], [A, A]]);
    const text = formatTimeline(records, T0).join('\n');
    expect(text).toContain(`VRID 51  ${A} is master again (priority 100; after a silence of its own)`);
    expect(text).not.toContain('takes over');
  });
});
