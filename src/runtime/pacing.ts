/**
 * Keeping the advert timer precise on a single-threaded event loop.
 *
 * Measured (bench/runtime.ts, 30 s at advert_int 1): with children spawned straight from the
 * timer path, the advert that coincided with the delayed GARP burst (garp_master_delay 5 s) left
 * 21 ms late — five `arping` spawns (GARPs were child processes then) cost the loop ~4 ms each
 * (fork of a large process), and the GARP deadline falls a hair before the advert's. Two fixes:
 *  - `SpawnGate`: every child process (tracked scripts, notify) waits for a gap of at least
 *    `guardMs` before the engine's next deadline, one spawn per loop turn; a job never waits
 *    longer than `maxDeferMs` (a host whose deadlines never leave such a gap still makes progress).
 *  - `waitUntil`: setTimeout has millisecond granularity and may fire early or late by about
 *    1 ms; the runtime arms it a little early and waits out the last few ms here, blocking
 *    (Atomics.wait) and then spinning for a margin learnt from how late such waits wake.
 */

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Waits out the last few ms before a deadline: a timed wait (Atomics.wait: blocks, no CPU) up to
 * a margin before it, then a spin. A timed wait wakes late by the kernel's timer slack plus the
 * time to get a CPU back (measured in the lab: 0.1-0.2 ms, enough to put a takeover advert
 * behind keepalived's), so the margin follows how late the waits here have woken: it rises at
 * once and decays slowly, and it is bounded so a single preemption cannot make us spin for long.
 */
export class PreciseWait {
  /** How late a timed wait woke, as estimated from the recent ones (ms). */
  private lateness: number;

  constructor(
    private readonly clock: () => number = () => performance.now(),
    /** Blocks for about `ms` (tests pass a fake). */
    private readonly sleep: (ms: number) => void = (ms) => Atomics.wait(sleeper, 0, 0, ms),
    initialLatenessMs = 0.2,
    private readonly maxMarginMs = 1,
  ) {
    this.lateness = initialLatenessMs;
  }

  /** The spin before each deadline (ms). */
  get marginMs(): number {
    return Math.min(this.maxMarginMs, this.lateness + SPIN_FLOOR_MS);
  }

  /** Blocks until the clock reaches `deadline` (callers keep the wait to a few ms). */
  until(deadline: number): void {
    const margin = this.marginMs;
    const asked = deadline - this.clock() - margin;
    if (asked > 0) {
      const start = this.clock();
      this.sleep(asked);
      const late = Math.min(this.maxMarginMs, Math.max(0, this.clock() - start - asked));
      this.lateness = late > this.lateness ? late : this.lateness * 0.9 + late * 0.1;
    }
    while (deadline - this.clock() > 0) {
      /* spin */
    }
  }
}

/** The least spin: a timed wait may also wake a little early. */
const SPIN_FLOOR_MS = 0.03;

const shared = new PreciseWait();
/** Blocks until `performance.now()` reaches `deadline`, with a margin shared by the process. */
export function waitUntil(deadline: number): void {
  shared.until(deadline);
}

export interface SpawnGateOptions {
  clock: () => number;
  /** The engine's next deadline (ms, same clock), or undefined when nothing is scheduled. */
  nextDeadline: () => number | undefined;
  /** Schedules `pump` for the next loop turn (setImmediate in the runtime). */
  schedule: (pump: () => void) => void;
  guardMs?: number;
  maxDeferMs?: number;
}

export const SPAWN_GUARD_MS = 15;
export const SPAWN_MAX_DEFER_MS = 250;

/** A queue of jobs that must not run just before a deadline: `clear()` resolves when one may. */
export class SpawnGate {
  private waiting: { since: number; go: () => void }[] = [];
  private scheduled = false;
  private readonly guardMs: number;
  private readonly maxDeferMs: number;

  constructor(private readonly options: SpawnGateOptions) {
    this.guardMs = options.guardMs ?? SPAWN_GUARD_MS;
    this.maxDeferMs = options.maxDeferMs ?? SPAWN_MAX_DEFER_MS;
  }

  get pending(): number {
    return this.waiting.length;
  }

  /** Resolves when a spawn may start (in order of asking). */
  clear(): Promise<void> {
    return new Promise((go) => {
      this.waiting.push({ since: this.options.clock(), go });
      this.kick();
    });
  }

  /** Call after the deadline changed or fired: lets waiting jobs run if there is room now. */
  kick(): void {
    if (this.scheduled || this.waiting.length === 0) return;
    this.scheduled = true;
    this.options.schedule(() => this.pump());
  }

  /** Lets one job go if the next deadline is far enough (or it waited too long), then re-kicks. */
  pump(): void {
    this.scheduled = false;
    const first = this.waiting[0];
    if (!first) return;
    const now = this.options.clock();
    const deadline = this.options.nextDeadline();
    const roomy = deadline === undefined || deadline - now >= this.guardMs;
    if (!roomy && now - first.since < this.maxDeferMs) {
      // The timer path kicks again after the deadline fires; also retry when the wait expires.
      return;
    }
    this.waiting.shift();
    first.go();
    // One spawn per turn: the job starts in this turn's microtasks, the next check comes after.
    this.kick();
  }
}
