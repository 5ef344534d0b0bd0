/**
 * `vrrplab compare` as the host of a VRRPv3/IPv6 keepalived recording (captures/reference/v3-ipv6-kill):
 * the host is found by its name, by its IPv4 address or by its IPv6 link-local address (any
 * spelling), its IPv6 adverts are its own, and the engine advertises from its IPv6 address.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareCapture } from '../../src/compare/capture.js';

const DIR = resolve(import.meta.dirname, '../../captures/reference/v3-ipv6-kill');
const spec = JSON.parse(readFileSync(join(DIR, 'recording.json'), 'utf8')) as { hosts: Record<string, { address: string; address6: string }> };
const A6 = spec.hosts.A!.address6;
const scratch = mkdtempSync(join(tmpdir(), 'vrrplab-compare6-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const run = (host: string, events = join(DIR, 'events.json'), config = join(DIR, 'A.conf')) =>
  compareCapture({ capture: join(DIR, 'capture.pcap'), config, host, events });

describe('compare as the VRRPv3/IPv6 host of a keepalived recording', () => {
  for (const host of ['A', '172.16.25.1', A6, A6.toUpperCase().replace('FE80::', 'fe80:0:0:0:')]) {
    it(`matches every advert and state change of A, the host named as ${host}`, () => {
      const outcome = run(host);
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      const r = outcome.report;
      expect(r.hostName).toBe('A');
      expect(r.addresses).toEqual(['172.16.25.1', A6]);
      expect(r.mismatches).toEqual([]);
      expect(r.adverts.recorded).toBe(15);
      expect(r.adverts.matched).toBe(15);
      expect(r.vrids[0]!.states.sent.map((s) => s.value)).toEqual(['master', 'silent', 'master', 'resigned']);
      expect(r.pass).toBe(true);
    });
  }

  it('finds the IPv6 address of a host named by IPv4 from the events file, and warns when nothing gives one', () => {
    const events = JSON.parse(readFileSync(join(DIR, 'events.json'), 'utf8')) as { events: Record<string, unknown>[] };
    for (const event of events.events) delete event.addresses;
    const bare = join(scratch, 'events.json');
    writeFileSync(bare, JSON.stringify(events));
    const outcome = run('172.16.25.1', bare);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.report.warnings).toEqual(expect.arrayContaining([
      'the capture has no adverts from 172.16.25.1',
      expect.stringMatching(/^no IPv6 address of 172\.16\.25\.1 is known .*: its IPv6 instances have no source address$/),
    ]));
    expect([outcome.report.adverts.recorded, outcome.report.adverts.sent]).toEqual([0, 0]);
  });

  it('refuses a host that never advertised when no events file says it ran, instead of passing with nothing compared', () => {
    const outcome = compareCapture({ capture: join(DIR, 'capture.pcap'), config: join(DIR, 'A.conf'), host: '172.16.25.9' });
    expect(outcome).toEqual({ ok: false, error: expect.stringMatching(/no adverts from 172\.16\.25\.9, and no events file says when it ran: nothing to compare$/) });
  });

  it('takes the host\'s IPv6 adverts as its own when named by its link-local address without any events file', () => {
    const outcome = compareCapture({ capture: join(DIR, 'capture.pcap'), config: join(DIR, 'B.conf'), host: spec.hosts.B!.address6 });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.report.adverts.recorded).toBe(9); // its priority-0 adverts after the end included
    expect(outcome.report.adverts.sent).toBeGreaterThan(0);
  });
});

describe('a host named by one address', () => {
  it('has its other addresses found through the MAC its adverts come from', async () => {
    const { buildAdvertPacket } = await import('../../src/wire/packet.js');
    const { encodePcap } = await import('../../src/capture/writer.js');
    const mac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
    const other = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
    const frame = (ip: Uint8Array, from: number[], v6: boolean) =>
      Uint8Array.from([...(v6 ? [0x33, 0x33, 0, 0, 0, 0x12] : [1, 0, 0x5e, 0, 0, 0x12]), ...from, ...(v6 ? [0x86, 0xdd] : [0x08, 0x00]), ...ip]);
    const v4 = buildAdvertPacket({ version: 3, vrid: 1, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 4, addresses: ['10.0.0.100'] }, { src: '10.0.0.1' });
    const v6 = buildAdvertPacket({ version: 3, vrid: 2, priority: 150, authType: 0, auth: '', advertIntervalMs: 1000, family: 6, addresses: ['fd00::1'] }, { src: 'fe80::1' });
    const stranger = buildAdvertPacket({ version: 3, vrid: 2, priority: 10, authType: 0, auth: '', advertIntervalMs: 1000, family: 6, addresses: ['fd00::1'] }, { src: 'fe80::9' });
    const records = [];
    for (let s = 0; s < 5; s++) {
      records.push({ ts: 1_700_000_000 + s, data: frame(v4, mac, false) }, { ts: 1_700_000_000 + s + 0.001, data: frame(v6, mac, true) });
    }
    records.push({ ts: 1_700_000_010, data: frame(stranger, other, true) });
    const capture = join(scratch, 'mac.pcap');
    writeFileSync(capture, encodePcap({ linkType: 1 }, records));
    const config = join(scratch, 'dual.conf');
    writeFileSync(config, `vrrp_instance V4 {
  interface eth0
  state BACKUP
  priority 150
  virtual_router_id 1
  version 3
  advert_int 1
  virtual_ipaddress {
    10.0.0.100/24
  }
}
vrrp_instance V6 {
  interface eth0
  state BACKUP
  priority 150
  virtual_router_id 2
  version 3
  advert_int 1
  virtual_ipaddress {
    fd00::1/64
  }
}
`);
    const outcome = compareCapture({ capture, config, host: '10.0.0.1' });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.report.addresses).toEqual(['10.0.0.1', 'fe80::1']);
    expect(outcome.report.vrids.map((v) => [v.vrid, v.recorded])).toEqual([[1, 5], [2, 5]]);
    expect(outcome.report.warnings.filter((w) => w.includes('no IPv6 address'))).toEqual([]);
  });
});
