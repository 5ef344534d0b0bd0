/**
 * Runs `work` over `items` with at most `jobs` at once (lab runs: each has namespaces of its own),
 * answers in the items' order; `onDone` after each, with how many are done.
 */
export async function inParallel<T, R>(items: readonly T[], jobs: number, work: (item: T, index: number) => Promise<R>, onDone?: (result: R, done: number) => void): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const result = await work(items[index] as T, index);
      results[index] = result;
      onDone?.(result, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, () => worker()));
  return results;
}
