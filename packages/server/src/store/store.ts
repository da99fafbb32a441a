/**
 * The Store: the only code that talks to ClickHouse. Inserts analysed measurements (deduplicated by
 * measurement_uid), lists and looks them up, aggregates from rollups, and exposes `query` for other modules'
 * tables (event detection). `onStored` listeners run after each batch lands.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { type AggregationQuery, type AggregationRow, aggregationSql, ROLLUPS } from './aggregation.ts';
import { UnstorableField } from './columns.ts';

const COUNT_COLUMNS = ['measurement_count', 'anomaly_count', 'confirmed_count', 'failure_count', 'ok_count'];
/** OONI's exclusive counts, as the rollup views compute them. */
const COUNT_EXPRESSIONS = [
  'toInt64(count())',
  'toInt64(countIf(anomaly AND NOT confirmed AND NOT failure))',
  'toInt64(countIf(confirmed AND NOT failure))',
  'toInt64(countIf(failure))',
  'toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure))',
];

import { type InsertLines, openClient, type StoreLocation } from './client.ts';
import { type MeasurementFilter, whereClause } from './filters.ts';
import { addObservationColumns, migrate } from './migrate.ts';
import { observationColumnsOf } from './observation-columns.ts';
import {
  type AnalyzedMeasurement,
  jsonLines,
  type MeasurementRow,
  RAW_LINES_SETTINGS,
  rawLines,
  SUMMARY_FIELDS,
  toRows,
} from './rows.ts';

