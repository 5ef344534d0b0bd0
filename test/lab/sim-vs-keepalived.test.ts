/**
 * Lab tier, issue 19: fault timelines where `vrrplab simulate` and keepalived 2.2.7 disagreed, run
 * on keepalived in network namespaces and in the simulator with the same configs.
 *
 * - A restart of the master that had just taken over (examples/restart): keepalived is MASTER
 *   again one Master_Down_Interval after its start-up (3.62 s after the restart when measured);
 *   the simulator froze it in BACKUP before.
 * - Two pairs sharing VRID 51 with different auth_pass (examples/hostile/two-clusters.yaml): each
 *   master's adverts re-arm the other's timer, a master held silent for its backup's
 *   Master_Down_Interval loses the VIP to it for a moment (9-12 times in 60 s in four runs).
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, collect, crash, exited, sleep, startDaemon } from '../runtime/lab-helpers.js';
import { execFileSync } from 'node:child_process';
import { parseScenario } from '../../src/sim/scenario.js';
import { runScenario } from '../../src/sim/run.js';

const made = removedAfterEach();

/** Each VRRP packet of a capture: seconds since `t0` (epoch ms), sender's last address byte. */
function adverts(pcap: string, t0: number): { t: number; from: number }[] {
  const out = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.trim().split('\n').filter((line) => line.length > 0).map((line) => {
    const [t, src] = line.split('\t');
    return { t: Number(t) - t0 / 1000, from: Number(src?.split('.').at(-1)) };
  });
}

function simulate(file: string, dir: string, replace: (yaml: string) => string = (yaml) => yaml): ReturnType<typeof runScenario> {
  const parsed = parseScenario(replace(readFileSync(file, 'utf8')), dir, file);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return runScenario(parsed.scenario);
}

describe('keepalived and the simulator on issue 19\'s timelines', () => {
  it('bring a master killed and started again half a second later back to MASTER one Master_Down_Interval after its start-up', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const lab = made.lab();
    const dir = made.scratch('vlrestart');
    const chk = join(dir, 'chk.sh');
    writeFileSync(chk, '#!/bin/sh\nexit 0\n');
    chmodSync(chk, 0o755);
    for (const host of ['A', 'B']) {
      writeFileSync(join(dir, `${host}.conf`), readFileSync(join(ROOT, `examples/restart/${host}.conf`), 'utf8').replace('"/usr/bin/true"', `"${chk}"`));
    }
    const pcap = join(dir, 'capture.pcap');
    const tcpdump = collect(lab.spawn(0, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip proto 112']));
    await sleep(800);
    const t0 = Date.now();
    const at = (s: number) => sleep(Math.max(0, s * 1000 - (Date.now() - t0)));
    const a = startDaemon(lab, 0, 'keepalived', join(dir, 'A.conf'), dir);
    let b = startDaemon(lab, 1, 'keepalived', join(dir, 'B.conf'), dir);
    await at(14);
    await crash(a);
    await at(26.5);
    await crash(b);
    await at(27);
    // A killed keepalived leaves its pid files; keepalived would take a stale one for a running daemon.
    for (const suffix of ['', '.vrrp']) rmSync(join(dir, `${lab.hosts[1]!.ns}-keepalived.pid${suffix}`), { force: true });
    const restarted = (Date.now() - t0) / 1000;
    b = startDaemon(lab, 1, 'keepalived', join(dir, 'B.conf'), dir);
    await at(33);
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);
    const first = adverts(pcap, t0).find((packet) => packet.from === 2 && packet.t > restarted);
    const lab_ = first === undefined ? Number.NaN : first.t - restarted;
    console.log(`keepalived: B advertises again ${lab_.toFixed(3)} s after its restart`);
    expect(b.log()).toMatch(/\(VI_1\) Entering MASTER STATE/);
    // Master_Down_Interval at priority 102 is 3.60 s; keepalived's start-up adds 20-100 ms (more on a loaded machine).
    expect(lab_).toBeGreaterThan(3.6);
    expect(lab_).toBeLessThan(4);

    const outcome = simulate(join(ROOT, 'examples/restart/restart.yaml'), join(ROOT, 'examples/restart'));
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const master = outcome.result.records.find((record) => record.type === 'transition' && record.host === 'B' && record.to === 'MASTER' && record.t > 27);
    expect(master).toBeDefined();
    expect(Math.abs((master?.t ?? 0) - 27 - lab_)).toBeLessThan(0.35);
  }, 60_000);

  it('let two pairs sharing VRID 51 silence each other\'s masters until a backup takes over, in keepalived and in the simulator', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const lab = made.lab({ hosts: 4 });
    const dir = made.scratch('vltwoclusters');
    const confs = ['master.conf', 'backup.conf', 'other-master.conf', 'other-backup.conf'];
    for (const conf of confs) writeFileSync(join(dir, conf), readFileSync(join(ROOT, 'examples/hostile', conf), 'utf8'));
    const pcap = join(dir, 'capture.pcap');
    const tcpdump = collect(lab.spawn(0, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip proto 112']));
    await sleep(800);
    const t0 = Date.now();
    confs.forEach((conf, i) => startDaemon(lab, i, 'keepalived', join(dir, conf), dir, { detail: false }));
    await sleep(60_000);
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);
    const packets = adverts(pcap, t0).filter((packet) => packet.t < 60);
    // A takeover: a backup (.2 or .4) advertising; its master (.1 or .3) silent for the interval before.
    const takeovers = packets.filter((packet, i) => (packet.from === 2 || packet.from === 4) && !(packets[i - 1]?.from === packet.from && packet.t - packets[i - 1]!.t < 1.5));
    const silences = takeovers.map((takeover) => {
      const master = takeover.from - 1;
      const before = packets.filter((packet) => packet.from === master && packet.t < takeover.t).at(-1);
      return before === undefined ? Number.NaN : takeover.t - before.t;
    });
    console.log(`keepalived: ${takeovers.length} takeovers in 60 s, masters silent ${silences.map((s) => s.toFixed(2)).join(', ')} s before them`);
    // Four runs: 9, 11, 11 and 12 takeovers, each after 3.61-3.70 s of silence.
    expect(takeovers.length).toBeGreaterThanOrEqual(4);
    expect(takeovers.length).toBeLessThanOrEqual(16);
    for (const silence of silences.slice(1)) expect(silence).toBeGreaterThan(3.5);

    const outcome = simulate(join(ROOT, 'examples/hostile/two-clusters.yaml'), join(ROOT, 'examples/hostile'));
    if (!outcome.ok) throw new Error(outcome.errors.join('\n'));
    const simulated = outcome.result.records.filter((record) => record.type === 'transition' && record.to === 'MASTER' && (record.host === 'B' || record.host === 'D'));
    console.log(`simulated: ${simulated.length} takeovers`);
    expect(Math.abs(simulated.length - takeovers.length)).toBeLessThanOrEqual(6);
  }, 90_000);
});
