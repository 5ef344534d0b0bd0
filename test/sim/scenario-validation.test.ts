import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify as stringifyYaml } from 'yaml';
import { loadHostConfig, runScenario, type SimulationResult } from '../../src/sim/run.js';
import { loadScenario, parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { validateScenario } from '../../src/sim/validate.js';
import { ROOT } from './helpers.js';

/** A pair tracking nginx (chk_nginx) and eth1 (weight -60), VRRP on eth0. A 150, B 100. */
function pairConfig(priority: number): string {
  return [
    'vrrp_script chk_nginx {',
    '  script "pidof nginx"',
    '  interval 1',
    '  rise 1',
    '  fall 1',
    '}',
    'vrrp_instance VI_1 {',
    '  interface eth0',
    '  state BACKUP',
    `  priority ${priority}`,
    '  virtual_router_id 51',
    '  advert_int 1',
    '  track_interface {',
    '    eth1 weight -60',
    '  }',
    '  track_script {',
    '    chk_nginx',
    '  }',
    '  virtual_ipaddress {',
    '    10.0.0.100/24',
    '  }',
    '}',
    '',
  ].join('\n');
}

let dir = '';
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-scenario-'));
  fs.writeFileSync(path.join(dir, 'A.conf'), pairConfig(150));
  fs.writeFileSync(path.join(dir, 'B.conf'), pairConfig(100));
  // Like A, with a notify script that stops varnish on BACKUP (a service no check follows).
  fs.writeFileSync(path.join(dir, 'C.conf'), pairConfig(150).replace('  advert_int 1\n', `  advert_int 1\n  notify_backup "${path.join(dir, 'notify.sh')} backup"\n`));
  fs.writeFileSync(path.join(dir, 'notify.sh'), '#!/bin/sh\ncase "$1" in\n  backup) systemctl stop varnish ;;\nesac\n');
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Lines 1-6 are fixed: so an error on line N points at the Nth line of the text below. */
function scenarioText(lines: string[]): string {
  return lines.join('\n');
}

const HEADER = ['name: t', 'duration: 40s', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.2 }'];
const STARTS = ['  - { at: 0s, host: A, do: start, startup: 10ms }', '  - { at: 0s, host: B, do: start, startup: 10ms }'];

function parseErrors(text: string): string[] {
  const parsed = parseScenario(text, dir, 's.yaml');
  if (parsed.ok) throw new Error(`expected errors, got a scenario${parsed.warnings.length > 0 ? ` with warnings ${parsed.warnings.join('; ')}` : ''}`);
  return parsed.errors;
}

function parsed(text: string): { scenario: Scenario; warnings: string[] } {
  const result = parseScenario(text, dir, 's.yaml');
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return result;
}

function runErrors(text: string): string[] {
  const outcome = runScenario(parsed(text).scenario, { keepLogs: false });
  if (outcome.ok) throw new Error('expected the run to be refused');
  return outcome.errors;
}

function run(text: string): { result: SimulationResult; warnings: string[] } {
  const outcome = runScenario(parsed(text).scenario);
  if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
  return { result: outcome.result, warnings: outcome.warnings };
}

describe('scenario files: bad input gets an error naming file and line', () => {
  it('a check model for a vrrp_script no config defines, one edit from a real one, is an error suggesting the real name', () => {
    const errors = runErrors(scenarioText([...HEADER, 'checks:', '  chk_nginxx: { service: nginx }', 'timeline:', ...STARTS]));
    expect(errors).toEqual([expect.stringMatching(/^s\.yaml:7: checks\.chk_nginxx: no host config defines vrrp_script chk_nginxx \(did you mean chk_nginx\?\)/)]);
  });

  it('a check model for a name unlike any vrrp_script is a warning, as keepalived warns and goes on about an unknown track_script', () => {
    const { warnings } = run(scenarioText([...HEADER, 'checks:', '  chk_other: { exit: 1 }', 'timeline:', ...STARTS]));
    expect(warnings).toEqual([expect.stringMatching(/^s\.yaml:7: checks\.chk_other: no host config defines vrrp_script chk_other, so this model is never used/)]);
  });

  it('a timeline service-stop of a service that no check or notify uses, one edit from one that is, is an error suggesting it', () => {
    const errors = runErrors(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: service-stop, service: ngnix }']));
    expect(errors).toEqual([expect.stringMatching(/^s\.yaml:9: timeline \(service-stop at 10s\): no check, notify script or track_process uses service ngnix \(did you mean nginx\?\)/)]);
  });

  it('a service only a notify script names counts as used, and a near miss of it is an error', () => {
    const header = ['duration: 40s', 'hosts:', '  A: { config: C.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.2 }'];
    expect(run(scenarioText([...header, 'services: { varnish: up }', 'timeline:', ...STARTS])).warnings).toEqual([]);
    expect(runErrors(scenarioText([...header, 'services: { varnsh: up }', 'timeline:', ...STARTS]))).toEqual([
      expect.stringMatching(/^s\.yaml:5: services\.varnsh: no check, notify script or track_process uses service varnsh \(did you mean varnish\?\)/),
    ]);
  });

  it('a service that resembles nothing any check or notify uses is a warning: stopping it changes nothing', () => {
    const { warnings } = run(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: service-stop, service: postgres }']));
    expect(warnings).toEqual(['s.yaml:9: timeline (service-stop at 10s): no check, notify script or track_process uses service postgres, so its state changes nothing (services used: nginx)']);
  });

  it('a misspelt service in services: is an error at its line, per host too', () => {
    expect(runErrors(scenarioText([...HEADER, 'services: { ngnix: up }', 'timeline:', ...STARTS]))).toEqual([
      expect.stringMatching(/^s\.yaml:6: services\.ngnix: no check, notify script or track_process uses service ngnix \(did you mean nginx\?\)/),
    ]);
    expect(runErrors(scenarioText([...HEADER, 'services:', '  B:', '    nginx: up', '    ngnix: down', 'timeline:', ...STARTS]))).toEqual([
      expect.stringMatching(/^s\.yaml:9: services\.B\.ngnix: no check, notify script or track_process uses service ngnix/),
    ]);
  });

  it('an invalid IPv4 address is an error at its line', () => {
    const errors = parseErrors(scenarioText(['name: t', 'hosts:', '  A: { config: A.conf, address: 999.16.25.1 }', 'timeline:', '  - { at: 0s, host: A, do: start }']));
    expect(errors).toEqual(['s.yaml:3: hosts.A.address: "999.16.25.1" is not an IPv4 address']);
  });

  it('two hosts with one address is an error at the second, not a simulated split brain', () => {
    const errors = parseErrors(scenarioText(['hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.1 }', 'timeline:', ...STARTS]));
    expect(errors).toEqual(["s.yaml:3: hosts.B.address: 10.0.0.1 is also A's address: each host needs its own"]);
  });

  it('two hosts with one address6 is an error, spelt differently or clashing with the default fe80::N', () => {
    const same = parseErrors(
      scenarioText(['hosts:', '  A: { config: A.conf, address: 10.0.0.1, address6: "fe80::a" }', '  B:', '    config: B.conf', '    address: 10.0.0.2', '    address6: "fe80:0::000a"', 'timeline:', ...STARTS]),
    );
    expect(same).toEqual(["s.yaml:6: hosts.B.address6: fe80:0::000a is also A's address6: each host needs its own"]);
    const clash = parseErrors(scenarioText(['hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.2, address6: "fe80::1" }', 'timeline:', ...STARTS]));
    expect(clash).toEqual([expect.stringMatching(/^s\.yaml:3: hosts\.B\.address6: fe80::1 is also A's default address6 \(fe80::1\)/)]);
    expect(parseErrors(scenarioText(['hosts:', '  A: { config: A.conf, address: 10.0.0.1, address6: "fe80::zz" }', 'timeline:', STARTS[0] ?? '']))).toEqual([
      's.yaml:2: hosts.A.address6: "fe80::zz" is not an IPv6 address',
    ]);
  });

  it('an event after the end of the run is an error rather than silently dropped', () => {
    const errors = parseErrors(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 50s, host: A, do: stop }']));
    expect(errors).toEqual([expect.stringMatching(/^s\.yaml:9: timeline\[2\]\.at: 50s is after the end of the run \(duration: 40s\)/)]);
  });

  it('a duration longer than 31 days is an error instead of a run that never ends', () => {
    const errors = parseErrors(scenarioText(['name: t', 'duration: 999999999h', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', 'timeline:', STARTS[0] ?? '']));
    expect(errors).toEqual([expect.stringMatching(/^s\.yaml:2: duration: 999999999h is longer than the 31-day limit/)]);
    expect(parseScenario(scenarioText(['duration: 744h', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', 'timeline:', STARTS[0] ?? '']), dir).ok).toBe(true);
  });

  it('an unknown top-level key is an error suggesting the known one', () => {
    const errors = parseErrors(scenarioText([...HEADER, 'timline:', ...STARTS]));
    // The timeline is misspelt, so nothing starts either.
    expect(errors[0]).toBe('s.yaml:6: timline: unknown key (did you mean timeline?); expected name, duration, scripts, seed, start-jitter, hosts, services, checks, notify, findings, timeline, keepalived-version');
    expect(errors[1]).toMatch(/^s\.yaml: no host is ever started, so nothing would run/);
  });

  it('an unknown key in a host spec is an error at its line', () => {
    const errors = parseErrors(scenarioText(['hosts:', '  A:', '    config: A.conf', '    adress: 10.0.0.1', 'timeline:', STARTS[0] ?? '']));
    expect(errors).toContain('s.yaml:4: hosts.A.adress: unknown key for a host (did you mean address?); expected root, config, address, address6, stopped, process-events, clock');
  });

  it('a key a timeline action does not take is an error, so stop with interface: eth1 does not silently stop the host', () => {
    const errors = parseErrors(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: stop, interface: eth1 }']));
    expect(errors).toEqual(['s.yaml:9: timeline[2].interface: unknown key for stop; stop takes at, do, host']);
    const typo = parseErrors(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: link-down, interfce: eth1 }']));
    expect(typo).toEqual(['s.yaml:9: timeline[2].interfce: unknown key for link-down (did you mean interface?); link-down takes at, do, host, interface']);
  });

  it('a host that the timeline never starts is an error, unless the host says stopped: true', () => {
    const errors = parseErrors(scenarioText([...HEADER, 'timeline:', STARTS[0] ?? '']));
    expect(errors).toEqual([expect.stringMatching(/^s\.yaml:5: hosts\.B: B is never started .*say stopped: true if it is meant to stay down$/)]);
    const stopped = parsed(scenarioText(['duration: 40s', 'hosts:', '  A: { config: A.conf, address: 10.0.0.1 }', '  B: { config: B.conf, address: 10.0.0.2, stopped: true }', 'timeline:', STARTS[0] ?? '']));
    expect(stopped.warnings).toEqual([]);
  });

  it('a timeline that starts no host at all is an error: nothing would run and the report would say "Findings: none"', () => {
    const errors = parseErrors(scenarioText([...HEADER, 'timeline:', '  - { at: 5s, host: A, do: stop }']));
    expect(errors).toEqual([expect.stringMatching(/^s\.yaml:6: timeline: no host is ever started, so nothing would run/)]);
  });

  it('a link event on an interface the host neither runs VRRP on nor tracks is an error suggesting the near one', () => {
    const errors = runErrors(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: link-down, interface: eth2 }']));
    expect(errors).toEqual([
      expect.stringMatching(/^s\.yaml:9: timeline \(link-down at 10s\): interface eth2: A's config neither runs VRRP on it nor tracks it \(did you mean eth\d\?\); it uses eth0, eth1$/),
    ]);
  });

  it('YAML syntax errors and duplicate keys name their line', () => {
    expect(parseErrors(scenarioText([...HEADER, 'hosts: {}', 'timeline:', ...STARTS]))).toEqual([expect.stringMatching(/^s\.yaml:6: not valid YAML: Map keys must be unique/)]);
    expect(parseErrors('name: t\ntimeline: [\n')).toEqual([expect.stringMatching(/^s\.yaml:\d+: not valid YAML: /)]);
  });

  it('parseScenario answers every text with a scenario or errors, and never throws', () => {
    const word = fc.constantFrom('name', 'duration', 'hosts', 'A', 'B', 'timeline', 'at', 'do', 'start', 'link-down', 'interface', 'services', 'checks', 'notify', 'findings', 'flapping', '__proto__', 'constructor', '10.0.0.1', '999.1.1.1', 'fe80::1', '40s', '1e999h', '-1', '&a', '*a', '<<', '!!binary', '~', 'null');
    const token = fc.oneof(word, fc.constantFrom(': ', '\n', '\n  ', '\n    - ', '{ ', ' }', '[', ']', ', ', '- ', '"', "'", '#', '|', '>', '---\n', '?'), fc.string({ maxLength: 6 }));
    const yamlish = fc.array(token, { maxLength: 60 }).map((tokens) => tokens.join(''));
    // Structures with the scenario's own keys at any depth, and a valid scenario with one line changed.
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, fc.anything({ maxDepth: 1 }), word, fc.dictionary(word, tie('node'), { maxKeys: 4 }), fc.array(tie('node'), { maxLength: 3 })),
    })).node;
    const structured = fc.dictionary(word, value, { maxKeys: 6 }).map((object) => stringifyYaml(object));
    const valid = scenarioText([...HEADER, 'services: { nginx: up }', 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: link-down, interface: eth1 }']).split('\n');
    const mutated = fc.tuple(fc.nat({ max: valid.length - 1 }), yamlish).map(([index, line]) => valid.map((original, at) => (at === index ? line : original)).join('\n'));
    fc.assert(
      fc.property(fc.oneof(yamlish, structured, mutated, fc.string(), fc.string({ unit: 'binary' })), (text) => {
        const result = parseScenario(text, dir, 's.yaml');
        if (result.ok) expect(result.scenario.hosts.length).toBeGreaterThan(0);
        // The last-resort catch in parseScenario must never be what answers.
        else expect(result.errors.filter((error) => error.includes('cannot read the scenario'))).toEqual([]);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('link-down and link-up on one interface', () => {
  it('taking down a tracked-only interface lowers the priority by its weight and leaves the VRRP interface up', () => {
    const { result, warnings } = run(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: link-down, interface: eth1 }', '  - { at: 20s, host: A, do: link-up, interface: eth1 }']));
    expect(warnings).toEqual([]);
    // After start-up (both wait in FAULT for chk_nginx's first result), A (150) is master; eth1 down
    // makes it 90 < B's 100: B preempts and A goes BACKUP, not FAULT (eth0 is up); eth1 up brings A back.
    const transitions = result.records.flatMap((record) => (record.type === 'transition' && record.t >= 1 ? [`${record.host} ${record.from}->${record.to}`] : []));
    expect(transitions).toEqual(['A BACKUP->MASTER', 'B BACKUP->MASTER', 'A MASTER->BACKUP', 'A BACKUP->MASTER', 'B MASTER->BACKUP']);
    expect(result.records).toContainEqual({ type: 'fault', t: 10, host: 'A', action: 'link-down', detail: 'eth1' });
    expect(result.records.some((record) => record.type === 'log' && record.host === 'A' && record.message === 'Netlink reports eth1 down')).toBe(true);
    expect(result.records.some((record) => record.type === 'priority' && record.host === 'A' && record.to === 90)).toBe(true);
  });

  it('a tracked interface already down when keepalived starts counts from the start', () => {
    const { result } = run(scenarioText([...HEADER, 'timeline:', '  - { at: 0s, host: A, do: link-down, interface: eth1 }', ...STARTS]));
    const masters = result.records.flatMap((record) => (record.type === 'transition' && record.to === 'MASTER' ? [record.host] : []));
    expect(masters).toEqual(['B']);
  });

  it('link-down without an interface still takes down the VRRP interfaces only', () => {
    const { result } = run(scenarioText([...HEADER, 'timeline:', ...STARTS, '  - { at: 10s, host: A, do: link-down }']));
    expect(result.records.some((record) => record.type === 'transition' && record.host === 'A' && record.to === 'FAULT')).toBe(true);
    expect(result.records.some((record) => record.type === 'log' && record.host === 'A' && record.message === 'Netlink reports eth1 down')).toBe(false);
  });
});

describe('the scenarios that ship load cleanly', () => {
  const files = [
    ...fs.readdirSync(path.join(ROOT, 'examples/scenarios')).map((name) => path.join(ROOT, 'examples/scenarios', name)),
    path.join(ROOT, 'examples/flag-lab/scenario.yaml'),
    ...fs.readdirSync(path.join(ROOT, 'test/fixtures/scenarios')).filter((name) => !name.startsWith('bad-')).map((name) => path.join(ROOT, 'test/fixtures/scenarios', name)),
  ].filter((file) => /\.ya?ml$/.test(file));

  it.each(files.map((file) => [path.relative(ROOT, file), file]))('%s loads with neither errors nor warnings, before and after its configs are read', (_name, file) => {
    const loaded = loadScenario(file);
    if (!loaded.ok) throw new Error(loaded.errors.join('\n'));
    expect(loaded.warnings).toEqual([]);
    const { scenario } = loaded;
    // Validated, not run: exec-mode scenarios would run the hosts' programs.
    const hosts = scenario.hosts.map((host) => ({ name: host.name, config: loadHostConfig(host, scenario.scripts, scenario.directory).config }));
    expect(validateScenario(scenario, hosts)).toEqual({ errors: [], warnings: [] });
  });

  it('the bad-timeline fixture fails with its one error, at its line', () => {
    const loaded = loadScenario(path.join(ROOT, 'test/fixtures/scenarios/bad-timeline.yaml'));
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.errors).toEqual([expect.stringMatching(/bad-timeline\.yaml:6: timeline\[0\]: do: unknown action "explode" \(start, stop/)]);
  });
});
