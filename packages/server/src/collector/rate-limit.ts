/**
 * Per-client token buckets. The key is a salted hash of the client address; the salt is random per process
 * and the table lives only in memory, so no address is ever written anywhere.
 */
import { createHash, randomBytes } from 'node:crypto';

export interface RateLimitOptions {
  /** Sustained requests per second per client. */
  perSecond: number;
  /** Requests a client may make at once after being idle. */
  burst: number;
  /** Injected clock (tests). */
  nowMs?: () => number;
}

export interface RateLimiter {
  /** Takes one token; returns 0 when allowed, else the seconds to wait. */
  take(address: string): number;
  readonly clients: number;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const salt = randomBytes(16);
  const nowMs = options.nowMs ?? Date.now;
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  let lastSweepMs = nowMs();
  const fullAfterMs = (options.burst / options.perSecond) * 1000;

  return {
    take(address) {
      const now = nowMs();
      if (now - lastSweepMs > 60_000) {
        // Buckets that have refilled carry no information: drop them to bound memory.
        for (const [key, b] of buckets) if (now - b.atMs >= fullAfterMs) buckets.delete(key);
        lastSweepMs = now;
      }
      const key = createHash('sha256').update(salt).update(address).digest('base64');
      const bucket = buckets.get(key) ?? { tokens: options.burst, atMs: now };
      bucket.tokens = Math.min(options.burst, bucket.tokens + ((now - bucket.atMs) / 1000) * options.perSecond);
      bucket.atMs = now;
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.ceil((1 - bucket.tokens) / options.perSecond);
    },
    get clients() {
      return buckets.size;
    },
  };
}
