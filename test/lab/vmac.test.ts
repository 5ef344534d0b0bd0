/**
 * Lab tier: `vrrplab run` with use_vmac beside keepalived 2.2.7 with use_vmac, each as master in
 * turn, and vrrplab's VMAC through vmac_xmit_base, a reload that drops use_vmac and SIGINT.
 * keepalived 2.2.7 in the same netns set-up (by hand, while writing this): vrrp.51@eth0, macvlan
 * mode private, 00:00:5e:00:01:33, addrgenmode none, the VIP on it; arp_ignore=1, accept_local=1,
 * promote_secondaries=1 on it, arp_ignore=1 and arp_filter=1 on eth0; adverts and GARPs from the
 * VMAC (adverts from eth0's MAC with vmac_xmit_base); the VMAC gone after SIGTERM.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ensureBuilt, exited, sleep, startDaemon, waitFor } from '../runtime/lab-helpers.js';

const VIP = '172.16.25.51';
const VMAC = '00:00:5e:00:01:33';

function conf(priority: number, extra = ' use_vmac'): string {
  return `vrrp_instance VI_1 {\n interface eth0\n state BACKUP\n priority ${priority}\n virtual_router_id 51\n advert_int 1\n${extra}\n virtual_ipaddress {\n  ${VIP}/16\n }\n}\n`;
}

/** `ip -d -j link show vrrp.51` of a host: kind, mode, address, parent; undefined when absent. */
function vmacOf(lab: Lab, host: number): { kind?: string; mode?: string; mac?: string; link?: string } | undefined {
  const r = spawnSync('ip', ['-n', lab.hosts[host].ns, '-d', '-j', 'link', 'show', 'dev', 'vrrp.51'], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const link = (JSON.parse(r.stdout) as { address?: string; link?: string; linkinfo?: { info_kind?: string; info_data?: { mode?: string } } }[])[0];
  return { kind: link?.linkinfo?.info_kind, mode: link?.linkinfo?.info_data?.mode, mac: link?.address, link: link?.link };
}

/** Which interface of a host holds the VIP ('' when none). */
function vipOn(lab: Lab, host: number): string {
  const out = spawnSync('ip', ['-n', lab.hosts[host].ns, '-4', '-o', 'addr', 'show'], { encoding: 'utf8' }).stdout;
  return out.split('\n').find((l) => l.includes(` ${VIP}/`))?.split(/\s+/)[1] ?? '';
}

function sysctl(lab: Lab, host: number, dev: string, key: string): string {
  return lab.exec(host, ['cat', `/proc/sys/net/ipv4/conf/${dev}/${key}`]).trim();
}

/** Source MACs of the VRRP adverts (priority > 0) and ARPs in a capture, as tcpdump -e prints them. */
function senders(pcap: string): { adverts: string[]; arps: string[]; igmp: string[] } {
  const out = spawnSync('tcpdump', ['-nn', '-e', '-r', pcap], { encoding: 'utf8' }).stdout;
  const adverts: string[] = [];
  const arps: string[] = [];
  const igmp: string[] = [];
  for (const line of out.split('\n')) {
    const mac = /^\S+ ([0-9a-f:]{17}) >/.exec(line)?.[1];
    if (mac === undefined) continue;
    if (/VRRPv2, Advertisement/.test(line) && !/prio 0,/.test(line)) adverts.push(mac);
    if (/ARP/.test(line)) arps.push(mac);
    if (/igmp/.test(line)) igmp.push(mac);
  }
  return { adverts, arps, igmp };
}

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable()) await ensureBuilt();
});

