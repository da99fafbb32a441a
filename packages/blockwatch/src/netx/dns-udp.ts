/**
 * DNS over UDP to a chosen resolver, with dns-packet over a connected dgram socket. The socket stays open for
 * `lingerMs` after the first answer: on-path injectors (GFW style) race the real resolver, so a second answer to
 * the same query id is evidence of injection (`x_dns_duplicate_responses`). c-ares, getaddrinfo and every DNS
 * client library we tried keep only the first answer (research/netns-lab-findings.md §1c).
 *
 * Connecting the socket makes the kernel drop datagrams from other sources (injectors spoof the resolver's
 * address, so they still arrive) and turns an ICMP port-unreachable into ECONNREFUSED instead of a silent timeout.
 */
import * as dgram from 'node:dgram';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.ts';
import type { Trace } from '../measure/trace.ts';
import { type DnsQuery, OPERATIONS } from '../model/index.ts';
import { classifyError, DeadlineError } from './classify.ts';
import { type AddressQueryType, decodeResponse, encodeQuery } from './dns-message.ts';
import { DEFAULT_DNS_TIMEOUT_MS } from './dns-system.ts';
import { checkHostname, checkNonNegativeInt, checkTimeoutMs, formatEndpoint } from './validate.ts';

export const DEFAULT_LINGER_MS = 500;
/** Later answers kept per query: enough to show injection, bounded against a flood. */
export const MAX_DUPLICATES = 16;

export interface LookupUdpOptions {
  trace: Trace;
  /** "ip", "ip:port", "[v6]:port" or a bare IPv6 literal; port 53 by default */
  resolver: string;
  queryType: AddressQueryType;
  /** time to wait for the first answer; default 4 000 */
  timeoutMs?: number;
  /** time to keep listening after the first answer; default 500, 0 = stop at the first answer */
  lingerMs?: number;
  signal?: AbortSignal;
}

export interface UdpLookupResult {
  /** the first answer (what a stub resolver would have used), or the failure */
  query: DnsQuery;
  /** later answers to the same query id, in arrival order (at most MAX_DUPLICATES) */
  duplicates: DnsQuery[];
}

export async function lookupUdp(hostname: string, opts: LookupUdpOptions): Promise<UdpLookupResult> {
  const name = checkHostname('hostname', hostname);
  const { ip, port } = parseResolver(opts.resolver);
  if (opts.queryType !== 'A' && opts.queryType !== 'AAAA') {
    throw new InvalidArgumentError(`queryType must be "A" or "AAAA", got ${JSON.stringify(opts.queryType)}`);
  }
  const timeoutMs = checkTimeoutMs('timeoutMs', opts.timeoutMs, DEFAULT_DNS_TIMEOUT_MS);
  const lingerMs = checkNonNegativeInt('lingerMs', opts.lingerMs, DEFAULT_LINGER_MS);
  const { trace, queryType, signal } = opts;
  const query = encodeQuery(name, queryType);
  const base = {
    hostname: name,
    query_type: queryType,
    engine: 'udp',
    resolver_address: formatEndpoint(ip, port),
    t0: trace.now(),
    transaction_id: trace.nextId(),
  };

  return new Promise((resolve) => {
    const socket = dgram.createSocket(isIP(ip) === 6 ? 'udp6' : 'udp4');
    let first: DnsQuery | undefined;
    const duplicates: DnsQuery[] = [];
    let timer: NodeJS.Timeout | undefined;
    let done = false;

    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.close();
      resolve({ query: first ?? { ...base, failure: 'interrupted', answers: null, t: trace.now() }, duplicates });
    };
    const failBeforeAnswer = (err: unknown) => {
      if (!first) first = { ...base, failure: classifyError(err, OPERATIONS.resolve), answers: null, t: trace.now() };
      finish();
    };
    const onAbort = () => failBeforeAnswer(signal?.reason);

    socket.on('message', (msg) => {
      const t = trace.now();
      const decoded = decodeResponse(msg, queryType);
      // Datagrams with another id or question are noise (or a blind injector's miss), not answers to us.
      if (!decoded || decoded.id !== query.id || decoded.questionName.toLowerCase() !== name.toLowerCase()) return;
      const { id: _id, questionName: _q, ...fields } = decoded;
      const record: DnsQuery = { ...base, ...fields, t };
      if (first) {
        if (duplicates.length < MAX_DUPLICATES) duplicates.push(record);
        return;
      }
      first = record;
      clearTimeout(timer);
      if (lingerMs === 0) finish();
      else timer = setTimeout(finish, lingerMs);
    });
    // ICMP port unreachable (ECONNREFUSED on recvmsg) and send errors; after the first answer they change nothing
    socket.on('error', (err) => (first ? finish() : failBeforeAnswer(err)));

    if (signal?.aborted) {
      failBeforeAnswer(signal.reason);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    timer = setTimeout(() => failBeforeAnswer(new DeadlineError('DNS query')), timeoutMs);
    socket.connect(port, ip, () => {
      if (done) return;
      socket.send(query.bytes, (err) => {
        if (err) failBeforeAnswer(err);
      });
    });
  });
}

/** "ip", "ip:port", "[v6]:port" or a bare IPv6 literal. */
export function parseResolver(resolver: string): { ip: string; port: number } {
  const bad = () =>
    new InvalidArgumentError(`resolver must be "ip", "ip:port" or "[ipv6]:port", got ${JSON.stringify(resolver)}`);
  if (typeof resolver !== 'string') throw bad();
  let ip = resolver;
  let port = 53;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(resolver);
  if (bracketed) {
    ip = bracketed[1] ?? '';
    if (bracketed[2]) port = Number(bracketed[2]);
  } else if (isIP(resolver) === 0) {
    const colon = resolver.lastIndexOf(':');
    if (colon < 0) throw bad();
    ip = resolver.slice(0, colon);
    port = Number(resolver.slice(colon + 1));
  }
  if (isIP(ip) === 0 || !Number.isInteger(port) || port < 1 || port > 65535) throw bad();
  return { ip, port };
}
