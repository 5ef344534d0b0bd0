/**
 * VRRPv2 adverts without their 8 auth bytes (IPv4 payload length 20 with three addresses, as in a
 * public test capture): tshark shows them whole and keepalived 2.2.7 drops them ("vrrp packet too
 * short, length 40 and expect 48", captures/no-auth-bytes, made by how-made/no-auth-bytes.sh).
 * Replay follows their sender as a master and says what is short; decode says the same.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerDecode } from '../../src/cli/commands/decode.js';
import { encodePcap } from '../../src/capture/writer.js';
import type { ReplayRecord } from '../../src/replay/records.js';
import { replayCapture } from '../../src/replay/replay.js';
import { decodeAdvertPacket } from '../../src/wire/decode.js';
import { ethernet, vrrpIpv4, type CraftAdvert } from '../capture/craft.js';
import { requireLab } from '../lab/lab.js';

const dir = mkdtempSync(join(tmpdir(), 'vrrplab-noauth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const T0 = 1_700_000_000;
const VIPS = ['10.0.0.60', '10.0.0.61', '10.0.0.62'];
const SHORT: CraftAdvert = { src: '10.0.0.1', vrid: 60, priority: 200, addresses: VIPS, noAuthBytes: true };

function write(name: string, packets: Uint8Array[]): string {
  const path = join(dir, name);
  writeFileSync(path, encodePcap({ linkType: 1 }, packets.map((ip, i) => ({ ts: T0 + i, data: ethernet(ip, 0x0800) }))));
  return path;
}

const of = <K extends ReplayRecord['type']>(records: ReplayRecord[], type: K) =>
  records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);

/** `packet` with its VRRP part cut to `length` bytes (IPv4 lengths and checksums made again). */
function cut(packet: Uint8Array, length: number): Uint8Array {
  const out = packet.slice(0, 20 + length);
  out[2] = out.length >> 8;
  out[3] = out.length & 0xff;
  const sum = (from: number, to: number) => {
    let s = 0;
    for (let i = from; i < to; i += 2) s += (out[i] << 8) | (i + 1 < to ? out[i + 1] : 0);
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    return ~s & 0xffff;
  };
  out[10] = out[11] = 0;
  const ip = sum(0, 20);
  out[10] = ip >> 8;
  out[11] = ip & 0xff;
  out[26] = out[27] = 0;
  const vrrp = sum(20, out.length);
  out[26] = vrrp >> 8;
  out[27] = vrrp & 0xff;
  return out;
}

describe('a VRRPv2 advert without its 8 auth bytes', () => {
  const packet = vrrpIpv4(SHORT);

  it('is the advert with only its auth bytes missing: IPv4 payload 20 bytes for three addresses', () => {
    expect(packet.length - 20).toBe(20);
    const d = decodeAdvertPacket(packet)!;
    expect(d.partial?.addresses).toEqual(VIPS);
    expect(d.auth).toEqual({ kind: 'missing', type: 0 });
    expect(d.checksumValid).toBe(true);
    // keepalived's verdict: dropped for its length.
    expect(d.verdict).toBe('bad-length');
  });

  it('has its sender named as master by replay, with an anomaly saying the auth bytes are missing and that keepalived drops it', () => {
    const records = replayCapture(write('short.pcap', Array.from({ length: 5 }, () => packet))).records;
    expect(of(records, 'master').map((m) => [m.src, m.priority, m.from - T0, m.to - T0, m.adverts])).toEqual([['10.0.0.1', 200, 0, 4, 5]]);
    const anomalies = of(records, 'anomaly');
    expect(anomalies.map((a) => a.kind)).toEqual(['malformed']);
    expect(anomalies[0]!.detail).toBe(
      'VRRPv2 advert without its 8 auth bytes (auth type 0): VRRP length 20 does not match 3 addresses (expected 28); ' +
        'keepalived drops these ("vrrp packet too short, length 40 and expect 48"), replay follows them',
    );
    expect(of(records, 'summary')[0]).toMatchObject({ adverts: 5, masters: 1, anomalies: { malformed: 1 } });
  });

  it('stays malformed, with no master, when it is short by anything but the whole auth part', () => {
    const whole = vrrpIpv4({ ...SHORT, noAuthBytes: false });
    for (const length of [24, 16, 8]) {
      const records = replayCapture(write(`cut-${length}.pcap`, [cut(whole, length), cut(whole, length)])).records;
      expect(of(records, 'master')).toEqual([]);
      expect(of(records, 'anomaly').map((a) => a.detail)).toEqual([`VRRP length ${length} does not match 3 addresses (expected 28)`]);
    }
  });

  it('stays malformed when its checksum does not verify: it could as well be a wrong count over two addresses and the auth bytes', () => {
    const records = replayCapture(write('bad-sum.pcap', [vrrpIpv4({ ...SHORT, badChecksum: true })])).records;
    expect(of(records, 'master')).toEqual([]);
    expect(of(records, 'anomaly').map((a) => [a.kind, a.detail])).toEqual([['malformed', 'VRRP length 20 does not match 3 addresses (expected 28)']]);
  });

  it('is followed for any VRID, priority, interval and address list, and anything shorter stays malformed', () => {
    const address = fc.tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((b) => b.join('.'));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 255 }), fc.integer({ min: 1, max: 255 }), fc.uniqueArray(address, { minLength: 1, maxLength: 12 }), fc.nat(),
        (vrid, priority, interval, addresses, cutAt) => {
          const short = vrrpIpv4({ src: '10.0.0.9', vrid, priority, interval, addresses, noAuthBytes: true });
          const followed = replayCapture(write('prop.pcap', [short])).records;
          expect(of(followed, 'master').map((m) => [m.vrid, m.src, m.priority])).toEqual([[vrid, '10.0.0.9', priority]]);
          expect(of(followed, 'summary')[0]!.sources[0]!.adverts).toBe(1);
          // Any other length below the whole advert's, but the header's own: no master.
          const length = 8 + (cutAt % (4 * addresses.length + 8));
          if (length === 8 + 4 * addresses.length) return;
          const cutShort = replayCapture(write('prop-cut.pcap', [cut(vrrpIpv4({ src: '10.0.0.9', vrid, priority, interval, addresses }), length)])).records;
          expect(of(cutShort, 'master')).toEqual([]);
          expect(of(cutShort, 'anomaly').map((a) => a.kind)).toEqual(['malformed']);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with the auth bytes there is an ordinary advert, no anomaly', () => {
    const records = replayCapture(write('whole.pcap', [vrrpIpv4({ ...SHORT, noAuthBytes: false })])).records;
    expect(of(records, 'master').map((m) => m.src)).toEqual(['10.0.0.1']);
    expect(of(records, 'anomaly')).toEqual([]);
  });

  it('is read whole by tshark: three addresses, auth type 0, a correct checksum, no auth string', (ctx) => {
    requireLab(ctx, ['tshark']);
    const path = write('tshark.pcap', [packet]);
    const fields = ['ip.len', 'vrrp.version', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.auth_type', 'vrrp.ip_addr', 'vrrp.auth_string', 'vrrp.checksum.status'];
    const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(out.trimEnd().split('\t')).toEqual(['40', '2', '60', '200', '3', '0', VIPS.join(','), '', '1']);
  });
});

