/**
 * Effective priority from tracked items, as keepalived 2.2.7 computes it (vrrp_track.c:
 * initialise_tracking_priorities, process_script_update_priority, vrrp_set_effective_priority;
 * vrrp_scheduler.c: the rise/fall counter).
 */
import { describe, expect, it } from 'vitest';
import { config, instance, ref, script, trackFile } from './config-builder.js';
import { Bench } from './harness.js';

const withScript = (weight: number, opts: { reverse?: boolean; rise?: number; fall?: number; initFail?: boolean; priority?: number } = {}): Bench =>
  new Bench(
    config({
      instances: [instance({ priority: opts.priority ?? 100, trackScripts: [ref('chk', weight, opts.reverse)] })],
      scripts: [script({ name: 'chk', rise: opts.rise ?? 1, fall: opts.fall ?? 1, initFail: opts.initFail ?? false })],
    }),
  );

describe('vrrp_script weights', () => {
  it('weight > 0 adds the weight while the script succeeds and nothing while it fails', () => {
    const bench = withScript(10).start(0);
    expect(bench.snap().effectivePriority).toBe(100);
    bench.script(5, 'chk', 0);
    expect(bench.snap().effectivePriority).toBe(110);
    bench.script(1005, 'chk', 1);
    expect(bench.snap().effectivePriority).toBe(100);
    expect(bench.logs()).toContain('(VI_1) Changing effective priority from 110 to 100');
  });

  it('weight < 0 subtracts |weight| while the script fails and nothing while it succeeds', () => {
    const bench = withScript(-10).start(0).script(5, 'chk', 0);
    expect(bench.snap().effectivePriority).toBe(100);
    bench.script(1005, 'chk', 3);
    expect(bench.snap().effectivePriority).toBe(90);
    bench.script(2005, 'chk', 0);
    expect(bench.snap().effectivePriority).toBe(100);
  });

  it('`reverse` flips the weight: weight 10 reverse subtracts 10 on success and nothing on failure', () => {
    const bench = withScript(10, { reverse: true }).start(0).script(5, 'chk', 0);
    expect(bench.snap().effectivePriority).toBe(90);
    bench.script(1005, 'chk', 1);
    expect(bench.snap().effectivePriority).toBe(100);
  });

  it('weight 0: a failing script puts the instance into FAULT (notify_fault); success brings it back to BACKUP', () => {
    const bench = withScript(0).start(0);
    // A weight-0 script in its init state holds the instance out of BACKUP until its first result.
    expect(bench.state()).toBe('FAULT');
    expect(bench.notifies()).toEqual([]);
    bench.script(5, 'chk', 0);
    expect(bench.state()).toBe('BACKUP');
    bench.script(1005, 'chk', 1);
    expect(bench.state()).toBe('FAULT');
    bench.script(2005, 'chk', 0);
    expect(bench.state()).toBe('BACKUP');
    expect(bench.notifies().map((n) => n.state)).toEqual(['BACKUP', 'FAULT', 'BACKUP']);
  });

  it('rise/fall: after the first result, `fall` consecutive failures are needed to count as failed and `rise` successes to count as up again', () => {
    const bench = withScript(10, { rise: 2, fall: 2 }).start(0);
    const prio = (): number => bench.snap().effectivePriority;
    bench.script(5, 'chk', 0); // init: keepalived starts the counter at rise-1, one success is enough
    expect(prio()).toBe(110);
    bench.script(1005, 'chk', 1);
    expect(prio()).toBe(110);
    bench.script(2005, 'chk', 1);
    expect(prio()).toBe(100);
    bench.script(3005, 'chk', 0);
    expect(prio()).toBe(100);
    bench.script(4005, 'chk', 0);
    expect(prio()).toBe(110);
  });

  it('the initial script state counts for nothing until the first result; init_fail starts failed, so a negative weight applies from start', () => {
    expect(withScript(-10).start(0).snap().effectivePriority).toBe(100);
    const failed = withScript(-10, { initFail: true }).start(0);
    expect(failed.snap().effectivePriority).toBe(90);
    expect(failed.transitions()).toEqual([{ t: 0, from: 'INIT', to: 'BACKUP', priority: 90 }]);
    // and a weight-0 script with init_fail holds the instance in FAULT from the start, announced
    // with notify_fault as for an interface down at start (vrrp_complete_init()).
    const faulted = withScript(0, { initFail: true }).start(0);
    expect(faulted.state()).toBe('FAULT');
    expect(faulted.notifies().map((n) => n.state)).toEqual(['FAULT']);
    faulted.script(5, 'chk', 0);
    expect(faulted.notifies().map((n) => n.state)).toEqual(['FAULT', 'BACKUP']);
  });

  it('the effective priority is clamped to 1..254', () => {
    const high = withScript(50, { priority: 250 }).start(0).script(5, 'chk', 0);
    expect(high.snap().effectivePriority).toBe(254);
    const low = withScript(-50, { priority: 20 }).start(0).script(5, 'chk', 1);
    expect(low.snap().effectivePriority).toBe(1);
  });

  it('priority 255 (address owner) is never changed by tracking', () => {
    const owner = withScript(-50, { priority: 255 }).start(0).script(5, 'chk', 1).advance(3000);
    expect(owner.snap().effectivePriority).toBe(255);
    expect(owner.sent().every((s) => s.priority === 255)).toBe(true);
  });

  it('a MASTER whose effective priority changes does not send an advert at once in 2.2.7: the next scheduled advert carries it', () => {
    // vrrp_set_effective_priority() has no vrrp_send_adv(); the reference capture seed-buggy-f1
    // shows it: B's VI_2 went 102 -> 104 about 0.3 s after becoming MASTER and the 104 went out
    // with the next advert, one interval after the previous one.
    const bench = withScript(10).start(0).advance(4000);
    expect(bench.state()).toBe('MASTER');
    const before = bench.sent().length;
    bench.script(4100, 'chk', 0);
    expect(bench.snap().effectivePriority).toBe(110);
    expect(bench.sent().length).toBe(before);
    bench.advance(4700);
    expect(bench.sent().slice(before)).toEqual([{ t: 4609.375, priority: 110, vrid: 51 }]);
  });
});

