/**
 * Golden packets from FRRouting's vrrpd 8.4 (Debian's frr), recorded by the FRR interop lab test
 * (test/lab/frr.test.ts, VRRPLAB_FRR_CAPTURES=captures/frr) beside `vrrplab run`: VRRPv2, VRRPv3
 * over IPv4 and over IPv6. vrrplab decodes every packet to the fields tshark shows
 * (test/wire/fixtures/frr-*.tshark.csv: `tshark -T fields` with the fields in the header below),
 * and keepalived's byte-level checks accept them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/reader.js';
import { ipPacketOf } from '../../src/capture/link.js';
import { decodeAdvertPacket } from '../../src/wire/decode.js';

// frame.number ip.src ipv6.src ip.ttl ipv6.hlim vrrp.version vrrp.virt_rtr_id vrrp.prio vrrp.addr_count
// vrrp.auth_type vrrp.adver_int vrrp.short_adver_int vrrp.ip_addr vrrp.ipv6_addr vrrp.checksum.status eth.src
const runs = readdirSync('captures/frr').filter((f) => f.endsWith('.pcap')).map((f) => f.slice(0, -5)).sort();

describe("FRR vrrpd's packets", () => {
  it('come in the six lab runs: three variants, each with FRR and with vrrplab as the first master', () => {
    expect(runs).toEqual(['v2-ipv4-frr-master', 'v2-ipv4-vrrplab-master', 'v3-ipv4-frr-master', 'v3-ipv4-vrrplab-master', 'v3-ipv6-frr-master', 'v3-ipv6-vrrplab-master']);
  });

  for (const run of runs) {
    it(`${run}: decode to the fields tshark shows, with valid checksums, and pass keepalived's byte-level checks`, () => {
      const rows = readFileSync(`test/wire/fixtures/frr-${run}.tshark.csv`, 'utf8').trim().split('\n').map((l) => l.split(','));
      let n = 0;
      for (const frame of readCaptureFile(`captures/frr/${run}.pcap`)) {
        const [number, src4, src6, ttl, hlim, version, vrid, prio, count, authType, advInt, shortInt, addr4, addr6, status] = rows[n++]!;
        const d = decodeAdvertPacket(frame.data.subarray(ipPacketOf(frame)!.offset))!;
        const a = d.received!.advert;
        expect({ frame: n, src: d.src, ttl: d.ttl, version: a.version, vrid: a.vrid, prio: a.priority, count: a.addresses.length }, run).toEqual({
          frame: Number(number), src: src4 || src6, ttl: Number(ttl || hlim), version: Number(version), vrid: Number(vrid), prio: Number(prio), count: Number(count),
        });
        expect(a.advertIntervalMs).toBe(version === '2' ? Number(advInt) * 1000 : Number(shortInt) * 10);
        if (version === '2') expect(a.authType).toBe(Number(authType));
        expect(a.addresses.join('|')).toBe(addr4 || addr6);
        expect(d.checksumValid).toBe(status === '1');
        expect(d.verdict).toBe('ok');
      }
      expect(n).toBe(rows.length);
    });
  }
});
