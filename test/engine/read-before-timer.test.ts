/**
 * keepalived's scheduler serves a readable socket before a timer due at the same moment: a packet
 * that arrives as an instance's timer falls due is read first, and the timer it re-arms does not
 * fire then. Timers due before the packet still fire first.
 */
import { describe, expect, it } from 'vitest';
import { forgePacket } from '../../src/wire/forge.js';
import { config, instance } from './config-builder.js';
import { Bench } from './harness.js';

const MDI_100 = 3609.375;
const auth = { type: 'PASS' as const, password: 'labpass1' };

/** A master (priority 100) since MDI_100, its next advert due at MDI_100 + 1000. */
function master(): Bench {
  return new Bench(config({ instances: [instance({ authentication: auth })] })).start(0).advance(MDI_100);
}

function foreign(): Uint8Array {
  return forgePacket({ kind: 'wrong-password', src: '10.0.0.3', vrid: 51, priority: 150, password: 'otherpw1', advertIntervalMs: 1000, addresses: ['10.0.0.200'], seed: 1 }, 0);
}

describe('a packet arriving the instant a timer falls due', () => {
  it('is read before the timer: a MASTER re-armed by another cluster\'s advert sends nothing then, and its next advert is one interval later', () => {
    const bench = master();
    const due = MDI_100 + 1000;
    expect(bench.engine.nextDeadline()).toBe(due);
    const actions = bench.engine.handle(due, { type: 'packet', iface: 'eth0', packet: foreign() });
    expect(actions.filter((action) => action.type === 'send-advert')).toEqual([]);
    expect(actions.filter((action) => action.type === 'log').map((action) => (action.type === 'log' ? action.message : ''))).toEqual(['(VI_1) received an invalid passwd!']);
    expect(bench.engine.nextDeadline()).toBe(due + 1000);
  });

  it('comes after a timer that was due before it: the advert goes out, then the packet re-arms the timer', () => {
    const bench = master();
    const due = MDI_100 + 1000;
    const actions = bench.engine.handle(due + 0.1, { type: 'packet', iface: 'eth0', packet: foreign() });
    expect(actions.map((action) => action.type).filter((type) => type === 'send-advert' || type === 'log')).toEqual(['send-advert', 'log']);
    expect(bench.engine.nextDeadline()).toBe(due + 0.1 + 1000);
  });

  it('leaves a timer it does not re-arm to fire in the same call: a BACKUP\'s down timer expires after a rejected packet at that instant', () => {
    const bench = new Bench(config({ instances: [instance({ authentication: auth })] })).start(0);
    const actions = bench.engine.handle(MDI_100, { type: 'packet', iface: 'eth0', packet: foreign() });
    // The rejected packet leaves the down timer where it was (keepalived's "reduce the down timer"), so it fires at once.
    expect(actions.filter((action) => action.type === 'transition').map((action) => (action.type === 'transition' ? action.to : ''))).toEqual(['MASTER']);
  });
});
