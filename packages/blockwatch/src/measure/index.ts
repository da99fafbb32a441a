/**
 * measure: the trace (clock and transaction ids) and the helpers that turn raw bytes into OONI record fields
 * (page titles, MaybeBinary bodies and headers).
 */
export { createTrace, type Trace } from './trace.ts';
