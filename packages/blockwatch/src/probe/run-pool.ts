/**
 * Runs tasks with at most `concurrency` in flight, in input order of starting; results are reported as they
 * finish. Stops starting new tasks once `signal` is aborted (the ones in flight finish on their own deadlines).
 */
export async function runPool<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
  onResult: (result: R, item: T, index: number) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const index = next++;
      const result = await task(items[index], index);
      await onResult(result, items[index], index);
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return done;
}
