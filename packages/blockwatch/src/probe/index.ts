/**
 * probe: the Web Connectivity measurement and everything around it.
 *
 * Design: `measureUrl` runs the steps (DNS ∥ extra resolvers → TCP/TLS to every address ∥ control request ∥ HTTP
 * through a working address) over the netx primitives, wraps the records in OONI's envelope, scrubs the probe's
 * own addresses, then stores the verdict engine's result. Network failures are data; only bad input throws.
 * The rest are small single-purpose modules the `blockwatch probe` command composes.
 *
 * Operations:
 *   measureUrl            one measurement (experiments/web_connectivity/measure.ts)
 *   createControlClient   the helper client (OONI test-helper protocol, control.ts)
 *   createScrubber        privacy scrubbing (scrub.ts)
 *   ensureConsent         informed consent, remembered in the config dir (consent.ts)
 *   readTestList          Citizen Lab CSV test lists (test-list.ts)
 *   createSubmitQueue     on-disk queue to a collector with backoff (submit-queue.ts)
 *   runPool               bounded concurrency over URLs (run-pool.ts)
 */

export {
  CONTROL_USER_AGENT,
  MAX_BODY_BYTES,
  type MeasureOptions,
  measureUrl,
  type ProbeIdentity,
  REQUEST_HEADERS,
  type ResolverIdentity,
} from '../experiments/web_connectivity/measure.ts';
export { type Analyzer, createAnalyzer } from './analyzer.ts';
export { configDir } from './config-dir.ts';
export { ensureConsent, RISK_TEXT, RISK_TEXT_VERSION, readConsent, writeConsent } from './consent.ts';
export {
  buildControlRequest,
  type ControlClient,
  type ControlResult,
  createControlClient,
  requestControl,
} from './control.ts';
export { createEnvelope, createReportId, formatOoniTime, TEST_NAME, TEST_VERSION } from './envelope.ts';
export { failureSummary, progressLine, renderTable, verdictLabel } from './report.ts';
export { parseResolvePins, pinKey, type ResolvePins, urlPort } from './resolve-pins.ts';
export { runPool } from './run-pool.ts';
export { createScrubber, SCRUBBED, type Scrubber } from './scrub.ts';
export { createSubmitQueue, type SubmitQueue } from './submit-queue.ts';
export { parseTestList, readTestList, type TestListEntry, urlProblem } from './test-list.ts';
