/**
 * The quarantine: acknowledged measurements the store could not take, with the raw JSON, the error and the
 * time. The loader moves a record here instead of retrying it forever (which would stop everything after it)
 * or dropping it (which would make its acknowledgement a lie). Each uid is kept once.
 */
import type { Store } from './store.ts';

export interface QuarantineEntry {
  measurement_uid: string;
  /** The measurement as JSON (or the spool line as read, when it was not JSON). */
  raw: string;
  error: string;
  source: string;
}

export interface QuarantinedMeasurement extends QuarantineEntry {
  quarantined_at: string;
}

/** Adds the entries not already there; returns those it added. */
export async function quarantine(store: Store, entries: QuarantineEntry[]): Promise<QuarantineEntry[]> {
  const unique = new Map(entries.map((e) => [e.measurement_uid, e]));
  if (unique.size === 0) return [];
  const uids = [...unique.keys()];
  const known = await quarantinedAmong(store, uids);
  const fresh = [...unique.values()].filter((e) => !known.has(e.measurement_uid));
  await store.discardPartial(fresh.map((e) => e.measurement_uid));
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  await store.insertRows(
    'quarantine',
    fresh.map((e) => ({ ...e, quarantined_at: now })),
  );
  return fresh;
}

/** Which of `uids` are in quarantine. */
export async function quarantinedAmong(store: Store, uids: string[]): Promise<Set<string>> {
  if (uids.length === 0) return new Set();
  const rows = await store.query<{ measurement_uid: string }>(
    'SELECT DISTINCT measurement_uid FROM quarantine WHERE measurement_uid IN {uids:Array(String)}',
    { uids },
  );
  return new Set(rows.map((r) => r.measurement_uid));
}

export async function quarantineCount(store: Store): Promise<number> {
  const [row] = await store.query<{ n: string | number }>('SELECT uniqExact(measurement_uid) AS n FROM quarantine');
  return Number(row?.n ?? 0);
}

/** Newest first. */
export async function listQuarantine(
  store: Store,
  page: { limit: number; offset: number },
): Promise<QuarantinedMeasurement[]> {
  return store.query<QuarantinedMeasurement>(
    `SELECT measurement_uid, raw, error, source, toString(quarantined_at) AS quarantined_at
     FROM quarantine FINAL ORDER BY quarantined_at DESC, measurement_uid LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
    page,
  );
}
