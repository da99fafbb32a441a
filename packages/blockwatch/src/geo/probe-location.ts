/**
 * Where the probe is: `probe_cc`, `probe_asn`, `probe_network_name`. From the operator's `--cc/--asn` when
 * given, otherwise from the probe's own interface addresses looked up offline. Behind NAT the interfaces hold
 * only private addresses, so the result is "ZZ"/"AS0" (OONI's "unknown") unless the operator says better:
 * blockwatch never asks a network service for the public address.
 */
import { networkInterfaces } from 'node:os';
import { BlockwatchError } from '../errors.ts';
import type { AsnLookup } from './asn-lookup.ts';
import type { CountryLookup } from './country-lookup.ts';

export interface ProbeLocation {
  probe_cc: string;
  probe_asn: string;
  probe_network_name: string;
  /** The interface address the lookup used, if any (private data: only for scrubbing, never written). */
  address: string | null;
}

/** Non-loopback addresses of this host's interfaces. */
export function localInterfaceAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal) out.push(a.address);
  }
  return out;
}

/** Parses `--asn` ("AS3269" or "3269"). */
export function parseAsnOption(value: string): number {
  const m = /^(?:AS)?(\d{1,10})$/i.exec(value.trim());
  const n = m ? Number(m[1]) : Number.NaN;
  if (!Number.isInteger(n) || n > 4294967295) {
    throw new BlockwatchError('BW_ERR_INVALID_ARG', `--asn must look like AS3269 or 3269, got '${value}'`);
  }
  return n;
}

/** Parses `--cc` (ISO 3166 alpha-2, any case). */
export function parseCcOption(value: string): string {
  const cc = value.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc)) {
    throw new BlockwatchError('BW_ERR_INVALID_ARG', `--cc must be a two-letter country code, got '${value}'`);
  }
  return cc;
}

export function locateProbe(options: {
  asnOf: AsnLookup;
  countryOf: CountryLookup;
  cc?: string;
  asn?: number;
  /** Defaults to the interface addresses of this host. */
  addresses?: string[];
}): ProbeLocation {
  const addresses = options.addresses ?? localInterfaceAddresses();
  let address: string | null = null;
  let found: { asn: number; org: string } | null = null;
  for (const a of addresses) {
    const hit = options.asnOf(a);
    if (hit && hit.asn !== 0) {
      address = a;
      found = hit;
      break;
    }
  }
  const asn = options.asn ?? found?.asn ?? 0;
  const org = options.asn !== undefined ? (options.asnOf.orgOf(options.asn) ?? '') : (found?.org ?? '');
  const cc = options.cc ?? (address ? options.countryOf(address) : null) ?? 'ZZ';
  return { probe_cc: cc, probe_asn: `AS${asn}`, probe_network_name: org, address };
}
