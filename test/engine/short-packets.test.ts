/**
 * VRRPv2 adverts whose length does not fit their address count, as keepalived 2.2.7 treats them
 * (captures/no-auth-bytes; lab numbers in src/compare/drive.ts REJECT_REARM_MS): shorter than the
 * IP header plus the 8-byte VRRP header, vrrp_get_header() logs "IPv4 VRRP packet too short - N
 * bytes" and no instance sees the packet (no timer moves); any other length but the one the
 * header's version and count call for (IP header + 8 + 4 per address + 8 auth bytes) reaches the
 * instance, is rejected by vrrp_check_packet() ("vrrp packet too short|long, length N and expect
 * M", packet_len_err) and re-arms its timer, so a stream of them holds a MASTER silent.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HostEngine } from '../../src/engine/host.js';
import { internetChecksum } from '../../src/wire/checksum.js';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const MDI_100 = 3609.375;
const VIPS = ['172.16.25.60', '172.16.25.61', '172.16.25.62'];
/** IP header (20) + VRRP header (8) + 3 addresses (12) + auth data (8). */
const WHOLE = 48;

/**
 * The capture's sender (captures/how-made/no-auth-sender.py): VRID 60, priority 200, auth type 0,
 * three addresses, the VRRP part cut or extended to `length` bytes of IP packet (the IP total length
 * says so, as the kernel hands keepalived the datagram).
 */
function advertOfLength(length: number, priority = 200): Uint8Array {
  const vrrp = new Uint8Array(Math.max(0, length - 20));
  const whole = [0x21, 60, priority, 3, 0, 1, 0, 0, ...VIPS.flatMap((a) => a.split('.').map(Number)), 0, 0, 0, 0, 0, 0, 0, 0];
  for (let i = 0; i < vrrp.length && i < whole.length; i++) vrrp[i] = whole[i]!;
  // The checksum of what is there (keepalived checks the length first; it never gets that far).
  const sum = internetChecksum(vrrp.subarray(0, Math.min(vrrp.length, whole.length)));
  if (vrrp.length >= 8) { vrrp[6] = sum >> 8; vrrp[7] = sum & 0xff; }
  const ip = new Uint8Array(length);
  ip.set([0x45, 0xc0, length >> 8, length & 0xff, 0, 0, 0, 0, 255, 112, 0, 0, 172, 16, 25, 1, 224, 0, 0, 18].slice(0, length));
  if (length > 20) ip.set(vrrp, 20);
  return ip;
}

function backup(rejectRearmMs?: number): Bench {
  const conf = config({ instances: [instance({ name: 'VI_60', vrid: 60, priority: 100, vips: VIPS })] });
  return new Bench(conf, '172.16.25.2', rejectRearmMs === undefined ? {} : { rejectRearmMs }).start(0);
}

/** A MASTER since MDI_100 (nothing received), its adverts due every second from then. */
function master(rejectRearmMs?: number): Bench {
  return backup(rejectRearmMs).advance(MDI_100);
}

/** The times of the adverts sent after the first `from`, to a microsecond. */
const sentSince = (bench: Bench, from: number): number[] => bench.sent().slice(from).map((s) => Math.round(s.t * 1000) / 1000);

const feed = (bench: Bench, times: number[], bytes: Uint8Array): Bench => {
  for (const t of times) bench.event(t, { type: 'packet', iface: 'eth0', packet: bytes });
  return bench;
};

