/**
 * Remote HTTP/TLS analysis (Hyperquack-style): a server inside the target network, serving some unrelated site, is
 * sent a request naming the test domain (Host header, or TLS SNI) and requests naming benign control domains. The
 * server answers every name the same way, so a reset, timeout or different page only for the test domain is
 * interference on the path. Pure: no `node:*` imports, no I/O.
 *
 * Design (Censored Planet Hyperquack, docs/remote.md)
 * - The control responses make the server's template (status, page, certificate). A control that fails makes the
 *   server unusable for this round: `unknown`, never "blocked".
 * - The test is retried (Censored Planet: up to 5 tries); one response matching the template means no interference.
 * - After failed tries a control is sent again at once. If it fails too, the path may hold a grudge (stateful
 *   blocking): a later control that succeeds says so, and the test's failure counts; if all fail, `unknown`.
 */
import type { BlockingMethod, LayerResult } from '../model/verdict.ts';
import { type RemoteAnalyzeOptions, type RemoteVerdict, remoteVerdict } from './analyze-dns.ts';

export type QuackProtocol = 'http' | 'https';

/** One request to the server, reduced to what is compared. */
export interface QuackAttempt {
  domain: string;
  /** the network failure (connect, handshake, read); null when a response (or a completed handshake) came */
  failure: string | null;
  failedOperation?: string;
  /** HTTP */
  status?: number;
  title?: string;
  bodySha256?: string;
  bodyLength?: number;
  body?: string;
  location?: string;
  /** HTTPS: the handshake completed (verification failures are expected: the server is not the domain's) */
  tlsVersion?: string;
  certSha256?: string;
}

export interface RemoteHttpInput {
  protocol: QuackProtocol;
  domain: string;
  server: { address: string; port: number; asn: number; cc: string };
  /** benign domains asked first: the template */
  controls: QuackAttempt[];
  /** the test domain, in order (stop at the first response matching the template) */
  attempts: QuackAttempt[];
  /** controls sent after every test attempt failed (the first immediately, later ones after a wait) */
  postControls: QuackAttempt[];
}

/** Body lengths within this ratio count as the same page when the titles agree (dynamic parts vary a little). */
const LENGTH_RATIO = 0.7;

export function matchesTemplate(a: QuackAttempt, template: QuackAttempt, protocol: QuackProtocol): boolean {
  if (a.failure !== null) return false;
  if (protocol === 'https') return a.certSha256 === template.certSha256 && a.tlsVersion === template.tlsVersion;
  if (a.status !== template.status || (a.location ?? '') !== (template.location ?? '')) return false;
  if (a.bodySha256 !== undefined && a.bodySha256 === template.bodySha256) return true;
  const [x, y] = [a.bodyLength ?? 0, template.bodyLength ?? 0];
  const ratio = Math.max(x, y) === 0 ? 1 : Math.min(x, y) / Math.max(x, y);
  return (a.title ?? '') === (template.title ?? '') && ratio >= LENGTH_RATIO;
}

/** The method a failed or different answer shows, and the layer it belongs to. */
function methodOf(a: QuackAttempt, protocol: QuackProtocol): { method: BlockingMethod; layer: 'tcp' | 'tls' | 'http' } {
  if (a.failure === null) return { method: 'http_blockpage', layer: 'http' };
  if (a.failedOperation === 'connect') return { method: 'tcp_ip', layer: 'tcp' };
  if (protocol === 'https' || a.failedOperation === 'tls_handshake') return { method: 'tls', layer: 'tls' };
  return { method: 'http_failure', layer: 'http' };
}

function describe(a: QuackAttempt, protocol: QuackProtocol): string {
  if (a.failure !== null) return `${a.failure}${a.failedOperation ? ` (${a.failedOperation})` : ''}`;
  if (protocol === 'https') return `certificate ${a.certSha256?.slice(0, 16) ?? '?'}…`;
  return `status ${a.status}${a.title ? `, title "${a.title}"` : ''}, ${a.bodyLength ?? 0} bytes`;
}

function unknown(reason: string, explanation: string): RemoteVerdict {
  return remoteVerdict('unknown', [], {}, explanation, { reason });
}

export function analyzeRemoteHttp(input: RemoteHttpInput, options: RemoteAnalyzeOptions = {}): RemoteVerdict {
  const { protocol, domain, server } = input;
  const where = `server ${server.address}:${server.port} (AS${server.asn})`;
  const naming = protocol === 'https' ? 'SNI' : 'Host';
  const template = input.controls.find((c) => c.failure === null);
  const failedControl = input.controls.find((c) => c.failure !== null);
  if (!template || failedControl) {
    const bad = failedControl ?? input.controls[0];
    return unknown(
      'controls_failed',
      `The ${where} did not answer the control domain${bad ? ` ${bad.domain} (${describe(bad, protocol)})` : ''}: not usable for this test.`,
    );
  }
  if (input.controls.some((c) => !matchesTemplate(c, template, protocol))) {
    return unknown(
      'controls_differ',
      `The ${where} answers the control domains differently from each other: its responses cannot be compared.`,
    );
  }
  if (input.attempts.length === 0) return unknown('no test request', 'No test request was sent.');
  const matching = input.attempts.findIndex((a) => matchesTemplate(a, template, protocol));
  const layerName = protocol === 'https' ? 'tls' : 'http';
  if (matching >= 0) {
    const layer: LayerResult = {
      status: 'ok',
      evidence: [`try ${matching + 1} for ${domain} matches the control (${describe(template, protocol)})`],
    };
    return remoteVerdict(
      'accessible',
      [],
      { [layerName]: layer },
      `The ${where} answers ${naming} ${domain} as it answers the control ${template.domain}.`,
    );
  }

  const immediate = input.postControls[0];
  const recovered = input.postControls.slice(1).some((c) => matchesTemplate(c, template, protocol));
  if (!immediate || (!matchesTemplate(immediate, template, protocol) && !recovered)) {
    return unknown(
      'controls_failed',
      `Every try for ${domain} at the ${where} failed, and so did the control afterwards: the server or its path is broken.`,
    );
  }
  const stateful = !matchesTemplate(immediate, template, protocol);
  const last = input.attempts[input.attempts.length - 1] as QuackAttempt;
  const { method, layer } = methodOf(last, protocol);
  const fingerprints =
    last.failure === null && last.body && options.fingerprints
      ? options.fingerprints.matchBody(last.body, server.cc)
      : [];
  const evidence = [
    `${input.attempts.length} tries for ${domain}: ${[...new Set(input.attempts.map((a) => describe(a, protocol)))].join('; ')}`,
    `control ${template.domain}: ${describe(template, protocol)}`,
    ...(stateful ? ['the control failed right after the test and recovered later (stateful blocking)'] : []),
    ...fingerprints.map((f) => `the page matches fingerprint ${f.name}`),
  ];
  return remoteVerdict(
    'blocked',
    [method],
    { [layer]: { status: 'blocked', evidence, failure: last.failure } },
    `Requests to the ${where} naming ${domain} (${naming}) get ${describe(last, protocol)} on all ${input.attempts.length} tries, ` +
      `while the control ${template.domain} gets ${describe(template, protocol)}${stateful ? '; the path then blocked the control for a while too (stateful)' : ''}.`,
    { fingerprints, confirmed: fingerprints.some((f) => f.confirms) },
  );
}
