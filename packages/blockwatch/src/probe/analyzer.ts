/**
 * The verdict engine as the probe uses it: `analyzeMeasurement` from verdict/, fed with the offline ASN lookup
 * (and the lab registry, whose addresses count as public although they sit in bogon space).
 */
import type { AsnLookup, GeoRegistry } from '../geo/index.ts';
import type { Verdict, WebConnectivityMeasurement } from '../model/index.ts';
import { analyzeMeasurement, type FingerprintSet } from '../verdict/index.ts';

export type Analyzer = (m: WebConnectivityMeasurement) => Verdict;

export function createAnalyzer(options: {
  asnOf: AsnLookup;
  registry?: GeoRegistry;
  fingerprints?: FingerprintSet;
}): Analyzer {
  const { asnOf, registry } = options;
  return (m) =>
    analyzeMeasurement(m, {
      asnOf: (ip) => asnOf(ip)?.asn ?? null,
      describeAsn: (asn) => asnOf.orgOf(asn),
      ...(registry ? { isPublicOverride: (ip: string) => registry.find(ip) !== null } : {}),
      ...(options.fingerprints ? { fingerprints: options.fingerprints } : {}),
    });
}
