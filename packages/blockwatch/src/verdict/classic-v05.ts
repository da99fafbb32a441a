/**
 * OONI's Web Connectivity v0.5 ("LTE") analysis, restated (web-connectivity.md §2.2–2.5): the measurement is
 * flattened into observations (one per DNS lookup, one per endpoint carrying its deepest operation), each
 * cross-referenced with the control; the extended flags are computed over all of them, and the classic
 * `blocking`/`accessible` come from a linear walk over the "classic" subset (system-resolver addresses, body
 * fetches) in a fixed order.
 */
import type { ClassicBlocking } from '../model/verdict.ts';
import { isLoopback } from './bogons.ts';
import type { ClassicResult } from './classic-v04.ts';
import { type AsnOf, answersAgree, isSystemLookup } from './dns-compare.ts';
import { compareV05, type HttpComparison, isHttpDiff, NO_COMPARISON } from './http-compare.ts';
import { endpointKey, type HttpView, type MeasurementView, splitEndpoint, type TlsView } from './input.ts';

export const DNS_FLAGS = { Bogon: 1, UnexpectedFailure: 2, UnexpectedAddrs: 4 } as const;
export const BLOCKING_FLAGS = { DNS: 1, TCPIP: 2, TLS: 4, HTTP: 8, HTTPDiff: 16, Success: 32 } as const;
export const NULL_NULL_FLAGS = {
  ExpectedDNSLookupFailure: 1,
  ExpectedTCPConnectFailure: 2,
  ExpectedTLSHandshakeFailure: 4,
  SuccessfulHTTPS: 8,
  UnexpectedDNSLookupSuccess: 16,
} as const;

const TYPE_RANK = { dns: 0, tcp: 1, tls: 2, http: 3 } as const;

interface DnsObservation {
  kind: 'dns';
  depth: number;
  transactionId: number;
  classic: boolean;
  hostname: string;
  queryType: string;
  engine: string;
  failure: string | null;
  addrs: string[];
}

interface EndpointObservation {
  kind: 'tcp' | 'tls' | 'http';
  depth: number;
  transactionId: number;
  fetchBody: boolean | null;
  ip: string;
  port: number;
  /** failure of the deepest operation performed */
  failure: string | null;
  tcpFailure: string | null;
  tls: TlsView | null;
  http: HttpView | null;
}

type Observation = DnsObservation | EndpointObservation;

export interface V05Analysis extends ClassicResult {
  x_dns_flags: number;
  x_blocking_flags: number;
  x_null_null_flags: number;
  /** Lookups whose answers the control does not vouch for (after the TLS rescue). */
  invalidAddrs: string[];
  bogons: string[];
}

function endpoints(view: MeasurementView): EndpointObservation[] {
  const byTx = new Map<string, EndpointObservation>();
  const keyOf = (tx: number, ip: string, port: number) => `${tx}|${endpointKey(ip, port)}`;
  const ensure = (tx: number, ip: string, port: number, depth: number, fetchBody: boolean | null) => {
    const key = keyOf(tx, ip, port);
    let e = byTx.get(key);
    if (!e) {
      e = {
        kind: 'tcp',
        depth,
        transactionId: tx,
        fetchBody,
        ip,
        port,
        failure: null,
        tcpFailure: null,
        tls: null,
        http: null,
      };
      byTx.set(key, e);
    }
    return e;
  };
  for (const c of view.tcp) {
    const e = ensure(c.transactionId, c.ip, c.port, c.depth, c.fetchBody);
    e.tcpFailure = c.failure;
    e.failure = c.failure;
  }
  for (const h of view.tls) {
    const { ip, port } = splitEndpoint(h.address);
    const e = ensure(h.transactionId, ip, port, h.depth, h.fetchBody);
    e.kind = 'tls';
    e.tls = h;
    e.failure = h.failure;
  }
  for (const r of view.requests) {
    const { ip, port } = splitEndpoint(r.address);
    const e = ensure(r.transactionId, ip, port, r.depth, r.fetchBody);
    e.kind = 'http';
    e.http = r;
    e.failure = r.failure;
  }
  return [...byTx.values()];
}

