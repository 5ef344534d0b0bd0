/**
 * Comparing what the engine did with what a recorded host did, one stream per key (a VRID for
 * adverts, an instance for state changes). Two streams "match" when they hold the same values
 * in the same order; the i-th recorded item is paired with the i-th driven one, and the pair's
 * time difference is its timing error.
 */

export interface TimedValue<V> {
  t: number;
  key: string;
  value: V;
}

export interface StreamComparison<V> {
  key: string;
  recorded: number;
  driven: number;
  /** Leading pairs with equal values (everything, when the streams match). */
  matched: number;
  /** The first differing pair, when the streams differ. */
  firstDifference?: { index: number; recorded?: TimedValue<V>; driven?: TimedValue<V> };
  /** Largest |driven.t - recorded.t| over the matched pairs, ms. */
  maxErrorMs: number;
  meanErrorMs: number;
  /** Signed errors of the matched pairs (driven - recorded), ms. */
  errorsMs: number[];
}

export interface Comparison<V> {
  streams: StreamComparison<V>[];
  matched: number;
  total: number;
  maxErrorMs: number;
  /** True when every stream matches in full. */
  equal: boolean;
}

export function compareStreams<V>(recorded: TimedValue<V>[], driven: TimedValue<V>[]): Comparison<V> {
  const keys = [...new Set([...recorded, ...driven].map((item) => item.key))].sort();
  const streams = keys.map((key) => compareStream(key, recorded.filter((item) => item.key === key), driven.filter((item) => item.key === key)));
  return {
    streams,
    matched: streams.reduce((sum, stream) => sum + stream.matched, 0),
    total: streams.reduce((sum, stream) => sum + Math.max(stream.recorded, stream.driven), 0),
    maxErrorMs: Math.max(0, ...streams.map((stream) => stream.maxErrorMs)),
    equal: streams.every((stream) => stream.firstDifference === undefined),
  };
}

function compareStream<V>(key: string, recorded: TimedValue<V>[], driven: TimedValue<V>[]): StreamComparison<V> {
  const errorsMs: number[] = [];
  let index = 0;
  while (index < recorded.length && index < driven.length && recorded[index]!.value === driven[index]!.value) {
    errorsMs.push(driven[index]!.t - recorded[index]!.t);
    index++;
  }
  const differs = index < recorded.length || index < driven.length;
  const abs = errorsMs.map(Math.abs);
  return {
    key,
    recorded: recorded.length,
    driven: driven.length,
    matched: index,
    firstDifference: differs ? { index, recorded: recorded[index], driven: driven[index] } : undefined,
    maxErrorMs: Math.max(0, ...abs),
    meanErrorMs: abs.length === 0 ? 0 : abs.reduce((a, b) => a + b, 0) / abs.length,
    errorsMs,
  };
}

/**
 * Pairing by time, for adverts: walking both streams in time order, a recorded and a driven item
 * closer than `windowMs` are paired (whatever their values), anything else is left unpaired.
 * Unlike compareStreams, one missing or extra item does not shift every later pair, so each
 * difference can be reported on its own, at its own time.
 */
export interface TimePair<V> {
  recorded?: TimedValue<V>;
  driven?: TimedValue<V>;
}

export function pairByTime<V>(recorded: TimedValue<V>[], driven: TimedValue<V>[], windowMs: number): TimePair<V>[] {
  const pairs: TimePair<V>[] = [];
  let i = 0;
  let j = 0;
  while (i < recorded.length || j < driven.length) {
    const r = recorded[i];
    const d = driven[j];
    if (r !== undefined && d !== undefined && Math.abs(d.t - r.t) < windowMs) {
      pairs.push({ recorded: r, driven: d });
      i++;
      j++;
    } else if (r !== undefined && (d === undefined || r.t < d.t)) {
      pairs.push({ recorded: r });
      i++;
    } else {
      pairs.push({ driven: d });
      j++;
    }
  }
  return pairs;
}
