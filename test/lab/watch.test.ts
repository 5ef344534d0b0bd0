/**
 * Lab tier (issue 21): `vrrplab watch -i eth0` in a namespace of its own on a bridge with a
 * keepalived 2.2.7 pair, passive, each alert within the time it promises and none on the healthy
 * pair. One run, bounded (~35 s): the healthy pair for 8 s; the master's VRRP process stopped and
 * continued twice -> four master changes, each announced by keepalived's GARPs and no two-masters,
 * flapping at the fourth; the backup crashed and the master's
 * VRRP process stopped (SIGSTOP) -> master-silent within 4 intervals + 0.3 s of its last advert,
 * cleared by its next one after SIGCONT, and no master change for it; a third keepalived with the
 * same VRID and another VIP -> vrid-conflict at its first advert (keepalived: both MASTER); one
 * advert with TTL 64 -> forged at once.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labAvailable, requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { collect, crash, daemonPids, ensureBuilt, MAIN, sleep, startDaemon, transitions, waitFor } from '../runtime/lab-helpers.js';
import { vrrpIpv4 } from '../capture/craft.js';

function config(priority: number, vip: string): string {
  return `global_defs {
  router_id watch_lab
}
vrrp_instance VI_61 {
  interface eth0
  state BACKUP
  priority ${priority}
  virtual_router_id 61
  advert_int 1
  virtual_ipaddress {
    ${vip}/16 dev eth0
  }
}
`;
}

interface Line {
  type: string;
  action?: string;
  kind?: string;
  vrid?: number;
  at: number;
  since?: number;
  to?: string;
  evidence?: string;
}

const made = removedAfterEach();

beforeAll(async () => {
  if (labAvailable(['keepalived'])) await ensureBuilt();
}, 240_000);

describe('vrrplab watch -i beside keepalived 2.2.7', () => {
  it('stays quiet on a healthy pair, then raises flapping, master-silent, vrid-conflict and forged within their promised times', async (ctx) => {
    requireLab(ctx, ['keepalived']);
    const lab = made.lab({ hosts: 4 });
    const dir = made.scratch('vlwatch');
    // The watching namespace sends nothing of its own: no IPv6 (router solicitations, MLD), and
    // nobody ARPs for its address. Whatever leaves its eth0 would be watch's.
    lab.exec(2, ['sysctl', '-q', '-w', 'net.ipv6.conf.eth0.disable_ipv6=1']);
    const txPackets = (): number => Number(lab.exec(2, ['cat', '/sys/class/net/eth0/statistics/tx_packets']).trim());
    const txBefore = txPackets();
    const watch = collect(lab.spawn(2, [process.execPath, MAIN, 'watch', '-i', 'eth0', '--json']));
    const lines = (): Line[] =>
      watch
        .log()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Line);
    const raised = (kind: string): Line[] => lines().filter((l) => l.type === 'alert' && l.action === 'raised' && l.kind === kind);
    await sleep(1000);
    const confs = [join(dir, 'A.conf'), join(dir, 'B.conf'), join(dir, 'C.conf')];
    writeFileSync(confs[0], config(150, '172.16.61.1'));
    writeFileSync(confs[1], config(100, '172.16.61.1'));
    writeFileSync(confs[2], config(200, '172.16.61.99'));
    const a = startDaemon(lab, 0, 'keepalived', confs[0], dir);
    const b = startDaemon(lab, 1, 'keepalived', confs[1], dir);
    const masterA = () => transitions(a.log()).at(-1) === 'VI_61 MASTER';
    expect(await waitFor(masterA, 8000), a.log()).toBeGreaterThanOrEqual(0);
    expect(await waitFor(() => lines().some((l) => l.type === 'master' && l.to === '172.16.25.1'), 3000), watch.log()).toBeGreaterThanOrEqual(0);

    // Healthy: no alert at all over 8 s.
    await sleep(8000);
    expect(lines().filter((l) => l.type === 'alert'), watch.log()).toEqual([]);

    // Flapping: the master's VRRP process stopped and continued twice; B takes over (after its
    // Master_Down_Interval, below master-silent's bound) and A preempts it back: 4 changes, each
    // with keepalived's GARPs, each preemption at once (no two-masters).
    const vrrpA = daemonPids(a).at(-1);
    expect(vrrpA).toBeDefined();
    const masters = () => lines().filter((l) => l.type === 'master').map((l) => l.to);
    for (let cycle = 1; cycle <= 2; cycle++) {
      process.kill(vrrpA!, 'SIGSTOP');
      try {
        expect(await waitFor(() => masters().length === 2 * cycle, 5000), watch.log()).toBeGreaterThanOrEqual(0);
      } finally {
        process.kill(vrrpA!, 'SIGCONT');
      }
      expect(await waitFor(() => masters().length === 2 * cycle + 1, 3000), watch.log()).toBeGreaterThanOrEqual(0);
    }
    expect(masters()).toEqual(['172.16.25.1', '172.16.25.2', '172.16.25.1', '172.16.25.2', '172.16.25.1']);
    expect(lines().filter((l) => l.type === 'alert' && l.action === 'raised').map((l) => l.kind), watch.log()).toEqual(['flapping']);
    expect(raised('flapping')[0].evidence).toContain('changed master 4 times');

    // Silent: the backup crashes (it would take over), then the master's VRRP process stops.
    await crash(b);
    process.kill(vrrpA!, 'SIGSTOP');
    const stoppedAt = Date.now() / 1000;
    try {
      expect(await waitFor(() => raised('master-silent').length > 0, 6000), watch.log()).toBeGreaterThanOrEqual(0);
    } finally {
      process.kill(vrrpA!, 'SIGCONT');
    }
    const silent = raised('master-silent')[0];
    // Its last advert came at most 1 s before the stop; promised: 3 + 255/256 intervals + 0.1 s, seen within a 0.1 s tick.
    expect(silent.at - stoppedAt).toBeLessThanOrEqual(4.3);
    expect(silent.at - stoppedAt).toBeGreaterThan(3);
    expect(await waitFor(() => lines().some((l) => l.type === 'alert' && l.action === 'cleared' && l.kind === 'master-silent'), 3000), watch.log()).toBeGreaterThanOrEqual(0);
    // The same master came back: no takeover, so no master change and no GARP awaited.
    await sleep(1500);
    expect(masters().length).toBe(5);
    expect(lines().filter((l) => l.type === 'alert' && l.action === 'raised').map((l) => l.kind)).toEqual(['flapping', 'master-silent']);

    // A conflicting keepalived: same VRID, another VIP; it ignores A's adverts and A its own.
    const c = startDaemon(lab, 3, 'keepalived', confs[2], dir);
    expect(await waitFor(() => transitions(c.log()).at(-1) === 'VI_61 MASTER', 8000), c.log()).toBeGreaterThanOrEqual(0);
    const cMasterAt = Date.now() / 1000;
    expect(await waitFor(() => raised('vrid-conflict').length > 0, 3000), watch.log()).toBeGreaterThanOrEqual(0);
    expect(raised('vrid-conflict')[0].evidence).toContain('address-list-mismatch');
    // At C's first advert (its MASTER log line comes with it).
    expect(raised('vrid-conflict')[0].at - cMasterAt).toBeLessThanOrEqual(1);
    // keepalived: both MASTER, A held silent by C's adverts (each packet it rejects re-arms its advert timer).
    expect(transitions(a.log()).at(-1)).toBe('VI_61 MASTER');

    // A forged advert: TTL 64 from the fourth namespace.
    const forged = vrrpIpv4({ src: '172.16.25.4', vrid: 61, priority: 254, addresses: ['172.16.61.1'] }).subarray(20);
    const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
    const sendStart = Date.now() / 1000;
    lab.exec(3, [
      python,
      '-c',
      'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_RAW,112)\ns.setsockopt(socket.IPPROTO_IP,socket.IP_MULTICAST_TTL,64)\n' +
        "s.setsockopt(socket.IPPROTO_IP,socket.IP_MULTICAST_IF,socket.inet_aton('172.16.25.4'))\ns.sendto(bytes.fromhex(sys.argv[1]),('224.0.0.18',0))",
      Buffer.from(forged).toString('hex'),
    ]);
    // Sent between the two (python's start-up is most of it).
    const sentBy = Date.now() / 1000;
    expect(await waitFor(() => raised('forged').length > 0, 2000), watch.log()).toBeGreaterThanOrEqual(0);
    expect(raised('forged')[0].evidence).toContain('TTL/hop limit 64');
    expect(raised('forged')[0].at).toBeGreaterThanOrEqual(sendStart);
    expect(raised('forged')[0].at - sentBy).toBeLessThan(0.5);
    console.log(
      `watch lab: master-silent ${(silent.at - stoppedAt).toFixed(2)} s after SIGSTOP, vrid-conflict ${(raised('vrid-conflict')[0].at - cMasterAt).toFixed(2)} s after C's MASTER line, ` +
        `forged ${(raised('forged')[0].at - sendStart).toFixed(3)} s after the sender started, ${(raised('forged')[0].at - sentBy).toFixed(3)} s from its end`,
    );
    // keepalived dropped it too.
    await sleep(300);
    expect(a.log()).toMatch(/ttl/i);
    // Passive: not one packet left the watching namespace in the whole run.
    expect(txPackets() - txBefore).toBe(0);
  }, 60_000);
});
