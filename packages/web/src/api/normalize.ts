/**
 * Turns the server's JSON into the UI's types (`types.ts`). Pure and total: any input gives a value, never throws.
 *
 * Field names follow OONI's API (probe_cc, probe_asn, measurement_uid, …) with a few aliases, because the
 * server grows alongside the UI. ASNs arrive as 12389, "12389" or "AS12389"; booleans as true, 1, "t" or "true".
 */
import type { Measurement, Outcome, Verdict } from 'blockwatch/model';
import type {
  Aggregation,
  AggregationRow,
  CountryRow,
  CoverageDay,
  EventRow,
  EvidenceRef,
  History,
  HistoryNetwork,
  HistoryPoint,
  MeasurementDetail,
  MeasurementPage,
  MeasurementRow,
  NetworkRow,
  OoniVerdict,
  Overview,
  Tables,
} from './types.ts';

type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function obj(value: unknown): Json {
  return isObject(value) ? value : {};
}

function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** First key present (not undefined) among aliases. */
function pick(source: Json, ...keys: string[]): unknown {
  for (const key of keys) if (source[key] !== undefined) return source[key];
  return undefined;
}

export function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 't' || value === 'true' || value === '1') return true;
  if (value === 0 || value === 'f' || value === 'false' || value === '0') return false;
  return null;
}

/** 12389 from 12389, "12389", "AS12389". */
export function asnOf(value: unknown): number | null {
  if (typeof value === 'string') {
    const m = /^(?:AS)?(\d+)$/i.exec(value.trim());
    return m ? Number(m[1]) : null;
  }
  const n = num(value);
  return n !== null && Number.isInteger(n) && n >= 0 ? n : null;
}

export function domainOf(input: string | null): string | null {
  if (!input) return null;
  try {
    return new URL(input).hostname || null;
  } catch {
    return null;
  }
}

const OUTCOMES = new Set<Outcome>(['accessible', 'blocked', 'down', 'unknown']);
function outcome(value: unknown): Outcome | null {
  return typeof value === 'string' && OUTCOMES.has(value as Outcome) ? (value as Outcome) : null;
}

/** Non-empty blocking type; OONI writes `false`, '' or null for "not blocked". */
function blockingType(value: unknown): string | null {
  return typeof value === 'string' && value !== '' && value !== 'false' ? value : null;
}

export function measurementRow(value: unknown): MeasurementRow | null {
  const r = obj(value);
  const verdict = obj(r.verdict);
  const uid = str(pick(r, 'measurement_uid', 'uid'));
  if (!uid) return null;
  const input = str(r.input);
  return {
    uid,
    reportId: str(r.report_id) ?? '',
    input,
    domain: str(r.domain) ?? domainOf(input),
    cc: str(r.probe_cc) ?? '',
    asn: asnOf(r.probe_asn),
    networkName: str(pick(r, 'probe_network_name', 'network_name', 'as_name')),
    testName: str(r.test_name) ?? '',
    startTime: str(pick(r, 'measurement_start_time', 'start_time')) ?? '',
    anomaly: bool(pick(r, 'anomaly')) ?? bool(verdict.anomaly) ?? false,
    confirmed: bool(pick(r, 'confirmed')) ?? bool(verdict.confirmed) ?? false,
    failure: bool(pick(r, 'failure', 'msm_failure')) ?? bool(verdict.failure) ?? false,
    blockingType: blockingType(pick(r, 'blocking_type', 'method')) ?? blockingType(verdict.method),
    outcome: outcome(pick(r, 'outcome')) ?? outcome(verdict.outcome),
    categoryCode: str(r.category_code),
  };
}

export function measurementPage(value: unknown, offset: number, limit: number): MeasurementPage {
  const body = obj(value);
  const meta = obj(body.metadata);
  const rows = arr(pick(body, 'results', 'measurements'))
    .map(measurementRow)
    .filter((r) => r !== null);
  const count = num(meta.count);
  const hasMore = meta.next_url ? true : count !== null ? offset + rows.length < count : rows.length >= limit;
  return { rows, count, offset, limit, hasMore };
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== 'string' || value === '') return value;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

/** The store's flat `ooni_*` columns as an OONI verdict object (only the keys that carry a value). */
function ooniColumns(row: Json): Json {
  const out: Json = {};
  for (const key of ['blocking', 'accessible', 'anomaly', 'confirmed', 'failure']) {
    const value = row[`ooni_${key}`];
    if (value !== undefined && value !== null && value !== '') out[key] = value;
  }
  return out;
}

