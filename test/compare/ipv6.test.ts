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

  it('takes the host\'s IPv6 adverts as its own when named by its link-local address without any events file', () => {
    const outcome = compareCapture({ capture: join(DIR, 'capture.pcap'), config: join(DIR, 'B.conf'), host: spec.hosts.B!.address6 });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.report.adverts.recorded).toBe(9); // its priority-0 adverts after the end included
    expect(outcome.report.adverts.sent).toBeGreaterThan(0);
  });
});
