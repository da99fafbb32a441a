/**
 * The HTTP API (fastify): collector endpoints, measurement search and lookup, OONI's aggregation, the web
 * UI's summaries, the OpenAPI document (`/api/openapi.json`, generated from the routes) and the built web UI.
 *
 * Design: `buildServer(options)` builds the app apart from `listen` (tests use `inject` or port 0); every error
 * is JSON `{statusCode, code, error, message}` naming the bad parameter; unknown query parameters are
 * rejected; every response carries a strict CSP and nosniff. Other modules add routes through
 * `ServerOptions.plugins` (see the marked spot in app.ts) and subscribe to `store.onStored`.
 */
export * from './app.ts';
export { HTTP_ERROR_CODES, HttpError, sendError } from './http-errors.ts';
export type { RouteDoc } from './route-doc.ts';
export { CONTENT_SECURITY_POLICY, createAdminCheck } from './security.ts';
