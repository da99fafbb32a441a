/**
 * OONI's Web Connectivity v0.4 verdict (probe-cli `internal/experiment/webconnectivity`, web-connectivity.md
 * §1.2–1.4): DNS consistency, the HTTP comparison keys, and the summary that sets `blocking`, `accessible` and
 * the `x_status` bits. Used for every measurement not written by v0.5 (v0.4.x and the older engines whose
 * verdicts it reproduces).
 */
import type { ClassicBlocking } from '../model/verdict.ts';
import { type AsnOf, answersAgree, isNxdomain, type Lookup, systemLookup } from './dns-compare.ts';
import { compareV04, type HttpComparison } from './http-compare.ts';
import { hostIsIp, type MeasurementView } from './input.ts';

export const X_STATUS = {
  SuccessSecure: 1,
  SuccessCleartext: 2,
  SuccessNXDOMAIN: 4,
  AnomalyControlUnreachable: 8,
  AnomalyControlFailure: 16,
  AnomalyDNS: 32,
  AnomalyHTTPDiff: 64,
  AnomalyConnect: 128,
  AnomalyReadWrite: 256,
  AnomalyUnknown: 512,
  AnomalyTLSHandshake: 1024,
  ExperimentDNS: 2048,
  ExperimentConnect: 4096,
  ExperimentHTTP: 8192,
  BugNoRequests: 16384,
} as const;

export interface ClassicResult {
  blocking: ClassicBlocking;
  accessible: boolean | null;
  dns_consistency: 'consistent' | 'inconsistent' | null;
  http: HttpComparison;
  x_status?: number;
  /** The failure that decided the verdict, if any. */
  decisive: string | null;
}

export function dnsConsistencyV04(
  view: MeasurementView,
  lookup: Lookup,
  asnOf: AsnOf,
): 'consistent' | 'inconsistent' | null {
  const control = view.control;
  if (view.controlFailure !== null || !control) return null;
  if (hostIsIp(view)) return 'consistent';
  const controlDns = control.dns ?? { failure: null, addrs: [] };
  if (lookup.failure !== null && controlDns.failure !== null) {
    return controlDns.failure === 'dns_name_error' && isNxdomain(lookup.failure) ? 'consistent' : 'inconsistent';
  }
  if (lookup.failure !== null || controlDns.failure !== null) return 'inconsistent';
  return answersAgree(lookup.addrs, controlDns.addrs, asnOf) ? 'consistent' : 'inconsistent';
}

const HTTP_FAILURES: Record<string, { reason: 'http-failure' | 'dns'; bit: number }> = {
  connection_refused: { reason: 'http-failure', bit: X_STATUS.AnomalyConnect },
  connection_reset: { reason: 'http-failure', bit: X_STATUS.AnomalyReadWrite },
  dns_nxdomain_error: { reason: 'dns', bit: X_STATUS.AnomalyDNS },
  eof_error: { reason: 'http-failure', bit: X_STATUS.AnomalyReadWrite },
  generic_timeout_error: { reason: 'http-failure', bit: X_STATUS.AnomalyUnknown },
  ssl_invalid_hostname: { reason: 'http-failure', bit: X_STATUS.AnomalyTLSHandshake },
  ssl_invalid_certificate: { reason: 'http-failure', bit: X_STATUS.AnomalyTLSHandshake },
  ssl_unknown_authority: { reason: 'http-failure', bit: X_STATUS.AnomalyTLSHandshake },
};

/**
 * Engines older than v0.4 (Measurement Kit's 0.0.x/0.1.x, the Python probe's 0.1.x–0.3.x) judged a failed fetch
 * without v0.4's list of failure strings: any failure with the control's fetch OK is `http-failure`, and a fetch
 * that failed on both sides is "website down" (blocking false, accessible false).
 */
export function isLegacyVersion(version: string | null): boolean {
  const m = version ? /^0\.(\d+)\./.exec(version) : null;
  return m !== null && Number(m[1]) < 4;
}

