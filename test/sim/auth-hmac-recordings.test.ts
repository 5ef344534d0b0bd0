/**
 * keepalived 2.4.3 with auth_hmac, recorded in a netns lab (captures/auth-hmac/*: both daemons' -D
 * logs, `ip -br addr` at the end, tcpdump), against `simulate --keepalived-version 2.4` on the same
 * configs: the same final states, the same VIP holders (a split brain where the recording has
 * one), and the same rejection lines (keepalived 2.4.3 logs each kind once per state).
 *  - enforce: A (150) and B (100) with one key: A master.
 *  - keyid: A sends with key 2, which B lacks: "unknown authentication key id 2", split brain.
 *  - mixed: A enforce, B without auth_hmac: "missing authentication trailer" / "too long": split.
 *  - permnone: A permissive (signs, accepts unsigned), B without: B drops A's as too long: split.
 *  - rohigh: A receive-only (sends unsigned), B enforce rejects them: split.
 *  - rolow: A enforce, B receive-only (accepts A's signed adverts): A master.
 *  - skew: B's clock 30 s ahead (libfaketime): "stale ... clock skew -30 sec exceeds window 5 sec"
 *    on A, 30 on B: split.
 *  - v6: VRRPv3 over IPv6 with one key: A master.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatTimeline } from '../../src/sim/format.js';
import { runScenario, type SimulationResult } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

const CAPTURES = path.resolve(import.meta.dirname, '../../captures/auth-hmac');
const CASES = ['enforce', 'keyid', 'mixed', 'permnone', 'rohigh', 'rolow', 'skew', 'v6'];
const REJECTION = /\(VI_1\) (missing authentication trailer|unknown authentication key id|invalid authentication HMAC|stale authentication trailer|replayed authentication|malformed authentication|vrrp packet from .* too long)[^\n]*/;

function recorded(dir: string, host: 'A' | 'B'): { last: string | undefined; rejections: string[]; vip: boolean } {
  const log = fs.readFileSync(path.join(dir, `${host}.log`), 'utf8');
  const vips = fs.readFileSync(path.join(dir, 'vips.txt'), 'utf8').split('\n').find((l) => l.startsWith(`${host.toLowerCase()}:`)) ?? '';
  return {
    last: [...log.matchAll(/\(VI_1\) Entering (\w+) STATE/g)].at(-1)?.[1],
    rejections: [...new Set(log.split('\n').flatMap((l) => REJECTION.exec(l)?.[0] ?? []))],
    vip: /172\.16\.25\.51\/|fd00::51\//.test(vips),
  };
}

