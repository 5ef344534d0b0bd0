/**
 * An interface's addresses as keepalived 2.2.7 follows them (netlink_if_address_filter): measured
 * in a netns lab (test/lab/runtime-issue22.test.ts runs both daemons side by side).
 */
import { describe, expect, it } from 'vitest';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const single = (overrides: Parameters<typeof instance>[0] = {}) => config({ instances: [instance({ priority: 150, vips: ['10.0.0.100'], ...overrides })] });

describe('an interface with no address at start', () => {
  it('holds the instance in FAULT until an address is added, then BACKUP at once and MASTER after Master_Down_Interval, advertising from it', () => {
    const bench = new Bench(single(), null).start(0);
    expect(bench.state()).toBe('FAULT');
    expect(bench.logs()).toContain('(VI_1) entering FAULT state (no IPv4 address for interface)');
    bench.advance(10_000);
    expect(bench.sent()).toEqual([]);
    bench.addressChange(10_000, 'eth0', '10.0.0.1', true);
    expect(bench.logs()).toContain('Assigned address 10.0.0.1 for interface eth0');
    expect(bench.state()).toBe('BACKUP');
    bench.advance(14_000);
    // Master_Down_Interval of priority 150: 3 s + (256 - 150) / 256 s.
    expect(bench.transitions().map((t) => [Math.round(t.t), t.to])).toEqual([
      [0, 'FAULT'],
      [10_000, 'BACKUP'],
      [13_414, 'MASTER'],
    ]);
    expect(bench.of('send-advert').map((a) => a.src)).toContain('10.0.0.1');
  });

  it('ignores an IPv6 address that is not link-local for an IPv6 instance, and takes a link-local one', () => {
    const bench = new Bench(config({ instances: [instance({ family: 6, version: 3, vips: ['fe80::61'] })] }), null).start(0);
    bench.addressChange(1000, 'eth0', 'fd44::1', true, { linkScope: false });
    expect(bench.state()).toBe('FAULT');
    bench.addressChange(2000, 'eth0', 'fe80::1', true, { linkScope: true });
    expect(bench.state()).toBe('BACKUP');
  });
});

describe('an interface losing its address', () => {
  it('sends a MASTER to FAULT with a priority-0 advert when its only address goes, and back up when it returns', () => {
    const bench = new Bench(single()).start(0).advance(5000);
    expect(bench.state()).toBe('MASTER');
    bench.addressChange(6000, 'eth0', '10.0.0.1', false);
    expect(bench.state()).toBe('FAULT');
    expect(bench.logs()).toContain('Deassigned address 10.0.0.1 from interface eth0');
    // keepalived's vrrp_state_leave_master() sends one for FAULT and vrrp_restore_interface() another.
    expect(bench.sent(undefined, 6000).map((s) => s.priority)).toEqual([0, 0]);
    bench.addressChange(8000, 'eth0', '10.0.0.1', true);
    expect(bench.state()).toBe('BACKUP');
  });

  it('keeps the instance up on a second address when the first goes, advertising from the second', () => {
    const bench = new Bench(single()).start(0).advance(5000);
    bench.addressChange(5500, 'eth0', '10.0.0.2', true).addressChange(6000, 'eth0', '10.0.0.1', false);
    expect(bench.state()).toBe('MASTER');
    bench.advance(8100);
    expect(bench.of('send-advert', 6000).map((a) => a.src)).toEqual(['10.0.0.2', '10.0.0.2']);
  });

  it('leaves an instance with unicast_src_ip alone', () => {
    const bench = new Bench(single({ unicastSrcIp: '10.0.0.1', unicastPeers: [{ address: '10.0.0.2' }] as never })).start(0).advance(5000);
    bench.addressChange(6000, 'eth0', '10.0.0.1', false);
    expect(bench.state()).toBe('MASTER');
  });
});

describe('a VIP removed by someone else', () => {
  it('sends the MASTER to BACKUP with a priority-0 advert, to take over again after the skew only', () => {
    const bench = new Bench(single()).start(0).advance(5000);
    bench.addressChange(6000, 'eth0', '10.0.0.100', false, { prefixLength: 24 });
    expect(bench.logs()).toContain('Netlink reflector reports IP 10.0.0.100 removed from eth0');
    expect(bench.sent(undefined, 6000)[0]?.priority).toBe(0);
    bench.advance(7000);
    expect(bench.transitions().slice(-2).map((t) => [Math.round(t.t), t.to])).toEqual([
      [6000, 'BACKUP'],
      [6414, 'MASTER'],
    ]);
  });

  it('does nothing when the instance is not MASTER, or when the prefix length differs from the VIP\'s', () => {
    const backup = new Bench(single()).start(0).receive(100, { priority: 200 }).addressChange(200, 'eth0', '10.0.0.100', false, { prefixLength: 24 });
    expect(backup.logs().some((l) => l.startsWith('Netlink reflector'))).toBe(false);
    const other = new Bench(single()).start(0).advance(5000).addressChange(6000, 'eth0', '10.0.0.100', false, { prefixLength: 32 });
    expect(other.state()).toBe('MASTER');
  });
});
