/**
 * The engine's timers: each timer source owns a `TimerSlot`, and the slot itself sits in a time
 * heap while armed. Re-arming moves it there in O(log n) and allocates nothing; finding the next
 * deadline is O(1) — what keeps 255 instances per host fast.
 */
import { TimeHeap, type Timed } from './heap.js';

export interface TimerSlot extends Timed {
  fire: () => void;
}

export function newSlot(fire: () => void): TimerSlot {
  return { at: Number.POSITIVE_INFINITY, seq: 0, heapIndex: -1, fire };
}

export class TimerHeap {
  private readonly heap = new TimeHeap<TimerSlot>();
  private seq = 0;

  clear(): void {
    this.heap.clear();
  }

  /** Arm (or re-arm, or with Infinity disarm) a slot. Slots due at the same time fire in the order they were armed. */
  set(slot: TimerSlot, at: number): void {
    if (slot.at === at) return;
    slot.at = at;
    if (at === Number.POSITIVE_INFINITY) {
      this.heap.remove(slot);
      return;
    }
    slot.seq = this.seq++;
    this.heap.update(slot);
  }

  /** The earliest armed slot, or undefined. */
  peek(): TimerSlot | undefined {
    return this.heap.peek();
  }
}
