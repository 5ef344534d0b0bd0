/**
 * Malformed and foreign packets reaching the engine as bytes (the 'packet' event), with the effect
 * keepalived 2.2.7 gives each on timers, counters and log lines (vrrp_dispatcher_read(),
 * vrrp_check_packet()); measured against keepalived in test/lab/hostile.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { HostEngine } from '../../src/engine/host.js';
import { forgePacket, PACKET_KINDS, type PacketKind } from '../../src/wire/forge.js';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const MDI_100 = 3609.375;
const auth = { type: 'PASS' as const, password: 'labpass1' };

function packet(kind: PacketKind, priority = 100, index = 0): Uint8Array {
  return forgePacket({ kind, src: '10.0.0.3', vrid: 51, priority, password: 'labpass1', advertIntervalMs: 1000, addresses: ['10.0.0.100'], seed: 7 }, index);
}

function master(options: { hardenedReceive?: boolean } = {}): Bench {
  const bench = new Bench(config({ instances: [instance({ authentication: auth })] }));
  if (options.hardenedReceive) (bench as { engine: HostEngine }).engine = new HostEngine(bench.config, { interfaceAddresses: { eth0: '10.0.0.1' } }, options);
  return bench.start(0).advance(MDI_100);
}

/** keepalived's reject line for each kind, on a PASS instance expecting 1 address. */
const REJECT_LINE: Record<Exclude<PacketKind, 'valid' | 'random'>, string> = {
  'wrong-password': '(VI_1) received an invalid passwd!',
  'ttl-64': '(VI_1) invalid TTL/HL. Received 64 and expect 255',
  'bad-checksum': '(VI_1) Invalid VRRPv2 checksum',
  'no-auth': '(VI_1) received a 0 auth, expecting 1!',
  'wrong-interval': "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec",
  'vrrp-v3': '(VI_1) wrong version. Received 3 and expect 2',
  truncated: 'IPv4 VRRP packet too short - 24 bytes',
  'count-mismatch': '(VI_1) vrrp packet too short, length 40 and expect 44',
};

