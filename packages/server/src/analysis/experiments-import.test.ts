/**
 * OONI's real telegram, whatsapp and signal measurements through the ordinary import path: each is analysed by its
 * registered experiment and stored with OONI's own verdict (as its test keys state it) beside ours, and the two
 * agree; the collector's loader does the same for a submitted one. A test type no experiment is registered for is
 * stored too, with an unknown verdict naming it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OONI_MEASUREMENTS, tempDir } from '../../test/fixtures.ts';
import { toAnalyzed } from '../collector/loader.ts';
import { importFiles } from '../import/importer.ts';
import { openStore, type Store } from '../store/store.ts';
import { createAnalyzer } from './analyzer.ts';

const MESSAGING = ['telegram', 'whatsapp', 'signal'];
const dir = tempDir();
let store: Store;

/** The shared data's measurements (not the API metadata beside them) of these tests. */
function measurementsOf(testNames: string[]): string[] {
  return readdirSync(OONI_MEASUREMENTS)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.api_meta.json'))
    .map((f) => join(OONI_MEASUREMENTS, f))
    .filter((f) => {
      const m = JSON.parse(readFileSync(f, 'utf8'));
      return testNames.includes(m?.test_name);
    });
}

before(async () => {
  store = await openStore({ location: { dataDir: join(dir.path, 'data') } });
});
after(async () => {
  await store?.close();
  dir.remove();
});

test("OONI's messaging measurements are stored with our verdict and OONI's, which agree", async () => {
  const files = measurementsOf(MESSAGING);
  assert.ok(files.length >= 10, `the shared data holds messaging measurements (${files.length})`);
  const summary = await importFiles(files, { sink: { kind: 'store', store, analyzer: createAnalyzer() } });
  assert.equal(summary.imported, files.length, JSON.stringify(summary.problems));
  const rows = await store.query<{
    test_name: string;
    engine: string;
    blocking_classic: string;
    accessible: boolean | null;
    ooni_blocking: string;
    ooni_accessible: boolean | null;
    outcome: string;
  }>(
    "SELECT test_name, engine, blocking_classic, accessible, ooni_blocking, ooni_accessible, outcome FROM measurements WHERE test_name IN ('telegram', 'whatsapp', 'signal')",
  );
  assert.equal(rows.length, files.length);
  assert.deepEqual(new Set(rows.map((r) => r.test_name)), new Set(MESSAGING));
  for (const r of rows) {
    assert.equal(r.engine, `${r.test_name}-0.1`);
    assert.notEqual(r.ooni_blocking, '', `${r.test_name}: OONI's verdict is stored`);
    assert.deepEqual([r.blocking_classic, r.accessible], [r.ooni_blocking, r.ooni_accessible], JSON.stringify(r));
  }
  assert.ok(
    rows.some((r) => r.outcome === 'blocked'),
    'the real data includes blocked measurements',
  );
});

test('a test type no experiment is registered for is stored with an unknown verdict naming it', async () => {
  const [tor] = measurementsOf(['tor']);
  assert.ok(tor);
  const summary = await importFiles([tor], { sink: { kind: 'store', store, analyzer: createAnalyzer() } });
  assert.equal(summary.imported, 1, JSON.stringify(summary.problems));
  const [row] = await store.query<{ outcome: string; engine: string; explanation: string }>(
    "SELECT outcome, engine, explanation FROM measurements WHERE test_name = 'tor'",
  );
  assert.deepEqual([row?.outcome, row?.engine], ['unknown', 'none']);
  assert.match(row?.explanation ?? '', /'tor' is not a registered experiment/);
});

test("a messaging measurement submitted to the collector keeps OONI's verdict beside ours", () => {
  const [file] = measurementsOf(['whatsapp']);
  assert.ok(file);
  const m = JSON.parse(readFileSync(file, 'utf8'));
  const analyzed = toAnalyzed({ uid: 'x', m, src: 'collector' }, createAnalyzer());
  assert.equal(analyzed.verdict.engine, 'whatsapp-0.1');
  assert.ok(analyzed.ooni, "OONI's verdict, from the whatsapp test keys");
  assert.deepEqual(
    [analyzed.ooni.blocking, analyzed.ooni.accessible],
    [analyzed.verdict.blocking, analyzed.verdict.accessible],
  );
});
