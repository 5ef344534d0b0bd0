/** The command line as users meet it: exit statuses and messages, through the real entry point. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');

function vrrplab(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('vrrplab on the command line', () => {
  it('check exits 1 for a config file that does not exist, where keepalived -t would pass silently', () => {
    const run = vrrplab('check', '-f', '/nonexistent/keepalived.conf');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no such file');
  });

  it('check, explore and compare refuse a --host given twice with exit 2, naming it, instead of judging one host under two names', () => {
    const a = 'A=examples/seed/buggy/A';
    const check = vrrplab('check', '--host', a, '--host', 'A=examples/seed/buggy/B');
    expect(check.status).toBe(2);
    expect(check.stderr).toContain('--host A is given twice (A=examples/seed/buggy/A and A=examples/seed/buggy/B)');
    const explore = vrrplab('explore', '--host', a, '--host', 'A=examples/seed/buggy/B', '--budget', '10');
    expect(explore.status).toBe(2);
    expect(explore.stderr).toContain('--host A is given twice');
    const compare = vrrplab('compare', 'nothing.pcap', '--config', 'nothing.conf', '--host', '10.0.0.1', '--host', '10.0.0.2');
    expect(compare.status).toBe(2);
    expect(compare.stderr).toContain('--host is given 2 times');
    // Two names are two hosts: the seed pair is checked (keepalived -t's exit 6 for its scripts).
    const two = vrrplab('check', '--host', a, '--host', 'B=examples/seed/buggy/B');
    expect(two.status).toBe(6);
    expect(two.stderr).toBe('');
  });

  it('replay refuses a --keepalived-version or --vrid it cannot read with exit 2, as the other commands refuse a bad option', () => {
    const version = vrrplab('replay', 'captures/seed-fixed-f1.pcap', '--keepalived-version', '3');
    expect(version.status).toBe(2);
    expect(version.stderr).toContain('--keepalived-version 3: give 2.2 or 2.4');
    const vrid = vrrplab('replay', 'captures/seed-fixed-f1.pcap', '--vrid', '300');
    expect(vrid.status).toBe(2);
    expect(vrid.stderr).toContain('--vrid must be 1..255, not 300');
  });

  it('explore refuses a malformed compound --budget with exit 2', () => {
    const bad = vrrplab('explore', '--host', 'A=examples/seed/buggy/A', '--budget', '1m30x');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--budget: expected a time such as 60s');
  });

  it('simulate reports a scenario error with the offending key and exits 2, without a stack trace', () => {
    const run = vrrplab('simulate', path.join(ROOT, 'test/fixtures/scenarios/bad-timeline.yaml'));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/timeline\[0\]: do: unknown action "explode"/);
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('simulate --fail-on makes a finding fail the run', () => {
    const scenario = path.join(ROOT, 'examples/scenarios/seed-buggy-keepalived-restart.yaml');
    expect(vrrplab('simulate', scenario).status).toBe(0);
    const failing = vrrplab('simulate', scenario, '--fail-on', 'collective-drift');
    expect(failing.status).toBe(1);
    expect(failing.stdout).toContain('[collective-drift]');
  });

  it('the demo shows the buggy script drifting and the fixed one bringing the VIPs home', () => {
    const run = vrrplab('demo', '--no-html');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/findings\s+collective-drift x2, stranded-service\s+none/);
    expect(run.stdout).toContain('fixed: no findings, the VIPs are back home');
    // It ends with explore finding the same failures from the host directories alone.
    const explored = run.stdout.slice(run.stdout.indexOf('Explore: the same failures'));
    const drift = explored.slice(explored.indexOf('collective-drift, stranded-service, after any one of:'));
    expect(drift).toContain('keepalived restart on A');
    expect(drift).toContain('haproxy restart on A');
    expect(explored.trimEnd().split('\n').at(-1)).toMatch(/^ {2}fixed: no failure in \d+ schedules \(every single fault and every pair tried\)$/);
  });
});
