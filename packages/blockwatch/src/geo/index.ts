/**
 * geo: offline IP → ASN / org / country lookups from npm-shipped databases, never a network service.
 *
 * Design: the ASN table (@ip-location-db/asn) is a sorted range table searched by binary search, cached as a
 * binary file in the config dir; countries come from an MMDB file (@ip-location-db/geo-whois-asn-country-mmdb)
 * read with mmdb-lib. A registry file (the lab's simulated networks) overrides both.
 *
 * Operations: createAsnLookup (what the verdict engine takes as `asnOf`, and the helper for `ip_info`),
 * createCountryLookup, locateProbe (the probe's own cc/asn), loadGeoRegistry.
 */
export type { AsnInfo, AsnLookup, AsnLookupOptions } from './asn-lookup.ts';
export { createAsnLookup, loadAsnTable } from './asn-lookup.ts';
export type { CountryLookup } from './country-lookup.ts';
export { createCountryLookup } from './country-lookup.ts';
export { cidrContains, parseIp } from './ip.ts';
export type { ProbeLocation } from './probe-location.ts';
export { localInterfaceAddresses, locateProbe, parseAsnOption, parseCcOption } from './probe-location.ts';
export type { GeoRegistry, RegistryEntry } from './registry.ts';
export { createGeoRegistry, loadGeoRegistry } from './registry.ts';
