/**
 * The server's side of analysis: loads the outside data the pure verdict engine needs (fingerprints, the
 * offline IP→ASN table, Citizen Lab test-list categories) once, then analyses measurements with it.
 * Every test type is analysed by its registered experiment (`blockwatch/experiments/registry.ts`). Also extracts
 * OONI's own verdict from a measurement, to keep it beside ours.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataDir, hasFingerprints, loadFingerprints } from 'blockwatch/data/index.ts';
import { analyzeObserved, type ObservedVerdict, ooniVerdictAny } from 'blockwatch/experiments/registry.ts';
import { createAsnLookup, loadGeoRegistry } from 'blockwatch/geo/index.ts';
import type { Measurement, Verdict } from 'blockwatch/model';
import type { AnalyzeOptions, TransferBaseline } from 'blockwatch/verdict';
import { parseCsv } from 'blockwatch/verdict/csv.ts';
import { timeMsOf } from '../events/observation.ts';
import { asnNumber, domainOf, type OoniVerdict, sqlTime } from '../store/rows.ts';

export interface AnalyzerOptions {
  /** Folder with fingerprints_dns.csv and fingerprints_http.csv (OONI blocking-fingerprints). */
  fingerprintsDir?: string;
  /** Folder with Citizen Lab test lists (global.csv, <cc>.csv) for category codes. */
  testListsDir?: string;
  /** Where the binary IP→ASN index is cached. */
  geoCacheDir?: string;
  /**
   * A JSON address → ASN registry (the lab publishes one): its addresses get those ASNs and count as public,
   * although the lab's plan sits in reserved space.
   */
  asnRegistryFile?: string;
  /**
   * The same site's transfer rate on other networks of the country (see transfer-baselines.ts): with it, a
   * complete but far slower transfer is throttling. Synchronous: it answers from memory.
   */
  /** `timeMs`: the measurement's start, so that peers' rates from another period are not used. */
  transferBaseline?: (cc: string, domain: string, asn: number, timeMs?: number) => TransferBaseline | undefined;
}

export interface Analyzer {
  analyze(measurement: Measurement<Record<string, unknown>>): Verdict;
  /** The verdict and the experiment's observations, for a store that keeps both (one ingest, not two). */
  analyzeObserved(measurement: Measurement<Record<string, unknown>>): ObservedVerdict;
  /** Citizen Lab category of an input in a country ('' when the URL is on no list). */
  categoryOf(input: string, probeCc: string): string;
  readonly fingerprintCount: number;
}

/** url → category per list file ("global" and lower-case country codes), read lazily. */
function createCategoryIndex(dir: string | undefined): (input: string, cc: string) => string {
  const lists = new Map<string, Map<string, string>>();
  const available = new Set(
    dir && existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /^[a-z]+\.csv$/.test(f))
          .map((f) => f.slice(0, -4))
      : [],
  );
  const list = (name: string) => {
    let map = lists.get(name);
    if (map) return map;
    map = new Map();
    if (dir && available.has(name)) {
      const [header, ...records] = parseCsv(readFileSync(join(dir, `${name}.csv`), 'utf8'));
      const urlAt = header?.fields.indexOf('url') ?? -1;
      const categoryAt = header?.fields.indexOf('category_code') ?? -1;
      if (urlAt >= 0 && categoryAt >= 0) {
        for (const r of records) map.set(normalizeUrl(r.fields[urlAt] ?? ''), r.fields[categoryAt] ?? '');
      }
    }
    lists.set(name, map);
    return map;
  };
  return (input, cc) => {
    if (!input || available.size === 0) return '';
    const key = normalizeUrl(input);
    return list(cc.toLowerCase()).get(key) ?? list('global').get(key) ?? '';
  };
}

function normalizeUrl(url: string): string {
  return url.trim().replace(/\/$/, '');
}

/**
 * Analysis data from a reference directory laid out as `blockwatch update` writes it (fingerprint CSVs,
 * test-lists/): `dir`, else the user's data directory; fingerprints are optional (nothing is "confirmed"
 * without them) but a named directory without them is an error.
 */
export function analyzerOptionsFor(dir: string | undefined, env: NodeJS.ProcessEnv): AnalyzerOptions {
  const base = dir ?? dataDir(env);
  if (dir && !hasFingerprints(dir)) loadFingerprints(dir); // throws, naming the missing file
  return {
    ...(hasFingerprints(base) ? { fingerprintsDir: base } : {}),
    testListsDir: join(base, 'test-lists'),
  };
}

export function createAnalyzer(options: AnalyzerOptions = {}): Analyzer {
  const fingerprints = options.fingerprintsDir ? loadFingerprints(options.fingerprintsDir) : undefined;
  const registry = options.asnRegistryFile ? loadGeoRegistry(options.asnRegistryFile) : undefined;
  const asnLookup = createAsnLookup({
    ...(options.geoCacheDir ? { cacheDir: options.geoCacheDir } : {}),
    ...(registry ? { registry } : {}),
  });
  const asnOf = (ip: string) => asnLookup(ip)?.asn ?? null;
  const describeAsn = (asn: number) => asnLookup.orgOf(asn);
  const isPublicOverride = registry ? (ip: string) => registry.find(ip) !== null : undefined;
  const analyzeOptions: AnalyzeOptions = {
    ...(fingerprints ? { fingerprints } : {}),
    asnOf,
    describeAsn,
    ...(isPublicOverride ? { isPublicOverride } : {}),
  };
  const observe = (measurement: Measurement<Record<string, unknown>>) =>
    analyzeObserved(measurement, { ...analyzeOptions, ...baselineFor(measurement, options.transferBaseline) });
  return {
    // every test type through its registered experiment (web_connectivity, remote records, the messengers, …);
    // a page's transfer is also judged against the same site on the country's other networks
    analyze: (measurement) => observe(measurement).verdict,
    analyzeObserved: observe,
    categoryOf: createCategoryIndex(options.testListsDir),
    fingerprintCount: fingerprints?.size ?? 0,
  };
}

/** What `sqlTime` gives for a time it cannot read. */
const UNKNOWN_TIME = '1970-01-01 00:00:00';

/** The baseline option for one measurement: its country, its input's host, its network, its time. */
function baselineFor(
  measurement: Measurement<Record<string, unknown>>,
  baseline: AnalyzerOptions['transferBaseline'],
): { transferBaseline?: TransferBaseline } {
  if (!baseline || typeof measurement.input !== 'string') return {};
  const domain = domainOf(measurement.input);
  const asn = asnNumber(measurement.probe_asn);
  if (!domain || asn === 0) return {};
  const start = sqlTime(measurement.measurement_start_time);
  const timeMs = start === UNKNOWN_TIME ? undefined : timeMsOf(start);
  const found = baseline(String(measurement.probe_cc ?? ''), domain, asn, timeMs);
  return found ? { transferBaseline: found } : {};
}

/** OONI's verdict as the probe wrote it (its test keys, read by the measurement's experiment), when it states one. */
export function ooniVerdictOf(measurement: Measurement<Record<string, unknown>>): OoniVerdict | undefined {
  return ooniVerdictAny(measurement);
}
