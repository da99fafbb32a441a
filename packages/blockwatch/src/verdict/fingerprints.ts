/**
 * OONI blocking fingerprints (github.com/ooni/blocking-fingerprints): parsing the CSVs and matching DNS answers,
 * HTTP bodies and headers against them.
 *
 * Matching follows the fingerprint's own `pattern_type` (full / prefix / contains / real regular expressions),
 * which is stricter than OONI's fastpath (it substring-matches every body row, even regexps). A match confirms
 * blocking as the fastpath decides: scope `nat` or `isp`, or the probe's country among `expected_countries`;
 * `fp` (known false positive) and `vbw` (vague blocking word) never confirm.
 */
import { BlockwatchError } from '../errors.ts';
import type { FingerprintMatch } from '../model/verdict.ts';
import { BoundedCache } from './bounded-cache.ts';
import { parseCsv } from './csv.ts';
import { createMultiSearch, type MultiSearch } from './multi-search.ts';

export const FINGERPRINT_SCOPES = ['nat', 'isp', 'prod', 'inst', 'vbw', 'fp', 'injb', 'prov'] as const;
export const PATTERN_TYPES = ['full', 'prefix', 'contains', 'regexp'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export interface Fingerprint {
  name: string;
  scope: string;
  other_names: string[];
  /** `dns`, `body` or `header.<lower-case name>` */
  location_found: string;
  pattern_type: PatternType;
  pattern: string;
  confidence_no_fp: number | null;
  expected_countries: string[];
  /** The CSV line the row starts on (for messages). */
  line?: number;
}

const COLUMNS = ['name', 'scope', 'location_found', 'pattern_type', 'pattern'] as const;

/**
 * Parses `fingerprints_dns.csv` or `fingerprints_http.csv`. Pure. Throws BW_ERR_INVALID_INPUT naming the line
 * and the column for a missing header column, an unknown scope, pattern type or location, or a bad regexp.
 */
export function parseFingerprintCsv(text: string, kind: 'dns' | 'http'): Fingerprint[] {
  const bad = (line: number, message: string) =>
    new BlockwatchError('BW_ERR_INVALID_INPUT', `fingerprints_${kind}.csv line ${line}: ${message}`);
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    throw new BlockwatchError('BW_ERR_INVALID_INPUT', `fingerprints_${kind}.csv ${(err as Error).message}`);
  }
  const header = records.shift();
  if (!header) throw bad(1, 'empty file, expected a header row');
  const index = new Map(header.fields.map((name, i) => [name.trim(), i]));
  for (const column of COLUMNS) if (!index.has(column)) throw bad(header.line, `missing column '${column}'`);
  const get = (fields: string[], column: string) => {
    const i = index.get(column);
    return i === undefined ? '' : (fields[i] ?? '').trim();
  };
  const out: Fingerprint[] = [];
  for (const { line, fields } of records) {
    if (fields.length < header.fields.length - 3)
      throw bad(line, `expected ${header.fields.length} columns, got ${fields.length}`);
    const name = get(fields, 'name');
    const scope = get(fields, 'scope');
    const location = get(fields, 'location_found').toLowerCase();
    const patternType = get(fields, 'pattern_type');
    // Patterns are literal: keep their spaces.
    const pattern = fields[index.get('pattern') as number] ?? '';
    if (!name) throw bad(line, 'empty name');
    if (!(FINGERPRINT_SCOPES as readonly string[]).includes(scope))
      throw bad(line, `unknown scope '${scope}' (expected one of ${FINGERPRINT_SCOPES.join(', ')})`);
    if (!(PATTERN_TYPES as readonly string[]).includes(patternType))
      throw bad(line, `unknown pattern_type '${patternType}' (expected one of ${PATTERN_TYPES.join(', ')})`);
    if (kind === 'dns' ? location !== 'dns' : location !== 'body' && !/^header\.[a-z0-9-]+$/.test(location))
      throw bad(line, `location_found '${location}' is not valid in a ${kind} fingerprint file`);
    if (pattern === '') throw bad(line, 'empty pattern');
    if (patternType === 'regexp') {
      try {
        new RegExp(pattern);
      } catch (err) {
        throw bad(line, `pattern is not a valid regular expression: ${(err as Error).message}`);
      }
    }
    const confidence = get(fields, 'confidence_no_fp');
    const list = (column: string) =>
      get(fields, column)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    out.push({
      name,
      scope,
      other_names: list('other_names'),
      location_found: location,
      pattern_type: patternType as PatternType,
      pattern,
      confidence_no_fp: confidence === '' || Number.isNaN(Number(confidence)) ? null : Number(confidence),
      expected_countries: list('expected_countries').map((c) => c.toUpperCase()),
      line,
    });
  }
  return out;
}

