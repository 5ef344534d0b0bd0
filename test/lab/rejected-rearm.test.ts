/**
 * Lab tier: how long after a packet it rejects keepalived 2.2.7's MASTER sends its next advert.
 * keepalived re-arms the instance timer after every packet it reads for the VRID (valid or not),
 * and reads the clock for it only after logging the rejection: its next advert comes one interval
 * and a little more after the bad packet. src/compare/drive.ts REJECT_REARM_MS (2 ms) is that
 * "little more" (lab: 0.9-6.5 ms, about 2 typically); without it, compare's engine advertised
 * where keepalived had been held silent (captures/no-auth-bytes). Packets too short for a VRRP
 * header reach no instance and leave the timer alone (its adverts stay one interval apart).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireLab } from './lab.js';
import { removedAfterEach } from './removed-after-each.js';
import { ROOT, collect, ensureBuilt, exited, frameTimes, percentile, sleep, startDaemon, transitions, waitFor } from '../runtime/lab-helpers.js';

const SENDER = join(ROOT, 'test/lab/fixtures/hostile-sender.mjs');
const made = removedAfterEach();

const CONFIG = `global_defs {
  router_id rearm_lab
}
vrrp_instance VI_1 {
  interface eth0
  state BACKUP
  priority 100
  virtual_router_id 51
  advert_int 1
  authentication {
    auth_type PASS
    auth_pass labpass1
  }
  virtual_ipaddress {
    172.16.25.100/16 dev eth0
  }
}
`;

beforeAll(async () => {
  await ensureBuilt();
}, 300_000);

describe('keepalived master fed packets it rejects', () => {
  it('advertises one interval and 0.3-10 ms (median) after each packet of the wrong length, and keeps its interval through packets too short for a VRRP header', async (ctx) => {
    requireLab(ctx, ['keepalived', 'tcpdump', 'tshark']);
    const lab = made.lab({ hosts: 2 });
    const dir = made.scratch('vlrearm');
    const pcap = join(dir, 'capture.pcap');
    const tcpdump = collect(lab.spawn(0, ['tcpdump', '-U', '-n', '-i', 'eth0', '-w', pcap, 'ip proto 112']));
    await sleep(300);
    const conf = join(dir, 'K.conf');
    writeFileSync(conf, CONFIG);
    const k = startDaemon(lab, 0, 'keepalived', conf, dir);
    expect(await waitFor(() => transitions(k.log()).at(-1) === 'VI_1 MASTER', 8000), k.log()).toBeGreaterThanOrEqual(0);
    await sleep(300);
    // 'count-mismatch': 40 bytes where its header calls for 44 ("vrrp packet too short"); 'truncated': 24 bytes.
    const steps = [
      ...[0, 1010, 2020, 3030, 4040].map((at) => ({ kind: 'count-mismatch', at, count: 1, rate: 0 })),
      ...[5600, 6100, 6600, 7100, 7600].map((at) => ({ kind: 'truncated', at, count: 1, rate: 0 })),
    ];
    const plan = { spec: { src: lab.hosts[1]!.address, vrid: 51, priority: 200, password: 'labpass1', advertIntervalMs: 1000, addresses: ['172.16.25.100'], seed: 5 }, steps };
    const sender = collect(lab.spawn(1, ['node', SENDER, join(ROOT, 'dist'), 'eth0', JSON.stringify(plan)]));
    expect(await exited(sender.child)).toBe(0);
    await sleep(1500);
    tcpdump.child.kill('SIGINT');
    await exited(tcpdump.child);

    const mine = frameTimes(pcap, `ip.src==${lab.hosts[0]!.address}`);
    const bad = frameTimes(pcap, `ip.src==${lab.hosts[1]!.address} && ip.len==40`);
    const truncated = frameTimes(pcap, `ip.src==${lab.hosts[1]!.address} && ip.len==24`);
    expect(bad).toHaveLength(5);
    expect(truncated).toHaveLength(5);
    expect(k.log().split('(VI_1) vrrp packet too short, length 40 and expect 44').length - 1).toBe(5);
    expect(k.log().split('IPv4 VRRP packet too short - 24 bytes').length - 1).toBe(5);

    // Each of its adverts after a bad packet (they come 1010 ms apart, so it advertises once in each gap).
    const late = bad.map((t) => ((mine.find((m) => m > t) ?? Number.NaN) - t) * 1000 - 1000);
    console.log(`keepalived's advert after each rejected packet, ms past one interval: ${late.map((d) => d.toFixed(2)).join(', ')}`);
    for (const d of late) {
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThan(50);
    }
    const median = percentile(late, 50);
    expect(median).toBeGreaterThanOrEqual(0.3);
    expect(median).toBeLessThanOrEqual(10);

    // Through the truncated ones its adverts stay one interval apart: none is put off.
    const during = mine.filter((m) => m > truncated[0]! && m < truncated.at(-1)! + 1);
    const gaps = during.slice(1).map((m, i) => (m - during[i]!) * 1000);
    console.log(`its intervals through truncated packets, ms: ${gaps.map((g) => g.toFixed(2)).join(', ')}`);
    expect(gaps.length).toBeGreaterThanOrEqual(2);
    for (const g of gaps) expect(Math.abs(g - 1000)).toBeLessThan(10);
  }, 60_000);
});
