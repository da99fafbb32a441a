/**
 * Pure mapping from an analysed measurement to the rows the store writes (no I/O). Envelope fields are
 * converted by the rules of `columns.ts`, the same the collector's door applies: a value that would break its
 * column throws `UnstorableField` here (only a record that bypassed the door can have one) instead of
 * becoming a silently wrong row or a failed insert.
 */
import type { Measurement, Verdict } from 'blockwatch/model';
import { columnValue, MAX_UINT32 } from './columns.ts';
import { observationValues } from './observation-columns.ts';

/** OONI's own verdict for a measurement, when known: the probe's test_keys and, if imported, fastpath flags. */
export interface OoniVerdict {
  blocking?: string | false | null;
  accessible?: boolean | null;
  anomaly?: boolean;
  confirmed?: boolean;
  failure?: boolean;
  /** fastpath scores object, as OONI published it */
  scores?: unknown;
}

export type MeasurementSource = 'collector' | 'import';

/** What the store inserts: a scrubbed measurement, its uid, our verdict and OONI's. */
export interface AnalyzedMeasurement {
  uid: string;
  measurement: Measurement<Record<string, unknown>>;
  verdict: Verdict;
  ooni?: OoniVerdict;
  categoryCode?: string;
  source: MeasurementSource;
  /** `JSON.stringify(measurement)` when already made (the spool made it): not serialised twice. */
  measurementJson?: string;
  /**
   * What the experiment's ingest made of it during analysis (`Analyzer.analyzeObserved`), so that the observation
   * columns do not ingest it again. The key is present, undefined, when ingest could not read the test keys;
   * absent when the item was built from a bare verdict (then the columns run the ingest themselves).
   */
  observations?: unknown;
}

export interface MeasurementRow {
  measurement_uid: string;
  report_id: string;
  input: string;
  domain: string;
  category_code: string;
  probe_cc: string;
  probe_asn: number;
  probe_network_name: string;
  resolver_asn: number;
  test_name: string;
  test_version: string;
  software_name: string;
  software_version: string;
  measurement_start_time: string;
  test_start_time: string;
  test_runtime: number;
  outcome: string;
  anomaly: boolean;
  confirmed: boolean;
  failure: boolean;
  blocking_type: string;
  blocking_methods: string[];
  accessible: boolean | null;
  blocking_classic: string;
  fingerprints: string[];
  dns_status: string;
  tcp_status: string;
  tls_status: string;
  http_status: string;
  /** a blocked verdict's evidence strength (certain / strong / weak), '' otherwise */
  strength: string;
  engine: string;
  explanation: string;
  ooni_blocking: string;
  ooni_accessible: boolean | null;
  ooni_anomaly: boolean | null;
  ooni_confirmed: boolean | null;
  ooni_failure: boolean | null;
  source: string;
  inserted_at: string;
}

export interface RawRow {
  measurement_uid: string;
  probe_cc: string;
  measurement_start_time: string;
  raw: string;
  verdict: string;
  ooni: string;
  /** JSON of the row's list fields (MeasurementSummary): one point query serves a lookup */
  summary: string;
  inserted_at: string;
}

/** The fields a listed measurement shows (the list endpoint's columns). */
export const SUMMARY_FIELDS = [
  'measurement_uid',
  'report_id',
  'input',
  'domain',
  'category_code',
  'probe_cc',
  'probe_asn',
  'probe_network_name',
  'test_name',
  'measurement_start_time',
  'anomaly',
  'confirmed',
  'failure',
  'outcome',
  'blocking_type',
  'accessible',
  'fingerprints',
  'explanation',
  'ooni_blocking',
  'ooni_accessible',
  'ooni_anomaly',
  'ooni_confirmed',
  'ooni_failure',
  'source',
] as const;

/** "AS1234" → 1234; anything else → 0 (unknown). */
export function asnNumber(value: unknown): number {
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 && value <= MAX_UINT32 ? value : 0;
  const match = typeof value === 'string' ? /^AS(\d{1,10})$/.exec(value) : null;
  const n = match ? Number(match[1]) : 0;
  return n <= MAX_UINT32 ? n : 0;
}

/** The host an input URL names, lower case; a bare host name or address is its own domain. */
export function domainOf(input: string): string {
  if (!input) return '';
  try {
    return new URL(input).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return /^[a-z0-9.-]+$/i.test(input) ? input.toLowerCase() : '';
  }
}