function looksLikeVerdict(value: unknown): value is Verdict {
  return isObject(value) && typeof value.outcome === 'string' && typeof value.explanation === 'string';
}

export function measurementDetail(value: unknown): MeasurementDetail | null {
  const body = obj(value);
  const rawValue = parseMaybeJson(pick(body, 'raw_measurement', 'raw', 'measurement'));
  const raw = isObject(rawValue) && isObject(rawValue.test_keys) ? (rawValue as unknown as Measurement) : null;
  const meta = { ...(raw ?? {}), ...obj(body.metadata), ...obj(body.row), ...body };
  const row = measurementRow(meta);
  if (!row) return null;
  const verdictValue = parseMaybeJson(pick(body, 'verdict', 'blockwatch_verdict'));
  const testKeys = obj(raw?.test_keys);
  const verdict = looksLikeVerdict(verdictValue)
    ? verdictValue
    : looksLikeVerdict(testKeys.x_blockwatch_verdict)
      ? testKeys.x_blockwatch_verdict
      : null;
  if (verdict) {
    row.outcome ??= verdict.outcome;
    row.blockingType ??= verdict.method;
  }
  const ooniSource = { ...ooniColumns(meta), ...obj(parseMaybeJson(pick(body, 'ooni_verdict', 'ooni'))) };
  const ooni: OoniVerdict | null =
    Object.keys(ooniSource).length > 0 || raw
      ? {
          blocking: (ooniSource.blocking ?? testKeys.blocking ?? null) as OoniVerdict['blocking'],
          accessible: bool(ooniSource.accessible ?? testKeys.accessible),
          anomaly: bool(ooniSource.anomaly),
          confirmed: bool(ooniSource.confirmed),
          failure: bool(ooniSource.failure),
        }
      : null;
  return { row, verdict, ooni, raw };
}

const COUNT_KEYS = new Set(['measurement_count', 'ok_count', 'anomaly_count', 'confirmed_count', 'failure_count']);
/** Derived columns the server may add to aggregation rows; the UI recomputes them from the counts. */
const DERIVED_KEYS = new Set(['blocked_share']);

export function aggregationRow(value: unknown): AggregationRow {
  const r = obj(value);
  const axes: Record<string, string> = {};
  const extra: Record<string, number> = {};
  for (const [key, v] of Object.entries(r)) {
    if (COUNT_KEYS.has(key) || DERIVED_KEYS.has(key)) continue;
    if (key.endsWith('_count') && num(v) !== null) extra[key] = num(v)!;
    else axes[key] = v === null || v === undefined || v === false ? '' : String(v);
  }
  return {
    measurement: num(r.measurement_count) ?? 0,
    ok: num(r.ok_count) ?? 0,
    anomaly: num(r.anomaly_count) ?? 0,
    confirmed: num(r.confirmed_count) ?? 0,
    failure: num(r.failure_count) ?? 0,
    axes,
    extra,
  };
}

export function aggregation(value: unknown, axisX: string | null, axisY: string | null): Aggregation {
  const body = obj(value);
  const result = pick(body, 'result', 'results');
  // OONI returns a single object (not a list) when no axis is given.
  const rows = Array.isArray(result) ? result.map(aggregationRow) : isObject(result) ? [aggregationRow(result)] : [];
  return { rows, axisX, axisY };
}

/**
 * Blocked count and share the same way everywhere in the UI: (anomaly + confirmed) over the measurements that
 * did not fail, computed from OONI's counts when present; a server-given share is the fallback.
 */
function blockedNumbers(r: Json) {
  const measurementCount = num(pick(r, 'measurement_count', 'measurements', 'count')) ?? 0;
  const anomaly = num(r.anomaly_count);
  const confirmed = num(r.confirmed_count);
  const failure = num(r.failure_count) ?? 0;
  const counted = anomaly !== null && confirmed !== null;
  const blockedCount = counted ? anomaly + confirmed : num(pick(r, 'blocked_count', 'blocked'));
  const usableCount = Math.max(0, measurementCount - failure);
  const blockedShare = counted
    ? usableCount > 0
      ? blockedCount! / usableCount
      : null
    : num(pick(r, 'blocked_share', 'blocked_ratio'));
  return { measurementCount, blockedCount, blockedShare, usableCount };
}

