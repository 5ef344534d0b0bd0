/**
 * keepalived 2.4's auth_hmac in the engine: the trailer an instance signs its adverts with, and
 * what it does with received ones, as keepalived 2.4.3's vrrp_auth_hmac.c / vrrp.c and its
 * recordings (captures/auth-hmac) show.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseConfigText } from '../../src/config/load.js';
import type { AuthHmac, KeepalivedConfig } from '../../src/config/model.js';
import { HmacState } from '../../src/engine/auth-hmac.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { withTrailer } from '../../src/wire/auth-hmac.js';
import type { ReceivedTrailer } from '../../src/wire/types.js';
import { Bench } from './harness.js';

const KEY1 = 'vrrplab-auth-hmac-key-one-0123456789';
const KEY1_HEX = Buffer.from(KEY1).toString('hex');
const WRONG_HEX = Buffer.from('wrong-key-wrong-key-wrong-key-wrong').toString('hex');
/** 2026-12-06 09:16:50 UTC: the wall clock the benches start at. */
const EPOCH = Date.UTC(2026, 11, 6, 9, 16, 50);

function config(block: string, extra = ''): KeepalivedConfig {
  const text = `vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority 100
  virtual_router_id 51
  advert_int 1
  ${extra}
  auth_hmac {
${block}
  }
  virtual_ipaddress {
    10.0.0.100/24
  }
}
`;
  const r = parseConfigText(text, 'k.conf', { keepalivedVersion: '2.4', scriptPath: () => true } as never);
  return r.config;
}

const ENFORCE = `    key 1 ${KEY1}\n    active_key 1`;

function bench(block = ENFORCE, extra = ''): Bench {
  return new Bench(config(block, extra), '10.0.0.1', { keepalivedVersion: '2.4' }).start(0, { wallClockOffsetMs: EPOCH });
}

/** A trailer as a peer with key 1 signs it at wall time `wallMs`. */
function signed(wallMs: number, over: Partial<ReceivedTrailer> = {}): ReceivedTrailer {
  const seq = HmacState.clockSeq(wallMs);
  return { extType: 1, keyId: 1, reserved: 0, seconds: Number(seq >> 32n), fraction: Number((seq >> 16n) & 0xffffn), counter: 0, signedWith: KEY1_HEX, ...over };
}

const ah = (over: Partial<AuthHmac> = {}): AuthHmac => ({ location: { file: 'k', line: 1 } as never, keys: [{ id: 1, hex: KEY1_HEX, location: { file: 'k', line: 1 } as never }], activeKey: 1, mode: 'enforce', antiReplay: 'time', timeWindowS: 5, ...over });

describe('auth_hmac signing (keepalived 2.4.3 vrrp_auth_hmac_sign, next_seq)', () => {
  it('signs every advert of an enforce instance with the active key and the wall clock: UTC seconds, a 1/65536 fraction and counter 0', () => {
    const b = bench().advance(4000);
    const sent = b.of('send-advert');
    expect(sent.length).toBeGreaterThanOrEqual(1);
    const first = sent[0]!;
    const wall = EPOCH + first.t;
    expect(first.hmac).toMatchObject({ keyId: 1, keyHex: KEY1_HEX, seconds: Math.floor(wall / 1000), counter: 0 });
    expect(first.hmac!.fraction).toBe(Math.floor((Math.floor((wall % 1000) * 1e6) * 65536) / 1e9));
    expect(Buffer.from(first.hmac!.key).toString()).toBe(KEY1);
  });

  it('takes the last sequence plus one when the clock has not moved past it, and restarts from the clock once it is more than the window ahead', () => {
    const s = new HmacState(ah());
    const a = s.sign(EPOCH)!;
    const b = s.sign(EPOCH)!;
    expect([a.counter, b.counter]).toEqual([0, 1]);
    expect(b.seconds).toBe(a.seconds);
    // The clock stepped back 3 s (within the 5 s window): the sequence keeps growing.
    expect(s.sign(EPOCH - 3000)).toMatchObject({ seconds: a.seconds, counter: 2 });
    // Back 10 s, beyond the window: the receivers would reject it, so it restarts from the clock.
    expect(s.sign(EPOCH - 10_000)).toMatchObject({ seconds: a.seconds - 10, counter: 0 });
    const m = new HmacState(ah({ antiReplay: 'monotonic', timeWindowS: 0 }));
    m.sign(EPOCH);
    expect(m.sign(EPOCH - 10_000)).toMatchObject({ seconds: a.seconds, counter: 1 });
  });

  it('sends no trailer in receive-only mode, and one in permissive mode', () => {
    expect(new HmacState(ah({ mode: 'receive-only' })).sign(EPOCH)).toBeNull();
    expect(new HmacState(ah({ mode: 'permissive' })).sign(EPOCH)).not.toBeNull();
    const ro = bench(`    key 1 ${KEY1}\n    mode receive-only\n    active_key 1`).advance(4500);
    expect(ro.of('send-advert').length).toBeGreaterThan(0);
    expect(ro.of('send-advert').every((a) => a.hmac === undefined)).toBe(true);
  });

  it('dates its trailers by the wall clock the wall-clock event sets (a step of +30 s)', () => {
    const b = bench().advance(3500);
    b.event(4000, { type: 'wall-clock', offsetMs: EPOCH + 30_000 });
    b.advance(5600);
    const after = b.of('send-advert', 4001)[0]!;
    expect(after.hmac!.seconds).toBe(Math.floor((EPOCH + 30_000 + after.t) / 1000));
  });
});

