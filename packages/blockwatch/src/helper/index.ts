/**
 * helper: the control helper, which answers OONI's test-helper protocol (web-connectivity.md §3) from an
 * unfiltered network, so a probe can tell "blocked here" from "down everywhere".
 *
 * Design: one plain `node:http` route (`server.ts`) in front of a validated request (`request.ts`), a pure plan
 * of what to dial (`plan.ts`: ip_info flags, ports, bogons never dialled) and the measurement itself
 * (`measure.ts`), built on the same netx primitives the probe uses. Our failure strings are folded into OONI's
 * legacy helper vocabulary in `legacy-failures.ts` only. The clean resolver (`resolver.ts`) is DoH by default.
 *
 * Operations: createHelperServer (used by `blockwatch helper` and the lab), parseControlRequest,
 * planMeasurement, measureControl.
 */
export type { ControlTlsHandshake, HelperResponse, MeasureDeps, MeasureResult, MeasureStats } from './measure.ts';
export { discoverH3Endpoint, measureControl } from './measure.ts';
export type { IpInfo, Plan, PlanInput, PlannedEndpoint } from './plan.ts';
export { IP_FLAGS, planMeasurement, portsFor } from './plan.ts';
export type { ControlRequestInput, Endpoint, ParseResult } from './request.ts';
export { FORWARDED_HEADERS, formatEndpoint, MAX_TCP_CONNECT, parseControlRequest, parseEndpoint } from './request.ts';
export type { CleanResolver, Resolution, Upstream } from './resolver.ts';
export { createCleanResolver } from './resolver.ts';
export type { HelperServer, HelperServerOptions } from './server.ts';
export {
  createHelperServer,
  DEFAULT_CONCURRENCY,
  DEFAULT_DEADLINE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_REQUEST_BYTES,
} from './server.ts';
