/**
 * A remote run: the plan (who is asked what, how many packets, how long the rate limits make it take), then the
 * measurements, each written as soon as it is done. Resolvers and servers are kept only while they pass their
 * controls: one that fails them twice in a row is retired for the rest of the run (Satellite's liveness rule).
 */

import { createTrace } from '../measure/trace.ts';
import type { DnsQuery, Measurement } from '../model/index.ts';
import { runPool } from '../probe/run-pool.ts';
import type { AddressCheck, RemoteAnalyzeOptions } from './analyze-dns.ts';
import type { QuackProtocol } from './analyze-http.ts';
import type { InfraHost } from './infra.ts';
import { DNS_ATTEMPTS, measureDnsRemote } from './measure-dns.ts';
import { HTTP_ATTEMPTS, measureHttpRemote } from './measure-http.ts';
import { createPacer, type PaceKey } from './pacer.ts';
import { createRemoteReportId, DNS_REMOTE, dnsRemoteRecord, HTTP_REMOTE, httpRemoteRecord } from './records.ts';
import type { Records } from './verify.ts';

/** Consecutive control failures after which a resolver or server is no longer asked anything. */
export const RETIRE_AFTER_FAILURES = 2;

export interface RemoteRates {
  /** queries per second to one resolver */
  perResolver: number;
  /** requests per second to one server */
  perServer: number;
  /** packets (queries or requests) per second into one network (ASN) */
  perNetwork: number;
}

export const DEFAULT_RATES: RemoteRates = { perResolver: 2, perServer: 1, perNetwork: 20 };

export interface RemoteOptions extends RemoteAnalyzeOptions {
  domains: string[];
  resolvers: InfraHost[];
  servers: InfraHost[];
  protocols: QuackProtocol[];
  controlResolvers: string[];
  dnsControlDomain: string;
  httpControlDomains: string[];
  dnsAttempts?: number;
  httpAttempts?: number;
  statefulWaitMs: number;
  timeoutMs: number;
  concurrency: number;
  rates: RemoteRates;
  ca?: string[];
  /** ports of Satellite's verification fetches (HTTPS, HTTP); 443 and 80 except in tests */
  verifyPorts?: { https: number; http: number };
  vantageAsn?: string;
  signal?: AbortSignal;
  nowMs?: () => number;
}

export interface RemotePlan {
  dnsMeasurements: number;
  httpMeasurements: number;
  /** upper bounds: every retry and control taken */
  maxQueriesPerResolver: number;
  maxRequestsPerServer: number;
  networks: { network: string; cc: string; resolvers: number; servers: number; maxPackets: number }[];
  /** the least time the rate limits allow for the busiest resolver, server or network */
  minSeconds: number;
}

export function planRemote(o: RemoteOptions): RemotePlan {
  const dnsAttempts = o.dnsAttempts ?? DNS_ATTEMPTS;
  const httpAttempts = o.httpAttempts ?? HTTP_ATTEMPTS;
  const maxQueriesPerResolver = o.domains.length * (dnsAttempts + 2);
  const maxRequestsPerServer = o.domains.length * o.protocols.length * (o.httpControlDomains.length + httpAttempts + 2);
  const byNetwork = new Map<string, RemotePlan['networks'][number]>();
  const entry = (h: InfraHost) => {
    const key = `AS${h.asn}`;
    const e = byNetwork.get(key) ?? { network: key, cc: h.cc, resolvers: 0, servers: 0, maxPackets: 0 };
    byNetwork.set(key, e);
    return e;
  };
  for (const r of o.resolvers) {
    const e = entry(r);
    e.resolvers++;
    e.maxPackets += maxQueriesPerResolver;
  }
  for (const s of o.servers) {
    const e = entry(s);
    e.servers++;
    e.maxPackets += maxRequestsPerServer;
  }
  const networks = [...byNetwork.values()].sort((a, b) => a.network.localeCompare(b.network));
  const minSeconds = Math.max(
    0,
    o.resolvers.length ? maxQueriesPerResolver / o.rates.perResolver : 0,
    o.servers.length ? maxRequestsPerServer / o.rates.perServer : 0,
    ...networks.map((n) => n.maxPackets / o.rates.perNetwork),
  );
  return {
    dnsMeasurements: o.resolvers.length * o.domains.length,
    httpMeasurements: o.servers.length * o.domains.length * o.protocols.length,
    maxQueriesPerResolver,
    maxRequestsPerServer,
    networks,
    minSeconds,
  };
}