describe('track_interface and track_file', () => {
  it('an unweighted track_interface going down puts the instance into FAULT; coming up returns it to BACKUP', () => {
    const bench = new Bench(config({ instances: [instance({ trackInterfaces: [ref('eth1')] })] }));
    bench.start(0).link(100, 'eth1', false);
    expect(bench.state()).toBe('FAULT');
    bench.link(200, 'eth1', true);
    expect(bench.state()).toBe('BACKUP');
    expect(bench.notifies().map((n) => n.state)).toEqual(['BACKUP', 'FAULT', 'BACKUP']);
  });

  it('the instance\'s own interface is tracked for FAULT even without track_interface', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).link(100, 'eth0', false);
    expect(bench.state()).toBe('FAULT');
    expect(bench.logs().filter((line) => line.startsWith('Netlink'))).toEqual(['Netlink reports eth0 down']);
  });

  it('with dont_track_primary its own interface going down is logged as keepalived logs it (the instance is still on its tracking list) but leaves it BACKUP; an interface no instance uses is not logged', () => {
    const bench = new Bench(config({ instances: [instance({ dontTrackPrimary: true })] })).start(0).link(100, 'eth0', false).link(200, 'eth9', false);
    expect(bench.state()).toBe('BACKUP');
    expect(bench.logs().filter((line) => line.startsWith('Netlink'))).toEqual(['Netlink reports eth0 down']);
  });

  it('an interface down at start gives FAULT with notify_fault at once, then BACKUP when it comes up (keepalived 2.2.7 in a netns lab: "(VI_1) entering FAULT state", notify fault, then notify backup)', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0, { linksDown: ['eth0'] });
    expect(bench.state()).toBe('FAULT');
    expect(bench.notifies().map((n) => n.state)).toEqual(['FAULT']);
    expect(bench.logs()).toContain('(VI_1) entering FAULT state');
    bench.link(100, 'eth0', true);
    expect(bench.state()).toBe('BACKUP');
    expect(bench.notifies().map((n) => n.state)).toEqual(['FAULT', 'BACKUP']);
  });

  it('a weighted track_interface adds a positive weight while up and subtracts a negative weight while down', () => {
    const plus = new Bench(config({ instances: [instance({ trackInterfaces: [ref('eth1', 10)] })] })).start(0);
    expect(plus.snap().effectivePriority).toBe(110);
    plus.link(100, 'eth1', false);
    expect(plus.snap().effectivePriority).toBe(100);
    expect(plus.state()).toBe('BACKUP');
    const minus = new Bench(config({ instances: [instance({ trackInterfaces: [ref('eth1', -10)] })] })).start(0);
    expect(minus.snap().effectivePriority).toBe(100);
    minus.link(100, 'eth1', false);
    expect(minus.snap().effectivePriority).toBe(90);
  });

  it('a track_file adds its value times the weight; a weight-0 track_file with a non-zero value means FAULT', () => {
    const weighted = new Bench(
      config({ instances: [instance({ trackFiles: [ref('tf')] })], trackFiles: [trackFile({ name: 'tf', weight: 2 })] }),
    ).start(0, { fileValues: { tf: 5 } });
    expect(weighted.snap().effectivePriority).toBe(110);
    weighted.file(100, 'tf', -3);
    expect(weighted.snap().effectivePriority).toBe(94);
    const zero = new Bench(
      config({ instances: [instance({ trackFiles: [ref('tf', 0)] })], trackFiles: [trackFile({ name: 'tf', weight: 0 })] }),
    ).start(0);
    expect(zero.state()).toBe('BACKUP');
    zero.file(100, 'tf', 1);
    expect(zero.state()).toBe('FAULT');
    zero.file(200, 'tf', 0);
    expect(zero.state()).toBe('BACKUP');
  });
});
