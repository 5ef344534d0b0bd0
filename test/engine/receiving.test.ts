/**
 * What a MASTER and a BACKUP do with a received advert, as keepalived 2.2.7 does it
 * (vrrp.c: vrrp_state_master_rx, vrrp_state_backup; vrrp_scheduler.c: the read dispatcher).
 */
import { describe, expect, it } from 'vitest';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const MDI_100 = 3609.375;
const SKEW_100 = 609.375;

/** One instance at priority 100 on 10.0.0.1 that became MASTER at 3609.375 ms. */
const master = (overrides: Parameters<typeof instance>[0] = {}): Bench =>
  new Bench(config({ instances: [instance(overrides)] })).start(0).advance(MDI_100);

describe('a MASTER receiving', () => {
  it('a higher priority advert becomes BACKUP at once, drops its VIPs, runs notify_backup and sends nothing in reply', () => {
    const bench = master().receive(4000, { priority: 150 });
    expect(bench.state()).toBe('BACKUP');
    expect(bench.sent(undefined, 4000)).toEqual([]);
    expect(bench.of('remove-vips', 4000).map((a) => a.addresses)).toEqual([['10.0.0.100']]);
    expect(bench.notifies().at(-1)?.state).toBe('BACKUP');
    expect(bench.logs()).toContain('(VI_1) Master received advert from 10.0.0.2 with higher priority 150, ours 100');
  });

  it('an equal priority advert from a higher primary IP becomes BACKUP (RFC 3768 6.4.3)', () => {
    const bench = master().receive(4000, { priority: 100, src: '10.0.0.9' });
    expect(bench.state()).toBe('BACKUP');
  });

  it('an equal priority advert from a lower primary IP is treated like a lower priority one: answered at once', () => {
    const bench = new Bench(config({ instances: [instance()] }), '10.0.0.5').start(0).advance(MDI_100);
    bench.receive(4000, { priority: 100, src: '10.0.0.3' });
    expect(bench.state()).toBe('MASTER');
    expect(bench.sent(undefined, 4000)[0]).toEqual({ t: 4000, priority: 100, vrid: 51 });
  });

  it('a lower priority advert handed in after it arrived restarts the advert timer from the answer: keepalived counts from after its answer, not from the packet', () => {
    const bench = new Bench(config({ instances: [instance()] }), '10.0.0.1', { answerRearmMs: 1.3 }).start(0).advance(MDI_100);
    bench.receive(4000, { priority: 50, handledAt: 4000.4 }).advance(6100);
    expect(bench.sent(undefined, 4000).map((s) => +s.t.toFixed(3))).toEqual([4000, 5001.7, 6001.7]);
  });

  it('a lower priority advert handed in as it arrives restarts the timer answerRearmMs after the packet', () => {
    const bench = new Bench(config({ instances: [instance()] }), '10.0.0.1', { answerRearmMs: 1.3 }).start(0).advance(MDI_100);
    bench.receive(4000, { priority: 50 }).advance(5100);
    expect(bench.sent(undefined, 4000).map((s) => +s.t.toFixed(3))).toEqual([4000, 5001.3]);
  });

  it('a higher priority advert handed in late leaves no advert timer behind: the BACKUP waits its down timer from the packet', () => {
    const bench = new Bench(config({ instances: [instance()] }), '10.0.0.1', { answerRearmMs: 1.3 }).start(0).advance(MDI_100);
    bench.receive(4000, { priority: 150, handledAt: 4000.4 });
    expect(bench.state()).toBe('BACKUP');
    expect(bench.engine.nextDeadline()).toBe(4000 + MDI_100);
  });

  it('a lower priority advert is answered at once ("forcing new election"), where RFC 3768 says to discard it; the advert timer restarts', () => {
    const bench = master().receive(4000, { priority: 50 }).advance(6000);
    expect(bench.state()).toBe('MASTER');
    expect(bench.sent(undefined, 4000)).toEqual([
      { t: 4000, priority: 100, vrid: 51 },
      { t: 5000, priority: 100, vrid: 51 },
      { t: 6000, priority: 100, vrid: 51 },
    ]);
    expect(bench.logs()).toContain('(VI_1) Received advert from 10.0.0.2 with lower priority 50, ours 100, forcing new election');
  });

  it('a priority 0 advert is answered at once and the MASTER stays MASTER', () => {
    const bench = master().receive(4000, { priority: 0 });
    expect(bench.state()).toBe('MASTER');
    expect(bench.sent(undefined, 4000)).toEqual([{ t: 4000, priority: 100, vrid: 51 }]);
  });
});

