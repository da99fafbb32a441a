/**
 * IP → ASN + org name, offline, from the npm-shipped @ip-location-db/asn tables (never a network service).
 *
 * The table is loaded on the first lookup: from the binary cache in `cacheDir` when it matches the installed
 * package version, else parsed from the CSVs and written to the cache (atomically) for the next run.
 * One table is shared by every lookup in the process. A lab registry, when given, is consulted first.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type AsnTable, asnTableParts, buildAsnTable, lookupAsn, openAsnTableFile } from './asn-table.ts';
import { parseIp } from './ip.ts';
import type { GeoRegistry } from './registry.ts';

export interface AsnInfo {
  asn: number;
  org: string;
}

export interface AsnLookup {
  (ip: string): AsnInfo | null;
  /** The org name of an ASN (for `--asn` given on the command line), or null. */
  orgOf(asn: number): string | null;
}

export interface AsnLookupOptions {
  /** Where to keep the binary index (e.g. `<config dir>/geo`); without it the table lives in memory only. */
  cacheDir?: string;
  /** Lab or local overrides, consulted before the shipped table. */
  registry?: GeoRegistry;
}

const require = createRequire(import.meta.url);
const loaded = new Map<string, AsnTable>();

function packageDir(): { dir: string; source: string } {
  const pkgPath = require.resolve('@ip-location-db/asn/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name: string; version: string };
  return { dir: dirname(pkgPath), source: `${pkg.name}@${pkg.version}` };
}

/** Writes the parts one after another, without joining them into one more copy of the table. */
function writeParts(path: string, parts: Uint8Array[]): void {
  const fd = openSync(path, 'w');
  try {
    for (const part of parts) for (let done = 0; done < part.length; ) done += writeSync(fd, part, done);
  } finally {
    closeSync(fd);
  }
}

/** Loads (or builds and caches) the shared table. */
export function loadAsnTable(cacheDir?: string): AsnTable {
  const { dir, source } = packageDir();
  const memo = loaded.get(source);
  if (memo) return memo;
  const cachePath = cacheDir ? join(cacheDir, `asn-${source.replace(/[^\w.-]+/g, '_')}.bin`) : null;
  let table: AsnTable | null = null;
  if (cachePath) {
    table = openAsnTableFile(cachePath); // null: no cache yet, or a damaged one
    if (table && table.source !== source) table = null;
  }
  if (!table) {
    // each CSV read only when parsed: the IPv4 file's 20 MB are garbage before the IPv6 file is read
    table = buildAsnTable(
      () => readFileSync(join(dir, 'asn-ipv4-num.csv')),
      () => readFileSync(join(dir, 'asn-ipv6-num.csv')),
      source,
    );
    if (cachePath) {
      try {
        mkdirSync(dirname(cachePath), { recursive: true });
        const tmp = `${cachePath}.${process.pid}.tmp`;
        writeParts(tmp, asnTableParts(table));
        renameSync(tmp, cachePath);
      } catch {
        // A read-only config dir only costs the next run a rebuild.
      }
    }
  }
  loaded.set(source, table);
  return table;
}

export function createAsnLookup(options: AsnLookupOptions = {}): AsnLookup {
  let table: AsnTable | null = null;
  const getTable = () => {
    table ??= loadAsnTable(options.cacheDir);
    return table;
  };
  const lookup = ((ip: string) => {
    const hit = options.registry?.find(ip);
    if (hit) return { asn: hit.asn, org: hit.org };
    const parsed = parseIp(ip);
    if (!parsed) return null;
    const t = getTable();
    const asn = lookupAsn(t, parsed);
    return asn === null ? null : { asn, org: t.orgs.get(asn) ?? '' };
  }) as AsnLookup;
  lookup.orgOf = (asn: number) => {
    const fromRegistry = options.registry?.entries.find((e) => e.asn === asn && e.org);
    if (fromRegistry) return fromRegistry.org;
    return getTable().orgs.get(asn) ?? null;
  };
  return lookup;
}
