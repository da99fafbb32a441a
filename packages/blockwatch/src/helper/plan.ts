/**
 * What the helper will measure for one request, and what it knows about each address (`ip_info`).
 * Pure: no I/O, so the plan (which addresses get dialled, which never do) is tested on its own.
 *
 * Ports follow OONI's helper: the URL's explicit port; else 443 for https; else 80 and 443 for http, so that a
 * TLS handshake with SNI = host can say whether an address is valid for the domain. Bogons are never dialled.
 */
import { isIP } from 'node:net';
import { type Endpoint, formatEndpoint } from './request.ts';

/** `ip_info.flags` bits (OONI `THIPInfoFlag*`). */
export const IP_FLAGS = {
  resolvedByProbe: 1,
  resolvedByHelper: 2,
  bogon: 4,
  validForDomain: 8,
} as const;

export interface IpInfo {
  asn: number;
  flags: number;
}

export interface PlannedEndpoint {
  ip: string;
  port: number;
  /** "ip:port" as OONI keys it */
  key: string;
  /** whether a TLS handshake with SNI = URL host follows the connect */
  tls: boolean;
}

export interface Plan {
  ipInfo: Record<string, IpInfo>;
  /** sorted by key, like OONI's helper, so responses are deterministic */
  endpoints: PlannedEndpoint[];
}

export interface PlanInput {
  url: URL;
  probeEndpoints: readonly Endpoint[];
  helperAddrs: readonly string[];
  /** true for addresses that must never be dialled (bogons that no operator override makes public) */
  isBogon: (ip: string) => boolean;
  asnOf: (ip: string) => number;
}

/** The ports to measure for a URL. */
export function portsFor(url: URL): number[] {
  if (url.port) return [Number(url.port)];
  return url.protocol === 'https:' ? [443] : [80, 443];
}

export function planMeasurement(input: PlanInput): Plan {
  const flagsByIp = new Map<string, number>();
  for (const { ip } of input.probeEndpoints) flagsByIp.set(ip, (flagsByIp.get(ip) ?? 0) | IP_FLAGS.resolvedByProbe);
  for (const ip of input.helperAddrs) {
    if (isIP(ip)) flagsByIp.set(ip, (flagsByIp.get(ip) ?? 0) | IP_FLAGS.resolvedByHelper);
  }
  const ports = portsFor(input.url);
  const explicitHttpsPort = input.url.protocol === 'https:' && input.url.port ? Number(input.url.port) : null;
  const ipInfo: Record<string, IpInfo> = {};
  const endpoints: PlannedEndpoint[] = [];
  for (const [ip, discovered] of flagsByIp) {
    const bogon = input.isBogon(ip);
    ipInfo[ip] = { asn: input.asnOf(ip), flags: discovered | (bogon ? IP_FLAGS.bogon : 0) };
    if (bogon) continue;
    for (const port of ports) {
      // OONI handshakes on 443 only; an https URL on another port is TLS on that port too.
      endpoints.push({ ip, port, key: formatEndpoint(ip, port), tls: port === 443 || port === explicitHttpsPort });
    }
  }
  endpoints.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ipInfo, endpoints };
}
