import { describe, expect, it } from 'vitest';
import { seedScenario, simulate } from '../helpers.js';

const BOTH_START = ['{ at: 0s, host: A, do: start }', '{ at: 2s, host: B, do: start }'];

describe('stranded-service', () => {
  it('calls a service stranded on a host whose keepalived was stopped for good expected, not a failure', () => {
    // B's notify backup stops its haproxy at start-up, and A takes both VIPs (the drift); then B goes.
    const result = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: B, do: stop }']));
    const stranded = result.findings.filter((finding) => finding.kind === 'stranded-service');
    expect(stranded.map((finding) => [finding.hosts, finding.byDesign])).toEqual([[['B'], true]]);
    expect(stranded[0]?.message).toMatch(/^haproxy on B was stopped by notify backup .* on a host whose keepalived the scenario stopped for good: expected$/);
    // Started again, B's stranded haproxy is a failure.
    const restarted = simulate(seedScenario('buggy', '40s', [...BOTH_START, '{ at: 12s, host: B, do: stop }', '{ at: 20s, host: B, do: start }']));
    const again = restarted.findings.filter((finding) => finding.kind === 'stranded-service');
    expect(again.map((finding) => [finding.hosts, finding.byDesign])).toEqual([[['B'], undefined]]);
  });
});
