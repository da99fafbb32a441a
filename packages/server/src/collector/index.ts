/**
 * The collector: accepts measurements (OONI's report protocol and our batch endpoint), acknowledges them only
 * once durable, and moves them into the store.
 *
 * Design: submission → `submission.ts` (nesting bound, schema, real start time, probe address scrubbed, uid
 * derived from the canonical content) → `spool.ts` (append-only segments, group-commit fdatasync) → 200 →
 * `loader.ts` (batches: our verdict, store insert deduplicated by uid, then the spool position is committed).
 * A crash between insert and commit replays the batch; the store's uid check drops what had landed.
 *
 * Operations: `createCollector`, `Spool.open`, `startLoader`, `measurementUid`/`newReportId` (OONI formats),
 * `createRateLimiter` (per-client token buckets keyed by a salted hash, memory only).
 */
export * from './collector.ts';
export * from './ids.ts';
export * from './loader.ts';
export * from './rate-limit.ts';
export * from './spool.ts';
export * from './submission.ts';
