/**
 * The IP → ASN range table, built from @ip-location-db/asn's `asn-ipv4-num.csv` / `asn-ipv6-num.csv`
 * (`start,end,asn,org`, sorted by start, numbers in decimal).
 *
 * Design: parallel typed arrays searched by binary search (≈515k ranges, ≈11 MB), plus one org name per ASN
 * (the source has exactly one per ASN). Parsing the CSVs takes about a second, so the table is serialised once
 * to a binary cache file (`serializeAsnTable`) that later runs load in milliseconds.
 */
import type { IpWords } from './ip.ts';
import { bigToWords } from './ip.ts';

export interface AsnTable {
  /** Source identifier (package name@version): a cache built from another version is rebuilt. */
  source: string;
  v4Start: Uint32Array;
  v4End: Uint32Array;
  v4Asn: Uint32Array;
  /** Four words per range, most significant first. */
  v6Start: Uint32Array;
  v6End: Uint32Array;
  v6Asn: Uint32Array;
  orgs: OrgNames;
}

/**
 * Org names by ASN without one JS string per name (90k of them): sorted ASNs, and offsets into one text.
 * `get` slices the name out on demand.
 */
export interface OrgNames {
  readonly size: number;
  get(asn: number): string | undefined;
  /** the three parts, for serialisation */
  readonly asns: Uint32Array;
  readonly offsets: Uint32Array;
  readonly text: string;
}

export function createOrgNames(asns: Uint32Array, offsets: Uint32Array, text: string): OrgNames {
  return {
    size: asns.length,
    asns,
    offsets,
    text,
    get(asn) {
      let lo = 0;
      let hi = asns.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if (asns[mid] === asn) return text.slice(offsets[mid], offsets[mid + 1]);
        if (asns[mid] < asn) lo = mid + 1;
        else hi = mid - 1;
      }
      return undefined;
    },
  };
}

function orgNamesFromMap(map: Map<number, string>): OrgNames {
  const entries = [...map].sort((a, b) => a[0] - b[0]);
  const asns = new Uint32Array(entries.length);
  const offsets = new Uint32Array(entries.length + 1);
  let text = '';
  entries.forEach(([asn, org], i) => {
    asns[i] = asn;
    offsets[i] = text.length;
    text += org;
  });
  offsets[entries.length] = text.length;
  return createOrgNames(asns, offsets, text);
}

/** Splits `start,end,asn,org` where only org may be quoted (with "" for a quote). */
function splitRow(line: string): [string, string, string, string] | null {
  const a = line.indexOf(',');
  const b = line.indexOf(',', a + 1);
  const c = line.indexOf(',', b + 1);
  if (a < 0 || b < 0 || c < 0) return null;
  let org = line.slice(c + 1);
  if (org.startsWith('"') && org.endsWith('"')) org = org.slice(1, -1).replaceAll('""', '"');
  return [line.slice(0, a), line.slice(a + 1, b), line.slice(b + 1, c), org];
}

