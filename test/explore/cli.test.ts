/** `vrrplab explore` on the command line: JSON lines, written scenarios, exit statuses, merge. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-explore-cli-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function vrrplab(args: string[], cwd = work): { status: number | null; stdout: string; stderr: string } {
  // tsx by path: these runs start in other directories, where the package would not resolve.
  const tsx = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const result = spawnSync(process.execPath, ['--import', tsx, path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const BUGGY = ['explore', '--host', `A=${path.join(ROOT, 'examples/seed/buggy/A')}`, '--host', `B=${path.join(ROOT, 'examples/seed/buggy/B')}`];

interface FailureLine {
  type: 'failure';
  kinds: string[];
  faults: { at: number; until?: number; host?: string; do: string }[];
  scenario: string;
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('vrrplab explore\'s header', () => {
  const host = (name: string, auth: boolean) => {
    const dir = path.join(work, `v6v2${auth ? 'pass' : ''}`, name, 'etc/keepalived');
    fs.mkdirSync(dir, { recursive: true });
    const pass = auth ? '  authentication {\n    auth_type PASS\n    auth_pass secret\n  }\n' : '';
    fs.writeFileSync(path.join(dir, 'keepalived.conf'),
      `vrrp_instance VI_6 {\n  interface eth0\n  version 2\n  virtual_router_id 51\n  priority ${name === 'A' ? 150 : 100}\n${pass}  virtual_ipaddress {\n    fe80::100\n  }\n}\n`);
    return ['--host', `${name}=${path.join(work, `v6v2${auth ? 'pass' : ''}`, name)}`];
  };

  it('says first what it does not model: a PASS password over VRRPv2 over IPv6', () => {
    const run = vrrplab(['explore', ...host('A', true), ...host('B', true), '--budget', '20', '--workers', '1', '--out', 'v6v2-out']);
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Not modelled (keepalived would do this; the search did not):');
    expect(lines.slice(1, 3)).toEqual(['A', 'B'].map((name) => expect.stringMatching(new RegExp(`^  ${name} keepalived\\.conf: .*\\(VI_6\\) auth_type PASS with VRRPv2 over IPv6: .*compares nothing$`))));
  });

  it('has no such section when the configs hold nothing it leaves out', () => {
    const run = vrrplab(['explore', ...host('A', false), ...host('B', false), '--budget', '20', '--workers', '1', '--out', 'v6v3-out']);
    expect(run.status).toBe(0);
    expect(run.stdout).not.toContain('Not modelled');
    expect(run.stdout.split('\n')[0]).toMatch(/^Explored 20 schedules/);
  });
});

describe('vrrplab explore on the command line', () => {
  it('prints one JSON line per failure with its faults in seconds and a runnable scenario, then a summary', () => {
    const run = vrrplab([...BUGGY, '--budget', '300', '--json', '--workers', '1', '--out', 'json-out']);
    expect(run.status).toBe(0);
    const lines = jsonLines(run.stdout);
    const summary = lines.at(-1);
    expect(summary).toMatchObject({ type: 'summary', schedules: 300, failures: lines.length - 1, exhaustiveDepth: 1 });
    expect(typeof summary?.['seconds']).toBe('number');
    const restart = lines.find((line) => JSON.stringify((line as unknown as FailureLine).faults) === '[{"at":16,"until":17,"do":"stop","host":"A"}]') as FailureLine | undefined;
    expect(restart?.kinds).toEqual(['collective-drift', 'stranded-service']);
    // The scenario names its hosts by absolute paths, so it runs from any directory.
    const file = path.join(work, 'restart.yaml');
    fs.writeFileSync(file, restart?.scenario ?? '');
    const replay = vrrplab(['simulate', file, '--fail-on', 'collective-drift'], os.tmpdir());
    expect(replay.status).toBe(1);
    expect(replay.stdout).toContain('[collective-drift]');
    expect(fs.readdirSync(path.join(work, 'json-out')).length).toBe(lines.length - 1);
  });

  it('says in words what failed and how to replay it, and --fail-on makes the run fail', () => {
    const run = vrrplab([...BUGGY, '--budget', '60', '--workers', '1', '--out', 'text-out', '--fail-on', 'collective-drift']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('keepalived starts on A, then B, 2 s apart');
    expect(run.stdout).toMatch(/reproduce: vrrplab simulate text-out\/\d+-start-AB\.yaml/);
    expect(vrrplab([...BUGGY, '--budget', '60', '--workers', '1', '--out', 'text-out', '--fail-on', 'duplicate-vip']).status).toBe(0);
  });

  it('writes the timelines of the minimal failing scenarios to one HTML page', () => {
    const run = vrrplab([...BUGGY, '--budget', '20', '--workers', '1', '--out', 'html-out', '--html', 'failures.html']);
    expect(run.status).toBe(0);
    const html = fs.readFileSync(path.join(work, 'failures.html'), 'utf8');
    const names = fs.readdirSync(path.join(work, 'html-out')).map((file) => file.replace(/\.yaml$/, ''));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(html).toContain(name);
    expect(html).toContain('<svg');
  });

  it('joins shard outputs with explore merge into what one run prints', () => {
    const whole = vrrplab([...BUGGY, '--budget', '400', '--json', '--workers', '2', '--out', 'whole']);
    const files = [0, 1].map((index) => {
      const shard = vrrplab([...BUGGY, '--budget', '400', '--json', '--workers', '1', '--shard', `${index}/2`, '--out', `shard${index}`]);
      expect(shard.status).toBe(0);
      const file = path.join(work, `shard${index}.jsonl`);
      fs.writeFileSync(file, shard.stdout);
      return file;
    });
    const merged = vrrplab(['explore', 'merge', ...files, '--json', '--out', 'merged']);
    expect(merged.status).toBe(0);
    const failures = (text: string) => jsonLines(text).filter((line) => line['type'] === 'failure');
    expect(failures(merged.stdout)).toEqual(failures(whole.stdout));
    // Races keep both outcomes through the merge (the haproxy stop on A fails only when A comes up first).
    expect(failures(merged.stdout).filter((line) => line['race'] !== undefined).length).toBeGreaterThan(0);
    expect(jsonLines(merged.stdout).at(-1)).toMatchObject({ type: 'summary', schedules: 400 });
    // The kinds excused as expected, counted and listed as one run lists them (by name).
    const excused = (text: string) => JSON.stringify(jsonLines(text).at(-1)?.['excused']);
    expect(excused(merged.stdout)).toBe(excused(whole.stdout));
  });

  it('takes a scenario file as the common prefix of every schedule and says so', () => {
    const run = vrrplab(['explore', path.join(ROOT, 'examples/scenarios/seed-buggy-haproxy-restart.yaml'), '--budget', '40', '--workers', '1', '--out', 'prefix-out']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("01-no-fault  [collective-drift, stranded-service]  0 faults\n  no fault beyond the scenario's own timeline");
    const yaml = fs.readFileSync(path.join(work, 'prefix-out/01-no-fault.yaml'), 'utf8');
    expect(yaml).toContain('  - { at: 12s, do: service-stop, host: A, service: haproxy }');
  });

  it('rejects a host directory that does not exist, and a bad budget, with exit 2 and no stack trace', () => {
    const missing = vrrplab(['explore', '--host', 'A=/nonexistent/A', '--host', `B=${path.join(ROOT, 'examples/seed/buggy/B')}`]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('host directory /nonexistent/A not found');
    const budget = vrrplab([...BUGGY, '--budget', 'soon']);
    expect(budget.status).toBe(2);
    expect(budget.stderr).toContain('--budget');
    expect(budget.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
