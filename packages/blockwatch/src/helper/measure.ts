/**
 * One control measurement (OONI helper algorithm, web-connectivity.md §3): resolve the URL's host through the
 * clean resolver, then, in parallel, connect (and handshake, SNI = host) to every non-bogon endpoint the probe
 * or the resolver found, and fetch the page following redirects. Network failures are data: this never throws
 * for them, and every operation is bounded by the request's deadline.
 *
 *   dns ──► plan (ip_info, endpoints; bogons dropped) ──┬─► tcp [+ tls] per endpoint (at most 16 at once)
 *                                                       └─► http GET (pinned to a clean address)
 */
import { isIP } from 'node:net';
import type { ControlResponse, Failure, HttpTransaction, MaybeBinary } from '../model/index.ts';
import { createTrace, httpGet, type ResolvedHost, tcpConnect, tlsHandshake } from '../netx/index.ts';
import { leafIssuer } from './issuer.ts';
import { legacyDnsFailure, legacyHttpFailure, legacyTcpFailure, legacyTlsFailure } from './legacy-failures.ts';
import { IP_FLAGS, type PlannedEndpoint, planMeasurement } from './plan.ts';
import type { ControlRequestInput } from './request.ts';
import type { CleanResolver } from './resolver.ts';

/** OONI's per-operation budgets; the request deadline can only shorten them. */
export const DNS_TIMEOUT_MS = 4_000;
export const ENDPOINT_TIMEOUT_MS = 15_000;
export const HTTP_TIMEOUT_MS = 15_000;
/** Bytes of the page kept for the title; the full length is still counted up to `maxBodyBytes`. */
const KEPT_BODY_BYTES = 256 * 1024;
const MAX_REDIRECTS = 10;
const ENDPOINT_CONCURRENCY = 16;

/** A TLS handshake entry with our extra field: the issuer of the leaf certificate the endpoint sent. */
export interface ControlTlsHandshake {
  server_name: string;
  status: boolean;
  failure: string | null;
  x_issuer: string | null;
}

/** The response, with every key always present (OONI omits some when empty; consumers accept both). */
export interface HelperResponse extends ControlResponse {
  tcp_connect: Record<string, { status: boolean; failure: string | null }>;
  tls_handshake: Record<string, ControlTlsHandshake>;
  quic_handshake: Record<string, never>;
  http3_request: null;
  ip_info: Record<string, { asn: number; flags: number }>;
}

export interface MeasureDeps {
  resolve: CleanResolver;
  /** true for addresses never to dial (bogons no operator override makes public) */
  isBogon: (ip: string) => boolean;
  asnOf: (ip: string) => number;
  /** extra trust roots (the lab's CA) */
  ca?: string[];
  /** hard limit on the bytes of the page read (OONI: 16 MiB) */
  maxBodyBytes: number;
}

/** What the request log line reports. */
export interface MeasureStats {
  dnsMs: number;
  endpoints: number;
  tcpOk: number;
  tlsTried: number;
  tlsOk: number;
  httpStatus: number;
  httpFailure: string | null;
}

export interface MeasureResult {
  response: HelperResponse;
  stats: MeasureStats;
}

/** Runs `task` over `items` with at most `limit` in flight. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function headerText(value: MaybeBinary): string {
  return typeof value === 'string' ? value : Buffer.from(value.data, 'base64').toString('latin1');
}

/** OONI's `discovered_h3_endpoint`: the `h3=` authority of the first response's Alt-Svc, as host:port. */
export function discoverH3Endpoint(altSvc: string | undefined, url: URL): string {
  for (const entry of (altSvc ?? '').split(',')) {
    const match = /^\s*h3="?([^";]*)"?/.exec(entry.split(';')[0]);
    if (!match?.[1]) continue;
    const authority = match[1];
    const colon = authority.lastIndexOf(':');
    if (colon < 0) return '';
    return `${authority.slice(0, colon) || url.host.replace(/:\d+$/, '')}:${authority.slice(colon + 1)}`;
  }
  return '';
}

