import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BLOCKED_VERDICT, makeMeasurement, makeVerdict, REPO_ROOT, tempDir } from '../../test/fixtures.ts';
import { pickRollup, ROLLUPS } from './aggregation.ts';
import { type FieldRule, MEASUREMENT_FIELDS } from './columns.ts';
import { countries, coverage, networks, overview } from './explore.ts';
import { clusterize, loadMigrations } from './migrate.ts';
import type { AnalyzedMeasurement } from './rows.ts';
import { openStore, type Store } from './store.ts';

const dir = tempDir();
let store: Store;

function item(uid: string, m: Record<string, unknown> = {}, blocked = false): AnalyzedMeasurement {
  return {
    uid,
    measurement: makeMeasurement(m),
    verdict: makeVerdict(blocked ? BLOCKED_VERDICT : {}),
    ooni: { blocking: blocked ? 'dns' : false, accessible: !blocked },
    source: 'collector',
  };
}

before(async () => {
  store = await openStore({ location: { dataDir: dir.path } });
});
after(async () => {
  await store?.close();
  dir.remove();
});

describe('store (embedded engine)', () => {
  test('migrations are recorded and do not run twice', async () => {
    const rows = await store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((r) => r.version),
      loadMigrations().map((m) => m.version),
    );
  });

  test('every column a field rule fills has the type the rule was written for', async () => {
    const columns = await store.query<{ name: string; type: string }>(
      "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'measurements'",
    );
    const actual = new Map(columns.map((c) => [c.name, c.type]));
    for (const [field, rule] of Object.entries(MEASUREMENT_FIELDS) as [string, FieldRule][]) {
      if (rule.column) assert.equal(actual.get(rule.column), rule.type, `${field} → ${rule.column}`);
    }
  });

  test('a field that breaks its column rule is refused by name, before anything is written', async () => {
    const bad = item('20261120100000.000000_IR_webconnectivity_00000000000000aa', { resolver_asn: 1e308 });
    await assert.rejects(store.insert([bad]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BW_ERR_INVALID_INPUT');
      assert.match(err.message, /resolver_asn/);
      return true;
    });
    assert.equal(await store.count({}), 0);
  });

  test('insert deduplicates by uid, within a batch and across batches', async () => {
    const a = item('u-a', { input: 'https://blocked.example/', measurement_start_time: '2026-11-20 10:00:00' }, true);
    const b = item('u-b', { input: 'https://ok.example/', measurement_start_time: '2026-11-21 11:00:00' });
    const c = item('u-c', { probe_cc: 'DE', probe_asn: 'AS3320', measurement_start_time: '2026-11-19 08:00:00' });
    assert.deepEqual(await store.insert([a, b, a]), { inserted: 2, duplicates: 1 });
    assert.deepEqual(await store.insert([a, c]), { inserted: 1, duplicates: 1 });
    assert.equal(await store.count({}), 3);
    const [{ n }] = await store.query<{ n: number }>('SELECT count() AS n FROM measurement_raw');
    assert.equal(n, 3);
  });

  test('list filters with bound values and orders newest first', async () => {
    const all = await store.list({}, { limit: 10, offset: 0 });
    assert.deepEqual(
      all.map((r) => r.measurement_uid),
      ['u-b', 'u-a', 'u-c'],
    );
    const ir = await store.list({ probe_cc: ['IR'], anomaly: true }, { limit: 10, offset: 0 });
    assert.deepEqual(
      ir.map((r) => r.measurement_uid),
      ['u-a'],
    );
    assert.equal(ir[0]!.domain, 'blocked.example');
    assert.equal(ir[0]!.blocking_type, 'dns');
    assert.deepEqual(ir[0]!.fingerprints, ['ooni.ir_4']);
    const injection = await store.list({ probe_cc: ["IR' OR '1'='1"] }, { limit: 10, offset: 0 });
    assert.equal(injection.length, 0);
    const window = await store.list(
      { since: '2026-11-20 00:00:00', until: '2026-11-21 00:00:00' },
      { limit: 10, offset: 0 },
    );
    assert.deepEqual(
      window.map((r) => r.measurement_uid),
      ['u-a'],
    );
  });

  test('get returns raw JSON, our verdict and OONI verdict', async () => {
    const detail = await store.get('u-a');
    assert.ok(detail);
    assert.equal(JSON.parse(detail.raw).input, 'https://blocked.example/');
    assert.equal((detail.verdict as { method: string }).method, 'dns');
    assert.deepEqual(detail.ooni, { blocking: 'dns', accessible: false });
    assert.equal(detail.row?.probe_cc, 'IR');
    assert.equal(await store.get('nope'), null);
  });

  test('the raw column keeps the measurement JSON byte for byte, whatever it holds', async () => {
    // The raw JSON reaches the engine as an object, not a string: escapes, non-ASCII text, numbers and empty
    // containers must come back exactly as sent (measurementJson is what the spool holds).
    const tricky = makeMeasurement({
      input: 'https://raw.example/',
      annotations: {
        quote: 'a "quoted" \\ back\\slash, tab\t, newline\n, nul \u0000, \u2028 and \u{1F600} ünïcødé 中文',
        numbers: [0, -0, 1e308, -1.5e-300, 12345678901234567000, 0.1],
        empty: [{}, [], '', null, false],
        nested: { '': { 'key with "quotes"': ['{', '}', '[', ']', ','] } },
      },
    });
    const json = JSON.stringify(tricky);
    await store.insert([{ ...item('u-raw'), measurement: tricky, measurementJson: json }]);
    assert.equal((await store.get('u-raw'))?.raw, json);
    await store.delete('u-raw');
  });

  test('aggregation follows OONI count semantics, from the rollup and from the table alike', async () => {
    const fromRollup = await store.aggregate({ axis_x: 'probe_cc', filter: {} });
    assert.equal(fromRollup.source, 'rollup_cc_daily');
    assert.deepEqual(fromRollup.rows, [
      { probe_cc: 'DE', anomaly_count: 0, confirmed_count: 0, failure_count: 0, ok_count: 1, measurement_count: 1 },
      { probe_cc: 'IR', anomaly_count: 0, confirmed_count: 1, failure_count: 0, ok_count: 1, measurement_count: 2 },
    ]);
    const fromTable = await store.aggregate({ axis_x: 'probe_cc', filter: { anomaly: true } });
    assert.equal(fromTable.source, 'measurements');
    assert.deepEqual(fromTable.rows, [
      { probe_cc: 'IR', anomaly_count: 0, confirmed_count: 1, failure_count: 0, ok_count: 0, measurement_count: 1 },
    ]);
    const byDay = await store.aggregate({
      axis_x: 'measurement_start_day',
      axis_y: 'probe_cc',
      filter: { probe_cc: ['IR'] },
    });
    assert.deepEqual(
      byDay.rows.map((r) => [r.measurement_start_day, r.measurement_count]),
      [
        ['2026-11-20', 1],
        ['2026-11-21', 1],
      ],
    );
    const total = await store.aggregate({ filter: {} });
    assert.equal(total.rows[0]!.measurement_count, 3);
  });

  test('each query reads the smallest rollup with its dimensions', () => {
    assert.equal(pickRollup({ axis_x: 'measurement_start_day', filter: { probe_cc: ['IR'] } }), 'rollup_cc_daily');
    assert.equal(pickRollup({ axis_x: 'probe_asn', filter: { probe_cc: ['IR'] } }), 'rollup_network_daily');
    assert.equal(pickRollup({ axis_x: 'domain', filter: { category_code: ['NEWS'] } }), 'rollup_domain_daily');
    assert.equal(pickRollup({ axis_x: 'probe_asn', filter: { domain: ['x.org'] } }), 'rollup_daily');
    assert.equal(pickRollup({ axis_x: 'input', filter: {} }), null);
    assert.equal(pickRollup({ axis_x: 'probe_cc', filter: { since: '2024-01-01 12:00:00' } }), null);
  });

  test('explore queries summarise the rollup', async () => {
    const c = await countries(store);
    assert.deepEqual(
      c.map((r) => [r.probe_cc, r.measurement_count, r.networks, r.blocked_share]),
      [
        ['IR', 2, 1, 0.5],
        ['DE', 1, 1, 0],
      ],
    );
    const n = await networks(store, 'IR');
    assert.deepEqual(
      n.map((r) => [r.probe_asn, r.probe_network_name, r.measurement_count]),
      [[12345, 'Example Net', 2]],
    );
    const cov = await coverage(store, { probe_cc: 'IR' });
    assert.deepEqual(
      cov.map((r) => [r.day, r.measurement_count]),
      [
        ['2026-11-20', 1],
        ['2026-11-21', 1],
      ],
    );
    const o = await overview(store, { minSample: 1 });
    assert.equal(o.totals.measurement_count, 3);
    assert.equal(o.totals.countries, 2);
    assert.equal(o.most_blocking[0]!.probe_cc, 'IR');
    assert.equal(o.coverage.length, 3);
  });

  test('onStored fires once per landed batch, without duplicates', async () => {
    const seen: string[][] = [];
    const off = store.onStored((batch) => {
      seen.push(batch.items.map((i) => i.uid));
    });
    await store.insert([item('u-d'), item('u-a')]);
    await store.insert([item('u-d')]);
    off();
    assert.deepEqual(seen, [['u-d']]);
  });

  test('delete removes the measurement and its rollup contribution', async () => {
    assert.equal(await store.delete('u-d'), true);
    assert.equal(await store.delete('u-d'), false);
    assert.equal(await store.get('u-d'), null);
    for (const { table } of ROLLUPS) {
      const [sum] = await store.query<{ n: number }>(`SELECT sum(measurement_count) AS n FROM ${table}`);
      assert.equal(sum!.n, 3, table);
    }
    assert.equal(await store.count({}), 3);
  });
});

