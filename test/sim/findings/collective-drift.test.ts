import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, seedScenario, simulate } from '../helpers.js';
import { simulateSet } from './helpers.js';

const BOTH_START = ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }'];

const NGINX_RESTART_ON_A = ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 20s, host: A, do: service-start, service: nginx }'];

describe('collective-drift', () => {
  it('names a collective drift and a stranded haproxy when the buggy notify script stops haproxy on BACKUP', () => {
    const result = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));
    expect(result.vips).toEqual({ A: [], B: ['172.16.25.10', '172.16.25.11'] });
    const kinds = result.findings.map((finding) => finding.kind);
    expect(kinds).toContain('collective-drift');
    expect(kinds).toContain('stranded-service');
    const drift = result.findings.filter((finding) => finding.kind === 'collective-drift').at(-1);
    expect(drift?.hosts).toEqual(['B', 'A']);
    expect(drift?.to).toBe(40);
  });

  it('finds nothing when the fixed notify script keeps haproxy running and the VIPs return home', () => {
    const result = simulate(seedScenario('fixed', '40s', [...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));
    expect(result.vips).toEqual({ A: ['172.16.25.10'], B: ['172.16.25.11'] });
    expect(result.findings).toEqual([]);
  });

  it('does not call a failover caused by an injected haproxy stop a drift', () => {
    const result = simulate(seedScenario('fixed', '40s', [...BOTH_START, '{ at: 12s, host: A, do: service-stop, service: haproxy }', '{ at: 20s, host: A, do: service-start, service: haproxy }']));
    expect(result.findings).toEqual([]);
    expect(result.vips).toEqual({ A: ['172.16.25.10'], B: ['172.16.25.11'] });
  });

  it('reports no collective drift while nginx on the home node recovers through rise 2 x interval 2 and the VIPs come home a takeover later', () => {
    const result = simulateSet('three-node-clean', '40s', NGINX_RESTART_ON_A);
    expect(result.findings).toEqual([]);
    const home = result.records.find((record) => record.type === 'vip' && record.host === 'A' && record.held && record.t > 20);
    expect(home?.t).toBeGreaterThan(22);
    expect(home?.t).toBeLessThan(26);
    expect(result.vips).toEqual({ A: ['192.168.50.10'], B: ['192.168.50.11'], C: [] });
  });

  it('still names a collective drift when the home host restarts and its checks can recover but the VIPs stay away', () => {
    // A's haproxy is stopped by its own notify script, not by the timeline: the cluster's fault.
    const result = simulateSet(path.join(ROOT, 'examples/seed/buggy'), '40s', ['{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']);
    const drift = result.findings.filter((finding) => finding.kind === 'collective-drift').at(-1);
    expect(drift?.hosts).toEqual(['B', 'A']);
    expect(drift?.from).toBeGreaterThan(20);
    expect(drift?.from).toBeLessThan(22);
    expect(drift?.byDesign).toBeUndefined();
  });
});

describe('collective-drift names its cause', () => {
  it('gives the home\'s priority below the holder\'s with the check that lowers it', () => {
    const result = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));
    const drift = result.findings.filter((finding) => finding.kind === 'collective-drift').at(-1);
    // A's notify backup stopped its haproxy: chk_haproxy (weight 2) fails and A's VI_1 stays at 100, below B's 99 + 2.
    expect(drift?.message).toMatch(/the instances moved together \(priorities in VI_1: A 100 \(chk_haproxy failing\), B 101\)$/);
  });
});

describe('collective-drift: the home is of the drifted host\'s own cluster (issue 19)', () => {
  // A third host E on the LAN with VRID 125 of its own: another auth_pass and VIP, state MASTER, priority 200.
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-drift-'));
  afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
  fs.mkdirSync(path.join(directory, 'E/etc/keepalived'), { recursive: true });
  fs.writeFileSync(
    path.join(directory, 'E/etc/keepalived/keepalived.conf'),
    [
      'vrrp_instance OTHER {',
      '    interface eth0',
      '    state MASTER',
      '    priority 200',
      '    virtual_router_id 125',
      '    authentication {',
      '        auth_type PASS',
      '        auth_pass otherpw1',
      '    }',
      '    virtual_ipaddress {',
      '        172.16.30.10/16 dev eth0',
      '    }',
      '}',
      '',
    ].join('\n'),
  );
  const withE = (timeline: string[]): string =>
    seedScenario('buggy', '40s', timeline).replace('services:', `  E: { root: ${path.join(directory, 'E')}, address: 172.16.25.5 }\nservices:`) + '\n  - { at: 0s, host: E, do: start }';

  it('names A, not E of another cluster on VRID 125, as the home the VIPs drifted from', () => {
    const result = simulate(withE([...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']));
    const drift = result.findings.filter((finding) => finding.kind === 'collective-drift').at(-1);
    expect(drift?.hosts).toEqual(['B', 'A']);
    expect(result.findings.map((finding) => finding.kind)).toContain('vrid-conflict');
    for (const finding of result.findings.filter((each) => each.kind === 'collective-drift')) expect(finding.hosts).not.toContain('E');
  });

  it('finds no drift with E on the LAN when the fixed pair takes its VIPs home', () => {
    const yaml = seedScenario('fixed', '40s', [...BOTH_START, '{ at: 12s, host: A, do: stop }', '{ at: 20s, host: A, do: start }'])
      .replace('services:', `  E: { root: ${path.join(directory, 'E')}, address: 172.16.25.5 }\nservices:`) + '\n  - { at: 0s, host: E, do: start }';
    expect(simulate(yaml).findings.filter((finding) => finding.kind === 'collective-drift')).toEqual([]);
  });
});
