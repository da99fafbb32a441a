import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPacer } from './pacer.ts';

/** A virtual clock: sleeps are timers, `settle` advances time to each timer in turn until the work is done. */
function virtualClock(overshootMs: (n: number) => number = () => 0) {
  let now = 1_000;
  let count = 0;
  const timers: { at: number; wake: () => void }[] = [];
  const clock = {
    now: () => now,
    sleep: (ms: number) => new Promise<void>((wake) => timers.push({ at: now + ms + overshootMs(count++), wake })),
  };
  async function settle<T>(work: Promise<T>): Promise<T> {
    let done = false;
    void work.finally(() => {
      done = true;
    });
    while (!done) {
      await new Promise((r) => setImmediate(r));
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift();
      if (next) {
        now = Math.max(now, next.at);
        next.wake();
      }
    }
    return work;
  }
  return { clock, settle };
}

test('turns on one key are spaced by its interval, other keys are independent', async () => {
  const { clock, settle } = virtualClock();
  const pacer = createPacer(clock);
  const a = { key: 'resolver:1', intervalMs: 1000 };
  const b = { key: 'resolver:2', intervalMs: 1000 };
  assert.equal(await settle(pacer.turn([a])), 1000);
  assert.equal(await settle(pacer.turn([b])), 1000);
  assert.equal(await settle(pacer.turn([a])), 2000);
});

test('a network limit spaces turns across its resolvers; concurrent callers never share a slot', async () => {
  const { clock, settle } = virtualClock();
  const pacer = createPacer(clock);
  const network = { key: 'network:AS9198', intervalMs: 100 };
  const turns = await settle(
    Promise.all([1, 2, 3, 4].map((i) => pacer.turn([{ key: `resolver:${i}`, intervalMs: 1000 }, network]))),
  );
  assert.deepEqual(
    [...turns].sort((x, y) => x - y),
    [1000, 1100, 1200, 1300],
  );
});

test('a turn that woke late pushes the next one back: never two grants closer than the interval', async () => {
  // the first timer fires 30 ms late (a busy event loop), the others on time
  const { clock, settle } = virtualClock((n) => (n === 0 ? 30 : 0));
  const pacer = createPacer(clock);
  const key = { key: 'network:AS1', intervalMs: 100 };
  const grants = await settle(Promise.all([1, 2, 3, 4].map(() => pacer.turn([key]))));
  const sorted = [...grants].sort((a, b) => a - b);
  assert.deepEqual(sorted, [1000, 1130, 1230, 1330]);
});
