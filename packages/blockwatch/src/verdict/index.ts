/**
 * The verdict engine: one pure function from an OONI-format web_connectivity measurement to a `Verdict`.
 *
 * Design
 * - Pure: no `node:*` imports, no I/O; the same code runs in the probe, the server and the browser. Outside data
 *   (fingerprints, IP→ASN, the lab's address plan) comes in through `AnalyzeOptions`.
 * - OONI-compatible first: `blocking`/`accessible` and the classic keys are what the engine that wrote the
 *   measurement computes (v0.4 rules, or v0.5's mapping for `test_version` 0.5.x); `anomaly`/`confirmed`/`failure`
 *   follow OONI's fastpath. Then what OONI lacks: TLS blocking as its own method, TLS interception, block pages,
 *   an outcome that tells "down" from "blocked", per-layer evidence and a sentence a person can read.
 * - Never throws: unreadable input gives `outcome: 'unknown'` with a `reason`.
 * - Deterministic: evidence and fingerprints are sorted; ties in the v0.5 walk break on transaction id.
 *
 * Operations: `analyzeMeasurement`, `parseFingerprintCsv` + `createFingerprintSet`, `isBogon`.
 */
import type { ClassicKeys, FingerprintMatch, Outcome, Verdict } from '../model/verdict.ts';
import { isBogon } from './bogons.ts';
import { classicV04 } from './classic-v04.ts';
import { analyzeV05 } from './classic-v05.ts';
import { createAsnOf, isNxdomain, systemLookup } from './dns-compare.ts';
import { explain } from './explain.ts';
import type { FingerprintSet } from './fingerprints.ts';
import { type MeasurementView, readMeasurement } from './input.ts';
import { findInterception } from './interception.ts';
import { deriveLayers } from './layers.ts';
import { strengthOf } from './strength.ts';
import type { TransferBaseline } from './transfer.ts';

export { isBogon, isIpLiteral, isLoopback, isSelfAddress } from './bogons.ts';
export { X_STATUS } from './classic-v04.ts';
export { BLOCKING_FLAGS, DNS_FLAGS, NULL_NULL_FLAGS } from './classic-v05.ts';
export {
  createFingerprintSet,
  FINGERPRINT_SCOPES,
  type Fingerprint,
  type FingerprintSet,
  PATTERN_TYPES,
  parseFingerprintCsv,
} from './fingerprints.ts';
export { decoyAnsweredHttp, decoyAnsweredTls, FOLLOWUP_FAILURES } from './followups.ts';
export { extractTitle } from './http-compare.ts';
export { endpointKey, splitEndpoint, unwrapMeasurement } from './input.ts';
export { MIN_RATE_BYTES, SLOW_TRANSFER_RATIO, type TransferBaseline } from './transfer.ts';

/** The classic comparison keys of a verdict that compared nothing (a failed analysis, a non-web test). */
export function noClassicKeys(): ClassicKeys {
  return {
    dns_consistency: null,
    body_length_match: null,
    body_proportion: 0,
    status_code_match: null,
    headers_match: null,
    title_match: null,
  };
}

export interface AnalyzeOptions {
  /** Parsed OONI fingerprints (see parseFingerprintCsv); without them nothing is "confirmed". */
  fingerprints?: FingerprintSet;
  /** IP → ASN (offline database, injected); used when neither the probe nor the control recorded one. */
  asnOf?: (ip: string) => number | null;
  /** Addresses to treat as public although OONI's list calls them bogons (the lab's 198.18.0.0/15 plan). */
  isPublicOverride?: (ip: string) => boolean;
  /** Organisation name of an AS, for explanations. */
  describeAsn?: (asn: number) => string | null;
  /**
   * The same site's body transfer rate on other networks of the probe's country (the server's per-(country,
   * domain) median, from its store): a complete transfer far slower than it is throttling. Without it only a
   * stalled transfer can be.
   */
  transferBaseline?: TransferBaseline;
}

function unknownVerdict(reason: string): Verdict {
  return {
    engine: 'classic-0.4',
    blocking: null,
    accessible: null,
    outcome: 'unknown',
    anomaly: false,
    confirmed: false,
    failure: true,
    method: null,
    methods: [],
    fingerprints: [],
    layers: {},
    classic: noClassicKeys(),
    explanation: `Cannot analyse this measurement: ${reason}.`,
    reason,
  };
}

/** Which engine wrote the measurement: v0.5 by its version, or (untagged fixtures) by its v0.5-only keys. */
function engineOf(view: MeasurementView): Verdict['engine'] {
  if (view.testVersion) return /^0\.5\./.test(view.testVersion) ? 'lte-0.5' : 'classic-0.4';
  return view.hasLteKeys ? 'lte-0.5' : 'classic-0.4';
}

