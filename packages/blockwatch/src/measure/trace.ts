/**
 * The trace: one clock, one id counter and one network-event log per measurement. Every record a primitive returns
 * takes its `t0`/`t` (seconds since the measurement started) and `transaction_id` from the trace it was given, so
 * records from different primitives line up on one timeline. A trace is never shared between measurements.
 *
 * Network events (OONI's `network_events`, df-008: `connect`, `read`, `write` with `num_bytes`, `address`,
 * `failure`, `t`) are bounded so that a hostile server streaming tiny chunks cannot grow a measurement: the first
 * `MAX_NETWORK_EVENTS` are kept as they happened; after that, each transaction's successful reads are merged into one
 * event (`num_bytes` summed, `t` of the last read, tag `x_merged_reads`) and one failed operation per transaction is
 * still kept (the stall or reset that ended it). Byte sums per transaction therefore stay exact, and the time of the
 * last byte and the failure that stopped the transfer are never lost.
 */
import { performance } from 'node:perf_hooks';
import type { NetworkEvent } from '../model/index.ts';

/** Events kept verbatim per measurement; enough for the connects, handshake summaries and first body reads. */
export const MAX_NETWORK_EVENTS = 64;

export interface Trace {
  /** the clock reading (ms) that `now()` counts from */
  readonly zeroMs: number;
  /** seconds since zero */
  now(): number;
  /** a fresh transaction id (1, 2, 3, … unless `firstId` says otherwise) */
  nextId(): number;
  /** records one network event (bounded: see above) */
  event(event: NetworkEvent): void;
  /** the events recorded so far, in order */
  networkEvents(): NetworkEvent[];
}

export function createTrace(opts: { nowMs?: () => number; firstId?: number } = {}): Trace {
  const nowMs = opts.nowMs ?? (() => performance.now());
  const zeroMs = nowMs();
  let id = opts.firstId ?? 1;
  const events: NetworkEvent[] = [];
  // past the cap: the merged read and whether a failure was kept, per transaction
  const merged = new Map<number, NetworkEvent>();
  const failed = new Set<number>();
  return {
    zeroMs,
    now: () => (nowMs() - zeroMs) / 1000,
    nextId: () => id++,
    event(e) {
      if (events.length < MAX_NETWORK_EVENTS) {
        events.push(e);
        return;
      }
      const tx = e.transaction_id ?? -1;
      if (e.failure !== null) {
        if (failed.has(tx)) return;
        failed.add(tx);
        events.push(e);
      } else if (e.operation === 'read') {
        const into = merged.get(tx);
        if (into) {
          into.num_bytes = (into.num_bytes ?? 0) + (e.num_bytes ?? 0);
          into.t = e.t;
        } else {
          const first = { ...e, tags: [...(e.tags ?? []), 'x_merged_reads'] };
          merged.set(tx, first);
          events.push(first);
        }
      }
    },
    networkEvents: () => events,
  };
}
