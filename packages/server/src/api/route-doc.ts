/**
 * Route documentation for the OpenAPI document, kept beside each route in `config.doc` (the request schemas
 * document the parameters; `response` here only documents, it never filters what is sent).
 */
export interface RouteDoc {
  summary: string;
  description?: string;
  tags: string[];
  /** JSON schema of the 200 answer, for readers of the OpenAPI document. */
  response?: Record<string, unknown>;
  /** Content type of the 200 answer when not JSON. */
  produces?: string[];
  /** Needs the admin token. */
  admin?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    doc?: RouteDoc;
  }
}
