import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTrace, MAX_NETWORK_EVENTS } from './trace.ts';

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

test('network events are kept verbatim up to the cap, then reads merge per transaction with exact byte sums', () => {
  let nowMs = 0;
  const trace = createTrace({ nowMs: () => nowMs });
  trace.event({ operation: 'connect', address: '192.0.2.1:443', proto: 'tcp', failure: null, t: 0, transaction_id: 1 });
  let total = 0;
  for (let i = 0; i < 500; i++) {
    nowMs = 10 * (i + 1);
    total += 100 + i;
    trace.event({ operation: 'read', num_bytes: 100 + i, failure: null, t: trace.now(), transaction_id: 1 });
  }
  trace.event({ operation: 'read', failure: 'generic_timeout_error', t: 99, transaction_id: 1 });
  trace.event({ operation: 'read', failure: 'connection_reset', t: 100, transaction_id: 1 });
  trace.event({ operation: 'write', num_bytes: 50, failure: null, t: 101, transaction_id: 1 });
  const events = trace.networkEvents();
  assert.equal(events.length, MAX_NETWORK_EVENTS + 2, 'cap, one merged read, one failure');
  const reads = events.filter((e) => e.operation === 'read' && e.failure === null);
  assert.equal(
    reads.reduce((sum, e) => sum + (e.num_bytes ?? 0), 0),
    total,
  );
  const last = events.find((e) => e.tags?.includes('x_merged_reads'));
  assert.equal(last?.t, 5, 'the merged read carries the time of the last byte');
  assert.deepEqual(
    events.filter((e) => e.failure !== null).map((e) => e.failure),
    ['generic_timeout_error'],
  );
});
