/**
 * check's weight arithmetic for vrrp_track_process (issue 23): a tracked process losing its quorum
 * weighs as a failing vrrp_script of the same weight does, and the same mistake is reported.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { analyzeHosts, type Finding, type HostConfig } from '../../src/analysis/index.js';
import { neverMatches, processEventsNote } from '../../src/analysis/track-process.js';
import { newTrackProcess } from '../../src/config/keywords.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const problems = (findings: Finding[]): Finding[] => findings.filter((f) => f.severity !== 'info');

function example(variant: 'buggy' | 'fixed'): HostConfig[] {
  return ['A', 'B'].map((name) => ({ name, config: loadConfig('/etc/keepalived/keepalived.conf', { hostRoot: path.join(ROOT, 'examples/track-process', variant, name) }).config }));
}

const pair = (track: (prio: number) => string, block: string): HostConfig[] =>
  [['A', 102], ['B', 100]].map(([name, prio]) => ({
    name: name as string,
    config: parseConfigText(
      `${block}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${prio}\n virtual_ipaddress {\n  10.0.0.100/24\n }\n${track(prio as number)}\n}\n`,
      'h.conf', { scriptExists: () => true },
    ).config,
  }));

describe('check --host with track_process', () => {
  it('102/100 with weight -1 on the tracked haproxy: A keeps the VIP while haproxy is down, reported with the arithmetic and the weight that would work', () => {
    const found = problems(analyzeHosts(example('buggy')).findings);
    expect(found.map((f) => f.kind)).toEqual(['unhealthy-master']);
    expect(found[0]?.message).toContain('A keeps the VIP while track_process track_haproxy on A fails, although B (checks passing) could hold it: A 102 - 1 (track_process track_haproxy fails) = 101');
    expect(found[0]?.message).toContain('a weight of -3 or lower (or weight 0: FAULT) would hand it to B');
  });

  it('the corrected pair (weight -5) gets no warning: haproxy down on A hands the VIP to B', () => {
    const analysis = analyzeHosts(example('fixed'));
    expect(problems(analysis.findings)).toEqual([]);
    expect(analysis.findings.map((f) => f.message).join('\n')).toContain('track_process track_haproxy on A -> B');
  });

  it('the same weight on a vrrp_script and on a vrrp_track_process give the same finding', () => {
    const script = problems(analyzeHosts(pair(() => ' track_script {\n  chk\n }', 'vrrp_script chk {\n script "/usr/bin/pidof haproxy"\n weight -1\n}')).findings);
    const process = problems(analyzeHosts(pair(() => ' track_process {\n  tp\n }', 'vrrp_track_process tp {\n process haproxy\n weight -1\n}')).findings);
    expect(script.map((f) => f.kind)).toEqual(['unhealthy-master']);
    expect(process.map((f) => f.kind)).toEqual(script.map((f) => f.kind));
    expect(process[0]?.message.replace(/track_process tp/g, 'chk')).toBe(script[0]?.message);
  });

  it('the weight given at the track_process line counts, and a sync group\'s track_process weighs on its members', () => {
    const line = problems(analyzeHosts(pair(() => ' track_process {\n  tp weight -10\n }', 'vrrp_track_process tp {\n process haproxy\n weight -1\n}')).findings);
    expect(line).toEqual([]);
    const grouped = (prio: number): string => `vrrp_sync_group SG {\n group {\n  VI_1\n  VI_2\n }\n track_process {\n  tp weight -1\n }\n}\n` +
      `vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n priority ${prio}\n virtual_ipaddress {\n  10.0.0.101/24\n }\n}\n`;
    const hosts = [['A', 102], ['B', 100]].map(([name, prio]) => ({
      name: name as string,
      config: parseConfigText(`vrrp_track_process tp {\n process haproxy\n weight -30\n}\n${grouped(prio as number)}vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority ${prio}\n virtual_ipaddress {\n  10.0.0.100/24\n }\n}\n`, 'h.conf').config,
    }));
    const found = problems(analyzeHosts(hosts).findings);
    expect(found.map((f) => [f.kind, f.vrid])).toEqual([['unhealthy-master', 51], ['unhealthy-master', 52]]);
  });

  it('has check say, as info, that keepalived inside a network namespace cannot follow processes, and not with net_namespace', () => {
    const block = 'vrrp_track_process tp {\n process haproxy\n weight -1\n}\nvrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  10.0.0.100/24\n }\n track_process {\n  tp\n }\n}\n';
    const note = (text: string): string | undefined => processEventsNote(parseConfigText(text, 'h.conf').config);
    expect(note(block)).toContain('logs "Failed to set/clear process event listen - errno 111" and counts every tracked process absent');
    expect(note(`net_namespace blue\n${block}`)).toBeUndefined();
    expect(note(block.replace(/ track_process \{\n  tp\n \}\n/, ''))).toBeUndefined();
    // Not a config diagnostic: keepalived says nothing of it, and run must not log it as keepalived's.
    expect(parseConfigText(block, 'h.conf').diagnostics.map((d) => d.message).join('\n')).not.toContain('process events');
  });

  it('names a process keepalived can never count: a path or more than 15 characters compared with comm; not with full_command, not a plain name', () => {
    const p = (process: string, fullCommand = false) => neverMatches({ ...newTrackProcess('tp', { file: 'h.conf', line: 1 }), process, fullCommand });
    expect(p('/usr/sbin/haproxy')).toBe("process /usr/sbin/haproxy is compared with the process's name (comm), which has no path: it never matches and counts absent; write haproxy, or add full_command to compare the command line's first word");
    expect(p('vltplongname0123')).toContain('which the kernel cuts to 15 characters: it never matches and counts absent; write vltplongname012');
    expect(p('/usr/sbin/haproxy', true)).toBeUndefined();
    expect(p('haproxy')).toBeUndefined();
    expect(p('abcdefghijklmno')).toBeUndefined();
  });

  it('takes a process keepalived can never count as absent in every row: the corrected pair with a path runs at 97 and 95 throughout, with no failure to vary', () => {
    const hosts = example('fixed').map((h) => ({ ...h, config: { ...h.config, trackProcesses: h.config.trackProcesses?.map((p) => ({ ...p, process: '/usr/sbin/haproxy' })) } }));
    const analysis = analyzeHosts(hosts);
    const table = analysis.priorities.find((t) => t.vrid === 51);
    expect(table?.checks).toEqual([]);
    expect(table?.rows[0]?.priorities).toEqual({ A: 97, B: 95 });
    expect(problems(analysis.findings)).toEqual([]);
  });
});
