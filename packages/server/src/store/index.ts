/**
 * The store: ClickHouse through `@clickhouse/client`, embedded (chdb, a `--data` directory) or a server
 * (`--clickhouse URL [--cluster NAME]`), one SQL dialect for both.
 *
 * Design: `measurements` (hot columns, ordered by country/day/domain/input for lists and aggregations),
 * `measurement_raw` (ordered by uid: point lookups, raw JSON and verdicts ZSTD-compressed), `rollup_daily`
 * (a SummingMergeTree fed by a materialized view: aggregation and overview queries). Schema changes are
 * numbered migrations (`migrations/`), rewritten for a cluster by `migrate.ts`.
 *
 * Operations: chdb serialises bound queries process-wide, so heavy reads go to the rollup and every query
 * carries max_execution_time. One process owns a data directory (chdb takes a lock).
 */
export * from './aggregation.ts';
export type { StoreLocation } from './client.ts';
export * from './explore.ts';
export * from './filters.ts';
export { clusterize, loadMigrations, MIGRATIONS_DIR, migrate } from './migrate.ts';
export * from './quarantine.ts';
export * from './rows.ts';
export * from './store.ts';