describe('auth_hmac receiving (keepalived 2.4.3 vrrp_auth_ext_verify, vrrp_auth_hmac_check)', () => {
  it('a BACKUP follows a higher-priority master whose adverts verify, and logs nothing', () => {
    const b = bench();
    for (let t = 500; t <= 6500; t += 1000) b.receive(t, { priority: 150, hmac: signed(EPOCH + t) });
    expect(b.state()).toBe('BACKUP');
    expect(b.logs().filter((l) => l.includes('authentication'))).toEqual([]);
  });

  it('in enforce mode rejects an advert without a trailer ("missing authentication trailer") and takes over; permissive and receive-only accept it', () => {
    const e = bench();
    for (let t = 500; t <= 6500; t += 1000) e.receive(t, { priority: 150 });
    expect(e.logs()).toContain('(VI_1) missing authentication trailer from 10.0.0.2');
    expect(e.state()).toBe('MASTER');
    expect(e.snap().stats.advert_rcvd).toBe(0);
    for (const mode of ['permissive', 'receive-only']) {
      const p = bench(`    key 1 ${KEY1}\n    mode ${mode}\n    active_key 1`);
      for (let t = 500; t <= 6500; t += 1000) p.receive(t, { priority: 150 });
      expect(p.state(), mode).toBe('BACKUP');
      expect(p.logs().filter((l) => l.includes('authentication')), mode).toEqual([]);
    }
  });

  it('rejects an unknown key id, a wrong HMAC and a malformed trailer with keepalived 2.4.3\'s lines', () => {
    const cases: [Partial<ReceivedTrailer>, string][] = [
      [{ keyId: 2 }, '(VI_1) unknown authentication key id 2 from 10.0.0.2'],
      [{ signedWith: WRONG_HEX }, '(VI_1) invalid authentication HMAC from 10.0.0.2'],
      [{ extType: 2 }, '(VI_1) malformed authentication trailer from 10.0.0.2'],
    ];
    for (const [over, line] of cases) {
      const b = bench();
      for (let t = 500; t <= 6500; t += 1000) b.receive(t, { priority: 150, hmac: signed(EPOCH + t, over) });
      expect(b.state(), line).toBe('MASTER');
      expect(b.logs(), line).toContain(line);
    }
  });

  it('rejects a trailer whose time is more than the window away (stale, skew in whole seconds), before looking at its key', () => {
    const b = bench();
    b.receive(500, { priority: 150, hmac: signed(EPOCH + 500 + 30_000, { keyId: 9 }) });
    expect(b.logs()).toContain('(VI_1) stale authentication trailer from 10.0.0.2, clock skew -30 sec exceeds window 5 sec');
    const ok = bench();
    ok.receive(500, { priority: 150, hmac: signed(EPOCH + 500 + 5_000) });
    expect(ok.logs().filter((l) => l.includes('stale'))).toEqual([]);
    expect(ok.logs()).toContain('(VI_1) authentication clock skew -5 sec from 10.0.0.2 approaching window 5 sec');
    expect(ok.snap().stats.advert_rcvd).toBe(1);
  });

  it('rejects a replayed trailer (a sequence not after the sender\'s last) but not the same one from another sender', () => {
    const b = bench();
    const t1 = signed(EPOCH + 500);
    b.receive(500, { priority: 150, hmac: t1 });
    b.receive(1500, { priority: 150, hmac: signed(EPOCH + 1500) });
    b.receive(2000, { priority: 150, hmac: t1 });
    expect(b.logs()).toContain('(VI_1) replayed authentication trailer from 10.0.0.2');
    expect(b.snap().stats.advert_rcvd).toBe(2);
    expect(b.snap().authExt).toMatchObject({ auth_ext_replay: 1, auth_ext_invalid_hmac: 0 });
    const other = bench();
    other.receive(500, { priority: 150, hmac: t1 });
    other.receive(600, { priority: 150, hmac: t1, src: '10.0.0.3' });
    expect(other.logs().filter((l) => l.includes('replayed'))).toEqual([]);
  });

  it('a rejected (forged) advert re-arms a MASTER\'s advert timer as any packet it reads (keepalived 2.4.3 in the lab: its next advert 1.0002-1.0007 s after each)', () => {
    const b = bench().advance(4000);
    expect(b.state()).toBe('MASTER');
    const forged = [4455, 5465, 6475];
    for (const t of forged) b.receive(t, { priority: 200, hmac: signed(EPOCH + t, { signedWith: WRONG_HEX }) });
    b.advance(8000);
    const sent = b.sent('VI_1', 4400).map((s) => s.t);
    for (const t of forged) expect(sent.find((s) => s > t)).toBe(t + 1000);
    // One line for the three: rate limited while it stays MASTER (lab: one line for five).
    expect(b.logs().filter((l) => l === '(VI_1) invalid authentication HMAC from 10.0.0.2')).toHaveLength(1);
    expect(b.state()).toBe('MASTER');
  });

  it('verifies a trailer on the bytes (IPv4 VRRPv2 built with the wire codec): the right key is accepted, another rejected', () => {
    const advert = { version: 2 as const, vrid: 51, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 4 as const, addresses: ['10.0.0.100'] };
    const good = bench();
    const wrong = bench();
    for (let t = 500; t <= 6500; t += 1000) {
      const s = signed(EPOCH + t);
      const fields = { keyId: 1, seconds: s.seconds, fraction: s.fraction, counter: 0 };
      const ip = buildAdvertPacket(advert, { src: '10.0.0.2' });
      good.event(t, { type: 'packet', iface: 'eth0', packet: withTrailer(ip, fields, Buffer.from(KEY1)) });
      wrong.event(t, { type: 'packet', iface: 'eth0', packet: withTrailer(ip, fields, Buffer.from('wrong-key-wrong-key-wrong-key-wrong')) });
    }
    expect(good.state()).toBe('BACKUP');
    expect(good.logs().filter((l) => l.includes('authentic') || l.includes('checksum') || l.includes('too'))).toEqual([]);
    expect(wrong.state()).toBe('MASTER');
    expect(wrong.logs()).toContain('(VI_1) invalid authentication HMAC from 10.0.0.2');
  });

  it('takes a wrong HMAC first where the checksum is bad too (2.4.3 authenticates before it checks the checksum): one line, one counter', () => {
    const advert = { version: 2 as const, vrid: 51, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 4 as const, addresses: ['10.0.0.100'] };
    const b = bench();
    const s = signed(EPOCH + 500);
    const ip = withTrailer(buildAdvertPacket(advert, { src: '10.0.0.2' }), { keyId: 1, seconds: s.seconds, fraction: s.fraction, counter: 0 }, Buffer.from('wrong-key-wrong-key-wrong-key-wrong'));
    ip[20 + 6] ^= 0xff; // the VRRP checksum
    b.event(500, { type: 'packet', iface: 'eth0', packet: ip });
    expect(b.logs().filter((l) => !/removing VIPs|Entering/.test(l))).toEqual(['(VI_1) invalid authentication HMAC from 10.0.0.2']);
    expect(b.snap().stats).toMatchObject({ chk_err: 0, advert_rcvd: 0 });
    expect(b.snap().authExt).toMatchObject({ auth_ext_invalid_hmac: 1 });
  });

  it('an instance without auth_hmac drops an advert with a trailer as 28 bytes too long (captures/auth-hmac/mixed)', () => {
    const text = 'vrrp_instance VI_1 {\n interface eth0\n state BACKUP\n priority 100\n virtual_router_id 51\n advert_int 1\n virtual_ipaddress {\n 10.0.0.100/24\n }\n}\n';
    const plain = new Bench(parseConfigText(text, 'k.conf', { keepalivedVersion: '2.4' } as never).config, '10.0.0.1', { keepalivedVersion: '2.4' }).start(0, { wallClockOffsetMs: EPOCH });
    plain.receive(500, { priority: 150, hmac: signed(EPOCH + 500) });
    expect(plain.logs()).toContain('(VI_1) vrrp packet from 10.0.0.2 too long, length 68 and expect 40');
  });
});