function simulate(name: string, version: string | null = '2.4'): SimulationResult {
  const dir = path.join(CAPTURES, name);
  const clockB = name === 'skew' ? ', clock: +30s' : '';
  const yaml = [
    `name: ${name}`,
    ...(version !== null ? [`keepalived-version: ${version}`] : []),
    'duration: 5s',
    'hosts:',
    `  A: { config: ${dir}/A.conf, address: 172.16.25.1, address6: fe80::1 }`,
    `  B: { config: ${dir}/B.conf, address: 172.16.25.2, address6: fe80::2${clockB} }`,
    'timeline:',
    '  - { at: 0s, host: A, do: start }',
    '  - { at: 0s, host: B, do: start }',
  ].join('\n');
  const parsed = parseScenario(yaml, dir, `${name}.yaml`);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const outcome = runScenario(parsed.scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return outcome.result;
}

function simulated(result: SimulationResult, host: 'A' | 'B'): { last: string | undefined; rejections: string[]; vip: boolean } {
  const states = result.records.flatMap((r) => (r.type === 'transition' && r.host === host ? [r.to] : []));
  const lines = result.records.flatMap((r) => (r.type === 'log' && r.host === host ? [r.message] : []));
  return {
    last: states.at(-1),
    rejections: [...new Set(lines.flatMap((l) => REJECTION.exec(l)?.[0] ?? []))],
    vip: (result.vips[host] ?? []).length > 0,
  };
}

describe('simulate --keepalived-version 2.4 against keepalived 2.4.3 recordings with auth_hmac', () => {
  for (const name of CASES) {
    it(`${name}: the same final states, VIP holders and rejection lines as the recording`, () => {
      const result = simulate(name);
      for (const host of ['A', 'B'] as const) {
        const want = recorded(path.join(CAPTURES, name), host);
        const got = simulated(result, host);
        expect(got.last, `${name} ${host} state`).toBe(want.last);
        expect(got.vip, `${name} ${host} VIP`).toBe(want.vip);
        // The recording's lines name the real hosts' addresses; the simulation's, the scenario's.
        const norm = (l: string): string => l.replace(/fe80::[0-9a-f:]+/g, 'fe80::X');
        expect(got.rejections.map(norm).sort(), `${name} ${host} lines`).toEqual(want.rejections.map(norm).sort());
      }
    });
  }

  it('explains each split brain by the configs as 2.4.3 rejects the adverts', () => {
    const why = (name: string): string => simulate(name).findings.filter((f) => f.kind === 'split-brain').map((f) => f.message).join('\n');
    expect(why('keyid')).toContain("by their configs, B rejects A's adverts (signed with auth_hmac key 2, which it does not hold: unknown authentication key id)");
    expect(why('mixed')).toContain("A rejects B's adverts (unsigned, and its auth_hmac is in mode enforce: missing authentication trailer)");
    expect(why('mixed')).toContain("B rejects A's adverts (signed with auth_hmac, which it does not have: too long)");
    expect(why('rohigh')).toContain("B rejects A's adverts (unsigned, and its auth_hmac is in mode enforce");
    expect(why('rohigh')).not.toContain("A rejects B's");
    // The clocks are the run's, not the configs': skew's split brain has no config cause.
    expect(why('skew')).not.toContain('by their configs');
    expect(simulate('enforce').findings).toEqual([]);
    expect(simulate('rolow').findings).toEqual([]);
  });

  it("says keepalived 2.4.3 in the header and no longer calls auth_hmac not modelled; under 2.2 it still does", () => {
    const header = formatTimeline(simulate('mixed')).split('\n\n')[0]!;
    expect(header.split('\n')[0]).toMatch(/, keepalived 2\.4\.3$/);
    expect(header).not.toContain('auth_hmac (keepalived 2.4) is not modelled');
    // What 2.4.3 does beyond the model is said, not left out.
    expect(header.split('\n')[1]).toMatch(/^  keepalived 2\.4\.3 is modelled as 2\.2\.7 plus auth_hmac, .* its other changes since 2\.2\.7 are not modelled$/);
    const old = formatTimeline(simulate('mixed', null)).split('\n\n')[0]!;
    expect(old).not.toContain('is modelled as 2.2.7 plus');
    expect(old.split('\n')[0]).toMatch(/, keepalived 2\.2\.7$/);
    expect(old).toContain('auth_hmac (keepalived 2.4) is not modelled');
  });

  it('a clock-step fault puts one host out of the window: the pair that agreed splits (enforce, B stepped +30 s at 8 s)', () => {
    const dir = path.join(CAPTURES, 'enforce');
    const yaml = `name: step\nkeepalived-version: 2.4\nduration: 14s\nhosts:\n  A: { config: ${dir}/A.conf, address: 172.16.25.1 }\n  B: { config: ${dir}/B.conf, address: 172.16.25.2 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - { at: 0s, host: B, do: start }\n  - { at: 8s, host: B, do: clock-step, by: +30s }\n`;
    const parsed = parseScenario(yaml, dir, 'step.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const r = outcome.result;
    expect(r.vips['A']).toEqual(['172.16.25.51']);
    expect(r.vips['B']).toEqual(['172.16.25.51']);
    expect(r.findings.map((f) => f.kind)).toContain('split-brain');
    const logs = r.records.flatMap((x) => (x.type === 'log' ? [`${x.host} ${x.message}`] : []));
    expect(logs).toContain('B (VI_1) stale authentication trailer from 172.16.25.1, clock skew 30 sec exceeds window 5 sec');
    // Before the step they agreed.
    expect(r.records.some((x) => x.type === 'transition' && x.host === 'B' && x.to === 'MASTER' && x.t < 8)).toBe(false);
  });
});

describe('the scenario keys of keepalived 2.4 and wall clocks', () => {
  const base = (extra: { top?: string; host?: string; step?: string }): string[] => {
    const yaml = `name: s\n${extra.top ?? ''}hosts:\n  A: { config: A.conf, address: 10.0.0.1${extra.host ?? ''} }\ntimeline:\n  - { at: 0s, host: A, do: start }\n${extra.step ?? ''}`;
    const parsed = parseScenario(yaml, '/tmp', 's.yaml');
    return parsed.ok ? [] : parsed.errors;
  };

  it('reads keepalived-version, clock and clock-step, and says where a bad one is', () => {
    expect(base({ top: 'keepalived-version: 2.4\n', host: ', clock: -1m30s', step: '  - { at: 1s, host: A, do: clock-step, by: +30s }\n' })).toEqual([]);
    expect(base({ top: 'keepalived-version: 2.3\n' })).toEqual(['s.yaml:2: keepalived-version: expected 2.2 or 2.4 (got 2.3)']);
    expect(base({ host: ', clock: soon' })[0]).toMatch(/^s\.yaml:3: hosts\.A\.clock: expected how far the host's clock is off, e\.g\. \+30s or -2m/);
    expect(base({ step: '  - { at: 1s, host: A, do: clock-step, by: later }\n' })[0]).toMatch(/^s\.yaml:6: timeline\[1\]\.by: expected how far the clock steps/);
    const parsed = parseScenario('name: s\nkeepalived-version: 2.4.3\nhosts:\n  A: { config: A.conf, address: 10.0.0.1, clock: -2m }\ntimeline:\n  - { at: 0s, host: A, do: start }\n  - { at: 1s, host: A, do: clock-step, by: -1h }\n', '/tmp', 's.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    expect(parsed.scenario.keepalivedVersion).toBe('2.4');
    expect(parsed.scenario.hosts[0]!.clockOffsetMs).toBe(-120_000);
    expect(parsed.scenario.timeline[1]).toMatchObject({ do: 'clock-step', byMs: -3_600_000 });
  });
});
