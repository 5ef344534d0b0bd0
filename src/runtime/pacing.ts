/**
 * Keeping the advert timer precise on a single-threaded event loop.
 *
 * Measured (bench/runtime.ts, 30 s at advert_int 1): with children spawned straight from the
 * timer path, the advert that coincided with the delayed GARP burst (garp_master_delay 5 s) left
 * 21 ms late — five `arping` spawns cost the loop ~4 ms each (fork of a large process), and the
 * GARP deadline falls a hair before the advert's. Two fixes live here:
 *  - `SpawnGate`: every child process (arping, ip, scripts, notify) waits for a gap of at least
 *    `guardMs` before the engine's next deadline, one spawn per loop turn; a job never waits
 *    longer than `maxDeferMs` (a host whose deadlines never leave such a gap still makes progress).
 *  - `waitUntil`: setTimeout has millisecond granularity and may fire early or late by about
 *    1 ms; the runtime arms it a little early and waits out the last few ms here, blocking
 *    without burning CPU (Atomics.wait), to the exact deadline.
 */

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks until `clock()` reaches `deadline` (callers keep the wait to a few ms). */
export function waitUntil(deadline: number, clock: () => number = () => performance.now()): void {
  let remaining = deadline - clock();
  if (remaining > 0.05) Atomics.wait(sleeper, 0, 0, remaining - 0.05);
  // The last tens of microseconds: a short spin (a timed wait may also wake a little early).
  while ((remaining = deadline - clock()) > 0) {
    /* spin */
  }
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
