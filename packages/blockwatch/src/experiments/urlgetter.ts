/**
 * The steps the service experiments (telegram, whatsapp, signal) share, in the shape of OONI's urlgetter: one
 * target is `https://…` / `http://…` (resolve → TCP connect to the addresses in turn → TLS → one HTTP exchange,
 * redirects followed) or `tcpconnect://host:port` (resolve → TCP connect), and every step is recorded in OONI's
 * network keys (queries, tcp_connect, tls_handshakes, requests). Each target's outcome is OONI's: a failure
 * string and the operation that failed (`failed_operation`), which the experiments' rules read.
 *
 * Bounds: every step's timeout is its own limit capped by what is left of the run's budget; bodies are kept up
 * to MAX_BODY_BYTES. Loopback (and 0.0.0.0 / ::) is dialled only when the operator named it (a pin, a target
 * override): a resolver answering it is a finding, not a target.
 */
import { isIP, type Socket } from 'node:net';
import { InvalidArgumentError } from '../errors.ts';
import type { DnsQuery, HttpTransaction, Measurement, TcpConnect, TlsHandshake } from '../model/index.ts';
import { OPERATIONS, type Operation } from '../model/index.ts';
import {
  createTrace,
  formatEndpoint,
  httpGet,
  lookupSystem,
  type Trace,
  tcpConnect,
  tlsHandshake,
} from '../netx/index.ts';
import { createEnvelope } from '../probe/envelope.ts';
import { pinKey } from '../probe/resolve-pins.ts';
import { createScrubber } from '../probe/scrub.ts';
import { isSelfAddress } from '../verdict/index.ts';
import type { ExperimentRunOptions } from './experiment.ts';

/** What OONI's urlgetter sends: a browser's User-Agent, nothing that identifies the probe. */
const REQUEST_HEADERS: Record<string, string> = {
  'User-Agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'en-US;q=0.8,en;q=0.5',
};

/** Per-step limits (OONI's: 4 s DNS, 10 s connect and TLS, 15 s for the HTTP exchange). */
export const STEP_MS = { dns: 4_000, connect: 10_000, tls: 10_000, http: 15_000 };
/** The services' pages are small; the rules read the status, headers and title only. */
export const MAX_BODY_BYTES = 1 << 16;
/** OONI runs a service experiment under one 60 s context. */
export const DEFAULT_BUDGET_MS = 60_000;

export interface NetworkKeys {
  queries: DnsQuery[];
  tcp_connect: TcpConnect[];
  tls_handshakes: TlsHandshake[];
  requests: HttpTransaction[];
}

/** One target's outcome, as OONI's urlgetter reports it. */
export interface TargetResult {
  failure: string | null;
  failed_operation: string | null;
}

export interface StepRun {
  trace: Trace;
  keys: NetworkKeys;
  options: ExperimentRunOptions;
  /** a step's timeout: its own limit capped by what is left of the budget (never below 1 ms) */
  budget(stepMs: number): number;
  /** local addresses of the sockets opened, scrubbed from the measurement */
  localAddresses: Set<string>;
  /** addresses dialled as servers: never scrubbed */
  servers: Set<string>;
}

/** A run of its own keys on the same clock, budget and address sets (one per lookup in dnscheck). */
export function childRun(run: StepRun): StepRun {
  return { ...run, keys: { queries: [], tcp_connect: [], tls_handshakes: [], requests: [] } };
}

export function startRun(options: ExperimentRunOptions): StepRun {
  const trace = createTrace();
  const deadline = trace.zeroMs + (options.timeoutMs ?? DEFAULT_BUDGET_MS);
  return {
    trace,
    keys: { queries: [], tcp_connect: [], tls_handshakes: [], requests: [] },
    options,
    budget: (stepMs) => Math.max(1, Math.floor(Math.min(stepMs, deadline - (trace.zeroMs + trace.now() * 1000)))),
    localAddresses: new Set(),
    servers: new Set(),
  };
}

function answerAddresses(q: DnsQuery): string[] {
  return (q.answers ?? []).flatMap((a) => (a.ipv4 ? [a.ipv4] : a.ipv6 ? [a.ipv6] : []));
}

/** A --resolve pin written as the lookup getaddrinfo would have made (tags: x_pinned, plus the caller's). */
export function pinnedQuery(host: string, addresses: string[], trace: Trace, tags: string[] = []): DnsQuery {
  const t = trace.now();
  return {
    hostname: host,
    query_type: 'ANY',
    // QUIRK: a pin acts like an /etc/hosts entry, which getaddrinfo would return; the tag says it was a pin.
    engine: 'getaddrinfo',
    resolver_address: '',
    failure: null,
    answers: addresses.map((ip) =>
      isIP(ip) === 6 ? { answer_type: 'AAAA', ipv6: ip, ttl: null } : { answer_type: 'A', ipv4: ip, ttl: null },
    ),
    t0: t,
    t,
    tags: [...tags, 'x_pinned'],
    transaction_id: trace.nextId(),
  };
}

