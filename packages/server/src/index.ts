/**
 * @blockwatch/server: the collector, the ClickHouse store (embedded chdb or a server), import and the API.
 *   store      ClickHouse schema, migrations, inserts, queries, rollups (`openStore`)
 *   analysis   verdict engine with fingerprints, ASN and categories loaded (`createAnalyzer`)
 *   collector  spool, loader, OONI ids, rate limits (`createCollector`)
 *   import     OONI files into the store or a server (`importFiles`)
 *   api        the fastify app (`buildServer`)
 *   events     blocking-event detection (subscribes to `store.onStored`)
 */
export * from './analysis/index.ts';
export * from './api/index.ts';
export * from './collector/index.ts';
export * from './import/index.ts';
export * from './store/index.ts';