describe('keepalived 2.4\'s rate-limited rejection lines, in its words', () => {
  const text = 'vrrp_instance VI_1 {\n interface eth0\n state BACKUP\n priority 100\n virtual_router_id 51\n advert_int 1\n virtual_ipaddress {\n 10.0.0.100/24\n }\n}\n';
  it('2.4 logs a kind of rejection once until the instance changes state; 2.2 logs every one', () => {
    const lines = (version: '2.2' | '2.4'): string[] => {
      const b = new Bench(parseConfigText(text, 'k.conf', { keepalivedVersion: version } as never).config, '10.0.0.1', { keepalivedVersion: version }).start(0);
      for (let t = 500; t <= 3000; t += 500) b.receive(t, { priority: 150, ttl: 64 });
      b.advance(8000);
      for (let t = 8100; t <= 9000; t += 300) b.receive(t, { priority: 150, ttl: 64 });
      return b.logs().filter((l) => l.includes('TTL'));
    };
    expect(lines('2.2')).toHaveLength(10);
    expect(lines('2.2')[0]).toBe('(VI_1) invalid TTL/HL. Received 64 and expect 255');
    // Once as BACKUP, once again after becoming MASTER (the flags are cleared then), naming the sender.
    expect(lines('2.4')).toEqual(Array(2).fill('(VI_1) invalid TTL/HL from 10.0.0.2. Received 64 and expect 255'));
  });
});

