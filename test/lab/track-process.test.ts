/**
 * Lab tier, issue 23: vrrp_track_process on keepalived 2.2.7. The kernel's process events (the
 * netlink proc connector) answer only in the first network namespace, so:
 * - A (150, weight -30) is started from the root namespace with `net_namespace <A's namespace>`:
 *   keepalived opens the connector, then moves into the namespace (core/main.c), and all its VRRP
 *   traffic stays there. Its interface is renamed to a name the root namespace lacks, so a keepalived
 *   that stayed outside could not start at all.
 * - B (130, weight +10) runs inside its namespace: "Failed to set/clear process event listen -
 *   errno 111" and the process counts as absent while it runs (130, never 140).
 * The process (a copy of sleep under a name of its own) stops: A 150 -> 120 < 130, B takes over;
 * it starts again: A 150, A takes the VIP back. simulate, with the same configs, B as
 * `process-events: false` and the process as a service, moves the VIP the same way at about the
 * same times. VRRPLAB_RECORD_TRACK_PROCESS=DIR keeps the recording (test/fixtures/track-process/lab).
 * Then vrrplab's side: its process watch follows a process from the root namespace (no VRRP
 * involved), and `vrrplab run` inside a namespace says what keepalived says there and counts the
 * process absent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { addresses, ensureBuilt, exited, sleep, startDaemon, waitFor } from '../runtime/lab-helpers.js';
import { parseConfigText } from '../../src/config/load.js';
import { watchProcesses } from '../../src/runtime/processes.js';
import { masterTimes, simulateRecording, simulatedMasterTimes, type ProcessRecording } from '../sim/track-process-recording.js';

const VIP = '172.16.25.100';
const made = removedAfterEach();
/** Processes this file starts outside the lab's namespaces: ended by PID after each test. */
const own: ChildProcess[] = [];
afterEach(async () => {
  for (const child of own.splice(0)) {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) continue;
    try { process.kill(child.pid, 'SIGTERM'); } catch { /* gone */ }
    await Promise.race([exited(child), sleep(3000)]);
    try { process.kill(child.pid, 'SIGKILL'); } catch { /* gone */ }
  }
});

function conf(name: string, iface: string, priority: number, weight: number, processName: string, netns?: string): string {
  return [
    ...(netns !== undefined ? [`net_namespace ${netns}`] : []),
    'global_defs {', `  router_id ${name}`, '}',
    'vrrp_track_process tp {', `  process ${processName}`, `  weight ${weight}`, '}',
    'vrrp_instance VI_1 {', `  interface ${iface}`, '  state BACKUP', `  priority ${priority}`, '  virtual_router_id 51', '  advert_int 1',
    '  authentication {', '    auth_type PASS', '    auth_pass labpass1', '  }',
    '  track_process {', '    tp', '  }', '  virtual_ipaddress {', `    ${VIP}/16 dev ${iface}`, '  }', '}', '',
  ].join('\n');
}