describe('VRRPv2 adverts too short or too long for their address count', () => {
  it('the whole advert, 48 bytes, is accepted (the check is not rejecting everything)', () => {
    const bench = backup();
    bench.event(500, { type: 'packet', iface: 'eth0', packet: advertOfLength(WHOLE) });
    expect(bench.logs().filter((line) => line.includes('too'))).toEqual([]);
    expect(bench.snap().stats.advert_rcvd).toBe(1);
  });

  it('one without its 8 auth bytes (40) is logged as keepalived logs it and counted in packet_len_err', () => {
    const bench = backup();
    bench.event(500, { type: 'packet', iface: 'eth0', packet: advertOfLength(40) });
    expect(bench.logs()).toContain('(VI_60) vrrp packet too short, length 40 and expect 48');
    expect(bench.snap().stats).toMatchObject({ packet_len_err: 1, advert_rcvd: 0 });
  });

  it('one 4 bytes too long (52) is logged as "too long" and counted in packet_len_err', () => {
    const bench = backup();
    bench.event(500, { type: 'packet', iface: 'eth0', packet: advertOfLength(52) });
    expect(bench.logs()).toContain('(VI_60) vrrp packet too long, length 52 and expect 48');
    expect(bench.snap().stats.packet_len_err).toBe(1);
  });

  it('one shorter than a VRRP header (27) never reaches the instance: "IPv4 VRRP packet too short - 27 bytes", no counter', () => {
    const bench = backup();
    bench.event(500, { type: 'packet', iface: 'eth0', packet: advertOfLength(27) });
    expect(bench.logs()).toContain('IPv4 VRRP packet too short - 27 bytes');
    expect(bench.snap().stats.packet_len_err).toBe(0);
  });

  it('a BACKUP fed only such adverts takes over after its down timer, as K did in the capture', () => {
    const bench = feed(backup(), [500, 1500, 2500, 3500], advertOfLength(40)).advance(4000);
    expect(bench.transitions().filter((x) => x.to === 'MASTER').map((x) => x.t)).toEqual([MDI_100]);
  });

  /** The sender's times in the capture, relative to its packet after K's takeover (1000.25-1001.6 ms apart). */
  const CAPTURE_GAPS = [4000, 5000.26, 6000.53, 7002.1, 8002.37];

  it('a MASTER fed adverts without their auth bytes about a second apart is held silent until they stop, as K was in captures/no-auth-bytes', () => {
    const bench = master(2);
    const from = bench.sent().length;
    feed(bench, CAPTURE_GAPS, advertOfLength(40)).advance(9500);
    expect(sentSince(bench, from)).toEqual([9004.37]);
    expect(bench.logs().filter((line) => line === '(VI_60) vrrp packet too short, length 40 and expect 48')).toHaveLength(5);
  });

  it('a MASTER fed too-long adverts about a second apart is held silent too', () => {
    const bench = master(2);
    const from = bench.sent().length;
    feed(bench, CAPTURE_GAPS, advertOfLength(52)).advance(9500);
    expect(sentSince(bench, from)).toEqual([9004.37]);
  });

  it('a MASTER fed the same times whole adverts of a lower priority answers each one (the held silence comes from the rejection)', () => {
    const bench = master(2);
    const from = bench.sent().length;
    feed(bench, CAPTURE_GAPS, advertOfLength(WHOLE, 50)).advance(9500);
    expect(sentSince(bench, from)).toEqual([4000, 5000, 5000.26, 6000.26, 6000.53, 7000.53, 7002.1, 8002.1, 8002.37, 9002.37]);
  });

  it('a MASTER fed packets shorter than a VRRP header keeps advertising every second (lab: 1000.05 ms apart through 27-byte packets)', () => {
    const bench = master();
    const from = bench.sent().length;
    feed(bench, [4000, 4500, 5000, 5500, 6000, 6500, 7000], advertOfLength(27)).advance(7700);
    expect(sentSince(bench, from)).toEqual([4609.375, 5609.375, 6609.375, 7609.375]);
  });

  it('never throws and, whatever the length, rejects every length but 48, re-arming the timer exactly when the VRRP header is there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), (length) => {
        const bench = master();
        const from = bench.sent().length;
        // Due at 4609.375; a packet at 4300 re-arms it to 5300 when the instance reads it.
        bench.event(4300, { type: 'packet', iface: 'eth0', packet: advertOfLength(length) });
        bench.advance(5400);
        const sent = sentSince(bench, from);
        const logs = bench.logs();
        if (length === WHOLE) {
          // A valid higher-priority advert: the MASTER steps down.
          expect(bench.state()).toBe('BACKUP');
        } else if (length < 28) {
          expect(sent).toEqual([4609.375]);
          if (length >= 20) expect(logs).toContain(`IPv4 VRRP packet too short - ${length} bytes`);
          expect(bench.snap().stats.packet_len_err).toBe(0);
        } else {
          expect(sent).toEqual([5300]);
          expect(logs).toContain(`(VI_60) vrrp packet too ${length < WHOLE ? 'short' : 'long'}, length ${length} and expect ${WHOLE}`);
          expect(bench.snap().stats.packet_len_err).toBe(1);
          expect(bench.state()).toBe('MASTER');
        }
      }),
      { numRuns: 121 },
    );
  });
});