/** The addresses to dial for host:port (a pin, an IP literal, or the system resolver), recording the lookup. */
async function resolve(
  run: StepRun,
  host: string,
  port: number,
): Promise<{ addresses: string[]; failure: string | null }> {
  if (isIP(host)) return { addresses: [host], failure: null };
  const pinned = run.options.pins?.get(pinKey(host, port));
  const query = pinned
    ? pinnedQuery(host, pinned, run.trace)
    : await lookupSystem(host, {
        trace: run.trace,
        timeoutMs: run.budget(STEP_MS.dns),
        ...(run.options.signal ? { signal: run.options.signal } : {}),
      });
  annotate(run, query);
  run.keys.queries.push(query);
  if (query.failure !== null) return { addresses: [], failure: query.failure };
  const all = answerAddresses(query);
  const addresses = pinned ? all : all.filter((ip) => !isSelfAddress(ip));
  // only local answers: nothing this probe may dial (OONI would connect to this host); say so as a DNS finding
  return addresses.length ? { addresses, failure: null } : { addresses, failure: 'dns_bogon_error' };
}

/** Annotates DNS answers with asn/as_org_name when the run has an IP → ASN lookup. */
export function annotate(run: StepRun, query: DnsQuery): void {
  const asnOf = run.options.asnOf;
  if (!asnOf) return;
  for (const a of query.answers ?? []) {
    const ip = a.ipv4 ?? a.ipv6;
    const hit = ip ? asnOf(ip) : null;
    a.asn = hit?.asn ?? 0;
    if (hit?.org) a.as_org_name = hit.org;
  }
}

/** TCP connect to the addresses in turn until one answers (urlgetter's order); the open socket is the caller's. */
async function connect(
  run: StepRun,
  addresses: string[],
  port: number,
): Promise<{ ip: string; socket: Socket } | { failure: string }> {
  let failure = 'generic_timeout_error';
  for (const ip of addresses) {
    run.servers.add(ip);
    const { record, socket } = await tcpConnect(ip, port, {
      trace: run.trace,
      timeoutMs: run.budget(STEP_MS.connect),
      ...(run.options.signal ? { signal: run.options.signal } : {}),
    });
    run.keys.tcp_connect.push(record);
    if (socket) {
      if (socket.localAddress) run.localAddresses.add(socket.localAddress);
      return { ip, socket };
    }
    failure = record.status.failure ?? failure;
  }
  return { failure };
}

/** `dnslookup://host`: the lookup only, recorded. */
export async function resolveOnly(run: StepRun, host: string): Promise<TargetResult> {
  const { failure } = await resolve(run, host, 443);
  return { failure, failed_operation: failure === null ? null : OPERATIONS.resolve };
}

/** `tcpconnect://host:port`. */
export async function connectTarget(run: StepRun, host: string, port: number): Promise<TargetResult> {
  const { addresses, failure } = await resolve(run, host, port);
  if (failure !== null) return { failure, failed_operation: OPERATIONS.resolve };
  const connected = await connect(run, addresses, port);
  if ('failure' in connected) return { failure: connected.failure, failed_operation: OPERATIONS.connect };
  connected.socket.destroy();
  return { failure: null, failed_operation: null };
}

/** A request that never reached the wire: recorded as OONI records it (response null, the failure). */
function failedRequest(run: StepRun, url: URL, method: string, failure: string, operation: Operation): HttpTransaction {
  const t = run.trace.now();
  return {
    network: 'tcp',
    address: '',
    alpn: '',
    failure,
    request: {
      url: url.href,
      method,
      headers: { Host: url.host },
      headers_list: [['Host', url.host]],
      body: '',
      body_is_truncated: false,
      x_transport: 'tcp',
    },
    response: null,
    t0: t,
    t,
    transaction_id: run.trace.nextId(),
    x_failed_operation: operation,
  };
}

/**
 * Resolve, connect and (https) TLS-handshake one URL's endpoint, recording each step: the address that answered,
 * or the failure and its step. The socket is closed: callers that speak HTTP open their own exchange.
 */
export async function openTarget(run: StepRun, url: URL): Promise<TargetResult & { ip: string | null }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  const { addresses, failure } = await resolve(run, host, port);
  if (failure !== null) return { ip: null, failure, failed_operation: OPERATIONS.resolve };
  const connected = await connect(run, addresses, port);
  if ('failure' in connected) return { ip: null, failure: connected.failure, failed_operation: OPERATIONS.connect };
  const { ip, socket } = connected;
  try {
    if (url.protocol === 'https:') {
      const tls = await tlsHandshake(socket, {
        trace: run.trace,
        address: formatEndpoint(ip, port),
        serverName: host,
        ...(run.options.ca ? { ca: run.options.ca } : {}),
        timeoutMs: run.budget(STEP_MS.tls),
        ...(run.options.signal ? { signal: run.options.signal } : {}),
      });
      run.keys.tls_handshakes.push(tls.record);
      tls.tlsSocket?.destroy();
      if (tls.record.failure !== null)
        return { ip, failure: tls.record.failure, failed_operation: OPERATIONS.tlsHandshake };
    }
  } finally {
    socket.destroy();
  }
  return { ip, failure: null, failed_operation: null };
}

