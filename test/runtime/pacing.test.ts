import { describe, expect, it } from 'vitest';
import { PreciseWait, SpawnGate, waitUntil } from '../../src/runtime/pacing.js';

/** A gate on a hand-driven clock; scheduled pumps are kept and run by `turn()`. */
function gateAt(deadline: () => number | undefined) {
  let now = 0;
  const pumps: (() => void)[] = [];
  const gate = new SpawnGate({ clock: () => now, nextDeadline: deadline, schedule: (p) => pumps.push(p), guardMs: 15, maxDeferMs: 250 });
  const turn = async () => {
    const p = pumps.shift();
    p?.();
    await Promise.resolve();
  };
  return { gate, turn, setNow: (t: number) => (now = t), pumps };
}

describe('spawning children away from the advert deadlines', () => {
  it('lets a spawn go at once when the next deadline is far', async () => {
    const { gate, turn } = gateAt(() => 1000);
    let went = false;
    void gate.clear().then(() => (went = true));
    await turn();
    expect(went).toBe(true);
  });

  it('holds a spawn while a deadline is closer than the guard, and lets it go once the deadline has fired', async () => {
    let deadline = 10;
    const { gate, turn } = gateAt(() => deadline);
    let went = false;
    void gate.clear().then(() => (went = true));
    await turn();
    expect(went).toBe(false);
    deadline = 1010; // the timer fired and the engine asked for the next advert
    gate.kick();
    await turn();
    expect(went).toBe(true);
  });

  it('lets one spawn go per loop turn, in order', async () => {
    const { gate, turn } = gateAt(() => undefined);
    const order: number[] = [];
    for (const n of [1, 2, 3]) void gate.clear().then(() => order.push(n));
    await turn();
    expect(order).toEqual([1]);
    await turn();
    await turn();
    expect(order).toEqual([1, 2, 3]);
  });

  it('never holds a spawn longer than the longest deferral, even with deadlines always near', async () => {
    const { gate, turn, setNow } = gateAt(() => 5);
    let went = false;
    void gate.clear().then(() => (went = true));
    await turn();
    expect(went).toBe(false);
    setNow(300);
    gate.kick();
    await turn();
    expect(went).toBe(true);
  });
});

describe('waiting out the last milliseconds before a deadline', () => {
  it('returns at the deadline, not before and not much after', () => {
    const deadline = performance.now() + 3;
    waitUntil(deadline);
    const after = performance.now();
    expect(after).toBeGreaterThanOrEqual(deadline);
    expect(after - deadline).toBeLessThan(2);
  });

  it('learns how late timed waits wake and spins that long before the next deadline, so it lands on time', () => {
    // A fake machine: the clock moves 1 µs per reading, and every timed wait wakes 0.4 ms late.
    let now = 0;
    const clock = () => (now += 0.001);
    const slept: number[] = [];
    const wait = new PreciseWait(clock, (ms) => {
      slept.push(ms);
      now += ms + 0.4;
    }, 0.05);
    wait.until(5);
    expect(now - 5).toBeGreaterThan(0.3); // the first wait overslept: nothing to be done then
    expect(wait.marginMs).toBeGreaterThanOrEqual(0.4);
    wait.until(10);
    expect(now).toBeGreaterThanOrEqual(10);
    expect(now - 10).toBeLessThan(0.01); // woke early enough to spin to the deadline
    expect(slept[1]).toBeLessThan(5 - 0.4);
  });

  it('keeps the spin bounded when one wait wakes very late (a preemption)', () => {
    let now = 0;
    const clock = () => (now += 0.001);
    const wait = new PreciseWait(clock, (ms) => {
      now += ms + 50;
    });
    wait.until(5);
    expect(wait.marginMs).toBeLessThanOrEqual(1);
  });
});
