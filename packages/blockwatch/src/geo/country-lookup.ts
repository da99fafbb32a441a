/**
 * IP → country code, offline, from @ip-location-db/geo-whois-asn-country-mmdb read with mmdb-lib.
 * The database (≈ a few MB) is read on the first lookup; a lab registry entry with `cc` wins.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type CountryResponse, Reader } from 'mmdb-lib';
import { parseIp } from './ip.ts';
import type { GeoRegistry } from './registry.ts';

export type CountryLookup = (ip: string) => string | null;

const require = createRequire(import.meta.url);
let reader: Reader<CountryResponse> | null = null;

function getReader(): Reader<CountryResponse> {
  reader ??= new Reader<CountryResponse>(
    readFileSync(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb')),
  );
  return reader;
}

export function createCountryLookup(options: { registry?: GeoRegistry } = {}): CountryLookup {
  return (ip) => {
    const hit = options.registry?.find(ip);
    if (hit?.cc) return hit.cc;
    if (!parseIp(ip)) return null;
    // This database's records are flat ({country_code}), not MaxMind's nested CountryResponse.
    const record = getReader().get(ip.split('%')[0]) as { country_code?: string } | null;
    return record?.country_code ?? null;
  };
}
