/**
 * The inputs of a remote run: infrastructure lists (CSV of address, ASN, country; servers may add a port) and the
 * ethics checks applied to them before any packet leaves. Only public infrastructure can be a vantage point:
 * private, reserved and loopback addresses are refused, and so is any address inside a prefix given with
 * `--exclude` (the operator's list of end-user ranges). Every error names the file and the line.
 */
import { isIP } from 'node:net';
import { BlockwatchError } from '../errors.ts';
import { cidrContains, parseIp } from '../geo/index.ts';
import { readInputFile } from '../probe/test-list.ts';
import { isBogon } from '../verdict/bogons.ts';
import { CsvSyntaxError, parseCsv } from '../verdict/csv.ts';

export interface InfraHost {
  address: string;
  asn: number;
  cc: string;
  /** servers only: the port to connect to (default 80 for HTTP, 443 for HTTPS) */
  port?: number;
  /** where it was declared, for errors */
  where: string;
}

const COLUMN_NAMES: Record<string, string[]> = {
  address: ['address', 'ip'],
  asn: ['asn'],
  country: ['country', 'cc', 'country_code'],
  port: ['port'],
};

function invalid(message: string): BlockwatchError {
  return new BlockwatchError('BW_ERR_INVALID_INPUT', message);
}

/** Parses a resolver or server list; `name` is the file name used in errors. */
export function parseInfraCsv(text: string, name: string): InfraHost[] {
  let rows: ReturnType<typeof parseCsv>;
  try {
    rows = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw invalid(`${name}:${err.line}: unterminated quoted field`);
    throw err;
  }
  const [head, ...body] = rows;
  if (!head) throw invalid(`${name}: the list is empty`);
  const header = head.fields.map((h) => h.trim().toLowerCase());
  const column = (key: string) => header.findIndex((h) => COLUMN_NAMES[key]?.includes(h));
  const [addressAt, asnAt, countryAt, portAt] = ['address', 'asn', 'country', 'port'].map(column);
  if (addressAt < 0 || asnAt < 0 || countryAt < 0) {
    throw invalid(
      `${name}:${head.line}: expected a header 'address,asn,country' (port optional), got '${head.fields.join(',')}'`,
    );
  }
  const hosts: InfraHost[] = [];
  const seen = new Map<string, number>();
  for (const row of body) {
    const at = `${name}:${row.line}`;
    const field = (i: number) => (row.fields[i] ?? '').trim();
    const address = field(addressAt);
    if (isIP(address) === 0) throw invalid(`${at}: '${address}' is not an IP address`);
    const asnText = /^(?:AS)?(\d{1,10})$/i.exec(field(asnAt))?.[1];
    const asn = asnText === undefined ? Number.NaN : Number(asnText);
    if (!Number.isInteger(asn) || asn < 1 || asn > 4294967295) {
      throw invalid(`${at}: asn must look like AS9198 or 9198, got '${field(asnAt)}'`);
    }
    const cc = field(countryAt).toUpperCase();
    if (!/^[A-Z]{2}$/.test(cc)) throw invalid(`${at}: country must be a two-letter code, got '${field(countryAt)}'`);
    const portText = portAt >= 0 ? field(portAt) : '';
    const port = portText === '' ? undefined : Number(portText);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
      throw invalid(`${at}: port must be 1–65535, got '${portText}'`);
    }
    const key = `${address}:${port ?? ''}`;
    const first = seen.get(key);
    if (first !== undefined) throw invalid(`${at}: ${address} is listed twice (first on line ${first})`);
    seen.set(key, row.line);
    hosts.push({ address, asn, cc, ...(port !== undefined ? { port } : {}), where: at });
  }
  if (hosts.length === 0) throw invalid(`${name}: the list has no rows`);
  return hosts;
}

export function readInfraCsv(path: string, what: string): InfraHost[] {
  return parseInfraCsv(readInputFile(path, what), path);
}

export interface InfraPolicy {
  /** addresses that count as public although they are bogons (the lab's 198.18.0.0/15) */
  isPublicOverride?: (ip: string) => boolean;
  /** end-user prefixes (CIDR) that must never be measured */
  exclude?: string[];
}

/** Checks the CIDRs of `--exclude`; returns them. */
export function checkExcludes(prefixes: string[]): string[] {
  for (const p of prefixes) {
    if (cidrContains(p, { family: 4, value: 0 }) === null) {
      throw new BlockwatchError('BW_ERR_INVALID_ARG', `--exclude: '${p}' is not an address or CIDR prefix`);
    }
  }
  return prefixes;
}

/** Refuses hosts that are not public infrastructure; throws naming the first offender. */
export function checkInfrastructure(hosts: InfraHost[], policy: InfraPolicy): void {
  for (const h of hosts) {
    if (isBogon(h.address) && !policy.isPublicOverride?.(h.address)) {
      throw invalid(
        `${h.where}: ${h.address} is a private or reserved address; only public infrastructure can be measured`,
      );
    }
    const ip = parseIp(h.address);
    const excluded = ip ? policy.exclude?.find((p) => cidrContains(p, ip)) : undefined;
    if (excluded) throw invalid(`${h.where}: ${h.address} is inside the excluded end-user range ${excluded}`);
  }
}