/**
 * `http(s)://…`: resolve, connect, TLS (recorded apart, as OONI's tls_handshakes), then the exchange pinned to
 * the address that answered. A failed step before the exchange is recorded as a failed request too.
 */
export async function fetchTarget(run: StepRun, target: string, method: 'GET' | 'POST' = 'GET'): Promise<TargetResult> {
  const url = new URL(target);
  const opened = await openTarget(run, url);
  const { ip } = opened;
  if (opened.failure !== null || ip === null) {
    const operation = (opened.failed_operation ?? OPERATIONS.connect) as Operation;
    const failure = opened.failure ?? 'unknown_failure';
    run.keys.requests.push(failedRequest(run, url, method, failure, operation));
    return { failure, failed_operation: operation };
  }
  const signal = run.options.signal ? { signal: run.options.signal } : {};
  const ca = run.options.ca ? { ca: run.options.ca } : {};
  const pins = run.options.pins;
  const http = await httpGet(url.href, {
    trace: run.trace,
    address: ip,
    method,
    resolveHost: async (name) => {
      for (const [key, pinned] of pins ?? [])
        if (key.startsWith(`${name.toLowerCase()}:`) && pinned[0]) return pinned[0];
      const again = await resolve(run, name, 443);
      return again.addresses[0] ?? (again.failure ? { failure: again.failure } : null);
    },
    allowAddress: (addr) => addr === ip || !isSelfAddress(addr) || [...(pins?.values() ?? [])].flat().includes(addr),
    headers: REQUEST_HEADERS,
    ...ca,
    timeoutMs: run.budget(STEP_MS.http),
    maxBodyBytes: MAX_BODY_BYTES,
    maxRedirects: 10,
    ...signal,
  });
  run.keys.requests.push(...http.requests);
  if (http.failure === null) return { failure: null, failed_operation: null };
  return { failure: http.failure, failed_operation: http.requests[0]?.x_failed_operation ?? OPERATIONS.httpRoundTrip };
}

/** The measurement: OONI's envelope around the network keys and the experiment's own keys, scrubbed. */
export function finishRun<TK extends object>(
  run: StepRun,
  experiment: { name: string; version: string },
  startMs: number,
  testKeys: TK,
): Measurement<NetworkKeys & TK> {
  const { options } = run;
  const measurement = createEnvelope({
    input: null,
    testName: experiment.name,
    testVersion: experiment.version,
    startMs,
    testStartMs: options.testStartMs,
    runtimeSeconds: run.trace.now(),
    reportId: options.reportId,
    probe: options.probe,
    resolver: options.resolverIdentity,
    testKeys: { agent: 'redirect', failed_operation: null, failure: null, ...run.keys, ...testKeys },
  });
  const servers = [...run.servers, ...run.keys.queries.flatMap(answerAddresses)];
  return createScrubber([...(options.ownAddresses ?? []), ...run.localAddresses], servers).measurement(
    measurement,
  ) as Measurement<NetworkKeys & TK>;
}

// --- `--targets FILE.json`: the readers every experiment's parseTargets uses ----------------------------------

/** The targets object, refusing keys the experiment does not know (a typo must not measure the real service). */
export function targetsObject(json: unknown, where: string, known: readonly string[]): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new InvalidArgumentError(`${where}: the targets must be a JSON object`);
  }
  for (const key of Object.keys(json)) {
    if (!known.includes(key)) {
      throw new InvalidArgumentError(`${where}: unknown key '${key}' (known: ${known.join(', ')})`);
    }
  }
  return json as Record<string, unknown>;
}

/** A list of IP literals at `key`, or undefined when absent. */
export function ipList(o: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((ip) => typeof ip !== 'string' || isIP(ip) === 0)) {
    throw new InvalidArgumentError(`${where}: '${key}' must be a non-empty list of IP addresses`);
  }
  return v as string[];
}

/** A list of TCP ports at `key`, or undefined when absent. */
export function portList(o: Record<string, unknown>, key: string, where: string): number[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0 || v.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new InvalidArgumentError(`${where}: '${key}' must be a non-empty list of ports (1-65535)`);
  }
  return v as number[];
}

/** An http(s) URL at `key` (or a list of them with `many`), or undefined when absent. */
export function urlField(o: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  return checkUrl(v, `${where}: '${key}'`);
}

export function urlList(o: Record<string, unknown>, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0)
    throw new InvalidArgumentError(`${where}: '${key}' must be a non-empty list of URLs`);
  return v.map((u, i) => checkUrl(u, `${where}: '${key}[${i}]'`));
}

function checkUrl(v: unknown, what: string): string {
  let url: URL | null = null;
  try {
    url = typeof v === 'string' ? new URL(v) : null;
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new InvalidArgumentError(`${what} must be an http:// or https:// URL, got ${JSON.stringify(v)}`);
  }
  return url.href;
}
