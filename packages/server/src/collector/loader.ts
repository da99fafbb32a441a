/**
 * The loader: moves the spool into the store in batches. Each batch is analysed (our verdict), inserted
 * (deduplicated by uid), and only then is the spool position committed; after a crash the uncommitted tail
 * is simply loaded again and the store's uid check drops what had already landed.
 *
 * It cannot be stopped by a record: one the store refuses (while the store otherwise works) is found by
 * splitting the batch, every other row is stored, and the refused ones go to the quarantine with the error.
 * Only a store that fails as a whole is retried (with backoff). The position moves on after both landed, so
 * an acknowledged measurement is in the store or in quarantine, once, even across a crash mid-split.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measurement } from 'blockwatch/model';
import { type Analyzer, ooniVerdictOf } from '../analysis/analyzer.ts';
import { type QuarantineEntry, quarantine, quarantinedAmong } from '../store/quarantine.ts';
import type { AnalyzedMeasurement } from '../store/rows.ts';
import { type Logger, type Store, UnstorableMeasurements } from '../store/store.ts';
import { comparePositions, measurementJsonOf, type Spool, type SpoolPosition, type SpoolRecord } from './spool.ts';

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
  const ooni = record.ooni ?? ooniVerdictOf(measurement);
  const input = typeof measurement.input === 'string' ? measurement.input : '';
  const { verdict, observations } = analyzer.analyzeObserved(measurement);
  return {
    uid: record.uid,
    measurement,
    verdict,
    observations,
    // what the submitting probe's test keys state (OONI Probe's own verdict), beside ours
    ...(ooni ? { ooni } : {}),
    categoryCode: analyzer.categoryOf(input, String(measurement.probe_cc ?? '')),
    source: record.src,
    ...(measurementJson === undefined ? {} : { measurementJson }),
  };
}

/** The uid a record was acknowledged under (any the collector or an older version made, so not only today's format). */
const isUid = (uid: unknown): uid is string => typeof uid === 'string' && /^[\x21-\x7e]{1,128}$/.test(uid);

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

function entryOf(item: AnalyzedMeasurement, error: string): QuarantineEntry {
  return {
    measurement_uid: item.uid,
    raw: item.measurementJson ?? JSON.stringify(item.measurement),
    error,
    source: item.source,
  };
}

/**
 * A spool line (or a record from memory) made ready for the store, or, if it cannot be (not JSON, not a spool
 * record, the analysis threw), the quarantine entry saying why. Never throws: every record goes somewhere.
 */
export function prepare(
  line: string | SpoolRecord,
  analyzer: Analyzer,
  measurementJson?: string,
): AnalyzedMeasurement | QuarantineEntry {
  let record: SpoolRecord;
  try {
    record = typeof line === 'string' ? (JSON.parse(line) as SpoolRecord) : line;
  } catch (err) {
    const raw = line as string;
    return { measurement_uid: `unreadable-${sha(raw)}`, raw, error: `not JSON: ${(err as Error).message}`, source: '' };
  }
  const shapeProblem =
    record === null || typeof record !== 'object'
      ? 'not a spool record'
      : !isUid(record.uid)
        ? 'uid: not a measurement uid'
        : record.m === null || typeof record.m !== 'object' || Array.isArray(record.m)
          ? 'm: not a measurement object'
          : null;
  if (shapeProblem) {
    const raw = typeof line === 'string' ? line : JSON.stringify(line);
    const uid = isUid(record?.uid) ? record.uid : `unreadable-${sha(raw)}`;
    return { measurement_uid: uid, raw, error: shapeProblem, source: String(record?.src ?? '') };
  }
  // Read back from the file: the measurement's JSON is cut out of the line, not made again.
  if (measurementJson === undefined && typeof line === 'string') measurementJson = measurementJsonOf(line, record);
  try {
    return toAnalyzed(record, analyzer, measurementJson);
  } catch (err) {
    return {
      measurement_uid: record.uid,
      raw: measurementJson ?? JSON.stringify(record.m),
      error: `analysis failed: ${(err as Error).message}`,
      source: String(record.src ?? ''),
    };
  }
}

