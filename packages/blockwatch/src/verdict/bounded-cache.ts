/**
 * A least-recently-used map keyed by page bodies, bounded in entries and in the characters its keys keep alive.
 * For results derived from bodies, which come back again and again (a country's block page, a site's front page
 * across probes).
 *
 * Entries are grouped by key length, at most `PER_LENGTH` per length. Why not a plain Map<string>: V8 hashes a
 * string longer than 16 K characters by its length alone, so distinct pages of equal length (one template, a
 * different number in it) would all collide and every lookup would compare the texts of all of them.
 */
const PER_LENGTH = 4;

interface Entry<V> {
  key: string;
  value: V;
}

export class BoundedCache<V> {
  private readonly byLength = new Map<number, Entry<V>[]>();
  private entries = 0;
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(key: string): V | undefined {
    const bucket = this.byLength.get(key.length);
    if (!bucket) return undefined;
    for (const entry of bucket) {
      if (entry.key === key) {
        // refresh: eviction takes the least recently used length first
        this.byLength.delete(key.length);
        this.byLength.set(key.length, bucket);
        return entry.value;
      }
    }
    return undefined;
  }

  set(key: string, value: V): void {
    if (key.length > this.maxChars / 4) return;
    const bucket = this.byLength.get(key.length) ?? [];
    if (bucket.some((e) => e.key === key)) return;
    bucket.unshift({ key, value });
    this.entries++;
    this.chars += key.length;
    if (bucket.length > PER_LENGTH) {
      bucket.pop();
      this.entries--;
      this.chars -= key.length;
    }
    this.byLength.delete(key.length);
    this.byLength.set(key.length, bucket);
    for (const [length, oldest] of this.byLength) {
      if (this.entries <= this.maxEntries && this.chars <= this.maxChars) break;
      this.byLength.delete(length);
      this.entries -= oldest.length;
      this.chars -= length * oldest.length;
    }
  }

  get size(): number {
    return this.entries;
  }
}
