/**
 * DNS over HTTPS (RFC 8484): a POST of the wire query as `application/dns-message`, through the same pinned
 * connection machinery as `httpGet` (our TLS verification, extra roots). `resolve` pins the DoH server's own
 * name to an IP (so the lookup does not depend on the DNS it is checking); otherwise the name goes through the
 * system resolver. A non-200 answer, a wrong content type or an undecodable body is `dns_server_misbehaving`.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.ts';
import type { Trace } from '../measure/trace.ts';
import { type DnsQuery, OPERATIONS } from '../model/index.ts';
import { classifyError, dnsServerMisbehavingFailure, noAddressFailure } from './classify.ts';
import { createDeadline, raceSignal } from './deadline.ts';
import { type AddressQueryType, decodeResponse, encodeQuery } from './dns-message.ts';
import { DEFAULT_DNS_TIMEOUT_MS } from './dns-system.ts';
import { openExchange } from './exchange.ts';
import { trustFor } from './trust.ts';
import { checkHostname, checkIp, checkTimeoutMs } from './validate.ts';

/** A DNS message over HTTPS is at most 64 KiB (RFC 8484 §6 inherits the TCP length limit). */
const MAX_DOH_RESPONSE_BYTES = 65_535;
const DNS_MESSAGE = 'application/dns-message';

export interface LookupDohOptions {
  trace: Trace;
  /** the DoH endpoint, e.g. https://dns.example/dns-query */
  url: string;
  queryType: AddressQueryType;
  /** default 4 000, for the whole exchange */
  timeoutMs?: number;
  /** extra PEM roots */
  ca?: string[];
  /** host -> IP pins for the DoH server's name */
  resolve?: Map<string, string>;
  signal?: AbortSignal;
}

export async function lookupDoh(hostname: string, opts: LookupDohOptions): Promise<DnsQuery> {
  const name = checkHostname('hostname', hostname);
  const url = parseDohUrl(opts.url);
  if (opts.queryType !== 'A' && opts.queryType !== 'AAAA') {
    throw new InvalidArgumentError(`queryType must be "A" or "AAAA", got ${JSON.stringify(opts.queryType)}`);
  }
  const timeoutMs = checkTimeoutMs('timeoutMs', opts.timeoutMs, DEFAULT_DNS_TIMEOUT_MS);
  const trust = trustFor(opts.ca);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const pinned = opts.resolve?.get(host);
  if (pinned !== undefined) checkIp(`resolve.get(${JSON.stringify(host)})`, pinned);
  const { trace } = opts;
  const record: DnsQuery = {
    hostname: name,
    query_type: opts.queryType,
    engine: 'doh',
    resolver_address: url.href,
    failure: null,
    answers: null,
    t0: trace.now(),
    t: 0,
    transaction_id: trace.nextId(),
  };
  const deadline = createDeadline(timeoutMs, 'DNS over HTTPS', opts.signal);
  try {
    const address = isIP(host) !== 0 ? host : (pinned ?? (await systemAddress(host, deadline.signal)));
    if (address === null) {
      record.failure = noAddressFailure();
    } else {
      // RFC 8484 §4.1: id 0 keeps the message cacheable; TLS already binds the answer to the query
      const query = encodeQuery(name, opts.queryType, 0);
      Object.assign(
        record,
        await exchangeQuery(url, address, query.bytes, opts.queryType, trust, timeoutMs, deadline.signal),
      );
    }
  } catch (err) {
    record.failure = classifyError(err, OPERATIONS.resolve);
  } finally {
    deadline.dispose();
  }
  record.t = trace.now();
  return record;
}

async function exchangeQuery(
  url: URL,
  address: string,
  query: Buffer,
  queryType: AddressQueryType,
  trust: ReturnType<typeof trustFor>,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Partial<DnsQuery>> {
  const exchange = openExchange({
    url,
    address,
    trust,
    method: 'POST',
    headers: [
      ['Host', url.host],
      ['Content-Type', DNS_MESSAGE],
      ['Accept', DNS_MESSAGE],
    ],
    body: query,
    idleTimeoutMs: timeoutMs,
    signal,
  });
  try {
    const res = await exchange.response;
    const contentType = headerValue(res.rawHeaders, 'content-type')?.split(';')[0]?.trim().toLowerCase();
    if (res.statusCode !== 200 || contentType !== DNS_MESSAGE) return { failure: dnsServerMisbehavingFailure() };
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_DOH_RESPONSE_BYTES) return { failure: dnsServerMisbehavingFailure() };
      chunks.push(chunk);
    }
    const decoded = decodeResponse(Buffer.concat(chunks, size), queryType);
    if (!decoded) return { failure: dnsServerMisbehavingFailure() };
    const { id: _id, questionName: _q, ...fields } = decoded;
    return fields;
  } finally {
    exchange.close();
  }
}

function headerValue(raw: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) return raw[i + 1];
  return undefined;
}

async function systemAddress(host: string, signal: AbortSignal): Promise<string | null> {
  const [first] = await raceSignal(dns.lookup(host, { all: true, verbatim: true }), signal);
  return first?.address ?? null;
}

function parseDohUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`url must be an https:// DoH endpoint, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'https:') throw new InvalidArgumentError(`url must use https, got ${JSON.stringify(url)}`);
  return parsed;
}
