/**
 * blockwatch: the probe install. Public API, layer by layer (imports point down this list):
 *   model    types and the measurement schema (no logic)
 *   netx     network primitives: DNS (system, UDP, DoH), TCP, TLS, HTTP; failure classification
 *   measure  the trace that turns primitive results into OONI records
 *   verdict  the pure analysis engine (no I/O; runs in Node and in the browser)
 *   probe    the Web Connectivity measurement
 *   helper   the control helper (OONI test-helper protocol)
 *   cli      the `blockwatch` command
 */

export * from './errors.ts';
export * from './model/index.ts';