export function startLoader(options: LoaderOptions): Loader {
  const { spool, store, analyzer, log } = options;
  const batchBytes = options.batchBytes ?? 16 * 1024 * 1024;
  let position: SpoolPosition = spool.committed();
  // Records before this were spooled by an earlier process, which may have crashed while loading them.
  const replayEnd = spool.durableEnd();
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

  /** Waits before retrying a store that failed as a whole (it may be restarting); the spool keeps the data. */
  async function backoff(err: unknown, attempt: number): Promise<void> {
    if (stopped) throw err;
    const waitMs = Math.min(30_000, 250 * 2 ** attempt);
    log.error({ err, waitMs }, 'loading the spool into the store failed; retrying');
    await sleep(waitMs);
  }

  async function storeAnswers(): Promise<boolean> {
    try {
      await store.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Stores `items`; what cannot be stored goes to `bad`. A batch the store refuses while it answers otherwise is
   * split in halves until the refused rows are found (a few inserts per bad row); every other row is stored.
   */
  async function storeOrSplit(items: AnalyzedMeasurement[], bad: QuarantineEntry[], attempt = 0): Promise<void> {
    if (items.length === 0) return;
    try {
      loaded += (await store.insert(items)).inserted;
      return;
    } catch (err) {
      if (err instanceof UnstorableMeasurements) {
        // The store named the rows no column can take, before writing anything: set them aside, store the rest.
        const problems = new Map(err.items.map((i) => [i.uid, i.problem]));
        for (const item of items) {
          const problem = problems.get(item.uid);
          if (problem !== undefined) bad.push(entryOf(item, problem));
        }
        return storeOrSplit(
          items.filter((item) => !problems.has(item.uid)),
          bad,
        );
      }
      if (stopped) throw err;
      if (!(await storeAnswers())) {
        await backoff(err, attempt);
        return storeOrSplit(items, bad, attempt + 1);
      }
      if (items.length === 1) {
        // Once more before quarantining: the failure may have been passing.
        if (attempt === 0) return storeOrSplit(items, bad, 1);
        bad.push(entryOf(items[0]!, (err as Error).message));
        return;
      }
      const middle = items.length >> 1;
      await storeOrSplit(items.slice(0, middle), bad);
      await storeOrSplit(items.slice(middle), bad);
    }
  }

  async function quarantineWithRetry(bad: QuarantineEntry[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        for (const entry of await quarantine(store, bad)) {
          log.error(
            { uid: entry.measurement_uid, error: entry.error },
            'an acknowledged measurement could not be stored: quarantined (blockwatch quarantine list)',
          );
        }
        return;
      } catch (err) {
        await backoff(err, attempt);
      }
    }
  }

  /** One batch: good rows into the store, the rest into quarantine; only then may the position move on. */
  async function load(items: AnalyzedMeasurement[], bad: QuarantineEntry[], replayed: boolean): Promise<void> {
    // A batch replayed after a crash may have been split and partly quarantined already.
    if (replayed && items.length) {
      const done = await withRetry(() =>
        quarantinedAmong(
          store,
          items.map((i) => i.uid),
        ),
      );
      if (done.size) items = items.filter((item) => !done.has(item.uid));
    }
    await storeOrSplit(items, bad);
    if (bad.length) await quarantineWithRetry(bad);
  }

  async function withRetry<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        await backoff(err, attempt);
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
        const bad: QuarantineEntry[] = [];
        let sliceStart = performance.now();
        for (let i = 0; i < lines.length; i++) {
          const line = lines[i];
          if (!line) continue;
          // Analysis is CPU work on the event loop: yield every ~10 ms so API requests are not held up.
          if (performance.now() - sliceStart > 10) {
            await new Promise((resolve) => setImmediate(resolve));
            sliceStart = performance.now();
          }
          const prepared = prepare(line, analyzer, fresh?.measurementJson[i]);
          if ('error' in prepared) bad.push(prepared);
          else items.push(prepared);
        }
        const replayed = comparePositions(readAt, replayEnd) < 0;
        readAt = next;
        if (inFlight) await inFlight;
        inFlight = (async () => {
          await load(items, bad, replayed);
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
