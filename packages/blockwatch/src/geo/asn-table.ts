/**
 * The IP → ASN range table, built from @ip-location-db/asn's `asn-ipv4-num.csv` / `asn-ipv6-num.csv`
 * (`start,end,asn,org`, sorted by start, numbers in decimal).
 *
 * Design: parallel typed arrays searched by binary search (≈515k ranges, ≈11 MB), plus one org name per ASN
 * (the source has exactly one per ASN). Parsing the CSVs takes about a second, so the table is serialised once
 * to a binary cache file (`serializeAsnTable`) that later runs load in milliseconds, part by part as lookups
 * need them (`openAsnTableFile`): a probe that never meets an IPv6 address never reads the IPv6 ranges.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
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

/** A decimal integer from `buf[from, to)`, or NaN when it holds anything but digits. */
function decimal(buf: Buffer, from: number, to: number): number {
  if (from >= to) return Number.NaN;
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * Calls `onRow` for each `start,end,asn,org` line, reading the bytes in place: half a million rows would
 * otherwise become half a million strings (a few hundred MB at peak on the first run).
 */
function eachRow(
  buf: Buffer,
  name: string,
  onRow: (startFrom: number, startTo: number, endTo: number, asn: number, orgFrom: number, lineEnd: number) => void,
): void {
  let pos = 0;
  let lineNo = 0;
  while (pos < buf.length) {
    let nl = buf.indexOf(10, pos);
    if (nl < 0) nl = buf.length;
    const lineEnd = nl > pos && buf[nl - 1] === 13 ? nl - 1 : nl;
    lineNo++;
    if (lineEnd > pos) {
      const a = buf.indexOf(44, pos);
      const b = a < 0 ? -1 : buf.indexOf(44, a + 1);
      const c = b < 0 ? -1 : buf.indexOf(44, b + 1);
      const asn = c < 0 || c > lineEnd ? Number.NaN : decimal(buf, b + 1, c);
      if (Number.isNaN(asn)) throw new Error(`${name}:${lineNo}: malformed ASN range row`);
      onRow(pos, a, b, asn, c + 1, lineEnd);
    }
    pos = nl + 1;
  }
}

function orgText(buf: Buffer, from: number, to: number): string {
  const raw = buf.toString('utf8', from, to);
  return raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1).replaceAll('""', '"') : raw;
}

/** Fixed-size: sized from the file's line count, so building never leaves doubled-and-dropped arrays behind. */
class U32List {
  readonly data: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Uint32Array(capacity);
  }
  push(v: number) {
    this.data[this.length++] = v;
  }
  done(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
}