class GrowableU32 {
  data = new Uint32Array(1 << 16);
  length = 0;
  push(v: number) {
    if (this.length === this.data.length) {
      const next = new Uint32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  done(): Uint32Array {
    return this.data.slice(0, this.length);
  }
}

/** Builds the table from the two CSV texts. Throws naming the file and line of a malformed row. */
export function buildAsnTable(v4Csv: string, v6Csv: string, source: string): AsnTable {
  const orgs = new Map<number, string>();
  const v4 = [new GrowableU32(), new GrowableU32(), new GrowableU32()];
  const v6 = [new GrowableU32(), new GrowableU32(), new GrowableU32()];
  const each = (text: string, name: string, onRow: (start: string, end: string, asn: number) => void) => {
    let lineNo = 0;
    let pos = 0;
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const line = text.slice(pos, nl).replace(/\r$/, '');
      pos = nl + 1;
      lineNo++;
      if (!line) continue;
      const row = splitRow(line);
      const asn = row ? Number(row[2]) : Number.NaN;
      if (!row || !Number.isInteger(asn)) throw new Error(`${name}:${lineNo}: malformed ASN range row`);
      if (!orgs.has(asn)) orgs.set(asn, row[3]);
      onRow(row[0], row[1], asn);
    }
  };
  each(v4Csv, 'asn-ipv4-num.csv', (s, e, asn) => {
    v4[0].push(Number(s));
    v4[1].push(Number(e));
    v4[2].push(asn);
  });
  each(v6Csv, 'asn-ipv6-num.csv', (s, e, asn) => {
    for (const w of bigToWords(BigInt(s))) v6[0].push(w);
    for (const w of bigToWords(BigInt(e))) v6[1].push(w);
    v6[2].push(asn);
  });
  return {
    source,
    v4Start: v4[0].done(),
    v4End: v4[1].done(),
    v4Asn: v4[2].done(),
    v6Start: v6[0].done(),
    v6End: v6[1].done(),
    v6Asn: v6[2].done(),
    orgs: orgNamesFromMap(orgs),
  };
}

function compareWords(table: Uint32Array, index: number, w: readonly number[]): number {
  const base = index * 4;
  for (let i = 0; i < 4; i++) {
    const d = table[base + i] - w[i];
    if (d !== 0) return d;
  }
  return 0;
}

/** Returns the ASN whose range holds `ip`, or null (unannounced, private, or not in the table). */
export function lookupAsn(table: AsnTable, ip: IpWords): number | null {
  if (ip.family === 4) {
    // last range whose start <= ip
    let lo = 0;
    let hi = table.v4Start.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (table.v4Start[mid] <= ip.value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found >= 0 && ip.value <= table.v4End[found] ? table.v4Asn[found] : null;
  }
  let lo = 0;
  let hi = table.v6Asn.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (compareWords(table.v6Start, mid, ip.words) <= 0) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 && compareWords(table.v6End, found, ip.words) >= 0 ? table.v6Asn[found] : null;
}

const MAGIC = 'BWASNTB2';

/**
 * Cache file layout (little-endian): 8-byte magic, uint32 header length, JSON header {source, v4, v6, orgs}
 * padded to 4 bytes, then uint32 arrays (v4Start, v4End, v4Asn, v6Start, v6End, v6Asn, orgAsns, orgOffsets),
 * then the org text (UTF-8; offsets count UTF-16 units of the decoded text). Loading maps the arrays onto the
 * file's buffer without copying.
 */
export function serializeAsnTable(table: AsnTable): Buffer {
  const header = Buffer.from(
    JSON.stringify({ source: table.source, v4: table.v4Asn.length, v6: table.v6Asn.length, orgs: table.orgs.size }),
  );
  const headerPadded = Buffer.alloc(Math.ceil(header.length / 4) * 4, 0x20);
  header.copy(headerPadded);
  const lengthField = Buffer.alloc(4);
  lengthField.writeUInt32LE(headerPadded.length);
  const arrays = [
    table.v4Start,
    table.v4End,
    table.v4Asn,
    table.v6Start,
    table.v6End,
    table.v6Asn,
    table.orgs.asns,
    table.orgs.offsets,
  ].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return Buffer.concat([Buffer.from(MAGIC), lengthField, headerPadded, ...arrays, Buffer.from(table.orgs.text)]);
}

/** Parses a cache file; returns null when it is not a complete table file (the caller then rebuilds it). */
export function deserializeAsnTable(file: Buffer): AsnTable | null {
  try {
    if (file.length < 12 || file.subarray(0, 8).toString() !== MAGIC) return null;
    const headerLength = file.readUInt32LE(8);
    const header = JSON.parse(file.subarray(12, 12 + headerLength).toString()) as {
      source: string;
      v4: number;
      v6: number;
      orgs: number;
    };
    let offset = file.byteOffset + 12 + headerLength;
    // Typed-array views need 4-byte alignment; a pooled Buffer may not have it, then (only then) copy.
    const buffer = offset % 4 === 0 ? file.buffer : new Uint8Array(file).buffer;
    if (buffer !== file.buffer) offset = 12 + headerLength;
    const end = buffer === file.buffer ? file.byteOffset + file.length : file.length;
    const take = (n: number) => {
      if (offset + n * 4 > end) throw new Error('truncated');
      const a = new Uint32Array(buffer, offset, n);
      offset += n * 4;
      return a;
    };
    const v4Start = take(header.v4);
    const v4End = take(header.v4);
    const v4Asn = take(header.v4);
    const v6Start = take(header.v6 * 4);
    const v6End = take(header.v6 * 4);
    const v6Asn = take(header.v6);
    const orgAsns = take(header.orgs);
    const orgOffsets = take(header.orgs + 1);
    const text = Buffer.from(buffer, offset, end - offset).toString('utf8');
    if (text.length !== orgOffsets[header.orgs]) return null;
    return {
      source: header.source,
      v4Start,
      v4End,
      v4Asn,
      v6Start,
      v6End,
      v6Asn,
      orgs: createOrgNames(orgAsns, orgOffsets, text),
    };
  } catch {
    return null;
  }
}
