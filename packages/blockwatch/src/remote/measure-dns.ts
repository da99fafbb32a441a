/**
 * `dns_remote`: one domain asked of one resolver inside the target network, Satellite's way. The sandwich (control
 * domain, up to `attempts` test queries stopping at the first address, a control again after failures), the same
 * domain asked of the control resolvers (once per domain for the whole run), and the verification of answers that
 * differ from the control: a TLS handshake with SNI = the domain, then a page fetch compared with a control address.
 */
import type { Trace } from '../measure/trace.ts';
import type { DnsQuery } from '../model/index.ts';
import { lookupUdp } from '../netx/dns-udp.ts';
import { isBogon } from '../verdict/bogons.ts';
import { type AddressCheck, analyzeRemoteDns, type DnsAnswerView, type RemoteAnalyzeOptions } from './analyze-dns.ts';
import type { InfraHost } from './infra.ts';
import type { PaceKey } from './pacer.ts';
import { emptyRecords, handshakeAt, pageAt, type Records } from './verify.ts';

export const DNS_ATTEMPTS = 4;

export interface DnsRunContext extends RemoteAnalyzeOptions {
  controlDomain: string;
  /** trusted resolvers ("ip" or "ip:port") outside the target networks */
  controlResolvers: string[];
  attempts: number;
  timeoutMs: number;
  ca?: string[];
  verifyPorts?: { https: number; http: number };
  signal?: AbortSignal;
  /** waits for the rate limits of these keys */
  pace: (keys: PaceKey[]) => Promise<unknown>;
  resolverKeys: (resolver: InfraHost) => PaceKey[];
  serverKeys: (address: string) => PaceKey[];
  /** run-wide caches: control answers per domain, verification per domain and address */
  controlCache: Map<string, Promise<DnsQuery[]>>;
  checkCache: Map<string, Promise<{ check: AddressCheck; records: Records }>>;
  trace: Trace;
}

export interface DnsRemoteResult {
  queries: DnsQuery[];
  controlQueries: DnsQuery[];
  verification: Records;
  checks: AddressCheck[];
  verdict: ReturnType<typeof analyzeRemoteDns>;
}

const addressesOf = (q: DnsQuery) =>
  (q.answers ?? []).flatMap((a) => (a.answer_type === 'A' && a.ipv4 ? [a.ipv4] : []));
const viewOf = (q: DnsQuery): DnsAnswerView => ({ failure: q.failure, addrs: addressesOf(q) });
const tagged = (q: DnsQuery, tag: string): DnsQuery => ({ ...q, tags: [tag] });

async function ask(resolver: string, domain: string, ctx: DnsRunContext): Promise<DnsQuery> {
  const { query } = await lookupUdp(domain, {
    trace: ctx.trace,
    resolver,
    queryType: 'A',
    timeoutMs: ctx.timeoutMs,
    lingerMs: 0,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  return query;
}

function controlAnswers(domain: string, ctx: DnsRunContext): Promise<DnsQuery[]> {
  let pending = ctx.controlCache.get(domain);
  if (!pending) {
    pending = Promise.all(
      ctx.controlResolvers.map((r) => ask(r, domain, ctx).then((q) => tagged(q, 'control_resolver'))),
    );
    ctx.controlCache.set(domain, pending);
  }
  return pending;
}

/**
 * Verification of one address for one domain (cached: many resolvers give the same answers). The page is fetched
 * when no certificate vouches for the address, and always for the control address it is compared with.
 */
function checkAddress(domain: string, address: string, ctx: DnsRunContext, alwaysPage: boolean) {
  const key = `${domain}\0${address}\0${alwaysPage}`;
  let pending = ctx.checkCache.get(key);
  if (!pending) {
    pending = (async () => {
      const records = emptyRecords();
      const opts = { trace: ctx.trace, timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) };
      await ctx.pace(ctx.serverKeys(address));
      const tls = await handshakeAt(
        address,
        ctx.verifyPorts?.https ?? 443,
        domain,
        { ...opts, ...(ctx.ca ? { ca: ctx.ca } : {}) },
        records,
      );
      const check: AddressCheck = { address, tlsFailure: tls.verifyFailure, tlsIssuer: tls.issuer ?? null };
      if (tls.verifyFailure !== null || alwaysPage) {
        await ctx.pace(ctx.serverKeys(address));
        const page = await pageAt(address, ctx.verifyPorts?.http ?? 80, domain, opts, records);
        Object.assign(check, { httpBodySha256: page.bodySha256 ?? null, httpTitle: page.title ?? null });
        if (page.body) check.httpBody = page.body;
      }
      return { check, records };
    })();
    ctx.checkCache.set(key, pending);
  }
  return pending;
}

export async function measureDnsRemote(
  resolver: InfraHost,
  domain: string,
  ctx: DnsRunContext,
): Promise<DnsRemoteResult> {
  const queries: DnsQuery[] = [];
  const target = resolver.port ? `${resolver.address}:${resolver.port}` : resolver.address;
  const send = async (name: string, tag: string) => {
    await ctx.pace(ctx.resolverKeys(resolver));
    const q = tagged(await ask(target, name, ctx), tag);
    queries.push(q);
    return q;
  };
  const before = await send(ctx.controlDomain, 'control_before');
  const attempts: DnsQuery[] = [];
  let after: DnsQuery | undefined;
  if (before.failure === null) {
    for (let i = 0; i < ctx.attempts; i++) {
      const q = await send(domain, 'test');
      attempts.push(q);
      if (q.failure === null && addressesOf(q).length > 0) break;
      // NXDOMAIN is an answer, not a lost datagram: no point asking again
      if (q.failure === 'dns_nxdomain_error') break;
    }
    if (!attempts.some((q) => addressesOf(q).length > 0)) after = await send(ctx.controlDomain, 'control_after');
  }
  const controlQueries = before.failure === null ? await controlAnswers(domain, ctx) : [];
  const controlAddrs = new Set(controlQueries.flatMap(addressesOf));
  const answered = attempts.flatMap(addressesOf);
  const verification = emptyRecords();
  const checks: AddressCheck[] = [];
  const needsCheck = answered.filter(
    (ip) => !controlAddrs.has(ip) && !(isBogon(ip) && !ctx.isPublicOverride?.(ip)) && !ctx.signal?.aborted,
  );
  const firstControl = [...controlAddrs][0];
  const add = ({ check, records }: { check: AddressCheck; records: Records }) => {
    checks.push(check);
    verification.tcp_connect.push(...records.tcp_connect);
    verification.tls_handshakes.push(...records.tls_handshakes);
    verification.requests.push(...records.requests);
  };
  let comparedWithControl = false;
  for (const ip of [...new Set(needsCheck)]) {
    const checked = await checkAddress(domain, ip, ctx, false);
    add(checked);
    if (checked.check.tlsFailure !== null && firstControl && !comparedWithControl) {
      add(await checkAddress(domain, firstControl, ctx, true));
      comparedWithControl = true;
    }
  }
  const verdict = analyzeRemoteDns(
    {
      domain,
      resolver: { address: resolver.address, asn: resolver.asn, cc: resolver.cc },
      controlBefore: viewOf(before),
      ...(after ? { controlAfter: viewOf(after) } : {}),
      attempts: attempts.map(viewOf),
      controls: controlQueries.map(viewOf),
      checks,
    },
    ctx,
  );
  return { queries, controlQueries, verification, checks, verdict };
}