export function classicV04(view: MeasurementView, asnOf: AsnOf): ClassicResult {
  const legacy = isLegacyVersion(view.testVersion);
  const lookup = systemLookup(view);
  const consistency = dnsConsistencyV04(view, lookup, asnOf);
  const final = view.requests[0] ?? null;
  const controlHttp = view.control?.http ?? null;
  const http =
    view.controlFailure === null && controlHttp && final
      ? compareV04(final, {
          status: controlHttp.status,
          bodyLength: controlHttp.bodyLength,
          title: controlHttp.title,
          headers: controlHttp.headers,
        })
      : compareV04(null, null);
  let status = 0;
  let accessible: boolean | null = null;
  let reason: ClassicBlocking = null;
  let decisive: string | null = null;
  const done = () => ({
    blocking: accessible === true ? false : reason,
    accessible,
    dns_consistency: consistency,
    http,
    x_status: status,
    decisive,
  });

  // A. A page fetched over HTTPS with a trusted certificate comes from the legitimate server.
  if (final && final.failure === null && final.url.startsWith('https://')) {
    accessible = true;
    status |= X_STATUS.SuccessSecure;
    return done();
  }
  // B. Without the control there is nothing to compare with.
  if (view.controlFailure !== null || !view.control) {
    status |= X_STATUS.AnomalyControlUnreachable;
    return done();
  }
  // C/D. NXDOMAIN: the site is gone if the control agrees, DNS blocking if not.
  if (isNxdomain(lookup.failure) && consistency === 'consistent') {
    accessible = true;
    status |= X_STATUS.SuccessNXDOMAIN | X_STATUS.ExperimentDNS;
    return done();
  }
  if (consistency === 'inconsistent' && isNxdomain(lookup.failure)) {
    accessible = false;
    reason = 'dns';
    decisive = lookup.failure;
    status |= X_STATUS.AnomalyDNS | X_STATUS.ExperimentDNS;
    return done();
  }
  // E. Every TCP connect failed.
  const successes = view.tcp.filter((c) => c.failure === null).length;
  if (view.tcp.length > 0 && successes === 0 && consistency !== null) {
    status |= X_STATUS.AnomalyConnect | X_STATUS.ExperimentConnect;
    accessible = false;
    decisive = view.tcp[0]?.failure ?? null;
    if (consistency === 'consistent') reason = 'tcp_ip';
    else {
      reason = 'dns';
      status |= X_STATUS.AnomalyDNS;
    }
    return done();
  }
  const probeHttpFailure = final ? final.failure : view.recordedHttpFailure;
  if (legacy && probeHttpFailure !== null) {
    status |= X_STATUS.ExperimentHTTP;
    accessible = false;
    decisive = probeHttpFailure;
    if (consistency === 'inconsistent') reason = 'dns';
    else if (controlHttp?.failure != null) reason = false;
    else reason = 'http-failure';
    return done();
  }
  // F/G. The control could not fetch the page, or the probe did not try.
  if (controlHttp?.failure != null) {
    status |= X_STATUS.AnomalyControlFailure;
    return done();
  }
  if (!final) {
    status |= X_STATUS.BugNoRequests;
    return done();
  }
  // H. The probe's fetch failed.
  if (final.failure !== null) {
    status |= X_STATUS.ExperimentHTTP;
    const known = HTTP_FAILURES[final.failure];
    if (known) {
      reason = known.reason;
      status |= known.bit;
      decisive = final.failure;
      if (view.requests.length === 1 && consistency === 'inconsistent') {
        reason = 'dns';
        status |= X_STATUS.AnomalyDNS;
      }
      accessible = false;
    }
    return done();
  }
  // I/J. Both fetched a page: compare them.
  if (
    http.status_code_match === true &&
    (http.body_length_match === true || http.headers_match === true || http.title_match === true)
  ) {
    accessible = true;
    status |= X_STATUS.SuccessCleartext;
    return done();
  }
  status |= X_STATUS.AnomalyHTTPDiff;
  accessible = false;
  if (consistency === 'inconsistent') {
    reason = 'dns';
    status |= X_STATUS.AnomalyDNS;
  } else reason = 'http-diff';
  return done();
}
