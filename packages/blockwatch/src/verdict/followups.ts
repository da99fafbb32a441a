/**
 * Decoy follow-ups (`x_sni_followups`, `x_host_followups`, written by our probe: docs/probe.md) read as findings.
 * A handshake or request that failed without an answer (timeout, reset, EOF) was tried again on the same address,
 * first with a decoy name, then with the real name. Three findings follow from the two answers:
 *
 *   decoy answered, real name failed again  → name_filtered   (the network filters by the name: strong evidence)
 *   decoy failed the same way                → address_unreachable (the address itself is cut off: weak, as before)
 *   decoy answered, real name answered       → transient       (the first failure was a one-off: not blocking)
 *
 * Anything else (a retry refused, a certificate error on the retry) decides nothing and gives no finding. Pure;
 * the probe shares `decoyAnswered*` so both sides read an answer the same way.
 */
import type { HttpView, MeasurementView, TlsView } from './input.ts';

/** The failures that ask for a follow-up: the ways a censor ends a handshake or request without an answer. */
export const FOLLOWUP_FAILURES: ReadonlySet<string> = new Set([
  'generic_timeout_error',
  'connection_reset',
  'eof_error',
]);

/** The decoy TLS handshake got an answer from the server: it completed, or a TLS alert or record came back. */
export function decoyAnsweredTls(failure: string | null): boolean {
  return failure === null || failure.startsWith('ssl_');
}

/** The decoy HTTP request got an answer: a status line came back. */
export function decoyAnsweredHttp(statusCode: number | null): boolean {
  return statusCode !== null && statusCode > 0;
}

export type FollowupKind = 'name_filtered' | 'address_unreachable' | 'transient';

export interface FollowupFinding {
  kind: FollowupKind;
  layer: 'tls' | 'http';
  address: string;
  /** the real server name (TLS) or Host (HTTP) */
  name: string;
  decoy: string;
  /** the failure of the measurement's own handshake or request */
  firstFailure: string;
  decoyFailure: string | null;
  /** null: the retry succeeded; undefined: it did not run */
  retryFailure: string | null | undefined;
}

/** One follow-up as read from the measurement (junk entries are dropped by input.ts). */
export interface FollowupView {
  address: string;
  name: string;
  decoy: string;
  decoyFailure: string | null;
  /** HTTP only: the decoy's status code, null when none came back */
  decoyStatus: number | null;
  retryFailure: string | null | undefined;
}

function classify(
  layer: 'tls' | 'http',
  f: FollowupView,
  firstFailure: string,
  answered: boolean,
): FollowupFinding | null {
  const base = {
    layer,
    address: f.address,
    name: f.name,
    decoy: f.decoy,
    firstFailure,
    decoyFailure: f.decoyFailure,
    retryFailure: f.retryFailure,
  };
  if (!answered) {
    return f.decoyFailure !== null && FOLLOWUP_FAILURES.has(f.decoyFailure)
      ? { kind: 'address_unreachable', ...base }
      : null;
  }
  if (f.retryFailure === null) return { kind: 'transient', ...base };
  if (f.retryFailure !== undefined && FOLLOWUP_FAILURES.has(f.retryFailure)) return { kind: 'name_filtered', ...base };
  return null;
}

/** Findings for the depth-0 handshakes that failed without an answer, matched by address and server name. */
export function tlsFindings(view: MeasurementView): FollowupFinding[] {
  const out: FollowupFinding[] = [];
  const failed = view.tls.filter(
    (h): h is TlsView & { failure: string } => h.depth === 0 && h.failure !== null && FOLLOWUP_FAILURES.has(h.failure),
  );
  for (const h of failed) {
    const f = view.sniFollowups.find((x) => x.address === h.address && x.name === h.serverName);
    const finding = f ? classify('tls', f, h.failure, decoyAnsweredTls(f.decoyFailure)) : null;
    if (finding && !out.some((o) => o.address === finding.address)) out.push(finding);
  }
  return out;
}

/**
 * The finding for the final request, when it failed without an answer and was followed up: its own TLS handshake
 * (`tls`: a redirect to another host, whose handshake the HTTP step makes; matched by the SNI, the URL's hostname)
 * or its plain-HTTP exchange (`http`: matched by the Host header, the URL's host with its port).
 */
function finalRequestFinding(
  view: MeasurementView,
  final: HttpView | undefined,
  layer: 'tls' | 'http',
): FollowupFinding | null {
  if (!final || final.failure === null || !FOLLOWUP_FAILURES.has(final.failure)) return null;
  if (!final.url.startsWith(layer === 'tls' ? 'https://' : 'http://')) return null;
  let name = '';
  try {
    const url = new URL(final.url);
    name = layer === 'tls' ? url.hostname : url.host;
  } catch {
    return null;
  }
  const followups = layer === 'tls' ? view.sniFollowups : view.hostFollowups;
  const f = followups.find((x) => x.address === final.address && x.name === name);
  if (!f) return null;
  const answered = layer === 'tls' ? decoyAnsweredTls(f.decoyFailure) : decoyAnsweredHttp(f.decoyStatus);
  return classify(layer, f, final.failure, answered);
}

/** The finding for the final hop's TLS handshake (a redirect hop's, made inside the HTTP step). */
export const hopTlsFinding = (view: MeasurementView, final: HttpView | undefined) =>
  finalRequestFinding(view, final, 'tls');

/** The finding for the final plain-HTTP request. */
export const httpFinding = (view: MeasurementView, final: HttpView | undefined) =>
  finalRequestFinding(view, final, 'http');
