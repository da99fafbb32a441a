/**
 * Import of published OONI data (`blockwatch import`): JSON or JSONL, plain or gzip, streamed; each
 * measurement re-analysed, OONI's verdict kept beside ours, bad records reported as file:line and skipped,
 * duplicates (by uid) stored once. Writes into the store, or submits to a running server (`--server`).
 */
export * from './importer.ts';
export * from './normalize.ts';
export * from './read.ts';
