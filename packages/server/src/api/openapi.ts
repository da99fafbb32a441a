/**
 * The OpenAPI 3 document, built from the routes themselves (request schemas + `config.doc`), so it cannot
 * drift from what the server accepts. Served at `/api/openapi.json`.
 */
import type { RouteOptions } from 'fastify';
import { HTTP_ERROR_CODES } from './http-errors.ts';
import './route-doc.ts';

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema & { description?: string }>;
  required?: string[];
  [key: string]: unknown;
}

type Operation = Record<string, unknown>;

const ERROR_RESPONSE = { $ref: '#/components/responses/Error' };

export function createOpenApi(info: { title: string; version: string; description: string }) {
  const paths: Record<string, Record<string, Operation>> = {};

  function addRoute(route: RouteOptions): void {
    const doc = route.config?.doc;
    if (!doc) return;
    const path = route.url.replace(/:(\w+)/g, '{$1}');
    const schema = (route.schema ?? {}) as { querystring?: JsonSchema; params?: JsonSchema; body?: JsonSchema };
    const parameters: Record<string, unknown>[] = [];
    for (const [where, part] of [
      ['path', schema.params],
      ['query', schema.querystring],
    ] as const) {
      for (const [name, prop] of Object.entries(part?.properties ?? {})) {
        const { description, ...rest } = prop;
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (part?.required ?? []).includes(name),
          ...(description ? { description } : {}),
          schema: rest,
        });
      }
    }
    const produces = doc.produces ?? ['application/json'];
    const operation: Operation = {
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: doc.tags,
      ...(parameters.length ? { parameters } : {}),
      ...(schema.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: schema.body } } } }
        : {}),
      ...(doc.admin ? { security: [{ adminToken: [] }] } : {}),
      responses: {
        200: {
          description: 'OK',
          content: Object.fromEntries(produces.map((type) => [type, { schema: doc.response ?? {} }])),
        },
        400: ERROR_RESPONSE,
        ...(path.includes('{') ? { 404: ERROR_RESPONSE } : {}),
        ...(doc.admin ? { 401: ERROR_RESPONSE, 403: ERROR_RESPONSE } : {}),
        ...(route.method === 'POST' ? { 413: ERROR_RESPONSE } : {}),
        429: ERROR_RESPONSE,
        503: ERROR_RESPONSE,
      },
    };
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    paths[path] ??= {};
    for (const method of methods) paths[path][method.toLowerCase()] = operation;
  }

  function document(): Record<string, unknown> {
    return {
      openapi: '3.0.3',
      info,
      paths,
      components: {
        securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'the --admin-token value' } },
        schemas: {
          Error: {
            type: 'object',
            required: ['statusCode', 'code', 'error', 'message'],
            properties: {
              statusCode: { type: 'integer' },
              code: {
                type: 'string',
                description: `FST_ERR_* (fastify), BW_ERR_* (blockwatch) or one of: ${Object.entries(HTTP_ERROR_CODES)
                  .map(([code, meaning]) => `${code} (${meaning})`)
                  .join('; ')}`,
              },
              error: { type: 'string' },
              message: { type: 'string', description: 'names the bad parameter or field' },
            },
          },
        },
        responses: {
          Error: {
            description: 'An error, as JSON',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
    };
  }

  return { addRoute, document };
}