describe('rejectRearmMs: how much later than one interval a MASTER counts its next advert from a packet it rejects', () => {
  it('by default (the simulator) the next advert is exactly one interval after the rejected packet', () => {
    const bench = master();
    const from = bench.sent().length;
    feed(bench, [4000], advertOfLength(40)).advance(5500);
    expect(sentSince(bench, from)).toEqual([5000]);
  });

  it('with 2 ms it is one interval and 2 ms after it, as keepalived logs the packet before it reads the clock', () => {
    const bench = master(2);
    const from = bench.sent().length;
    feed(bench, [4000], advertOfLength(40)).advance(5500);
    expect(sentSince(bench, from)).toEqual([5002]);
  });

  it('with 2 ms, bad packets 1000.3 ms apart hold the master silent (captures/no-auth-bytes: they came 1000.25-1000.3 ms apart) where without it the master advertises before each', () => {
    const times = [4000, 5000.3, 6000.6, 7000.9, 8001.2];
    const held = master(2);
    const heldFrom = held.sent().length;
    feed(held, times, advertOfLength(40)).advance(9500);
    expect(sentSince(held, heldFrom)).toEqual([9003.2]);
    const bare = master(0);
    const bareFrom = bare.sent().length;
    feed(bare, times, advertOfLength(40)).advance(9500);
    expect(sentSince(bare, bareFrom)).toEqual([5000, 6000.3, 7000.6, 8000.9, 9001.2]);
  });

  it('with 2 ms, bad packets 1003 ms apart let the master advertise 2 ms after each interval', () => {
    const bench = master(2);
    const from = bench.sent().length;
    feed(bench, [4000, 5003, 6006], advertOfLength(40)).advance(6600);
    expect(sentSince(bench, from)).toEqual([5002, 6005]);
  });

  it('does not move a BACKUP\'s down timer: rejected packets leave it where it was', () => {
    const bench = feed(backup(2), [500, 1500, 2500, 3500], advertOfLength(40)).advance(4000);
    expect(bench.transitions().filter((x) => x.to === 'MASTER').map((x) => x.t)).toEqual([MDI_100]);
  });

  it('does not move the timer after an accepted packet: a MASTER answering a lower priority advert answers at once and advertises one interval later', () => {
    const bench = master(2);
    const from = bench.sent().length;
    feed(bench, [4000], advertOfLength(WHOLE, 50)).advance(5500);
    expect(sentSince(bench, from)).toEqual([4000, 5000]);
  });
});

/**
 * VRRPv3 over IPv6, bytes from the lab (keepalived 2.2.7, VRID 66, one address fd00::66, a sender
 * at priority 200): keepalived's raw IPv6 socket reads the VRRP part only, so its lengths leave out
 * the IPv6 header ("vrrp packet too short, length 8 and expect 24"), and the kernel, verifying the
 * checksum for it (IPV6_CHECKSUM at offset 6), drops a VRRP part under 8 bytes unseen: no line, no
 * timer moved (its adverts stayed 1000.1 ms apart through 6-byte ones 500 ms apart).
 */