interface BodyHit {
  fp: Fingerprint;
  matched: string;
}

/** Fingerprints compiled for matching; build once, reuse for every measurement. */
export interface FingerprintSet {
  readonly size: number;
  matchDnsAnswer(answer: string, probeCc: string | null): FingerprintMatch[];
  matchBody(body: string, probeCc: string | null): FingerprintMatch[];
  /**
   * The same, for a body still in its recorded form: `base64` is the recorded data (the cache key, so a page seen
   * before is neither decoded nor scanned again), `text` decodes it on a miss.
   */
  matchEncodedBody(base64: string, text: () => string, probeCc: string | null): FingerprintMatch[];
  matchHeader(name: string, value: string, probeCc: string | null): FingerprintMatch[];
}

interface Compiled {
  fp: Fingerprint;
  regexp?: RegExp;
}

function confirms(fp: Fingerprint, probeCc: string | null): boolean {
  if (fp.scope === 'fp' || fp.scope === 'vbw') return false;
  if (fp.scope === 'nat' || fp.scope === 'isp') return true;
  return !!probeCc && probeCc !== 'ZZ' && fp.expected_countries.includes(probeCc);
}

/** Body excerpt around a match: enough to show what matched, never the whole page. */
function excerpt(text: string, at: number, length: number): string {
  const max = 120;
  return text.slice(at, at + Math.min(Math.max(length, 1), max));
}

function toMatch(fp: Fingerprint, matched: string, probeCc: string | null): FingerprintMatch {
  return {
    name: fp.name,
    scope: fp.scope,
    location: fp.location_found,
    pattern_type: fp.pattern_type,
    matched,
    confirms: confirms(fp, probeCc),
  };
}

function matchOne(c: Compiled, value: string): string | null {
  const { pattern, pattern_type } = c.fp;
  switch (pattern_type) {
    case 'full':
      return value === pattern ? value : null;
    case 'prefix':
      return value.startsWith(pattern) ? pattern : null;
    case 'contains':
      return value.includes(pattern) ? pattern : null;
    case 'regexp': {
      const m = c.regexp?.exec(value);
      return m ? excerpt(value, m.index, m[0].length) : null;
    }
  }
}

/**
 * A pattern containing U+FFFD is mojibake in the source CSV (e.g. `cp.fp_x_�`, regexp `�.*�`): it would match every
 * body whose bytes are not valid UTF-8 once decoded, so it is left out rather than matched.
 */
const usable = (fp: Fingerprint) => !fp.pattern.includes('\uFFFD');

