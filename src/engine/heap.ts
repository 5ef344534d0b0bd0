/**
 * A binary min-heap ordered by time, ties in insertion order: the one priority queue behind the
 * engine's timers and the simulator's event queue, so both stay deterministic.
 *
 * Each item knows its place in the heap (`heapIndex`), so an item can be moved or taken out where
 * it is: a timer re-armed thousands of times is one item, not one per re-arm.
 */
export interface Timed {
  at: number;
  seq: number;
  /** The item's index in the heap, -1 while it is in none (kept by the heap). */
  heapIndex: number;
}

export class TimeHeap<T extends Timed> {
  private items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items = [];
  }

  /** Add an item that is in no heap. */
  push(item: T): void {
    this.items.push(item);
    this.siftUp(item, this.items.length - 1);
  }

  pop(): T | undefined {
    const top = this.items[0];
    if (top !== undefined) this.removeAt(0);
    return top;
  }

  /** Take an item out wherever it is (nothing when it is in no heap). */
  remove(item: T): void {
    if (item.heapIndex >= 0) this.removeAt(item.heapIndex);
  }

  /** Put an item whose `at` or `seq` changed in its place again (or add it when it is in no heap). */
  update(item: T): void {
    if (item.heapIndex < 0) {
      this.push(item);
      return;
    }
    const index = item.heapIndex;
    const parent = (index - 1) >> 1;
    if (index > 0 && before(item, this.items[parent] as T)) this.siftUp(item, index);
    else this.siftDown(item, index);
  }

  private removeAt(index: number): void {
    const items = this.items;
    const removed = items[index] as T;
    removed.heapIndex = -1;
    const last = items.pop() as T;
    if (last === removed) return;
    // The last item fills the hole and moves up or down from there.
    const parent = (index - 1) >> 1;
    if (index > 0 && before(last, items[parent] as T)) this.siftUp(last, index);
    else this.siftDown(last, index);
  }

  private siftUp(item: T, from: number): void {
    const items = this.items;
    let index = from;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const up = items[parent] as T;
      if (before(up, item)) break;
      items[index] = up;
      up.heapIndex = index;
      index = parent;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  private siftDown(item: T, from: number): void {
    const items = this.items;
    let index = from;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && before(items[right] as T, items[left] as T) ? right : left;
      const down = items[child] as T;
      if (before(item, down)) break;
      items[index] = down;
      down.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}

function before(a: Timed, b: Timed): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
