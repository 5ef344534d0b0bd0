/** The wire's view of a host's state, time pairing of adverts, and SIGKILL in the driver. */
import { describe, expect, it } from 'vitest';
import { drive } from '../../src/compare/drive.js';
import { pairByTime } from '../../src/compare/match.js';
import { wireStates } from '../../src/compare/states.js';
import { config, instance } from '../engine/config-builder.js';

const advert = (t: number, priority: number) => ({ t, key: 'vrid 1', priority, intervalMs: 1000 });

describe('state sequence read off a host adverts', () => {
  it('a host is MASTER from its first advert and leaves on priority 0 or on falling silent', () => {
    const states = wireStates([advert(0, 100), advert(1000, 100), advert(2000, 0), advert(5000, 100), advert(6000, 100)], 20_000);
    expect(states.map((s) => [s.t, s.value])).toEqual([
      [0, 'master'],
      [2000, 'resigned'],
      [5000, 'master'],
      [6000, 'silent'],
    ]);
  });

  it('one lost advert is not a state change, and an open master period at the end of the window stays open', () => {
    const states = wireStates([advert(0, 100), advert(2000, 100), advert(3000, 100)], 4500);
    expect(states.map((s) => s.value)).toEqual(['master']);
  });
});

describe('pairing adverts by time', () => {
  it('an extra advert in the middle is reported alone instead of shifting every later pair', () => {
    const tv = (t: number, value: number) => ({ t, key: 'k', value });
    const pairs = pairByTime([tv(0, 1), tv(1000, 1), tv(2000, 1)], [tv(2, 1), tv(500, 9), tv(1003, 1), tv(2001, 1)], 500);
    expect(pairs.map((p) => [p.recorded?.t, p.driven?.t])).toEqual([
      [0, 2],
      [undefined, 500],
      [1000, 1003],
      [2000, 2001],
    ]);
  });
});

describe('the conformance driver and SIGKILL', () => {
  it('a reload in the events takes the new configuration at once (its adverts carry the new priority), and a start after a stop reads it too', () => {
    const before = config({ instances: [instance({ priority: 150, initialState: 'MASTER' })] });
    const after = config({ instances: [instance({ priority: 120, initialState: 'MASTER' })] });
    const sent = drive({
      config: before,
      address: '10.0.0.1',
      received: [],
      lifecycle: [{ t: 0, action: 'start' }, { t: 6000, action: 'reload', config: after }, { t: 9000, action: 'stop' }, { t: 12_000, action: 'start' }],
      startLatencyMs: 0,
      scriptModel: () => 0,
      until: 20_000,
    }).sent;
    const live = sent.filter((advert) => advert.priority !== 0);
    expect(live.filter((advert) => advert.t < 6000).every((advert) => advert.priority === 150)).toBe(true);
    expect(live.filter((advert) => advert.t >= 6000 && advert.t < 9000).map((advert) => advert.priority)).toContain(120);
    expect(live.filter((advert) => advert.t > 6000).every((advert) => advert.priority === 120 || advert.t === 6000)).toBe(true);
    expect(live.filter((advert) => advert.t >= 12_000).length).toBeGreaterThan(0);
    expect(live.filter((advert) => advert.t >= 12_000).every((advert) => advert.priority === 120)).toBe(true);
  });

  it('a killed host stops advertising at once, without the priority-0 resignation a SIGTERM sends', () => {
    const host = config({ instances: [instance({ priority: 150, initialState: 'MASTER' })] });
    const run = (action: 'stop' | 'kill') =>
      drive({
        config: host,
        address: '10.0.0.1',
        received: [],
        lifecycle: [{ t: 0, action: 'start' }, { t: 5500, action }],
        startLatencyMs: 0,
        scriptModel: () => 0,
        until: 10_000,
      }).sent;
    const stopped = run('stop');
    const killed = run('kill');
    expect(stopped.at(-1)?.priority).toBe(0);
    expect(killed.every((advert) => advert.priority === 150 && advert.t < 5500)).toBe(true);
    expect(killed.length).toBe(stopped.length - 1);
  });
});
