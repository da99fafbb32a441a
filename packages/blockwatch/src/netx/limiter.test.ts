import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLimiter } from './limiter.ts';

test('at most `max` holders; waiters are served in order', async () => {
  const limiter = createLimiter(2);
  const a = await limiter.acquire();
  const b = await limiter.acquire();
  const order: string[] = [];
  const c = limiter.acquire().then((release) => {
    order.push('c');
    return release;
  });
  const d = limiter.acquire().then((release) => {
    order.push('d');
    return release;
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(limiter.active, 2);
  assert.equal(limiter.waiting, 2);
  a();
  a(); // releasing twice frees one slot only
  (await c)();
  b();
  (await d)();
  assert.deepEqual(order, ['c', 'd']);
  assert.equal(limiter.active, 0);
});

test('a waiter whose signal aborts leaves the queue', async () => {
  const limiter = createLimiter(1);
  const held = await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  controller.abort(new Error('gave up'));
  await assert.rejects(waiting, /gave up/);
  assert.equal(limiter.waiting, 0);
  held();
  assert.equal(limiter.active, 0);
});