describe('auth_hmac verification on any trailer', () => {
  it('never throws and accepts only a trailer signed with its key inside the window', () => {
    fc.assert(
      fc.property(
        fc.record({ extType: fc.oneof(fc.constant(1), fc.nat(255)), keyId: fc.oneof(fc.constant(1), fc.nat(255)), reserved: fc.oneof(fc.constant(0), fc.nat(65535)), seconds: fc.oneof(fc.nat(0xffffffff), fc.integer({ min: Math.floor(EPOCH / 1000) - 8, max: Math.floor(EPOCH / 1000) + 8 })), fraction: fc.nat(65535), counter: fc.nat(65535), signedWith: fc.constantFrom(KEY1_HEX, WRONG_HEX) }),
        (trailer) => {
          const s = new HmacState(ah());
          const out = s.verify({ instance: 'VI_1', src: '10.0.0.2', trailer, unicastPeers: undefined, wallMs: EPOCH, hmacOk: (hex) => trailer.signedWith === hex });
          const fresh = Math.abs(Math.floor(EPOCH / 1000) - trailer.seconds) <= 5;
          expect(out.verdict === 'ok').toBe(trailer.extType === 1 && trailer.reserved === 0 && fresh && trailer.keyId === 1 && trailer.signedWith === KEY1_HEX);
        },
      ),
    );
  });
});

describe('auth_hmac across a reload', () => {
  it('a MASTER\'s reload adverts (old settings, then new, at one instant) carry growing sequences, the active key of each', () => {
    const b = bench(`    key 1 ${KEY1}\n    key 2 ${KEY1}-two\n    active_key 1`).advance(4500);
    expect(b.state()).toBe('MASTER');
    const next = config(`    key 1 ${KEY1}\n    key 2 ${KEY1}-two\n    active_key 2`);
    // The old-settings advert as the reload begins; the new-settings one when its timer, due at once, fires.
    const actions = [...b.engine.reload(5000, next), ...b.engine.handleTimeout(5000)];
    const sent = actions.flatMap((a) => (a.type === 'send-advert' ? [a.hmac!] : []));
    expect(sent[0]!.keyId).toBe(1);
    expect(sent.at(-1)!.keyId).toBe(2);
    const seq = (h: { seconds: number; fraction: number; counter: number }): bigint => (BigInt(h.seconds) << 32n) | (BigInt(h.fraction) << 16n) | BigInt(h.counter);
    for (let i = 1; i < sent.length; i++) expect(seq(sent[i]!) > seq(sent[i - 1]!), `advert ${i}`).toBe(true);
  });
});