describe('VRRPv3/IPv6 adverts too short or too long for their address count', () => {
  const hex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!.map((x) => parseInt(x, 16)));
  const HEAD = '70fffe800000000000008472f5fffea97c50ff020000000000000000000000000012';
  /** Header claims one address, none follows (payload 8). */
  const SHORT = hex(`600cc8810008${HEAD}3142c801006412dd`);
  /** One address and 4 bytes more (payload 28). */
  const LONG = hex(`600cc881001c${HEAD}3142c80100641562fd00000000000000000000000000006600000000`);
  /** 6 bytes of VRRP. */
  const TRUNC = hex(`6002b5840006${HEAD}3142c8010064`);
  /** The same sender's whole advert would be 24 bytes of payload; K's own, from the capture. */
  const WHOLE6 = hex('6c0cbd85001870fffe80000000000000b437d6fffedf6158ff0200000000000000000000000000123142640100648363fd000000000000000000000000000066');

  function master6(): Bench {
    const conf = config({ instances: [instance({ name: 'VI_66', vrid: 66, version: 3, family: 6, vips: ['fd00::66'] })] });
    const bench = new Bench(conf, '172.16.25.2');
    // An IPv6 instance advertises from the interface's link-local address.
    (bench as { engine: HostEngine }).engine = new HostEngine(conf, { interfaceAddresses: { eth0: '172.16.25.2' }, interfaceAddresses6: { eth0: 'fe80::1' } });
    return bench.start(0).advance(MDI_100);
  }

  it('logs the VRRP part\'s lengths as keepalived does: "length 8 and expect 24", "length 28 and expect 24"', () => {
    const bench = master6();
    bench.event(3700, { type: 'packet', iface: 'eth0', packet: SHORT, checksumVerified: true });
    bench.event(3800, { type: 'packet', iface: 'eth0', packet: LONG, checksumVerified: true });
    expect(bench.logs()).toEqual(expect.arrayContaining(['(VI_66) vrrp packet too short, length 8 and expect 24', '(VI_66) vrrp packet too long, length 28 and expect 24']));
    expect(bench.snap().stats.packet_len_err).toBe(2);
  });

  it('re-arms a MASTER\'s timer on such a packet, as keepalived\'s adverts came one interval after each', () => {
    const bench = master6();
    const from = bench.sent().length;
    feed(bench, [4000, 4900], SHORT).advance(6000);
    expect(sentSince(bench, from)).toEqual([5900]);
  });

  it('says nothing about a VRRP part under 8 bytes and leaves the timer alone: the kernel dropped it for keepalived', () => {
    const bench = master6();
    const from = bench.sent().length;
    feed(bench, [3700, 4200], TRUNC).advance(5700);
    expect(bench.logs().filter((line) => line.includes('too short'))).toEqual([]);
    expect(sentSince(bench, from)).toEqual([4609.375, 5609.375]);
    expect(bench.engine.receiveDrops.truncated).toBe(2);
  });

  it('accepts a whole IPv6 advert of the right length (the lengths are not off by the IPv6 header)', () => {
    const bench = master6();
    bench.event(3700, { type: 'packet', iface: 'eth0', packet: WHOLE6, checksumVerified: true });
    expect(bench.logs().filter((line) => line.includes('too'))).toEqual([]);
    expect(bench.snap().stats.advert_rcvd).toBe(1);
  });
});

describe('an AH datagram too short for its AH header and a VRRP header', () => {
  /** From the lab: IP header and 20 of AH's 24 bytes (next header VRRP), to a keepalived instance with auth_type AH. */
  const AH_40 = Uint8Array.from('45c0002824530000ff33f16bac101901e00000127004000000000001000000000000000000000000'.match(/../g)!.map((x) => parseInt(x, 16)));

  function ahMaster(): Bench {
    const conf = config({ instances: [instance({ name: 'VI_60', vrid: 60, vips: VIPS, authentication: { type: 'AH', password: 'ahpass' } })] });
    return new Bench(conf, '172.16.25.2').start(0).advance(MDI_100);
  }

  it('gets vrrp_get_header()\'s AH line, "IPv4 VRRP packet with AH too short - 40 bytes", and moves no timer (lab: adverts 1000.15 ms apart through them)', () => {
    const bench = ahMaster();
    const from = bench.sent().length;
    feed(bench, [3700, 4200, 4700, 5200], AH_40).advance(5700);
    expect(bench.logs().filter((line) => line.includes('too short'))).toEqual(Array(4).fill('IPv4 VRRP packet with AH too short - 40 bytes'));
    expect(sentSince(bench, from)).toEqual([4609.375, 5609.375]);
  });

  it('while a datagram too short for even a VRRP header after the IP header gets the plain line, AH or not', () => {
    const bench = ahMaster();
    bench.event(3700, { type: 'packet', iface: 'eth0', packet: AH_40.slice(0, 27).map((b, i) => (i === 3 ? 27 : b)) });
    expect(bench.logs()).toContain('IPv4 VRRP packet too short - 27 bytes');
  });
});

