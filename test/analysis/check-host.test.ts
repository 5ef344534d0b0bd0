import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { analyzeHosts, type Finding, type HostConfig } from '../../src/analysis/index.js';

const conf = (body: string): HostConfig['config'] => parseConfigText(body, 'h.conf', { scriptExists: () => true }).config;

interface Opts {
  weight?: number;
  vrid?: number;
  vip?: string;
  extra?: string;
  script?: string;
  before?: string;
  name?: string;
}

function instance(prio: number, o: Opts = {}): string {
  return `vrrp_instance ${o.name ?? 'VI_1'} {\n interface eth0\n virtual_router_id ${o.vrid ?? 51}\n priority ${prio}\n${o.extra ?? ''}\n` +
    ` virtual_ipaddress {\n  ${o.vip ?? '10.0.0.100/24'}\n }\n track_script {\n  chk_nginx\n }\n}\n`;
}

function host(name: string, prio: number, o: Opts = {}): HostConfig {
  const script = `vrrp_script chk_nginx {\n script "${o.script ?? '/usr/bin/pidof nginx'}"\n weight ${o.weight ?? -20}\n}\n`;
  return { name, config: conf(script + (o.before ?? '') + instance(prio, o)) };
}

const problems = (findings: Finding[]): Finding[] => findings.filter((f) => f.severity !== 'info');
const ofKind = (findings: Finding[], kind: string): Finding[] => findings.filter((f) => f.kind === kind);

describe('check weights that cannot move a VIP (unhealthy-master)', () => {
  it('warns that a weight of -20 on a 150/100/50 cluster never moves the VIP, with the arithmetic', () => {
    const { findings } = analyzeHosts([host('A', 150), host('B', 100), host('C', 50)]);
    const [warning] = ofKind(findings, 'unhealthy-master').filter((f) => f.severity === 'warning');
    expect(warning.message).toContain('A keeps the VIP while chk_nginx on A fails');
    expect(warning.message).toContain('A 150 - 20 (chk_nginx fails) = 130');
    expect(warning.message).toContain('B 100');
    expect(warning.message).toContain('a weight of -51 or lower');
  });

  it('does not claim there that every VIP moves at once, nor that one failure moves one', () => {
    const hosts = ['A', 'B', 'C'].map((n, i) => {
      const prio = [150, 100, 50][i];
      const script = 'vrrp_script chk_nginx {\n script "/usr/bin/pidof nginx"\n weight -20\n}\n';
      return { name: n, config: conf(script + instance(prio) + instance(prio, { name: 'VI_2', vrid: 52, vip: '10.0.0.101/24' })) };
    });
    const { findings } = analyzeHosts(hosts);
    expect(ofKind(findings, 'flip-together')).toEqual([]);
    expect(findings.map((f) => f.kind)).not.toContain('small-gap');
    expect(ofKind(findings, 'unhealthy-master').filter((f) => f.severity === 'warning').map((f) => f.vrid)).toEqual([51, 52]);
  });

  it('stays silent on a weight of -60 chosen so that one failure moves the VIP (only a double failure is noted, as info)', () => {
    const { findings } = analyzeHosts([host('A', 150, { weight: -60 }), host('B', 100, { weight: -60 }), host('C', 50, { weight: -60 })]);
    expect(problems(findings)).toEqual([]);
    const info = ofKind(findings, 'unhealthy-master');
    expect(info.map((f) => f.severity)).toEqual(['info']);
    expect(info[0].message).toContain('chk_nginx on A + chk_nginx on B');
  });

  it('stays silent on a pair whose weight moves the VIP', () => {
    expect(problems(analyzeHosts([host('A', 150, { weight: -60 }), host('B', 100, { weight: -60 })]).findings)).toEqual([]);
  });

  it('counts positive weights and the 254 cap: +10 on 250/240 leaves a tie, and the incumbent keeps the VIP', () => {
    const { findings } = analyzeHosts([host('A', 250, { weight: 10 }), host('B', 240, { weight: 10 })]);
    const [f] = ofKind(findings, 'unhealthy-master');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('250 + 10 (chk_nginx succeeds) = 260, capped to 254');
    expect(f.message).toContain('a weight of 11 or more');
    expect(f.message).toContain('equal priority does not preempt');
  });

  it('stays silent when a positive weight is larger than the gap', () => {
    expect(problems(analyzeHosts([host('A', 200, { weight: 30 }), host('B', 180, { weight: 30 })]).findings)).toEqual([]);
  });

  it('warns that nopreempt on the backup keeps an unhealthy master although the weight is large enough', () => {
    const { findings } = analyzeHosts([host('A', 150, { weight: -60 }), host('B', 100, { weight: -60, extra: ' state BACKUP\n nopreempt' })]);
    const [f] = ofKind(findings, 'unhealthy-master');
    expect(f.severity).toBe('warning');
    expect(f.message).toContain('nopreempt');
    expect(problems(analyzeHosts([host('A', 150, { weight: -60 }), host('B', 100, { weight: -60 })]).findings)).toEqual([]);
  });

  it('warns when a sync group makes keepalived ignore the weight, and not with sync_group_tracking_weight', () => {
    const group = (tracking: boolean) =>
      `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n${tracking ? ' sync_group_tracking_weight\n' : ''}}\n`;
    const pair = (tracking: boolean): HostConfig[] =>
      ['A', 'B'].map((n) => {
        const prio = n === 'A' ? 150 : 100;
        const script = 'vrrp_script chk_nginx {\n script "/usr/bin/pidof nginx"\n weight -60\n}\n';
        return { name: n, config: conf(script + group(tracking) + instance(prio) + instance(prio, { name: 'VI_2', vrid: 52, vip: '10.0.0.101/24' })) };
      });
    const ignored = ofKind(analyzeHosts(pair(false)).findings, 'unhealthy-master');
    expect(ignored.map((f) => f.vrid)).toEqual([51, 52]);
    expect(ignored[0].message).toContain('sync group G');
    expect(problems(analyzeHosts(pair(true)).findings)).toEqual([]);
  });

  it('warns when an address owner (priority 255) tracks a weighted check', () => {
    const { findings } = analyzeHosts([host('A', 255, { weight: -60 }), host('B', 100, { weight: -60 })]);
    expect(ofKind(findings, 'unhealthy-master')[0].message).toContain('address owner');
  });
});

