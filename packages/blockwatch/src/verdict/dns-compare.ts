/**
 * DNS evidence shared by both engines: which lookups are the "system" (classic) ones, how an address maps to its
 * ASN, and whether probe and control answers agree (same IP, or same non-zero ASN).
 */
import type { DnsView, MeasurementView } from './input.ts';

const NXDOMAIN_LIKE = new Set(['dns_nxdomain_error', 'android_dns_cache_no_data']);
export const isNxdomain = (failure: string | null) => failure !== null && NXDOMAIN_LIKE.has(failure);

/** Resolver engines whose answers the classic verdict uses (the platform resolver in its various names). */
const SYSTEM_ENGINES = new Set(['system', 'getaddrinfo', 'golang_net_resolver', 'go', '']);
export const isSystemLookup = (q: DnsView) => SYSTEM_ENGINES.has(q.engine);

export interface Lookup {
  /** false when the probe did not resolve (IP-literal URL, or no queries recorded) */
  measured: boolean;
  addrs: string[];
  failure: string | null;
}

/** The classic DNS step: system-resolver lookups of the URL's host at depth 0 (A and AAAA merged). */
export function systemLookup(view: MeasurementView): Lookup {
  let relevant = view.queries.filter((q) => isSystemLookup(q) && q.depth === 0 && q.hostname === view.host);
  // Untagged old data sometimes names the host differently (trailing dot, case): fall back to every system query.
  if (relevant.length === 0) relevant = view.queries.filter((q) => isSystemLookup(q) && q.depth === 0);
  if (relevant.length === 0) return { measured: false, addrs: [], failure: null };
  const addrs: string[] = [];
  for (const q of relevant) {
    for (const a of q.answers)
      if ((a.type === 'A' || a.type === 'AAAA') && !addrs.includes(a.value)) addrs.push(a.value);
  }
  const failure = addrs.length > 0 ? null : (relevant.find((q) => q.failure !== null)?.failure ?? null);
  return { measured: true, addrs, failure };
}

export type AsnOf = (ip: string) => number;

/**
 * ASN of an address: what the probe itself recorded on its answers, else the control's `ip_info`, else the
 * injected offline database, else 0 (unknown; never matches).
 */
export function createAsnOf(view: MeasurementView, external?: (ip: string) => number | null): AsnOf {
  const recorded = new Map<string, number>();
  for (const q of view.queries)
    for (const a of q.answers) if (a.asn !== null && a.asn > 0) recorded.set(a.value, a.asn);
  for (const [ip, asn] of view.control?.ipAsn ?? []) if (asn > 0 && !recorded.has(ip)) recorded.set(ip, asn);
  const cache = new Map<string, number>();
  return (ip) => {
    const known = recorded.get(ip);
    if (known !== undefined) return known;
    let asn = cache.get(ip);
    if (asn === undefined) {
      try {
        asn = external?.(ip) ?? 0;
      } catch {
        asn = 0;
      }
      cache.set(ip, asn);
    }
    return asn;
  };
}

/** Probe and control answers agree: a shared address, or a shared non-zero ASN. */
export function answersAgree(probe: string[], control: string[], asnOf: AsnOf): boolean {
  const controlSet = new Set(control);
  if (probe.some((ip) => ip !== '' && controlSet.has(ip))) return true;
  const controlAsns = new Set(control.map(asnOf).filter((a) => a !== 0));
  return probe.some((ip) => {
    const a = asnOf(ip);
    return a !== 0 && controlAsns.has(a);
  });
}
