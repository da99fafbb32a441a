/** A real app on loopback over a real store in a temp directory, for the collector's HTTP tests. */
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createAnalyzer } from '../src/analysis/analyzer.ts';
import { buildServer, type ServerOptions } from '../src/api/app.ts';
import { openStore, type Store } from '../src/store/store.ts';

export interface TestServer {
  store: Store;
  app: FastifyInstance;
  /** http://127.0.0.1:PORT */
  base: string;
  close(): Promise<void>;
}

export async function startTestServer(dir: string, options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const store = await openStore({ location: { dataDir: join(dir, 'data') } });
  const app = await buildServer({
    store,
    analyzer: createAnalyzer(),
    spoolDir: join(dir, 'spool'),
    rateLimit: false,
    webDir: null,
    ...options,
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    store,
    app,
    base,
    async close() {
      await app.close();
      await store.close();
    },
  };
}
