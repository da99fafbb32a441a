/**
 * What route plugins of other modules (event detection, registry) get from the app. Its own module, so that
 * those plugins do not import the app that registers them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Collector } from '../collector/collector.ts';
import type { Store } from '../store/store.ts';

export interface ServerContext {
  store: Store;
  collector: Collector;
  /** Throws 401/403 unless the request carries the admin token; call it in an onRequest hook. */
  requireAdmin: (request: FastifyRequest) => void;
}
export type RoutePlugin = (app: FastifyInstance, context: ServerContext) => Promise<void>;
