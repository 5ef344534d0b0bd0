/** The simulator's event queue: timed callbacks, ties run in insertion order (deterministic runs). */
import { TimeHeap } from '../engine/heap.js';

interface Entry {
  at: number;
  seq: number;
  run: () => void;
}

export class EventQueue {
  private readonly heap = new TimeHeap<Entry>();
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  push(at: number, run: () => void): void {
    this.heap.push({ at, seq: this.seq++, run });
  }

  peekTime(): number | undefined {
    return this.heap.peek()?.at;
  }

  pop(): Entry | undefined {
    return this.heap.pop();
  }
}
