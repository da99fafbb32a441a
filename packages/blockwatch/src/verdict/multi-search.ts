/**
 * Finds which of many literal patterns occur in a text (Wu–Manber multi-pattern search).
 *
 * Why: 1,300 body fingerprints times a 500 KB body is far too slow with one `indexOf` per pattern (≈200 ms), and
 * even one look at every character costs about what `JSON.parse` spends on the same bytes. Wu–Manber slides a
 * window as long as the shortest pattern and jumps ahead by a shift looked up from the window's last characters,
 * so it reads a fraction of the text. A window whose shift is 0 is hashed whole and looked up among the patterns'
 * first windows; only an exact hash hit is verified with `startsWith` (block-page patterns share prefixes such as
 * `<title>` or `http://`, so checking every pattern of a bucket would cost more than the scan).
 * Two tables: patterns of 14+ code units (window 14, trigram shifts, jumps up to 12: nine in ten body
 * fingerprints) and of 7–13 (window 7, bigram shifts, jumps up to 6). Shorter patterns use the engine's native
 * `includes`. The split was tuned on the reference measurements' bodies (one pass over 1.7 MB: 8 ms → 5 ms).
 */
const TABLE_BITS = 16;
const MASK = (1 << TABLE_BITS) - 1;

// Shifts and xors only: products of code units leave V8's small-integer range and slow the scan down by a third.
const hash3 = (c0: number, c1: number, c2: number) => ((c0 << 10) ^ (c1 << 5) ^ c2) & MASK;
const hash2 = (c0: number, c1: number) => ((c0 << 7) ^ c1) & MASK;

/** Hash of `length` code units of `s` from `start` (FNV-1a style on 16-bit units). */
function windowHash(s: string, start: number, length: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < start + length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff; // a small integer: cheaper as a Map key than a heap number
}

export interface MultiSearch<T> {
  /** The values of every pattern that occurs in `text`, each once, in insertion order. */
  find(text: string): T[];
}

interface Entry<T> {
  pattern: string;
  value: T;
  order: number;
}

interface Table<T> {
  window: number;
  block: 2 | 3;
  shift: Uint8Array;
  /** window hash of the pattern's first `window` code units → patterns */
  starts: Map<number, Entry<T>[]>;
  /** bigram hashes of the patterns' first two code units: a cheap filter before hashing a whole window */
  heads: Uint8Array;
  size: number;
}

function buildTable<T>(entries: Entry<T>[], window: number, block: 2 | 3): Table<T> {
  const shift = new Uint8Array(1 << TABLE_BITS).fill(window - block + 1);
  const starts = new Map<number, Entry<T>[]>();
  const heads = new Uint8Array(1 << TABLE_BITS);
  for (const e of entries) {
    const p = e.pattern;
    heads[hash2(p.charCodeAt(0), p.charCodeAt(1))] = 1;
    for (let end = block; end <= window; end++) {
      const h =
        block === 3
          ? hash3(p.charCodeAt(end - 3), p.charCodeAt(end - 2), p.charCodeAt(end - 1))
          : hash2(p.charCodeAt(end - 2), p.charCodeAt(end - 1));
      if (window - end < (shift[h] as number)) shift[h] = window - end;
    }
    const key = windowHash(p, 0, window);
    const list = starts.get(key);
    if (list) list.push(e);
    else starts.set(key, [e]);
  }
  return { window, block, shift, starts, heads, size: entries.length };
}

function verify<T>(text: string, start: number, table: Table<T>, hits: Map<number, T>) {
  if (table.heads[hash2(text.charCodeAt(start), text.charCodeAt(start + 1))] === 0) return;
  const list = table.starts.get(windowHash(text, start, table.window));
  if (!list) return;
  for (const e of list) if (!hits.has(e.order) && text.startsWith(e.pattern, start)) hits.set(e.order, e.value);
}

function scan3<T>(text: string, t: Table<T>, hits: Map<number, T>) {
  const { shift, window } = t;
  for (let pos = window - 1; pos < text.length; ) {
    const s = shift[hash3(text.charCodeAt(pos - 2), text.charCodeAt(pos - 1), text.charCodeAt(pos))] as number;
    if (s > 0) pos += s;
    else {
      verify(text, pos - window + 1, t, hits);
      pos++;
    }
  }
}

function scan2<T>(text: string, t: Table<T>, hits: Map<number, T>) {
  const { shift, window } = t;
  for (let pos = window - 1; pos < text.length; ) {
    const s = shift[hash2(text.charCodeAt(pos - 1), text.charCodeAt(pos))] as number;
    if (s > 0) pos += s;
    else {
      verify(text, pos - window + 1, t, hits);
      pos++;
    }
  }
}

const LONG = 14;
const SHORT = 7;

export function createMultiSearch<T>(entries: { pattern: string; value: T }[]): MultiSearch<T> {
  const tiny: Entry<T>[] = [];
  const short: Entry<T>[] = [];
  const long: Entry<T>[] = [];
  entries.forEach(({ pattern, value }, order) => {
    if (pattern.length === 0) return;
    const e = { pattern, value, order };
    if (pattern.length >= LONG) long.push(e);
    else if (pattern.length >= SHORT) short.push(e);
    else tiny.push(e);
  });
  const longTable = buildTable(long, LONG, 3);
  const shortTable = buildTable(short, SHORT, 2);
  return {
    find(text) {
      const hits = new Map<number, T>();
      for (const e of tiny) if (text.includes(e.pattern)) hits.set(e.order, e.value);
      if (longTable.size > 0) scan3(text, longTable, hits);
      if (shortTable.size > 0) scan2(text, shortTable, hits);
      if (hits.size === 0) return [];
      return [...hits.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
    },
  };
}
