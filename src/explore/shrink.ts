/**
 * Shrinking a failing schedule: fewest faults first, then each fault as early and as short as
 * it can be while the run still fails with at least one of the kinds it was found with that the
 * plain run (no fault) does not show already. A fault that only adds noise to a failure is
 * dropped, and the failure then joins the one the remaining faults cause; a fault that adds a
 * kind of its own to a cluster that is already broken stays. Deterministic: the same schedule always shrinks to the same result, which is
 * what lets shards be merged.
 */
import type { Runner } from './judge.js';
import type { Schedule } from './plan.js';
import type { Fault } from './space.js';

const SHORTER_MS = [500, 1_000, 2_000, 4_000];

/**
 * `steadyMs`: faults found after the cluster settled are not moved before it settles (into the
 * start-up election), which would make a different, harder to read failure of them.
 */
export function shrink(runner: Runner, schedule: Schedule, kinds: readonly string[], plainKinds: readonly string[], steadyMs: number, moments: readonly number[]): Schedule {
  const own = kinds.filter((kind) => !plainKinds.includes(kind));
  const wanted = new Set(own.length > 0 ? own : kinds);
  const fails = (candidate: Schedule): boolean => runner.run(candidate).verdict.kinds.some((kind) => wanted.has(kind));
  let current = schedule;

  // A startup race that also fails from the plain start is not about the start.
  if (current.start !== undefined) {
    const plain: Schedule = { ...current, start: undefined };
    if (fails(plain)) current = plain;
  }
  // Fewest faults: drop each one that the failure does not need.
  for (let i = current.faults.length - 1; i >= 0; i--) {
    const candidate: Schedule = { ...current, faults: current.faults.filter((_, k) => k !== i) };
    if (fails(candidate)) current = candidate;
  }
  // Earliest, keeping each fault's length.
  for (let i = 0; i < current.faults.length; i++) {
    const fault = current.faults[i];
    if (fault === undefined) continue;
    const earlier = [...new Set([steadyMs, ...moments])].filter((at) => at >= steadyMs && at < fault.at).sort((a, b) => a - b);
    for (const at of earlier) {
      const candidate = withFault(current, i, moveTo(fault, at));
      if (fails(candidate)) {
        current = candidate;
        break;
      }
    }
  }
  // Shortest.
  for (let i = 0; i < current.faults.length; i++) {
    const fault = current.faults[i];
    if (fault === undefined || fault.until === undefined) continue;
    const length = fault.until - fault.at;
    // A stopped keepalived is gone a second after the stop (the simulator starts it no sooner), so
    // a stop shown shorter than that would not say what ran.
    const shortest = fault.do === 'stop' ? 1_000 : 0;
    for (const shorter of SHORTER_MS.filter((ms) => ms < length && ms >= shortest)) {
      const candidate = withFault(current, i, { ...fault, until: fault.at + shorter });
      if (fails(candidate)) {
        current = candidate;
        break;
      }
    }
  }
  return { ...current, faults: [...current.faults].sort((a, b) => a.at - b.at) };
}

function withFault(schedule: Schedule, index: number, fault: Fault): Schedule {
  return { ...schedule, faults: schedule.faults.map((existing, k) => (k === index ? fault : existing)) };
}

function moveTo(fault: Fault, at: number): Fault {
  return fault.until === undefined ? { ...fault, at } : { ...fault, at, until: at + (fault.until - fault.at) };
}

/** Order of preference between two shrunk failures with the same key: fewer faults, earlier, shorter. */
export function simpler(a: Schedule, b: Schedule): number {
  const total = (schedule: Schedule, pick: (fault: Fault) => number) => schedule.faults.reduce((sum, fault) => sum + pick(fault), 0);
  const length = (fault: Fault) => (fault.until ?? 1e12) - fault.at;
  return (
    a.faults.length - b.faults.length ||
    Number(a.start !== undefined) - Number(b.start !== undefined) ||
    total(a, (fault) => fault.at) - total(b, (fault) => fault.at) ||
    total(a, length) - total(b, length)
  );
}
