/**
 * The simulator's event queue: timed events, ties handled in the order they were queued
 * (deterministic runs). Events are plain values the driver interprets, not closures, and the
 * queue's entries are reused: a run of a virtual minute queues hundreds of events and allocates
 * only the events themselves.
 */
import { TimeHeap, type Timed } from '../engine/heap.js';

/** Added to a standing entry's sequence number, so that it sorts after the other entries of its instant. */
const LATE = 2 ** 51;

export interface QueueEntry<E> extends Timed {
  /** Undefined while the entry is spare. */
  event: E | undefined;
  /** A standing entry (see `standing()`) is moved, never reused for another event. */
  readonly standing: boolean;
}

export class EventQueue<E> {
  private readonly heap = new TimeHeap<QueueEntry<E>>();
  /** Entries popped and free for the next push. */
  private readonly spare: QueueEntry<E>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  push(at: number, event: E): void {
    const entry = this.spare.pop();
    if (entry === undefined) {
      this.heap.push({ at, seq: this.seq++, heapIndex: -1, event, standing: false });
      return;
    }
    entry.at = at;
    entry.seq = this.seq++;
    entry.event = event;
    this.heap.push(entry);
  }

  /** An entry for one recurring event (a host's next timer), queued with `reschedule`. */
  standing(event: E): QueueEntry<E> {
    return { at: Number.POSITIVE_INFINITY, seq: 0, heapIndex: -1, event, standing: true };
  }

  /** Queue a standing entry at `at` (counted as queued now), or with Infinity take it out. */
  reschedule(entry: QueueEntry<E>, at: number): void {
    entry.at = at;
    if (at === Number.POSITIVE_INFINITY) {
      this.heap.remove(entry);
      return;
    }
    // A standing entry (a host's timer) comes after every other event of the same instant: a packet
    // that arrives as the timer falls due is read first, as keepalived's scheduler does.
    entry.seq = LATE + this.seq++;
    this.heap.update(entry);
  }

  peekTime(): number | undefined {
    return this.heap.peek()?.at;
  }

  /** The earliest event (its time is the `peekTime()` before the call). */
  pop(): E | undefined {
    const entry = this.heap.pop();
    if (entry === undefined) return undefined;
    const { event } = entry;
    if (!entry.standing) {
      entry.event = undefined;
      this.spare.push(entry);
    }
    return event;
  }
}
