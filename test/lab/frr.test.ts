/**
 * Lab tier: `vrrplab run` beside FRRouting's vrrpd (Debian's frr 8.4), for VRRPv2, VRRPv3 over
 * IPv4 and VRRPv3 over IPv6. FRR runs zebra and vrrpd in the foreground in its host's namespace
 * with its own pathspace (`-N NAME`), is configured with `vtysh -N NAME`, and needs the macvlan
 * FRR uses per virtual router (MAC 00:00:5e:00:01:VRID for IPv4, 00:00:5e:00:02:VRID for IPv6,
 * holding the VIP). Both ways: FRR at priority 200 over vrrplab at 100, FRR resigns (shutdown,
 * priority 0), vrrplab takes over, FRR comes back and preempts; and vrrplab at 200 over FRR at 100,
 * vrrplab stops (SIGTERM, priority 0), FRR takes over, vrrplab comes back and preempts. tcpdump on
 * the vrrplab host records each run, and `replay` of it must name the masters in that order.
 * With VRRPLAB_FRR_CAPTURES=DIR the captures are kept there (captures/frr/ was made so).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab, type Lab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { collect, ensureBuilt, exited, sleep, startDaemon, transitions, waitFor, type Started } from '../runtime/lab-helpers.js';
import { replayCapture } from '../../src/replay/replay.js';
import type { ReplayRecord } from '../../src/replay/records.js';

const VRID = 5;
const FRR_BIN = '/usr/lib/frr';

interface Variant {
  name: string;
  version: 2 | 3;
  family: 4 | 6;
  vip: string;
}

const VARIANTS: Variant[] = [
  { name: 'v2-ipv4', version: 2, family: 4, vip: '172.16.25.100' },
  { name: 'v3-ipv4', version: 3, family: 4, vip: '172.16.25.100' },
  { name: 'v3-ipv6', version: 3, family: 6, vip: 'fd00::100' },
];

function frrAvailable(): boolean {
  return existsSync(join(FRR_BIN, 'zebra')) && existsSync(join(FRR_BIN, 'vrrpd')) && spawnSync('sh', ['-c', 'command -v vtysh'], { stdio: 'ignore' }).status === 0;
}

/** keepalived-syntax config for vrrplab's side. */
function vrrplabConfig(v: Variant, priority: number): string {
  return `global_defs {
  router_id vrrplab_frr_lab
}
vrrp_instance VI_FRR {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id ${VRID}
  advert_int 1
${v.version === 3 ? '  version 3\n' : ''}  virtual_ipaddress {
    ${v.vip}/${v.family === 4 ? 16 : 64} dev eth0
  }
}
`;
}

interface Frr {
  name: string;
  zebra: Started;
  vrrpd: Started;
  vtysh(...commands: string[]): string;
  /** FRR's state for the variant's family: Initialize, Backup or Master. */
  state(): string;
}

/** Starts zebra and vrrpd in `host`'s namespace (foreground children of the lab) and configures VRID 5. */
/**
 * FRR's zebra and vrrpd on `host`, then its virtual router. `beforeRouter` runs once the daemons
 * are up and before the router is configured: starting them takes the peer's carrier down for a
 * moment (a daemon started there then begins in FAULT).
 */
async function startFrr(lab: Lab, host: number, v: Variant, priority: number, beforeRouter?: () => Promise<void>): Promise<Frr> {
  const ns = lab.hosts[host].ns;
  const name = ns;
  // The macvlan FRR looks up by the virtual MAC; it holds the VIP.
  const mac = `00:00:5e:00:0${v.family === 4 ? 1 : 2}:${VRID.toString(16).padStart(2, '0')}`;
  const dev = `vrrp${v.family}-2-${VRID}`;
  lab.exec(host, ['ip', 'link', 'add', dev, 'link', 'eth0', 'type', 'macvlan', 'mode', 'bridge']);
  lab.exec(host, ['ip', 'link', 'set', 'dev', dev, 'addrgenmode', 'random']);
  lab.exec(host, ['ip', 'link', 'set', 'dev', dev, 'address', mac]);
  lab.exec(host, ['ip', ...(v.family === 6 ? ['-6'] : []), 'addr', 'add', `${v.vip}/${v.family === 4 ? 16 : 64}`, 'dev', dev, ...(v.family === 6 ? ['nodad'] : [])]);
  lab.exec(host, ['ip', 'link', 'set', 'dev', dev, 'up']);
  for (const dir of [`/var/run/frr/${name}`, `/etc/frr/${name}`]) {
    mkdirSync(dir, { recursive: true });
    execFileSync('chown', ['frr:frr', dir]);
  }
  writeFileSync(`/etc/frr/${name}/vtysh.conf`, '');
  const common = ['-N', name, '-u', 'frr', '-g', 'frr', '-f', '/dev/null'];
  const zebra = collect(lab.spawn(host, [join(FRR_BIN, 'zebra'), ...common]));
  expect(await waitFor(() => existsSync(`/var/run/frr/${name}/zserv.api`), 10_000)).toBeGreaterThanOrEqual(0);
  const vrrpd = collect(lab.spawn(host, [join(FRR_BIN, 'vrrpd'), ...common]));
  expect(await waitFor(() => existsSync(`/var/run/frr/${name}/vrrpd.vty`), 10_000)).toBeGreaterThanOrEqual(0);
  const vtysh = (...commands: string[]): string =>
    execFileSync('vtysh', ['-N', name, ...commands.flatMap((c) => ['-c', c])], { encoding: 'utf8', timeout: 10_000 });
  await beforeRouter?.();
  vtysh(
    'configure terminal',
    'interface eth0',
    `vrrp ${VRID} version ${v.version}`,
    `vrrp ${VRID} priority ${priority}`,
    `vrrp ${VRID} advertisement-interval 1000`,
    `vrrp ${VRID} ${v.family === 4 ? 'ip' : 'ipv6'} ${v.vip}`,
    'end',
  );
  const state = (): string => {
    const json = JSON.parse(vtysh(`show vrrp ${VRID} json`)) as Array<Record<string, { status?: string }>>;
    return json[0]?.[v.family === 4 ? 'v4' : 'v6']?.status ?? '?';
  };
  return { name, zebra, vrrpd, vtysh, state };
}

