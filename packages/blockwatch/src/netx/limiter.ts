/**
 * A counting semaphore. Used to cap concurrent getaddrinfo calls: each one holds a libuv threadpool thread
 * until libc gives up (seconds, against a silent resolver) and cannot be cancelled, and the same pool runs fs,
 * zlib and crypto work. Without a cap, a burst of lookups against a blocking resolver stalls the whole probe.
 */
export interface Limiter {
  /** waits for a slot (or rejects with the signal's reason); call the returned function exactly once to free it */
  acquire(signal?: AbortSignal): Promise<() => void>;
  readonly active: number;
  readonly waiting: number;
}

export function createLimiter(max: number): Limiter {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    const next = queue.shift();
    if (next) next();
  };
  const grant = (): (() => void) => {
    active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
    };
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (active < max) return Promise.resolve(grant());
      return new Promise((resolve, reject) => {
        const onGrant = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(grant());
        };
        const onAbort = () => {
          const i = queue.indexOf(onGrant);
          if (i >= 0) queue.splice(i, 1);
          reject(signal?.reason);
        };
        queue.push(onGrant);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}
