/**
 * The server's side of analysis: loads fingerprints, the offline IP→ASN table and test-list categories once,
 * and runs the pure verdict engine (`blockwatch/verdict`) with them.
 */
export * from './analyzer.ts';
export * from './transfer-baselines.ts';
