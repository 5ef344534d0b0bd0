/**
 * keepalived 2.4.3 accepts an advert whose VIPs differ from its own: it logs "(VI_1) ip address
 * associated with VRID 51 not present in advert from 172.16.25.1: 172.16.25.101" (rate limited:
 * twice here, the flags cleared once when the new master's advert is accepted) and stays BACKUP.
 * keepalived 2.2.7 rejects it and becomes a second master. Recorded in a netns lab
 * (test/fixtures/ka24-vip-mismatch: A priority 150 VIP .100, B priority 100 VIP .101, VRID 51,
 * 7 s, both -D logs); simulated here under both versions.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

const DIR = path.resolve(import.meta.dirname, '../fixtures/ka24-vip-mismatch');

function simulate(version: '2.2' | '2.4'): SimulationResult {
  const yaml = `name: vips\nkeepalived-version: ${version}\nduration: 7s\nhosts:\n  A: { config: A.conf, address: 172.16.25.1 }\n  B: { config: B.conf, address: 172.16.25.2 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - { at: 0s, host: B, do: start }\n`;
  const parsed = parseScenario(yaml, DIR, 'vips.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

const states = (r: SimulationResult, host: string): string[] => r.records.flatMap((x) => (x.type === 'transition' && x.host === host ? [x.to] : []));
const lines = (r: SimulationResult, host: string, re: RegExp): string[] => r.records.flatMap((x) => (x.type === 'log' && x.host === host && re.test(x.message) ? [x.message] : []));
const VIP_LINE = /not present in/;

describe('an advert with other VIPs under keepalived 2.4 and 2.2', () => {
  it('2.4: B logs the missing VIP twice, as 2.4.3 did, and stays BACKUP: one master', () => {
    const recorded = fs.readFileSync(path.join(DIR, 'B.log'), 'utf8').split('\n').flatMap((l) => /\(VI_1\) ip address associated[^\n]*/.exec(l)?.[0] ?? []);
    expect(recorded).toHaveLength(2);
    expect(fs.readFileSync(path.join(DIR, 'B.log'), 'utf8').split('\n').filter((l) => l.includes('Entering MASTER')).length).toBe(1); // only once A stopped
    const r = simulate('2.4');
    expect(states(r, 'B')).not.toContain('MASTER');
    expect(states(r, 'A').at(-1)).toBe('MASTER');
    expect(lines(r, 'B', VIP_LINE)).toEqual(recorded);
    // Nothing to find: no conflict (2.4.3 accepts the adverts), no gap (A is B's master too).
    expect(r.findings).toEqual([]);
  });

  it('2.2: B rejects the advert and becomes a second master', () => {
    const r = simulate('2.2');
    expect(states(r, 'B').at(-1)).toBe('MASTER');
    expect(lines(r, 'B', VIP_LINE)[0]).toBe('(VI_1) ip address associated with VRID 51 not present in MASTER advert: 172.16.25.101');
    expect(r.findings.map((f) => f.kind)).toContain('vrid-conflict');
  });
});