describe('unicast peers', () => {
  const uni = (name: string, src: string, peers: string[], prio: number): HostConfig =>
    host(name, prio, { weight: -60, extra: ` unicast_src_ip ${src}\n unicast_peer {\n${peers.map((p) => `  ${p}\n`).join('')} }` });

  it("finds a peer list that misses another host's unicast_src_ip and names an unknown address", () => {
    const { findings } = analyzeHosts([
      uni('A', '10.0.0.1', ['10.0.0.2', '10.0.0.3'], 150),
      uni('B', '10.0.0.2', ['10.0.0.1', '10.0.0.3'], 100),
      uni('C', '10.0.0.3', ['10.0.0.1', '10.0.0.22'], 50),
    ]);
    const found = ofKind(findings, 'unicast-peer');
    expect(found.find((f) => f.severity === 'error')?.message).toContain("C/VI_1's unicast_peer does not name B (10.0.0.2, its unicast_src_ip)");
    expect(found.find((f) => f.severity === 'error')?.message).toContain('split brain with no fault');
    expect(found.find((f) => f.severity === 'warning')?.message).toContain('names 10.0.0.22, which no given host has');
  });

  it('stays silent when every host names every other', () => {
    const { findings } = analyzeHosts([
      uni('A', '10.0.0.1', ['10.0.0.2', '10.0.0.3'], 150),
      uni('B', '10.0.0.2', ['10.0.0.1', '10.0.0.3'], 100),
      uni('C', '10.0.0.3', ['10.0.0.1', '10.0.0.2'], 50),
    ]);
    expect(problems(findings)).toEqual([]);
  });

  it('infers addresses without unicast_src_ip and still finds the typo', () => {
    const bare = (name: string, peers: string[], prio: number): HostConfig =>
      host(name, prio, { weight: -60, extra: ` unicast_peer {\n${peers.map((p) => `  ${p}\n`).join('')} }` });
    const typo = analyzeHosts([bare('A', ['10.0.0.2', '10.0.0.3'], 150), bare('B', ['10.0.0.1', '10.0.0.3'], 100), bare('C', ['10.0.0.1', '10.0.0.22'], 50)]);
    expect(ofKind(typo.findings, 'unicast-peer').length).toBeGreaterThan(0);
    const clean = analyzeHosts([bare('A', ['10.0.0.2', '10.0.0.3'], 150), bare('B', ['10.0.0.1', '10.0.0.3'], 100), bare('C', ['10.0.0.1', '10.0.0.2'], 50)]);
    expect(problems(clean.findings)).toEqual([]);
  });

  it('finds hosts of one VRID mixing unicast and multicast', () => {
    const { findings } = analyzeHosts([uni('A', '10.0.0.1', ['10.0.0.2'], 150), host('B', 100, { weight: -60 })]);
    expect(ofKind(findings, 'unicast-peer')[0].message).toContain('to the multicast group');
  });
});

