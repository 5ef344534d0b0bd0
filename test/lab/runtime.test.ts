/**
 * Lab tier for `vrrplab run`: real namespaces, raw sockets, iproute2, arping, tcpdump, tshark and
 * keepalived 2.2.7. Each test builds its own pair of namespaces and removes it afterwards.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NetnsPair, exited, labOrSkip, logOf, sleep, waitFor, type Host } from '../runtime/netns-pair.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAIN = join(ROOT, 'dist/src/cli/main.js');
const PROBE = join(ROOT, 'test/runtime/fixtures/transport-probe.mjs');
const VIP = '10.77.0.100';
const lab = labOrSkip('vrrplab run against namespaces, keepalived and tcpdump');

function config(priority: number, extra = ''): string {
  return `global_defs {
  router_id lab
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 51
  advert_int 1
  ${extra}
  authentication {
    auth_type PASS
    auth_pass labpass1
  }
  virtual_ipaddress {
    ${VIP}/24 dev eth0 label eth0:1
  }
}
`;
}

let pair: NetnsPair | undefined;
afterEach(() => {
  pair?.cleanup();
  pair = undefined;
});

beforeAll(() => {
  if (lab) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
});

function start(p: NetnsPair, host: Host, priority: number, kind: 'vrrplab' | 'keepalived', args: string[] = []): ChildProcess {
  const conf = join(p.dir, `${host.ns}.conf`);
  writeFileSync(conf, config(priority));
  const pid = join(p.dir, `${host.ns}.pid`);
  const common = ['-n', '-l', '-D', '-P', '-f', conf, '-p', pid, '-r', `${pid}.vrrp`];
  return kind === 'vrrplab'
    ? p.spawnIn(host, ['node', MAIN, 'run', ...common, ...args])
    : p.spawnIn(host, ['keepalived', ...common]);
}

const holds = (p: NetnsPair, host: Host) => p.addresses(host).includes(VIP);

describe.skipIf(!lab)('vrrplab run on a lab LAN', () => {
  it('carries adverts over raw IP between namespaces that have no default route', async () => {
    pair = new NetnsPair();
    const listener = pair.spawnIn(pair.b, ['node', PROBE, join(ROOT, 'dist'), 'raw', 'eth0', 'listen', '2500']);
    await sleep(600);
    const sender = pair.spawnIn(pair.a, ['node', PROBE, join(ROOT, 'dist'), 'raw', 'eth0', 'send', '2']);
    await exited(sender);
    await exited(listener);
    const received = logOf(listener).split('\n').filter((l) => l.includes('"ok":true')).map((l) => JSON.parse(l));
    expect(logOf(sender)).not.toContain('unreachable');
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ src: '10.77.0.1', dst: '224.0.0.18', ttl: 255, advert: { vrid: 51, auth: 'secret' } });
  });

  it('elects the higher priority, announces the VIP with GARPs, hands over on SIGTERM and SIGKILL, and preempts on return', async () => {
    pair = new NetnsPair();
    const p = pair;
    const tcpdump = p.spawnIn(p.b, ['tcpdump', '-n', '-l', '-i', 'eth0', 'arp']);
    const pcap = join(p.dir, 'a.pcap');
    let a = start(p, p.a, 150, 'vrrplab', ['--pcap', pcap]);
    const b = start(p, p.b, 100, 'vrrplab');
    expect(await waitFor(() => holds(p, p.a), 8000)).toBeGreaterThanOrEqual(0);
    expect(holds(p, p.b)).toBe(false);
    expect(await waitFor(() => logOf(tcpdump).includes(`Request who-has ${VIP} (ff:ff:ff:ff:ff:ff) tell ${VIP}`), 3000)).toBeGreaterThanOrEqual(0);

    // SIGTERM: A resigns with priority 0, so B takes over within skew time (~0.4 s), not 3 s.
    a.kill('SIGTERM');
    expect(await exited(a)).toBe(0);
    const gap = await waitFor(() => holds(p, p.b), 3000);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(1500);
    process.stderr.write(`runtime lab: SIGTERM failover gap ${gap.toFixed(0)} ms\n`);
    expect(holds(p, p.a)).toBe(false);
    const resign = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp.prio == 0', '-T', 'fields', '-e', 'ip.src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(resign.trim()).toBe('10.77.0.1');

    // A returns with the higher priority and preempts B.
    a = start(p, p.a, 150, 'vrrplab');
    expect(await waitFor(() => holds(p, p.a) && !holds(p, p.b), 8000)).toBeGreaterThanOrEqual(0);

    // SIGKILL: no resignation; B takes over after Master_Down_Interval (3 * 1 s + skew).
    await sleep(1500);
    a.kill('SIGKILL');
    await exited(a);
    const down = await waitFor(() => holds(p, p.b), 6000);
    expect(down).toBeGreaterThan(2500);
    expect(down).toBeLessThan(4500);
    process.stderr.write(`runtime lab: SIGKILL failover gap ${down.toFixed(0)} ms (Master_Down_Interval 3.6 s from the last advert)\n`);
    b.kill('SIGTERM');
    expect(await exited(b)).toBe(0);
    expect(holds(p, p.b)).toBe(false);
  }, 60_000);

  for (const [first, second] of [['keepalived', 'vrrplab'], ['vrrplab', 'keepalived']] as const) {
    it(`agrees with keepalived on the master with PASS auth (${first} high, ${second} low) and fails over both ways`, async () => {
      pair = new NetnsPair();
      const p = pair;
      let high = start(p, p.a, 150, first);
      const low = start(p, p.b, 100, second);
      expect(await waitFor(() => holds(p, p.a), 8000)).toBeGreaterThanOrEqual(0);
      await sleep(1500);
      expect(holds(p, p.b)).toBe(false);
      high.kill('SIGTERM');
      await exited(high);
      expect(await waitFor(() => holds(p, p.b), 3000)).toBeGreaterThanOrEqual(0);
      high = start(p, p.a, 150, first);
      expect(await waitFor(() => holds(p, p.a) && !holds(p, p.b), 8000)).toBeGreaterThanOrEqual(0);
      const keepalivedLog = logOf(first === 'keepalived' ? high : low);
      expect(keepalivedLog).not.toMatch(/invalid|mismatch|bad|error/i);
      high.kill('SIGTERM');
      low.kill('SIGTERM');
      await Promise.all([exited(high), exited(low)]);
    }, 60_000);
  }

  it('lets two hosts elect over the UDP shim when raw sockets are not used', async () => {
    pair = new NetnsPair();
    const p = pair;
    const a = start(p, p.a, 150, 'vrrplab', ['--transport', 'udp']);
    const b = start(p, p.b, 100, 'vrrplab', ['--transport', 'udp']);
    expect(await waitFor(() => holds(p, p.a), 8000)).toBeGreaterThanOrEqual(0);
    await sleep(1500);
    expect(holds(p, p.b)).toBe(false);
    expect(logOf(b)).toContain('(VI_1) Entering BACKUP STATE');
    a.kill('SIGTERM');
    b.kill('SIGTERM');
    await Promise.all([exited(a), exited(b)]);
  }, 30_000);
});
