/**
 * run --listen's snapshot, from a HostEngine driven in-process (test/engine/harness.ts) the way the
 * Runtime drives it: what a scrape of `vrrplab run` shows for a MASTER and for a BACKUP that heard
 * a better master. The live path (a real Prometheus scraping run beside keepalived) is in
 * test/lab/metrics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { renderExposition } from '../../src/metrics/exposition.js';
import { exporterAddress, runSnapshot } from '../../src/metrics/run-snapshot.js';
import { Bench } from '../engine/harness.js';
import { parseExposition } from './exposition-parser.js';

const CONFIG = parseConfigText(`vrrp_instance VI_1 {
  interface eth0
  priority 150
  virtual_router_id 51
  advert_int 1
  virtual_ipaddress {
    10.0.0.10/24
    10.0.0.11
  }
}
vrrp_instance VI_2 {
  interface eth0
  priority 100
  virtual_router_id 52
  advert_int 2
  virtual_ipaddress {
    10.0.1.10/32
  }
}
vrrp_instance VI_3 {
  interface eth0
  priority 100
  virtual_router_id 53
  advert_int 1
}
`, 'k.conf').config;

const EPOCH = 1_796_000_000_000;

function scrape(bench: Bench) {
  const last = new Map<string, number>();
  for (const t of bench.of('transition')) last.set(t.instance, EPOCH + t.t);
  return runSnapshot({ config: CONFIG, instances: bench.engine.snapshot(), lastTransitionEpochMs: last, atSec: (EPOCH + bench.now) / 1000 });
}

describe("run --listen's snapshot of the runtime's own instances", () => {
  const bench = new Bench(CONFIG).start(0).advance(8000).receive(8000, { vrid: 52, priority: 200, src: '10.0.0.2' }).advance(9000);
  const snap = scrape(bench);
  const vi = (name: string) => snap.vrids.find((v) => v.instance === name)!;

  it('gives a MASTER its own address as master, its effective priority and interval, and its VIPs as keepalived-exporter labels them', () => {
    expect(vi('VI_1')).toMatchObject({ iface: 'eth0', vrid: 51, family: 4, state: 'MASTER', master: '10.0.0.1', priority: 150, advertIntervalMs: 1000, addresses: ['10.0.0.10/24', '10.0.0.11'] });
    expect(vi('VI_1').counters.become_master).toBe(1);
    expect(vi('VI_1').counters.advert_sent).toBeGreaterThan(3);
  });

  it('gives a BACKUP the master it hears, and counts the release', () => {
    expect(vi('VI_2')).toMatchObject({ state: 'BACKUP', master: '10.0.0.2', priority: 100, addresses: ['10.0.1.10'] });
    expect(vi('VI_2').counters).toMatchObject({ become_master: 1, release_master: 1, advert_rcvd: 1 });
    // Its last transition is when the better advert came (8 s), not when it became master.
    expect(vi('VI_2').lastTransitionSec).toBe((EPOCH + 8000) / 1000);
  });

  it('renders to keepalived_vrrp_state 2 per VIP for the MASTER, 1 for the BACKUP, ip_address="" without VIPs', () => {
    const families = parseExposition(renderExposition(snap));
    const state = families.find((f) => f.name === 'keepalived_vrrp_state')!.samples.map((s) => [s.labels.iname, s.labels.ip_address, s.value]);
    expect(state).toEqual([
      ['VI_1', '10.0.0.10/24', 2],
      ['VI_1', '10.0.0.11', 2],
      ['VI_2', '10.0.1.10', 1],
      ['VI_3', '', 2],
    ]);
    expect(families.find((f) => f.name === 'keepalived_up')?.samples[0]?.value).toBe(1);
  });

  it("carries keepalived's counters as the stats dump has them, without its SNMP-only ones", () => {
    const stats = bench.engine.snapshot().find((s) => s.name === 'VI_2')!.stats;
    expect(vi('VI_2').counters.advert_sent).toBe(stats.advert_sent);
    expect(Object.keys(vi('VI_2').counters)).not.toContain('chk_err');
    expect(Object.keys(vi('VI_2').counters)).toHaveLength(14);
  });
});

describe("a VIP as keepalived-exporter's ip_address label", () => {
  const vip = (address: string, prefixLength: number, family: 4 | 6) => ({ address, prefixLength, family, location: { file: 'k.conf', line: 1 } });

  it('is the address with its prefix, as keepalived.data writes it', () => {
    expect(exporterAddress(vip('10.0.0.10', 24, 4))).toBe('10.0.0.10/24');
    expect(exporterAddress(vip('2001:db8::10', 64, 6))).toBe('2001:db8::10/64');
  });

  it('leaves out a prefix that covers the whole address (/32, /128), as keepalived.data does', () => {
    expect(exporterAddress(vip('10.0.0.10', 32, 4))).toBe('10.0.0.10');
    expect(exporterAddress(vip('fe80::10', 128, 6))).toBe('fe80::10');
  });
});

describe("run --listen's snapshot of an instance that cannot run", () => {
  it('is FAULT (3) with no master while its interface is down', () => {
    const bench = new Bench(CONFIG).start(0, { linksDown: ['eth0'] }).advance(5000);
    const snap = runSnapshot({ config: CONFIG, instances: bench.engine.snapshot(), lastTransitionEpochMs: new Map(), atSec: 1 });
    for (const v of snap.vrids) {
      expect(v.state).toBe('FAULT');
      expect(v.master).toBeUndefined();
    }
    const text = renderExposition(snap);
    expect(text).toContain('keepalived_vrrp_state{iname="VI_1",intf="eth0",vrid="51",family="4",ip_address="10.0.0.11"} 3\n');
    expect(text).toContain('vrrplab_master{iname="VI_1",intf="eth0",vrid="51",family="4",master=""} 0\n');
  });
});
