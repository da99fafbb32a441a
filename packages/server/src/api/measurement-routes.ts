/**
 * Measurement search and lookup, in OONI's shapes (`/api/v1/measurements`, `/api/v1/raw_measurement`), with
 * our verdict beside OONI's. Administrative deletion needs the admin token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { MEASUREMENT_UID } from '../collector/ids.ts';
import type { MeasurementSummary, Store } from '../store/store.ts';
import type {
  MeasurementDetailResponse,
  MeasurementListResponse,
  MeasurementSummaryJson,
  OoniVerdictJson,
} from './contract.ts';
import { HttpError } from './http-errors.ts';
import { FILTER_PROPERTIES, type FilterQuery, isoTime, toFilter } from './params.ts';
import { MEASUREMENT_DETAIL_SCHEMA, MEASUREMENT_LIST_SCHEMA } from './responses.ts';
import './route-doc.ts';

const UID_PARAM = { type: 'string', maxLength: 128, pattern: MEASUREMENT_UID.source } as const;

export const MAX_LIMIT = 1000;

const origin = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

function summaryJson(row: MeasurementSummary, base: string): MeasurementSummaryJson {
  return {
    measurement_uid: row.measurement_uid,
    report_id: row.report_id,
    input: row.input || null,
    domain: row.domain || null,
    category_code: row.category_code || null,
    probe_cc: row.probe_cc,
    probe_asn: `AS${row.probe_asn}`,
    probe_network_name: row.probe_network_name,
    test_name: row.test_name,
    measurement_start_time: isoTime(row.measurement_start_time),
    anomaly: row.anomaly,
    confirmed: row.confirmed,
    failure: row.failure,
    outcome: row.outcome as MeasurementSummaryJson['outcome'],
    blocking_type: row.blocking_type || null,
    accessible: row.accessible,
    fingerprints: row.fingerprints,
    explanation: row.explanation,
    measurement_url: `${base}/api/v1/raw_measurement?measurement_uid=${encodeURIComponent(row.measurement_uid)}`,
  };
}

function ooniJson(row: MeasurementSummary): OoniVerdictJson {
  if (row.ooni_blocking === '' && row.ooni_anomaly === null) return null;
  const blocking =
    row.ooni_blocking === 'null' ? null : row.ooni_blocking === 'false' ? false : row.ooni_blocking || undefined;
  return {
    ...(blocking !== undefined ? { blocking } : {}),
    accessible: row.ooni_accessible,
    anomaly: row.ooni_anomaly,
    confirmed: row.ooni_confirmed,
    failure: row.ooni_failure,
  };
}

export async function measurementRoutes(
  app: FastifyInstance,
  { store, requireAdmin }: { store: Store; requireAdmin: (request: FastifyRequest) => void },
): Promise<void> {
  app.get(
    '/api/v1/measurements',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...FILTER_PROPERTIES,
            report_id: { type: 'string', maxLength: 128, description: 'one report' },
            order_by: { type: 'string', enum: ['measurement_start_time'] },
            order: { type: 'string', enum: ['desc', 'DESC'], description: 'newest first (the only order)' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 },
            offset: { type: 'integer', minimum: 0, maximum: 1_000_000, default: 0 },
          },
        },
      },
      config: {
        doc: {
          summary: 'Search measurements (OONI filters plus blocking_type), newest first',
          tags: ['measurements'],
          response: MEASUREMENT_LIST_SCHEMA,
        },
      },
    },
    async (request): Promise<MeasurementListResponse> => {
      const started = performance.now();
      const q = request.query as FilterQuery & { report_id?: string; limit: number; offset: number };
      const filter = { ...toFilter(q), ...(q.report_id ? { report_id: q.report_id } : {}) };
      const [rows, count] = await Promise.all([
        store.list(filter, { limit: q.limit, offset: q.offset }),
        store.count(filter),
      ]);
      const base = origin(request);
      let nextUrl: string | null = null;
      if (q.offset + rows.length < count) {
        const params = new URLSearchParams(request.query as Record<string, string>);
        params.set('offset', String(q.offset + q.limit));
        params.set('limit', String(q.limit));
        nextUrl = `${base}/api/v1/measurements?${params}`;
      }
      return {
        metadata: {
          count,
          current_page: Math.floor(q.offset / q.limit) + 1,
          limit: q.limit,
          next_url: nextUrl,
          offset: q.offset,
          pages: Math.ceil(count / q.limit),
          query_time: Math.round(performance.now() - started) / 1000,
        },
        results: rows.map((row) => summaryJson(row, base)),
      };
    },
  );

  app.get(
    '/api/v1/measurements/:measurement_uid',
    {
      schema: { params: { type: 'object', properties: { measurement_uid: UID_PARAM } } },
      config: {
        doc: {
          summary: 'One measurement: metadata, our verdict with its explanation, OONI verdict, raw measurement',
          tags: ['measurements'],
          response: MEASUREMENT_DETAIL_SCHEMA,
        },
      },
    },
    async (request, reply) => {
      const { measurement_uid: uid } = request.params as { measurement_uid: string };
      const detail = await store.get(uid);
      if (!detail) throw new HttpError(404, 'BW_HTTP_NOT_FOUND', `no measurement '${uid}'`);
      const meta = detail.row ? summaryJson(detail.row, origin(request)) : { measurement_uid: uid };
      const stored = detail.ooni as OoniVerdictJson | undefined;
      const ooni = detail.row ? (ooniJson(detail.row) ?? stored) : stored;
      const answer: Omit<MeasurementDetailResponse, 'raw_measurement'> = {
        ...meta,
        verdict: detail.verdict as MeasurementDetailResponse['verdict'],
        ooni_verdict: ooni ?? null,
        observations: detail.observations as MeasurementDetailResponse['observations'],
      };
      const head = JSON.stringify(answer);
      // The raw JSON is spliced in as stored: no parse and re-serialise of a possibly large document.
      reply.type('application/json; charset=utf-8');
      return `${head.slice(0, -1)},"raw_measurement":${detail.raw}}`;
    },
  );

  const rawHandler = async (uid: string) => {
    const [row] = await store.query<{ raw: string }>(
      'SELECT raw FROM measurement_raw WHERE measurement_uid = {uid:String} LIMIT 1',
      { uid },
    );
    if (!row) throw new HttpError(404, 'BW_HTTP_NOT_FOUND', `no measurement '${uid}'`);
    return row.raw;
  };

  app.get(
    '/api/v1/raw_measurement',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['measurement_uid'],
          properties: { measurement_uid: UID_PARAM },
        },
      },
      config: { doc: { summary: 'The raw measurement JSON (OONI endpoint)', tags: ['measurements'] } },
    },
    async (request, reply) => {
      const raw = await rawHandler((request.query as { measurement_uid: string }).measurement_uid);
      return reply.type('application/json; charset=utf-8').send(raw);
    },
  );

  app.get(
    '/api/v1/measurement/:measurement_uid',
    {
      schema: { params: { type: 'object', properties: { measurement_uid: UID_PARAM } } },
      config: { doc: { summary: 'The raw measurement JSON (OONI endpoint)', tags: ['measurements'] } },
    },
    async (request, reply) => {
      const raw = await rawHandler((request.params as { measurement_uid: string }).measurement_uid);
      return reply.type('application/json; charset=utf-8').send(raw);
    },
  );

  app.delete(
    '/api/v1/measurements/:measurement_uid',
    {
      schema: { params: { type: 'object', properties: { measurement_uid: UID_PARAM } } },
      config: {
        doc: {
          summary: 'Delete a measurement (administrative: Authorization: Bearer <admin token>)',
          tags: ['admin'],
          admin: true,
          response: { type: 'object', properties: { deleted: { type: 'boolean' } } },
        },
      },
      onRequest: async (request) => requireAdmin(request),
    },
    async (request) => {
      const { measurement_uid: uid } = request.params as { measurement_uid: string };
      if (!(await store.delete(uid))) throw new HttpError(404, 'BW_HTTP_NOT_FOUND', `no measurement '${uid}'`);
      return { deleted: true };
    },
  );
}
