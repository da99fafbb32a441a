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

/** An object that answers exactly these keys (`required` always present, no others). */
function closed<const P extends Record<string, object>, const R extends readonly (keyof P & string)[]>(
  properties: P,
  required: R,
) {
  return { type: 'object', additionalProperties: false, required, properties } as const;
}

/** The summaries' shape: `{ results: [...] }`. */
function results<const I extends object>(items: I) {
  return closed({ results: { type: 'array', items } as const }, ['results']);
}

const COUNT_PROPERTIES = {
  measurement_count: INTEGER,
  anomaly_count: INTEGER,
  confirmed_count: INTEGER,
  failure_count: INTEGER,
  ok_count: INTEGER,
} as const;
const COUNT_KEYS = ['measurement_count', 'anomaly_count', 'confirmed_count', 'failure_count', 'ok_count'] as const;

/** OONI's five mutually exclusive counts (aggregation semantics). */
export const COUNTS_SCHEMA = closed(COUNT_PROPERTIES, COUNT_KEYS);

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
export const MEASUREMENT_SUMMARY_SCHEMA = closed(
  SUMMARY_PROPERTIES,
  Object.keys(SUMMARY_PROPERTIES) as (keyof typeof SUMMARY_PROPERTIES)[],
);

export const MEASUREMENT_LIST_SCHEMA = closed(
  {
    metadata: closed(
      {
        count: INTEGER,
        current_page: INTEGER,
        limit: INTEGER,
        next_url: NULLABLE_STRING,
        offset: INTEGER,
        pages: INTEGER,
        query_time: NUMBER,
      },
      ['count', 'current_page', 'limit', 'next_url', 'offset', 'pages', 'query_time'],
    ),
    results: { type: 'array', items: MEASUREMENT_SUMMARY_SCHEMA },
  },
  ['metadata', 'results'],
);

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
export const MEASUREMENT_DETAIL_SCHEMA = closed(
  {
    ...SUMMARY_PROPERTIES,
    verdict: { type: ['object', 'null'], description: 'our verdict (blockwatch model Verdict)' },
    ooni_verdict: OONI_VERDICT_SCHEMA,
    observations: {
      type: 'object',
      description: "the test's observation columns by name (the experiment's `columns`); {} for a test with none",
      additionalProperties: {
        anyOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array', items: STRING }],
      },
    },
    raw_measurement: { type: 'object', description: 'the measurement as submitted or imported (OONI format)' },
  },
  ['measurement_uid', 'verdict', 'ooni_verdict', 'observations', 'raw_measurement'],
);

const AXIS_PROPERTIES = Object.fromEntries(AXES.map((axis) => [axis, axis === 'probe_asn' ? INTEGER : STRING])) as {
  [A in (typeof AXES)[number]]: A extends 'probe_asn' ? typeof INTEGER : typeof STRING;
};

/** An aggregation row: the values of the query's axes, then the counts. */
export const AGGREGATION_ROW_SCHEMA = closed({ ...AXIS_PROPERTIES, ...COUNT_PROPERTIES }, COUNT_KEYS);

export const AGGREGATION_SCHEMA = closed(
  {
    v: INTEGER,
    dimension_count: INTEGER,
    db_stats: closed({ row_count: INTEGER, elapsed_seconds: NUMBER, source: STRING }, [
      'row_count',
      'elapsed_seconds',
      'source',
    ]),
    result: { oneOf: [COUNTS_SCHEMA, { type: 'array', items: AGGREGATION_ROW_SCHEMA }] },
  },
  ['v', 'dimension_count', 'db_stats', 'result'],
);

const COVERAGE_ROW = closed({ day: { type: 'string', description: 'YYYY-MM-DD' }, ...SHARED_COUNTS }, [
  'day',
  ...SHARED_COUNT_KEYS,
]);

export const OVERVIEW_SCHEMA = closed(
  {
    totals: closed(
      {
        ...SHARED_COUNTS,
        countries: INTEGER,
        networks: INTEGER,
        domains: INTEGER,
        first_day: NULLABLE_STRING,
        last_day: NULLABLE_STRING,
      },
      [...SHARED_COUNT_KEYS, 'countries', 'networks', 'domains', 'first_day', 'last_day'],
    ),
    most_blocking: {
      type: 'array',
      items: closed({ probe_cc: STRING, ...SHARED_COUNTS }, ['probe_cc', ...SHARED_COUNT_KEYS]),
    },
    coverage: { type: 'array', items: COVERAGE_ROW },
    min_sample: INTEGER,
  },
  ['totals', 'most_blocking', 'coverage', 'min_sample'],
);

export const COUNTRIES_SCHEMA = results(
  closed({ probe_cc: STRING, networks: INTEGER, first_day: STRING, last_day: STRING, ...SHARED_COUNTS }, [
    'probe_cc',
    'networks',
    'first_day',
    'last_day',
    ...SHARED_COUNT_KEYS,
  ]),
);

export const NETWORKS_SCHEMA = results(
  closed({ probe_asn: INTEGER, probe_network_name: STRING, last_day: STRING, ...SHARED_COUNTS }, [
    'probe_asn',
    'probe_network_name',
    'last_day',
    ...SHARED_COUNT_KEYS,
  ]),
);

export const COVERAGE_SCHEMA = results(COVERAGE_ROW);
