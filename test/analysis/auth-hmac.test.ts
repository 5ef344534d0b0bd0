/**
 * check's auth-hmac finding (keepalived 2.4): judged on the very configs keepalived 2.4.3 ran in
 * captures/auth-hmac, against what happened there (vips.txt: the VIP on both hosts is a split
 * brain), and on small variations both ways.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { authHmacFindings, authHmacRejection } from '../../src/analysis/auth-hmac.js';
import { analyzeHosts } from '../../src/analysis/index.js';
import { parseConfigText } from '../../src/config/load.js';
import type { KeepalivedConfig } from '../../src/config/model.js';

const load = (text: string): KeepalivedConfig => parseConfigText(text, 'k.conf', { keepalivedVersion: '2.4' }).config;
const run = (name: string) => ['A', 'B'].map((h) => ({ name: h, config: load(readFileSync(`captures/auth-hmac/${name}/${h}.conf`, 'utf8')) }));
const splitBrain = (name: string): boolean =>
  readFileSync(`captures/auth-hmac/${name}/vips.txt`, 'utf8').trim().split('\n').every((l) => l.includes('172.16.25.51/'));

describe('the auth-hmac finding on the configs keepalived 2.4.3 ran', () => {
  for (const name of ['enforce', 'mixed', 'keyid', 'rolow', 'rohigh', 'permnone']) {
    it(`${name}: an error exactly when the lab run ended with the VIP on both hosts`, () => {
      const findings = authHmacFindings(run(name));
      const errors = findings.filter((f) => f.severity === 'error');
      expect(errors.length > 0, JSON.stringify(findings)).toBe(splitBrain(name));
    });
  }

  it("names who drops whose adverts, why, and keepalived's line (keyid: B lacks key 2)", () => {
    const [f] = authHmacFindings(run('keyid'));
    expect(f).toMatchObject({ kind: 'auth-hmac', severity: 'error', vrid: 51, hosts: ['A', 'B'] });
    expect(f.message).toContain("B/VI_1 drops A/VI_1's adverts: signed with key 2 (active_key), which the receiver does not hold (its keys: 1) (\"(VI_1) unknown authentication key id 2 from …\")");
    expect(f.message).not.toContain("A/VI_1 drops");
  });

  it('is a warning when only the master drops a receive-only backup (rolow): no second master while both run', () => {
    const findings = authHmacFindings(run('rolow'));
    expect(findings.map((f) => f.severity)).toEqual(['warning']);
    expect(findings[0].message).toContain("A/VI_1 drops B/VI_1's adverts: unsigned adverts (auth_hmac mode receive-only) to a host in mode enforce");
  });

  it('comes out of analyzeHosts (check --host) with the other findings', () => {
    expect(analyzeHosts(run('mixed')).findings.some((f) => f.kind === 'auth-hmac' && f.severity === 'error')).toBe(true);
    expect(analyzeHosts(run('enforce')).findings.filter((f) => f.kind === 'auth-hmac')).toEqual([]);
  });
});

const conf = (priority: number, auth: string, extra = ''): string =>
  `vrrp_instance VI_1 {\n interface hm0\n priority ${priority}\n virtual_router_id 51\n${extra}${auth}\n virtual_ipaddress {\n  10.0.0.51\n }\n}\n`;
const KEY_A = 'vrrplab-auth-hmac-key-one-0123456789';
const KEY_B = 'vrrplab-auth-hmac-key-two-0123456789';
const block = (key: string, mode = 'enforce'): string => ` auth_hmac {\n  key 1 ${key}\n  active_key 1\n  mode ${mode}\n }\n`;

describe('authHmacRejection', () => {
  const inst = (text: string) => load(text).instances[0];

  it('drops adverts signed with other key bytes under the same id ("invalid authentication HMAC")', () => {
    expect(authHmacRejection(inst(conf(150, block(KEY_A))), inst(conf(100, block(KEY_B))))?.line).toBe('invalid authentication HMAC from …');
    expect(authHmacRejection(inst(conf(150, block(KEY_A))), inst(conf(100, block(KEY_A))))).toBeNull();
  });

  it('lets permissive and receive-only receivers take unsigned adverts, and enforce refuse them', () => {
    const none = inst(conf(150, ''));
    expect(authHmacRejection(none, inst(conf(100, block(KEY_A, 'permissive'))))).toBeNull();
    expect(authHmacRejection(none, inst(conf(100, block(KEY_A, 'receive-only'))))).toBeNull();
    expect(authHmacRejection(none, inst(conf(100, block(KEY_A))))?.line).toBe('missing authentication trailer from …');
  });

  it('takes a block keepalived disabled (no active_key) as no auth_hmac: its adverts go unsigned', () => {
    const disabled = inst(conf(150, ' auth_hmac {\n  key 1 vrrplab-auth-hmac-key-one-0123456789\n }\n'));
    expect(disabled.authHmac).toBeUndefined();
    expect(authHmacRejection(disabled, inst(conf(100, block(KEY_A))))?.line).toBe('missing authentication trailer from …');
  });

  it('says nothing for a VRID without auth_hmac anywhere, nor across multicast and unicast instances', () => {
    expect(authHmacFindings([{ name: 'A', config: load(conf(150, '')) }, { name: 'B', config: load(conf(100, '')) }])).toEqual([]);
    const unicast = ' unicast_peer {\n  10.0.0.9\n }\n';
    expect(authHmacFindings([{ name: 'A', config: load(conf(150, block(KEY_A))) }, { name: 'B', config: load(conf(100, '', unicast)) }])).toEqual([]);
    expect(authHmacFindings([{ name: 'A', config: load(conf(150, block(KEY_A), unicast)) }, { name: 'B', config: load(conf(100, '', unicast)) }]).length).toBe(1);
  });
});

describe('key rotation readiness', () => {
  const two = (keysA: string, keysB: string): { name: string; config: KeepalivedConfig }[] => [
    { name: 'A', config: load(conf(150, ` auth_hmac {\n${keysA}  active_key 1\n }\n`)) },
    { name: 'B', config: load(conf(100, ` auth_hmac {\n${keysB}  active_key 1\n }\n`)) },
  ];
  const k = (id: number, key: string): string => `  key ${id} ${key}\n`;

  it('is an info when a key is held by some hosts only: moving active_key to it first breaks the others (the keyid run)', () => {
    const findings = authHmacFindings(two(k(1, KEY_A) + k(2, KEY_B), k(1, KEY_A)));
    expect(findings.map((f) => f.severity)).toEqual(['info']);
    expect(findings[0].message).toContain('key 2 is held by A but not by B (active_key 2 on A would be "unknown authentication key id 2" there)');
  });

  it('is an info when a key id has other bytes on some hosts', () => {
    expect(authHmacFindings(two(k(1, KEY_A) + k(2, KEY_A), k(1, KEY_A) + k(2, KEY_B)))[0].message).toContain('key 2 has other bytes on some hosts');
  });

  it('says nothing when every host holds every key alike', () => {
    expect(authHmacFindings(two(k(1, KEY_A) + k(2, KEY_B), k(1, KEY_A) + k(2, KEY_B)))).toEqual([]);
  });
});
