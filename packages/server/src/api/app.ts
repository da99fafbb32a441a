/**
 * `buildServer(options)`: the fastify app (collector, API, OpenAPI document, web UI), built apart from
 * `listen` so tests use `inject` or port 0. Closing the app stops accepting, loads the spool into the store
 * and closes the spool; the caller owns (and closes) the store.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Analyzer } from '../analysis/analyzer.ts';
import { type Collector, createCollector } from '../collector/collector.ts';
import type { RateLimitOptions } from '../collector/rate-limit.ts';
import { eventsPlugin } from '../events/routes.ts';
import type { Logger, Store } from '../store/store.ts';
import { aggregationRoutes } from './aggregation-routes.ts';
import { collectorRoutes } from './collector-routes.ts';
import { installContentEncoding } from './content-encoding.ts';
import type { RoutePlugin, ServerContext } from './context.ts';
import { formatSchemaErrors, HttpError, installErrorHandlers, sendError } from './http-errors.ts';
import { measurementRoutes } from './measurement-routes.ts';
import { createOpenApi } from './openapi.ts';
import { quarantineRoutes } from './quarantine-routes.ts';
import { createAdminCheck, installRateLimit, installSecurityHeaders } from './security.ts';

export const DEFAULT_WEB_DIR = new URL('../../../web/dist/', import.meta.url).pathname;

export type { RoutePlugin, ServerContext } from './context.ts';

export interface ServerOptions {
  store: Store;
  analyzer: Analyzer;
  /** Where accepted measurements are spooled before the store (local disk, fsync'ed). */
  spoolDir: string;
  /** Enables administrative endpoints (Authorization: Bearer …). */
  adminToken?: string;
  /** Per-client limits; false turns them off (benchmarks). Default 20/s, bursts of 200. */
  rateLimit?: RateLimitOptions | false;
  /** Built web UI to serve at `/` (default packages/web/dist when it exists); null disables it. */
  webDir?: string | null;
  /** Largest request body, bytes (default 32 MiB). */
  bodyLimitBytes?: number;
  logger?: FastifyServerOptions['logger'];
  /** Extra route plugins, registered after the built-in routes. */
  plugins?: RoutePlugin[];
}

declare module 'fastify' {
  interface FastifyInstance {
    collector: Collector;
    store: Store;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// The probe's address never reaches a log line: requests are logged by method and URL only.
const privateSerializers = {
  req: (request: { method: string; url: string }) => ({ method: request.method, url: request.url }),
};

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : { ...(typeof options.logger === 'object' ? options.logger : {}), serializers: privateSerializers };
  const bodyLimit = options.bodyLimitBytes ?? 32 * 1024 * 1024;
  const app = Fastify({
    logger,
    trustProxy: false,
    bodyLimit,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true, allErrors: false } },
    schemaErrorFormatter: formatSchemaErrors,
    requestTimeout: 120_000,
  });
  // A client that sends its headers a byte at a time is cut off; it holds only its own socket meanwhile.
  app.server.headersTimeout = 20_000;

  const openApi = createOpenApi({
    title: 'blockwatch API',
    version: '0.1.0',
    description:
      'Censorship measurements: OONI-compatible collector, search, raw measurements and aggregation, with blockwatch verdicts.',
  });
  app.addHook('onRoute', (route) => openApi.addRoute(route));

  installErrorHandlers(app);
  installSecurityHeaders(app);
  installContentEncoding(app, bodyLimit);
  if (options.rateLimit !== false) installRateLimit(app, options.rateLimit ?? { perSecond: 20, burst: 200 });

  // JSON bodies must be valid UTF-8 (fastify would silently replace bad bytes) and free of __proto__ keys.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // JSON is UTF-8 (RFC 8259); a body declared in another charset would be misread, so it is refused.
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(request.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
      return done(
        new HttpError(
          415,
          'BW_HTTP_UNSUPPORTED_CHARSET',
          `charset '${charset.slice(0, 40)}': JSON bodies must be UTF-8`,
        ),
        undefined,
      );
    }
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new HttpError(400, 'BW_HTTP_BAD_REQUEST', 'request body is not valid UTF-8'), undefined);
    }
    parseJson(request, text, (err, value) => {
      if (err)
        return done(
          new HttpError(400, 'BW_HTTP_BAD_REQUEST', `request body is not valid JSON: ${err.message}`),
          undefined,
        );
      done(null, value);
    });
  });

  const collector = await createCollector({
    spoolDir: options.spoolDir,
    store: options.store,
    analyzer: options.analyzer,
    log: (app.log as Logger) ?? console,
  });
  app.decorate('collector', collector);
  app.decorate('store', options.store);
  app.addHook('onClose', async () => {
    await collector.close();
  });

  const requireAdmin = createAdminCheck(options.adminToken);
  const context: ServerContext = { store: options.store, collector, requireAdmin };

  await app.register(collectorRoutes, { collector });
  await app.register(measurementRoutes, { store: options.store, requireAdmin });
  await app.register(aggregationRoutes, { store: options.store });
  await app.register(quarantineRoutes, { store: options.store, requireAdmin });

  // ---- Route plugins of other modules register here (event detection, registry): ----
  for (const plugin of options.plugins ?? []) await app.register(async (scope) => plugin(scope, context));
  await app.register(async (scope) => eventsPlugin(scope, context));
  // ---- end of route plugins ----

  app.get('/api/openapi.json', { config: {} }, async () => openApi.document());

  const webDir = options.webDir === undefined ? DEFAULT_WEB_DIR : options.webDir;
  const hasWeb = !!webDir && existsSync(join(webDir, 'index.html'));
  if (hasWeb) await app.register(fastifyStatic, { root: webDir, prefix: '/', index: ['index.html'] });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const isApi = path.startsWith('/api/') || path === '/api' || path.startsWith('/report');
    if (!isApi && hasWeb && (request.method === 'GET' || request.method === 'HEAD')) {
      // SPA fallback: the UI's router handles the path.
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    const hint = !isApi && !hasWeb ? ' (the web UI is not built: npm run build -w packages/web)' : '';
    return sendError(reply, 404, 'BW_HTTP_NOT_FOUND', `no route ${request.method} ${path}${hint}`);
  });

  return app;
}
