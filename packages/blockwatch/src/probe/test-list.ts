/**
 * Citizen Lab test lists: CSV files with the header `url,category_code,category_description,date_added,source,notes`
 * (RFC 4180: quoted fields may hold commas, quotes as "" and line breaks). Only `url` is required; every
 * error names the file and the line, and a list with any bad row is rejected as a whole.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { BlockwatchError } from '../errors.ts';
import { type CsvRecord, CsvSyntaxError, parseCsv } from '../verdict/csv.ts';

export interface TestListEntry {
  url: string;
  /** e.g. "NEWS", "" when the list has no category column */
  category_code: string;
  /** 1-based line where the row starts */
  line: number;
}

/** The list's rows; an unterminated quote is an error naming the file and the line where it opened. */
function readRows(text: string, name: string): CsvRecord[] {
  try {
    return parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) {
      throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${name}:${err.line}: unterminated quoted field`);
    }
    throw err;
  }
}

/** Checks one URL the way the probe needs it: absolute http(s) with a host. Returns the error or null. */
export function urlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `'${url}' is not a valid URL`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return `'${url}' is not an http:// or https:// URL`;
  }
  if (!parsed.hostname) return `'${url}' has no host`;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  // A name must be resolvable at all: labels of 1–63 characters, 253 in total (IP literals pass as they are).
  if (
    !isIP(host) &&
    (host.length > 253 ||
      host.split('.').some((label, i, all) => label.length > 63 || (label === '' && i < all.length - 1)))
  ) {
    return `'${url}' has an invalid host name '${host}'`;
  }
  return null;
}

export function parseTestList(text: string, name: string): TestListEntry[] {
  const rows = readRows(text, name);
  if (rows.length === 0) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${name}: the test list is empty`);
  const header = rows[0].fields.map((h) => h.trim().toLowerCase());
  const urlColumn = header.indexOf('url');
  if (urlColumn < 0) {
    throw new BlockwatchError(
      'BW_ERR_INVALID_INPUT',
      `${name}:${rows[0].line}: expected a header with a 'url' column (url,category_code,...), got '${rows[0].fields.join(',')}'`,
    );
  }
  const categoryColumn = header.indexOf('category_code');
  const seen = new Set<string>();
  const entries: TestListEntry[] = [];
  for (const row of rows.slice(1)) {
    if (row.fields.length !== header.length) {
      throw new BlockwatchError(
        'BW_ERR_INVALID_INPUT',
        `${name}:${row.line}: expected ${header.length} fields like the header, got ${row.fields.length}`,
      );
    }
    const url = row.fields[urlColumn].trim();
    const problem = urlProblem(url);
    if (problem) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${name}:${row.line}: ${problem}`);
    if (seen.has(url)) continue;
    seen.add(url);
    entries.push({ url, category_code: categoryColumn >= 0 ? row.fields[categoryColumn].trim() : '', line: row.line });
  }
  if (entries.length === 0) throw new BlockwatchError('BW_ERR_INVALID_INPUT', `${name}: the test list has no URLs`);
  return entries;
}

/** Reads a text input file; a missing or unreadable file is one error naming what it is and its path. */
export function readInputFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BlockwatchError(
      code === 'ENOENT' ? 'BW_ERR_NOT_FOUND' : 'BW_ERR_INVALID_INPUT',
      `cannot read ${what} ${path}: ${code ?? (err as Error).message}`,
    );
  }
}

export function readTestList(path: string): TestListEntry[] {
  return parseTestList(readInputFile(path, 'test list'), path);
}
