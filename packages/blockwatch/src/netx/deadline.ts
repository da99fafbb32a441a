/**
 * Deadlines: every primitive bounds its own time, because the kernel does not (a dropped SYN waits ~127 s, a
 * stalled read ~15 min, undici's header timeout is 300 s). A deadline is an AbortSignal that fires with a
 * `DeadlineError` when our timer expires, or with an `InterruptedError` when the caller's signal aborts, so the
 * abort reason classifies as `generic_timeout_error` or `interrupted`.
 */
import { DeadlineError, InterruptedError } from './classify.ts';

export interface Deadline {
  readonly signal: AbortSignal;
  /** clears the timer and the link to the parent signal; call it in `finally` */
  dispose(): void;
}

export function createDeadline(timeoutMs: number, what: string, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(new InterruptedError({ cause: parent?.reason }));
  const timer = setTimeout(() => controller.abort(new DeadlineError(what)), timeoutMs);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener('abort', onParentAbort, { once: true });
  return {
    signal: controller.signal,
    dispose() {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParentAbort);
    },
  };
}

/** Resolves or rejects with `promise`, or rejects with the signal's reason once it aborts (the work is not undone). */
export function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {}); // the loser's late rejection must not become an unhandled rejection
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
