/**
 * FAULT state, graceful stop and sync groups as keepalived 2.2.7 does them (vrrp.c:
 * vrrp_state_leave_master / vrrp_state_leave_fault / vrrp_restore_interface; vrrp_track.c:
 * down_instance / try_up_instance; vrrp_sync.c; vrrp_notify.c).
 */
import { describe, expect, it } from 'vitest';
import { config, instance, ref, script, syncGroup } from './config-builder.js';
import { Bench } from './harness.js';

const MDI_100 = 3609.375;
/** 3 s + 206/256 s = 804687.5 µs, truncated to whole µs. */
const MDI_50 = 3804.687;

describe('FAULT', () => {
  it('a faulted MASTER sends priority 0, removes its VIPs and runs notify_fault; keepalived sends the priority 0 advert twice (leave_master and restore_interface)', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).advance(MDI_100).link(4000, 'eth0', false);
    expect(bench.state()).toBe('FAULT');
    expect(bench.sent(undefined, 4000)).toEqual([
      { t: 4000, priority: 0, vrid: 51 },
      { t: 4000, priority: 0, vrid: 51 },
    ]);
    expect(bench.of('remove-vips', 4000)).toHaveLength(1);
    expect(bench.notifies().at(-1)?.state).toBe('FAULT');
    expect(bench.snap().stats.pri_zero_sent).toBe(1);
    expect(bench.snap().stats.release_master).toBe(1);
  });

  it('a FAULT instance ignores adverts, sends nothing and has no down timer', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).link(100, 'eth0', false);
    bench.receive(1000, { priority: 0 }).receive(2000, { priority: 200 }).advance(20_000);
    expect(bench.sent()).toEqual([]);
    expect(bench.state()).toBe('FAULT');
    expect(bench.snap().stats.advert_rcvd).toBe(0);
  });

  it('leaving FAULT enters BACKUP with notify_backup and a fresh Master_Down_Interval', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).link(100, 'eth0', false).link(5000, 'eth0', true).advance(20_000);
    expect(bench.transitions().map((t) => [t.t, t.to])).toEqual([
      [0, 'BACKUP'],
      [100, 'FAULT'],
      [5000, 'BACKUP'],
      [5000 + MDI_100, 'MASTER'],
    ]);
    expect(bench.notifies().map((n) => n.state)).toEqual(['BACKUP', 'FAULT', 'BACKUP', 'MASTER']);
  });
});

describe('graceful stop (SIGTERM)', () => {
  it('a MASTER sends priority 0, removes its VIPs and runs notify_stop; a BACKUP only runs notify_stop', () => {
    const cfg = config({ instances: [instance({ name: 'VI_1', vrid: 1 }), instance({ name: 'VI_2', vrid: 2, priority: 50 })] });
    const bench = new Bench(cfg).start(0).receive(3000, { vrid: 2, priority: 100 }).advance(MDI_100);
    expect(bench.state('VI_1')).toBe('MASTER');
    expect(bench.state('VI_2')).toBe('BACKUP');
    bench.stop(5000);
    expect(bench.sent(undefined, 5000)).toEqual([{ t: 5000, priority: 0, vrid: 1 }]);
    expect(bench.of('remove-vips', 5000).map((a) => a.instance)).toEqual(['VI_1']);
    expect(bench.notifies().filter((n) => n.t === 5000).map((n) => [n.state, n.args.join(' ')])).toEqual([
      ['STOP', '/notify.sh stop'],
      ['STOP', '/notify.sh stop'],
    ]);
    expect(bench.logs()).toContain('(VI_1) sent 0 priority');
    // nothing more happens after the stop
    bench.advance(20_000);
    expect(bench.sent(undefined, 5001)).toEqual([]);
  });
});

describe('sync groups', () => {
  const grouped = (extra: Parameters<typeof config>[0] = { instances: [] }): Bench =>
    new Bench(
      config({
        instances: [instance({ name: 'VI_1', vrid: 1, trackScripts: extra.scripts ? [ref('chk')] : [] }), instance({ name: 'VI_2', vrid: 2, priority: 50 })],
        syncGroups: [syncGroup('G', ['VI_1', 'VI_2'], { notify: { master: '/group.sh master', backup: '/group.sh backup', fault: '/group.sh fault' } })],
        scripts: extra.scripts,
      }),
    );

  it('members move together: the group goes MASTER only once every member wants MASTER (keepalived prefers BACKUP), then all at once', () => {
    const bench = grouped().start(0).advance(MDI_100);
    // VI_1's down timer fired, but VI_2 (priority 50) still waits: VI_1 is held in BACKUP.
    expect(bench.state('VI_1')).toBe('BACKUP');
    bench.advance(MDI_50);
    expect(bench.state('VI_1')).toBe('MASTER');
    expect(bench.state('VI_2')).toBe('MASTER');
    expect(bench.transitions('VI_1').at(-1)?.t).toBe(MDI_50);
    expect(bench.transitions('VI_2').at(-1)?.t).toBe(MDI_50);
    expect(bench.notifies('G').map((n) => n.args.join(' '))).toEqual(['/group.sh backup', '/group.sh master']);
  });

  it('the member whose timer fired advertises first as the group goes MASTER, and after the members it took along from then on (keepalived re-queues its timer last)', () => {
    // keepalived 2.2.7 (campaign seed 2 case 6, tcpdump): VI_1 timed out and sent at 10.332 s, VI_2
    // synced at 10.336 s; every later second VI_2 went first (11.3364 s, then VI_1 at 11.3387 s).
    const bench = grouped().start(0).advance(MDI_50 + 2500);
    const order = (from: number, to: number) => bench.sent(undefined, from).filter((advert) => advert.t < to).map((advert) => advert.vrid);
    expect(order(MDI_50, MDI_50 + 1)).toEqual([2, 1]);
    expect(order(MDI_50 + 1, MDI_50 + 1001)).toEqual([1, 2]);
    expect(order(MDI_50 + 1001, MDI_50 + 2001)).toEqual([1, 2]);
  });

  it('a higher priority advert for one member takes the whole group to BACKUP', () => {
    const bench = grouped().start(0).advance(MDI_50).receive(4000, { vrid: 2, priority: 200 });
    expect(bench.state('VI_2')).toBe('BACKUP');
    expect(bench.state('VI_1')).toBe('BACKUP');
  });

  it('a fault in one member faults the whole group, and its recovery brings the group back to BACKUP', () => {
    // VI_1 tracks a weight-0 script: it starts in FAULT (script in init), and the group with it.
    const bench = grouped({ instances: [], scripts: [script({ name: 'chk' })] }).start(0).script(5, 'chk', 0).advance(5 + MDI_50);
    expect(bench.transitions('VI_2').map((t) => t.to)).toEqual(['FAULT', 'BACKUP', 'MASTER']);
    bench.script(4005, 'chk', 1);
    expect(bench.state('VI_1')).toBe('FAULT');
    expect(bench.state('VI_2')).toBe('FAULT');
    expect(bench.notifies('G').at(-1)?.args.join(' ')).toBe('/group.sh fault');
    bench.script(5005, 'chk', 0);
    expect(bench.state('VI_1')).toBe('BACKUP');
    expect(bench.state('VI_2')).toBe('BACKUP');
  });
});
