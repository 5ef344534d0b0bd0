/**
 * An IPv6-only VRRPv3 pair over unicast, recorded with keepalived 2.2.7 (captures/ipv6-unicast, made
 * by how-made/ipv6-unicast.sh) and with `vrrplab run` in A's place (captures/ipv6-unicast-vrrplab):
 * B (fd44::b, 100) master alone, A (fd44::a, 150) preempts it, A stops (priority 0), B takes over
 * again. keepalived's IPv6 unicast adverts carry the kernel's hop limit, 64, and keepalived accepts
 * them: it checks the TTL / hop limit of multicast adverts only (vrrp_check_packet), so decode,
 * replay and compare must not call them malformed (issue 23).
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { registerDecode } from '../../src/cli/commands/decode.js';
import { compareCapture } from '../../src/compare/capture.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture } from '../../src/replay/replay.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';

const RUNS = ['ipv6-unicast', 'ipv6-unicast-vrrplab'] as const;
const dir = (run: string) => resolve(import.meta.dirname, '../../captures', run);

async function decodeJson(path: string): Promise<{ src: string; dst: string; ttl: number; priority: number; verdict: string }[]> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; });
  try {
    const program = new Command().exitOverride();
    registerDecode(program);
    await program.parseAsync(['node', 'vrrplab', 'decode', '--json', path]);
  } finally {
    write.mockRestore();
  }
  return out.join('').trim().split('\n').map((l) => JSON.parse(l) as { src: string; dst: string; ttl: number; priority: number; verdict: string });
}

const of = <K extends ReplayRecord['type']>(records: ReplayRecord[], type: K) =>
  records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);

for (const run of RUNS) {
  describe(`the IPv6 unicast pair of captures/${run}`, () => {
    it('decodes every advert as well-formed, at the hop limit 64 each side sent, each from its unicast_src_ip', async () => {
      const adverts = await decodeJson(join(dir(run), 'capture.pcap'));
      expect(adverts).toHaveLength(16);
      expect(new Set(adverts.map((a) => a.verdict))).toEqual(new Set(['ok']));
      expect(new Set(adverts.map((a) => a.ttl))).toEqual(new Set([64]));
      expect(new Set(adverts.map((a) => `${a.src}>${a.dst}`))).toEqual(new Set(['fd44::a>fd44::b', 'fd44::b>fd44::a']));
    });

    it('replays B, A and B again as masters with no TTL anomaly', () => {
      const records = replayCapture(join(dir(run), 'capture.pcap')).records;
      expect(of(records, 'master').map((m) => m.src)).toEqual(['fd44::b', 'fd44::a', 'fd44::b']);
      expect(of(records, 'anomaly')).toEqual([]);
      expect(of(records, 'summary')[0]!.anomalies).toEqual({});
    });

    for (const host of ['A', 'B']) {
      it(`compares host ${host} with the engine: every advert and state change matched`, () => {
        const outcome = compareCapture({ capture: join(dir(run), 'capture.pcap'), config: join(dir(run), `${host}.conf`), host, events: join(dir(run), 'events.json') });
        expect(outcome.ok).toBe(true);
        if (!outcome.ok) return;
        const r = outcome.report;
        expect(r.mismatches).toEqual([]);
        expect(r.adverts.recorded).toBe(host === 'A' ? 5 : 11);
        expect(r.adverts.matched).toBe(r.adverts.recorded);
        expect(r.pass).toBe(true);
      });
    }
  });
}

describe('VRRPv2 over IPv6 (captures/ipv6-version-2: both instances `version 2`, keepalived 2.2.7 keeps it)', () => {
  it('decodes keepalived\'s VRRPv2 adverts over IPv6 as well-formed: 8 + 16 bytes an address, no auth bytes, a checksum over the IPv6 pseudo-header', async () => {
    const adverts = await decodeJson(join(dir('ipv6-version-2'), 'capture.pcap')) as unknown as { version: number; verdict: string; checksumVariant: string; addresses: string[] }[];
    expect(adverts.length).toBeGreaterThanOrEqual(14);
    expect(new Set(adverts.map((a) => `${a.version} ${a.verdict} ${a.checksumVariant} ${a.addresses.join(',')}`))).toEqual(new Set(['2 ok rfc fe80::61,fd44::61']));
  });

  for (const host of ['A', 'B']) {
    it(`compares host ${host} with the engine running it as VRRPv2 over IPv6: every advert and state change matched`, () => {
      const outcome = compareCapture({ capture: join(dir('ipv6-version-2'), 'capture.pcap'), config: join(dir('ipv6-version-2'), `${host}.conf`), host, events: join(dir('ipv6-version-2'), 'events.json') });
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.report.mismatches).toEqual([]);
      expect(outcome.report.adverts.matched).toBe(outcome.report.adverts.recorded);
      expect(outcome.report.adverts.recorded).toBe(host === 'A' ? 5 : 11);
      expect(outcome.report.pass).toBe(true);
    });
  }
});

describe('the logs of the IPv6 unicast pair', () => {
  it('show keepalived accepting the hop limit 64 adverts: B discards A\'s lower priority, no "invalid TTL/HL"', () => {
    const a = readFileSync(join(dir('ipv6-unicast'), 'A.log'), 'utf8');
    const b = readFileSync(join(dir('ipv6-unicast'), 'B.log'), 'utf8');
    expect(a).toContain('(V6) received lower priority (100) advert from fd44::b - discarding');
    expect(b).toContain('(V6) Master received advert from fd44::a with higher priority 150, ours 100');
    expect(a + b).not.toMatch(/invalid TTL|TTL\/HL/);
  });
});

describe('simulate on the recorded IPv6 unicast run (captures/ipv6-unicast/scenario.yaml: its events.json as a timeline)', () => {
  it('elects as keepalived did: B, then A preempting, then B after A resigns, each within 60 ms of the capture', () => {
    const loaded = loadScenario(join(dir('ipv6-unicast'), 'scenario.yaml'));
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    const outcome = runScenario(loaded.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const masters = outcome.result.records.flatMap((r) => (r.type === 'transition' && r.to === 'MASTER' ? [{ host: r.host, t: r.t }] : []));
    // The capture's first advert of each master, seconds after captureStart.
    const recorded = [{ host: 'B', t: 3.625 }, { host: 'A', t: 7.952 }, { host: 'B', t: 12.128 }];
    expect(masters.map((m) => m.host)).toEqual(recorded.map((m) => m.host));
    // The first two differ by start-up time (keepalived's 13-30 ms here, the model's 70 ms).
    masters.forEach((m, i) => expect(Math.abs(m.t - recorded[i]!.t), `${m.host} at ${m.t}`).toBeLessThan(0.06));
    // The takeover after A's priority 0 advert does not depend on start-up: within 20 ms.
    expect(Math.abs(masters[2]!.t - recorded[2]!.t)).toBeLessThan(0.02);
    expect(outcome.result.findings.filter((f) => f.byDesign !== true)).toEqual([]);
  });
});