/**
 * keepalived reads an auth_type AH instance's packets on a raw socket of protocol AH and every other
 * IPv4 instance's on one of protocol VRRP (vrrp_create_sockpool()): a packet of the other protocol
 * never reaches the instance. Lab (keepalived 2.2.7, VRID 60): an AH master fed plain adverts
 * (whole, priority 200, and 40-byte ones) and a master without authentication fed AH datagrams
 * logged nothing and advertised every 1000.1-1000.2 ms throughout.
 */
describe('a packet of the protocol the instance does not read (AH or plain VRRP)', () => {
  /** An IPv4 datagram of protocol AH: a 24-byte AH header (next header VRRP) and `vrrp` after it. */
  function viaAh(vrrp: Uint8Array): Uint8Array {
    const length = 20 + 24 + vrrp.length;
    const ip = new Uint8Array(length);
    ip.set([0x45, 0xc0, length >> 8, length & 0xff, 0, 0, 0, 0, 255, 51, 0, 0, 172, 16, 25, 1, 224, 0, 0, 18]);
    ip.set([112, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1], 20);
    ip.set(vrrp, 44);
    return ip;
  }
  /** The VRRP part of advertOfLength(48) with auth type 2 (AH). */
  function vrrpAh(priority: number, withAuthBytes = true): Uint8Array {
    const part = advertOfLength(WHOLE, priority).slice(20);
    part[4] = 2;
    part[6] = part[7] = 0;
    const sum = internetChecksum(part);
    part[6] = sum >> 8;
    part[7] = sum & 0xff;
    return withAuthBytes ? part : part.slice(0, 20);
  }
  const ah = { type: 'AH' as const, password: 'ahpass' };
  const masterWith = (authentication?: typeof ah): Bench => {
    const conf = config({ instances: [instance({ name: 'VI_60', vrid: 60, vips: VIPS, ...(authentication === undefined ? {} : { authentication }) })] });
    return new Bench(conf, '172.16.25.2').start(0).advance(MDI_100);
  };

  it('an AH master never sees plain adverts: a whole higher-priority one moves nothing, too-short ones log nothing', () => {
    const bench = masterWith(ah);
    const from = bench.sent().length;
    feed(bench, [3700, 4200], advertOfLength(WHOLE, 200));
    feed(bench, [4700, 5200], advertOfLength(40));
    bench.advance(5700);
    expect(bench.state()).toBe('MASTER');
    expect(sentSince(bench, from)).toEqual([4609.375, 5609.375]);
    expect(bench.logs().filter((line) => /too short|AH|higher priority/.test(line))).toEqual([]);
    expect(bench.engine.receiveDrops['other-protocol']).toBe(4);
  });

  it('a master without authentication never sees AH datagrams, whole or too short', () => {
    const bench = masterWith();
    const from = bench.sent().length;
    feed(bench, [3700, 4200], viaAh(vrrpAh(200)));
    feed(bench, [4700, 5200], viaAh(vrrpAh(200)).slice(0, 40).map((b, i) => (i === 3 ? 40 : b)));
    bench.advance(5700);
    expect(bench.state()).toBe('MASTER');
    expect(sentSince(bench, from)).toEqual([4609.375, 5609.375]);
    expect(bench.logs().filter((line) => /too short|AH/.test(line))).toEqual([]);
  });

  it('an AH master does read AH datagrams: one whose VRRP part lacks its auth bytes is rejected for its length and re-arms the timer', () => {
    const bench = masterWith(ah);
    const from = bench.sent().length;
    feed(bench, [4300], viaAh(vrrpAh(200, false))).advance(5400);
    expect(bench.logs()).toContain('(VI_60) vrrp packet too short, length 64 and expect 72');
    expect(sentSince(bench, from)).toEqual([5300]);
  });
});
