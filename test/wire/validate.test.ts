/** Receive validation: one verdict per fault, keepalived 2.2.7's order, counters and log wording. */
import { describe, expect, it } from 'vitest';
import type { VrrpAdvert } from '../../src/wire/types.js';
import { internetChecksum, sumWords, finishChecksum } from '../../src/wire/checksum.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { decodeAdvertPacket, verdictLogLine } from '../../src/wire/decode.js';
import { newVrrpStats, formatVrrpStats } from '../../src/wire/stats.js';
import {
  checkAdvertForInstance, checkVrrpPacket, compileExpectation, recordVerdict, shouldCheckAddresses,
  validateAdvertPacket, verdictInfo, VERDICTS, type AdvertExpectation, type Verdict,
} from '../../src/wire/validate.js';

const advert: VrrpAdvert = { version: 2, vrid: 125, priority: 104, authType: 1, auth: '1e3459f7', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.10'] };
const instance: AdvertExpectation = { version: 2, vrid: 125, family: 4, authType: 1, auth: '1e3459f77aba4ded', advertIntervalMs: 1000, addresses: ['172.16.25.10'] };
const SRC = '172.16.25.2';

/** Recomputes the VRRPv2 checksum of an IPv4 packet with a 20-byte header. */
function fixV2Checksum(ip: Uint8Array): Uint8Array {
  ip[26] = 0; ip[27] = 0;
  const sum = internetChecksum(ip, 20, ip.length);
  ip[26] = sum >> 8; ip[27] = sum & 0xff;
  return ip;
}

/** Verdict from both paths (decoded + per-instance, and the byte-level one); they must agree. */
function verdictOf(ip: Uint8Array, exp: AdvertExpectation = instance): Verdict {
  const whole = validateAdvertPacket(ip, compileExpectation(exp));
  const d = decodeAdvertPacket(ip);
  const split: Verdict = d === null ? 'not-vrrp' : d.verdict !== 'ok' && !(d.verdict === 'bad-ttl' && exp.unicast) ? d.verdict : checkAdvertForInstance(d.received!, exp);
  expect(split, 'split path agrees with the whole path').toBe(whole);
  return whole;
}

const packet = (a: Partial<VrrpAdvert> = {}, o: { dst?: string; ttl?: number; src?: string } = {}) =>
  buildAdvertPacket({ ...advert, ...a }, { src: o.src ?? SRC, dst: o.dst, ttl: o.ttl });

describe('an advert from the peer it expects', () => {
  it('is ok and bumps advert_rcvd', () => {
    expect(verdictOf(packet())).toBe('ok');
    const s = newVrrpStats();
    recordVerdict(s, 'ok', 104);
    expect(s.advert_rcvd).toBe(1);
  });

  it('with priority 0 also bumps pri_zero_rcvd', () => {
    expect(verdictOf(packet({ priority: 0 }))).toBe('ok');
    const s = newVrrpStats();
    recordVerdict(s, 'ok', 0);
    expect([s.advert_rcvd, s.pri_zero_rcvd]).toEqual([1, 1]);
  });

  it('matches a configured password longer than 8 characters on its first 8 bytes, as keepalived truncates it', () => {
    expect(verdictOf(packet({ auth: '1e3459f7' }), { ...instance, auth: '1e3459f7-anything' })).toBe('ok');
  });
});

describe('each fault gets its own verdict', () => {
  const cases: [string, Uint8Array, Verdict, AdvertExpectation?][] = [
    ['another VRID', packet({ vrid: 1 }), 'unknown-vrid'],
    ['a TTL other than 255', packet({}, { ttl: 64 }), 'bad-ttl'],
    ['VRRPv3 to a v2 instance', packet({ version: 3, authType: 0, auth: '' }), 'bad-version'],
    ['auth type 3', packet({ authType: 3 }), 'invalid-auth-type'],
    ['no auth to a PASS instance', packet({ authType: 0, auth: '' }), 'auth-type-mismatch'],
    ['the wrong password', packet({ auth: 'guessed' }), 'auth-mismatch'],
    ['a 2 s interval to a 1 s v2 instance', packet({ advertIntervalMs: 2000 }), 'interval-mismatch'],
    ['two addresses where one is configured', packet({ addresses: ['172.16.25.10', '172.16.25.99'] }), 'address-count-mismatch'],
    ['another address', packet({ addresses: ['172.16.25.99'] }), 'address-list-mismatch'],
    ['a unicast destination to a multicast instance', packet({}, { dst: '172.16.25.1' }), 'unicast-multicast-mismatch'],
    ['a multicast destination to a unicast instance', packet(), 'unicast-multicast-mismatch', { ...instance, unicast: true }],
    ['a source that is not a unicast peer', packet({}, { dst: '172.16.25.1' }), 'unicast-peer-mismatch',
      { ...instance, unicast: true, checkUnicastSrc: true, unicastPeers: ['172.16.25.3'] }],
    ['a TTL under its peer\'s min_ttl', packet({}, { dst: '172.16.25.1', ttl: 64 }), 'ttl-out-of-range',
      { ...instance, unicast: true, checkUnicastSrc: true, unicastPeers: ['172.16.25.3', SRC], unicastPeerTtl: [{ min: 0, max: 255 }, { min: 100, max: 255 }] }],
    ['a TTL over its peer\'s max_ttl', packet({}, { dst: '172.16.25.1', ttl: 255 }), 'ttl-out-of-range',
      { ...instance, unicast: true, checkUnicastSrc: true, unicastPeers: [SRC], unicastPeerTtl: [{ min: 0, max: 254 }] }],
  ];
  for (const [what, ip, verdict, exp] of cases) {
    it(`${what} is ${verdict}`, () => expect(verdictOf(ip, exp)).toBe(verdict));
  }

  it('a wrong checksum is bad-checksum', () => {
    const ip = packet();
    ip[27] ^= 1;
    expect(checkVrrpPacket(ip)).toBe('bad-checksum');
    expect(verdictOf(ip)).toBe('bad-checksum');
  });

  it('a type other than advertisement is bad-type', () => {
    const ip = packet();
    ip[20] = 0x22;
    fixV2Checksum(ip);
    expect(checkVrrpPacket(ip)).toBe('bad-type');
    expect(verdictOf(ip)).toBe('bad-type');
  });

  it('an address count that disagrees with the length is bad-length', () => {
    const ip = packet();
    ip[23] = 2;
    fixV2Checksum(ip);
    expect(checkVrrpPacket(ip)).toBe('bad-length');
    expect(verdictOf(ip)).toBe('bad-length');
  });

  it('a packet cut inside the VRRP header is truncated, and one of another protocol is not VRRP', () => {
    expect(checkVrrpPacket(packet().subarray(0, 25))).toBe('truncated');
    const icmp = packet();
    icmp[9] = 1;
    expect(checkVrrpPacket(icmp)).toBe('not-vrrp');
    expect(decodeAdvertPacket(icmp)).toBeNull();
  });
});

describe('skipped checks', () => {
  it('a unicast instance does not check the TTL', () => {
    expect(verdictOf(packet({}, { dst: '172.16.25.1', ttl: 3 }), { ...instance, unicast: true })).toBe('ok');
  });

  it('a unicast instance checks its peer\'s TTL range only with check_unicast_src, and accepts a TTL inside it', () => {
    const ranged: AdvertExpectation = { ...instance, unicast: true, unicastPeers: [SRC], unicastPeerTtl: [{ min: 100, max: 255 }] };
    expect(verdictOf(packet({}, { dst: '172.16.25.1', ttl: 64 }), ranged)).toBe('ok');
    expect(verdictOf(packet({}, { dst: '172.16.25.1', ttl: 100 }), { ...ranged, checkUnicastSrc: true })).toBe('ok');
    expect(verdictOf(packet({}, { dst: '172.16.25.1', ttl: 64 }), { ...ranged, checkUnicastSrc: true, unicastPeerTtl: undefined })).toBe('ok');
  });

  it('an IPv6 unicast advert at hop limit 64 passes check_unicast_src from its peer, and fails it from another address or under min_ttl', () => {
    const v6: AdvertExpectation = { version: 3, vrid: 60, family: 6, authType: 0, auth: '', advertIntervalMs: 1000, addresses: ['fd44::100'], unicast: true, checkUnicastSrc: true, unicastPeers: ['fd44::a'] };
    const from = (src: string) => buildAdvertPacket({ version: 3, vrid: 60, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 6, addresses: ['fd44::100'] }, { src, dst: 'fd44::b', ttl: 64 });
    expect(verdictOf(from('fd44::a'), v6)).toBe('ok');
    expect(verdictOf(from('fd44::100'), v6)).toBe('unicast-peer-mismatch');
    expect(verdictOf(from('fd44::a'), { ...v6, unicastPeerTtl: [{ min: 255, max: 255 }] })).toBe('ttl-out-of-range');
  });

  it('a v3 instance accepts another advert interval (a backup adopts the master\'s)', () => {
    const v3: AdvertExpectation = { ...instance, version: 3, authType: 0, auth: '', advertIntervalMs: 1000 };
    expect(verdictOf(packet({ version: 3, authType: 0, auth: '', advertIntervalMs: 250 }), v3)).toBe('ok');
  });

  it('without the address check, another address list is accepted (skip_check_adv_addr from the known master)', () => {
    expect(verdictOf(packet({ addresses: ['10.1.1.1', '10.1.1.2'] }), { ...instance, checkAddresses: false })).toBe('ok');
    expect(shouldCheckAddresses('BACKUP', true, SRC, SRC)).toBe(false);
    expect(shouldCheckAddresses('BACKUP', true, '172.16.25.3', SRC)).toBe(true);
    expect(shouldCheckAddresses('MASTER', true, SRC, SRC)).toBe(true);
  });
});

describe('keepalived\'s order of checks', () => {
  it('reports a wrong password before a bad checksum on the whole path', () => {
    const ip = packet({ auth: 'guessed' });
    ip[27] ^= 1;
    expect(validateAdvertPacket(ip, compileExpectation(instance))).toBe('auth-mismatch');
    expect(checkVrrpPacket(ip)).toBe('bad-checksum');
  });

  it('reports a bad TTL before a wrong version', () => {
    expect(validateAdvertPacket(packet({ version: 3, authType: 0, auth: '' }, { ttl: 1 }), compileExpectation(instance))).toBe('bad-ttl');
  });
});

describe('IPsec AH (auth type 2)', () => {
  /** IPv4 + 24-byte AH (next header VRRP) + VRRPv2 with auth type 2. */
  function ahPacket(): Uint8Array {
    const plain = packet({ authType: 2, auth: '' });
    const ip = new Uint8Array(plain.length + 24);
    ip.set(plain.subarray(0, 20));
    ip.set(plain.subarray(20), 44);
    ip[9] = 51;
    ip[3] = ip.length;
    ip[20] = 112;
    ip[21] = 4;
    ip[10] = 0; ip[11] = 0;
    const s = internetChecksum(ip, 0, 20);
    ip[10] = s >> 8; ip[11] = s & 0xff;
    return ip;
  }

  it('is recognised behind the AH header and reported', () => {
    const d = decodeAdvertPacket(ahPacket());
    expect(d?.verdict).toBe('ok');
    expect(d?.viaAh).toBe(true);
    expect(d?.received?.advert.authType).toBe(2);
    expect(verdictOf(ahPacket(), { ...instance, authType: 2, auth: 'secret' })).toBe('ok');
  });

  it('is an auth type mismatch for a PASS instance, and plain VRRP is one for an AH instance', () => {
    expect(verdictOf(ahPacket())).toBe('auth-type-mismatch');
    expect(verdictOf(packet(), { ...instance, authType: 2 })).toBe('auth-type-mismatch');
    expect(verdictLogLine('auth-type-mismatch', { instance: 'VI_1', packet: decodeAdvertPacket(ahPacket())!, expectation: instance }))
      .toBe('(VI_1) Received AH header but auth type not AH');
  });
});

describe('IPv6', () => {
  const v6: VrrpAdvert = { version: 3, vrid: 9, priority: 100, authType: 0, auth: '', advertIntervalMs: 100, family: 6, addresses: ['fe80::1'] };
  const exp6: AdvertExpectation = { version: 3, vrid: 9, family: 6, authType: 0, auth: '', advertIntervalMs: 100, addresses: ['fe80::1'] };

  it('skips a hop-by-hop options header to find VRRP', () => {
    const plain = buildAdvertPacket(v6, { src: 'fe80::2' });
    const ip = new Uint8Array(plain.length + 8);
    ip.set(plain.subarray(0, 40));
    ip.set(plain.subarray(40), 48);
    ip[6] = 0; // next header: hop-by-hop
    ip[40] = 112; ip[41] = 0; // its next header VRRP, length 8
    ip[5] += 8;
    const d = decodeAdvertPacket(ip);
    expect(d?.received?.advert).toEqual(v6);
    expect(verdictOf(ip, exp6)).toBe('ok');
  });

  it('a bad checksum is dropped silently, as the kernel does before keepalived sees it', () => {
    const ip = buildAdvertPacket(v6, { src: 'fe80::2' });
    ip[ip.length - 1] ^= 1;
    expect(verdictOf(ip, exp6)).toBe('bad-checksum');
    expect(verdictInfo('bad-checksum', 6).disposition).toBe('drop-silent');
    expect(verdictInfo('bad-checksum', 4)).toEqual({ disposition: 'drop-logged', counter: 'chk_err', countsAsReceived: false });
  });
});

describe('counters and log lines', () => {
  it('bump keepalived\'s stats counter for each verdict', () => {
    const expected: Partial<Record<Verdict, string | null>> = {
      'bad-length': 'packet_len_err', 'bad-ttl': 'ip_ttl_err', 'bad-type': 'invalid_type_rcvd', 'invalid-auth-type': 'invalid_authtype',
      'auth-type-mismatch': 'authtype_mismatch', 'auth-mismatch': 'auth_failure', 'address-count-mismatch': 'addr_list_err',
      'address-list-mismatch': 'addr_list_err', 'interval-mismatch': null, 'unknown-vrid': null,
      // keepalived 2.4.3's auth_ext_malformed has no counterpart in 2.2.7's stats.
      'bad-trailer': null,
      // Nor have its other auth_ext_* counters (the engine keeps them: InstanceSnapshot.authExt).
      'auth-missing': null, 'auth-not-peer': null, 'auth-unknown-key': null, 'auth-bad-hmac': null, 'auth-stale': null, 'auth-replay': null,
    };
    for (const [v, counter] of Object.entries(expected)) {
      const s = newVrrpStats();
      recordVerdict(s, v as Verdict, 100);
      const bumped = Object.entries(s).filter(([k, n]) => n > 0 && k !== 'advert_rcvd').map(([k]) => k);
      expect(bumped, v).toEqual(counter ? [counter] : []);
    }
    const s = newVrrpStats();
    recordVerdict(s, 'address-list-mismatch', 100);
    expect(s.advert_rcvd).toBe(1);
    expect(Object.keys(VERDICTS).length).toBe(25);
    // keepalived counts an advert out of its peer's TTL range as received, then as ip_ttl_err.
    const t = newVrrpStats();
    recordVerdict(t, 'ttl-out-of-range', 100);
    expect([t.advert_rcvd, t.ip_ttl_err]).toEqual([1, 1]);
  });

  it('read as keepalived\'s', () => {
    const d = decodeAdvertPacket(packet({ advertIntervalMs: 2000 }))!;
    expect(verdictLogLine('interval-mismatch', { instance: 'VI_1', packet: d, expectation: instance }))
      .toBe("(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec");
    expect(verdictLogLine('auth-mismatch', { instance: 'VI_1', packet: d })).toBe('(VI_1) received an invalid passwd!');
    expect(verdictLogLine('bad-ttl', { instance: 'VI_1', packet: decodeAdvertPacket(packet({}, { ttl: 9 }))! }))
      .toBe('(VI_1) invalid TTL/HL. Received 9 and expect 255');
    const ranged: AdvertExpectation = { ...instance, unicast: true, checkUnicastSrc: true, unicastPeers: ['172.16.25.3', SRC], unicastPeerTtl: [{ min: 0, max: 255 }, { min: 100, max: 200 }] };
    expect(verdictLogLine('ttl-out-of-range', { instance: 'VI_1', packet: decodeAdvertPacket(packet({}, { dst: '172.16.25.1', ttl: 64 }))!, expectation: ranged }))
      .toBe('(VI_1) TTL/HL 64 not in range 100 - 200');
    const cut = decodeAdvertPacket(packet().subarray(0, 30))!;
    expect(verdictLogLine(cut.verdict, { instance: 'VI_1', packet: cut })).toBe('IPv4 VRRP packet too short - 30 bytes');
  });

  it('print in the layout of keepalived.stats', () => {
    expect(formatVrrpStats('VI_1', newVrrpStats())).toContain('VRRP Instance: VI_1\n  Advertisements:\n    Received: 0\n');
  });
});

it('the VRRPv3 IPv4 checksum covers the pseudo-header, so changing the source breaks it', () => {
  const ip = packet({ version: 3, authType: 0, auth: '' });
  expect(finishChecksum(sumWords(ip, 20, ip.length, sumWords(ip, 12, 20, 112 + ip.length - 20)))).toBe(0);
  ip[15] ^= 1;
  expect(checkVrrpPacket(ip)).toBe('bad-checksum');
});
