/**
 * A vrrp_script that runs a wrapper (`script "/etc/keepalived/check_nginx.sh"`): the service the
 * wrapper's text probes is followed, as notify scripts' texts are read, by check --host, by
 * simulate's model mode and by explore's fault space. A wrapper that probes nothing, or one the
 * host directory lacks, still "succeeds", as before.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeHosts, checkedService } from '../../src/analysis/index.js';
import { loadConfig, onHostDisk } from '../../src/config/load.js';
import { exploreSpace, scenarioFromHosts } from '../../src/explore/space.js';
import { runScenario } from '../../src/sim/run.js';
import { parseScenario } from '../../src/sim/scenario.js';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

const WRAPPER = '/etc/keepalived/check_nginx.sh';
const PROBING = '#!/bin/sh\n# is nginx up?\nif ! pidof nginx >/dev/null; then\n  exit 1\nfi\n';
const OTHER = '#!/bin/sh\n# pidof nginx  (disabled)\ncurl -sf http://127.0.0.1/ >/dev/null\n';
const STOPPING = '#!/bin/sh\ncase "$1" in\n  backup) systemctl stop nginx ;;\nesac\n';

function config(priority: number, extra = ''): string {
  return `global_defs {
    enable_script_security
    script_user root
}
vrrp_script chk_nginx {
    script "${WRAPPER}"
    interval 1
    weight -30
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority ${priority}
    advert_int 1
    virtual_ipaddress {
        10.20.0.8/24
    }
    track_script {
        chk_nginx
    }
${extra}}
`;
}

/** Two host directories A (priority 100) and B (90) with the wrapper's text (none: not in the copy). */
function hosts(wrapper: string | undefined, extra = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-wrapper-'));
  dirs.push(dir);
  for (const [name, priority] of [['A', 100], ['B', 90]] as const) {
    fs.mkdirSync(path.join(dir, name, 'etc/keepalived'), { recursive: true });
    fs.writeFileSync(path.join(dir, name, 'etc/keepalived/keepalived.conf'), config(priority, extra));
    if (wrapper !== undefined) fs.writeFileSync(path.join(dir, name, WRAPPER.slice(1)), wrapper, { mode: 0o755 });
  }
  return dir;
}

