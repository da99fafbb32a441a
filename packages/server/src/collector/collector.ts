/**
 * The collector service: checks submissions, drops duplicates, appends the rest to the spool (acknowledged
 * once durable) and runs the loader that moves the spool into the store.
 */
import { BlockwatchError } from 'blockwatch/errors.ts';
import type { Analyzer } from '../analysis/analyzer.ts';
import { quarantineCount } from '../store/quarantine.ts';
import type { Logger, Store } from '../store/store.ts';
import { type Loader, startLoader } from './loader.ts';
import { Spool, type SpoolRecord } from './spool.ts';
import { checkMeasurement } from './submission.ts';

export interface CollectorOptions {
  spoolDir: string;
  store: Store;
  analyzer: Analyzer;
  log: Logger;
  /** Most measurements in one batch submission. */
  maxBatch?: number;
}

export interface SubmitResult {
  accepted: number;
  duplicates: number;
  uids: string[];
}

/** A rejected submission: `path` names the offending field ("measurements.3.probe_cc"). */
export class SubmissionError extends BlockwatchError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('BW_ERR_INVALID_INPUT', `${path}: ${message}`);
    this.path = path;
  }
}

export interface Collector {
  readonly spool: Spool;
  readonly loader: Loader;
  readonly maxBatch: number;
  /** Checks every measurement first (one bad one rejects the batch, nothing is stored), then spools them. */
  submit(measurements: unknown[], pathOf?: (index: number) => string): Promise<SubmitResult>;
  /** Stops accepting, loads everything spooled into the store, closes the spool. */
  close(): Promise<void>;
}

/** Remembers recently spooled uids so resubmissions are answered without a store query. */
const RECENT_LIMIT = 500_000;

export async function createCollector(options: CollectorOptions): Promise<Collector> {
  const spool = await Spool.open(options.spoolDir);
  const loader = startLoader({ spool, store: options.store, analyzer: options.analyzer, log: options.log });
  // Said once at start-up; each new entry is logged by the loader when it is quarantined.
  quarantineCount(options.store)
    .then((n) => {
      if (n)
        options.log.warn(
          { quarantined: n },
          `${n} acknowledged measurements are in quarantine (blockwatch quarantine list)`,
        );
    })
    .catch(() => {});
  const maxBatch = options.maxBatch ?? 1000;
  const recent = new Set<string>();
  const remember = (uid: string) => {
    recent.add(uid);
    if (recent.size > RECENT_LIMIT) recent.delete(recent.values().next().value as string);
  };

  return {
    spool,
    loader,
    maxBatch,
    async submit(measurements, pathOf = (i) => `measurements.${i}`) {
      if (measurements.length > maxBatch) {
        throw new SubmissionError('measurements', `at most ${maxBatch} per submission, got ${measurements.length}`);
      }
      // Every measurement is checked before any is spooled: a refused batch keeps nothing.
      const accepted = measurements.map((value, i) => {
        const checked = checkMeasurement(value, pathOf(i));
        if (!checked.ok) throw new SubmissionError(checked.path, checked.message);
        return checked;
      });
      // What this process spooled lately is not spooled again. Whether the rest is already in the store is asked
      // while the rest is being made durable, not before: the acknowledgement waits for the slower of the two,
      // not for both in turn (the engine may be busy with a large insert). A measurement found there has been
      // spooled once more, and `store.insert` drops it; if the store cannot answer, only the count suffers.
      const seen = new Set<string>();
      const fresh: SpoolRecord[] = [];
      // The canonical JSON the uid was hashed from is the stored form: no second serialisation.
      const freshJson: string[] = [];
      let duplicates = 0;
      for (const { uid, measurement, json } of accepted) {
        if (seen.has(uid) || recent.has(uid)) {
          duplicates++;
          continue;
        }
        seen.add(uid);
        fresh.push({ uid, m: measurement, src: 'collector' });
        freshJson.push(json);
      }
      const inStore = fresh.length
        ? options.store
            .query<{ measurement_uid: string }>(
              'SELECT DISTINCT measurement_uid FROM measurement_raw WHERE measurement_uid IN {uids:Array(String)}',
              { uids: fresh.map((record) => record.uid) },
            )
            .then(
              (rows) => rows.length,
              () => 0,
            )
        : Promise.resolve(0);
      await spool.append(fresh, freshJson);
      for (const record of fresh) remember(record.uid);
      duplicates += await inStore;
      return { accepted: measurements.length, duplicates, uids: accepted.map((checked) => checked.uid) };
    },
    async close() {
      await spool.close();
      await loader.idle();
      await loader.stop();
    },
  };
}
