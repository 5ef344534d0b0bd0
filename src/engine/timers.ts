/**
 * The engine's timers: a time heap with lazy deletion. Each timer source owns a `TimerSlot`;
 * re-arming a slot pushes a new entry and makes older entries for it stale, so re-arming is
 * O(log n) and finding the next deadline is O(1) amortised — what keeps 255 instances per host fast.
 */
import { TimeHeap } from './heap.js';

export interface TimerSlot {
  at: number;
  generation: number;
  fire: () => void;
}

interface Entry {
  at: number;
  seq: number;
  slot: TimerSlot;
  generation: number;
}

export function newSlot(fire: () => void): TimerSlot {
  return { at: Number.POSITIVE_INFINITY, generation: 0, fire };
}

export class TimerHeap {
  private readonly heap = new TimeHeap<Entry>();
  private seq = 0;

  clear(): void {
    this.heap.clear();
  }

  /** Arm (or re-arm, or with Infinity disarm) a slot. */
  set(slot: TimerSlot, at: number): void {
    if (slot.at === at) return;
    slot.at = at;
    slot.generation++;
    if (at === Number.POSITIVE_INFINITY) return;
    this.heap.push({ at, seq: this.seq++, slot, generation: slot.generation });
  }

  /** The earliest live slot, or undefined. */
  peek(): TimerSlot | undefined {
    for (;;) {
      const top = this.heap.peek();
      if (top === undefined) return undefined;
      if (top.generation === top.slot.generation) return top.slot;
      this.heap.pop();
    }
  }
}
