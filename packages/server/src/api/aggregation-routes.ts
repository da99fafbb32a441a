/**
 * `/api/v1/aggregation` in OONI's shape and count semantics, JSON or CSV; plus the summaries the web UI
 * draws (overview, countries, networks, coverage). All served from the daily rollup when the query allows.
 */
import type { FastifyInstance } from 'fastify';
import { AXES, type Axis, MAX_AGGREGATION_ROWS, TIME_GRAINS, type TimeGrain } from '../store/aggregation.ts';
import { countries, coverage, networks, overview } from '../store/explore.ts';
import type { Store } from '../store/store.ts';
import type {
  AggregationResponse,
  CountriesResponse,
  CoverageResponse,
  NetworksResponse,
  OverviewResponse,
} from './contract.ts';
import { HttpError } from './http-errors.ts';
import { FILTER_PROPERTIES, type FilterQuery, parseTime, toFilter } from './params.ts';
import {
  AGGREGATION_SCHEMA,
  COUNTRIES_SCHEMA,
  COVERAGE_SCHEMA,
  NETWORKS_SCHEMA,
  OVERVIEW_SCHEMA,
} from './responses.ts';
import './route-doc.ts';

/** `test_name=telegram,signal` → the names; absent → all tests. */
const testNames = (q: { test_name?: string }) => q.test_name?.split(',');

const COUNT_COLUMNS = ['anomaly_count', 'confirmed_count', 'failure_count', 'ok_count', 'measurement_count'];

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))].join('\r\n')}\r\n`;
}

export async function aggregationRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  app.get(
    '/api/v1/aggregation',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...FILTER_PROPERTIES,
            axis_x: { type: 'string', enum: [...AXES] },
            axis_y: { type: 'string', enum: [...AXES] },
            time_grain: { type: 'string', enum: [...TIME_GRAINS], default: 'day' },
            format: { type: 'string', enum: ['JSON', 'CSV'], default: 'JSON' },
            download: { type: 'boolean', default: false },
          },
        },
      },
      config: {
        doc: {
          summary: "Counts per axis (OONI's aggregation: anomaly, confirmed, failure, ok, measurement counts)",
          description:
            'Counts are mutually exclusive as in OONI: confirmed = confirmed ∧ ¬failure; anomaly = anomaly ∧ ¬confirmed ∧ ¬failure; failure; ok = none. Without axes `result` is one object; with axes a list. `format=CSV` answers text/csv.',
          tags: ['aggregation'],
          produces: ['application/json', 'text/csv'],
          response: AGGREGATION_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      const q = request.query as FilterQuery & {
        axis_x?: Axis;
        axis_y?: Axis;
        time_grain: TimeGrain;
        format: 'JSON' | 'CSV';
        download: boolean;
      };
      if (q.axis_y && !q.axis_x)
        throw new HttpError(400, 'FST_ERR_VALIDATION', "query parameter 'axis_y' needs 'axis_x'");
      if (q.axis_x && q.axis_x === q.axis_y) {
        throw new HttpError(400, 'FST_ERR_VALIDATION', "query parameters 'axis_x' and 'axis_y' must differ");
      }
      const started = performance.now();
      const { rows, source } = await store.aggregate({
        axis_x: q.axis_x,
        axis_y: q.axis_y,
        time_grain: q.time_grain,
        filter: toFilter(q),
      });
      if (rows.length > MAX_AGGREGATION_ROWS) {
        throw new HttpError(
          400,
          'FST_ERR_VALIDATION',
          `more than ${MAX_AGGREGATION_ROWS} groups: narrow the filters or use fewer axes`,
        );
      }
      const axes = [q.axis_x, q.axis_y].filter((a): a is Axis => !!a);
      if (q.format === 'CSV') {
        if (q.download) reply.header('content-disposition', 'attachment; filename="aggregation.csv"');
        return reply.type('text/csv; charset=utf-8').send(toCsv([...axes, ...COUNT_COLUMNS], rows));
      }
      if (q.download) reply.header('content-disposition', 'attachment; filename="aggregation.json"');
      const zero = Object.fromEntries(COUNT_COLUMNS.map((c) => [c, 0]));
      const answer: AggregationResponse = {
        v: 0,
        dimension_count: axes.length,
        db_stats: {
          row_count: rows.length,
          elapsed_seconds: Math.round(performance.now() - started) / 1000,
          source,
        },
        // The store's rows are typed loosely (any axes); the schema names the axes and counts they carry.
        result: (axes.length ? rows : (rows[0] ?? zero)) as AggregationResponse['result'],
      };
      return answer;
    },
  );

  app.get(
    '/api/v1/overview',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            min_sample: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 30 },
            days: { type: 'integer', minimum: 1, maximum: 3660, default: 90 },
            test_name: FILTER_PROPERTIES.test_name,
          },
        },
      },
      config: {
        doc: {
          summary: 'Totals, the countries with the most blocking (with sample sizes), coverage per day',
          description:
            '`most_blocking` lists countries with at least `min_sample` measurements, highest blocked share first; `coverage` covers the last `days` days that have data.',
          tags: ['summaries'],
          response: OVERVIEW_SCHEMA,
        },
      },
    },
    async (request): Promise<OverviewResponse> => {
      const q = request.query as { min_sample: number; days: number; test_name?: string };
      return overview(store, { minSample: q.min_sample, days: q.days, tests: testNames(q) });
    },
  );

  app.get(
    '/api/v1/countries',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { test_name: FILTER_PROPERTIES.test_name },
        },
      },
      config: {
        doc: {
          summary: 'Every country with measurements: counts, number of networks, blocked share',
          tags: ['summaries'],
          response: COUNTRIES_SCHEMA,
        },
      },
    },
    async (request): Promise<CountriesResponse> => ({
      results: await countries(store, testNames(request.query as { test_name?: string })),
    }),
  );

  app.get(
    '/api/v1/networks',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['probe_cc'],
          properties: {
            probe_cc: { type: 'string', pattern: '^[A-Z]{2}$', description: 'one country code' },
            test_name: FILTER_PROPERTIES.test_name,
          },
        },
      },
      config: {
        doc: {
          summary: 'The networks (ASNs) measured in a country, with names and counts',
          tags: ['summaries'],
          response: NETWORKS_SCHEMA,
        },
      },
    },
    async (request): Promise<NetworksResponse> => {
      const q = request.query as { probe_cc: string; test_name?: string };
      return { results: await networks(store, q.probe_cc, testNames(q)) };
    },
  );

  app.get(
    '/api/v1/coverage',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            probe_cc: { type: 'string', pattern: '^[A-Z]{2}$' },
            since: FILTER_PROPERTIES.since,
            until: FILTER_PROPERTIES.until,
            test_name: FILTER_PROPERTIES.test_name,
          },
        },
      },
      config: {
        doc: {
          summary: 'Measurements per day (optionally in one country and a date range)',
          tags: ['summaries'],
          response: COVERAGE_SCHEMA,
        },
      },
    },
    async (request): Promise<CoverageResponse> => {
      const q = request.query as { probe_cc?: string; since?: string; until?: string; test_name?: string };
      const since = q.since ? parseTime('since', q.since).slice(0, 10) : undefined;
      const until = q.until ? parseTime('until', q.until).slice(0, 10) : undefined;
      return { results: await coverage(store, { probe_cc: q.probe_cc, since, until, tests: testNames(q) }) };
    },
  );
}
