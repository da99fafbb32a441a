/**
 * A local address registry that overrides the shipped databases: the lab gives its simulated networks
 * (198.18.0.0/15 and friends, which no real table knows) their ASNs, org names and countries through it.
 *
 * File format (JSON), either a map or a list; prefixes are CIDRs or bare addresses, the longest prefix wins:
 *   { "198.18.0.0/24": { "asn": 64500, "org": "Lab Telecom", "cc": "IR" }, "198.18.1.7": 64501 }
 *   [ { "prefix": "198.18.0.0/24", "asn": 64500, "org": "Lab Telecom", "cc": "IR" } ]
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { BlockwatchError } from '../errors.ts';
import { cidrContains, parseIp } from './ip.ts';

export interface RegistryEntry {
  prefix: string;
  asn: number;
  org: string;
  cc?: string;
}

export interface GeoRegistry {
  /** The most specific entry holding `ip`, or null. */
  find(ip: string): RegistryEntry | null;
  entries: readonly RegistryEntry[];
}

const info = z.strictObject({
  asn: z.number().int().min(0).max(4294967295),
  org: z.string().optional(),
  cc: z
    .string()
    .regex(/^[A-Z]{2}$/, 'expected a two-letter country code')
    .optional(),
});
// Two shapes; the file's own shape picks the schema, so an error names the exact entry (a union would not).
const mapSchema = z.record(z.string(), z.union([info.shape.asn, info]));
const listSchema = z.array(info.extend({ prefix: z.string() }));

function prefixBits(prefix: string): number {
  const [base, bits] = prefix.split('/');
  return bits === undefined ? (base.includes(':') ? 128 : 32) : Number(bits);
}

export function createGeoRegistry(entries: RegistryEntry[], where = 'registry'): GeoRegistry {
  for (const e of entries) {
    if (cidrContains(e.prefix, { family: 4, value: 0 }) === null) {
      throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${where}: '${e.prefix}' is not an address or CIDR prefix`);
    }
  }
  // Longest prefix first, so the first hit is the most specific.
  const sorted = [...entries].sort((a, b) => prefixBits(b.prefix) - prefixBits(a.prefix));
  return {
    entries: sorted,
    find(ip) {
      const parsed = parseIp(ip);
      if (!parsed) return null;
      return sorted.find((e) => cidrContains(e.prefix, parsed)) ?? null;
    },
  };
}

/** Reads a registry file; throws BW_ERR_INVALID_INPUT / BW_ERR_NOT_FOUND naming the file and the bad key. */
export function loadGeoRegistry(path: string): GeoRegistry {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new BlockwatchError('BW_ERR_NOT_FOUND', `cannot read ASN registry ${path}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${path}: not valid JSON (${(err as Error).message})`);
  }
  const fail = (error: z.ZodError): never => {
    const issue = error.issues[0];
    // Inside a map entry the union reports "invalid input"; its first branch error is the useful one.
    const inner = issue.code === 'invalid_union' ? issue.errors.flat().at(-1) : undefined;
    const where = [...issue.path, ...(inner?.path ?? [])].join('.');
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${path}: at '${where}': ${inner?.message ?? issue.message}`);
  };
  let entries: RegistryEntry[];
  if (Array.isArray(json)) {
    const parsed = listSchema.safeParse(json);
    if (!parsed.success) return fail(parsed.error);
    entries = parsed.data.map((e) => ({
      prefix: e.prefix,
      asn: e.asn,
      org: e.org ?? '',
      ...(e.cc ? { cc: e.cc } : {}),
    }));
  } else {
    const parsed = mapSchema.safeParse(json);
    if (!parsed.success) return fail(parsed.error);
    entries = Object.entries(parsed.data).map(([prefix, v]) =>
      typeof v === 'number'
        ? { prefix, asn: v, org: '' }
        : { prefix, asn: v.asn, org: v.org ?? '', ...(v.cc ? { cc: v.cc } : {}) },
    );
  }
  return createGeoRegistry(entries, path);
}