describe('a MASTER receiving malformed or foreign packets as bytes', () => {
  for (const kind of Object.keys(REJECT_LINE) as (keyof typeof REJECT_LINE)[]) {
    it(`logs keepalived's line for ${kind} and stays MASTER`, () => {
      const bench = master();
      bench.event(4000, { type: 'packet', iface: 'eth0', packet: packet(kind) });
      expect(bench.logs()).toContain(REJECT_LINE[kind]);
      expect(bench.state()).toBe('MASTER');
    });
  }

  for (const kind of ['wrong-password', 'ttl-64', 'bad-checksum', 'no-auth', 'wrong-interval', 'vrrp-v3', 'count-mismatch'] as const) {
    it(`puts off its next advert by one interval after each ${kind} packet, as keepalived re-arms the timer after any packet for the VRID`, () => {
      const bench = master();
      const before = bench.sent().length;
      bench.event(4300, { type: 'packet', iface: 'eth0', packet: packet(kind) });
      bench.event(4900, { type: 'packet', iface: 'eth0', packet: packet(kind) });
      bench.advance(6500);
      expect(bench.sent().slice(before).map((s) => s.t)).toEqual([5900]);
    });
  }

  it('is not delayed by truncated packets: vrrp_get_header() rejects them before any instance is looked up', () => {
    const bench = master();
    const before = bench.sent().length;
    bench.event(4300, { type: 'packet', iface: 'eth0', packet: packet('truncated') });
    bench.advance(5000);
    expect(bench.sent().slice(before).map((s) => s.t)).toEqual([4609.375]);
    expect(bench.engine.receiveDrops.truncated).toBe(1);
  });

  it('is not delayed by random bytes whose VRID is not its own', () => {
    const bench = master();
    const before = bench.sent().length;
    let index = 0;
    for (let t = 3700; t < 6000; t += 100, index++) {
      const bytes = packet('random', 100, index);
      if (bytes[21] === 51) continue;
      bench.event(t, { type: 'packet', iface: 'eth0', packet: bytes });
    }
    bench.advance(6000);
    expect(bench.sent().slice(before).map((s) => s.t)).toEqual([4609.375, 5609.375]);
  });

  it('counts each rejected packet in keepalived\'s stats counter and in receiveDrops', () => {
    const bench = master();
    for (const [i, kind] of (['wrong-password', 'ttl-64', 'bad-checksum', 'no-auth', 'count-mismatch'] as const).entries()) {
      bench.event(3700 + i, { type: 'packet', iface: 'eth0', packet: packet(kind) });
    }
    const stats = bench.snap().stats;
    expect([stats.auth_failure, stats.ip_ttl_err, stats.chk_err, stats.authtype_mismatch, stats.packet_len_err]).toEqual([1, 1, 1, 1, 1]);
    expect(bench.engine.receiveDrops).toMatchObject({ 'auth-mismatch': 1, 'bad-ttl': 1, 'bad-checksum': 1, 'auth-type-mismatch': 1, 'bad-length': 1 });
  });

  it('answers a valid lower-priority advert at once, as keepalived does ("forcing new election")', () => {
    const bench = master();
    bench.event(4000, { type: 'packet', iface: 'eth0', packet: packet('valid', 50) });
    expect(bench.sent(undefined, 4000).map((s) => s.t)).toEqual([4000]);
  });

  it('steps down for a valid higher-priority advert handed in as bytes', () => {
    const bench = master();
    bench.event(4000, { type: 'packet', iface: 'eth0', packet: packet('valid', 200) });
    expect(bench.state()).toBe('BACKUP');
  });

  it('with hardenedReceive, keeps advertising every interval through a stream of every invalid kind', () => {
    const bench = master({ hardenedReceive: true });
    const before = bench.sent().length;
    let t = 3700;
    for (let round = 0; round < 30; round++) {
      for (const kind of PACKET_KINDS) {
        if (kind === 'valid') continue;
        bench.event(t, { type: 'packet', iface: 'eth0', packet: packet(kind, 100, round) });
        t += 10;
      }
    }
    bench.advance(t);
    const times = bench.sent().slice(before).map((s) => s.t);
    expect(times.length).toBeGreaterThan(0);
    expect(times[0]).toBe(4609.375);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(1000);
  });
});

describe('a BACKUP receiving malformed or foreign packets as bytes', () => {
  it('keeps its down timer running: a flood of rejected packets does not keep it from taking over', () => {
    const bench = new Bench(config({ instances: [instance({ authentication: auth, priority: 100 })] })).start(0);
    bench.event(100, { type: 'packet', iface: 'eth0', packet: packet('valid', 150) });
    for (let t = 200; t < 4000; t += 50) bench.event(t, { type: 'packet', iface: 'eth0', packet: packet('wrong-password') });
    // Master_Down_Interval from the last valid advert at 100 ms.
    expect(bench.transitions().filter((x) => x.to === 'MASTER').map((x) => x.t)).toEqual([100 + MDI_100]);
  });

  it('never throws on any byte string', () => {
    const bench = new Bench(config({ instances: [instance({ authentication: auth })] })).start(0).advance(MDI_100);
    let seed = 1;
    for (let i = 0; i < 2000; i++) {
      const length = (seed = (seed * 1103515245 + 12345) >>> 0) % 80;
      const bytes = new Uint8Array(length);
      for (let j = 0; j < length; j++) bytes[j] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      if (length > 0) bytes[0] = 0x45;
      if (length > 9) bytes[9] = 112;
      if (length > 21) bytes[21] = 51;
      expect(() => bench.event(4000 + i, { type: 'packet', iface: 'eth0', packet: bytes })).not.toThrow();
    }
  });
});