describe('track_process on keepalived 2.2.7', () => {
  it('follows a process stopped and started again (A, via net_namespace) and counts it absent inside a namespace (B); simulate moves the VIP the same way', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const lab = made.lab();
    const dir = made.scratch('vltproc');
    const t0 = performance.now();
    const at = (): number => Math.round(performance.now() - t0) / 1000;
    const logs = { A: '', B: '' };
    const keep = (host: 'A' | 'B', child: ChildProcess): void => {
      let partial = '';
      const take = (chunk: Buffer): void => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) logs[host] += `${at().toFixed(3)} ${line}\n`;
      };
      child.stdout?.on('data', take);
      child.stderr?.on('data', take);
    };
    const [a, b] = lab.hosts;
    // A's interface gets a name the root namespace does not have.
    lab.exec(a, ['ip', 'link', 'set', 'eth0', 'down']);
    lab.exec(a, ['ip', 'link', 'set', 'eth0', 'name', 'vltp0']);
    lab.exec(a, ['ip', 'link', 'set', 'vltp0', 'up']);
    const processName = `vltp${randomBytes(4).toString('hex')}`;
    copyFileSync('/bin/sleep', join(dir, processName));
    writeFileSync(join(dir, 'A.conf'), conf('A', 'vltp0', 150, -30, processName, a.ns));
    writeFileSync(join(dir, 'B.conf'), conf('B', 'eth0', 130, 10, processName));
    const runProcess = (): ChildProcess => {
      const child = spawn(join(dir, processName), ['600'], { stdio: 'ignore' });
      own.push(child);
      return child;
    };
    let tracked = runProcess();
    await sleep(200);
    const daemon = (host: string): string[] => ['-n', '-l', '-D', '-P', '-f', join(dir, `${host}.conf`), '-p', join(dir, `${host}.pid`), '-r', join(dir, `${host}.vrrp.pid`)];
    const startA = at();
    const ka = spawn('keepalived', daemon('A'), { stdio: ['ignore', 'pipe', 'pipe'] });
    own.push(ka);
    keep('A', ka);
    const startB = at();
    keep('B', lab.spawn(b, ['keepalived', ...daemon('B')]));
    const holder = (): string => (addresses(lab, a, 'vltp0').includes(VIP) ? 'A' : addresses(lab, b).includes(VIP) ? 'B' : '-');
    expect(await waitFor(() => holder() === 'A', 8000), logs.A).toBeGreaterThanOrEqual(0);
    // The process stops and starts half-way between the master's adverts (one a second from its
    // MASTER line): a change landing on an advert is a race of a few ms with it, one interval either way.
    const midPhase = async (host: 'A' | 'B', after: number): Promise<void> => {
      const master = masterTimes(logs[host]).at(-1) ?? at();
      const target = master + Math.ceil(after - master) + 0.5;
      await sleep(Math.max(0, (target - at()) * 1000));
    };
    await midPhase('A', at() + 0.5);
    const stop = at();
    tracked.kill('SIGTERM');
    await exited(tracked);
    expect(await waitFor(() => holder() === 'B', 6000), logs.A).toBeGreaterThanOrEqual(0);
    await midPhase('B', at() + 1);
    const restart = at();
    tracked = runProcess();
    expect(await waitFor(() => holder() === 'A', 6000), logs.A).toBeGreaterThanOrEqual(0);
    await sleep(500);
    const run: ProcessRecording = { process: processName, startA, startB, stop, restart, end: at() + 1 };
    console.log('lab track_process:', JSON.stringify(run));

    expect(logs.A).toContain(`Quorum lost for tracked process tp`);
    expect(logs.A).toContain('(VI_1) Changing effective priority from 150 to 120');
    expect(logs.A).toContain(`Quorum gained for tracked process tp`);
    expect(logs.A).toContain('(VI_1) Changing effective priority from 120 to 150');
    expect(logs.A).not.toContain('process event listen');
    expect(logs.B).toContain('Failed to set/clear process event listen - errno 111 - Connection refused');
    expect(logs.B).not.toContain('Changing effective priority');

    const record = process.env['VRRPLAB_RECORD_TRACK_PROCESS'];
    if (record !== undefined && record !== '') {
      mkdirSync(record, { recursive: true });
      for (const host of ['A', 'B'] as const) {
        writeFileSync(join(record, `${host}.log`), logs[host].replaceAll(dir, '/tmp/vltproc'));
        copyFileSync(join(dir, `${host}.conf`), join(record, `${host}.conf`));
      }
      writeFileSync(join(record, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
    }

    // The simulator: A and B enter MASTER at the lab's times (each a Master_Down_Interval after the
    // last advert that still won), give or take the scheduling of the namespaces' processes.
    const sim = simulateRecording(dir, run, logs);
    const labA = masterTimes(logs.A);
    const labB = masterTimes(logs.B);
    const simA = simulatedMasterTimes(sim, 'A');
    const simB = simulatedMasterTimes(sim, 'B');
    console.log('keepalived MASTER at', { A: labA, B: labB }, 'simulated', { A: simA, B: simB });
    expect(simA.length).toBe(labA.length);
    expect(simB.length).toBe(labB.length);
    for (const [i, t] of labA.entries()) expect(Math.abs((simA[i] ?? 0) - t), `A's MASTER #${i + 1}`).toBeLessThan(0.2);
    for (const [i, t] of labB.entries()) expect(Math.abs((simB[i] ?? 0) - t), `B's MASTER #${i + 1}`).toBeLessThan(0.2);
  }, 40_000);
});

describe('vrrplab run and the kernel\'s process events', () => {
  it('follows a process started, forked and stopped (the proc connector, read from the first namespace; no VRRP traffic)', async (ctx) => {
    requireLab(ctx, ['ip']);
    const dir = made.scratch('vltprocw');
    const processName = `vltw${randomBytes(4).toString('hex')}`;
    copyFileSync('/bin/sleep', join(dir, processName));
    const config = parseConfigText(`vrrp_track_process tp {\n process ${processName}\n}\n`, 'w.conf').config.trackProcesses ?? [];
    const seen: [number, boolean][] = [];
    const watch = watchProcesses(config, (_name, count, fork) => seen.push([count, fork]));
    if (!watch.ok) throw new Error(watch.lines.join('\n'));
    try {
      expect(watch.counts).toEqual({ tp: 0 });
      const first = spawn(join(dir, processName), ['600'], { stdio: 'ignore' });
      own.push(first);
      expect(await waitFor(() => seen.length >= 1, 3000)).toBeGreaterThanOrEqual(0);
      first.kill('SIGTERM');
      await exited(first);
      expect(await waitFor(() => seen.length >= 2, 3000)).toBeGreaterThanOrEqual(0);
      expect(seen).toEqual([[1, false], [0, false]]);
    } finally {
      watch.close();
    }
  });

  it('run inside a namespace logs keepalived\'s errno 111 line and counts the running process absent (150 - 30 = 120), as keepalived does there', async (ctx) => {
    requireLab(ctx, ['ip']);
    await ensureBuilt();
    const lab = made.lab();
    const dir = made.scratch('vltprocr');
    const processName = `vltr${randomBytes(4).toString('hex')}`;
    copyFileSync('/bin/sleep', join(dir, processName));
    const running = spawn(join(dir, processName), ['600'], { stdio: 'ignore' });
    own.push(running);
    writeFileSync(join(dir, 'A.conf'), conf('A', 'eth0', 150, -30, processName));
    const daemon = startDaemon(lab, 0, 'vrrplab', join(dir, 'A.conf'), dir);
    expect(await waitFor(() => daemon.log().includes('Changing effective priority'), 8000), daemon.log()).toBeGreaterThanOrEqual(0);
    expect(daemon.log()).toContain('Failed to set/clear process event listen - errno 111 - Connection refused');
    expect(daemon.log()).toContain('(VI_1) Changing effective priority from 150 to 120');
    expect(daemon.log()).toMatch(/vrrplab: the kernel's process events answer only in the first network namespace/);
  }, 20_000);
});
