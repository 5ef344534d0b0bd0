/**
 * A scenario host made ready for real keepalived (src/lab/host-config.ts): the configuration is
 * written back as keepalived reads it, with each program it would run replaced by a stand-in that
 * does what the simulator's model says. The stand-ins are run here with sh, as keepalived would.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { prepareHost } from '../../src/lab/host-config.js';
import { loadHostConfig } from '../../src/sim/run.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { ROOT, seedScenario } from '../sim/helpers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function prepared(variant: 'buggy' | 'fixed', host: 'A' | 'B' = 'A') {
  const parsed = parseScenario(seedScenario(variant, '10s', ['{ at: 0s, host: A, do: start }', '{ at: 0s, host: B, do: start }']), path.join(ROOT, 'examples/scenarios'), 'test');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  const scenario: Scenario = parsed.scenario;
  const spec = scenario.hosts.find((h) => h.name === host);
  if (spec === undefined) throw new Error('no host');
  const labDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-host-config-'));
  dirs.push(labDir);
  const config = loadHostConfig(spec, 'model', scenario.directory).config;
  return { host: prepareHost(scenario, spec, config, labDir), config };
}

/** The program a configuration line now runs (its first word). */
function programOf(text: string, keyword: string, after = ''): string {
  const from = text.indexOf(after);
  const match = new RegExp(`\\n\\s*${keyword} "?([^\\s"]+)`).exec(text.slice(from));
  if (match?.[1] === undefined) throw new Error(`no ${keyword}`);
  return match[1];
}

const sh = (program: string, args: string[] = []) => spawnSync('/bin/sh', [program, ...args], { encoding: 'utf8' });

describe('a host prepared for the lab', () => {
  it('reads back as the same configuration: instances, priorities, VIPs and tracking unchanged', () => {
    const { host, config } = prepared('buggy');
    const reread = parseConfigText(fs.readFileSync(host.configFile, 'utf8'), host.configFile, { scriptExists: (program) => program !== '[[' }).config;
    expect(reread.instances.map((i) => [i.name, i.vrid, i.priority, i.virtualIpaddresses.map((v) => v.address), i.trackScripts.map((t) => t.name)]))
      .toEqual(config.instances.map((i) => [i.name, i.vrid, i.priority, i.virtualIpaddresses.map((v) => v.address), i.trackScripts.map((t) => t.name)]));
    expect(reread.scripts.map((s) => [s.name, s.intervalMs, s.weight, s.rise, s.fall])).toEqual(config.scripts.map((s) => [s.name, s.intervalMs, s.weight, s.rise, s.fall]));
  });

  it("a service check's stand-in succeeds while the service's flag is there and fails once it is gone", () => {
    const { host } = prepared('fixed');
    const check = programOf(fs.readFileSync(host.configFile, 'utf8'), 'script', 'vrrp_script chk_haproxy');
    expect(sh(check).status).toBe(0);
    fs.rmSync(path.join(host.dir, 'services', 'haproxy'));
    expect(sh(check).status).toBe(1);
  });

  it('a hung check sleeps (keepalived kills it at its timeout)', () => {
    const { host } = prepared('fixed');
    const check = programOf(fs.readFileSync(host.configFile, 'utf8'), 'script', 'vrrp_script chk_haproxy');
    fs.writeFileSync(path.join(host.dir, 'hang', 'chk_haproxy'), '');
    const run = spawnSync('/bin/sh', [check], { timeout: 500 });
    expect(run.signal).toBe('SIGTERM');
  });

  it('a check keepalived would disable keeps its command, so keepalived disables it in the lab too', () => {
    const { host } = prepared('fixed');
    const text = fs.readFileSync(host.configFile, 'utf8');
    expect(text.slice(text.indexOf('vrrp_script chk_maintaince_down'))).toMatch(/script "\[\[ -f \/etc\/keepalived\/down \]\] && exit 1 \|\| exit 0"/);
  });

  it("the buggy notify's backup stand-in stops haproxy and logs the call with its arguments; the fixed one leaves haproxy up", () => {
    for (const [variant, left] of [['buggy', false], ['fixed', true]] as const) {
      const { host } = prepared(variant);
      const text = fs.readFileSync(host.configFile, 'utf8');
      const line = /\n\s*notify_backup "([^"]+)"/.exec(text)?.[1] ?? '';
      const [program, ...args] = line.split(' ');
      expect(sh(program ?? '', args).status).toBe(0);
      expect(fs.existsSync(path.join(host.dir, 'services', 'haproxy'))).toBe(left);
      expect(fs.readFileSync(path.join(host.dir, 'notify.log'), 'utf8')).toMatch(/^N \d+\.\d+ backup VI_\d backup 172\.16\.25\.1\d\n/);
    }
  });
});

describe("a notify's arguments", () => {
  it('are passed on as written, quotes and all, with only the program replaced', () => {
    const labDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-host-config-'));
    dirs.push(labDir);
    const conf = path.join(labDir, 'in.conf');
    fs.writeFileSync(conf, `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.1\n }\n notify_master "/etc/n.sh master 'two words'"\n}\n`);
    const parsed = parseScenario(`name: t\nduration: 5s\nhosts:\n  A: { config: ${conf}, address: 10.0.0.2 }\ntimeline:\n  - { at: 0s, host: A, do: start }\n`, labDir, 't');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const spec = parsed.scenario.hosts[0];
    if (spec === undefined) throw new Error('no host');
    const host = prepareHost(parsed.scenario, spec, loadHostConfig(spec, 'model', labDir).config, path.join(labDir, 'lab'));
    expect(fs.readFileSync(host.configFile, 'utf8')).toMatch(/notify_master "\S+\/bin\/notify-\d+ master 'two words'"/);
  });
});
