/**
 * The loader cannot be stopped by what is in the spool: hostile records that bypassed the door (every field
 * of the hostile battery, lines that are not JSON, records that are not spool records) end up in the store or
 * in quarantine, each exactly once, the position moves past them, and valid records after them are stored.
 * Real spool files, real chdb.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { hostileCases } from '../../test/hostile-values.ts';
import { createAnalyzer } from '../analysis/analyzer.ts';
import { listQuarantine, quarantineCount } from '../store/quarantine.ts';
import { openStore, type Store } from '../store/store.ts';
import { measurementUid } from './ids.ts';
import { startLoader } from './loader.ts';
import { Spool, type SpoolRecord } from './spool.ts';

const dir = tempDir();
let store: Store;
const silent = { info() {}, warn() {}, error() {} };

before(async () => {
  store = await openStore({ location: { dataDir: join(dir.path, 'data') } });
});
after(async () => {
  await store?.close();
  dir.remove();
});

const record = (m: Record<string, unknown>): SpoolRecord => ({ uid: measurementUid(m), m, src: 'collector' });

async function placeOf(uids: string[]): Promise<Map<string, string[]>> {
  const stored = await store.query<{ measurement_uid: string }>(
    'SELECT measurement_uid FROM measurements WHERE measurement_uid IN {uids:Array(String)}',
    { uids },
  );
  const raw = await store.query<{ measurement_uid: string }>(
    'SELECT measurement_uid FROM measurement_raw WHERE measurement_uid IN {uids:Array(String)}',
    { uids },
  );
  const quarantined = await store.query<{ measurement_uid: string }>(
    'SELECT measurement_uid FROM quarantine WHERE measurement_uid IN {uids:Array(String)}',
    { uids },
  );
  const places = new Map<string, string[]>(uids.map((uid) => [uid, []]));
  for (const [name, rows] of [
    ['store', stored],
    ['raw', raw],
    ['quarantine', quarantined],
  ] as const) {
    for (const r of rows) places.get(r.measurement_uid)?.push(name);
  }
  return places;
}

test('hostile records that bypassed the door are stored or quarantined once; valid ones after them are stored', async () => {
  const spoolDir = join(dir.path, 'spool');
  mkdirSync(spoolDir, { recursive: true });
  // Lines no collector writes: not JSON, JSON that is no spool record, a record without a measurement.
  writeFileSync(
    join(spoolDir, '0000000001.jsonl'),
    [
      'not json at all',
      '{"uid":1}',
      '[1,2,3]',
      '{"uid":"20261120100000.000000_IR_webconnectivity_0123456789abcdef","m":null}',
      '',
    ].join('\n'),
  );
  const spool = await Spool.open(spoolDir);
  const loader = startLoader({ spool, store, analyzer: createAnalyzer(), log: silent, batchBytes: 2 * 1024 * 1024 });
  try {
    const hostile = hostileCases().map((c) => record(c.measurement));
    await spool.append(hostile);
    const valid = Array.from({ length: 20 }, (_, i) =>
      record(makeMeasurement({ input: `https://valid-${i}.example/` })),
    );
    await spool.append(valid);
    await loader.idle();

    const places = await placeOf([...new Set([...hostile, ...valid].map((r) => r.uid))]);
    for (const [uid, where] of places) {
      const ok =
        (where.length === 2 && where.includes('store') && where.includes('raw')) ||
        (where.length === 1 && where[0] === 'quarantine');
      assert.ok(ok, `${uid}: found in [${where.join(', ')}], expected the store (both tables) or the quarantine`);
    }
    for (const r of valid) assert.deepEqual(places.get(r.uid), ['store', 'raw'], `valid ${r.uid}`);
    assert.deepEqual(spool.committed(), spool.durableEnd(), 'the position moved past everything');

    const entries = await listQuarantine(store, { limit: 10_000, offset: 0 });
    const errors = entries.map((e) => e.error).join('\n');
    assert.match(errors, /resolver_asn: expected/);
    assert.match(errors, /not JSON/);
    assert.match(errors, /m: not a measurement object/);
    assert.equal(await quarantineCount(store), entries.length);
    assert.ok(entries.length >= 4 + 10, `${entries.length} quarantined`);
  } finally {
    await loader.stop();
    await spool.close();
  }
});

test('rows the engine itself refuses are found by splitting the batch; every other row is stored', async () => {
  // A constraint makes the real engine refuse rows the door and the mapping accept: the loader's last line.
  await store.command("ALTER TABLE measurements ADD CONSTRAINT refuse_poison CHECK input NOT LIKE '%poison%'");
  const spool = await Spool.open(join(dir.path, 'spool-engine'));
  const loader = startLoader({ spool, store, analyzer: createAnalyzer(), log: silent });
  try {
    const records = Array.from({ length: 300 }, (_, i) =>
      record(makeMeasurement({ input: `https://${i % 97 === 5 ? 'poison' : 'fine'}-${i}.example/` })),
    );
    await spool.append(records);
    await loader.idle();
    const places = await placeOf(records.map((r) => r.uid));
    for (const r of records) {
      const poisoned = (r.m.input as string).includes('poison');
      assert.deepEqual(places.get(r.uid), poisoned ? ['quarantine'] : ['store', 'raw'], String(r.m.input));
    }
    const entries = await listQuarantine(store, { limit: 500, offset: 0 });
    const poisonEntry = entries.find((e) => e.raw.includes('poison-5.example'));
    assert.match(poisonEntry?.error ?? '', /refuse_poison/);
    // The rollups count every stored row once and no quarantined one.
    const [rollup] = await store.query<{ n: number }>(
      "SELECT sum(measurement_count) AS n FROM rollup_cc_daily WHERE probe_cc = 'IR'",
    );
    const [table] = await store.query<{ n: number }>("SELECT count() AS n FROM measurements WHERE probe_cc = 'IR'");
    assert.equal(Number(rollup!.n), Number(table!.n));
  } finally {
    await loader.stop();
    await spool.close();
    await store.command('ALTER TABLE measurements DROP CONSTRAINT refuse_poison');
  }
});