describe("keepalived 2.4's VIP checks", () => {
  const text = 'vrrp_instance VI_1 {\n interface eth0\n state BACKUP\n priority 100\n virtual_router_id 51\n advert_int 1\n virtual_ipaddress {\n 10.0.0.100/24\n }\n}\n';
  const run = (version: '2.2' | '2.4', addresses: string[]): Bench => {
    const b = new Bench(parseConfigText(text, 'k.conf', { keepalivedVersion: version } as never).config, '10.0.0.1', { keepalivedVersion: version }).start(0);
    for (let t = 500; t <= 6500; t += 1000) b.receive(t, { priority: 150, advert: { addresses } });
    return b;
  };

  it('2.4 logs another number of VIPs ("expected 1 VIPs but received 2") and follows the master; 2.2 rejects it', () => {
    const b = run('2.4', ['10.0.0.100', '10.0.0.101']);
    expect(b.state()).toBe('BACKUP');
    expect(b.logs().filter((l) => l.includes('VIPs but'))).toEqual(['(VI_1) expected 1 VIPs but received 2', '(VI_1) expected 1 VIPs but received 2']);
    expect(b.snap().stats).toMatchObject({ addr_list_err: 7, advert_rcvd: 7 });
    expect(run('2.2', ['10.0.0.100', '10.0.0.101']).state()).toBe('MASTER');
  });

  it('2.4 says nothing of an advert with the same VIPs in another order', () => {
    const b = new Bench(parseConfigText(text.replace(' 10.0.0.100/24\n', ' 10.0.0.100/24\n 10.0.0.101/24\n'), 'k.conf', { keepalivedVersion: '2.4' } as never).config, '10.0.0.1', { keepalivedVersion: '2.4' }).start(0);
    for (let t = 500; t <= 3500; t += 1000) b.receive(t, { priority: 150, advert: { addresses: ['10.0.0.101', '10.0.0.100'] } });
    expect(b.logs().filter((l) => l.includes('VIPs but') || l.includes('not present'))).toEqual([]);
    expect(b.snap().stats.addr_list_err).toBe(0);
  });
});

describe("keepalived 2.4.3's wording of the other rejection lines", () => {
  const text = 'vrrp_instance VI_1 {\n interface eth0\n state BACKUP\n priority 100\n virtual_router_id 51\n advert_int 1\n authentication {\n auth_type PASS\n auth_pass secret\n }\n virtual_ipaddress {\n 10.0.0.100/24\n }\n}\n';
  const first = (version: '2.2' | '2.4', advert: Partial<import('../../src/wire/types.js').VrrpAdvert>): string | undefined => {
    const b = new Bench(parseConfigText(text, 'k.conf', { keepalivedVersion: version } as never).config, '10.0.0.1', { keepalivedVersion: version }).start(0);
    b.receive(500, { priority: 150, advert });
    return b.logs().find((l) => !/removing VIPs|Entering/.test(l));
  };
  it('names the sender where 2.4.3 does (vrrp.c), and leaves 2.2.7\'s lines as they were', () => {
    expect(first('2.4', { auth: 'wrong' })).toBe('(VI_1) received an invalid passwd from 10.0.0.2!');
    expect(first('2.2', { auth: 'wrong' })).toBe('(VI_1) received an invalid passwd!');
    expect(first('2.4', { advertIntervalMs: 2000 })).toBe("(VI_1) advertisement interval mismatch with 10.0.0.2 mine=1 sec rcv'd=2 sec");
    expect(first('2.4', { authType: 0, auth: '' })).toBe('(VI_1) received a 0 auth from 10.0.0.2, expecting 1!');
  });
});

describe('auth_hmac with unicast peers', () => {
  it('keeps replay state per peer and rejects a signed advert from an address that is no peer ("not a unicast peer"), IPv6 peers compared as addresses', () => {
    const s = new HmacState(ah());
    const at = (src: string, trailer: ReceivedTrailer, peers: string[]) => s.verify({ instance: 'VI_1', src, trailer, unicastPeers: peers, wallMs: EPOCH, hmacOk: (hex) => trailer.signedWith === hex }).verdict;
    const peers = ['fd00:0:0::2', '10.0.0.3'];
    expect(at('fd00::2', signed(EPOCH), peers)).toBe('ok');
    expect(at('fd00::2', signed(EPOCH), peers)).toBe('auth-replay');
    expect(at('10.0.0.3', signed(EPOCH), peers)).toBe('ok');
    expect(at('10.0.0.9', signed(EPOCH), peers)).toBe('auth-not-peer');
  });
});
