/**
 * One Web Connectivity measurement of one URL (OONI ts-017, v0.4.3 shape with v0.5 extras).
 *
 *   DNS:  system resolver (or a --resolve pin) ∥ UDP resolver (A+AAAA, late replies kept) ∥ DoH (A+AAAA)
 *     │
 *     ├─ control request to the helper (every address × port) ───────────────┐
 *     ├─ TCP connect to every address on the URL's port (+ TLS with SNI)     │
 *     │     └─ as soon as one endpoint works: HTTP GET pinned to it          │
 *     │        (redirects followed; system-resolver addresses preferred)    │
 *     └────────────────────────────────────────────────────────────────────→ envelope → verdict → scrub
 *
 * Network failures are data: the result is always a measurement. Every step's timeout is capped by what is
 * left of the total budget, so a measurement never takes much longer than `timeoutMs`. Loopback addresses are
 * dialled only when pinned with --resolve or written in the URL (a resolver answering 127.0.0.1 is a finding,
 * not a target).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { Socket } from 'node:net';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../../errors.ts';
import type { AsnLookup } from '../../geo/index.ts';
import type {
  DnsQuery,
  HostFollowup,
  HttpTransaction,
  SniFollowup,
  TcpConnect,
  TlsHandshake,
  Verdict,
  WebConnectivityMeasurement,
  WebConnectivityTestKeys,
} from '../../model/index.ts';
import { unknownFailure } from '../../netx/classify.ts';
import {
  createTrace,
  formatEndpoint,
  httpGet,
  lookupDoh,
  lookupSystem,
  lookupUdp,
  tcpConnect,
  tlsHandshake,
} from '../../netx/index.ts';
import { buildControlRequest, type ControlClient, type ControlResult, requestControl } from '../../probe/control.ts';
import { createEnvelope, SOFTWARE_NAME, SOFTWARE_VERSION } from '../../probe/envelope.ts';
import { pinKey, type ResolvePins, urlPort } from '../../probe/resolve-pins.ts';
import { createScrubber } from '../../probe/scrub.ts';
import { isLoopback, noClassicKeys } from '../../verdict/index.ts';
import type { ProbeIdentity, ResolverIdentity } from '../experiment.ts';
import { pinnedQuery } from '../urlgetter.ts';
import {
  createFollowupGate,
  type FollowupContext,
  followUpHost,
  followUpSni,
  hopTlsFollowupTarget,
  hostFollowupTarget,
} from './followups.ts';

/** The headers OONI's probe sends (and the helper forwards), so both fetch the same page. */
export const REQUEST_HEADERS: Record<string, string> = {
  'User-Agent':
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  Accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language': 'en-US;q=0.8,en;q=0.5',
};

export const CONTROL_USER_AGENT = `${SOFTWARE_NAME}/${SOFTWARE_VERSION}`;

/** Per-step limits (OONI v0.5: 4 s DNS, 10 s TCP/TLS/HTTP, 30 s helper), each capped by the total budget. */
const STEP_MS = { dns: 4_000, connect: 10_000, tls: 10_000, http: 15_000, control: 30_000, udpLinger: 500 };
/** Body snapshot kept in the measurement (OONI v0.5: 512 KiB). */
export const MAX_BODY_BYTES = 1 << 19;

export type { ProbeIdentity, ResolverIdentity } from '../experiment.ts';

export interface MeasureOptions {
  /** UDP resolver "ip[:port]" (--resolver) */
  resolver?: string;
  /** DoH URL (--doh) */
  doh?: string;
  pins?: ResolvePins;
  /** control helper URL (--helper) */
  helperUrl?: string;
  /** a connection pool to that helper shared by a run (createControlClient); else one per measurement */
  controlClient?: ControlClient;
  /** extra trusted roots, PEM (--ca) */
  ca?: string[];
  /** total budget for the measurement (default 60 s) */
  timeoutMs?: number;
  /** the TLS step's limit (default 10 s, as OONI); a decoy follow-up step gets at most min(this, 5 s) */
  tlsTimeoutMs?: number;
  /** wall clock in ms for measurement_start_time (the lab replays days on its own clock); default Date.now */
  nowMs?: () => number;
  probe: ProbeIdentity;
  resolverIdentity: ResolverIdentity;
  reportId: string;
  testStartMs: number;
  /** annotates DNS answers with asn/as_org_name */
  asnOf?: AsnLookup;
  /** this host's interface addresses: scrubbed along with the sockets' local addresses */
  ownAddresses?: string[];
  /** the verdict engine; its result is stored in the measurement */
  analyze?: (m: WebConnectivityMeasurement) => Verdict;
  signal?: AbortSignal;
}

