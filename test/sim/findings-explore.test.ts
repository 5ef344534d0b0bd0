import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SIM_FINDING_KINDS } from '../../src/sim/findings.js';
import { runScenario } from '../../src/sim/run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { EXPLORE_FIXTURES, failures, kinds, simulateSet } from './findings-helpers.js';
import { ROOT } from './helpers.js';

/** Every fault explore injects, each with its undoing, on the home host A of the clean set. */
const FAULTS: Record<string, string[]> = {
  'nginx stop/start on A': ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 20s, host: A, do: service-start, service: nginx }'],
  'nginx stop/start on B': ['{ at: 10s, host: B, do: service-stop, service: nginx }', '{ at: 20s, host: B, do: service-start, service: nginx }'],
  'a one-second nginx blip on A': ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 11s, host: A, do: service-start, service: nginx }'],
  'kill/start of A': ['{ at: 10s, host: A, do: kill }', '{ at: 20s, host: A, do: start }'],
  'kill/start of B': ['{ at: 10s, host: B, do: kill }', '{ at: 20s, host: B, do: start }'],
  'stop/start of A': ['{ at: 10s, host: A, do: stop }', '{ at: 20s, host: A, do: start }'],
  'link down/up on A': ['{ at: 10s, host: A, do: link-down }', '{ at: 20s, host: A, do: link-up }'],
  'partition A | B+C and heal': ['{ at: 10s, do: partition, groups: [[A], [B, C]] }', '{ at: 20s, do: heal }'],
  'partition A+C | B and heal': ['{ at: 10s, do: partition, groups: [[A, C], [B]] }', '{ at: 20s, do: heal }'],
  'a burst of 60% loss': ['{ at: 10s, do: loss, percent: 60 }', '{ at: 20s, do: loss, percent: 0 }'],
};

const NGINX_RESTART_ON_A = FAULTS['nginx stop/start on A'] ?? [];

const temporary: string[] = [];
afterAll(() => {
  for (const directory of temporary) fs.rmSync(directory, { recursive: true, force: true });
});

/** A copy of a fixture set with its keepalived.conf files edited. */
function variant(set: string, edit: (text: string, host: string) => string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `vrrplab-${set}-`));
  temporary.push(directory);
  fs.cpSync(path.join(EXPLORE_FIXTURES, set), directory, { recursive: true });
  for (const host of fs.readdirSync(directory)) {
    const file = path.join(directory, host, 'etc/keepalived/keepalived.conf');
    if (fs.existsSync(file)) fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8'), host));
  }
  return directory;
}

