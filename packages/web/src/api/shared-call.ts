/**
 * One API call that several sections of a page wait on (e.g. the networks list, which the networks table shows
 * and the matrix needs first): made once, so the dependent wave starts as soon as the single response is in
 * rather than after a duplicate request that queues behind the page's other queries. Aborted only when every
 * caller has given up on it.
 */
import type { Loaded } from './types.ts';

export function sharedCall<T>(load: (signal: AbortSignal) => Promise<Loaded<T>>) {
  let pending: { result: Promise<Loaded<T>>; controller: AbortController; waiting: number } | null = null;
  return (signal: AbortSignal): Promise<Loaded<T>> => {
    if (!pending || pending.controller.signal.aborted) {
      const controller = new AbortController();
      pending = { result: load(controller.signal), controller, waiting: 0 };
    }
    const call = pending;
    call.waiting++;
    signal.addEventListener(
      'abort',
      () => {
        if (--call.waiting === 0) call.controller.abort();
      },
      { once: true },
    );
    return call.result;
  };
}
