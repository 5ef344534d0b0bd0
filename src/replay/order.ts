/**
 * Puts the analyzer's records into timeline order while the capture is still being read: the
 * order `replayCapture` gives by sorting everything at the end (a stable sort on `recordTime`,
 * summaries last), without holding every record until then.
 *
 * Records wait here until the analyzer's horizon passes their time; then they are handed on,
 * sorted. A record that arrives with a time before one already handed on (a capture whose
 * timestamps go backwards) cannot be put in its place any more: `inOrder` turns false, and from
 * then on records are still each handed on once, sorted among those waiting with them. A caller
 * that has not yet written anything out can fall back to sorting everything.
 */
import { recordTime, type ReplayRecord } from './records.js';

export class RecordOrder {
  /** Waiting records and their times, sorted by time (ties in arrival order), from index `head` on. */
  private records: ReplayRecord[] = [];
  private times: number[] = [];
  private head = 0;
  /** Records from this index on arrived since the last release and may be out of order. */
  private sortedUpTo = 0;
  private lastReleased = Number.NEGATIVE_INFINITY;
  inOrder = true;

  constructor(private readonly onRecord: (record: ReplayRecord) => void) {}

  add(records: readonly ReplayRecord[]): void {
    for (const r of records) {
      const t = recordTime(r);
      // NaN fails too: such a time has no place in a sorted timeline.
      if (!(t >= this.lastReleased)) this.inOrder = false;
      this.records.push(r);
      this.times.push(t);
    }
  }

  /** Hands on, in order, every waiting record with a time at or before `horizon`. */
  release(horizon: number): void {
    this.sortArrived();
    const { records, times } = this;
    let i = this.head;
    // `end()` hands on every record, even one whose time has no place (NaN).
    const all = horizon === Number.POSITIVE_INFINITY;
    for (; i < records.length && (all || times[i] <= horizon); i++) {
      if (times[i] > this.lastReleased) this.lastReleased = times[i];
      this.onRecord(records[i]);
    }
    if (i === records.length) {
      this.records = [];
      this.times = [];
      i = 0;
    } else if (i > 1024 && i > records.length / 2) {
      // Released records are cut off the front only once they are the larger part.
      this.records = records.slice(i);
      this.times = times.slice(i);
      i = 0;
    }
    this.head = i;
    this.sortedUpTo = this.records.length;
  }

  /** Hands on everything still waiting. */
  end(): void {
    this.release(Number.POSITIVE_INFINITY);
  }

  /**
   * Insertion sort of the arrivals into the sorted waiting records: they mostly come in time
   * order, or a little behind (a master period's record is about its start), so each moves a
   * few places at most. Stable: a record never passes one with the same time.
   */
  private sortArrived(): void {
    const { records, times } = this;
    for (let i = Math.max(this.sortedUpTo, this.head + 1); i < records.length; i++) {
      const t = times[i];
      if (!(t < times[i - 1])) continue;
      const r = records[i];
      let j = i - 1;
      while (j >= this.head && times[j] > t) {
        times[j + 1] = times[j];
        records[j + 1] = records[j];
        j--;
      }
      times[j + 1] = t;
      records[j + 1] = r;
    }
    this.sortedUpTo = records.length;
  }
}
