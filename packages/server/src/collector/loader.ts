/**
 * The loader: moves the spool into the store in batches. Each batch is analysed (our verdict), inserted
 * (deduplicated by uid), and only then is the spool position committed; after a crash the uncommitted tail
 * is simply loaded again and the store's uid check drops what had already landed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measurement } from 'blockwatch/model';
import type { Analyzer } from '../analysis/analyzer.ts';
import type { AnalyzedMeasurement } from '../store/rows.ts';
import type { Logger, Store } from '../store/store.ts';
import { comparePositions, type Spool, type SpoolPosition, type SpoolRecord } from './spool.ts';

export interface LoaderOptions {
  spool: Spool;
  store: Store;
  analyzer: Analyzer;
  log: Logger;
  /** Bytes of spool per batch (about a thousand 15 KB measurements): each insert has a fixed cost in the engine. */
  batchBytes?: number;
}

export interface Loader {
  /** Measurements stored (new, not duplicates) since start. */
  readonly loaded: number;
  /** Resolves once everything durable at call time is in the store. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

/** `measurementJson`: the measurement as JSON when already at hand (the raw column reuses it). */
export function toAnalyzed(record: SpoolRecord, analyzer: Analyzer, measurementJson?: string): AnalyzedMeasurement {
  const measurement = record.m as Measurement<Record<string, unknown>>;
  const input = typeof measurement.input === 'string' ? measurement.input : '';
  return {
    uid: record.uid,
    measurement,
    verdict: analyzer.analyze(measurement),
    ...(record.ooni ? { ooni: record.ooni } : {}),
    categoryCode: analyzer.categoryOf(input, String(measurement.probe_cc ?? '')),
    source: record.src,
    ...(measurementJson === undefined ? {} : { measurementJson }),
  };
}

export function startLoader(options: LoaderOptions): Loader {
  const { spool, store, analyzer, log } = options;
  const batchBytes = options.batchBytes ?? 16 * 1024 * 1024;
  let position: SpoolPosition = spool.committed();
  let loaded = 0;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;
  const waiters: { target: SpoolPosition; resolve: () => void }[] = [];

  const settleWaiters = () => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (comparePositions(position, waiters[i]!.target) >= 0) {
        waiters[i]!.resolve();
        waiters.splice(i, 1);
      }
    }
  };

  async function insertWithRetry(items: AnalyzedMeasurement[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await store.insert(items);
        loaded += result.inserted;
        return;
      } catch (err) {
        // The spool keeps the data: wait and retry rather than skip (the store may be restarting).
        if (stopped) throw err;
        const waitMs = Math.min(30_000, 250 * 2 ** attempt);
        log.error({ err, waitMs }, 'loading the spool into the store failed; retrying');
        await sleep(waitMs);
      }
    }
  }

  async function drain(): Promise<void> {
    // Pipelined: the next batch is read and analysed (JS) while the previous one is inserted (the engine's
    // threads). Inserts and commits stay strictly in order, one at a time; only the position read ahead.
    let readAt = position;
    let inFlight: Promise<void> | null = null;
    try {
      while (!stopped) {
        // Records this process appended come from memory, already parsed; the file only after a restart.
        const fresh = spool.takeFresh(readAt, batchBytes);
        const { lines, next } = fresh
          ? { lines: fresh.records, next: fresh.next }
          : await spool.read(readAt, batchBytes);
        if (lines.length === 0) {
          if (comparePositions(next, readAt) === 0) break;
          readAt = next;
          if (inFlight) await inFlight;
          inFlight = null;
          position = next;
          await spool.commit(position);
          continue;
        }
        const items: AnalyzedMeasurement[] = [];
        let sliceStart = performance.now();
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i];
          if (!line) continue;
          // Analysis is CPU work on the event loop: yield every ~10 ms so API requests are not held up.
          if (performance.now() - sliceStart > 10) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
          try {
            items.push(
              typeof line === 'string'
                ? toAnalyzed(JSON.parse(line) as SpoolRecord, analyzer)
                : toAnalyzed(line, analyzer, fresh?.measurementJson[i]),
            );
          } catch (err) {
            log.error({ err, segment: readAt.segment }, 'skipping an unreadable spool record');
          }
        }
        readAt = next;
        if (inFlight) await inFlight;
        inFlight = (async () => {
          await insertWithRetry(items);
          position = next;
          await spool.commit(position);
          settleWaiters();
        })();
        // Its failure is seen where it is awaited; until then it must not count as unhandled.
        inFlight.catch(() => {});
      }
    } finally {
      if (inFlight) await inFlight;
      settleWaiters();
    }
  }

  const wake = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await drain();
        } catch (err) {
          log.error({ err }, 'the spool loader stopped on an error');
          await sleep(1000);
          again = !stopped;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = null;
    });
  };

  const unsubscribe = spool.onDurable(wake);
  wake();

  return {
    get loaded() {
      return loaded;
    },
    idle() {
      const target = spool.durableEnd();
      if (comparePositions(position, target) >= 0) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push({ target, resolve });
        wake();
      });
    },
    async stop() {
      unsubscribe();
      stopped = true;
      while (running) await running;
      for (const w of waiters.splice(0)) w.resolve();
    },
  };
}