describe('findings allow for the checks and takeover that keepalived needs', () => {
  it('reports no collective drift while nginx on the home node recovers through rise 2 x interval 2 and the VIPs come home a takeover later', () => {
    const result = simulateSet('three-node-clean', '40s', NGINX_RESTART_ON_A);
    expect(result.findings).toEqual([]);
    const home = result.records.find((record) => record.type === 'vip' && record.host === 'A' && record.held && record.t > 20);
    expect(home?.t).toBeGreaterThan(22);
    expect(home?.t).toBeLessThan(26);
    expect(result.vips).toEqual({ A: ['192.168.50.10'], B: ['192.168.50.11'], C: [] });
  });

  for (const [name, timeline] of Object.entries(FAULTS)) {
    it(`finds no failure in the clean three-node set under ${name}`, () => {
      for (const seed of [1, 2]) {
        const result = simulateSet('three-node-clean', '45s', timeline, seed);
        expect(failures(result)).toEqual([]);
        // Whatever happened, the VIPs are back home at the end.
        expect(result.vips['A']).toContain('192.168.50.10');
        expect(result.vips['B']).toContain('192.168.50.11');
      }
    });
  }

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

describe('split brain during a partition', () => {
  it('is reported while a partition lasts but marked as expected of VRRP', () => {
    const result = simulateSet('three-node-clean', '30s', FAULTS['partition A | B+C and heal']);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split.length).toBeGreaterThan(0);
    for (const finding of split) {
      expect(finding.byDesign).toBe(true);
      expect(finding.message).toMatch(/during a partition: expected of VRRP/);
      expect(finding.duringFaults).toEqual(['partition A | B+C']);
      expect(finding.to).toBeGreaterThanOrEqual(20);
      expect(finding.to).toBeLessThan(21.1);
    }
  });

  it('is a failure when it happens with no fault at all, as with a unicast peer typo', () => {
    const result = simulateSet('unicast-typo', '30s');
    const split = failures(result).filter((finding) => finding.kind === 'split-brain');
    expect(split).toHaveLength(1);
    expect(split[0]?.hosts.sort()).toEqual(['A', 'B']);
    expect(split[0]?.to).toBe(30);
    expect(split[0]?.duringFaults).toBeUndefined();
  });

  it('is a failure when it outlives the heal, and says by how much', () => {
    // B is stopped before the partition and starts during it, so the split brain begins there; the typo keeps it after the heal.
    const result = simulateSet('unicast-typo', '40s', ['{ at: 0.8s, host: B, do: stop }', '{ at: 5s, do: partition, groups: [[A], [B]] }', '{ at: 6s, host: B, do: start }', '{ at: 20s, do: heal }']);
    const split = result.findings.filter((finding) => finding.kind === 'split-brain');
    expect(split).toHaveLength(1);
    expect(split[0]?.byDesign).toBeUndefined();
    expect(split[0]?.from).toBeGreaterThan(6);
    expect(split[0]?.to).toBe(40);
    expect(split[0]?.message).toMatch(/outliving the end of partition A \| B at 20\.000 s by 20\.000 s/);
  });
});

describe('unhealthy-master', () => {
  it('is named when a check weight of -20 cannot move the VIP from 150 to 100 after nginx stops on the master', () => {
    const result = simulateSet('weight-too-small', '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 25s, host: A, do: service-start, service: nginx }']);
    expect(kinds(failures(result))).toEqual(['unhealthy-master']);
    const finding = result.findings[0];
    expect(finding?.hosts).toEqual(['A', 'B']);
    expect(finding?.instances).toEqual(['A/VI_1', 'B/VI_1']);
    // chk_nginx (fall 2 x interval 2) notices by 14 s; it recovers (rise 2) by 29 s.
    expect(finding?.from).toBeGreaterThan(10);
    expect(finding?.from).toBeLessThanOrEqual(14.2);
    expect(finding?.to).toBeGreaterThan(25);
    expect(finding?.to).toBeLessThanOrEqual(29.2);
    expect(finding?.duringFaults).toEqual(['A service-stop nginx']);
    expect(finding?.message).toMatch(/A stayed MASTER of VI_1 .* while chk_nginx failed there, although B passed every check/);
    expect(result.vips).toEqual({ A: ['192.168.50.10'], B: [] });
  });

  it('is not named when the failing check is on the backup, or nothing fails', () => {
    expect(failures(simulateSet('weight-too-small', '40s'))).toEqual([]);
    expect(failures(simulateSet('weight-too-small', '40s', ['{ at: 10s, host: B, do: service-stop, service: nginx }']))).toEqual([]);
  });

  it('is not named when every peer fails the check as well', () => {
    const result = simulateSet('weight-too-small', '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }', '{ at: 10s, host: B, do: service-stop, service: nginx }']);
    expect(kinds(failures(result))).not.toContain('unhealthy-master');
  });

  it('is not named for a weight-0 check: keepalived puts the master in FAULT and the VIP moves', () => {
    const set = variant('weight-too-small', (text) => text.replace('weight -20', 'weight 0'));
    const result = simulateSet(set, '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }']);
    expect(failures(result)).toEqual([]);
    expect(result.vips).toEqual({ A: [], B: ['192.168.50.10'] });
  });

  it('is not named for a script that no instance tracks', () => {
    const set = variant('weight-too-small', (text) => text.replace(/\n {4}track_script \{\n {8}chk_nginx\n {4}\}/, ''));
    const result = simulateSet(set, '40s', ['{ at: 10s, host: A, do: service-stop, service: nginx }']);
    expect(failures(result)).toEqual([]);
  });

  it('is named for a reverse weight whose check succeeding lowers the priority', () => {
    const set = variant('weight-too-small', (text) => text.replace('weight -20', 'weight 20 reverse'));
    // With `reverse`, nginx running is what lowers A's priority (to 130): A is master with that check "bad" and B is not.
    const result = simulateSet(set, '30s', ['{ at: 0s, host: B, do: service-stop, service: nginx }']);
    expect(kinds(failures(result))).toEqual(['unhealthy-master']);
  });
});

