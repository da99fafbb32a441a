import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTrace } from './trace.ts';

test('a trace counts seconds from its creation and hands out increasing ids', () => {
  let nowMs = 1000;
  const trace = createTrace({ nowMs: () => nowMs, firstId: 40001 });
  assert.equal(trace.zeroMs, 1000);
  assert.equal(trace.now(), 0);
  nowMs = 3500;
  assert.equal(trace.now(), 2.5);
  assert.deepEqual([trace.nextId(), trace.nextId(), trace.nextId()], [40001, 40002, 40003]);
});

test('traces are independent', () => {
  const a = createTrace();
  const b = createTrace();
  a.nextId();
  assert.equal(b.nextId(), 1);
});
