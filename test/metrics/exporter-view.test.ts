/**
 * vrrplab's exposition against what keepalived-exporter would export for a real keepalived in the
 * same situation, so dashboards and rules written for the exporter read the same from vrrplab.
 * The fixture (test/fixtures/metrics/, recorded by test/lab/metrics.test.ts with VRRPLAB_RECORD=1)
 * is keepalived 2.2.7's SIGUSR1/SIGUSR2 dumps after it took over from a master that resigned:
 * BACKUP at priority 50 under a priority-100 master, which then stopped (priority 0 advert).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { renderExposition } from '../../src/metrics/exposition.js';
import { runSnapshot } from '../../src/metrics/run-snapshot.js';
import { Bench } from '../engine/harness.js';
import { exporterView, seriesKey, vrrplabView } from './exporter-view.js';
import { parseExposition } from './exposition-parser.js';

const DIR = resolve(import.meta.dirname, '../fixtures/metrics');
const data = readFileSync(resolve(DIR, 'mirror-keepalived.data'), 'utf8');
const stats = readFileSync(resolve(DIR, 'mirror-keepalived.stats'), 'utf8');
const config = parseConfigText(readFileSync(resolve(DIR, 'mirror.conf'), 'utf8'), 'mirror.conf').config;

const common = { iname: 'VI_1', intf: 'eth0', vrid: '81' };

describe("keepalived-exporter's view of keepalived 2.2.7's dumps", () => {
  const theirs = exporterView(data, stats);

  it('has a MASTER state series per VIP, the address as keepalived.data writes it', () => {
    expect(theirs.get(seriesKey('keepalived_vrrp_state', { ...common, ip_address: '172.16.25.181/16' }))).toBe(2);
    expect(theirs.get(seriesKey('keepalived_vrrp_state', { ...common, ip_address: '172.16.25.182' }))).toBe(2);
    expect([...theirs.keys()].filter((k) => k.startsWith('keepalived_vrrp_state'))).toHaveLength(2);
  });

  it("has keepalived's counters of the takeover: became master once, one priority 0 received", () => {
    expect(theirs.get(seriesKey('keepalived_become_master_total', common))).toBe(1);
    expect(theirs.get(seriesKey('keepalived_priority_zero_received_total', common))).toBe(1);
    expect(theirs.get(seriesKey('keepalived_release_master_total', common))).toBe(0);
    expect([...theirs.keys()].filter((k) => k.includes('_total{'))).toHaveLength(14);
  });
});

describe("vrrplab run's exposition in keepalived's place", () => {
  it("gives the exporter's series, labels and values for the same takeover, advert counts aside", () => {
    // The engine as run drives it: BACKUP under a priority-100 master, then its priority 0 advert.
    const bench = new Bench(config, '172.16.25.1')
      .start(0)
      .receive(500, { priority: 100, src: '172.16.25.2' })
      .receive(1500, { priority: 100, src: '172.16.25.2' })
      .receive(2500, { priority: 0, src: '172.16.25.2' })
      .advance(4000);
    const last = new Map(bench.of('transition').map((t) => [t.instance, 1_796_000_000_000 + t.t] as const));
    const exposition = renderExposition(runSnapshot({ config, instances: bench.engine.snapshot(), lastTransitionEpochMs: last, atSec: 1_796_000_004 }));
    const ours = vrrplabView(exposition, parseExposition);
    const theirs = exporterView(data, stats);
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [key, value] of theirs) if (!/keepalived_advertisements_(received|sent)_total/.test(key)) expect([key, ours.get(key)]).toEqual([key, value]);
  });
});