const frrNames: string[] = [];
// FRR's per-namespace run and config directories go once its daemons have ended with the lab.
const made = removedAfterEach(() => {
  for (const name of frrNames.splice(0)) {
    rmSync(`/var/run/frr/${name}`, { recursive: true, force: true });
    rmSync(`/etc/frr/${name}`, { recursive: true, force: true });
  }
});

beforeAll(async () => {
  if (labAvailable(['tcpdump']) && frrAvailable()) await ensureBuilt();
});

function requireFrr(ctx: Parameters<typeof requireLab>[0]): void {
  requireLab(ctx, ['tcpdump']);
  if (frrAvailable()) return;
  if (process.env.VRRPLAB_LAB === 'required') throw new Error('lab tier required but FRR (zebra, vrrpd, vtysh) is missing: apt-get install frr');
  console.warn('\n!! LAB TEST SKIPPED: FRR is not installed (apt-get install frr)\n');
  ctx.skip('FRR missing');
}

/** The lab's two hosts: FRR on host 0, vrrplab on host 1, with IPv6 link-local addresses usable at once. */
function newLab(): { l: Lab; dir: string } {
  const lab = made.lab();
  const dir = made.scratch('vlfrr');
  for (let i = 0; i < 2; i++) {
    lab.exec(i, ['sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.eth0.accept_dad=0']);
  }
  return { l: lab, dir };
}

async function linkLocal(l: Lab, host: number, dev = 'eth0'): Promise<string> {
  let address = '';
  await waitFor(() => {
    const out = l.exec(host, ['ip', '-6', '-o', 'addr', 'show', 'dev', dev, 'scope', 'link']);
    address = /inet6 (fe80::[0-9a-f:]+)\//.exec(out)?.[1] ?? '';
    return address !== '' && !out.includes('tentative');
  }, 5000);
  return address;
}

const masters = (records: ReplayRecord[]) =>
  records.filter((r): r is Extract<ReplayRecord, { type: 'master' }> => r.type === 'master').map((m) => [m.src, m.priority]);

/** FRR's advert source: its IPv4 address, or the IPv6 link-local address of its macvlan. */
async function frrSource(l: Lab, v: Variant): Promise<string> {
  return v.family === 4 ? l.hosts[0].address : linkLocal(l, 0, `vrrp6-2-${VRID}`);
}

function keep(pcap: string, name: string): void {
  const dir = process.env.VRRPLAB_FRR_CAPTURES;
  if (dir === undefined || dir === '') return;
  mkdirSync(dir, { recursive: true });
  copyFileSync(pcap, join(dir, `${name}.pcap`));
}

