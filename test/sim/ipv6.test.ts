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

describe('an IPv6 instance configured with version 2 in the simulator', () => {
  it('runs as VRRPv3 and says in the header that keepalived 2.2.7 would send VRRPv2 over IPv6', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-v6v2-'));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, 'A.conf'), v6Config(150).replace('version 3', 'version 2'));
    fs.writeFileSync(path.join(dir, 'B.conf'), v6Config(100));
    const yaml = ['duration: 8s', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.2 }',
      'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }'].join('\n');
    const parsed = parseScenario(yaml, dir);
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const header = formatTimeline(outcome.result).split('\n\n')[0]!.split('\n');
    expect(header.filter((line) => line.includes('version 2 over IPv6'))).toEqual([
      expect.stringMatching(/^ {2}A keepalived\.conf: \(.*A\.conf: Line 1\) \(V6\) version 2 over IPv6: keepalived 2\.2\.7 keeps it .*vrrplab models this instance as VRRPv3$/),
    ]);
    // B, configured with version 3, gets no such line; A (VRRPv3 in the model) is elected.
    expect(outcome.result.records.find((r) => r.type === 'transition' && r.to === 'MASTER')).toMatchObject({ host: 'A' });
  });
});
