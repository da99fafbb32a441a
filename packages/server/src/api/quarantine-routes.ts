/**
 * `GET /api/v1/quarantine` (administrative): the acknowledged measurements the store could not take, with the
 * error and the time, newest first. What a hostile or broken submitter sent is shown to the operator only.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listQuarantine, quarantineCount } from '../store/quarantine.ts';
import type { Store } from '../store/store.ts';
import './route-doc.ts';

export const MAX_QUARANTINE_LIMIT = 500;

export async function quarantineRoutes(
  app: FastifyInstance,
  { store, requireAdmin }: { store: Store; requireAdmin: (request: FastifyRequest) => void },
): Promise<void> {
  app.get(
    '/api/v1/quarantine',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            limit: { type: 'integer', minimum: 1, maximum: MAX_QUARANTINE_LIMIT, default: 50 },
            offset: { type: 'integer', minimum: 0, default: 0 },
          },
        },
      },
      config: {
        doc: {
          summary: 'Acknowledged measurements that could not be stored (administrative)',
          description:
            'Each with the raw JSON as received, the error, its source and when it was quarantined; `count` is the total.',
          tags: ['admin'],
          admin: true,
          response: {
            type: 'object',
            properties: {
              count: { type: 'integer' },
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    measurement_uid: { type: 'string' },
                    error: { type: 'string' },
                    source: { type: 'string' },
                    quarantined_at: { type: 'string' },
                    raw: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
      onRequest: async (request) => requireAdmin(request),
    },
    async (request) => {
      const { limit, offset } = request.query as { limit: number; offset: number };
      const [count, results] = await Promise.all([quarantineCount(store), listQuarantine(store, { limit, offset })]);
      return { count, results };
    },
  );
}