function lineCount(buf: Buffer): number {
  let n = 1;
  for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

/** A CSV file's bytes, or a function that reads them (so one file's bytes can be dropped before the next is read). */
export type CsvBytes = Buffer | string | (() => Buffer);

const bytesOf = (csv: CsvBytes): Buffer =>
  typeof csv === 'function' ? csv() : typeof csv === 'string' ? Buffer.from(csv) : csv;

/** Builds the table from the two CSV files. Throws naming the file and line of a malformed row. */
export function buildAsnTable(v4Csv: CsvBytes, v6Csv: CsvBytes, source: string): AsnTable {
  const orgs = new Map<number, string>();
  const v4 = parseV4(bytesOf(v4Csv), orgs);
  const v6 = parseV6(bytesOf(v6Csv), orgs);
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

function parseV4(bytes: Buffer, orgs: Map<number, string>): U32List[] {
  const rows = lineCount(bytes);
  const v4 = [new U32List(rows), new U32List(rows), new U32List(rows)];
  eachRow(bytes, 'asn-ipv4-num.csv', (s0, s1, e1, asn, orgFrom, lineEnd) => {
    const start = decimal(bytes, s0, s1);
    const end = decimal(bytes, s1 + 1, e1);
    if (Number.isNaN(start) || Number.isNaN(end)) throw new Error(`asn-ipv4-num.csv: malformed range near byte ${s0}`);
    if (!orgs.has(asn)) orgs.set(asn, orgText(bytes, orgFrom, lineEnd));
    v4[0].push(start);
    v4[1].push(end);
    v4[2].push(asn);
  });
  return v4;
}

function parseV6(bytes: Buffer, orgs: Map<number, string>): U32List[] {
  const rows = lineCount(bytes);
  const v6 = [new U32List(rows * 4), new U32List(rows * 4), new U32List(rows)];
  eachRow(bytes, 'asn-ipv6-num.csv', (s0, s1, e1, asn, orgFrom, lineEnd) => {
    // 128-bit numbers: BigInt from the digits (only these short slices become strings)
    for (const w of bigToWords(BigInt(bytes.toString('latin1', s0, s1)))) v6[0].push(w);
    for (const w of bigToWords(BigInt(bytes.toString('latin1', s1 + 1, e1)))) v6[1].push(w);
    if (!orgs.has(asn)) orgs.set(asn, orgText(bytes, orgFrom, lineEnd));
    v6[2].push(asn);
  });
  return v6;
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
  return Buffer.concat(asnTableParts(table));
}

/** The cache file's parts in order (views on the table's arrays, no copies): written one after another. */
export function asnTableParts(table: AsnTable): Uint8Array[] {
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
  return [Buffer.from(MAGIC), lengthField, headerPadded, ...arrays, Buffer.from(table.orgs.text)];
}

/** A cache file's header and where each part lies (byte offsets from the start of the file). */
interface Layout {
  source: string;
  v4: number;
  v6: number;
  orgs: number;
  v4At: number;
  v6At: number;
  orgsAt: number;
  textAt: number;
  end: number;
}

/** The layout from the file's first bytes, or null when they are not the start of a table file of `size` bytes. */
function layoutOf(head: Buffer, size: number): Layout | null {
  if (head.length < 12 || head.subarray(0, 8).toString() !== MAGIC) return null;
  const headerLength = head.readUInt32LE(8);
  if (head.length < 12 + headerLength) return null;
  let header: { source: string; v4: number; v6: number; orgs: number };
  try {
    header = JSON.parse(head.subarray(12, 12 + headerLength).toString());
  } catch {
    return null;
  }
  const v4At = 12 + headerLength;
  const v6At = v4At + header.v4 * 12;
  const orgsAt = v6At + header.v6 * 36;
  const textAt = orgsAt + (header.orgs * 2 + 1) * 4;
  if (!(textAt <= size)) return null;
  return { ...header, v4At, v6At, orgsAt, textAt, end: size };
}

/** Reads `length` bytes at `offset` into a fresh (so 4-byte aligned) buffer. */
type ReadPart = (offset: number, length: number) => ArrayBuffer;

/**
 * The table over a file's parts, each read when first used: the IPv4 ranges and the org names by the first
 * lookup, the IPv6 ranges (a third of the file) only if an IPv6 address is looked up.
 */
function tableOver(layout: Layout, read: ReadPart): AsnTable {
  const words = (offset: number, count: number) => new Uint32Array(read(offset, count * 4));
  const v4 = words(layout.v4At, layout.v4 * 3);
  let v6: Uint32Array | null = null;
  const v6Part = () => {
    v6 ??= words(layout.v6At, layout.v6 * 9);
    return v6;
  };
  let orgs: OrgNames | null = null;
  const orgNames = () => {
    if (orgs) return orgs;
    const part = words(layout.orgsAt, layout.orgs * 2 + 1);
    const offsets = part.subarray(layout.orgs);
    const text = Buffer.from(read(layout.textAt, layout.end - layout.textAt)).toString('utf8');
    if (text.length !== offsets[layout.orgs]) throw new Error('the ASN table cache is damaged: delete it');
    orgs = createOrgNames(part.subarray(0, layout.orgs), offsets, text);
    return orgs;
  };
  const n4 = layout.v4;
  const n6 = layout.v6;
  return {
    source: layout.source,
    v4Start: v4.subarray(0, n4),
    v4End: v4.subarray(n4, 2 * n4),
    v4Asn: v4.subarray(2 * n4, 3 * n4),
    get v6Start() {
      return v6Part().subarray(0, 4 * n6);
    },
    get v6End() {
      return v6Part().subarray(4 * n6, 8 * n6);
    },
    get v6Asn() {
      return v6Part().subarray(8 * n6, 9 * n6);
    },
    get orgs() {
      return orgNames();
    },
  };
}

/** Parses a cache file's bytes; returns null when it is not a complete table file (the caller then rebuilds it). */
export function deserializeAsnTable(file: Buffer): AsnTable | null {
  const layout = layoutOf(file, file.length);
  if (!layout) return null;
  return withCheckedText(
    tableOver(layout, (offset, length) => new Uint8Array(file.subarray(offset, offset + length)).buffer),
  );
}

/** The table, once its org names have been read and found whole; null for a damaged file. */
function withCheckedText(table: AsnTable): AsnTable | null {
  try {
    return table.orgs.size >= 0 ? table : null;
  } catch {
    return null;
  }
}

/**
 * Opens a cache file and reads only what lookups need, when they need it (see `tableOver`); null when the file
 * is missing or not a complete table file. The descriptor stays open for the later parts.
 */
export function openAsnTableFile(path: string): AsnTable | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  const read: ReadPart = (offset, length) => {
    const bytes = new Uint8Array(length);
    if (readSync(fd, bytes, 0, length, offset) !== length) throw new Error('the ASN table cache is truncated');
    return bytes.buffer;
  };
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(Math.min(size, 4096));
  readSync(fd, head, 0, head.length, 0);
  const layout = layoutOf(head, size);
  const table = layout ? withCheckedText(tableOver(layout, read)) : null;
  if (!table) closeSync(fd);
  return table;
}