interface Endpoint {
  ip: string;
  /** the address came from the system resolver or a pin (OONI's "classic" set) */
  classic: boolean;
  tags: string[];
}

interface EndpointResult {
  endpoint: Endpoint;
  tcp: TcpConnect;
  tls?: TlsHandshake;
  /** the decoy follow-up of a handshake that failed without an answer (followups.ts) */
  followup?: Promise<SniFollowup>;
  localAddress?: string;
  ok: boolean;
}

function answersOf(q: DnsQuery | undefined): string[] {
  return (q?.answers ?? []).flatMap((a) => (a.ipv4 ? [a.ipv4] : a.ipv6 ? [a.ipv6] : []));
}

export async function measureUrl(input: string, options: MeasureOptions): Promise<WebConnectivityMeasurement> {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new InvalidArgumentError(`'${input}' is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`'${input}' is not an http:// or https:// URL`);
  }
  const totalMs = options.timeoutMs ?? 60_000;
  // The wall clock (a lab clock when injected) stamps the measurement; durations, record times and the budget
  // use the monotonic clock, so a replayed or jumping clock never distorts a timeout.
  const startMs = (options.nowMs ?? Date.now)();
  const trace = createTrace();
  const deadline = trace.zeroMs + totalMs;
  /** A step's timeout: its own limit, capped by what is left of the budget (never below 1 ms). */
  const budget = (stepMs: number) =>
    Math.max(1, Math.floor(Math.min(stepMs, deadline - (trace.zeroMs + trace.now() * 1000))));
  const signal = options.signal;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = urlPort(url);
  const pinned = options.pins?.get(pinKey(host, port));
  const pinnedAddresses = new Set([...(options.pins?.values() ?? [])].flat());

  // --- DNS ---------------------------------------------------------------------------------------------
  const queries: DnsQuery[] = [];
  const duplicates: DnsQuery[] = [];
  let systemQuery: DnsQuery | undefined;
  const literal = isIP(host) !== 0;
  const dnsSteps: Promise<void>[] = [];
  if (pinned) systemQuery = pinnedQuery(host, pinned, trace, ['classic']);
  else if (!literal) {
    dnsSteps.push(
      lookupSystem(host, { trace, timeoutMs: budget(STEP_MS.dns), signal }).then((q) => {
        q.tags = [...(q.tags ?? []), 'classic'];
        systemQuery = q;
      }),
    );
  }
  const extraQueries: DnsQuery[] = [];
  if (!literal && options.resolver) {
    for (const queryType of ['A', 'AAAA'] as const) {
      dnsSteps.push(
        lookupUdp(host, {
          trace,
          resolver: options.resolver,
          queryType,
          timeoutMs: budget(STEP_MS.dns),
          lingerMs: STEP_MS.udpLinger,
          signal,
        }).then((r) => {
          extraQueries.push(r.query);
          duplicates.push(...r.duplicates);
        }),
      );
    }
  }
  if (!literal && options.doh) {
    const dohUrl = new URL(options.doh);
    const dohPins = options.pins?.get(pinKey(dohUrl.hostname, urlPort(dohUrl)));
    for (const queryType of ['A', 'AAAA'] as const) {
      dnsSteps.push(
        lookupDoh(host, {
          trace,
          url: options.doh,
          queryType,
          timeoutMs: budget(STEP_MS.dns),
          ...(options.ca ? { ca: options.ca } : {}),
          ...(dohPins ? { resolve: new Map([[dohUrl.hostname, dohPins[0]]]) } : {}),
          signal,
        }).then((q) => {
          extraQueries.push(q);
        }),
      );
    }
  }
  await Promise.all(dnsSteps);
  if (systemQuery) queries.push(systemQuery);
  queries.push(...extraQueries.sort((a, b) => a.transaction_id - b.transaction_id));
  if (options.asnOf) {
    for (const q of [...queries, ...duplicates]) {
      for (const a of q.answers ?? []) {
        const ip = a.ipv4 ?? a.ipv6;
        const hit = ip ? options.asnOf(ip) : null;
        a.asn = hit?.asn ?? 0;
        if (hit?.org) a.as_org_name = hit.org;
      }
    }
  }

  // Endpoints: system/pinned addresses first ("classic"), then addresses only the UDP/DoH resolvers gave.
  const endpoints: Endpoint[] = [];
  const seen = new Set<string>();
  const addEndpoint = (ip: string, classic: boolean, origin: string) => {
    if (seen.has(ip)) {
      const known = endpoints.find((e) => e.ip === ip);
      if (known && !known.tags.includes(origin)) known.tags.push(origin);
      return;
    }
    // A loopback answer from a resolver is a finding, not a target; a pin or an IP-literal URL is the operator's.
    if (isLoopback(ip) && !pinned?.includes(ip) && !(literal && ip === host)) return;
    seen.add(ip);
    endpoints.push({ ip, classic, tags: classic ? ['classic'] : [origin] });
  };
  if (literal) addEndpoint(host, true, 'classic');
  for (const ip of answersOf(systemQuery)) addEndpoint(ip, true, 'classic');
  for (const q of extraQueries) for (const ip of answersOf(q)) addEndpoint(ip, false, q.engine);

  // --- control ∥ connectivity ∥ HTTP -------------------------------------------------------------------
  const controlRequest = buildControlRequest(
    url.href,
    endpoints.map((e) => e.ip),
    REQUEST_HEADERS,
  );
  const controlPromise: Promise<ControlResult | null> = options.controlClient
    ? options.controlClient.request(controlRequest, budget(STEP_MS.control), signal)
    : options.helperUrl
      ? requestControl({
          helperUrl: options.helperUrl,
          request: controlRequest,
          timeoutMs: budget(STEP_MS.control),
          ...(options.ca ? { ca: options.ca } : {}),
          ...(options.pins ? { pins: options.pins } : {}),
          userAgent: CONTROL_USER_AGENT,
          ...(signal ? { signal } : {}),
        })
      : Promise.resolve(null);

  const secure = url.protocol === 'https:';
  const tlsStepMs = options.tlsTimeoutMs ?? STEP_MS.tls;
  const followupContext: FollowupContext = {
    trace,
    stepLimitMs: tlsStepMs,
    remainingMs: () => deadline - (trace.zeroMs + trace.now() * 1000),
    headers: REQUEST_HEADERS,
    ...(options.ca ? { ca: options.ca } : {}),
    ...(signal ? { signal } : {}),
  };
  const mayFollowUp = createFollowupGate(followupContext);
  const alpn = ['h2', 'http/1.1'];
  let pickHttpEndpoint!: (e: Endpoint | null) => void;
  const httpEndpoint = new Promise<Endpoint | null>((resolve) => {
    pickHttpEndpoint = resolve;
  });
  const connectOne = async (endpoint: Endpoint): Promise<EndpointResult> => {
    const { record, socket } = await tcpConnect(endpoint.ip, port, {
      trace,
      timeoutMs: budget(STEP_MS.connect),
      signal,
    });
    record.tags = [...(record.tags ?? []), ...endpoint.tags];
    const result: EndpointResult = { endpoint, tcp: record, ok: record.status.success };
    const open: Socket | undefined = socket;
    if (open?.localAddress) result.localAddress = open.localAddress;
    try {
      if (secure && open && record.status.success) {
        const tls = await tlsHandshake(open, {
          trace,
          address: formatEndpoint(endpoint.ip, port),
          serverName: host,
          alpn,
          ...(options.ca ? { ca: options.ca } : {}),
          timeoutMs: budget(tlsStepMs),
          signal,
        });
        tls.record.tags = [...(tls.record.tags ?? []), ...endpoint.tags];
        result.tls = tls.record;
        result.ok = tls.record.failure === null;
        tls.tlsSocket?.destroy();
      }
    } finally {
      open?.destroy();
    }
    // An IP-literal URL sends no SNI: there is no name to swap for the decoy.
    if (result.tls && !literal && mayFollowUp(result.tls.failure))
      result.followup = followUpSni(endpoint.ip, port, host, alpn, followupContext);
    return result;
  };
  // System-resolver addresses win the HTTP fetch; others only when no classic endpoint works. With a single
  // classic address the choice is made already: fetch at once, in parallel with the connectivity check.
  const classicEndpoints = endpoints.filter((e) => e.classic);
  if (classicEndpoints.length === 1) pickHttpEndpoint(classicEndpoints[0]);
  const connectivity = Promise.all(
    endpoints.map((e) =>
      connectOne(e).then((r) => {
        if (r.ok && e.classic) pickHttpEndpoint(e);
        return r;
      }),
    ),
  ).then((results) => {
    const fallback = results.find((r) => r.ok)?.endpoint ?? endpoints.find((e) => e.classic) ?? endpoints[0] ?? null;
    pickHttpEndpoint(fallback);
    return results;
  });

  const httpPromise = httpEndpoint.then(async (endpoint) => {
    if (!endpoint) return null; // no address at all: the HTTP step is skipped (OONI v0.4)
    return httpGet(url.href, {
      trace,
      address: endpoint.ip,
      resolveHost: (name) => resolveRedirectHost(name, options.pins),
      // every hop, IP-literal redirects included: loopback only where the operator pinned it
      allowAddress: (ip) => !isLoopback(ip) || pinnedAddresses.has(ip) || (literal && ip === host),
      headers: REQUEST_HEADERS,
      ...(options.ca ? { ca: options.ca } : {}),
      timeoutMs: budget(STEP_MS.http),
      maxBodyBytes: MAX_BODY_BYTES,
      maxRedirects: 10,
      signal,
    });
  });

  const [controlResult, results, http] = await Promise.all([controlPromise, connectivity, httpPromise]);
  // The first hop's TLS follow-ups started beside the HTTP step (they need no socket of it), so the fetch kept its
  // budget. The final hop's own failure (a plain-HTTP request, or a redirect hop's handshake, made inside the HTTP
  // step) can only be followed up now that the step has ended.
  const finalHop = http?.requests[0];
  const hostTarget = hostFollowupTarget(finalHop);
  const hopTarget = hopTlsFollowupTarget(
    finalHop,
    results.flatMap((r) => (r.tls && r.followup ? [{ address: r.tls.address, serverName: r.tls.server_name }] : [])),
  );
  const [sniFollowups, hostFollowups, hopFollowups] = await Promise.all([
    Promise.all(results.flatMap((r) => (r.followup ? [r.followup] : []))),
    hostTarget && mayFollowUp(finalHop?.failure ?? null)
      ? followUpHost(hostTarget, followupContext).then((f): HostFollowup[] => [f])
      : Promise.resolve([] as HostFollowup[]),
    hopTarget && mayFollowUp(finalHop?.failure ?? null)
      ? followUpSni(hopTarget.ip, hopTarget.port, hopTarget.host, alpn, followupContext).then((f): SniFollowup[] => [f])
      : Promise.resolve([] as SniFollowup[]),
  ]);
  sniFollowups.push(...hopFollowups);

  // --- test keys ----------------------------------------------------------------------------------------
  const control = controlResult?.control;
  const tcp_connect = results.map((r) => {
    const th = control?.tcp_connect?.[formatEndpoint(r.tcp.ip, r.tcp.port)];
    if (th) r.tcp.status.blocked = th.status && !r.tcp.status.success;
    return r.tcp;
  });
  const tls_handshakes = results.flatMap((r) => (r.tls ? [r.tls] : []));
  const requests: HttpTransaction[] = http?.requests ?? [];
  const testKeys: WebConnectivityTestKeys = {
    agent: 'redirect',
    client_resolver: null,
    retries: null,
    socksproxy: null,
    queries,
    tcp_connect,
    tls_handshakes,
    network_events: trace.networkEvents(),
    requests,
    ...(controlResult ? { control: control ?? null } : {}),
    control_failure: controlResult ? controlResult.control_failure : null,
    x_control_request: controlResult ? controlRequest : null,
    dns_experiment_failure: systemQuery?.failure ?? null,
    http_experiment_failure: http?.failure ?? null,
    // the comparison keys are the analysis's to fill: written empty, as OONI's probe writes them before analysing
    ...noClassicKeys(),
    blocking: null,
    accessible: null,
    x_dns_duplicate_responses: duplicates,
    // absent when none ran (not measured), so OONI-shaped consumers see the keys they know
    ...(sniFollowups.length > 0 ? { x_sni_followups: sniFollowups.sort((a, b) => a.t0 - b.t0) } : {}),
    ...(hostFollowups.length > 0 ? { x_host_followups: hostFollowups } : {}),
  };
  // Without a helper there is no control: say so the way OONI does (a failure string), not with null.
  if (!controlResult) testKeys.control_failure = unknownFailure('no control helper was configured (--helper)');

  let measurement = createEnvelope({
    input: input,
    startMs,
    testStartMs: options.testStartMs,
    runtimeSeconds: trace.now(),
    reportId: options.reportId,
    probe: options.probe,
    resolver: options.resolverIdentity,
    ...(options.helperUrl ? { helperUrl: options.helperUrl } : {}),
    testKeys,
  });

  // Privacy before analysis, so nothing derived from the probe's address survives either.
  const own = [
    ...(options.ownAddresses ?? []),
    ...results.flatMap((r) => (r.localAddress ? [r.localAddress] : [])),
    ...(controlResult?.clientAddress ? [controlResult.clientAddress] : []),
  ];
  // Every address this measurement met as a server (endpoints, DNS answers, resolvers, the helper) is a fact
  // about the network, never the probe's identity, even when it equals a local address (loopback labs).
  const servers = [
    ...endpoints.map((e) => e.ip),
    ...requests.map((r) => stripPort(r.address)),
    ...[...queries, ...duplicates].flatMap(answersOf),
    ...serviceAddresses(options),
  ];
  measurement = createScrubber(own, servers).measurement(measurement);

  if (options.analyze) {
    const verdict = options.analyze(measurement);
    const tk = measurement.test_keys;
    tk.x_blockwatch_verdict = verdict;
    tk.blocking = verdict.blocking;
    tk.accessible = verdict.accessible;
    Object.assign(tk, verdict.classic);
  }
  return measurement;
}

function stripPort(address: string): string {
  return address.replace(/^\[?(.*?)\]?:\d+$/, '$1');
}

/** The resolver, DoH server and helper addresses the options name (as IP literals or --resolve pins). */
function serviceAddresses(options: MeasureOptions): string[] {
  const out: string[] = [];
  if (options.resolver) out.push(stripPort(options.resolver), options.resolver);
  for (const service of [options.doh, options.helperUrl]) {
    if (!service) continue;
    const u = new URL(service);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) out.push(host);
    out.push(...(options.pins?.get(pinKey(host, urlPort(u))) ?? []));
  }
  return out;
}

/** Where a redirect's host is dialled: a --resolve pin, else the system resolver; never loopback unpinned. */
async function resolveRedirectHost(name: string, pins?: ResolvePins): Promise<string | null> {
  const bare = name.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(bare)) return isLoopback(bare) ? null : bare;
  for (const [key, addresses] of pins ?? []) {
    if (key.slice(0, key.lastIndexOf(':')) === bare && addresses.length) return addresses[0];
  }
  // a lookup error propagates: httpGet classifies it (NXDOMAIN stays dns_nxdomain_error, not "no answer")
  const { address } = await dnsLookup(bare);
  return isLoopback(address) ? null : address;
}
