/**
 * The analysis as the probe uses it: the measurement's experiment through the registry (for web_connectivity the
 * verdict engine of verdict/), fed with the offline ASN lookup (and the lab registry, whose addresses count as
 * public although they sit in bogon space).
 */
import { analyzeAny } from '../experiments/registry.ts';
import type { AsnLookup, GeoRegistry } from '../geo/index.ts';
import type { Verdict } from '../model/index.ts';
import type { FingerprintSet } from '../verdict/index.ts';

/** Any test's measurement → its verdict (never throws). */
export type Analyzer = (m: unknown) => Verdict;

export function createAnalyzer(options: {
  asnOf: AsnLookup;
  registry?: GeoRegistry;
  fingerprints?: FingerprintSet;
}): Analyzer {
  const { asnOf, registry } = options;
  const analyzeOptions = {
    asnOf: (ip: string) => asnOf(ip)?.asn ?? null,
    describeAsn: (asn: number) => asnOf.orgOf(asn),
    ...(registry ? { isPublicOverride: (ip: string) => registry.find(ip) !== null } : {}),
    ...(options.fingerprints ? { fingerprints: options.fingerprints } : {}),
  };
  return (m) => analyzeAny(m, analyzeOptions);
}
