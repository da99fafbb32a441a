/**
 * Persistence of event detection in the store (tables of migration 100): detector state, events and evidence,
 * and the queries the API and CLI run over them. Versioned rows in ReplacingMergeTree tables: every write inserts,
 * reads use FINAL, so an update is one insert and a crash leaves the previous version intact.
 */
import { InvalidArgumentError } from 'blockwatch/errors.ts';
import type { Store } from '../store/store.ts';
import type { DetectorSnapshot } from './detector.ts';
import type { ObservationRow } from './observation.ts';
import { observationFromRow, TIMINGS_SQL } from './observation.ts';
import { EVENT_TEST_NAMES, serviceNameOf, URL_TEST } from './subject.ts';
import type { NetworkBaseline } from './throttling.ts';
import type { BlockingEvent, DetectorChanges, EvidenceRow, Observation, SeriesState } from './types.ts';

let lastVersion = 0;
/** Strictly increasing across calls in this process (ms × 1000 + a counter). */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}

export async function saveChanges(
  store: Store,
  changes: DetectorChanges & { baselines?: NetworkBaseline[] },
): Promise<void> {
  const version = nextVersion();
  await store.insertRows(
    'event_evidence',
    changes.evidence.map((e) => ({
      event_id: e.eventId,
      probe_asn: e.asn,
      measurement_uid: e.measurementId,
      time_ms: e.timeMs,
      role: e.role,
    })),
  );
  await store.insertRows(
    'events',
    changes.events.map((e) => eventRow(e, version)),
  );
  await store.insertRows(
    'event_series',
    changes.series.map((s) => ({ series_key: s.key, probe_cc: s.cc, state: JSON.stringify(s), version })),
  );
  await store.insertRows(
    'event_baselines',
    (changes.baselines ?? []).map((b) => ({ network_key: b.key, state: JSON.stringify(b.samples), version })),
  );
}

function eventRow(e: BlockingEvent, version: number) {
  return {
    event_id: e.id,
    probe_cc: e.cc,
    input: e.input,
    domain: e.domain,
    status: e.status,
    methods: e.methods,
    asns: [...new Set(e.networks.map((n) => n.asn))].sort((a, b) => a - b),
    onset_ms: e.onset.after.timeMs,
    end_ms: e.end?.after.timeMs ?? null,
    detected_ms: e.detectedAtMs,
    updated_ms: e.updatedAtMs,
    confidence: e.confidence,
    doc: JSON.stringify(e),
    version,
  };
}

/** Everything the detector needs to resume where it stopped. */
export async function loadSnapshot(store: Store): Promise<DetectorSnapshot> {
  const series = await store.query<{ state: string }>('SELECT state FROM event_series FINAL', {}, { timeoutS: 300 });
  const open = await store.query<{ doc: string }>(
    "SELECT doc FROM events FINAL WHERE status = 'open'",
    {},
    { timeoutS: 300 },
  );
  const baselines = await store.query<{ network_key: string; state: string }>(
    'SELECT network_key, state FROM event_baselines FINAL',
  );
  return {
    series: series.map((r) => JSON.parse(r.state) as SeriesState),
    openEvents: open.map((r) => JSON.parse(r.doc) as BlockingEvent),
    baselines: baselines.map((r) => ({ key: r.network_key, samples: JSON.parse(r.state) })),
  };
}

const PROGRESS = 'measurements';

/** The `inserted_at` of the last stored measurement the detector has processed, or null. */
export async function loadProgress(store: Store): Promise<string | null> {
  const [row] = await store.query<{ at: string }>(
    'SELECT toString(inserted_at) AS at FROM event_progress FINAL WHERE name = {name:String}',
    { name: PROGRESS },
  );
  return row?.at ?? null;
}

export async function saveProgress(store: Store, insertedAt: string): Promise<void> {
  await store.insertRows('event_progress', [{ name: PROGRESS, inserted_at: insertedAt, version: nextVersion() }]);
}

/** The newest `inserted_at` in the measurements table, or null when it is empty. */
export async function latestInsertedAt(store: Store): Promise<string | null> {
  const [row] = await store.query<{ at: string; n: number }>(
    'SELECT toString(max(inserted_at)) AS at, count() AS n FROM measurements',
  );
  return row && Number(row.n) > 0 ? row.at : null;
}

