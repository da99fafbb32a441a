import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedCache } from './bounded-cache.ts';

test('pages of equal length are told apart, and the cache stays within its bounds', () => {
  const cache = new BoundedCache<number>(8, 1_000_000);
  const page = (i: number) => `${'x'.repeat(20_000)}<!-- ${String(i).padStart(3, '0')} -->`;
  for (let i = 0; i < 6; i++) cache.set(page(i), i);
  // four per length: the two oldest of the same length are gone, the newest answer with their own values
  assert.equal(cache.get(page(0)), undefined);
  assert.equal(cache.get(page(1)), undefined);
  for (let i = 2; i < 6; i++) assert.equal(cache.get(page(i)), i);
  for (let i = 0; i < 20; i++) cache.set(`short page ${i}${'y'.repeat(i)}`, i);
  assert.ok(cache.size <= 8, `size ${cache.size}`);
  assert.equal(cache.get(page(5)), undefined, 'least recently used lengths go first');
  assert.equal(cache.get(`short page 19${'y'.repeat(19)}`), 19);
  const small = new BoundedCache<number>(100, 100);
  small.set('a'.repeat(30), 1);
  assert.equal(small.get('a'.repeat(30)), undefined, 'a key over a quarter of the character budget is not kept');
});