describe('vrrplab run beside FRR vrrpd', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: FRR (200) is master over vrrplab (100); vrrplab takes over when FRR resigns and yields when FRR comes back`, async (ctx) => {
      requireFrr(ctx);
      const { l, dir } = newLab();
      frrNames.push(l.hosts[0].ns);
      const pcap = join(dir, 'frr-master.pcap');
      const tcpdump = collect(l.spawn(1, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, v.family === 4 ? 'ip proto 112' : 'ip6 proto 112']));
      await sleep(300);
      const frr = await startFrr(l, 0, v, 200);
      const vrrplabLL = v.family === 6 ? await linkLocal(l, 1) : l.hosts[1].address;
      // FRR's IPv6 router starts only once its macvlan has a link-local address: let it be master first.
      expect(await waitFor(() => frr.state() === 'Master', 10_000)).toBeGreaterThanOrEqual(0);
      const conf = join(dir, 'vrrplab.conf');
      writeFileSync(conf, vrrplabConfig(v, 100));
      const ours = startDaemon(l, 1, 'vrrplab', conf, dir);
      await sleep(5000);
      expect(transitions(ours.log()), ours.log()).toEqual(['VI_FRR BACKUP']);

      frr.vtysh('configure terminal', 'interface eth0', `vrrp ${VRID} shutdown`, 'end');
      expect(await waitFor(() => transitions(ours.log()).at(-1) === 'VI_FRR MASTER', 5000), ours.log()).toBeGreaterThanOrEqual(0);
      await sleep(2000);
      frr.vtysh('configure terminal', 'interface eth0', `no vrrp ${VRID} shutdown`, 'end');
      expect(await waitFor(() => frr.state() === 'Master', 10_000)).toBeGreaterThanOrEqual(0);
      expect(await waitFor(() => transitions(ours.log()).at(-1) === 'VI_FRR BACKUP', 3000), ours.log()).toBeGreaterThanOrEqual(0);
      await sleep(2000);
      expect(transitions(ours.log())).toEqual(['VI_FRR BACKUP', 'VI_FRR MASTER', 'VI_FRR BACKUP']);
      expect(frr.state()).toBe('Master');

      tcpdump.child.kill('SIGINT');
      await exited(tcpdump.child);
      keep(pcap, `${v.name}-frr-master`);
      const src = await frrSource(l, v);
      expect(masters(replayCapture(pcap).records)).toEqual([[src, 200], [vrrplabLL, 100], [src, 200]]);
    }, 60_000);

    it(`${v.name}: vrrplab (200) is master over FRR (100); FRR takes over when vrrplab stops and yields when it comes back`, async (ctx) => {
      requireFrr(ctx);
      const { l, dir } = newLab();
      frrNames.push(l.hosts[0].ns);
      const pcap = join(dir, 'vrrplab-master.pcap');
      const tcpdump = collect(l.spawn(1, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, v.family === 4 ? 'ip proto 112' : 'ip6 proto 112']));
      await sleep(300);
      const conf = join(dir, 'vrrplab.conf');
      writeFileSync(conf, vrrplabConfig(v, 200));
      const started: ReturnType<typeof startDaemon>[] = [];
      // vrrplab first, settled in BACKUP on a link that FRR's daemons no longer touch: it is the
      // first master, FRR's router (configured after) hears it before its own timer runs out.
      const frr = await startFrr(l, 0, v, 100, async () => {
        // FRR's start takes the peer's carrier down for about a second; vrrplab reads its link and
        // addresses at start (a link-local address comes back only with the carrier).
        expect(await waitFor(() => l.exec(1, ['cat', '/sys/class/net/eth0/carrier']).trim() === '1', 10_000)).toBeGreaterThanOrEqual(0);
        if (v.family === 6) await linkLocal(l, 1);
        const daemon = startDaemon(l, 1, 'vrrplab', conf, dir);
        started.push(daemon);
        expect(await waitFor(() => transitions(daemon.log()).at(-1) === 'VI_FRR BACKUP', 10_000), daemon.log()).toBeGreaterThanOrEqual(0);
      });
      const [first] = started;
      if (first === undefined) throw new Error('vrrplab did not start');
      let ours = first;
      const vrrplabLL = v.family === 6 ? await linkLocal(l, 1) : l.hosts[1].address;

      expect(await waitFor(() => transitions(ours.log()).at(-1) === 'VI_FRR MASTER', 10_000), ours.log()).toBeGreaterThanOrEqual(0);
      expect(await waitFor(() => frr.state() === 'Backup', 5000)).toBeGreaterThanOrEqual(0);
      await sleep(2000);
      expect(frr.state()).toBe('Backup');

      ours.child.kill('SIGTERM');
      await exited(ours.child);
      expect(await waitFor(() => frr.state() === 'Master', 5000)).toBeGreaterThanOrEqual(0);
      await sleep(2000);
      ours = startDaemon(l, 1, 'vrrplab', conf, dir);
      expect(await waitFor(() => transitions(ours.log()).at(-1) === 'VI_FRR MASTER', 10_000), ours.log()).toBeGreaterThanOrEqual(0);
      expect(await waitFor(() => frr.state() === 'Backup', 3000)).toBeGreaterThanOrEqual(0);
      await sleep(2000);
      expect(frr.state()).toBe('Backup');

      tcpdump.child.kill('SIGINT');
      await exited(tcpdump.child);
      keep(pcap, `${v.name}-vrrplab-master`);
      const src = await frrSource(l, v);
      expect(masters(replayCapture(pcap).records)).toEqual([[vrrplabLL, 200], [src, 100], [vrrplabLL, 200]]);
    }, 60_000);
  }
});