/** Empties the detector's tables (before a rebuild). */
export async function clearEvents(store: Store): Promise<void> {
  const on = store.cluster ? ` ON CLUSTER ${store.cluster}` : '';
  const local = store.cluster ? '_local' : '';
  for (const table of ['event_series', 'event_baselines', 'events', 'event_evidence', 'event_progress']) {
    await store.command(`TRUNCATE TABLE IF EXISTS ${table}${local}${on}`);
  }
}

/**
 * Stored measurements in time order, as observations, a page at a time. Pages are runs of whole days (the
 * analytics table is partitioned by month and ordered by country then day, so a day range prunes well); the
 * timings of a page come from `measurement_raw` by uid (its primary key), never from a join over the whole table.
 */
export async function* readObservations(
  store: Store,
  options: {
    pageSize?: number;
    probeCc?: string;
    /** Only measurements stored after this `inserted_at` ("YYYY-MM-DD HH:MM:SS.mmm", UTC)… */
    insertedAfter?: string | null;
    /** …and up to this one. */
    insertedUpTo?: string | null;
  } = {},
): AsyncGenerator<Observation[]> {
  const pageSize = options.pageSize ?? 20_000;
  const filters: string[] = [];
  const ccParam: Record<string, string> = {};
  if (options.probeCc) {
    filters.push('AND probe_cc = {cc:String}');
    ccParam.cc = options.probeCc;
  }
  if (options.insertedAfter) {
    filters.push("AND inserted_at > {after:DateTime64(3, 'UTC')}");
    ccParam.after = options.insertedAfter;
  }
  if (options.insertedUpTo) {
    filters.push("AND inserted_at <= {upto:DateTime64(3, 'UTC')}");
    ccParam.upto = options.insertedUpTo;
  }
  const ccFilter = filters.join(' ');
  // Every test that feeds events (subject.ts); the page sizes count the same rows the pages read.
  const tests = { tests: EVENT_TEST_NAMES };
  const days = await store.query<{ day: string; n: number }>(
    `SELECT toString(test_day) AS day, count() AS n FROM measurements
     WHERE test_name IN {tests:Array(String)} ${ccFilter} GROUP BY test_day ORDER BY test_day`,
    { ...tests, ...ccParam },
    { timeoutS: 600 },
  );
  let i = 0;
  while (i < days.length) {
    // Gather whole days up to the page size (a single bigger day is one page).
    const first = days[i].day;
    let rowsInPage = 0;
    let last = first;
    while (i < days.length && (rowsInPage === 0 || rowsInPage + Number(days[i].n) <= pageSize)) {
      rowsInPage += Number(days[i].n);
      last = days[i].day;
      i++;
    }
    const rows = await store.query<Omit<ObservationRow, 'tls_handshake_ms' | 'throughput_kbps'>>(
      `SELECT measurement_uid, test_name, toString(measurement_start_time) AS measurement_start_time, probe_cc,
              probe_asn, input, domain, outcome, blocking_methods, confirmed, strength
       FROM measurements FINAL
       WHERE test_day BETWEEN {first:Date} AND {last:Date} AND test_name IN {tests:Array(String)} ${ccFilter}
       ORDER BY measurement_start_time, measurement_uid`,
      { first, last, ...tests, ...ccParam },
      { timeoutS: 600 },
    );
    // Only URL observations carry timings (observation.ts).
    const timed = rows.filter((r) => r.test_name === URL_TEST);
    const timings = new Map<string, { tls_handshake_ms: number | null; throughput_kbps: number | null }>();
    for (let k = 0; k < timed.length; k += 5000) {
      const uids = timed.slice(k, k + 5000).map((r) => r.measurement_uid);
      const found = await store.query<{
        measurement_uid: string;
        tls_handshake_ms: number | null;
        throughput_kbps: number | null;
      }>(
        `SELECT measurement_uid, ${TIMINGS_SQL} FROM measurement_raw AS r WHERE measurement_uid IN {uids:Array(String)}`,
        { uids },
        { timeoutS: 600 },
      );
      for (const f of found) timings.set(f.measurement_uid, f);
    }
    yield rows
      .map((r) =>
        observationFromRow({
          ...r,
          ...(timings.get(r.measurement_uid) ?? { tls_handshake_ms: null, throughput_kbps: null }),
        }),
      )
      .filter((o): o is Observation => o !== null);
  }
}

export interface EventFilter {
  probe_cc?: string;
  probe_asn?: number;
  domain?: string;
  input?: string;
  method?: string;
  /** Events active at or after this time (epoch ms). */
  sinceMs?: number;
  /** Events that began before this time (epoch ms). */
  untilMs?: number;
  status?: 'open' | 'closed';
}