export function countryRow(value: unknown): CountryRow | null {
  const r = obj(value);
  const cc = str(pick(r, 'probe_cc', 'cc', 'country', 'alpha_2'));
  if (!cc) return null;
  const { measurementCount, blockedCount, blockedShare, usableCount } = blockedNumbers(r);
  return {
    cc: cc.toUpperCase(),
    measurementCount,
    usableCount,
    networkCount: num(pick(r, 'network_count', 'networks', 'asn_count')),
    blockedCount,
    blockedShare,
  };
}

export function networkRow(value: unknown): NetworkRow | null {
  const r = obj(value);
  const asn = asnOf(pick(r, 'probe_asn', 'asn'));
  if (asn === null) return null;
  const { measurementCount, blockedCount, blockedShare, usableCount } = blockedNumbers(r);
  return {
    asn,
    name: str(pick(r, 'network_name', 'probe_network_name', 'name', 'as_name', 'org')),
    cc: str(pick(r, 'probe_cc', 'cc')),
    measurementCount,
    usableCount,
    blockedCount,
    blockedShare,
  };
}

function listOf<T>(value: unknown, keys: string[], each: (v: unknown) => T | null): T[] {
  const body = isObject(value) ? pick(value, ...keys) : value;
  return arr(body)
    .map(each)
    .filter((v): v is T => v !== null);
}

export function countries(value: unknown): CountryRow[] {
  return listOf(value, ['countries', 'results', 'result'], countryRow);
}

export function networks(value: unknown): NetworkRow[] {
  return listOf(value, ['networks', 'results', 'result'], networkRow);
}

export function coverageDay(value: unknown): CoverageDay | null {
  const r = obj(value);
  const day = str(pick(r, 'day', 'date', 'measurement_start_day'));
  if (!day) return null;
  return { day: day.slice(0, 10), count: num(pick(r, 'measurement_count', 'count', 'measurements')) ?? 0 };
}

export function coverage(value: unknown): CoverageDay[] {
  return listOf(value, ['coverage', 'days', 'results', 'result'], coverageDay);
}

export function overview(value: unknown): Overview {
  const body = obj(value);
  const totals = obj(pick(body, 'totals', 'total'));
  const from = { ...body, ...totals };
  return {
    measurementCount: num(pick(from, 'measurement_count', 'measurements')),
    countryCount: num(pick(from, 'country_count', 'countries_count')) ?? num(from.countries),
    networkCount: num(pick(from, 'network_count', 'networks_count')) ?? num(from.networks),
    blockedCount:
      num(pick(from, 'blocked_count', 'blocked')) ??
      (num(from.anomaly_count) !== null ? num(from.anomaly_count)! + (num(from.confirmed_count) ?? 0) : null),
    countries: listOf(pick(body, 'countries', 'top_countries', 'most_blocking'), [], countryRow),
    coverage: listOf(pick(body, 'coverage', 'coverage_by_day', 'days'), [], coverageDay),
  };
}

/** An ISO time from a string, epoch milliseconds, or a reference object (`{timeMs}`, `{time}`). */
function time(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value > 1e11 ? value : value * 1000);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (isObject(value)) return time(pick(value, 'timeMs', 'time_ms', 'time', 'measurement_start_time'));
  const s = str(value);
  return s && s !== '' ? s : null;
}

/** A measurement id from a string or a reference object (`{id}`, `{measurementId}`). */
function refId(value: unknown): string | null {
  return isObject(value) ? str(pick(value, 'measurement_uid', 'measurementId', 'uid', 'id')) : str(value);
}

function evidenceRefs(values: unknown[]): EvidenceRef[] {
  const seen = new Set<string>();
  const out: EvidenceRef[] = [];
  for (const value of values) {
    const uid = refId(value);
    if (!uid || seen.has(uid)) continue;
    seen.add(uid);
    const r = obj(value);
    out.push({
      uid,
      role: str(r.role),
      asn: asnOf(pick(r, 'probe_asn', 'asn')),
      time: time(pick(r, 'measurement_start_time', 'timeMs', 'time')),
    });
  }
  return out;
}