export function createFingerprintSet(allDns: Fingerprint[], allHttp: Fingerprint[]): FingerprintSet {
  const dns = allDns.filter(usable);
  const http = allHttp.filter(usable);
  const dnsFull = new Map<string, Fingerprint[]>();
  const dnsOther: Compiled[] = [];
  for (const fp of dns) {
    if (fp.pattern_type === 'full') {
      const list = dnsFull.get(fp.pattern);
      if (list) list.push(fp);
      else dnsFull.set(fp.pattern, [fp]);
    } else dnsOther.push(compile(fp));
  }
  const bodyContains: { pattern: string; value: Fingerprint }[] = [];
  const bodyOther: Compiled[] = [];
  const headers = new Map<string, Compiled[]>();
  for (const fp of http) {
    if (fp.location_found === 'body') {
      if (fp.pattern_type === 'contains') bodyContains.push({ pattern: fp.pattern, value: fp });
      else bodyOther.push(compile(fp));
    } else {
      const name = fp.location_found.slice('header.'.length);
      const list = headers.get(name) ?? [];
      list.push(compile(fp));
      headers.set(name, list);
    }
  }
  // Regexps run only on bodies that contain their longest required literal, found in the same one pass.
  const regexpLiterals: { pattern: string; value: Fingerprint }[] = [];
  const bodyAlways: Compiled[] = [];
  const bodyGated = new Map<Fingerprint, Compiled>();
  for (const c of bodyOther) {
    const literal = c.fp.pattern_type === 'regexp' ? requiredLiteral(c.fp.pattern) : null;
    if (literal) {
      regexpLiterals.push({ pattern: literal, value: c.fp });
      bodyGated.set(c.fp, c);
    } else bodyAlways.push(c);
  }
  const bodySearch: MultiSearch<Fingerprint> = createMultiSearch([...bodyContains, ...regexpLiterals]);

  function scanBody(body: string): BodyHit[] {
    const hits: BodyHit[] = [];
    const candidates: Compiled[] = [];
    for (const fp of bodySearch.find(body)) {
      const gated = bodyGated.get(fp);
      if (gated) candidates.push(gated);
      else hits.push({ fp, matched: fp.pattern });
    }
    for (const c of [...bodyAlways, ...candidates]) {
      const m = matchOne(c, body);
      if (m !== null) hits.push({ fp: c.fp, matched: m });
    }
    return hits;
  }

  // The same pages come back again and again (a country's block page, a site's front page across probes): scan
  // each body once. Keyed by the recorded text or base64 data itself (V8 hashes long strings by length and
  // compares them on a hit).
  const textCache = new BoundedCache<BodyHit[]>(256, 32 * 1024 * 1024);
  const base64Cache = new BoundedCache<BodyHit[]>(256, 32 * 1024 * 1024);

  return {
    size: dns.length + http.length,
    matchDnsAnswer(answer, probeCc) {
      const out = (dnsFull.get(answer) ?? []).map((fp) => toMatch(fp, answer, probeCc));
      for (const c of dnsOther) if (matchOne(c, answer) !== null) out.push(toMatch(c.fp, answer, probeCc));
      return out;
    },
    matchBody(body, probeCc) {
      let hits = textCache.get(body);
      if (!hits) {
        hits = scanBody(body);
        textCache.set(body, hits);
      }
      return hits.map((h) => toMatch(h.fp, h.matched, probeCc));
    },
    matchEncodedBody(base64, text, probeCc) {
      let hits = base64Cache.get(base64);
      if (!hits) {
        hits = scanBody(text());
        base64Cache.set(base64, hits);
      }
      return hits.map((h) => toMatch(h.fp, h.matched, probeCc));
    },
    matchHeader(name, value, probeCc) {
      const out: FingerprintMatch[] = [];
      for (const c of headers.get(name.toLowerCase()) ?? []) {
        if (matchOne(c, value) !== null) out.push(toMatch(c.fp, value, probeCc));
      }
      return out;
    },
  };
}

/**
 * The longest literal run (4+ code units) every match of a simple regular expression must contain, or null when
 * the pattern has alternation or no such run. Only for gating: a wrong null just means the regexp always runs.
 */
export function requiredLiteral(pattern: string): string | null {
  if (pattern.includes('|')) return null;
  let best = '';
  let run = '';
  const end = () => {
    if (run.length > best.length) best = run;
    run = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (/[A-Za-z0-9]/.test(next)) end();
      else run += next;
    } else if (c === '*' || c === '?' || c === '{') {
      run = run.slice(0, -1);
      end();
      if (c === '{') while (i < pattern.length && pattern[i] !== '}') i++;
    } else if ('.()[]+^$'.includes(c)) {
      if (c === '+') {
        run = run.slice(0, -1);
      }
      end();
      if (c === '[') while (i < pattern.length && pattern[i] !== ']') i++;
    } else run += c;
  }
  end();
  return best.length >= 4 ? best : null;
}

function compile(fp: Fingerprint): Compiled {
  return fp.pattern_type === 'regexp' ? { fp, regexp: new RegExp(fp.pattern) } : { fp };
}