function matchFingerprints(view: MeasurementView, set: FingerprintSet | undefined): FingerprintMatch[] {
  if (!set || set.size === 0) return [];
  const found = new Map<string, FingerprintMatch>();
  const add = (matches: FingerprintMatch[]) => {
    for (const m of matches) {
      const key = `${m.location}\0${m.name}\0${m.matched}`;
      if (!found.has(key)) found.set(key, m);
    }
  };
  for (const q of view.queries) for (const a of q.answers) add(set.matchDnsAnswer(a.value, view.probeCc));
  for (const r of view.requests) {
    if (r.bodyBase64) add(set.matchEncodedBody(r.bodyBase64, () => r.body, view.probeCc));
    else if (r.body) add(set.matchBody(r.body, view.probeCc));
    for (const [name, value] of r.headers) add(set.matchHeader(name, value, view.probeCc));
  }
  // Sorted by location, then name, then matched value: the same input always lists matches the same way.
  return [...found.values()].sort(
    (a, b) =>
      (a.location < b.location ? -1 : a.location > b.location ? 1 : 0) ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
      (a.matched < b.matched ? -1 : a.matched > b.matched ? 1 : 0),
  );
}

function analyze(measurement: unknown, options: AnalyzeOptions): Verdict {
  const read = readMeasurement(measurement);
  if (!read.ok) return unknownVerdict(read.reason);
  const view = read.view;
  const asnOf = createAsnOf(view, options.asnOf);
  const isBogonAddr = (ip: string) => isBogon(ip) && !options.isPublicOverride?.(ip);
  const engine = engineOf(view);
  const v05 = analyzeV05(view, asnOf, isBogonAddr);
  const classic = engine === 'lte-0.5' ? v05 : classicV04(view, asnOf);
  const lookup = systemLookup(view);
  const fingerprints = matchFingerprints(view, options.fingerprints);
  const control = view.controlFailure === null ? view.control : null;
  const controlFetched = !!control?.http && control.http.failure === null && control.http.status > 0;
  const interception = findInterception(view.tls, control, controlFetched && view.url.protocol === 'https:');
  const { layers, methods, falsePositivePage, siteFault, finalFailure, followups } = deriveLayers({
    view,
    lookup,
    asnOf,
    classic,
    invalidAddrs: v05.invalidAddrs,
    bogons: v05.bogons,
    fingerprints,
    interception,
    controlFetched,
    ...(options.transferBaseline ? { transferBaseline: options.transferBaseline } : {}),
  });

  const confirmed = fingerprints.some((m) => m.confirms);
  const blockingIsString = typeof classic.blocking === 'string';
  const anomaly = blockingIsString || confirmed;
  const failure =
    view.recordedFailures.some((f) => f.startsWith('unknown_failure')) ||
    (!confirmed && (classic.blocking === null || classic.accessible === null));

  const layerList = Object.values(layers);
  let outcome: Outcome;
  if (methods.length > 0 || confirmed) outcome = 'blocked';
  // The site itself refused this client or is broken for everyone: down, with the reason in `site_fault`.
  else if (siteFault) outcome = 'down';
  else if (isNxdomain(lookup.failure) && control?.dns?.failure != null) outcome = 'down';
  else if (classic.accessible === true || falsePositivePage) outcome = 'accessible';
  else if ((classic.blocking === false && classic.accessible === false) || layerList.some((l) => l.status === 'down'))
    outcome = 'down';
  else outcome = 'unknown';

  const verdict: Verdict = {
    engine,
    blocking: classic.blocking,
    accessible: classic.accessible,
    outcome,
    anomaly,
    confirmed,
    failure,
    method: methods[0] ?? null,
    methods,
    fingerprints,
    layers,
    classic: {
      dns_consistency: classic.dns_consistency,
      ...classic.http,
      ...(engine === 'classic-0.4' && classic.x_status !== undefined ? { x_status: classic.x_status } : {}),
      x_dns_flags: v05.x_dns_flags,
      x_blocking_flags: v05.x_blocking_flags,
      x_null_null_flags: v05.x_null_null_flags,
    },
    explanation: explain({
      view,
      lookup,
      asnOf,
      describeAsn: options.describeAsn,
      outcome,
      methods,
      layers,
      fingerprints,
      interception,
      bogons: v05.bogons,
      controlFetched,
      classic,
      siteFault,
      finalFailure,
      followups,
    }),
  };
  if (siteFault && outcome === 'down') verdict.site_fault = siteFault;
  if (outcome === 'blocked') verdict.strength = strengthOf({ methods, confirmed, layers, followups });
  if (interception) {
    verdict.interception = {
      probe_issuer: interception.probe_issuer,
      control_issuer: interception.control_issuer,
      validated_by_extra_ca: interception.validated_by_extra_ca,
    };
  }
  if (outcome === 'unknown' && classic.blocking === null) {
    verdict.reason =
      view.controlFailure !== null
        ? `no control measurement (control_failure: ${view.controlFailure})`
        : !view.control
          ? 'the measurement has no control data'
          : 'the evidence does not decide either way';
  }
  return verdict;
}

/** Analyses one measurement (any object; wrappers `{content}`/`{raw_measurement}` accepted). Never throws. */
export function analyzeMeasurement(measurement: unknown, options: AnalyzeOptions = {}): Verdict {
  try {
    return analyze(measurement, options);
  } catch (err) {
    // A bug must not take a batch down: report it as this measurement's reason.
    return unknownVerdict(`internal error while analysing: ${(err as Error)?.message ?? String(err)}`);
  }
}
