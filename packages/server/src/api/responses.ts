/**
 * The JSON schemas of the API's answers, written `as const`: the OpenAPI document shows them (`config.doc`), the
 * handlers are typed to return `FromSchema` of them, `contract.ts` hands the same types to the web UI, and
 * `contract.test.ts` checks real answers from a real store against them. Objects list every key they answer
 * (`required`, `additionalProperties: false`), so a key added to a handler and not here fails the check.
 */
import { AXES } from '../store/aggregation.ts';

const INTEGER = { type: 'integer' } as const;
const STRING = { type: 'string' } as const;
const NULLABLE_STRING = { type: ['string', 'null'] } as const;
const NULLABLE_BOOLEAN = { type: ['boolean', 'null'] } as const;
const NUMBER = { type: 'number' } as const;

const COUNT_PROPERTIES = {
  measurement_count: INTEGER,
  anomaly_count: INTEGER,
  confirmed_count: INTEGER,
  failure_count: INTEGER,
  ok_count: INTEGER,
} as const;
const COUNT_KEYS = ['measurement_count', 'anomaly_count', 'confirmed_count', 'failure_count', 'ok_count'] as const;

/** OONI's five mutually exclusive counts (aggregation semantics). */
export const COUNTS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: COUNT_KEYS,
  properties: COUNT_PROPERTIES,
} as const;

const SHARED_COUNTS = {
  ...COUNT_PROPERTIES,
  blocked_share: { type: 'number', description: '(confirmed + anomaly) / measurements' },
} as const;
const SHARED_COUNT_KEYS = [...COUNT_KEYS, 'blocked_share'] as const;

const OUTCOME = { type: 'string', enum: ['accessible', 'blocked', 'down', 'unknown'] } as const;

const SUMMARY_PROPERTIES = {
  measurement_uid: STRING,
  report_id: STRING,
  input: NULLABLE_STRING,
  domain: NULLABLE_STRING,
  category_code: NULLABLE_STRING,
  probe_cc: STRING,
  probe_asn: { type: 'string', description: 'AS12389' },
  probe_network_name: STRING,
  test_name: STRING,
  measurement_start_time: { type: 'string', description: 'ISO 8601, UTC' },
  anomaly: { type: 'boolean' },
  confirmed: { type: 'boolean' },
  failure: { type: 'boolean' },
  outcome: OUTCOME,
  blocking_type: { type: ['string', 'null'], description: 'our blocking method (dns, tcp_ip, http_failure, …)' },
  accessible: NULLABLE_BOOLEAN,
  fingerprints: { type: 'array', items: STRING },
  explanation: STRING,
  measurement_url: STRING,
} as const;

/** One measurement in a list: OONI's metadata plus our verdict's outcome, method and explanation. */
export const MEASUREMENT_SUMMARY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: Object.keys(SUMMARY_PROPERTIES) as (keyof typeof SUMMARY_PROPERTIES)[],
  properties: SUMMARY_PROPERTIES,
} as const;

export const MEASUREMENT_LIST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['metadata', 'results'],
  properties: {
    metadata: {
      type: 'object',
      additionalProperties: false,
      required: ['count', 'current_page', 'limit', 'next_url', 'offset', 'pages', 'query_time'],
      properties: {
        count: INTEGER,
        current_page: INTEGER,
        limit: INTEGER,
        next_url: NULLABLE_STRING,
        offset: INTEGER,
        pages: INTEGER,
        query_time: NUMBER,
      },
    },
    results: { type: 'array', items: MEASUREMENT_SUMMARY_SCHEMA },
  },
} as const;

/** OONI's own verdict as the probe or fastpath wrote it (`blocking` in OONI's spelling, e.g. `http-failure`). */
export const OONI_VERDICT_SCHEMA = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    blocking: { type: ['string', 'boolean', 'null'] },
    accessible: NULLABLE_BOOLEAN,
    anomaly: NULLABLE_BOOLEAN,
    confirmed: NULLABLE_BOOLEAN,
    failure: NULLABLE_BOOLEAN,
  },
} as const;

/** One measurement: the summary's keys (absent only for a measurement the store could not summarise). */
export const MEASUREMENT_DETAIL_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['measurement_uid', 'verdict', 'ooni_verdict', 'raw_measurement'],
  properties: {
    ...SUMMARY_PROPERTIES,
    verdict: { type: ['object', 'null'], description: 'our verdict (blockwatch model Verdict)' },
    ooni_verdict: OONI_VERDICT_SCHEMA,
    raw_measurement: { type: 'object', description: 'the measurement as submitted or imported (OONI format)' },
  },
} as const;

const AXIS_PROPERTIES = Object.fromEntries(AXES.map((axis) => [axis, axis === 'probe_asn' ? INTEGER : STRING])) as {
  [A in (typeof AXES)[number]]: A extends 'probe_asn' ? typeof INTEGER : typeof STRING;
};

/** An aggregation row: the values of the query's axes, then the counts. */
export const AGGREGATION_ROW_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: COUNT_KEYS,
  properties: { ...AXIS_PROPERTIES, ...COUNT_PROPERTIES },
} as const;

export const AGGREGATION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['v', 'dimension_count', 'db_stats', 'result'],
  properties: {
    v: INTEGER,
    dimension_count: INTEGER,
    db_stats: {
      type: 'object',
      additionalProperties: false,
      required: ['row_count', 'elapsed_seconds', 'source'],
      properties: { row_count: INTEGER, elapsed_seconds: NUMBER, source: STRING },
    },
    result: { oneOf: [COUNTS_SCHEMA, { type: 'array', items: AGGREGATION_ROW_SCHEMA }] },
  },
} as const;

const COVERAGE_ROW = {
  type: 'object',
  additionalProperties: false,
  required: ['day', ...SHARED_COUNT_KEYS],
  properties: { day: { type: 'string', description: 'YYYY-MM-DD' }, ...SHARED_COUNTS },
} as const;

export const OVERVIEW_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['totals', 'most_blocking', 'coverage', 'min_sample'],
  properties: {
    totals: {
      type: 'object',
      additionalProperties: false,
      required: [...SHARED_COUNT_KEYS, 'countries', 'networks', 'domains', 'first_day', 'last_day'],
      properties: {
        ...SHARED_COUNTS,
        countries: INTEGER,
        networks: INTEGER,
        domains: INTEGER,
        first_day: NULLABLE_STRING,
        last_day: NULLABLE_STRING,
      },
    },
    most_blocking: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['probe_cc', ...SHARED_COUNT_KEYS],
        properties: { probe_cc: STRING, ...SHARED_COUNTS },
      },
    },
    coverage: { type: 'array', items: COVERAGE_ROW },
    min_sample: INTEGER,
  },
} as const;

export const COUNTRIES_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['probe_cc', 'networks', 'first_day', 'last_day', ...SHARED_COUNT_KEYS],
        properties: { probe_cc: STRING, networks: INTEGER, first_day: STRING, last_day: STRING, ...SHARED_COUNTS },
      },
    },
  },
} as const;

export const NETWORKS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['results'],
  properties: {
    results: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['probe_asn', 'probe_network_name', 'last_day', ...SHARED_COUNT_KEYS],
        properties: { probe_asn: INTEGER, probe_network_name: STRING, last_day: STRING, ...SHARED_COUNTS },
      },
    },
  },
} as const;

export const COVERAGE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['results'],
  properties: { results: { type: 'array', items: COVERAGE_ROW } },
} as const;
