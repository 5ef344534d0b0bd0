/**
 * Lab tier (issue 23): `vrrplab run` as one host of an IPv6-only VRRPv3 unicast pair beside
 * keepalived 2.2.7. keepalived gives every IPv6 advert its instance's source address (IPV6_PKTINFO);
 * vrrplab once let the kernel choose, and after a takeover its adverts left from the VIP. The
 * keepalived peer here has `vrrp_check_unicast_src`: an advert from any address but its
 * unicast_peer is dropped ("... not a unicast peer") and it would take over. The recorded pair is in
 * captures/ipv6-unicast(-vrrplab), read without root by test/replay/ipv6-unicast.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { collect, ensureBuilt, exited, sleep, startDaemon, transitions, waitFor } from '../runtime/lab-helpers.js';

function config(name: string, priority: number, src: string, peer: string): string {
  return `global_defs {
  router_id ${name}
  vrrp_check_unicast_src
}
vrrp_instance V6 {
  interface eth0
  state BACKUP
  version 3
  priority ${priority}
  virtual_router_id 60
  advert_int 1
  unicast_src_ip ${src}
  unicast_peer {
    ${peer}
  }
  virtual_ipaddress {
    fd44::100/64
  }
}
`;
}

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived', 'tcpdump', 'tshark'])) await ensureBuilt();
}, 200_000);

describe('vrrplab run beside keepalived 2.2.7 over IPv6 unicast', () => {
  it('sends every advert from unicast_src_ip, before and after its VIP is up, with keepalived\'s hop limit, also when started before its link had carrier', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const lab = made.lab({ hosts: 2 });
    const dir = made.scratch('vlv6uni');
    const pcap = join(dir, 'capture.pcap');
    const address = (i: number, ip: string) => lab.exec(i, ['ip', '-6', 'addr', 'add', `${ip}/64`, 'dev', 'eth0', 'nodad']);
    for (const i of [0, 1]) lab.exec(i, ['sysctl', '-qw', 'net.ipv6.conf.eth0.accept_dad=0']);
    writeFileSync(join(dir, 'A.conf'), config('v6_A', 150, 'fd44::a', 'fd44::b'));
    writeFileSync(join(dir, 'B.conf'), config('v6_B', 100, 'fd44::b', 'fd44::a'));
    // vrrplab starts while its eth0 has no carrier (B's end down), so no link-local address yet:
    // it must still open its IPv6 socket (it once had none, and could neither send nor hear).
    // (B's address goes on once its link is up: the kernel drops IPv6 addresses of a link set down.)
    lab.exec(1, ['ip', 'link', 'set', 'eth0', 'down']);
    // A's link-local address, made while the link had carrier, goes with a down; up again without
    // carrier, it gets none.
    lab.exec(0, ['ip', 'link', 'set', 'eth0', 'down']);
    lab.exec(0, ['ip', 'link', 'set', 'eth0', 'up']);
    address(0, 'fd44::a');
    expect(lab.exec(0, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0'])).not.toContain('fe80:');
    const a = startDaemon(lab, 0, 'vrrplab', join(dir, 'A.conf'), dir);
    expect(await waitFor(() => a.log().includes('Startup complete'), 10_000), a.log()).toBeGreaterThanOrEqual(0);
    lab.exec(1, ['ip', 'link', 'set', 'eth0', 'up']);
    address(1, 'fd44::b');
    const tcpdump = collect(lab.spawn(1, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip6 proto 112']));
    await sleep(300);
    const b = startDaemon(lab, 1, 'keepalived', join(dir, 'B.conf'), dir);
    expect(await waitFor(() => transitions(a.log()).at(-1) === 'V6 MASTER', 10_000), a.log()).toBeGreaterThanOrEqual(0);
    // Adverts after the VIP is on A's eth0: the ones that left from fd44::100.
    expect(await waitFor(() => lab.exec(0, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0']).includes('fd44::100/64'), 3000)).toBeGreaterThanOrEqual(0);
    await sleep(4200);
    const bWhileAMaster = transitions(b.log()).at(-1);
    a.child.kill('SIGTERM');
    await exited(a.child);
    await sleep(300);
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);

    const frames = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp', '-T', 'fields', '-e', 'ipv6.src', '-e', 'ipv6.dst', '-e', 'ipv6.hlim', '-e', 'vrrp.prio'], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.split('\t'));
    const fromA = frames.filter((f) => f[3] === '150' || (f[3] === '0' && f[1] === 'fd44::b'));
    const fromB = frames.filter((f) => f[3] === '100');
    expect(fromA.length, frames.join('\n')).toBeGreaterThanOrEqual(5);
    // Every one of A's adverts, the resignation (priority 0) included, from fd44::a to fd44::b.
    expect(new Set(fromA.map((f) => `${f[0]}>${f[1]}`))).toEqual(new Set(['fd44::a>fd44::b']));
    // keepalived's own adverts carry the kernel's default hop limit, and so do vrrplab's.
    expect(new Set(frames.map((f) => f[2]))).toEqual(new Set(['64']));
    expect(fromB.every((f) => f[0] === 'fd44::b')).toBe(true);
    // keepalived (checking the source) took every advert of A's as its peer's.
    expect(b.log()).not.toContain('not a unicast peer');
    expect(bWhileAMaster, b.log()).toBe('V6 BACKUP');
    // vrrplab logs its socket as keepalived does, with no link-local warning for a unicast instance.
    expect(a.log()).toMatch(/VRRP sockpool: \[ifindex\(\s*\d+\), family\(IPv6\), proto\(112\), fd\(\d+,\d+\) , unicast, address\(fd44::a\)\]/);
    expect(a.log()).not.toContain('should be link local');
    // It did start without carrier, and had its socket all the same.
    expect(a.log()).toContain('(V6): entering FAULT state (interface eth0 down)');
    expect(a.log()).not.toContain('no IPv6 socket');
  }, 40_000);
});

const V2_CONF = (name: string, priority: number) => `global_defs {
  router_id ${name}
}
vrrp_instance V6 {
  interface eth0
  state BACKUP
  version 2
  priority ${priority}
  virtual_router_id 61
  advert_int 1
  virtual_ipaddress {
    fe80::61
    fd44::61/64
  }
}
`;

describe('vrrplab run beside keepalived 2.2.7 with an IPv6 instance configured `version 2`', () => {
  it('speaks VRRPv2 over IPv6 as keepalived does (no auth bytes): one master, and the backup takes over when it resigns; started before its link-local address existed, it leaves FAULT when it comes', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const lab = made.lab({ hosts: 2 });
    const dir = made.scratch('vlv6v2');
    const pcap = join(dir, 'capture.pcap');
    writeFileSync(join(dir, 'A.conf'), V2_CONF('v2_A', 150));
    writeFileSync(join(dir, 'B.conf'), V2_CONF('v2_B', 100));
    // vrrplab starts with no link-local address to send from (no carrier: B's end is down), so its
    // instance is FAULT; it must leave FAULT when the address comes, as keepalived does.
    lab.exec(1, ['ip', 'link', 'set', 'eth0', 'down']);
    lab.exec(0, ['ip', 'link', 'set', 'eth0', 'down']);
    lab.exec(0, ['ip', 'link', 'set', 'eth0', 'up']);
    const a = startDaemon(lab, 0, 'vrrplab', join(dir, 'A.conf'), dir);
    expect(await waitFor(() => a.log().includes('Startup complete'), 10_000), a.log()).toBeGreaterThanOrEqual(0);
    expect(a.log()).toContain('(V6) entering FAULT state (no IPv6 address for interface)');
    lab.exec(1, ['ip', 'link', 'set', 'eth0', 'up']);
    expect(await waitFor(() => /Assigned address fe80:\S+ for interface eth0\n(.*\n)*.*\(V6\) Entering BACKUP STATE/.test(a.log()), 5000), a.log()).toBeGreaterThanOrEqual(0);
    expect(await waitFor(() => lab.exec(1, ['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'link']).includes('fe80:'), 5000)).toBeGreaterThanOrEqual(0);
    const tcpdump = collect(lab.spawn(1, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip6 proto 112']));
    await sleep(300);
    const b = startDaemon(lab, 1, 'keepalived', join(dir, 'B.conf'), dir);
    expect(await waitFor(() => transitions(a.log()).at(-1) === 'V6 MASTER', 10_000), a.log()).toBeGreaterThanOrEqual(0);
    await sleep(2200);
    const bWhileAMaster = transitions(b.log()).at(-1);
    a.child.kill('SIGTERM');
    await exited(a.child);
    expect(await waitFor(() => transitions(b.log()).at(-1) === 'V6 MASTER', 3000), b.log()).toBeGreaterThanOrEqual(0);
    await sleep(1300);
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);

    expect(bWhileAMaster, b.log()).toBe('V6 BACKUP');
    for (const log of [a.log(), b.log()]) expect(log).not.toMatch(/wrong version|invalid|packet too/);
    const frames = execFileSync('tshark', ['-r', pcap, '-Y', 'vrrp', '-T', 'fields', '-e', 'vrrp.version', '-e', 'ipv6.plen', '-e', 'vrrp.prio'], { encoding: 'utf8' })
      .trim().split('\n').map((l) => l.split('\t'));
    // Both sides: version 2, 8 + 2 x 16 bytes; A's 150s and its 0, B's 100s.
    expect(new Set(frames.map((f) => `${f[0]} ${f[1]}`))).toEqual(new Set(['2 40']));
    expect(new Set(frames.map((f) => f[2])), `${frames.join('\n')}\n${b.log()}`).toEqual(new Set(['150', '0', '100']));
  }, 40_000);
});
