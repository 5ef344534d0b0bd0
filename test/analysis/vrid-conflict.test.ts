/** check --host: a VRID shared on one LAN by configurations keepalived would reject each other for. */
import * as path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { analyzeHosts, type HostConfig } from '../../src/analysis/index.js';
import { conflictSides } from '../../src/analysis/vrid-conflict.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const conf = (body: string): HostConfig['config'] => parseConfigText(body, 'h.conf', { scriptExists: () => true }).config;
const instance = (o: { vrid?: number; pass?: string; vip?: string; advert?: number; version?: number; unicast?: boolean } = {}) => conf(
  `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id ${o.vrid ?? 51}\n priority 100\n advert_int ${o.advert ?? 1}\n` +
  (o.version === 3 ? ' version 3\n' : ` authentication {\n  auth_type PASS\n  auth_pass ${o.pass ?? 'labpass1'}\n }\n`) +
  (o.unicast ? ' unicast_peer {\n  10.0.0.9\n }\n' : '') +
  ` virtual_ipaddress {\n  ${o.vip ?? '172.16.25.100'}/16\n }\n}\n`,
);
const hostsOf = (...configs: HostConfig['config'][]): HostConfig[] => configs.map((config, i) => ({ name: String.fromCharCode(65 + i), config }));

describe('check --host finds a VRID conflict', () => {
  it('for the example clusters: another auth_pass on VRID 51, with the line keepalived will log', () => {
    const load = (file: string) => loadConfig(path.join(ROOT, 'examples/hostile', file)).config;
    const found = analyzeHosts([{ name: 'A', config: load('master.conf') }, { name: 'B', config: load('backup.conf') }, { name: 'C', config: load('other-cluster.conf') }]).findings.filter((f) => f.kind === 'vrid-conflict');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'error', vrid: 51, hosts: ['A', 'B', 'C'], instances: ['A/VI_1', 'B/VI_1', 'C/VI_1'] });
    expect(found[0]!.message).toContain('differ in auth: A/VI_1, B/VI_1 (auth PASS labpass1) vs C/VI_1 (auth PASS otherpw1)');
    expect(found[0]!.message).toContain('"received an invalid passwd!" for every one');
  });

  it('for another VIP list, a VRRPv2 interval or another version', () => {
    expect(conflictSides(hostsOf(instance(), instance({ vip: '172.16.25.101' })))[0]?.rejectLine).toBe('not present in MASTER advert');
    expect(conflictSides(hostsOf(instance(), instance({ advert: 2 })))[0]?.differences).toEqual(['advert_int']);
    expect(conflictSides(hostsOf(instance(), instance({ version: 3 })))[0]?.differences).toEqual(['version', 'auth', 'advert_int']);
  });

  it('with --keepalived-version 2.4, not for another VIP list alone (2.4.3 logs it and accepts the advert, lab), still for another auth_pass', () => {
    expect(conflictSides(hostsOf(instance(), instance({ vip: '172.16.25.101' })), '2.4')).toEqual([]);
    expect(analyzeHosts(hostsOf(instance(), instance({ vip: '172.16.25.101' })), '2.4').findings.filter((f) => f.kind === 'vrid-conflict')).toEqual([]);
    expect(conflictSides(hostsOf(instance(), instance({ vip: '172.16.25.101', pass: 'other' })), '2.4')[0]?.differences).toEqual(['auth']);
  });

  it('not for peers that agree, nor VRRPv3 peers with other intervals (backups adopt the master\'s), nor other VRIDs or unicast instances', () => {
    expect(conflictSides(hostsOf(instance(), instance()))).toEqual([]);
    expect(conflictSides(hostsOf(instance({ version: 3 }), instance({ version: 3, advert: 2 })))).toEqual([]);
    expect(conflictSides(hostsOf(instance(), instance({ vrid: 52, pass: 'other' })))).toEqual([]);
    expect(conflictSides(hostsOf(instance({ unicast: true }), instance({ pass: 'other', unicast: true })))).toEqual([]);
  });

  it('finds the same conflicts whatever the order of the hosts, and never throws', () => {
    const spec = fc.record({ vrid: fc.integer({ min: 50, max: 52 }), pass: fc.constantFrom('a', 'b'), vip: fc.constantFrom('10.1.0.1', '10.1.0.2'), advert: fc.integer({ min: 1, max: 2 }), version: fc.constantFrom(2, 3) });
    fc.assert(fc.property(fc.array(spec, { minLength: 1, maxLength: 5 }), (specs) => {
      const hosts = hostsOf(...specs.map((s) => instance(s)));
      const forward = conflictSides(hosts).map((c) => `${c.vrid} ${c.sides.length} ${c.differences.join(',')}`).sort();
      const backward = conflictSides([...hosts].reverse()).map((c) => `${c.vrid} ${c.sides.length} ${c.differences.join(',')}`).sort();
      expect(backward).toEqual(forward);
    }), { numRuns: 200 });
  });
});
