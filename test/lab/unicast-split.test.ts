/**
 * Lab tier: a split brain over unicast with real keepalived 2.2.7, as captures/unicast-split was
 * recorded (captures/how-made/unicast-split.sh): A (.1, 101, a check with weight -20) names B (.2,
 * 100) as its unicast_peer, B names 172.16.25.13, which no host has. When A's check fails, B takes
 * over and its adverts never reach the wire; A stays MASTER. `replay` of A's eth0 must show both
 * masters at once, B by its gratuitous ARPs.
 */
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { collect, exited, sleep, startDaemon, transitions, waitFor } from '../runtime/lab-helpers.js';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';

function config(name: string, priority: number, peer: string, check: string | undefined): string {
  const script = check === undefined ? '' : `vrrp_script chk {\n  script "${check}"\n  interval 1\n  weight -20\n}\n`;
  return `global_defs {
  router_id ${name}
  script_user root
  enable_script_security
}
${script}vrrp_instance VI_40 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 40
  advert_int 1
  version 3
  unicast_peer {
    ${peer}
  }
  virtual_ipaddress {
    172.16.25.40/16 dev eth0
  }
${check === undefined ? '' : '  track_script {\n    chk\n  }\n'}}
`;
}

const made = removedAfterEach();

describe('a split brain over unicast between keepalived hosts (a wrong unicast_peer)', () => {
  it('keeps A MASTER while B takes over unheard; replay shows both masters, B by its gratuitous ARPs', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump']);
    const lab = made.lab({ hosts: 2 });
    const dir = made.scratch('vlunicast');
    const pcap = join(dir, 'capture.pcap');
    const flag = join(dir, 'A.fail');
    const check = join(dir, 'check-A.sh');
    writeFileSync(check, `#!/bin/sh\n[ ! -e ${flag} ]\n`);
    chmodSync(check, 0o755);
    writeFileSync(join(dir, 'A.conf'), config('split_A', 101, lab.hosts[1]!.address, check));
    writeFileSync(join(dir, 'B.conf'), config('split_B', 100, '172.16.25.13', undefined));
    const tcpdump = collect(lab.spawn(0, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, '(ip proto 112) or arp']));
    await sleep(500);
    const a = startDaemon(lab, 0, 'keepalived', join(dir, 'A.conf'), dir);
    const b = startDaemon(lab, 1, 'keepalived', join(dir, 'B.conf'), dir);
    const state = (log: string) => transitions(log).at(-1);
    expect(await waitFor(() => state(a.log()) === 'VI_40 MASTER', 10_000), a.log()).toBeGreaterThanOrEqual(0);
    await sleep(1500);
    writeFileSync(flag, '');
    expect(await waitFor(() => state(b.log()) === 'VI_40 MASTER', 10_000), b.log()).toBeGreaterThanOrEqual(0);
    await sleep(6000);
    rmSync(flag);
    expect(await waitFor(() => state(b.log()) === 'VI_40 BACKUP', 10_000), b.log()).toBeGreaterThanOrEqual(0);
    await sleep(500);
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);
    expect(existsSync(pcap)).toBe(true);
    // keepalived's side of it: A never left MASTER; B discarded A's lower-priority adverts, then
    // answered each of them as master.
    expect(transitions(a.log())).toEqual(['VI_40 BACKUP', 'VI_40 MASTER']);
    expect(b.log()).toContain('(VI_40) received lower priority (81) advert from 172.16.25.1 - discarding');
    expect(b.log()).toContain('(VI_40) Received advert from 172.16.25.1 with lower priority 81, ours 100, forcing new election');

    const records = replayCapture(pcap).records;
    const of = <K extends ReplayRecord['type']>(type: K) => records.filter((r): r is Extract<ReplayRecord, { type: K }> => r.type === type);
    expect(of('master').map((m) => m.src)).toEqual(['172.16.25.1']);
    const two = of('anomaly').filter((x) => x.kind === 'two-masters');
    expect(two).toHaveLength(1);
    expect(two[0]!.src).toBe('172.16.25.2');
    expect(two[0]!.to! - two[0]!.ts).toBeGreaterThan(4);
    expect(two[0]!.detail).toMatch(/^172\.16\.25\.1 advertised as master while \S+ \(172\.16\.25\.2\) sent \d+ gratuitous ARPs for 172\.16\.25\.40/);
    expect(of('summary')[0]!.garps?.map((g) => g.src)).toEqual(['172.16.25.1', '172.16.25.2']);
  }, 60_000);
});
