/**
 * Official blocklists, parsed (pure). Two formats:
 *
 * `csv` — blockwatch's documented format (docs/events.md), RFC 4180 quoting, UTF-8, a header line:
 *     target,date,authority,legal_basis
 *     https://example.org/page,2024-03-01,Ministry of Information,Art. 41-1 of the Law on Mass Media
 *     example.net,2024-03-02,Prosecutor General,Court decision 2-1234/2024
 *   `target` is a URL, a domain or an IP address; `date` is YYYY-MM-DD.
 *
 * `ru-dump` — the dump of Russia's registry as zapret-info publishes it (`dump.csv`): first line
 * "Updated: <timestamp>", then `IP;domain;URL;authority;decision number;date`, `;` separated, several IPs or URLs
 * in one field joined by " | ", windows-1251 or UTF-8. A URL field containing ';' is rejoined (the format does not
 * quote).
 *
 * Bad input throws one error naming the line and the problem; nothing is imported.
 */
import { BlockwatchError } from 'blockwatch/errors.ts';
import { CsvSyntaxError, parseCsv } from 'blockwatch/verdict/csv.ts';
import { domainOf } from '../store/rows.ts';

export type RegistryKind = 'url' | 'domain' | 'ip';

export interface RegistryEntry {
  kind: RegistryKind;
  /** URL as listed, lower-cased host name, or IP address (or CIDR). */
  target: string;
  /** Host name of the target (empty for IPs). */
  domain: string;
  /** YYYY-MM-DD, or '' when the list does not say. */
  date: string;
  authority: string;
  legal_basis: string;
  decision: string;
}

export type RegistryFormat = 'csv' | 'ru-dump';

const IPV4 = /^(\d{1,3})(\.\d{1,3}){3}(\/\d{1,2})?$/;
const IPV6 = /^[0-9a-f:]+:[0-9a-f:]*(\/\d{1,3})?$/i;
const DOMAIN = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{2,63}\.?$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function invalid(file: string, line: number, message: string): BlockwatchError {
  return new BlockwatchError('BW_ERR_INVALID_INPUT', `${file}:${line}: ${message}`);
}

/** A target as listed → its kind and normalised form, or null. */
export function classifyTarget(raw: string): { kind: RegistryKind; target: string; domain: string } | null {
  const value = raw.trim();
  if (!value) return null;
  if (/^https?:\/\//i.test(value)) {
    const domain = domainOf(value);
    return domain ? { kind: 'url', target: value, domain } : null;
  }
  if (IPV4.test(value) || IPV6.test(value)) return { kind: 'ip', target: value.toLowerCase(), domain: '' };
  const host = value.toLowerCase().replace(/\.$/, '');
  if (DOMAIN.test(host)) return { kind: 'domain', target: host, domain: host.replace(/^\*\./, '') };
  return null;
}

/**
 * RFC 4180 records (the project's reader, blockwatch/verdict/csv.ts) as [line number, fields][]; rows whose fields
 * are all empty are skipped. An unterminated quote throws CsvSyntaxError naming the line where it opened.
 */
export function parseCsvRecords(text: string, separator = ','): [number, string[]][] {
  return parseCsv(text, separator)
    .filter((r) => r.fields.some((f) => f !== ''))
    .map((r) => [r.line, r.fields]);
}

/** UTF-8 when the bytes are valid UTF-8, windows-1251 otherwise (the registry's historical encoding). */
export function decodeRegistryBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('windows-1251').decode(bytes);
  }
}

export function parseRegistryCsv(text: string, file = 'registry.csv'): RegistryEntry[] {
  let records: [number, string[]][];
  try {
    records = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw invalid(file, err.line, 'unterminated quoted field');
    throw err;
  }
  if (records.length === 0)
    throw invalid(file, 1, 'the file is empty; expected the header target,date,authority,legal_basis');
  const [headerLine, header] = records[0];
  const names = header.map((h) => h.trim().toLowerCase());
  const expected = ['target', 'date', 'authority', 'legal_basis'];
  if (names.join(',') !== expected.join(',')) {
    throw invalid(file, headerLine, `the header must be '${expected.join(',')}', got '${header.join(',')}'`);
  }
  const entries: RegistryEntry[] = [];
  for (const [line, fields] of records.slice(1)) {
    if (fields.length !== 4) throw invalid(file, line, `expected 4 fields, got ${fields.length}`);
    const [target, date, authority, legalBasis] = fields.map((f) => f.trim());
    const t = classifyTarget(target);
    if (!t) throw invalid(file, line, `target '${target.slice(0, 200)}' is not a URL, a domain or an IP address`);
    if (date && !isDate(date)) throw invalid(file, line, `date '${date}' is not a valid YYYY-MM-DD date`);
    entries.push({ ...t, date, authority, legal_basis: legalBasis, decision: '' });
  }
  return entries;
}

function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}

/** zapret-info's dump.csv: one record may list several IPs and URLs; each becomes an entry. */
export function parseRuDump(text: string, file = 'dump.csv'): RegistryEntry[] {
  const lines = text.split(/\r?\n/);
  if (!/^Updated:/i.test(lines[0] ?? '')) {
    throw invalid(
      file,
      1,
      `the first line must be the 'Updated: <timestamp>' header, got '${(lines[0] ?? '').slice(0, 80)}'`,
    );
  }
  const entries: RegistryEntry[] = [];
  const seen = new Set<string>();
  lines.slice(1).forEach((raw, i) => {
    const line = i + 2;
    if (!raw.trim()) return;
    let fields = raw.split(';');
    if (fields.length < 6)
      throw invalid(
        file,
        line,
        `expected 6 ';'-separated fields (IP;domain;URL;authority;decision;date), got ${fields.length}`,
      );
    if (fields.length > 6)
      fields = [fields[0], fields[1], fields.slice(2, fields.length - 3).join(';'), ...fields.slice(-3)];
    const [ips, domain, urls, authority, decision, date] = fields.map((f) => f.trim());
    if (date && !isDate(date)) throw invalid(file, line, `date '${date}' is not a valid YYYY-MM-DD date`);
    const common = { date, authority, legal_basis: '', decision };
    const add = (value: string, expect: RegistryKind[]) => {
      const t = classifyTarget(value);
      if (!t || !expect.includes(t.kind)) {
        throw invalid(file, line, `'${value.slice(0, 200)}' is not a valid ${expect.join(' or ')}`);
      }
      const key = `${t.kind}|${t.target}`;
      if (!seen.has(key)) {
        seen.add(key);
        entries.push({ ...t, ...common });
      }
    };
    const parts = (field: string) =>
      field
        .split(' | ')
        .map((p) => p.trim())
        .filter(Boolean);
    for (const url of parts(urls)) add(url, ['url']);
    if (domain) add(domain, ['domain']);
    for (const ip of parts(ips)) add(ip, ['ip']);
  });
  return entries;
}

export function parseRegistry(bytes: Uint8Array, format: RegistryFormat, file?: string): RegistryEntry[] {
  const text = decodeRegistryBytes(bytes);
  return format === 'csv' ? parseRegistryCsv(text, file) : parseRuDump(text, file);
}
