import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { analyzeHosts, type HostConfig } from '../../src/analysis/index.js';

function seedHosts(variant: 'buggy' | 'fixed'): HostConfig[] {
  return ['A', 'B'].map((name) => {
    const root = path.resolve('examples/seed', variant, name);
    const { config } = loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: root });
    const readFile = (p: string) => {
      try {
        return fs.readFileSync(path.join(root, p), 'utf8');
      } catch {
        return undefined;
      }
    };
    return { name, config, readFile };
  });
}

const conf = (body: string): HostConfig['config'] => parseConfigText(body, 'h.conf', { scriptExists: () => true }).config;

describe('collective drift on the seed pair', () => {
  it('finds that the buggy notify script makes VI_1 and VI_2 move together on each host', () => {
    const drift = analyzeHosts(seedHosts('buggy')).findings.filter((f) => f.kind === 'collective-drift');
    // One finding per host, naming both states whose notify stops haproxy.
    expect(drift.map((f) => f.hosts[0])).toEqual(['A', 'B']);
    const onA = drift.find((f) => f.hosts[0] === 'A');
    expect(onA?.message).toContain('enters BACKUP or FAULT');
    expect(onA?.instances).toEqual(['A/VI_1', 'A/VI_2']);
    expect(onA?.message).toContain('stops haproxy');
    expect(onA?.message).toContain('chk_haproxy');
  });

  it('finds no collective drift with the fixed notify script', () => {
    expect(analyzeHosts(seedHosts('fixed')).findings.filter((f) => f.kind === 'collective-drift')).toEqual([]);
  });

  it('leaves the fixed pair clean: one chk_haproxy failure moving each VIP is what weight 2 is for', () => {
    const { findings, priorities } = analyzeHosts(seedHosts('fixed'));
    const t125 = priorities.find((t) => t.vrid === 125);
    expect(t125?.rows[0]).toMatchObject({ priorities: { A: 102, B: 101 }, master: 'A' });
    expect(t125?.rows.find((r) => r.failed.length === 1 && r.failed[0].host === 'A')?.master).toBe('B');
    // Formerly "small-gap" and "flip-together" warnings: false alarms, the VIP moves as intended.
    expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(findings.filter((f) => f.kind === 'master-change').map((f) => f.vrid)).toEqual([125, 126]);
  });

  it('still finds the buggy pair\'s collective drift and nothing about its weights', () => {
    const { findings } = analyzeHosts(seedHosts('buggy'));
    expect(findings.filter((f) => f.severity !== 'info').map((f) => f.kind)).toEqual(['collective-drift', 'collective-drift']);
  });
});

describe('peer consistency', () => {
  const inst = (extra: string, prio = 100) =>
    `vrrp_instance VI {\n interface eth0\n virtual_router_id 10\n priority ${prio}\n${extra}\n virtual_ipaddress {\n  10.0.0.1/24\n }\n}\n`;

  it('reports peers that disagree on auth, advert_int, version or VIPs', () => {
    const a = conf(inst(' advert_int 1\n authentication {\n  auth_type PASS\n  auth_pass one\n }'));
    const b = conf(inst(' advert_int 2\n authentication {\n  auth_type PASS\n  auth_pass two\n }').replace('10.0.0.1/24', '10.0.0.2/24'));
    const kinds = analyzeHosts([{ name: 'a', config: a }, { name: 'b', config: b }]).findings.filter((f) => f.kind === 'peer-mismatch');
    expect(kinds.map((f) => f.message.split(': ')[1])).toEqual(['peers disagree on authentication', 'peers disagree on advert_int', 'peers disagree on virtual_ipaddress']);
  });

  it('reports two hosts claiming MASTER with equal priority', () => {
    const a = conf(inst(' state MASTER'));
    const found = analyzeHosts([{ name: 'a', config: a }, { name: 'b', config: a }]).findings;
    expect(found.find((f) => f.kind === 'dual-master')?.instances).toEqual(['a/VI', 'b/VI']);
  });

  it('reports a VRID used twice on one interface of one host', () => {
    const a = conf(inst('') + inst('').replace('vrrp_instance VI', 'vrrp_instance VJ'));
    expect(analyzeHosts([{ name: 'a', config: a }]).findings.map((f) => f.kind)).toContain('vrid-collision');
  });

  it('lists every failure combination that changes the master', () => {
    const script = 'vrrp_script c1 {\n script "/bin/true"\n weight -10\n}\nvrrp_script c2 {\n script "/bin/true"\n weight 0\n}\n';
    const a = conf(script + inst(' track_script {\n  c1\n  c2\n }', 120));
    const b = conf(script + inst(' track_script {\n  c1\n }', 115));
    const t = analyzeHosts([{ name: 'a', config: a }, { name: 'b', config: b }]).priorities[0];
    expect(t.rows).toHaveLength(8);
    const row = (failed: string) => t.rows.find((r) => r.failed.map((c) => `${c.script}@${c.host}`).join(',') === failed);
    expect(row('')?.master).toBe('a');
    expect(row('c1@a')).toMatchObject({ priorities: { a: 110, b: 115 }, master: 'b' });
    expect(row('c2@a')).toMatchObject({ priorities: { a: 'FAULT', b: 115 }, master: 'b' });
  });
});
