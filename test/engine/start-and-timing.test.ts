/**
 * Start-up and timer rules of keepalived 2.2.7 (vrrp_init_state, VRRP_MS_DOWN_TIMER, VRRP_TIMER_SKEW).
 * Times are ms; skews are keepalived's integer microseconds.
 */
import { describe, expect, it } from 'vitest';
import { config, instance, ref, script } from './config-builder.js';
import { Bench } from './harness.js';

/** v2 skew for `priority`, in ms as keepalived rounds it (whole microseconds). */
const skew2 = (priority: number): number => Math.floor(((256 - priority) * 1_000_000) / 256) / 1000;

describe('start', () => {
  it('every instance enters BACKUP (init) at start and runs notify_backup; nothing is sent until the down timer fires', () => {
    const bench = new Bench(config({ instances: [instance({ name: 'VI_1', vrid: 1 }), instance({ name: 'VI_2', vrid: 2, priority: 50 })] }));
    bench.start(0);
    expect(bench.transitions('VI_1')).toEqual([{ t: 0, from: 'INIT', to: 'BACKUP', priority: 100 }]);
    expect(bench.transitions('VI_2')).toEqual([{ t: 0, from: 'INIT', to: 'BACKUP', priority: 50 }]);
    expect(bench.notifies().map((n) => [n.state, n.args.join(' ')])).toEqual([
      ['BACKUP', '/notify.sh backup'],
      ['BACKUP', '/notify.sh backup'],
    ]);
    expect(bench.logs()).toContain('(VI_1) Entering BACKUP STATE (init)');
    // keepalived removes any leftover VIPs before the first state (vrrp_restore_interface).
    expect(bench.of('remove-vips').map((a) => a.addresses)).toEqual([['10.0.0.100'], ['10.0.0.100']]);
    expect(bench.sent()).toEqual([]);
  });

  it('an address owner (priority 255) becomes MASTER at once: keepalived times out of BACKUP after 1 µs, without notify_backup', () => {
    const bench = new Bench(config({ instances: [instance({ priority: 255, initialState: 'MASTER' })] }));
    bench.start(0).advance(1);
    expect(bench.state()).toBe('MASTER');
    expect(bench.sent()[0]).toEqual({ t: 0.001, priority: 255, vrid: 51 });
    expect(bench.notifies().map((n) => n.state)).toEqual(['MASTER']);
  });

  it('priority 255 without `state` is an address owner too: keepalived derives wantstate MASTER from the priority', () => {
    const bench = new Bench(config({ instances: [instance({ priority: 255 })] }));
    bench.start(0).advance(1);
    expect(bench.state()).toBe('MASTER');
  });

  it('`state MASTER` with a priority below 255 changes nothing at start in 2.2.7: BACKUP (init), then MASTER after the full Master_Down_Interval', () => {
    // The reference recordings show it too: A's VI_1 (state MASTER, priority 100) logs
    // "Entering BACKUP STATE (init)" and sends nothing until its down timer runs out.
    const withState = new Bench(config({ instances: [instance({ initialState: 'MASTER' })] })).start(0).advance(10_000);
    const without = new Bench(config({ instances: [instance()] })).start(0).advance(10_000);
    expect(withState.transitions()).toEqual(without.transitions());
    expect(withState.sent()).toEqual(without.sent());
    expect(withState.notifies()).toEqual(without.notifies());
    expect(withState.transitions()).toEqual([
      { t: 0, from: 'INIT', to: 'BACKUP', priority: 100 },
      { t: 3000 + skew2(100), from: 'BACKUP', to: 'MASTER', priority: 100 },
    ]);
  });
});

describe('Master_Down_Interval and Skew_Time', () => {
  const firstMaster = (bench: Bench): number => bench.transitions().find((t) => t.to === 'MASTER')?.t ?? Number.NaN;

  it('Master_Down_Interval is 3 x Advertisement_Interval + Skew_Time, with v2 skew (256 - priority) / 256 s', () => {
    expect(firstMaster(new Bench(config({ instances: [instance({ priority: 100 })] })).start(0).advance(10_000))).toBe(3609.375);
    expect(firstMaster(new Bench(config({ instances: [instance({ priority: 200 })] })).start(0).advance(10_000))).toBe(3218.75);
    expect(firstMaster(new Bench(config({ instances: [instance({ priority: 1 })] })).start(0).advance(10_000))).toBe(3000 + skew2(1));
  });

  it('the v2 skew does not scale with advert_int (RFC 3768 6.1): advert_int 3 gives 9 s + (256 - priority) / 256 s', () => {
    const bench = new Bench(config({ instances: [instance({ advertIntervalMs: 3000 })] })).start(0).advance(20_000);
    expect(firstMaster(bench)).toBe(9000 + 609.375);
  });

  it('the v3 skew is ((256 - priority) x interval) / 256 with the interval in centiseconds (RFC 5798), in whole µs', () => {
    const v3 = (advertIntervalMs: number, priority = 100): Bench =>
      new Bench(config({ instances: [instance({ version: 3, advertIntervalMs, priority })] })).start(0).advance(20_000);
    expect(firstMaster(v3(1000))).toBe(3000 + 609.375);
    // 156 x 50 cs / 256 = 30.46875 cs = 304687.5 µs, truncated to 304687 µs
    expect(firstMaster(v3(500))).toBe(1500 + 304.687);
    expect(firstMaster(v3(2000, 200))).toBe(6000 + 437.5);
  });

  it('the skew uses the effective priority (base + tracked weights), not the base priority: a priority change moves a BACKUP\'s down timer', () => {
    const cfg = config({ instances: [instance({ trackScripts: [ref('chk', 50)] })], scripts: [script({ name: 'chk' })] });
    const bench = new Bench(cfg).start(0).script(5, 'chk', 0).advance(10_000);
    expect(bench.snap().effectivePriority).toBe(150);
    // keepalived keeps the start of the wait and shifts sands by the difference of the down timers.
    expect(firstMaster(bench)).toBeCloseTo(3000 + skew2(150), 6);
  });

  it('a backup that receives priority 0 takes over after Skew_Time of its effective priority, not Master_Down_Interval', () => {
    const bench = new Bench(config({ instances: [instance({ priority: 100 })] }));
    bench.start(0).receive(500, { priority: 200 }).receive(1500, { priority: 0 }).advance(10_000);
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(1500 + skew2(100));
  });
});