describe('a BACKUP receiving', () => {
  it('an advert of higher or equal priority restarts the down timer (Master_Down_Interval from the advert)', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0);
    for (let t = 1000; t <= 10_000; t += 1000) bench.receive(t, { priority: 100, src: '10.0.0.9' });
    bench.advance(20_000);
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(10_000 + MDI_100);
  });

  it('priority 0 sets the down timer to Skew_Time, so it takes over after the skew, not Master_Down_Interval', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).receive(1000, { priority: 200 }).receive(1500, { priority: 0 });
    bench.advance(10_000);
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(1500 + SKEW_100);
  });

  it('with preempt (the default) a lower priority advert is discarded and does not reset the down timer, so the backup takes over', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).receive(1000, { priority: 150 });
    for (let t = 2000; t <= 8000; t += 1000) bench.receive(t, { priority: 50 });
    bench.advance(10_000);
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(1000 + MDI_100);
    expect(bench.logs()).toContain('(VI_1) received lower priority (50) advert from 10.0.0.2 - discarding');
  });

  it('with nopreempt a lower priority master is accepted: its adverts reset the down timer and the backup never takes over', () => {
    const bench = new Bench(config({ instances: [instance({ nopreempt: true })] })).start(0);
    for (let t = 1000; t <= 20_000; t += 1000) bench.receive(t, { priority: 50 });
    bench.advance(20_000 + MDI_100 - 1);
    expect(bench.state()).toBe('BACKUP');
    bench.advance(30_000);
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(20_000 + MDI_100);
  });

  it('with preempt_delay lower priority adverts are accepted until preempt_delay has passed since the first one, that one included, then discarded', () => {
    const bench = new Bench(config({ instances: [instance({ preemptDelayMs: 5000 })] })).start(0);
    for (let t = 1000; t <= 20_000; t += 1000) bench.receive(t, { priority: 50 });
    bench.advance(30_000);
    // The first lower advert at 1000 starts the delay (ends 6000); the advert at 6000 is still
    // accepted and the one at 7000 is the first discarded, so the last timer reset was at 6000.
    // keepalived 2.2.7 in the lab (test/fixtures/differential/preempt-delay-boundary): "start preempt
    // delay (2.000000)" with the advert at 5.469 s, accepted at 7.469 s, "discarding" from 8.469 s,
    // MASTER at 10.790 s (7.469 s + Master_Down_Interval 3.332 s).
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(6000 + MDI_100);
    expect(bench.logs()).toContain('(VI_1) start preempt delay (5.000000)');
  });

  it("with preemptBoundary 'discard' (keepalived's other side of the race) the advert exactly at preempt_delay's end is discarded, and only that one is reported as the tie", () => {
    const ties: { instance: string; src: string }[] = [];
    const bench = new Bench(config({ instances: [instance({ preemptDelayMs: 5000 })] }), '10.0.0.1', { preemptBoundary: 'discard', onPreemptBoundary: (name, src) => ties.push({ instance: name, src }) }).start(0);
    for (let t = 1000; t <= 20_000; t += 1000) bench.receive(t, { priority: 50 });
    bench.advance(30_000);
    // The advert at 6000 is the tie, now discarded: the last timer reset was at 5000.
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(5000 + MDI_100);
    expect(ties).toEqual([{ instance: 'VI_1', src: '10.0.0.2' }]);
  });

  it('reports no tie when no lower priority advert lands on the end of preempt_delay (adverts at x.5 s, preempt_delay 5 s from 1.5 s)', () => {
    const ties: string[] = [];
    const bench = new Bench(config({ instances: [instance({ preemptDelayMs: 5000 })] }), '10.0.0.1', { preemptBoundary: 'discard', onPreemptBoundary: (name) => ties.push(name) }).start(0);
    bench.receive(1500, { priority: 50 });
    for (let t = 2000; t <= 20_000; t += 1000) bench.receive(t, { priority: 50 });
    bench.advance(30_000);
    // The delay ends at 6500, between adverts: the one at 6000 is accepted, 7000 discarded, either way.
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(6000 + MDI_100);
    expect(ties).toEqual([]);
  });

  it('a higher priority advert during preempt_delay stops the delay, which restarts from the next lower priority advert', () => {
    const bench = new Bench(config({ instances: [instance({ preemptDelayMs: 5000 })] })).start(0);
    bench.receive(1000, { priority: 50 }).receive(2000, { priority: 150 });
    for (let t = 3000; t <= 20_000; t += 1000) bench.receive(t, { priority: 50 });
    bench.advance(30_000);
    expect(bench.logs()).toContain('(VI_1) stop preempt delay');
    // Restarted by the advert at 3000: accepted up to 8000, that one included.
    expect(bench.transitions().find((t) => t.to === 'MASTER')?.t).toBe(8000 + MDI_100);
  });

  it('an advert for a VRID the host does not run is ignored', () => {
    const bench = new Bench(config({ instances: [instance()] })).start(0).receive(1000, { vrid: 99, priority: 200 });
    expect(bench.snap().stats.advert_rcvd).toBe(0);
  });
});
