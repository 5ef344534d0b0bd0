/**
 * The engine's timers: a min-heap with lazy deletion. Each timer source owns a `TimerSlot`;
 * re-arming a slot pushes a new entry and makes older entries for it stale, so re-arming is
 * O(log n) and finding the next deadline is O(1) amortised — what keeps 255 instances per host fast.
 */
export interface TimerSlot {
  at: number;
  generation: number;
  fire: () => void;
}

interface Entry {
  at: number;
  slot: TimerSlot;
  generation: number;
  seq: number;
}

export function newSlot(fire: () => void): TimerSlot {
  return { at: Number.POSITIVE_INFINITY, generation: 0, fire };
}

export class TimerHeap {
  private heap: Entry[] = [];
  private seq = 0;

  clear(): void {
    this.heap = [];
  }

  /** Arm (or re-arm, or with Infinity disarm) a slot. */
  set(slot: TimerSlot, at: number): void {
    if (slot.at === at) return;
    slot.at = at;
    slot.generation++;
    if (at === Number.POSITIVE_INFINITY) return;
    this.push({ at, slot, generation: slot.generation, seq: this.seq++ });
  }

  /** The earliest live slot, or undefined. */
  peek(): TimerSlot | undefined {
    for (;;) {
      const top = this.heap[0];
      if (top === undefined) return undefined;
      if (top.generation === top.slot.generation) return top.slot;
      this.pop();
    }
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const up = heap[parent] as Entry;
      if (before(up, entry)) break;
      heap[index] = up;
      index = parent;
    }
    heap[index] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right] as Entry, heap[left] as Entry) ? right : left;
      if (before(last, heap[child] as Entry)) break;
      heap[index] = heap[child] as Entry;
      index = child;
    }
    heap[index] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
