import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPacer } from './pacer.ts';

function fakeClock() {
  let now = 1_000;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}

test('turns on one key are spaced by its interval, other keys are independent', async () => {
  const pacer = createPacer(fakeClock());
  const a = { key: 'resolver:1', intervalMs: 1000 };
  const b = { key: 'resolver:2', intervalMs: 1000 };
  assert.equal(await pacer.turn([a]), 1000);
  assert.equal(await pacer.turn([b]), 1000);
  assert.equal(await pacer.turn([a]), 2000);
});

test('a network limit spaces turns across its resolvers; concurrent callers never share a slot', async () => {
  const pacer = createPacer(fakeClock());
  const network = { key: 'network:AS9198', intervalMs: 100 };
  const turns = await Promise.all(
    [1, 2, 3, 4].map((i) => pacer.turn([{ key: `resolver:${i}`, intervalMs: 1000 }, network])),
  );
  assert.deepEqual(
    [...turns].sort((x, y) => x - y),
    [1000, 1100, 1200, 1300],
  );
});