describe('cluster DDL', () => {
  test('tables become Replicated local tables plus Distributed ones; views read local tables', () => {
    const migrations = loadMigrations();
    const create = migrations.find((m) => m.version === 1)!.statements[0]!;
    const views = migrations.find((m) => m.version === 2)!.statements.find((st) => st.includes('MATERIALIZED VIEW'))!;
    const table = clusterize(create, 'bw');
    assert.equal(table.length, 2);
    assert.match(table[0]!, /^CREATE TABLE IF NOT EXISTS measurements_local ON CLUSTER bw \(/);
    assert.match(
      table[0]!,
      /ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/\{database\}\/measurements_local', '\{replica\}', inserted_at\)/,
    );
    assert.equal(
      table[1],
      'CREATE TABLE IF NOT EXISTS measurements ON CLUSTER bw AS measurements_local ENGINE = Distributed(bw, currentDatabase(), measurements_local, cityHash64(measurement_uid))',
    );
    const view = clusterize(views, 'bw');
    assert.match(view[0]!, /rollup_daily_mv ON CLUSTER bw TO rollup_daily_local AS/);
    assert.match(view[0]!, /FROM measurements_local/);
    assert.deepEqual(clusterize('ALTER TABLE t {{ON_CLUSTER}} ADD COLUMN x UInt8', 'bw'), [
      'ALTER TABLE t_local ON CLUSTER bw ADD COLUMN x UInt8',
      'ALTER TABLE t ON CLUSTER bw ADD COLUMN x UInt8',
    ]);
    assert.throws(() => clusterize('SELECT 1', 'bad name'), { code: 'BW_ERR_STORE' });
    assert.deepEqual(clusterize('ALTER TABLE t {{ON_CLUSTER}} ADD COLUMN x UInt8'), [
      'ALTER TABLE t ADD COLUMN x UInt8',
    ]);
  });

  test('docs/cluster.md shows the DDL the store generates', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs/cluster.md'), 'utf8');
    for (const m of loadMigrations().filter((x) => x.version < 100)) {
      for (const st of m.statements) {
        for (const out of clusterize(st, 'bw')) assert.ok(doc.includes(out), `docs/cluster.md lacks:\n${out}`);
      }
    }
  });
});