describe('duplicate-vip', () => {
  it('is named when one host uses VRID 61 for the VIP the others hold under 51', () => {
    const result = simulateSet('duplicate-vip', '30s');
    expect(kinds(failures(result))).toEqual(['duplicate-vip']);
    const finding = result.findings[0];
    expect(finding?.hosts.sort()).toEqual(['A', 'C']);
    expect(finding?.message).toMatch(/192\.168\.50\.10 was held by .*VRID 51.*VRID 61/);
    expect(finding?.from).toBeLessThan(5);
    expect(finding?.to).toBe(30);
  });

  it('is not named for a VIP a killed keepalived left behind while its own VRID moved on', () => {
    const result = simulateSet('three-node-clean', '30s', ['{ at: 10s, host: A, do: kill }']);
    expect(result.vips['A']).toEqual(['192.168.50.10']);
    expect(result.vips['B']).toContain('192.168.50.10');
    expect(kinds(result.findings)).not.toContain('duplicate-vip');
  });
});

describe('flapping', () => {
  it('is named when a notify line makes the master stop its own haproxy, with no fault at all', () => {
    const result = simulateSet('flapping', '60s');
    const flapping = failures(result).filter((finding) => finding.kind === 'flapping');
    expect(flapping.map((finding) => finding.instances[0]).sort()).toEqual(['A/VI_1', 'B/VI_1']);
    for (const finding of flapping) expect(finding.duringFaults).toBeUndefined();
  });

  it('does not count state changes that each follow an injected fault', () => {
    const bounces = Array.from({ length: 5 }, (_, index) => [
      `{ at: ${10 + index * 12}s, host: A, do: stop }`,
      `{ at: ${16 + index * 12}s, host: A, do: start }`,
    ]).flat();
    const result = simulateSet('three-node-clean', '75s', bounces);
    expect(kinds(result.findings)).not.toContain('flapping');
  });
});

describe('slow-failover', () => {
  it('is named when the only backup sits in FAULT through its own notify script while the master is away', () => {
    const result = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: stop }', '{ at: 20s, host: A, do: start }']);
    const slow = failures(result).filter((finding) => finding.kind === 'slow-failover');
    expect(slow).toHaveLength(1);
    expect(slow[0]?.from).toBe(10);
    expect(slow[0]?.to).toBeGreaterThan(20);
    expect(slow[0]?.message).toMatch(/although B ran keepalived with no injected fault/);
  });

  it('is named until the end when nobody ever takes over', () => {
    const result = simulateSet('slow-failover', '40s', ['{ at: 10s, host: A, do: kill }']);
    const slow = failures(result).filter((finding) => finding.kind === 'slow-failover');
    expect(slow.map((finding) => [finding.from, finding.to])).toEqual([[10, 40]]);
  });

  it('is not named for an ordinary failover in the clean set', () => {
    for (const fault of ['kill', 'stop', 'link-down']) {
      const result = simulateSet('three-node-clean', '30s', [`{ at: 10s, host: A, do: ${fault} }`]);
      expect(failures(result)).toEqual([]);
    }
  });
});

describe('the fixture sets', () => {
  const expected: Record<string, string[]> = {
    'three-node-clean': [],
    'weight-too-small': ['unhealthy-master'],
    'duplicate-vip': ['duplicate-vip'],
    'unicast-typo': ['split-brain'],
    flapping: ['flapping'],
    'slow-failover': ['slow-failover', 'stranded-service'],
    'track-file': [],
    'postgres-sync': [],
  };

  it('each have a one-line README and scenarios that give the failure they are named for', () => {
    const sets = fs.readdirSync(EXPLORE_FIXTURES).filter((name) => fs.statSync(path.join(EXPLORE_FIXTURES, name)).isDirectory());
    expect(sets.sort()).toEqual(Object.keys(expected).sort());
    for (const set of sets) {
      expect(fs.readFileSync(path.join(EXPLORE_FIXTURES, set, 'README.md'), 'utf8').trim().length).toBeGreaterThan(20);
      const scenarios = fs.readdirSync(path.join(EXPLORE_FIXTURES, set, 'scenarios')).filter((name) => name.endsWith('.yaml'));
      expect(scenarios.length).toBeGreaterThan(0);
      for (const file of scenarios) {
        const loaded = loadScenario(path.join(EXPLORE_FIXTURES, set, 'scenarios', file));
        if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
        const outcome = runScenario(loaded.scenario);
        if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
        expect(kinds(failures(outcome.result)), `${set}/${file}`).toEqual(expected[set]);
      }
    }
  });

  it('only use finding kinds the simulator knows', () => {
    for (const list of Object.values(expected)) for (const kind of list) expect(SIM_FINDING_KINDS).toContain(kind);
  });
});
