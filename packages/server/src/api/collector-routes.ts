/**
 * Collector endpoints: OONI's probe protocol (open a report, submit measurements to it, close it) and our
 * batch endpoint. Every answer comes only after the measurements are durable in the spool.
 */
import type { FastifyInstance } from 'fastify';
import type { Collector } from '../collector/collector.ts';
import { newReportId, REPORT_ID } from '../collector/ids.ts';
import { HttpError } from './http-errors.ts';
import './route-doc.ts';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const BACKEND_VERSION = 'blockwatch-0.1.0';

export async function collectorRoutes(app: FastifyInstance, { collector }: { collector: Collector }): Promise<void> {
  app.post(
    '/report',
    {
      schema: {
        body: {
          type: 'object',
          required: ['probe_cc', 'probe_asn', 'test_name'],
          properties: {
            probe_cc: { type: 'string', pattern: '^[A-Z]{2}$' },
            probe_asn: { type: 'string', pattern: '^AS\\d{1,10}$' },
            test_name: { type: 'string', pattern: '^[a-z0-9_]{1,64}$' },
            format: { type: 'string', enum: ['json'] },
          },
        },
      },
      config: {
        doc: {
          summary: 'Open a report (OONI collector protocol)',
          tags: ['collector'],
          response: {
            type: 'object',
            properties: { backend_version: { type: 'string' }, report_id: { type: 'string' }, supported_formats: {} },
          },
        },
      },
    },
    async (request) => {
      const body = request.body as Record<string, unknown>;
      return { backend_version: BACKEND_VERSION, report_id: newReportId(body), supported_formats: ['json'] };
    },
  );

  app.post(
    '/report/:report_id',
    {
      schema: {
        params: {
          type: 'object',
          properties: { report_id: { type: 'string', pattern: REPORT_ID.source } },
        },
      },
      config: {
        doc: {
          summary: 'Submit one measurement to an open report (OONI collector protocol)',
          description: 'Body `{"format":"json","content":{…measurement…}}`; answers `{measurement_uid}` once durable.',
          tags: ['collector'],
          response: { type: 'object', properties: { measurement_uid: { type: 'string' } } },
        },
      },
    },
    async (request) => {
      const { report_id: reportId } = request.params as { report_id: string };
      const body = request.body;
      if (!isObject(body))
        throw new HttpError(400, 'BW_HTTP_BAD_REQUEST', 'body must be {"format":"json","content":{…}}');
      if (body.format !== 'json') {
        throw new HttpError(
          400,
          'BW_HTTP_BAD_REQUEST',
          `format: only "json" is supported, got ${JSON.stringify(body.format)}`,
        );
      }
      if (!isObject(body.content))
        throw new HttpError(400, 'BW_HTTP_BAD_REQUEST', 'content: must be a measurement object');
      const content = body.content;
      if (content.report_id !== undefined && content.report_id !== reportId) {
        throw new HttpError(400, 'BW_HTTP_BAD_REQUEST', 'content.report_id: does not match the report in the URL');
      }
      const result = await collector.submit([{ ...content, report_id: reportId }], () => 'content');
      return { measurement_uid: result.uids[0] };
    },
  );

  app.post(
    '/report/:report_id/close',
    {
      schema: {
        params: { type: 'object', properties: { report_id: { type: 'string', pattern: REPORT_ID.source } } },
      },
      config: { doc: { summary: 'Close a report (OONI collector protocol; nothing to do)', tags: ['collector'] } },
    },
    async () => ({}),
  );

  app.post(
    '/api/v1/submit',
    {
      config: {
        doc: {
          summary: 'Submit a batch of measurements (blockwatch probe)',
          description: `Body \`{"measurements":[…]}\` (at most ${collector.maxBatch}); answers 200 \`{accepted, duplicates}\` only once durable. One invalid measurement rejects the whole batch (400 naming \`measurements.N.field\`) and nothing is stored. An acknowledged measurement is then in the store or, if the store refuses it, in the quarantine. The body may be \`Content-Encoding: gzip\` (its inflated size is bounded by the body limit: 413); other encodings and charsets other than UTF-8: 415.`,
          tags: ['collector'],
          response: { type: 'object', properties: { accepted: { type: 'integer' }, duplicates: { type: 'integer' } } },
        },
      },
    },
    async (request) => {
      const body = request.body;
      if (!isObject(body) || !Array.isArray(body.measurements)) {
        throw new HttpError(400, 'BW_HTTP_BAD_REQUEST', 'measurements: body must be {"measurements":[…]}');
      }
      const { accepted, duplicates } = await collector.submit(body.measurements);
      return { accepted, duplicates };
    },
  );
}