describe('duplicate-vip', () => {
  it('finds one VIP under VRID 61 on one host and 51 on the others', () => {
    const { findings } = analyzeHosts([host('A', 150, { weight: -60 }), host('B', 100, { weight: -60 }), host('C', 50, { weight: -60, vrid: 61 })]);
    const [f] = ofKind(findings, 'duplicate-vip');
    expect(f.severity).toBe('error');
    expect(f.message).toContain('10.0.0.100 is a VIP of VRID 51 (A/VI_1, B/VI_1) and of VRID 61 (C/VI_1)');
    expect(f.message).toContain('two hosts hold it at once');
  });

  it('stays silent when every host uses one VRID for the VIP', () => {
    expect(ofKind(analyzeHosts([host('A', 150), host('B', 100), host('C', 50)]).findings, 'duplicate-vip')).toEqual([]);
  });
});

describe('a host directory holds configuration, not the system', () => {
  function hostDir(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vrrplab-host-'));
    for (const [p, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      fs.writeFileSync(path.join(root, p), text);
    }
    return root;
  }
  const scripts = (lines: string[]): string =>
    lines.map((l, i) => `vrrp_script c${i} {\n script "${l}"\n weight -10\n}\n`).join('') +
    `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.100/24\n }\n track_script {\n${lines.map((_, i) => `  c${i}\n`).join('')} }\n}\n`;

  it('keeps scripts whose programs lie outside the copy, and says they were assumed', () => {
    const root = hostDir({ 'etc/keepalived/keepalived.conf': scripts(['/usr/bin/pidof nginx', '/bin/systemctl is-active haproxy', '/usr/bin/killall -0 haproxy']) });
    const r = loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: root, assumeSystemPrograms: true });
    expect(r.config.scripts.map((s) => s.disabled ?? false)).toEqual([false, false, false]);
    expect(r.diagnostics.map((d) => d.message).join('\n')).not.toContain('Disabling');
    expect(r.assumed?.programs).toEqual(['/usr/bin/pidof', '/bin/systemctl', '/usr/bin/killall']);
  });

  it('still disables a script missing from a directory the copy holds, and shell words', () => {
    const root = hostDir({ 'etc/keepalived/keepalived.conf': scripts(['/etc/keepalived/chk_gone.sh', '[[ -f /etc/keepalived/down ]]']) });
    const r = loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: root, assumeSystemPrograms: true });
    expect(r.config.scripts.map((s) => s.disabled ?? false)).toEqual([true, true]);
    expect(r.assumed?.programs).toEqual([]);
  });
});

describe('interfaces', () => {
  const text = 'vrrp_instance VI_1 {\n interface eth3\n virtual_router_id 51\n track_interface {\n  eth4\n }\n virtual_ipaddress {\n  10.0.0.100/24 dev eth5\n }\n}\n';

  it('lists the interfaces it assumed when not told to look them up', () => {
    const r = parseConfigText(text, 'x.conf');
    expect(r.assumed?.interfaces).toEqual(['eth3', 'eth4', 'eth5']);
    expect(r.exitStatus).toBe(0);
  });

  it('reports missing interfaces as keepalived -t does when it looks them up', () => {
    const r = parseConfigText(text, 'x.conf', { interfaces: (n) => (n === 'eth3' ? 'present' : 'missing') });
    expect(r.diagnostics.map((d) => d.message)).toEqual([
      '(VI_1) tracked interface eth4 doesn\'t exist',
      "WARNING - interface eth5 for ip address 10.0.0.100/24 doesn't exist",
      'Non-existent interface specified in configuration',
    ]);
    expect(r.exitStatus).toBe(5);
    expect(r.assumed?.interfaces).toEqual([]);
  });

  it('accepts missing interfaces with dynamic_interfaces', () => {
    const r = parseConfigText(`global_defs {\n dynamic_interfaces\n}\n${text}`, 'x.conf', { interfaces: () => 'missing' });
    expect(r.exitStatus).toBe(0);
  });
});