function eventWhere(filter: EventFilter): { sql: string; params: Record<string, unknown> } {
  const clauses: string[] = [];
  const params: Record<string, unknown> = {};
  if (filter.probe_cc) {
    clauses.push('probe_cc = {cc:String}');
    params.cc = filter.probe_cc;
  }
  if (filter.probe_asn !== undefined) {
    clauses.push('has(asns, {asn:UInt32})');
    params.asn = filter.probe_asn;
  }
  if (filter.domain) {
    clauses.push('domain = {domain:String}');
    params.domain = filter.domain;
  }
  if (filter.input) {
    clauses.push('input = {input:String}');
    params.input = filter.input;
  }
  if (filter.method) {
    clauses.push('has(methods, {method:String})');
    params.method = filter.method;
  }
  if (filter.sinceMs !== undefined) {
    clauses.push('(end_ms IS NULL OR end_ms >= {since:Int64})');
    params.since = filter.sinceMs;
  }
  if (filter.untilMs !== undefined) {
    clauses.push('onset_ms < {until:Int64}');
    params.until = filter.untilMs;
  }
  if (filter.status) {
    clauses.push('status = {status:String}');
    params.status = filter.status;
  }
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

export async function listEvents(
  store: Store,
  filter: EventFilter,
  page: { limit: number; offset: number },
  orderBy: 'onset' | 'updated' = 'onset',
): Promise<{ events: BlockingEvent[]; total: number }> {
  if (!(Number.isInteger(page.limit) && page.limit >= 1 && page.limit <= 1000)) {
    throw new InvalidArgumentError(`limit must be an integer between 1 and 1000, got ${page.limit}`);
  }
  const where = eventWhere(filter);
  const rows = await store.query<{ doc: string }>(
    `SELECT doc FROM events FINAL ${where.sql} ORDER BY ${orderBy === 'updated' ? 'updated_ms' : 'onset_ms'} DESC, event_id LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
    { ...where.params, limit: page.limit, offset: page.offset },
  );
  const [count] = await store.query<{ n: number }>(`SELECT count() AS n FROM events FINAL ${where.sql}`, where.params);
  return { events: rows.map((r) => JSON.parse(r.doc) as BlockingEvent), total: Number(count?.n ?? 0) };
}

export async function getEvent(
  store: Store,
  id: string,
): Promise<{ event: BlockingEvent; evidence: EvidenceRow[] } | null> {
  const [row] = await store.query<{ doc: string }>(
    'SELECT doc FROM events FINAL WHERE event_id = {id:String} LIMIT 1',
    {
      id,
    },
  );
  if (!row) return null;
  const evidence = await store.query<{ probe_asn: number; measurement_uid: string; time_ms: number; role: string }>(
    `SELECT DISTINCT probe_asn, measurement_uid, time_ms, role FROM event_evidence
     WHERE event_id = {id:String} ORDER BY time_ms, measurement_uid`,
    { id },
  );
  return {
    event: JSON.parse(row.doc) as BlockingEvent,
    evidence: evidence.map((e) => ({
      eventId: id,
      asn: e.probe_asn,
      measurementId: e.measurement_uid,
      timeMs: Number(e.time_ms),
      role: e.role as EvidenceRow['role'],
    })),
  };
}

/**
 * Verdicts of one URL (or every URL of a domain, or one service) in one country, oldest first: the raw material of
 * a history. A service's measurements have no input: its subject (the test name) selects them by test_name.
 */
export async function readTargetObservations(
  store: Store,
  target: { cc: string; input?: string; domain?: string },
  limit = 100_000,
): Promise<Observation[]> {
  const service = target.input !== undefined && serviceNameOf(target.input) !== null;
  const by = service
    ? 'test_name = {target:String}'
    : `${target.input ? 'input' : 'domain'} = {target:String} AND test_name = '${URL_TEST}'`;
  const rows = await store.query<ObservationRow>(
    `SELECT measurement_uid, test_name, toString(measurement_start_time) AS measurement_start_time, probe_cc,
            probe_asn, input, domain, outcome, blocking_methods, confirmed, strength,
            NULL AS tls_handshake_ms, NULL AS throughput_kbps
     FROM measurements FINAL
     WHERE probe_cc = {cc:String} AND ${by}
     ORDER BY measurement_start_time, measurement_uid LIMIT {limit:UInt32}`,
    { cc: target.cc, target: target.input ?? target.domain ?? '', limit },
  );
  return rows.map(observationFromRow).filter((o): o is Observation => o !== null);
}
