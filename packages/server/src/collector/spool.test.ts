import assert from 'node:assert/strict';
import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { tempDir } from '../../test/fixtures.ts';
import { canonicalJson, measurementUid, newReportId } from './ids.ts';
import { createRateLimiter } from './rate-limit.ts';
import { measurementJsonOf, Spool, type SpoolRecord } from './spool.ts';

const dir = tempDir();
after(() => dir.remove());

const record = (i: number): SpoolRecord => ({ uid: `u${i}`, m: { i }, src: 'collector' });

async function readAll(spool: Spool, from = spool.committed()) {
  const uids: string[] = [];
  let pos = from;
  for (;;) {
    const { lines, next } = await spool.read(pos, 64);
    if (lines.length === 0 && next.segment === pos.segment && next.offset === pos.offset) break;
    for (const l of lines) if (l) uids.push(JSON.parse(l).uid);
    pos = next;
  }
  return { uids, pos };
}

describe('spool', () => {
  test('durable appends are handed over in memory, in order and across rotations, matching the file', async () => {
    const path = join(dir.path, 'fresh');
    const spool = await Spool.open(path, { segmentBytes: 200 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => spool.append([record(i)])));
    const fromMemory: string[] = [];
    let pos = spool.committed();
    for (;;) {
      const fresh = spool.takeFresh(pos, 64);
      if (!fresh) break;
      for (const r of fresh.records) fromMemory.push(r.uid);
      pos = fresh.next;
    }
    assert.deepEqual(fromMemory, (await readAll(spool)).uids, 'memory and file agree');
    assert.deepEqual(pos, spool.durableEnd(), 'handed over up to the durable end');
    assert.equal(spool.takeFresh(pos, 64), null, 'nothing left');
    await spool.close();
  });

  test('a line read back from the file gives the measurement JSON it was written with, byte for byte', async () => {
    const spool = await Spool.open(join(dir.path, 'json'));
    const start = spool.durableEnd();
    const records: SpoolRecord[] = [
      { uid: 'u-a', m: { b: 1, a: 'x"\\\n', c: ',"src":"y"' }, src: 'collector' },
      { uid: 'u-b', m: { k: [1, { z: null }] }, src: 'import', ooni: { blocking: 'dns', scores: { src: 'x' } } },
    ];
    // As the collector passes it: a canonical form that differs from JSON.stringify(m).
    const json = records.map((r) => canonicalJson(r.m));
    await spool.append(records, json);
    const { lines } = await spool.read(start, 1 << 20);
    assert.deepEqual(
      lines.map((line) => measurementJsonOf(line, JSON.parse(line) as SpoolRecord)),
      json,
    );
    assert.equal(measurementJsonOf('{"uid":"u-c","m":{},"src":"other"}', records[0]!), undefined, 'not its line');
    await spool.close();
  });

  test('a reader behind the queued records reads the file up to them, then takes them from memory', async () => {
    const spool = await Spool.open(join(dir.path, 'resume'));
    const start = spool.durableEnd();
    await spool.append([record(0), record(1)]);
    // Appended right as the previous append resolves: this used to join the finished flush and never be written.
    await spool.append([record(2)]);
    // As after a failed insert: the reader is back at the start, past records it had taken.
    const { lines, next } = await spool.read(start, 1 << 20);
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).uid),
      ['u0', 'u1'],
      'the file is read only up to the next queued records',
    );
    const fresh = spool.takeFresh(next, 1 << 20);
    assert.deepEqual(
      fresh?.records.map((r) => r.uid),
      ['u2'],
    );
    assert.deepEqual(fresh?.next, spool.durableEnd());
    await spool.close();
  });

  test('concurrent appends are grouped, rotated into segments, read back in order', async () => {
    const path = join(dir.path, 'a');
    const spool = await Spool.open(path, { segmentBytes: 200 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => spool.append([record(i)])));
    assert.ok(readdirSync(path).filter((f) => f.endsWith('.jsonl')).length > 1, 'rotated');
    const { uids, pos } = await readAll(spool);
    assert.deepEqual(
      uids,
      Array.from({ length: 20 }, (_, i) => `u${i}`),
    );
    await spool.commit(pos);
    assert.equal(readdirSync(path).filter((f) => f.endsWith('.jsonl')).length, 1, 'consumed segments deleted');
    await spool.close();
  });

  test('a torn last line is cut on open; the committed position survives a restart', async () => {
    const path = join(dir.path, 'b');
    let spool = await Spool.open(path);
    await spool.append([record(1), record(2)]);
    const first = await spool.read(spool.committed(), 1 << 20);
    await spool.commit({ segment: first.next.segment, offset: first.next.offset });
    await spool.append([record(3)]);
    await spool.close();
    appendFileSync(join(path, '0000000001.jsonl'), '{"uid":"torn","m":{');
    spool = await Spool.open(path);
    const { uids } = await readAll(spool);
    assert.deepEqual(uids, ['u3']);
    await spool.append([record(4)]);
    assert.deepEqual((await readAll(spool)).uids, ['u3', 'u4']);
    await spool.close();
  });
});

describe('ids', () => {
  test('the uid is OONI-shaped and depends only on the content', () => {
    const m = {
      probe_cc: 'IR',
      test_name: 'web_connectivity',
      measurement_start_time: '2024-02-14 09:06:17',
      b: 1,
      a: [2],
    };
    const uid = measurementUid(m);
    assert.match(uid, /^20240214090617\.000000_IR_webconnectivity_[0-9a-f]{16}$/);
    const { a, b, ...rest } = m;
    assert.equal(measurementUid({ measurement_uid: 'ignored', ...rest, b, a }), uid, 'key order does not matter');
    assert.notEqual(measurementUid({ ...m, b: 2 }), uid);
    assert.equal(
      canonicalJson({ b: 1, a: { d: 1, c: [1, { f: 1, e: 2 }] } }),
      '{"a":{"c":[1,{"e":2,"f":1}],"d":1},"b":1}',
    );
  });

  test('report ids follow OONI format', () => {
    const id = newReportId(
      { test_name: 'web_connectivity', probe_cc: 'IT', probe_asn: 'AS30722' },
      new Date('2024-02-14T09:06:17Z'),
    );
    assert.match(id, /^20240214T090617Z_webconnectivity_IT_30722_n1_[A-Za-z0-9]{16}$/);
  });
});

describe('rate limiter', () => {
  test('token bucket: burst, then the sustained rate', () => {
    let now = 0;
    const limiter = createRateLimiter({ perSecond: 2, burst: 3, nowMs: () => now });
    assert.deepEqual(
      [0, 0, 0].map(() => limiter.take('198.51.100.1')),
      [0, 0, 0],
    );
    assert.ok(limiter.take('198.51.100.1') > 0);
    assert.equal(limiter.take('198.51.100.2'), 0, 'clients are independent');
    now += 500;
    assert.equal(limiter.take('198.51.100.1'), 0);
  });
});