function simulate(dir: string): ReturnType<typeof runScenario> {
  const yaml = [
    'name: wrapper',
    'duration: 20s',
    'hosts:',
    '  A: { root: A, address: 10.20.0.1 }',
    '  B: { root: B, address: 10.20.0.2 }',
    'timeline:',
    '  - { at: 0s, host: A, do: start }',
    '  - { at: 0s, host: B, do: start }',
    '  - { at: 8s, host: A, do: service-stop, service: nginx }',
  ].join('\n');
  const parsed = parseScenario(yaml, dir, 'wrapper.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return runScenario(parsed.scenario);
}

const reader = (root: string) => (p: string): string | undefined => {
  try {
    return fs.readFileSync(onHostDisk(root, p), 'utf8');
  } catch {
    return undefined;
  }
};

describe('the service a track script checks', () => {
  it('is read from a wrapper script whose text probes it', () => {
    const texts: Record<string, string> = { [WRAPPER]: PROBING };
    expect(checkedService(WRAPPER, (p) => texts[p])).toBe('nginx');
    expect(checkedService(`"${WRAPPER}" --quiet`, (p) => texts[p])).toBe('nginx');
  });

  it("takes a generic wrapper's probe of \"$1\" to be of the argument the script line gives it, and of nothing without one", () => {
    const generic = '#!/bin/sh\npidof "$1" >/dev/null || exit 1\n';
    expect(checkedService(`${WRAPPER} haproxy`, () => generic)).toBe('haproxy');
    expect(checkedService(`${WRAPPER} nginx`, () => '#!/bin/sh\nsystemctl is-active --quiet ${1}\n')).toBe('nginx');
    expect(checkedService(WRAPPER, () => generic)).toBeUndefined();
  });

  it('is none for a wrapper that probes nothing (a commented-out probe does not count), a missing wrapper, or a bare program name', () => {
    expect(checkedService(WRAPPER, () => OTHER)).toBeUndefined();
    expect(checkedService(WRAPPER, () => undefined)).toBeUndefined();
    // A bare word is a program on PATH, never a file to read.
    expect(checkedService('check_nginx', () => PROBING)).toBeUndefined();
  });

  it('still comes from the command line first, without reading anything', () => {
    expect(checkedService('/usr/bin/pidof haproxy', () => PROBING)).toBe('haproxy');
    expect(checkedService('killall -0 haproxy')).toBe('haproxy');
  });
});

describe('a wrapper check in simulate (model mode)', () => {
  it("follows the service the wrapper probes: stopping nginx on A fails A's check and B takes VI_1", () => {
    const outcome = simulate(hosts(PROBING));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.checkModels.chk_nginx).toContain('nginx');
    const priorities = outcome.result.records.filter((r) => r.type === 'priority' && r.host === 'A');
    expect(priorities).toEqual([expect.objectContaining({ from: 100, to: 70 })]);
    expect(outcome.result.vips.B).toContain('10.20.0.8');
  });

  it('takes a wrapper that probes nothing to always succeed: stopping nginx changes nothing', () => {
    const outcome = simulate(hosts(OTHER));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.checkModels.chk_nginx).toBe('always succeeds');
    expect(outcome.result.records.filter((r) => r.type === 'priority')).toEqual([]);
    expect(outcome.result.vips.A).toContain('10.20.0.8');
  });

  it('disables a wrapper missing from a host directory that holds its directory, as before (keepalived cannot find it)', () => {
    const outcome = simulate(hosts(undefined));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.checkModels.chk_nginx).toContain('disabled');
    expect(outcome.result.records.filter((r) => r.type === 'priority')).toEqual([]);
  });

  it('takes a wrapper that cannot be read, from a config without a host directory, to always succeed, as before', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-wrapper-'));
    dirs.push(dir);
    for (const [name, priority] of [['A', 100], ['B', 90]] as const) {
      fs.writeFileSync(path.join(dir, `${name}.conf`), config(priority).replace(WRAPPER, '/nonexistent-vrrplab/check_nginx.sh'));
    }
    const yaml = ['name: bare', 'duration: 10s', 'hosts:', '  A: { config: A.conf, address: 10.20.0.1 }', '  B: { config: B.conf, address: 10.20.0.2 }',
      'timeline:', '  - { at: 0s, host: A, do: start }', '  - { at: 0s, host: B, do: start }'].join('\n');
    const parsed = parseScenario(yaml, dir, 'bare.yaml');
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const outcome = runScenario(parsed.scenario);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.result.checkModels.chk_nginx).toBe('always succeeds');
  });
});

describe('a wrapper check in explore and check --host', () => {
  const stopsOf = (dir: string): string[] => {
    const base = scenarioFromHosts(['A', 'B'].map((name) => ({ name, root: path.join(dir, name) })), 1);
    return exploreSpace(base).vocabulary.flatMap((f) => (f.do === 'service-stop' ? [`${f.host}:${f.service}`] : []));
  };

  it("puts service-stop nginx into explore's fault space when the wrapper probes nginx", () => {
    expect(stopsOf(hosts(PROBING))).toEqual(['A:nginx', 'B:nginx']);
  });

  it('leaves it out when the wrapper probes nothing or is missing', () => {
    expect(stopsOf(hosts(OTHER))).toEqual([]);
    expect(stopsOf(hosts(undefined))).toEqual([]);
  });

  const analyse = (dir: string) =>
    analyzeHosts(
      ['A', 'B'].map((name) => {
        const root = path.join(dir, name);
        return { name, config: loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: root, assumeSystemPrograms: true }).config, readFile: reader(root) };
      }),
    ).findings.filter((f) => f.kind === 'collective-drift');

  it('finds the collective drift of a notify script stopping the nginx a wrapper check probes', () => {
    const dir = hosts(PROBING, '    notify_backup "/etc/keepalived/notify.sh backup"\n');
    for (const name of ['A', 'B']) fs.writeFileSync(path.join(dir, name, 'etc/keepalived/notify.sh'), STOPPING, { mode: 0o755 });
    const drift = analyse(dir);
    expect(drift.map((f) => f.hosts[0])).toEqual(['A', 'B']);
    expect(drift[0].message).toContain('track script chk_nginx probes nginx');
  });

  it('stays silent when the wrapper probes something else than the service the notify stops', () => {
    const dir = hosts(OTHER, '    notify_backup "/etc/keepalived/notify.sh backup"\n');
    for (const name of ['A', 'B']) fs.writeFileSync(path.join(dir, name, 'etc/keepalived/notify.sh'), STOPPING, { mode: 0o755 });
    expect(analyse(dir)).toEqual([]);
  });
});
