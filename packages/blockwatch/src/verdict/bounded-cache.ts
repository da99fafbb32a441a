/**
 * A least-recently-used map keyed by (long) strings, bounded in entries and in the characters its keys keep
 * alive. For results derived from page bodies, which come back again and again (a country's block page, a site's
 * front page across probes). V8 hashes long strings by length and compares them on a hit, so a lookup costs at
 * most one comparison of equal-length texts.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  private chars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxChars: number,
  ) {}

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      // refresh: eviction takes the least recently used first
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }

  set(key: string, value: V): void {
    if (key.length > this.maxChars / 4 || this.map.has(key)) return;
    this.map.set(key, value);
    this.chars += key.length;
    for (const old of this.map.keys()) {
      if (this.map.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.map.delete(old);
      this.chars -= old.length;
    }
  }
}