export interface Logger {
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export interface StoreOptions {
  location: StoreLocation;
  log?: Logger;
  /** Default time limit of a read query, seconds (ClickHouse max_execution_time). */
  queryTimeoutS?: number;
}

/** One listed measurement (the columns of the list endpoint). */
export interface MeasurementSummary {
  measurement_uid: string;
  report_id: string;
  input: string;
  domain: string;
  category_code: string;
  probe_cc: string;
  probe_asn: number;
  probe_network_name: string;
  test_name: string;
  measurement_start_time: string;
  anomaly: boolean;
  confirmed: boolean;
  failure: boolean;
  outcome: string;
  blocking_type: string;
  accessible: boolean | null;
  fingerprints: string[];
  explanation: string;
  ooni_blocking: string;
  ooni_accessible: boolean | null;
  ooni_anomaly: boolean | null;
  ooni_confirmed: boolean | null;
  ooni_failure: boolean | null;
  source: string;
}

export interface MeasurementDetail {
  row: MeasurementSummary | null;
  raw: string;
  verdict: unknown;
  ooni: unknown;
  /** the test's observation columns (observation-columns.ts), by the experiment's names; {} for a test with none */
  observations: Record<string, unknown>;
}

/** What `onStored` listeners get: the batch that landed (duplicates already removed). */
export interface StoredBatch {
  items: AnalyzedMeasurement[];
  rows: MeasurementRow[];
}
export type StoredListener = (batch: StoredBatch) => unknown;

/** A batch with measurements no column can take (records that bypassed the door): nothing of it was written. */
export class UnstorableMeasurements extends BlockwatchError {
  readonly items: { uid: string; problem: string }[];
  constructor(items: { uid: string; problem: string }[]) {
    const first = items[0]!;
    const more = items.length > 1 ? ` (and ${items.length - 1} more)` : '';
    super('BW_ERR_INVALID_INPUT', `measurement ${first.uid} cannot be stored: ${first.problem}${more}`);
    this.items = items;
  }
}

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

export interface QueryOptions {
  timeoutS?: number;
}

export interface Store {
  readonly client: ClickHouseClient;
  readonly cluster: string | undefined;
  insert(batch: AnalyzedMeasurement[]): Promise<InsertResult>;
  list(filter: MeasurementFilter, page: { limit: number; offset: number }): Promise<MeasurementSummary[]>;
  count(filter: MeasurementFilter): Promise<number>;
  get(uid: string): Promise<MeasurementDetail | null>;
  delete(uid: string): Promise<boolean>;
  aggregate(q: AggregationQuery): Promise<{ rows: AggregationRow[]; source: string }>;
  /** Runs a read query with bound parameters (`{name:Type}`) and returns its rows. */
  query<T = Record<string, unknown>>(
    sql: string,
    params?: Record<string, unknown>,
    options?: QueryOptions,
  ): Promise<T[]>;
  /** Runs a statement (DDL, INSERT … SELECT) with bound parameters. */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  /** Inserts rows into a table (JSONEachRow). */
  insertRows(table: string, rows: Record<string, unknown>[]): Promise<void>;
  /** Inserts rows already written as JSONEachRow lines (`rows.ts`: jsonLines, rawLines), the insert's fast path. */
  insertLines: InsertLines;
  onStored(listener: StoredListener): () => void;
  /**
   * Removes what a failed insert may have left of these measurements (an analytics row without its raw row,
   * and its rollup counts), before they go to quarantine: a measurement is then stored or quarantined, not both.
   */
  discardPartial(uids: string[]): Promise<void>;
  close(): Promise<void>;
}

export const SUMMARY_COLUMNS = SUMMARY_FIELDS.join(', ');

export async function openStore(options: StoreOptions): Promise<Store> {
  const log = options.log ?? silentLogger;
  const { client, insertLines } = await openClient(options.location);
  const cluster = 'cluster' in options.location ? options.location.cluster : undefined;
  try {
    await migrate(client, { cluster });
    await addObservationColumns(client, cluster);
  } catch (err) {
    await client.close();
    throw err;
  }
  const defaultTimeoutS = options.queryTimeoutS ?? 30;
  const listeners = new Set<StoredListener>();
  // After a crash (or a failed insert) the last batch may be half written: the first insert of a process and
  // the one after a failure also check the analytics table, not only measurement_raw, and then recount the
  // rollups of the (country, day) groups the batch touches, since a cut insert can leave the table and its
  // views out of step in either direction.
  let mayHavePartialBatch = true;
  const on = cluster ? ` ON CLUSTER ${cluster}` : '';
  const local = cluster ? '_local' : '';

  /**
   * Recounts the rollups of the (country, day) groups of `rows` from the measurements table, for each rollup
   * whose counts there differ from the table's (reads first: the rewrite is a delete and an insert per table).
   */
  async function recountRollups(rows: Pick<MeasurementRow, 'probe_cc' | 'measurement_start_time'>[]): Promise<void> {
    const ccs = [...new Set(rows.map((r) => r.probe_cc))];
    const days = [...new Set(rows.map((r) => r.measurement_start_time.slice(0, 10)))];
    const where = 'probe_cc IN {ccs:Array(String)} AND test_day IN {days:Array(Date)}';
    const countsOf = async (sql: string) =>
      new Map(
        (await query<{ g: string; n: string | number }>(sql, { ccs, days })).map((r) => [r.g, Number(r.n)] as const),
      );
    const group = "concat(probe_cc, ' ', toString(test_day)) AS g";
    const truth = await countsOf(`SELECT ${group}, count() AS n FROM measurements WHERE ${where} GROUP BY g`);
    for (const { table, dimensions } of ROLLUPS) {
      const counted = await countsOf(
        `SELECT ${group}, sum(measurement_count) AS n FROM ${table} WHERE ${where} GROUP BY g HAVING n != 0`,
      );
      const inStep = counted.size === truth.size && [...truth].every(([g, n]) => counted.get(g) === n);
      if (inStep) continue;
      const keys = ['probe_cc', 'test_day', ...dimensions.filter((d) => d !== 'probe_cc')];
      const named = table === 'rollup_daily' || table === 'rollup_network_daily';
      const columns = [...keys, ...(named ? ['probe_network_name'] : []), ...COUNT_COLUMNS];
      const values = [...keys, ...(named ? ['any(probe_network_name)'] : []), ...COUNT_EXPRESSIONS];
      await store.command(`DELETE FROM ${table}${local}${on} WHERE ${where}`, { ccs, days });
      await store.command(
        `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${values.join(', ')} FROM measurements WHERE ${where} GROUP BY ${keys.join(', ')}`,
        { ccs, days },
      );
    }
  }

  async function query<T>(sql: string, params: Record<string, unknown> = {}, opts: QueryOptions = {}): Promise<T[]> {
    try {
      const result = await client.query({
        query: sql,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: { max_execution_time: opts.timeoutS ?? defaultTimeoutS },
      });
      return await result.json<T>();
    } catch (err) {
      throw new BlockwatchError('BW_ERR_STORE', `query failed: ${(err as Error).message}`, { cause: err });
    }
  }

  /** The observation columns of one stored measurement, read back from the analytics row. */
  async function observationsOf(uid: string, row: MeasurementSummary): Promise<Record<string, unknown>> {
    const columns = observationColumnsOf(row.test_name);
    if (columns.length === 0) return {};
    const [values] = await query<Record<string, unknown>>(
      `SELECT ${columns.map((c) => `${c.column} AS ${c.name}`).join(', ')} FROM measurements
       WHERE probe_cc = {cc:String} AND test_day = toDate({t:DateTime}) AND measurement_uid = {uid:String} LIMIT 1`,
      { uid, cc: row.probe_cc, t: row.measurement_start_time },
    );
    return values ?? {};
  }

  async function existing(table: string, uids: string[], ccs?: string[]): Promise<Set<string>> {
    if (uids.length === 0) return new Set();
    const narrow = ccs ? ' AND probe_cc IN {ccs:Array(String)}' : '';
    const rows = await query<{ measurement_uid: string }>(
      `SELECT DISTINCT measurement_uid FROM ${table} WHERE measurement_uid IN {uids:Array(String)}${narrow}`,
      { uids, ccs },
    );
    return new Set(rows.map((r) => r.measurement_uid));
  }

  const store: Store = {
    client,
    cluster,

    async insert(batch) {
      const unique = new Map<string, AnalyzedMeasurement>();
      for (const item of batch) if (!unique.has(item.uid)) unique.set(item.uid, item);
      const complete = await existing('measurement_raw', [...unique.keys()]);
      const fresh = [...unique.values()].filter((item) => !complete.has(item.uid));
      const now = Date.now();
      const rows: ReturnType<typeof toRows>[] = [];
      const unstorable: { uid: string; problem: string }[] = [];
      for (const item of fresh) {
        try {
          rows.push(toRows(item, now));
        } catch (err) {
          if (!(err instanceof UnstorableField)) throw err;
          unstorable.push({ uid: item.uid, problem: err.message });
        }
      }
      if (unstorable.length) throw new UnstorableMeasurements(unstorable);
      let analyticsDone = new Set<string>();
      if (mayHavePartialBatch && rows.length) {
        const ccs = [...new Set(rows.map((r) => r.row.probe_cc))];
        analyticsDone = await existing(
          'measurements',
          fresh.map((item) => item.uid),
          ccs,
        );
      }
      try {
        const analytics = rows.filter((r) => !analyticsDone.has(r.row.measurement_uid));
        // The analytics row (and its rollup) first, the raw row last: a uid in measurement_raw means complete.
        if (analytics.length) await insertLines('measurements', jsonLines(analytics.map((r) => r.row)));
        if (rows.length && mayHavePartialBatch) await recountRollups(rows.map((r) => r.row));
        if (rows.length) {
          await insertLines('measurement_raw', rawLines(rows.map((r) => r.raw)), RAW_LINES_SETTINGS);
        }
      } catch (err) {
        mayHavePartialBatch = true;
        throw new BlockwatchError('BW_ERR_STORE', `insert failed: ${(err as Error).message}`, { cause: err });
      }
      mayHavePartialBatch = false;
      if (fresh.length) {
        const stored: StoredBatch = { items: fresh, rows: rows.map((r) => r.row) };
        for (const listener of listeners) {
          try {
            await listener(stored);
          } catch (err) {
            log.error({ err }, 'an onStored listener failed');
          }
        }
      }
      return { inserted: fresh.length, duplicates: batch.length - fresh.length };
    },

    async list(filter, page) {
      const where = whereClause(filter);
      return query<MeasurementSummary>(
        `SELECT ${SUMMARY_COLUMNS} FROM measurements ${where.sql}
         ORDER BY measurement_start_time DESC, measurement_uid DESC LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
        { ...where.params, limit: page.limit, offset: page.offset },
      );
    },

    async count(filter) {
      const where = whereClause(filter);
      const [row] = await query<{ n: number }>(`SELECT count() AS n FROM measurements ${where.sql}`, where.params);
      return row?.n ?? 0;
    },

    async get(uid) {
      const [raw] = await query<{
        raw: string;
        verdict: string;
        ooni: string;
        summary: string;
        probe_cc: string;
        t: string;
      }>(
        `SELECT raw, verdict, ooni, summary, probe_cc, toString(measurement_start_time) AS t FROM measurement_raw
         WHERE measurement_uid = {uid:String} LIMIT 1`,
        { uid },
      );
      if (!raw) return null;
      // Rows written before migration 003 have no summary: read it from the analytics table then.
      const [row] = raw.summary
        ? [JSON.parse(raw.summary) as MeasurementSummary]
        : await query<MeasurementSummary>(
            `SELECT ${SUMMARY_COLUMNS} FROM measurements
         WHERE probe_cc = {cc:String} AND test_day = toDate({t:DateTime}) AND measurement_uid = {uid:String} LIMIT 1`,
            { uid, cc: raw.probe_cc, t: raw.t },
          );
      return {
        row: row ?? null,
        raw: raw.raw,
        verdict: raw.verdict ? JSON.parse(raw.verdict) : null,
        ooni: raw.ooni ? JSON.parse(raw.ooni) : null,
        observations: row ? await observationsOf(uid, row) : {},
      };
    },

    async delete(uid) {
      const detail = await store.get(uid);
      if (!detail) return false;
      const r = detail.row;
      if (r) {
        // Cancel the measurement's contribution to every rollup (SummingMergeTree adds the negative row).
        const flags = { anomaly: r.anomaly && !r.confirmed && !r.failure, confirmed: r.confirmed && !r.failure };
        const negative: Record<string, unknown> = {
          probe_cc: r.probe_cc,
          test_day: r.measurement_start_time.slice(0, 10),
          probe_asn: r.probe_asn,
          test_name: r.test_name,
          domain: r.domain,
          category_code: r.category_code,
          blocking_type: r.blocking_type,
          probe_network_name: r.probe_network_name,
          measurement_count: -1,
          anomaly_count: flags.anomaly ? -1 : 0,
          confirmed_count: flags.confirmed ? -1 : 0,
          failure_count: r.failure ? -1 : 0,
          ok_count: !r.anomaly && !r.confirmed && !r.failure ? -1 : 0,
        };
        for (const { table, dimensions } of ROLLUPS) {
          const keep = new Set<string>([
            ...dimensions,
            'test_day',
            ...Object.keys(negative).filter((k) => k.endsWith('_count')),
          ]);
          if (table === 'rollup_daily' || table === 'rollup_network_daily') keep.add('probe_network_name');
          await store.insertRows(table, [Object.fromEntries(Object.entries(negative).filter(([k]) => keep.has(k)))]);
        }
      }
      await store.command(`DELETE FROM measurements${local}${on} WHERE measurement_uid = {uid:String}`, { uid });
      await store.command(`DELETE FROM measurement_raw${local}${on} WHERE measurement_uid = {uid:String}`, { uid });
      return true;
    },

    async aggregate(q) {
      const { sql, params, source } = aggregationSql(q);
      return { rows: await query<AggregationRow>(sql, params), source };
    },

    query,

    async command(sql, params = {}) {
      try {
        await client.command({ query: sql, query_params: params });
      } catch (err) {
        throw new BlockwatchError('BW_ERR_STORE', `statement failed: ${(err as Error).message}`, { cause: err });
      }
    },

    async insertRows(table, rows) {
      if (rows.length === 0) return;
      try {
        await client.insert({ table, values: rows, format: 'JSONEachRow' });
      } catch (err) {
        throw new BlockwatchError('BW_ERR_STORE', `insert into ${table} failed: ${(err as Error).message}`, {
          cause: err,
        });
      }
    },

    insertLines,

    async discardPartial(uids) {
      if (uids.length === 0) return;
      const complete = await existing('measurement_raw', uids);
      const partial = uids.filter((uid) => !complete.has(uid));
      if (partial.length === 0) return;
      const rows = await query<MeasurementRow>(
        `SELECT probe_cc, toString(measurement_start_time) AS measurement_start_time FROM measurements
         WHERE measurement_uid IN {uids:Array(String)}`,
        { uids: partial },
      );
      if (rows.length === 0) return;
      await store.command(`DELETE FROM measurements${local}${on} WHERE measurement_uid IN {uids:Array(String)}`, {
        uids: partial,
      });
      await recountRollups(rows);
    },

    onStored(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      listeners.clear();
      await client.close();
    },
  };
  return store;
}
