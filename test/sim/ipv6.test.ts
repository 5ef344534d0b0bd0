import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatTimeline } from '../../src/sim/format.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function v6Config(priority: number): string {
  return `vrrp_instance V6 {\n interface eth0\n state BACKUP\n priority ${priority}\n virtual_router_id 60\n version 3\n advert_int 1\n virtual_ipaddress {\n  fd00::60/64\n }\n}\n`;
}

describe('VRRPv3 over IPv6 in the simulator', () => {
  it('elects by priority over link-local sources and fails over after the v3 Master_Down_Interval', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-v6-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'A.conf'), v6Config(150));
    fs.writeFileSync(path.join(dir, 'B.conf'), v6Config(100));
    const yaml = [
      'duration: 20s',
      'hosts:',
      '  A: { config: A.conf, address: 10.0.0.1 }',
      '  B: { config: B.conf, address: 10.0.0.2, address6: "fe80::b" }',
      'timeline:',
      '  - { at: 0s, host: A, do: start, startup: 10ms }',
      '  - { at: 0s, host: B, do: start, startup: 10ms }',
      '  - { at: 10s, host: A, do: kill }',
    ].join('\n');
    const parsed = parseScenario(yaml, dir);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const masters = outcome.result.records.flatMap((record) => (record.type === 'transition' && record.to === 'MASTER' ? [{ t: record.t, host: record.host }] : []));
    // A (150) wins the election: 3 x 1 s + (256 - 150) x 100 cs x 625 / 16 us = 3.414 s after init (10 ms after start).
    expect(masters[0]).toEqual({ t: 3.424062, host: 'A' });
    // A's last advert leaves at 9.424 s; B (100) takes over 3.609 s later (v3 skew scales with the interval).
    expect(masters[1]?.host).toBe('B');
    expect(masters[1]?.t).toBeCloseTo(9.424 + 3.609375 + 0.0001, 3);
    expect(outcome.result.findings).toEqual([]);
    expect(outcome.result.records.some((record) => record.type === 'transition' && record.to === 'FAULT')).toBe(false);
  });
});

describe('IPv6 instances configured with version 2 in the simulator (VRRPv2 over IPv6, as keepalived 2.2.7 runs them)', () => {
  const simulate = (a: string, b: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-v6v2-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'A.conf'), a);
    fs.writeFileSync(path.join(dir, 'B.conf'), b);
    const yaml = ['duration: 8s', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.2 }',
      'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }'].join('\n');
    const parsed = parseScenario(yaml, dir);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    return outcome.result;
  };
  const v2 = (priority: number) => v6Config(priority).replace('version 3', 'version 2');
  const masters = (result: ReturnType<typeof simulate>) => result.records.flatMap((r) => (r.type === 'transition' && r.to === 'MASTER' ? [r.host] : []));

  it('elect one master between two VRRPv2 hosts, with no note in the header', () => {
    const result = simulate(v2(150), v2(100));
    expect(masters(result)).toEqual(['A']);
    expect(formatTimeline(result).split('\n\n')[0]).not.toContain('keepalived.conf:');
  });

  it('do not hear a VRRPv3 host (keepalived: "wrong version"): both become MASTER', () => {
    const result = simulate(v2(150), v6Config(100));
    expect(masters(result).sort()).toEqual(['A', 'B']);
    expect(result.records.some((r) => r.type === 'log' && r.host === 'B' && r.message === '(V6) wrong version. Received 2 and expect 3')).toBe(true);
  });

  it('with auth_type PASS, show in the header what is not modelled', () => {
    const pass = v2(150).replace(' advert_int 1\n', ' advert_int 1\n authentication {\n  auth_type PASS\n  auth_pass secret\n }\n');
    const header = formatTimeline(simulate(pass, v2(100))).split('\n\n')[0]!.split('\n');
    expect(header.filter((line) => line.includes('not modelled') || line.includes('compares nothing'))).toEqual([
      expect.stringMatching(/^ {2}A keepalived\.conf: \(.*A\.conf: Line 1\) \(V6\) auth_type PASS with VRRPv2 over IPv6: .*vrrplab sends auth type 1 and compares nothing$/),
    ]);
  });
});

describe('IPv6 unicast with check_unicast_src in the simulator, as keepalived 2.2.7 in the lab', () => {
  const conf = (priority: number, src: string, peer: string) =>
    `vrrp_instance V6 {\n interface eth0\n state BACKUP\n priority ${priority}\n virtual_router_id 60\n version 3\n advert_int 1\n unicast_src_ip ${src}\n unicast_peer {\n  ${peer}\n }\n virtual_ipaddress {\n  fd44::100/64\n }\n}\n`;
  const run = (peerOfB: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-v6ttl-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'A.conf'), conf(150, 'fd44::a', 'fd44::b'));
    fs.writeFileSync(path.join(dir, 'B.conf'), conf(100, 'fd44::b', peerOfB));
    const yaml = ['duration: 12s', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1, address6: "fd44::a" }', '  B: { config: B.conf, address: 10.0.0.2, address6: "fd44::b" }',
      'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }'].join('\n');
    const parsed = parseScenario(yaml, dir);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    return outcome.result;
  };
  const logsOf = (result: ReturnType<typeof run>, host: string) =>
    result.records.flatMap((r) => (r.type === 'log' && r.host === host ? [r.message] : []));

  it('drops the peer\'s hop limit 64 adverts under min_ttl 100 and logs keepalived\'s line: both become MASTER', () => {
    const result = run('fd44::a min_ttl 100');
    expect(logsOf(result, 'B')).toContain('(V6) TTL/HL 64 not in range 100 - 255');
    expect(result.findings.map((f) => f.kind)).toContain('split-brain');
  });

  it('accepts them with min_ttl 64, and with no TTL option at all: one MASTER, no finding', () => {
    for (const peer of ['fd44::a min_ttl 64', 'fd44::a']) {
      const result = run(peer);
      expect(logsOf(result, 'B').filter((l) => l.includes('TTL/HL')), peer).toEqual([]);
      expect(result.findings.filter((f) => f.byDesign !== true), peer).toEqual([]);
    }
  });
});
