/**
 * The trace: one clock and one id counter per measurement. Every record a primitive returns takes its `t0`/`t`
 * (seconds since the measurement started) and `transaction_id` from the trace it was given, so records from
 * different primitives line up on one timeline. A trace is never shared between measurements.
 */
import { performance } from 'node:perf_hooks';

export interface Trace {
  /** the clock reading (ms) that `now()` counts from */
  readonly zeroMs: number;
  /** seconds since zero */
  now(): number;
  /** a fresh transaction id (1, 2, 3, … unless `firstId` says otherwise) */
  nextId(): number;
}

export function createTrace(opts: { nowMs?: () => number; firstId?: number } = {}): Trace {
  const nowMs = opts.nowMs ?? (() => performance.now());
  const zeroMs = nowMs();
  let id = opts.firstId ?? 1;
  return {
    zeroMs,
    now: () => (nowMs() - zeroMs) / 1000,
    nextId: () => id++,
  };
}