describe('use_vmac: vrrplab run beside keepalived 2.2.7', () => {
  it('each takes over from the other on its VMAC: vrrplab master on vrrp.51 (private macvlan, 00:00:5e:00:01:33) with keepalived as backup, then the other way round; IGMP reports never from the VMAC; vrrplab removes the VMAC and its nftables table when it stops', async (ctx) => {
    requireLab(ctx, ['ip', 'keepalived', 'tcpdump']);
    const lab = made.lab();
    const dir = made.scratch('vlvmac');
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    const pcap = join(dir, 'b.pcap');
    const dump = lab.spawn(1, ['tcpdump', '-i', 'eth0', '-nn', '-U', '-w', pcap, 'vrrp or arp or igmp']);
    await sleep(300);

    // vrrplab (150) master, keepalived (100) backup.
    const keepalived = startDaemon(lab, 1, 'keepalived', write('k.conf', conf(100)), dir);
    let vrrplab = startDaemon(lab, 0, 'vrrplab', write('v150.conf', conf(150)), dir);
    expect(await waitFor(() => vipOn(lab, 0) === 'vrrp.51', 8000), vrrplab.log()).toBeGreaterThanOrEqual(0);
    expect(vmacOf(lab, 0)).toEqual({ kind: 'macvlan', mode: 'private', mac: VMAC, link: 'eth0' });
    expect([sysctl(lab, 0, 'vrrp.51', 'arp_ignore'), sysctl(lab, 0, 'vrrp.51', 'accept_local'), sysctl(lab, 0, 'vrrp.51', 'promote_secondaries')]).toEqual(['1', '1', '1']);
    expect([sysctl(lab, 0, 'eth0', 'arp_ignore'), sysctl(lab, 0, 'eth0', 'arp_filter')]).toEqual(['1', '1']);
    await sleep(1500);
    expect(vipOn(lab, 1)).toBe('');
    expect(keepalived.log()).toContain('(VI_1) Entering BACKUP STATE');
    expect(vrrplab.log()).toContain('(VI_1): Success creating VMAC interface vrrp.51');
    // keepalived's nftables rule, in vrrplab's own table: the VMAC's IGMP reports leave from eth0.
    expect(lab.exec(0, ['nft', 'list', 'table', 'ip', 'vrrplab'])).toContain('ip protocol igmp meta oifkind "macvlan" dup to ip daddr device oif map @vmac_map drop');

    // vrrplab stops: keepalived takes over on its own VMAC, vrrplab's is gone.
    vrrplab.child.kill('SIGTERM');
    expect(await exited(vrrplab.child)).toBe(0);
    expect(vmacOf(lab, 0)).toBeUndefined();
    expect(spawnSync('ip', ['netns', 'exec', lab.hosts[0].ns, 'nft', 'list', 'table', 'ip', 'vrrplab'], { stdio: 'ignore' }).status).not.toBe(0);
    expect(vrrplab.log()).toContain('(VI_1) Success removing VMAC interface vrrp.51');
    expect(await waitFor(() => vipOn(lab, 1) === 'vrrp.51', 3000)).toBeGreaterThanOrEqual(0);

    // vrrplab (50) comes back as backup to keepalived's VMAC adverts, and takes over when keepalived stops.
    vrrplab = startDaemon(lab, 0, 'vrrplab', write('v50.conf', conf(50)), dir);
    expect(await waitFor(() => vrrplab.log().includes('(VI_1) Entering BACKUP STATE'), 5000)).toBeGreaterThanOrEqual(0);
    await sleep(4000); // longer than its Master_Down_Interval (3.8 s): keepalived's adverts hold it
    expect(vipOn(lab, 0)).toBe('');
    expect(vrrplab.log()).not.toContain('Entering MASTER STATE');
    keepalived.child.kill('SIGTERM');
    expect(await exited(keepalived.child)).toBe(0);
    expect(await waitFor(() => vipOn(lab, 0) === 'vrrp.51', 3000)).toBeGreaterThanOrEqual(0);
    expect(vmacOf(lab, 1)).toBeUndefined();
    await sleep(1200);
    vrrplab.child.kill('SIGTERM');
    expect(await exited(vrrplab.child)).toBe(0);
    expect(vmacOf(lab, 0)).toBeUndefined();

    dump.kill('SIGTERM');
    await exited(dump);
    // Both sent their adverts and their gratuitous ARPs from the VMAC, never from eth0's own MAC.
    const seen = senders(pcap);
    expect(seen.adverts.length).toBeGreaterThan(4);
    expect(new Set(seen.adverts)).toEqual(new Set([VMAC]));
    expect(new Set(seen.arps)).toEqual(new Set([VMAC]));
    // Neither announces the VMAC with its IGMP reports (a switch would send the VIP's traffic there).
    expect(seen.igmp.length).toBeGreaterThan(0);
    expect(seen.igmp).not.toContain(VMAC);
    for (const log of [vrrplab.log(), keepalived.log()]) expect(log).not.toMatch(/Cannot start|TypeError|uncaught/i);
  }, 40_000);

  // keepalived 2.2.7 beside a veth named vrrp.51 (netns lab): "Success creating VMAC interface vrrp1.51", the veth untouched.
  it('skips a default VMAC name another interface holds, as keepalived\'s create_vmac_name does (vrrp1.51), and leaves that interface alone', async (ctx) => {
    requireLab(ctx, ['ip']);
    const lab = made.lab();
    const dir = made.scratch('vlvmacn');
    lab.exec(0, ['ip', 'link', 'add', 'vrrp.51', 'type', 'veth', 'peer', 'name', 'vx51']);
    const file = join(dir, 'v.conf');
    writeFileSync(file, conf(150));
    const vrrplab = startDaemon(lab, 0, 'vrrplab', file, dir);
    expect(await waitFor(() => vipOn(lab, 0) === 'vrrp1.51', 8000), vrrplab.log()).toBeGreaterThanOrEqual(0);
    vrrplab.child.kill('SIGTERM');
    expect(await exited(vrrplab.child)).toBe(0);
    const links = lab.exec(0, ['ip', '-br', 'link']);
    expect(links).toMatch(/^vrrp\.51@vx51 /m);
    expect(links).not.toContain('vrrp1.51');
  }, 20_000);

  it('with vmac_xmit_base advertises from eth0\'s MAC; a reload without use_vmac moves the VIP to eth0 and removes the VMAC; SIGINT leaves nothing behind', async (ctx) => {
    requireLab(ctx, ['ip', 'tcpdump']);
    const lab = made.lab();
    const dir = made.scratch('vlvmacx');
    const file = join(dir, 'v.conf');
    writeFileSync(file, conf(150, ' use_vmac\n vmac_xmit_base'));
    const pcap = join(dir, 'b.pcap');
    const dump = lab.spawn(1, ['tcpdump', '-i', 'eth0', '-nn', '-U', '-w', pcap, 'vrrp or arp']);
    await sleep(300);
    const vrrplab = startDaemon(lab, 0, 'vrrplab', file, dir);
    expect(await waitFor(() => vipOn(lab, 0) === 'vrrp.51', 8000), vrrplab.log()).toBeGreaterThanOrEqual(0);
    await sleep(1200);
    const eth0Mac = lab.exec(0, ['cat', '/sys/class/net/eth0/address']).trim();

    writeFileSync(file, conf(150, ''));
    vrrplab.child.kill('SIGHUP');
    expect(await waitFor(() => vmacOf(lab, 0) === undefined && vipOn(lab, 0) === 'eth0', 5000), vrrplab.log()).toBeGreaterThanOrEqual(0);
    expect(vrrplab.log()).toContain('(VI_1) Success removing VMAC interface vrrp.51');
    expect(spawnSync('ip', ['netns', 'exec', lab.hosts[0].ns, 'nft', 'list', 'table', 'ip', 'vrrplab'], { stdio: 'ignore' }).status).not.toBe(0);

    vrrplab.child.kill('SIGINT');
    expect(await exited(vrrplab.child)).toBe(0);
    expect(vipOn(lab, 0)).toBe('');
    expect(vmacOf(lab, 0)).toBeUndefined();
    dump.kill('SIGTERM');
    await exited(dump);
    const seen = senders(pcap);
    expect(seen.adverts.length).toBeGreaterThan(1);
    expect(new Set(seen.adverts)).toEqual(new Set([eth0Mac]));
    // The GARPs of the takeover came from the VMAC (those after the reload from eth0).
    expect(seen.arps[0]).toBe(VMAC);
  }, 30_000);
});
