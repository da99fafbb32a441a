/**
 * measure: the trace (one clock and one transaction-id counter per measurement) and the helpers that turn raw
 * bytes into OONI record fields (page titles, MaybeBinary bodies and headers). No I/O.
 */
export { headerValueToMaybeBinary, maybeBinaryText, toBase64Binary, toMaybeBinary } from './binary.ts';
export { extractTitle } from './title.ts';
export { createTrace, type Trace } from './trace.ts';
