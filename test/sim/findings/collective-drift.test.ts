import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
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