/** Go's canonical header name (`content-type` → `Content-Type`), which is how OONI's helper writes them. */
export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

function firstHeaderValues(transaction: HttpTransaction): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of transaction.response?.headers_list ?? []) {
    const canonical = canonicalHeaderName(name);
    if (!(canonical in headers)) headers[canonical] = headerText(value);
  }
  return headers;
}

async function measureEndpoint(
  endpoint: PlannedEndpoint,
  serverName: string,
  deps: MeasureDeps,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ tcp: { status: boolean; failure: string | null }; tls?: ControlTlsHandshake }> {
  const trace = createTrace();
  const started = Date.now();
  const { record, socket } = await tcpConnect(endpoint.ip, endpoint.port, { trace, timeoutMs, signal });
  const tcp = { status: record.status.failure === null, failure: legacyTcpFailure(record.status.failure) };
  if (!socket) return { tcp };
  try {
    if (!endpoint.tls) return { tcp };
    const { record: handshake, tlsSocket } = await tlsHandshake(socket, {
      trace,
      address: endpoint.key,
      serverName,
      alpn: ['h2', 'http/1.1'],
      ca: deps.ca,
      timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)),
      signal,
    });
    tlsSocket?.destroy();
    return {
      tcp,
      tls: {
        server_name: serverName,
        status: handshake.failure === null,
        failure: legacyTlsFailure(handshake.failure),
        x_issuer: leafIssuer(handshake.peer_certificates),
      },
    };
  } finally {
    socket.destroy();
  }
}

const FAILED_FETCH = { body_length: -1, status_code: -1, title: '', headers: {} as Record<string, string> };

/** Connect-level failures after which the next address of the host is worth a try (as Go's dialer does). */
const TRY_NEXT_ADDRESS = new Set(['connection_refused', 'host_unreachable', 'network_unreachable']);