/** `vrrplab decode ARGS` as the command prints it. */
async function decodeCommand(...args: string[]): Promise<string[]> {
  const out: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    const program = new Command().exitOverride();
    registerDecode(program);
    await program.parseAsync(['node', 'vrrplab', 'decode', ...args]);
  } finally {
    write.mockRestore();
    process.exitCode = undefined;
  }
  return out.join('').trimEnd().split('\n');
}

describe('vrrplab decode of an advert without its auth bytes', () => {
  it("says the auth data is missing and gives keepalived's verdict, with every field tshark shows", async () => {
    const hex = Buffer.from(vrrpIpv4(SHORT)).toString('hex');
    expect(await decodeCommand(hex)).toEqual([
      '#1 10.0.0.1 > 224.0.0.18 ttl 255 VRRPv2 vrid 60 prio 200 auth none (auth data missing) int 1000ms [10.0.0.60, 10.0.0.61, 10.0.0.62] MALFORMED: bad-length',
    ]);
    const json = JSON.parse((await decodeCommand('--json', hex))[0]!) as Record<string, unknown>;
    expect(json).toMatchObject({ authType: 0, authMissing: true, partial: true, checksumValid: true, verdict: 'bad-length', addresses: VIPS });
  });
});

describe('keepalived beside a sender of adverts without auth bytes (captures/no-auth-bytes)', () => {
  const DIR = resolve(import.meta.dirname, '../../captures/no-auth-bytes');
  const records = replayCapture(join(DIR, 'capture.pcap')).records;
  const log = readFileSync(join(DIR, 'K.log'), 'utf8');

  it('shows both as masters: keepalived dropped the short adverts and took over while they went on', () => {
    // K.log: "(VI_60) vrrp packet too short, length 40 and expect 48" for each of them, then MASTER.
    expect(log).toMatch(/\(VI_60\) vrrp packet too short, length 40 and expect 48\n[^]*\(VI_60\) Entering MASTER STATE/);
    expect(of(records, 'master').map((m) => [m.src, m.priority])).toEqual([
      ['172.16.25.1', 200],
      ['172.16.25.2', 100],
    ]);
    const two = of(records, 'anomaly').filter((a) => a.kind === 'two-masters');
    expect(two).toHaveLength(1);
    expect(two[0]!.detail).toMatch(/^172\.16\.25\.1 and 172\.16\.25\.2 were both master for [\d.]+ s: keepalived drops 172\.16\.25\.1's adverts for their length \(too short for their address count\)$/);
    const conflict = of(records, 'anomaly').filter((a) => a.kind === 'vrid-conflict');
    expect(conflict[0]!.detail).toContain('keepalived logs "vrrp packet too short, length 40 and expect 48" for each of them');
  });

  it("does not show keepalived taking over from itself while the short adverts held its own back", () => {
    // Its adverts stop while the short ones come (every packet for the VRID re-arms a master's timer).
    expect(of(records, 'transition').filter((t) => t.from === t.to)).toEqual([]);
    expect(of(records, 'master').filter((m) => m.src === '172.16.25.2')).toHaveLength(1);
  });
});