export function eventRow(value: unknown): EventRow | null {
  const r = obj(value);
  const id = str(pick(r, 'id', 'event_id'));
  if (!id) return null;
  const scope = obj(r.scope);
  const target = obj(r.target);
  const onset = obj(pick(r, 'onset', 'onset_bracket'));
  const end = obj(pick(r, 'end', 'end_bracket'));
  const input = str(pick(r, 'input', 'url')) ?? str(target.input) ?? str(target.url);
  const asnList = pick(r, 'probe_asns', 'asns', 'networks') ?? pick(scope, 'probe_asns', 'asns', 'networks');
  const asns = arr(asnList ?? (r.probe_asn !== undefined ? [r.probe_asn] : []))
    .map((a) => asnOf(isObject(a) ? pick(a, 'asn', 'probe_asn') : a))
    .filter((a): a is number => a !== null);
  const methods = arr(pick(r, 'methods', 'method')).length
    ? arr(pick(r, 'methods', 'method')).map(String)
    : str(r.method)
      ? [str(r.method)!]
      : [];
  return {
    id,
    cc: str(pick(r, 'probe_cc', 'cc')) ?? str(scope.probe_cc) ?? str(scope.cc),
    asns,
    input,
    domain: str(r.domain) ?? str(target.domain) ?? domainOf(input),
    methods,
    status: str(pick(r, 'status', 'state')) ?? (r.open === true ? 'open' : r.open === false ? 'closed' : ''),
    // A bracket: `before` = the last measurement in the old state, `after` = the first one in the new state.
    onsetFrom: time(pick(r, 'onset_from', 'last_accessible_time')) ?? time(pick(onset, 'from', 'before')),
    onsetTo: time(pick(r, 'onset_to', 'first_blocked_time', 'start_time')) ?? time(pick(onset, 'to', 'after')),
    endFrom: time(pick(r, 'end_from', 'last_blocked_time')) ?? time(pick(end, 'from', 'before')),
    endTo: time(pick(r, 'end_to', 'end_time', 'first_accessible_time')) ?? time(pick(end, 'to', 'after')),
    confidence: num(r.confidence),
    summary: str(pick(r, 'summary', 'sentence', 'description')),
    evidence: evidenceRefs(arr(pick(r, 'evidence', 'evidence_uids', 'measurement_uids', 'measurements'))),
  };
}

export function events(value: unknown): EventRow[] {
  return listOf(value, ['events', 'results', 'result'], eventRow);
}

/** A point or a segment of a network's timeline (segments carry their verdict counts and evidence ids). */
function historyPoint(value: unknown): HistoryPoint | null {
  const r = obj(value);
  const t = time(pick(r, 'time', 'day', 'date', 'measurement_start_time', 'ts', 'from', 'fromMs', 'from_ms'));
  if (!t) return null;
  const counted = Object.values(obj(r.counts)).reduce<number>((sum, v) => sum + (num(v) ?? 0), 0);
  return {
    time: t,
    outcome: str(pick(r, 'outcome', 'state', 'status')) ?? 'unknown',
    method: blockingType(pick(r, 'method', 'blocking_type')) ?? blockingType(arr(r.methods)[0]),
    uid: str(pick(r, 'measurement_uid', 'uid')) ?? refId(arr(r.evidence)[0]) ?? refId(r.last) ?? refId(r.first),
    count: num(pick(r, 'count', 'measurement_count')) ?? (counted || 1),
  };
}

export function history(value: unknown): History {
  const body = obj(value);
  const networksValue = arr(pick(body, 'networks', 'timeline', 'timelines', 'results'));
  const networks: HistoryNetwork[] = networksValue.map((n) => {
    const r = obj(n);
    return {
      asn: asnOf(pick(r, 'probe_asn', 'asn')),
      name: str(pick(r, 'network_name', 'name', 'probe_network_name')),
      points: arr(pick(r, 'points', 'segments', 'timeline', 'states', 'measurements'))
        .map(historyPoint)
        .filter((p): p is HistoryPoint => p !== null),
    };
  });
  return { sentence: str(pick(body, 'sentence', 'summary', 'since', 'answer')), networks };
}

type Cell = string | number | boolean | null;
function cell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return JSON.stringify(value);
}

/** Any JSON object as a summary of scalars plus one table per list of objects (for endpoints shown generically). */
export function tables(value: unknown): Tables {
  const body = obj(value);
  const summary: Tables['summary'] = {};
  const out: Tables['tables'] = [];
  const visit = (prefix: string, source: Json) => {
    for (const [key, v] of Object.entries(source)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (Array.isArray(v)) {
        out.push({
          name,
          rows: v.map((row) =>
            isObject(row)
              ? Object.fromEntries(Object.entries(row).map(([k, c]) => [k, cell(c)]))
              : { value: cell(row) },
          ),
        });
      } else if (isObject(v)) visit(name, v);
      else summary[name] = cell(v);
    }
  };
  visit('', body);
  return { summary, tables: out };
}