async function fetchPage(
  request: ControlRequestInput,
  addresses: readonly string[],
  deps: MeasureDeps,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<HelperResponse['http_request']> {
  if (addresses.length === 0) return { ...FAILED_FETCH, discovered_h3_endpoint: '', failure: 'dns_lookup_error' };
  // Hosts met in redirects: the clean resolver, and (as OONI's helper) an answer of bogons only is a failure.
  const resolveHost = async (host: string): Promise<ResolvedHost> => {
    const answer = await deps.resolve(host, { timeoutMs: Math.min(DNS_TIMEOUT_MS, timeoutMs), signal });
    if (answer.failure !== null) return { failure: answer.failure as Failure };
    return answer.addrs.find((ip) => !deps.isBogon(ip)) ?? { failure: 'dns_bogon_error' };
  };
  const started = Date.now();
  let result: Awaited<ReturnType<typeof httpGet>> | undefined;
  for (const address of addresses) {
    const remainingMs = timeoutMs - (Date.now() - started);
    if (remainingMs <= 0) break;
    result = await httpGet(request.url.href, {
      trace: createTrace(),
      address,
      resolveHost,
      // never a bogon, on any hop: a redirect to http://169.254.169.254/ must not reach the helper's own network
      allowAddress: (ip) => !deps.isBogon(ip),
      headers: request.headers,
      ca: deps.ca,
      timeoutMs: remainingMs,
      maxBodyBytes: KEPT_BODY_BYTES,
      maxReadBytes: deps.maxBodyBytes,
      maxRedirects: MAX_REDIRECTS,
      signal,
    });
    // Only a first hop that never connected moves on to the next address.
    if (!(result.requests.length <= 1 && result.requests[0]?.response == null)) break;
    if (!TRY_NEXT_ADDRESS.has(result.failure ?? '')) break;
  }
  if (!result) return { ...FAILED_FETCH, discovered_h3_endpoint: '', failure: 'generic_timeout_error' };
  const final = result.requests[0];
  const first = result.requests[result.requests.length - 1];
  const failure = legacyHttpFailure(result.failure);
  // As Go's client: a failed chain (too many redirects, a bad Location) has no response; a body that broke off
  // keeps its status and the bytes read.
  const chainFailed = result.failure !== null && final?.failure == null;
  if (!final?.response || chainFailed) {
    return { ...FAILED_FETCH, discovered_h3_endpoint: '', failure: failure ?? 'unknown_error' };
  }
  const response = final.response;
  const firstAltSvc = first?.response?.headers_list.find(([name]) => name.toLowerCase() === 'alt-svc')?.[1];
  return {
    body_length: response.x_body_length ?? 0,
    discovered_h3_endpoint: discoverH3Endpoint(firstAltSvc && headerText(firstAltSvc), request.url),
    failure,
    title: response.x_title ?? '',
    headers: firstHeaderValues(final),
    status_code: response.code,
  };
}

/** Measures one validated request. `deadlineAt` is a `Date.now()` value; `signal` aborts everything. */
export async function measureControl(
  request: ControlRequestInput,
  deps: MeasureDeps,
  deadlineAt: number,
  signal: AbortSignal,
): Promise<MeasureResult> {
  const remaining = () => Math.max(1, deadlineAt - Date.now());
  const hostIsIp = isIP(request.host) !== 0;

  const dnsStarted = Date.now();
  const resolution = hostIsIp
    ? { failure: null, addrs: [] as string[] }
    : await deps.resolve(request.host, { timeoutMs: Math.min(DNS_TIMEOUT_MS, remaining()), signal });
  const dnsMs = Date.now() - dnsStarted;
  const dns = { failure: legacyDnsFailure(resolution.failure), addrs: resolution.addrs };

  const plan = planMeasurement({
    url: request.url,
    probeEndpoints: request.probeEndpoints,
    helperAddrs: resolution.addrs,
    isBogon: deps.isBogon,
    asnOf: deps.asnOf,
  });

  // The page is fetched from the helper's own answer (never from the probe's addresses), bogons excluded.
  const fetchAddresses = (hostIsIp ? [request.host] : resolution.addrs)
    .filter((ip) => !deps.isBogon(ip))
    .sort((a, b) => isIP(a) - isIP(b)); // IPv4 first: many helper hosts have no IPv6 route

  const tcp_connect: HelperResponse['tcp_connect'] = {};
  const tls_handshake: HelperResponse['tls_handshake'] = {};
  const endpointTimeoutMs = Math.min(ENDPOINT_TIMEOUT_MS, remaining());
  const [, http_request] = await Promise.all([
    forEachLimited(plan.endpoints, ENDPOINT_CONCURRENCY, async (endpoint) => {
      const { tcp, tls } = await measureEndpoint(endpoint, request.host, deps, endpointTimeoutMs, signal);
      tcp_connect[endpoint.key] = tcp;
      if (tls) {
        tls_handshake[endpoint.key] = tls;
        if (tls.status) plan.ipInfo[endpoint.ip].flags |= IP_FLAGS.validForDomain;
      }
    }),
    fetchPage(request, fetchAddresses, deps, Math.min(HTTP_TIMEOUT_MS, remaining()), signal),
  ]);

  // Keys in endpoint order, whatever order the connects finished in.
  const sortedTcp = Object.fromEntries(
    plan.endpoints.filter((e) => e.key in tcp_connect).map((e) => [e.key, tcp_connect[e.key]]),
  );
  const sortedTls = Object.fromEntries(
    plan.endpoints.filter((e) => e.key in tls_handshake).map((e) => [e.key, tls_handshake[e.key]]),
  );
  const tlsEntries = Object.values(sortedTls);
  return {
    response: {
      tcp_connect: sortedTcp,
      tls_handshake: sortedTls,
      quic_handshake: {},
      http_request,
      http3_request: null,
      dns,
      ip_info: plan.ipInfo,
    },
    stats: {
      dnsMs,
      endpoints: plan.endpoints.length,
      tcpOk: Object.values(sortedTcp).filter((t) => t.status).length,
      tlsTried: tlsEntries.length,
      tlsOk: tlsEntries.filter((t) => t.status).length,
      httpStatus: http_request.status_code,
      httpFailure: http_request.failure,
    },
  };
}
