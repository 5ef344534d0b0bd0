/**
 * SIGHUP reload (keepalived's reload): unchanged instances keep running, changed priorities and
 * VIP lists apply in place, removed instances let go, new ones start.
 */
import { describe, expect, it } from 'vitest';
import { HostEngine } from '../../src/engine/host.js';
import type { EngineAction } from '../../src/engine/types.js';
import { config, instance } from './config-builder.js';

const ENV = { interfaceAddresses: { eth0: '10.0.0.1' } };

function masterOf(vi1: Parameters<typeof instance>[0] = {}): { engine: HostEngine; now: number } {
  const engine = new HostEngine(config({ instances: [instance({ name: 'VI_1', vrid: 51, ...vi1 })] }), ENV);
  engine.handle(0, { type: 'start' });
  // Alone on the LAN it times out of BACKUP after Master_Down_Interval.
  engine.handleTimeout(10_000);
  expect(engine.snapshot()[0]?.state).toBe('MASTER');
  return { engine, now: 10_000 };
}

const ofType = <T extends EngineAction['type']>(actions: EngineAction[], type: T) =>
  actions.filter((action): action is Extract<EngineAction, { type: T }> => action.type === type);

describe('reload', () => {
  it('keeps an unchanged MASTER master, with its VIPs and counters, without a single transition', () => {
    const { engine, now } = masterOf();
    const actions = engine.reload(now + 100, config({ instances: [instance({ name: 'VI_1', vrid: 51 })] }));
    expect(ofType(actions, 'transition')).toEqual([]);
    expect(ofType(actions, 'notify')).toEqual([]);
    expect(ofType(actions, 'add-vips')).toEqual([]);
    expect(ofType(actions, 'send-garp')).toEqual([]);
    const after = engine.snapshot()[0];
    expect(after?.state).toBe('MASTER');
    expect(after?.vipsHeld).toEqual(['10.0.0.100']);
  });

  it('sends one advert with the old settings at once and one with the new from its timer, due at the reload, and restarts the timer from that one, as keepalived does', () => {
    const { engine, now } = masterOf();
    const actions = engine.reload(now + 100, config({ instances: [instance({ name: 'VI_1', vrid: 51, priority: 80, advertIntervalMs: 2000 })] }));
    expect(ofType(actions, 'send-advert').map((a) => [a.advert.priority, a.advert.advertIntervalMs])).toEqual([[100, 1000]]);
    expect(ofType(actions, 'log').map((a) => a.message)).toContain('(VI_1) setting VIPs.');
    // keepalived's reload_master: the timer is due at once, the new advert leaves when the driver serves it.
    expect(engine.nextDeadline()).toBe(now + 100);
    const served = engine.handleTimeout(now + 130);
    expect(ofType(served, 'send-advert').map((a) => [a.advert.priority, a.advert.advertIntervalMs])).toEqual([[80, 2000]]);
    expect(ofType(served, 'transition')).toEqual([]);
    expect(engine.nextDeadline()).toBe(now + 130 + 2000);
  });

  it('sends the GARPs of a reload that added a VIP before the advert with the new settings', () => {
    const { engine, now } = masterOf();
    const actions = engine.reload(now + 100, config({ instances: [instance({ name: 'VI_1', vrid: 51, vips: ['10.0.0.100', '10.0.0.101'] })] }));
    expect(actions.filter((a) => a.type === 'send-advert' || a.type === 'send-garp').map((a) => a.type)).toEqual(['send-advert', 'send-garp']);
    expect(ofType(engine.handleTimeout(now + 100), 'send-advert')).toHaveLength(1);
  });

  it('applies a new priority and VIP list to a kept MASTER in place and announces all its VIPs at once', () => {
    const { engine, now } = masterOf();
    const actions = engine.reload(now + 100, config({ instances: [instance({ name: 'VI_1', vrid: 51, priority: 150, vips: ['10.0.0.100', '10.0.0.101'] })] }));
    // keepalived restarts the effective priority from the new base without a log line.
    expect(engine.snapshot()[0]?.effectivePriority).toBe(150);
    expect(ofType(actions, 'add-vips')).toEqual([{ type: 'add-vips', instance: 'VI_1', iface: 'eth0', addresses: ['10.0.0.101'] }]);
    expect(ofType(actions, 'send-garp')).toEqual([{ type: 'send-garp', instance: 'VI_1', iface: 'eth0', addresses: ['10.0.0.100', '10.0.0.101'], count: 5 }]);
    expect(engine.snapshot()[0]?.vipsHeld).toEqual(['10.0.0.100', '10.0.0.101']);
  });

  it('cancels the delayed gratuitous ARP burst that was pending at the reload', () => {
    const { engine, now } = masterOf();
    engine.reload(now + 100, config({ instances: [instance({ name: 'VI_1', vrid: 51, vips: ['10.0.0.100', '10.0.0.101'] })] }));
    // garp_master_delay (5 s) after becoming MASTER would have fired at now + 5000.
    const later: EngineAction[] = [];
    for (let t = now + 1100; t <= now + 8100; t += 1000) later.push(...engine.handleTimeout(t));
    expect(ofType(later, 'send-garp')).toEqual([]);
  });

  it('lets a removed MASTER resign with priority 0, drop its VIPs and report FAULT, and starts a new instance in BACKUP', () => {
    const { engine, now } = masterOf();
    const actions = engine.reload(now + 100, config({ instances: [instance({ name: 'VI_9', vrid: 99, vips: ['10.0.0.199'] })] }));
    expect(ofType(actions, 'send-advert').map((action) => [action.instance, action.advert.priority])).toEqual([['VI_1', 100], ['VI_1', 0]]);
    expect(ofType(actions, 'remove-vips')[0]).toMatchObject({ instance: 'VI_1', addresses: ['10.0.0.100'] });
    expect(ofType(actions, 'transition').map((action) => `${action.instance} ${action.from}->${action.to}`)).toEqual(['VI_1 MASTER->FAULT', 'VI_9 INIT->BACKUP']);
    expect(ofType(actions, 'notify').map((action) => `${action.instance} ${action.state}`)).toEqual(['VI_1 FAULT', 'VI_9 BACKUP']);
    expect(engine.snapshot().map((snap) => `${snap.name} ${snap.state}`)).toEqual(['VI_9 BACKUP']);
  });
});

describe('reload out of FAULT', () => {
  it('brings up an instance whose FAULT came from a track_interface the new config no longer has', () => {
    const faulty = config({ instances: [instance({ name: 'VI_1', vrid: 51, trackInterfaces: [{ name: 'eth9', location: { file: 't', line: 1 } }] })] });
    const engine = new HostEngine(faulty, ENV);
    engine.handle(0, { type: 'start', linksDown: ['eth9'] });
    expect(engine.snapshot()[0]?.state).toBe('FAULT');
    const actions = engine.reload(1000, config({ instances: [instance({ name: 'VI_1', vrid: 51 })] }));
    expect(ofType(actions, 'transition').map((action) => `${action.from}->${action.to}`)).toEqual(['FAULT->BACKUP']);
    expect(engine.snapshot()[0]?.state).toBe('BACKUP');
    // And it runs as a BACKUP again: alone on the LAN it takes over after Master_Down_Interval.
    engine.handleTimeout(10_000);
    expect(engine.snapshot()[0]?.state).toBe('MASTER');
  });
});
