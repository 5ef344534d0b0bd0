/**
 * Lab tier for `vrrplab run`: real namespaces (test/lab/lab.ts), raw and packet sockets, iproute2,
 * tcpdump, tshark and keepalived 2.2.7. Each test builds its own lab and destroys it afterwards,
 * also on failure. Seed pair: runtime-seed.test.ts; faults: runtime-faults.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, addresses, collect, ensureBuilt, exited, sleep, startDaemon, waitFor, type Daemon } from '../runtime/lab-helpers.js';

const PROBE = join(ROOT, 'test/runtime/fixtures/transport-probe.mjs');
const VIP = '172.16.25.100';

function config(priority: number): string {
  return `global_defs {
  router_id lab
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 51
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass labpass1
  }
  virtual_ipaddress {
    ${VIP}/16 dev eth0 label eth0:1
  }
}
`;
}

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived', 'tcpdump', 'tshark'])) await ensureBuilt();
});

function newLab(): { lab: Lab; dir: string } {
  const lab = made.lab();
  const dir = made.scratch('vlrt');
  return { lab, dir };
}

function start(l: Lab, dir: string, host: number, priority: number, kind: Daemon, extra: string[] = []) {
  const conf = join(dir, `h${host}-${kind}.conf`);
  writeFileSync(conf, config(priority));
  return startDaemon(l, host, kind, conf, dir, { extra });
}

const holds = (l: Lab, host: number) => addresses(l, host).includes(VIP);

/** eth0's IPv6 link-local address once duplicate address detection let it go (not tentative). */
async function linkLocal(l: Lab, host: number): Promise<string> {
  let address = '';
  const ready = await waitFor(() => {
    const out = l.exec(host, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']);
    address = /inet6 (fe80::[0-9a-f:]+)\//.exec(out)?.[1] ?? '';
    return address !== '' && !out.includes('tentative');
  }, 5000);
  expect(ready).toBeGreaterThanOrEqual(0);
  return address;
}

describe('vrrplab run on a lab LAN', () => {
  it('carries adverts over raw IP between namespaces that have no default route', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l } = newLab();
    const listener = collect(l.spawn(1, ['node', PROBE, join(ROOT, 'dist'), 'raw', 'eth0', 'listen', '2500']));
    await sleep(600);
    const sender = collect(l.spawn(0, ['node', PROBE, join(ROOT, 'dist'), 'raw', 'eth0', 'send', '2']));
    await exited(sender.child);
    await exited(listener.child);
    const received = listener.log().split('\n').filter((line) => line.includes('"ok":true')).map((line) => JSON.parse(line));
    expect(sender.log()).not.toContain('unreachable');
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ src: l.hosts[0].address, dst: '224.0.0.18', ttl: 255, advert: { vrid: 51, auth: 'secret' } });
  });

  it('carries VRRPv3 over IPv6 to ff02::12, with the hop limit and destination the kernel saw', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l } = newLab();
    const [from] = await Promise.all([linkLocal(l, 0), linkLocal(l, 1)]);
    const listener = collect(l.spawn(1, ['node', PROBE, join(ROOT, 'dist'), 'raw', 'eth0', 'listen', '2500', 'ff02::12']));
    await sleep(600);
    const sender = collect(l.spawn(0, ['node', PROBE, join(ROOT, 'dist'), 'raw', 'eth0', 'send', '2', 'ff02::12']));
    await exited(sender.child);
    await exited(listener.child);
    const received = listener.log().split('\n').filter((line) => line.includes('"ok":true')).map((line) => JSON.parse(line));
    expect(sender.log()).toContain('"sent":true');
    expect(received).toHaveLength(2);
    expect(received[0]).toMatchObject({ src: from, dst: 'ff02::12', ttl: 255, ttlKnown: true, advert: { version: 3, vrid: 51, family: 6 } });
    // Stamped by the kernel on arrival: a little before the listener's JS got it, never after.
    expect(received[0].ageMs).toBeGreaterThanOrEqual(0);
  });

  it('elects the higher priority, announces the VIP with GARPs, hands over on SIGTERM and SIGKILL, and preempts on return', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l, dir } = newLab();
    const tcpdump = collect(l.spawn(1, ['tcpdump', '-tt', '-n', '-l', '-i', 'eth0', 'arp']));
    const pcap = join(dir, 'a.pcap');
    let a = start(l, dir, 0, 150, 'vrrplab', ['--pcap', pcap]);
    const b = start(l, dir, 1, 100, 'vrrplab');
    expect(await waitFor(() => holds(l, 0), 8000)).toBeGreaterThanOrEqual(0);
    expect(holds(l, 1)).toBe(false);
    const garps = () => tcpdump.log().split('\n').filter((line) => line.includes(`Request who-has ${VIP} (ff:ff:ff:ff:ff:ff) tell ${VIP}`)).map((line) => Number(line.split(' ')[0]));
    expect(await waitFor(() => garps().length >= 5, 3000)).toBeGreaterThanOrEqual(0);
    // garp_master_repeat 5, back to back as keepalived sends them (0.1 ms in the reference capture).
    expect((garps()[4] - garps()[0]) * 1000).toBeLessThan(20);

    // SIGTERM: A resigns with priority 0, so B takes over within skew time (~0.4 s), not 3 s.
    a.child.kill('SIGTERM');
    expect(await exited(a.child)).toBe(0);
    const gap = await waitFor(() => holds(l, 1), 3000);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(1500);
    process.stderr.write(`runtime lab: SIGTERM failover gap ${gap.toFixed(0)} ms\n`);
    expect(holds(l, 0)).toBe(false);
    const resign = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp.prio == 0', '-T', 'fields', '-e', 'ip.src'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(resign.trim()).toBe(l.hosts[0].address);

    // A returns with the higher priority and preempts B.
    a = start(l, dir, 0, 150, 'vrrplab');
    expect(await waitFor(() => holds(l, 0) && !holds(l, 1), 8000)).toBeGreaterThanOrEqual(0);

    // SIGKILL: no resignation; B takes over after Master_Down_Interval (3 * 1 s + skew).
    await sleep(1500);
    a.child.kill('SIGKILL');
    await exited(a.child);
    const down = await waitFor(() => holds(l, 1), 6000);
    expect(down).toBeGreaterThan(2500);
    expect(down).toBeLessThan(4500);
    process.stderr.write(`runtime lab: SIGKILL failover gap ${down.toFixed(0)} ms (Master_Down_Interval 3.6 s from the last advert)\n`);
    b.child.kill('SIGTERM');
    expect(await exited(b.child)).toBe(0);
    expect(holds(l, 1)).toBe(false);
  }, 60_000);

  for (const [first, second] of [['keepalived', 'vrrplab'], ['vrrplab', 'keepalived']] as const) {
    it(`agrees with keepalived on the master with PASS auth (${first} high, ${second} low) and fails over both ways`, async (ctx) => {
      requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
      const { lab: l, dir } = newLab();
      let high = start(l, dir, 0, 150, first);
      const low = start(l, dir, 1, 100, second);
      expect(await waitFor(() => holds(l, 0), 8000)).toBeGreaterThanOrEqual(0);
      await sleep(1500);
      expect(holds(l, 1)).toBe(false);
      high.child.kill('SIGTERM');
      await exited(high.child);
      expect(await waitFor(() => holds(l, 1), 3000)).toBeGreaterThanOrEqual(0);
      high = start(l, dir, 0, 150, first);
      expect(await waitFor(() => holds(l, 0) && !holds(l, 1), 8000)).toBeGreaterThanOrEqual(0);
      const keepalivedLog = (first === 'keepalived' ? high : low).log();
      // Whole words: the lab's random names (in keepalived's echo of its command line) once held "2bad01".
      expect(keepalivedLog.split('\n').filter((line) => /\b(invalid|mismatch|bad|bogus|error)\b/i.test(line))).toEqual([]);
      high.child.kill('SIGTERM');
      low.child.kill('SIGTERM');
      await Promise.all([exited(high.child), exited(low.child)]);
    }, 60_000);
  }

  it('reloads on SIGHUP: a kept MASTER keeps its VIP, a lower priority hands it over, without a restart', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l, dir } = newLab();
    const a = start(l, dir, 0, 150, 'vrrplab');
    const b = start(l, dir, 1, 100, 'vrrplab');
    expect(await waitFor(() => holds(l, 0), 8000)).toBeGreaterThanOrEqual(0);
    // The VIP can be on (netlink) before the takeover's log lines have come through the pipe.
    expect(await waitFor(() => a.log().includes('(VI_1) Entering MASTER STATE'), 2000)).toBeGreaterThanOrEqual(0);
    // Same config: nothing moves.
    const before = a.log().length;
    a.child.kill('SIGHUP');
    await sleep(1500);
    expect(holds(l, 0)).toBe(true);
    const sinceReload = a.log().slice(before);
    expect(sinceReload).toContain('Reloading');
    expect(sinceReload).not.toMatch(/Entering|removing VIPs/);
    // keepalived 2.2.7 sets a kept MASTER's VIPs again (logged, no address change) and re-advertises.
    expect(sinceReload).toContain('(VI_1) setting VIPs.');
    // Priority 150 -> 50 in place: the advert sent at the reload carries 50 and B (100) preempts.
    writeFileSync(join(dir, 'h0-vrrplab.conf'), config(50));
    a.child.kill('SIGHUP');
    expect(await waitFor(() => holds(l, 1) && !holds(l, 0), 6000)).toBeGreaterThanOrEqual(0);
    // keepalived restarts the effective priority from the new base: no "Changing effective priority" line.
    expect(a.log()).not.toContain('Changing effective priority');
    expect(a.child.exitCode).toBeNull();
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([exited(a.child), exited(b.child)]);
  }, 60_000);

  it('runs VRRPv3 over IPv6: elects, puts the IPv6 VIP on the master and announces it with unsolicited NAs', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l, dir } = newLab();
    await Promise.all([linkLocal(l, 0), linkLocal(l, 1)]);
    const vip6 = '2001:db8:25::100';
    const conf6 = (priority: number) => `vrrp_instance VI_6 {\n interface eth0\n state BACKUP\n priority ${priority}\n virtual_router_id 61\n advert_int 1\n virtual_ipaddress {\n  ${vip6}/64\n }\n}\n`;
    const tcpdump = collect(l.spawn(1, ['tcpdump', '-n', '-l', '-i', 'eth0', 'icmp6 and ip6[40] == 136']));
    const daemons = [150, 100].map((priority, host) => {
      const conf = join(dir, `h${host}-v6.conf`);
      writeFileSync(conf, conf6(priority));
      return startDaemon(l, host, 'vrrplab', conf, dir);
    });
    const holds6 = (host: number) => l.exec(host, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']).includes(vip6);
    expect(await waitFor(() => holds6(0), 8000)).toBeGreaterThanOrEqual(0);
    expect(await waitFor(() => tcpdump.log().includes(`neighbor advertisement, tgt is ${vip6}`), 3000)).toBeGreaterThanOrEqual(0);
    await sleep(1500);
    expect(holds6(1)).toBe(false);
    expect(daemons[1].log()).toContain('(VI_6) Entering BACKUP STATE');
    for (const d of daemons) d.child.kill('SIGTERM');
    await Promise.all(daemons.map((d) => exited(d.child)));
  }, 30_000);

  it('drops and counts a VRRPv3/IPv6 advert whose hop limit is not 255, and obeys the same advert at 255', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l, dir } = newLab();
    await Promise.all([linkLocal(l, 0), linkLocal(l, 1)]);
    const conf = join(dir, 'v6.conf');
    writeFileSync(conf, 'vrrp_instance VI_6 {\n interface eth0\n state BACKUP\n priority 100\n virtual_router_id 61\n advert_int 1\n virtual_ipaddress {\n  2001:db8:25::100/64\n }\n}\n');
    const b = startDaemon(l, 1, 'vrrplab', conf, dir, { extra: ['--dump-dir', dir] });
    expect(await waitFor(() => b.log().includes('(VI_6) Entering MASTER STATE'), 8000)).toBeGreaterThanOrEqual(0);
    const send = (hops: number) => l.exec(0, ['node', join(ROOT, 'test/runtime/fixtures/v6-advert-sender.mjs'), join(ROOT, 'dist'), 'eth0', String(hops), '3', '61', '200']);
    const asMaster = b.log().length;
    expect(send(1)).toContain('sent');
    await sleep(300);
    b.child.kill('SIGUSR2');
    await sleep(300);
    expect(readFileSync(join(dir, 'keepalived.stats'), 'utf8')).toMatch(/TTL: 3\b/);
    expect(b.log().slice(asMaster)).toContain('(VI_6) invalid TTL/HL. Received 1 and expect 255');
    expect(b.log().slice(asMaster)).not.toContain('Entering BACKUP STATE');
    expect(send(255)).toContain('sent');
    expect(await waitFor(() => b.log().slice(asMaster).includes('(VI_6) Entering BACKUP STATE'), 3000)).toBeGreaterThanOrEqual(0);
    b.child.kill('SIGTERM');
    await exited(b.child);
  }, 30_000);

  it('hears of link changes from the kernel at once, not at the next 200 ms poll', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l, dir } = newLab();
    const a = start(l, dir, 0, 150, 'vrrplab', ['--log-format', 'json']);
    expect(await waitFor(() => holds(l, 0), 8000)).toBeGreaterThanOrEqual(0);
    const heard = (message: string): number | undefined => {
      const line = a.log().split('\n').reverse().find((text) => text.includes(`"message":"${message}"`));
      return line ? Date.parse((JSON.parse(line) as { ts: string }).ts) : undefined;
    };
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = a.log().length;
      l.exec(0, ['ip', 'link', 'set', 'eth0', 'down']);
      const done = Date.now(); // the link is down by now
      expect(await waitFor(() => a.log().slice(before).includes('Netlink reports eth0 down'), 2000)).toBeGreaterThanOrEqual(0);
      delays.push((heard('Netlink reports eth0 down') ?? Infinity) - done);
      l.exec(0, ['ip', 'link', 'set', 'eth0', 'up']);
      expect(await waitFor(() => a.log().slice(before).includes('Netlink reports eth0 up'), 2000)).toBeGreaterThanOrEqual(0);
    }
    // Polling alone lands anywhere in 0-200 ms: all three within 20 ms would be a 1-in-1000 fluke.
    for (const delay of delays) expect(delay).toBeLessThan(20);
    a.child.kill('SIGTERM');
    await exited(a.child);
  }, 30_000);

  it('puts VIPs on the interface over netlink exactly as `ip addr add` would: label, broadcast, scope, IPv6 nodad', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l } = newLab();
    const cases = [
      { vip: { address: '172.16.25.150', prefixLength: 16, family: 4, label: 'eth0:vip', broadcast: '+' }, ip: ['-4', 'addr', 'add', '172.16.25.150/16', 'dev', 'eth0', 'broadcast', '+', 'label', 'eth0:vip'] },
      { vip: { address: '10.25.0.7', prefixLength: 32, family: 4, scope: 'link' }, ip: ['-4', 'addr', 'add', '10.25.0.7/32', 'dev', 'eth0', 'scope', 'link'] },
      { vip: { address: '2001:db8:25::7', prefixLength: 64, family: 6 }, ip: ['-6', 'addr', 'add', '2001:db8:25::7/64', 'dev', 'eth0', 'nodad'] },
    ];
    const shown = (address: string) => {
      const links = JSON.parse(l.exec(0, ['ip', '-j', 'addr', 'show', 'dev', 'eth0'])) as { addr_info: Record<string, unknown>[] }[];
      const found = links[0].addr_info.find((a) => a.local === address);
      // Lifetimes tick; everything else must be the same.
      return found && Object.fromEntries(Object.entries(found).filter(([key]) => !key.endsWith('_life_time')));
    };
    for (const { vip, ip } of cases) {
      const probe = (verb: string) => JSON.parse(l.exec(0, ['node', join(ROOT, 'test/runtime/fixtures/address-probe.mjs'), join(ROOT, 'dist'), verb, 'eth0', JSON.stringify(vip)]).trim());
      expect(probe('add')).toEqual({ ok: true });
      expect(probe('add')).toEqual({ ok: true }); // already there: done, as keepalived
      const ours = shown(vip.address);
      expect(probe('del')).toEqual({ ok: true });
      expect(shown(vip.address)).toBeUndefined();
      expect(probe('del')).toEqual({ ok: true }); // already gone: done
      l.exec(0, ['ip', ...ip]);
      expect(ours).toEqual(shown(vip.address));
      l.exec(0, ['ip', ...ip.map((word) => (word === 'add' ? 'del' : word)).slice(0, 6)]);
    }
  });

  it('reads an interface\'s index, MAC and primary addresses over rtnetlink as `ip -j addr` shows them', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l } = newLab();
    // Secondaries after the primary, a second primary, a global IPv6 address before the link-local one.
    for (const add of [['172.16.25.201/16'], ['10.9.0.1/24'], ['10.9.0.2/24'], ['-6', '2001:db8:9::1/64', 'nodad']]) {
      const [first, ...rest] = add;
      l.exec(0, first === '-6' ? ['ip', '-6', 'addr', 'add', ...rest, 'dev', 'eth0'] : ['ip', 'addr', 'add', first, 'dev', 'eth0']);
    }
    const probe = (dev: string) => JSON.parse(l.exec(0, ['node', join(ROOT, 'test/runtime/fixtures/interface-probe.mjs'), join(ROOT, 'dist'), dev]).trim()) as { netlink: unknown; ip: unknown };
    for (const dev of ['eth0', 'lo']) {
      const { netlink, ip } = probe(dev);
      expect(netlink).toEqual(ip);
      expect(netlink).toMatchObject({ ok: true, info: { name: dev } });
    }
    const eth0 = probe('eth0').netlink as { info: { ipv4: string; ipv6: string; mac: string } };
    expect(eth0.info.ipv4).toBe(addresses(l, 0)[0]);
    expect(eth0.info.ipv6).toMatch(/^fe80:/);
    expect(eth0.info.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    // No such interface: iproute2's words.
    const missing = probe('eth9');
    expect(missing.netlink).toEqual(missing.ip);
    expect(missing.netlink).toEqual({ ok: false, error: 'Device "eth9" does not exist.' });
  });

  it('lets two hosts elect over the UDP shim when raw sockets are not used', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const { lab: l, dir } = newLab();
    const a = start(l, dir, 0, 150, 'vrrplab', ['--transport', 'udp']);
    const b = start(l, dir, 1, 100, 'vrrplab', ['--transport', 'udp']);
    expect(await waitFor(() => holds(l, 0), 8000)).toBeGreaterThanOrEqual(0);
    await sleep(1500);
    expect(holds(l, 1)).toBe(false);
    expect(b.log()).toContain('(VI_1) Entering BACKUP STATE');
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([exited(a.child), exited(b.child)]);
  }, 30_000);
});
