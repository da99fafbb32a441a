/**
 * Rate limits per resolver, per server and per network. Every packet a remote run sends takes a turn for each key it
 * concerns ("resolver:IP", "network:AS9198"); a turn is the earliest time at which every key's interval has passed
 * since its last turn. Slots are reserved synchronously, so concurrent tasks never share one, and a turn is never
 * granted sooner than the interval after the key's last actual grant (timers fire late).
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface PaceKey {
  key: string;
  intervalMs: number;
}

export interface Pacer {
  /** waits for a turn; resolves with the time (ms) of the turn */
  turn(keys: PaceKey[], signal?: AbortSignal): Promise<number>;
}

export function createPacer(
  clock: { now: () => number; sleep: (ms: number, signal?: AbortSignal) => Promise<unknown> } = {
    now: Date.now,
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
  },
): Pacer {
  const next = new Map<string, number>();
  const granted = new Map<string, number>();
  return {
    async turn(keys, signal) {
      const now = clock.now();
      const at = Math.max(now, ...keys.map((k) => next.get(k.key) ?? 0));
      for (const k of keys) next.set(k.key, at + k.intervalMs);
      if (at > now) await clock.sleep(at - now, signal);
      // Timers fire late, and a late turn must not leave the next one too close: never grant a key sooner than
      // its interval after the last grant actually made.
      for (;;) {
        const t = clock.now();
        const wait = Math.max(
          0,
          ...keys.map((k) => (granted.get(k.key) ?? Number.NEGATIVE_INFINITY) + k.intervalMs - t),
        );
        if (wait <= 0) break;
        await clock.sleep(wait, signal);
      }
      const t = clock.now();
      for (const k of keys) {
        granted.set(k.key, t);
        next.set(k.key, Math.max(next.get(k.key) ?? 0, t + k.intervalMs));
      }
      return t;
    },
  };
}