const isFinalResponse = (o: Observation): o is EndpointObservation & { http: HttpView } =>
  o.kind === 'http' && o.failure === null && o.http !== null && [2, 4, 5].includes(Math.floor(o.http.status / 100));

const ipv6Broken = (ip: string, failure: string | null) =>
  ip.includes(':') && (failure === 'network_unreachable' || failure === 'host_unreachable');

export function analyzeV05(view: MeasurementView, asnOf: AsnOf, isBogonAddr: (ip: string) => boolean): V05Analysis {
  const control = view.controlFailure === null ? view.control : null;
  const controlDns = control?.dns ?? null;
  const controlHttpFailure = control ? (control.http?.failure ?? (control.http ? null : 'unknown_error')) : undefined;
  const controlPage =
    control?.http && control.http.failure === null
      ? {
          status: control.http.status,
          bodyLength: control.http.bodyLength,
          title: control.http.title,
          headers: control.http.headers,
        }
      : control?.http
        ? { status: -1, bodyLength: -1, title: '', headers: new Map<string, string>() }
        : null;

  const dnsObs: DnsObservation[] = view.queries
    .filter((q) => !q.engine.includes('doh'))
    .map((q) => ({
      kind: 'dns',
      depth: q.depth,
      transactionId: q.transactionId,
      classic: isSystemLookup(q),
      hostname: q.hostname,
      queryType: q.queryType,
      engine: q.engine,
      failure: q.failure,
      addrs: q.answers.filter((a) => a.type === 'A' || a.type === 'AAAA').map((a) => a.value),
    }));
  const endpointObs = endpoints(view);

  // --- address origins -------------------------------------------------------------------------------------
  const systemIps = new Set<string>();
  const resolverIps = new Set<string>();
  for (const o of dnsObs) for (const ip of o.addrs) (o.classic ? systemIps : resolverIps).add(ip);
  const thIps = new Set(controlDns?.addrs ?? []);
  const isClassicEndpoint = (e: EndpointObservation) =>
    e.fetchBody !== false && (systemIps.has(e.ip) || (!resolverIps.has(e.ip) && !thIps.has(e.ip)));

  // --- DNS: valid / invalid / expected / unexpected (depth 0, lookups of the input host) --------------------
  const tlsOkIps = new Set(
    endpointObs.filter((e) => e.depth === 0 && e.tls && e.tls.failure === null).map((e) => e.ip),
  );
  const isInputLookup = (o: DnsObservation) => o.depth === 0 && (o.hostname === view.host || o.hostname === '');
  const ignoredFailure = (o: DnsObservation) => o.queryType === 'AAAA' && o.failure === 'dns_no_answer';
  let dnsFlags = 0;
  let blockingFlags = 0;
  let nullNullFlags = 0;
  const invalidAddrs: string[] = [];
  const bogons: string[] = [];
  let classicValid = 0;
  let classicInvalid = 0;
  let classicExpectedFailure = 0;
  let classicUnexpectedFailure = 0;
  let probeResolvedSomething = false;
  for (const o of dnsObs.filter(isInputLookup)) {
    if (o.failure === null) {
      for (const ip of o.addrs) if (isBogonAddr(ip) && !bogons.includes(ip)) bogons.push(ip);
      if (o.addrs.length > 0) probeResolvedSomething ||= o.classic;
      if (!controlDns || controlDns.failure !== null || o.addrs.length === 0) continue;
      const valid = answersAgree(o.addrs, controlDns.addrs, asnOf);
      if (o.classic) valid ? classicValid++ : classicInvalid++;
      if (!valid && !o.addrs.some((ip) => tlsOkIps.has(ip))) {
        for (const ip of o.addrs) if (!invalidAddrs.includes(ip)) invalidAddrs.push(ip);
      }
    } else if (!ignoredFailure(o) && controlDns) {
      const expected = controlDns.failure !== null || (o.failure === 'dns_no_answer' && controlDns.addrs.length === 0);
      if (expected) {
        nullNullFlags |= NULL_NULL_FLAGS.ExpectedDNSLookupFailure;
        if (o.classic) classicExpectedFailure++;
      } else {
        dnsFlags |= DNS_FLAGS.UnexpectedFailure;
        if (o.classic) classicUnexpectedFailure++;
      }
    }
  }
  if (bogons.length > 0) dnsFlags |= DNS_FLAGS.Bogon;
  if (invalidAddrs.length > 0) dnsFlags |= DNS_FLAGS.UnexpectedAddrs;
  const thResolvedNothing = !!controlDns && (controlDns.failure !== null || controlDns.addrs.length === 0);
  if (controlDns && controlDns.failure === null && controlDns.addrs.length === 0 && probeResolvedSomething)
    nullNullFlags |= NULL_NULL_FLAGS.UnexpectedDNSLookupSuccess;
  if (dnsFlags & (DNS_FLAGS.UnexpectedFailure | DNS_FLAGS.UnexpectedAddrs)) blockingFlags |= BLOCKING_FLAGS.DNS;

  let consistency: 'consistent' | 'inconsistent' | null = null;
  if (classicUnexpectedFailure === 0 && classicInvalid === 0 && (classicValid > 0 || classicExpectedFailure > 0))
    consistency = 'consistent';
  else if (classicInvalid > 0 || classicUnexpectedFailure > 0 || (probeResolvedSomething && thResolvedNothing))
    consistency = 'inconsistent';

  // --- TCP / TLS / HTTP flags -------------------------------------------------------------------------------
  const tcpControl = (e: EndpointObservation) =>
    e.depth === 0 ? control?.tcp.get(endpointKey(e.ip, e.port)) : undefined;
  const tlsControl = (e: EndpointObservation) => {
    if (e.depth !== 0 || !e.tls) return undefined;
    const c = control?.tls.get(endpointKey(e.ip, e.port));
    return c && (c.serverName === '' || c.serverName === e.tls.serverName) ? c : undefined;
  };
  const finals = endpointObs.filter(isFinalResponse);
  const thFetchedOk = controlHttpFailure === null;
  for (const e of endpointObs) {
    if (e.tcpFailure !== null && !ipv6Broken(e.ip, e.tcpFailure)) {
      const c = tcpControl(e);
      if (c) {
        if (c.status) blockingFlags |= BLOCKING_FLAGS.TCPIP;
        else nullNullFlags |= NULL_NULL_FLAGS.ExpectedTCPConnectFailure;
      } else if (e.depth > 0 && finals.length === 0 && thFetchedOk) blockingFlags |= BLOCKING_FLAGS.TCPIP;
    }
    if (e.tls && e.tls.failure !== null) {
      const c = tlsControl(e);
      if (c) {
        if (c.status) blockingFlags |= BLOCKING_FLAGS.TLS;
        else nullNullFlags |= NULL_NULL_FLAGS.ExpectedTLSHandshakeFailure;
      } else if (e.depth > 0 && finals.length === 0 && thFetchedOk) blockingFlags |= BLOCKING_FLAGS.TLS;
    }
    if (e.http && e.http.failure !== null) {
      if (thFetchedOk) blockingFlags |= BLOCKING_FLAGS.HTTP;
    }
  }
  if (finals.length === 0 && thFetchedOk) {
    for (const o of dnsObs)
      if (o.depth > 0 && o.failure !== null && !ignoredFailure(o)) blockingFlags |= BLOCKING_FLAGS.DNS;
  }
  const firstFinal = finals[0];
  if (firstFinal) {
    const isTls = firstFinal.tls !== null;
    if (isTls) {
      blockingFlags |= BLOCKING_FLAGS.Success;
      if (!control) nullNullFlags |= NULL_NULL_FLAGS.SuccessfulHTTPS;
    } else if (control) {
      blockingFlags |= isHttpDiff(compareV05(firstFinal.http, controlPage))
        ? BLOCKING_FLAGS.HTTPDiff
        : BLOCKING_FLAGS.Success;
    }
  }

  // --- the classic linear walk ------------------------------------------------------------------------------
  const classic: Observation[] = [
    ...dnsObs.filter((o) => o.classic && !ignoredFailure(o)),
    ...endpointObs.filter(isClassicEndpoint),
  ];
  const failureRank = (f: string | null) => (f === null ? '' : f);
  classic.sort(
    (a, b) =>
      b.depth - a.depth ||
      TYPE_RANK[b.kind] - TYPE_RANK[a.kind] ||
      (failureRank(a.failure) < failureRank(b.failure)
        ? -1
        : failureRank(a.failure) > failureRank(b.failure)
          ? 1
          : 0) ||
      b.transactionId - a.transactionId,
  );

  let blocking: ClassicBlocking = null;
  let accessible: boolean | null = null;
  let decisive: string | null = null;
  let http: HttpComparison = NO_COMPARISON;
  const setBlocking = (s: ClassicBlocking) => {
    blocking = consistency === 'inconsistent' ? 'dns' : s;
    accessible = false;
  };
  const setNil = () => {
    if (consistency === 'inconsistent') setBlocking('dns');
  };
  const setFalse = () => {
    blocking = false;
    accessible = true;
  };
  const websiteDown = () => {
    if (consistency === 'inconsistent') setBlocking('dns');
    else {
      blocking = false;
      accessible = false;
    }
  };
  const hasHttpControl = controlHttpFailure !== undefined;

  for (const o of classic) {
    if (isFinalResponse(o)) {
      if (controlPage) http = compareV05(o.http, controlPage);
      if (o.tls && o.tls.failure === null) setFalse();
      else if (!hasHttpControl) setNil();
      else if (!isHttpDiff(http)) setFalse();
      else setBlocking('http-diff');
      break;
    }
    if (o.failure === null) {
      if (o.kind !== 'dns' || o.addrs.length === 0 || !controlDns || controlDns.failure !== null) continue;
      const probeLoopbackOnly = o.addrs.every(isLoopback);
      if (!probeLoopbackOnly) continue;
      if (controlDns.addrs.some((ip) => !isLoopback(ip))) setBlocking('dns');
      else websiteDown();
      break;
    }
    decisive = o.failure;
    if (o.kind === 'http') {
      if (!hasHttpControl) setNil();
      else if (controlHttpFailure !== null) websiteDown();
      else setBlocking('http-failure');
      break;
    }
    if (o.kind === 'tls') {
      const c = tlsControl(o);
      if (!c) hasHttpControl ? setBlocking('http-failure') : setNil();
      else if (!c.status) websiteDown();
      else setBlocking('http-failure');
      break;
    }
    if (o.kind === 'tcp') {
      const c = tcpControl(o);
      if (!c) hasHttpControl ? setBlocking('http-failure') : setNil();
      else if (!c.status) websiteDown();
      else setBlocking('tcp_ip');
      break;
    }
    // DNS failure
    const lookupObs = o as DnsObservation;
    const dnsControl = lookupObs.depth === 0 && lookupObs.hostname === view.host ? controlDns : null;
    if (!dnsControl) hasHttpControl ? setBlocking('dns') : setFalse();
    else if (dnsControl.failure !== null) websiteDown();
    else if (o.failure === 'dns_no_answer' && dnsControl.addrs.length === 0) websiteDown();
    else setBlocking('dns');
    break;
  }

  return {
    blocking,
    accessible,
    dns_consistency: consistency,
    http,
    decisive,
    x_dns_flags: dnsFlags,
    x_blocking_flags: blockingFlags,
    x_null_null_flags: nullNullFlags,
    invalidAddrs: invalidAddrs.sort(),
    bogons: bogons.sort(),
  };
}
