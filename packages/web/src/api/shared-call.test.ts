import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sharedCall } from './shared-call.ts';
import type { Loaded } from './types.ts';

function counting() {
  const signals: AbortSignal[] = [];
  const call = sharedCall<number>(async (signal) => {
    signals.push(signal);
    return { state: 'ok', data: signals.length } satisfies Loaded<number>;
  });
  return { call, signals };
}

test('two sections waiting on the same call make one request and get the same answer', async () => {
  const { call, signals } = counting();
  const [a, b] = await Promise.all([call(new AbortController().signal), call(new AbortController().signal)]);
  assert.equal(signals.length, 1);
  assert.deepEqual(a, { state: 'ok', data: 1 });
  assert.equal(a, b);
});

test('the request is aborted only when every caller gives up, and a later caller starts a fresh one', async () => {
  const { call, signals } = counting();
  const first = new AbortController();
  const second = new AbortController();
  await Promise.all([call(first.signal), call(second.signal)]);
  first.abort();
  assert.equal(signals[0]!.aborted, false);
  second.abort();
  assert.equal(signals[0]!.aborted, true);
  await call(new AbortController().signal);
  assert.equal(signals.length, 2);
  assert.equal(signals[1]!.aborted, false);
});