export function renderPlan(plan: RemotePlan, o: RemoteOptions): string {
  const lines = [
    `remote plan: ${o.domains.length} domains, ${o.resolvers.length} resolvers, ${o.servers.length} servers (${o.protocols.join(', ')})`,
    `  ${plan.dnsMeasurements} dns_remote measurements (at most ${plan.maxQueriesPerResolver} queries per resolver, control domain ${o.dnsControlDomain}, control resolvers ${o.controlResolvers.join(', ') || 'none'})`,
    `  ${plan.httpMeasurements} http_remote measurements (at most ${plan.maxRequestsPerServer} requests per server, control domains ${o.httpControlDomains.join(', ')})`,
    `  rate limits: ${o.rates.perResolver}/s per resolver, ${o.rates.perServer}/s per server, ${o.rates.perNetwork}/s per network; at least ${plan.minSeconds.toFixed(1)} s`,
    ...plan.networks.map(
      (n) =>
        `  ${n.network} (${n.cc}): ${n.resolvers} resolvers, ${n.servers} servers, at most ${n.maxPackets} packets`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

type Task =
  | { kind: typeof DNS_REMOTE; host: InfraHost; domain: string }
  | { kind: typeof HTTP_REMOTE; host: InfraHost; domain: string; protocol: QuackProtocol };

export interface RemoteProgress {
  done: number;
  total: number;
  /** tasks skipped because their resolver or server was retired */
  skipped: number;
  record?: Measurement<unknown>;
}

/** Runs the plan; `onRecord` gets each record as it is finished (domain-major order, so one host is never hammered). */
export async function runRemote(o: RemoteOptions, onProgress: (p: RemoteProgress) => void): Promise<number> {
  const nowMs = o.nowMs ?? Date.now;
  const pacer = createPacer();
  const interval = (perSecond: number) => 1000 / perSecond;
  const networkKey = (h: { asn: number }): PaceKey => ({
    key: `network:AS${h.asn}`,
    intervalMs: interval(o.rates.perNetwork),
  });
  const resolverKeys = (r: InfraHost): PaceKey[] => [
    { key: `resolver:${r.address}`, intervalMs: interval(o.rates.perResolver) },
    networkKey(r),
  ];
  const hostKey = (address: string): PaceKey => ({ key: `server:${address}`, intervalMs: interval(o.rates.perServer) });
  const pace = (keys: PaceKey[]) => pacer.turn(keys, o.signal);
  const tasks: Task[] = [];
  for (const domain of o.domains) {
    for (const host of o.resolvers) tasks.push({ kind: DNS_REMOTE, host, domain });
    for (const protocol of o.protocols)
      for (const host of o.servers) tasks.push({ kind: HTTP_REMOTE, host, domain, protocol });
  }
  const reportIds = {
    [DNS_REMOTE]: createRemoteReportId(nowMs(), DNS_REMOTE),
    [HTTP_REMOTE]: createRemoteReportId(nowMs(), HTTP_REMOTE),
  };
  const failures = new Map<string, number>();
  const retired = (t: Task) =>
    (failures.get(`${t.kind}:${t.host.address}:${t.host.port ?? ''}`) ?? 0) >= RETIRE_AFTER_FAILURES;
  const controlCache = new Map<string, Promise<DnsQuery[]>>();
  const checkCache = new Map<string, Promise<{ check: AddressCheck; records: Records }>>();
  const runTrace = createTrace();
  let done = 0;
  let skipped = 0;
  await runPool(
    tasks,
    o.concurrency,
    async (t): Promise<Measurement<unknown> | null> => {
      if (retired(t)) return null;
      const startMs = nowMs();
      const envelope = (ms: number) => ({
        startMs,
        runtimeSeconds: (nowMs() - ms) / 1000,
        reportId: reportIds[t.kind],
        ...(o.vantageAsn ? { vantageAsn: o.vantageAsn } : {}),
      });
      if (t.kind === DNS_REMOTE) {
        const result = await measureDnsRemote(t.host, t.domain, {
          ...o,
          controlDomain: o.dnsControlDomain,
          attempts: o.dnsAttempts ?? DNS_ATTEMPTS,
          pace,
          resolverKeys,
          serverKeys: (address) => [hostKey(address)],
          controlCache,
          checkCache,
          // control answers and verifications are shared by the run: they keep the run's clock
          trace: runTrace,
        });
        return dnsRemoteRecord(t.host, t.domain, o.dnsControlDomain, result, envelope(startMs)) as Measurement<unknown>;
      }
      const result = await measureHttpRemote(t.host, t.domain, t.protocol, {
        ...o,
        controlDomains: o.httpControlDomains,
        attempts: o.httpAttempts ?? HTTP_ATTEMPTS,
        pace,
        serverKeys: (s) => [hostKey(s.address), networkKey(s)],
        trace: createTrace(),
      });
      return httpRemoteRecord(t.host, t.domain, result, envelope(startMs)) as Measurement<unknown>;
    },
    (record, t) => {
      done++;
      if (!record) {
        skipped++;
        return onProgress({ done, total: tasks.length, skipped });
      }
      const key = `${t.kind}:${t.host.address}:${t.host.port ?? ''}`;
      const reason = (record.test_keys as { x_blockwatch_verdict?: { reason?: string } }).x_blockwatch_verdict?.reason;
      const controlFailed = reason === 'controls_failed' || reason?.startsWith('the resolver failed the control');
      failures.set(key, controlFailed ? (failures.get(key) ?? 0) + 1 : 0);
      onProgress({ done, total: tasks.length, skipped, record });
    },
    o.signal,
  );
  return done;
}