/** Any OONI time ("YYYY-MM-DD HH:MM:SS", ISO 8601 with T/Z/fraction) → "YYYY-MM-DD HH:MM:SS" (UTC). */
export function sqlTime(value: unknown): string {
  if (typeof value === 'string') {
    const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})/.exec(value);
    // Only a real time: "2024-13-45 99:99:99" would make ClickHouse reject the whole batch.
    if (m && !Number.isNaN(Date.parse(`${m[1]}T${m[2]}Z`))) return `${m[1]} ${m[2]}`;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    return new Date(value * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  return '1970-01-01 00:00:00';
}

export function inputString(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input)) return input.filter((x) => typeof x === 'string').join(' ');
  return '';
}

function classic(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (value === false) return 'false';
  return typeof value === 'string' ? value : String(value);
}

export function toRows(item: AnalyzedMeasurement, insertedAtMs: number): { row: MeasurementRow; raw: RawRow } {
  const insertedAt = new Date(insertedAtMs).toISOString().replace('T', ' ').replace('Z', '');
  const { measurement: m, verdict: v, ooni } = item;
  const input = columnValue(m, 'input');
  const startTime = columnValue(m, 'measurement_start_time');
  const row: MeasurementRow = {
    measurement_uid: item.uid,
    report_id: columnValue(m, 'report_id'),
    input,
    domain: domainOf(input),
    category_code: item.categoryCode ?? '',
    probe_cc: columnValue(m, 'probe_cc'),
    probe_asn: columnValue(m, 'probe_asn'),
    probe_network_name: columnValue(m, 'probe_network_name'),
    resolver_asn: columnValue(m, 'resolver_asn'),
    test_name: columnValue(m, 'test_name'),
    test_version: columnValue(m, 'test_version'),
    software_name: columnValue(m, 'software_name'),
    software_version: columnValue(m, 'software_version'),
    measurement_start_time: startTime,
    test_start_time: columnValue(m, 'test_start_time') || startTime,
    test_runtime: columnValue(m, 'test_runtime'),
    outcome: v.outcome,
    anomaly: v.anomaly,
    confirmed: v.confirmed,
    failure: v.failure,
    blocking_type: v.method ?? '',
    blocking_methods: v.methods ?? [],
    accessible: v.accessible,
    blocking_classic: classic(v.blocking),
    fingerprints: (v.fingerprints ?? []).map((f) => f.name),
    dns_status: v.layers?.dns?.status ?? '',
    tcp_status: v.layers?.tcp?.status ?? '',
    tls_status: v.layers?.tls?.status ?? '',
    http_status: v.layers?.http?.status ?? '',
    strength: v.strength ?? '',
    engine: v.engine ?? '',
    explanation: v.explanation ?? '',
    ooni_blocking: classic(ooni?.blocking),
    ooni_accessible: ooni?.accessible ?? null,
    ooni_anomaly: ooni?.anomaly ?? null,
    ooni_confirmed: ooni?.confirmed ?? null,
    ooni_failure: ooni?.failure ?? null,
    source: item.source,
    inserted_at: insertedAt,
  };
  // The experiment's own observation columns (`<test_name>__<name>`); the other experiments' keep their default.
  const observed = observationValues(row.test_name, m, 'observations' in item ? item : undefined);
  if (observed) Object.assign(row, observed);
  const raw: RawRow = {
    measurement_uid: item.uid,
    probe_cc: row.probe_cc,
    measurement_start_time: startTime,
    raw: item.measurementJson ?? JSON.stringify(m),
    verdict: JSON.stringify(v),
    ooni: ooni ? JSON.stringify(ooni) : '',
    summary: JSON.stringify(Object.fromEntries(SUMMARY_FIELDS.map((f) => [f, row[f]]))),
    inserted_at: insertedAt,
  };
  return { row, raw };
}

/** Rows as JSONEachRow lines, the engine's insert payload. */
export function jsonLines(rows: readonly object[]): Buffer {
  let text = '';
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  return Buffer.from(text);
}

/** The setting under which `rawLines` is read: a JSON object given for a String column is stored as its text. */
export const RAW_LINES_SETTINGS = { input_format_json_read_objects_as_strings: 1 } as const;

/**
 * measurement_raw rows as JSONEachRow lines, the raw measurement spliced in as the JSON object it is (read
 * under RAW_LINES_SETTINGS, the column holds that object's text byte for byte): 15 KB of JSON is neither
 * escaped into a string a second time here nor unescaped by the engine.
 */
export function rawLines(rows: readonly RawRow[]): Buffer {
  let text = '';
  for (const row of rows) {
    const { raw, ...rest } = row;
    if (raw.startsWith('{')) {
      const head = JSON.stringify(rest);
      text += `${head.slice(0, -1)},"raw":${raw}}\n`;
    } else {
      text += `${JSON.stringify(row)}\n`;
    }
  }
  return Buffer.from(text);
}