describe('track_interface and track_file weights, and a sync group\'s own tracking, in the priority arithmetic', () => {
  const pair = (body: (prio: number) => string): HostConfig[] => [
    { name: 'A', config: conf(body(110)) },
    { name: 'B', config: conf(body(100)) },
  ];
  const tracked = (block: string, before = '') => (prio: number): string =>
    before + `vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${prio}\n virtual_ipaddress {\n  10.0.0.100/24\n }\n${block}}\n`;

  it('warns that track_interface eth1 weight -5 on a 110/100 pair leaves A master with its link down (110 - 5 = 105), with the weight that would move it', () => {
    const { findings } = analyzeHosts(pair(tracked(' track_interface {\n  eth1 weight -5\n }\n')));
    const [warning] = ofKind(findings, 'unhealthy-master').filter((f) => f.severity === 'warning');
    expect(warning.message).toContain('A keeps the VIP while link eth1 on A goes down');
    expect(warning.message).toContain('A 110 - 5 (eth1 down) = 105');
    expect(warning.message).toContain('B 100');
    expect(warning.message).toContain('a weight of -11 or lower');
  });

  it('stays silent on the corrected weight -20, which hands the VIP to B when eth1 goes down', () => {
    const { findings } = analyzeHosts(pair(tracked(' track_interface {\n  eth1 weight -20\n }\n')));
    expect(problems(findings)).toEqual([]);
    expect(ofKind(findings, 'master-change')[0]?.message).toContain('link eth1 on A -> B');
  });

  it('counts a positive interface weight as lost while the link is down (+5 on 110/100 stays above), and not a large enough one', () => {
    expect(ofKind(analyzeHosts(pair(tracked(' track_interface {\n  eth1 weight 5\n }\n'))).findings, 'unhealthy-master')[0]?.message).toContain('A 110 (with its checks passing: 110 + 5 (eth1 up) = 115); B 100 + 5 (eth1 up) = 105');
    expect(problems(analyzeHosts(pair(tracked(' track_interface {\n  eth1 weight 20\n }\n'))).findings)).toEqual([]);
  });

  it('treats track_interface without a weight as FAULT on link down: nothing to report', () => {
    const { findings } = analyzeHosts(pair(tracked(' track_interface {\n  eth1\n }\n')));
    expect(problems(findings)).toEqual([]);
    expect(ofKind(findings, 'master-change')[0]?.message).toContain('link eth1 on A -> B');
  });

  it('warns that a track_file of weight -5 reading 1 leaves A master (110 - 5 = 105), and not at weight -20', () => {
    const file = 'vrrp_track_file down {\n file /etc/keepalived/down\n weight -5\n}\n';
    const [warning] = ofKind(analyzeHosts(pair(tracked(' track_file {\n  down\n }\n', file))).findings, 'unhealthy-master');
    expect(warning.severity).toBe('warning');
    expect(warning.message).toContain('A keeps the VIP while track_file down on A reads 1');
    expect(warning.message).toContain('A 110 - 5 (track_file down reads 1) = 105');
    expect(problems(analyzeHosts(pair(tracked(' track_file {\n  down weight -20\n }\n', file))).findings)).toEqual([]);
  });

  it('does not call a positive track_file weight a failure (a value there raises the priority)', () => {
    const file = 'vrrp_track_file boost {\n file /etc/keepalived/boost\n weight 5\n}\n';
    const { findings, priorities } = analyzeHosts(pair(tracked(' track_file {\n  boost\n }\n', file)));
    expect(problems(findings)).toEqual([]);
    expect(priorities[0].checks).toEqual([]);
  });

  const grouped = (groupTrack: string, before = '') => (prio: number): string =>
    before + `vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n${groupTrack}}\n` +
    [['VI_1', 51, '10.0.0.100/24'], ['VI_2', 52, '10.0.0.101/24']].map(([name, vrid, vip]) =>
      `vrrp_instance ${name} {\n interface eth0\n virtual_router_id ${vrid}\n priority ${prio}\n virtual_ipaddress {\n  ${vip}\n }\n}\n`).join('');

  it("counts a sync group's own track_file for every member (-5 on 110/100: A keeps both VIPs), and not at -20", () => {
    const file = 'vrrp_track_file down {\n file /etc/keepalived/down\n weight -5\n}\n';
    const warnings = ofKind(analyzeHosts(pair(grouped(' track_file {\n  down\n }\n', file))).findings, 'unhealthy-master').filter((f) => f.severity === 'warning');
    expect(warnings.map((f) => f.vrid)).toEqual([51, 52]);
    expect(warnings[0].message).toContain('A 110 - 5 (track_file down reads 1) = 105');
    expect(problems(analyzeHosts(pair(grouped(' track_file {\n  down weight -20\n }\n', file))).findings)).toEqual([]);
  });

  it("counts a sync group's own track_script and track_interface weights for every member, and not when large enough", () => {
    const script = 'vrrp_script chk_nginx {\n script "/usr/bin/pidof nginx"\n weight -5\n}\n';
    const warned = (scriptWeight: number, linkWeight: number): string[] =>
      ofKind(analyzeHosts(pair(grouped(` track_script {\n  chk_nginx weight ${scriptWeight}\n }\n track_interface {\n  eth1 weight ${linkWeight}\n }\n`, script))).findings, 'unhealthy-master')
        .filter((f) => f.severity === 'warning').map((f) => f.message);
    expect(warned(-5, -20)[0]).toContain('A keeps the VIP while chk_nginx on A fails');
    expect(warned(-5, -20)[0]).toContain('A 110 - 5 (chk_nginx fails) = 105');
    expect(warned(-20, -5)[0]).toContain('A keeps the VIP while link eth1 on A goes down');
    expect(warned(-20, -5).length).toBe(2);
    const large = analyzeHosts(pair(grouped(' track_script {\n  chk_nginx weight -20\n }\n track_interface {\n  eth1 weight -20\n }\n', script))).findings;
    expect(problems(large)).toEqual([]);
  });
});
