/**
 * The differential campaign's cases (src/lab/campaign.ts): case i of a seed is always the same case,
 * every case is a scenario simulate runs and configurations keepalived -t would accept, and the
 * cases together cover every feature the campaign promises to vary.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { classify, generateCase, rejudge, type CaseOutcome } from '../../src/lab/campaign.js';
import type { Comparison, Divergence } from '../../src/lab/compare.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';

const base = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-campaign-'));
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

const read = (dir: string): string => fs.readdirSync(dir).sort().map((file) => `${file}\n${fs.readFileSync(path.join(dir, file), 'utf8')}`).join('\n');

describe('the differential campaign cases', () => {
  it('case i of a seed is the same case every time, and another seed gives other cases', () => {
    const a = generateCase(7, 3, path.join(base, 'a'));
    const b = generateCase(7, 3, path.join(base, 'b'));
    expect(read(b.dir).replaceAll(path.join(base, 'b'), '')).toBe(read(a.dir).replaceAll(path.join(base, 'a'), ''));
    expect(b.description).toBe(a.description);
    const others = Array.from({ length: 5 }, (_, i) => generateCase(8, i, path.join(base, 'c')).description);
    expect(others).not.toContain(a.description);
  });

  it('every case is a scenario simulate runs, with configurations keepalived -t would accept', () => {
    for (let i = 0; i < 60; i++) {
      const item = generateCase(11, i, path.join(base, 'valid'));
      const loaded = loadScenario(item.file);
      expect(loaded.ok, `${item.file}: ${loaded.ok ? '' : loaded.errors.join('; ')}`).toBe(true);
      if (!loaded.ok) continue;
      for (const host of loaded.scenario.hosts) {
        const config = loadConfig(host.configPath, { scriptExists: () => true });
        expect(config.exitStatus, `${host.configPath}: ${config.diagnostics.map((d) => d.message).join('; ')}`).toBe(0);
      }
      const outcome = runScenario(loaded.scenario);
      expect(outcome.ok).toBe(true);
    }
  });

  it('the cases vary every feature the campaign promises', () => {
    const descriptions = Array.from({ length: 200 }, (_, i) => generateCase(5, i, path.join(base, 'mix')).description).join('\n');
    for (const feature of ['2 hosts', '3 hosts', 'VRRPv2/IPv4', 'VRRPv3/IPv4', 'VRRPv3/IPv6', 'sync group', '2 instances', 'unicast', 'auth PASS', 'advert_int 2',
      'script weight 0', 'script weight -', 'track_file weight', 'nopreempt', 'preempt_delay', 'stop ', 'kill ', 'link-down', 'partition', 'svc stopped', 'chk_svc hangs', 'tf=']) {
      expect(descriptions, feature).toContain(feature);
    }
  });
});

describe('the differential campaign cases with the newer features (--newer)', () => {
  it('leaves the rest of the case as it was: the same description before the newer features, the same timeline but for the tracked link', () => {
    for (let i = 0; i < 40; i++) {
      const plain = generateCase(19, i, path.join(base, 'plain'));
      const newer = generateCase(19, i, path.join(base, 'newer'), true);
      const stripped = newer.description
        .replace(/; track_interface eth1 (weight -?\d+|on the group)/, '')
        .replace(/; (no_)?accept(?=;)/, '')
        .replace(/; unicast min_ttl \d+ max_ttl \d+/, '')
        .replace(/(, )?eth1 down on [A-C] [\d.-]+ s/, '')
        .replace('faults: , ', 'faults: ');
      expect(stripped, `case ${i}`).toBe(plain.description);
      const events = (file: string) => fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.startsWith('  - {') && !line.includes('interface: eth1'));
      expect(events(newer.file), `case ${i}`).toEqual(events(plain.file));
    }
  });

  it('every case is still a scenario simulate runs, with configurations keepalived -t would accept', () => {
    for (let i = 0; i < 60; i++) {
      const item = generateCase(11, i, path.join(base, 'newer-valid'), true);
      const loaded = loadScenario(item.file);
      expect(loaded.ok, `${item.file}: ${loaded.ok ? '' : loaded.errors.join('; ')}`).toBe(true);
      if (!loaded.ok) continue;
      for (const host of loaded.scenario.hosts) {
        const config = loadConfig(host.configPath, { scriptExists: () => true });
        expect(config.exitStatus, `${host.configPath}: ${config.diagnostics.map((d) => d.message).join('; ')}`).toBe(0);
        const text = fs.readFileSync(host.configPath, 'utf8');
        if (item.description.includes('track_interface eth1 weight')) expect(text).toContain('eth1 weight');
        if (item.description.includes('track_interface eth1 on the group')) expect(text).toMatch(/^ {4}eth1$/m);
        if (/no_accept/.test(item.description)) expect(text).toMatch(/^ {2}no_accept$/m);
      }
      const outcome = runScenario(loaded.scenario);
      expect(outcome.ok).toBe(true);
    }
  });

  it('the cases vary every newer feature, and none without --newer', () => {
    const newer = Array.from({ length: 200 }, (_, i) => generateCase(5, i, path.join(base, 'newer-mix'), true).description).join('\n');
    for (const feature of ['track_interface eth1 weight -', 'track_interface eth1 weight 0', 'track_interface eth1 weight 10', 'track_interface eth1 on the group', '; accept', '; no_accept', 'min_ttl 0 max_ttl 254', 'min_ttl 255 max_ttl 255', 'eth1 down on']) {
      expect(newer, feature).toContain(feature);
    }
    const plain = Array.from({ length: 200 }, (_, i) => generateCase(5, i, path.join(base, 'plain-mix')).description).join('\n');
    expect(plain).not.toMatch(/track_interface|accept|min_ttl|eth1/);
  });
});

describe("telling keepalived's races from divergences", () => {
  const divergence = (key: string, t = 5): Divergence => ({ host: 'B', instance: 'VI_1', t, expected: 'MASTER at 5.000 s', seen: 'MASTER at 6.100 s', message: key, key });
  const runs = (...keys: string[][]): Comparison[] => keys.map((list) => ({ divergences: list.map((key) => divergence(key)), matched: 3, largestErrorS: 0.05 }));

  it('a keepalived run that agrees with simulate makes the case a race', () => {
    expect(classify(runs(['B/VI_1#1:MASTER>MASTER~'], []), false).race).toBe(true);
  });

  it("keepalived's runs differing, with no disagreement common to all of them, make a race", () => {
    expect(classify(runs(['B/VI_1#1:MASTER>MASTER~'], ['B/VI_1#3:MASTER>MASTER~']), true).race).toBe(true);
  });

  it('a disagreement every keepalived run shows is a divergence, named, though the runs differ elsewhere', () => {
    const verdict = classify(runs(['B/VI_2#1:MASTER>MASTER~', 'B/VI_2#4:MASTER>MASTER~'], ['B/VI_2#4:MASTER>MASTER~'], ['B/VI_2#4:MASTER>MASTER~']), true);
    expect(verdict.race).toBe(false);
    expect(verdict.divergence?.key).toBe('B/VI_2#4:MASTER>MASTER~');
  });

  it('runs of keepalived that agree with each other and not with simulate are a divergence', () => {
    expect(classify(runs(['A/VI_1#2:BACKUP>-'], ['A/VI_1#2:BACKUP>-']), false).race).toBe(false);
  });
});

describe('judging a kept case again', () => {
  it('reads its keepalived recordings back and judges them with the simulator as it is now', () => {
    const fixture = path.join(import.meta.dirname, '../fixtures/differential/preempt-delay-boundary');
    const kept: CaseOutcome = {
      index: 18, seed: 100, file: path.join(fixture, 'scenario.yaml'), description: 'kept', status: 'diverge',
      divergence: 'as judged before the preempt_delay fix', matched: 3, largestErrorMs: 0, labRuns: 1, runs: [path.join(fixture, 'keepalived')],
    };
    const again = rejudge(kept);
    expect(again.status).toBe('agree');
    expect(again.matched).toBeGreaterThanOrEqual(3);
  });

  it('says a case whose scenario is gone could not be judged', () => {
    const kept: CaseOutcome = { index: 1, seed: 1, file: path.join(base, 'nowhere.yaml'), description: 'gone', status: 'diverge', matched: 0, largestErrorMs: 0, labRuns: 1, runs: [path.join(base, 'nowhere')] };
    expect(rejudge(kept).status).toBe('error');
  });
});
