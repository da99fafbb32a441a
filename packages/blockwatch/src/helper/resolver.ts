/**
 * The helper's clean resolver: what the URL's host resolves to from an unfiltered network.
 *
 * DNS-over-HTTPS by default (what OONI's helper does: the box's own resolver may apply its provider's policy),
 * or plain UDP to a chosen resolver (`--resolver`, e.g. the lab's public resolver). A and AAAA are asked in
 * parallel; the answer is the union, and only when both fail is the A failure reported (as OONI does).
 * `--resolve` pins answer first, without a query: tests and the lab name their servers that way.
 */
import { isIP } from 'node:net';
import type { DnsQuery } from '../model/index.ts';
import { createTrace, lookupDoh, lookupUdp } from '../netx/index.ts';
import type { ResolvePins } from '../probe/resolve-pins.ts';

/** At most this many addresses are kept from one answer: a hostile resolver must not fan the helper out. */
export const MAX_ADDRESSES = 32;

export type Upstream = { kind: 'doh'; url: string } | { kind: 'udp'; address: string };

export interface Resolution {
  /** a failure string in our vocabulary (`model/failures.ts`), or null */
  failure: string | null;
  addrs: string[];
}

export interface ResolveOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export type CleanResolver = (host: string, options: ResolveOptions) => Promise<Resolution>;

export interface CleanResolverOptions {
  upstream: Upstream;
  /** `--resolve` pins ("host:port" → addresses); the helper answers them for the host on any port */
  pins?: ResolvePins;
  /** extra trust roots for the DoH server */
  ca?: string[];
}

/** Addresses of one query's A/AAAA answers, in answer order. */
function addressesOf(query: DnsQuery): string[] {
  const out: string[] = [];
  for (const answer of query.answers ?? []) {
    const ip = answer.ipv4 ?? answer.ipv6;
    if (ip && isIP(ip)) out.push(ip);
  }
  return out;
}

export function createCleanResolver(options: CleanResolverOptions): CleanResolver {
  const pinned = new Map<string, string[]>();
  for (const [key, addresses] of options.pins ?? []) {
    const host = key.slice(0, key.lastIndexOf(':'));
    const list = pinned.get(host) ?? [];
    for (const address of addresses) if (!list.includes(address)) list.push(address);
    pinned.set(host, list);
  }
  // The DoH server's own name is pinned the same way (lookupDoh takes host → address).
  const dohPins = new Map<string, string>([...pinned].map(([host, addrs]) => [host, addrs[0]]));
  const { upstream } = options;

  const lookup = async (host: string, queryType: 'A' | 'AAAA', { timeoutMs, signal }: ResolveOptions) => {
    const trace = createTrace();
    if (upstream.kind === 'doh') {
      return lookupDoh(host, {
        trace,
        url: upstream.url,
        queryType,
        timeoutMs,
        ca: options.ca,
        resolve: dohPins,
        signal,
      });
    }
    return (await lookupUdp(host, { trace, resolver: upstream.address, queryType, timeoutMs, lingerMs: 0, signal }))
      .query;
  };

  return async (host, resolveOptions) => {
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    if (isIP(bare)) return { failure: null, addrs: [bare] };
    const pins = pinned.get(bare.toLowerCase());
    if (pins) return { failure: null, addrs: [...pins] };
    const [a, aaaa] = await Promise.all([lookup(bare, 'A', resolveOptions), lookup(bare, 'AAAA', resolveOptions)]);
    const addrs = [...new Set([...addressesOf(a), ...addressesOf(aaaa)])].slice(0, MAX_ADDRESSES);
    if (a.failure !== null && aaaa.failure !== null) return { failure: a.failure, addrs: [] };
    return { failure: addrs.length > 0 ? null : 'dns_no_answer', addrs };
  };
}
