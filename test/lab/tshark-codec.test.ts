/**
 * Cross-check with tshark: adverts encoded by vrrplab, written to a pcap, read back by tshark with
 * the same field values and with their VRRP (and IPv4 header) checksums reported correct.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VrrpAdvert } from '../../src/wire/types.js';
import { buildAdvertPacket } from '../../src/wire/packet.js';
import { encodePcap } from '../../src/capture/writer.js';
import { LINKTYPE } from '../../src/capture/link.js';
import { requireLab } from './lab.js';

const FIELDS = [
  'vrrp.version', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.auth_type', 'vrrp.adver_int',
  'vrrp.short_adver_int', 'vrrp.ip_addr', 'vrrp.ipv6_addr', 'vrrp.auth_string', 'vrrp.checksum.status',
  'ip.ttl', 'ipv6.hlim', 'ip.dsfield', 'ip.checksum.status',
];

function tshark(packets: Uint8Array[]): Record<string, string>[] {
  const dir = mkdtempSync(join(tmpdir(), 'vrrplab-tshark-'));
  try {
    const file = join(dir, 'adverts.pcap');
    writeFileSync(file, encodePcap({ linkType: LINKTYPE.RAW }, packets.map((data, i) => ({ ts: 1_700_000_000 + i, data }))));
    const out = execFileSync('tshark', [
      '-r', file, '-o', 'ip.check_checksum:TRUE', '-T', 'fields', '-E', 'separator=/t', '-E', 'aggregator=,',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return out.trimEnd().split('\n').map((line) => Object.fromEntries(line.split('\t').map((v, i) => [FIELDS[i], v])));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const v2: VrrpAdvert = { version: 2, vrid: 125, priority: 104, authType: 1, auth: '1e3459f7', advertIntervalMs: 1000, family: 4, addresses: ['172.16.25.10', '172.16.25.11'] };
const v3v4: VrrpAdvert = { version: 3, vrid: 7, priority: 100, authType: 0, auth: '', advertIntervalMs: 100, family: 4, addresses: ['10.0.0.1'] };
const v3v6: VrrpAdvert = { version: 3, vrid: 9, priority: 255, authType: 0, auth: '', advertIntervalMs: 3000, family: 6, addresses: ['fe80::1', '2001:db8::5'] };

describe('tshark reading vrrplab\'s adverts', () => {
  it('sees the same fields and correct checksums for VRRPv2 PASS, VRRPv3/IPv4 and VRRPv3/IPv6', (ctx) => {
    requireLab(ctx, ['tshark']);
    const [a, b, c] = tshark([
      buildAdvertPacket(v2, { src: '172.16.25.1' }),
      buildAdvertPacket(v3v4, { src: '10.0.0.3' }),
      buildAdvertPacket(v3v6, { src: 'fe80::2' }),
    ]);
    expect(a).toMatchObject({
      'vrrp.version': '2', 'vrrp.virt_rtr_id': '125', 'vrrp.prio': '104', 'vrrp.addr_count': '2', 'vrrp.auth_type': '1',
      'vrrp.adver_int': '1', 'vrrp.ip_addr': '172.16.25.10,172.16.25.11', 'vrrp.auth_string': '1e3459f7',
      'vrrp.checksum.status': '1', 'ip.ttl': '255', 'ip.dsfield': '0xc0', 'ip.checksum.status': '1',
    });
    expect(b).toMatchObject({
      'vrrp.version': '3', 'vrrp.virt_rtr_id': '7', 'vrrp.prio': '100', 'vrrp.addr_count': '1', 'vrrp.short_adver_int': '10',
      'vrrp.ip_addr': '10.0.0.1', 'vrrp.checksum.status': '1', 'ip.ttl': '255', 'ip.checksum.status': '1',
    });
    expect(c).toMatchObject({
      'vrrp.version': '3', 'vrrp.virt_rtr_id': '9', 'vrrp.prio': '255', 'vrrp.addr_count': '2', 'vrrp.short_adver_int': '300',
      'vrrp.ipv6_addr': 'fe80::1,2001:db8::5', 'vrrp.checksum.status': '1', 'ipv6.hlim': '255',
    });
  });

  it('flags a corrupted advert\'s checksum as bad (the cross-check can fail)', (ctx) => {
    requireLab(ctx, ['tshark']);
    const bad = buildAdvertPacket(v3v4, { src: '10.0.0.3' });
    bad[bad.length - 1] ^= 0x40;
    expect(tshark([bad])[0]['vrrp.checksum.status']).toBe('0');
  });
});
