import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { makeMeasurement, OONI_MEASUREMENTS, SHARED_DATA, tempDir } from '../../test/fixtures.ts';
import { type Analyzer, createAnalyzer } from '../analysis/analyzer.ts';
import { buildServer } from '../api/app.ts';
import { openStore, type Store } from '../store/store.ts';
import { importFiles } from './importer.ts';

const dir = tempDir();
let store: Store;
let analyzer: Analyzer;

// The shared corpus: 116 files listed in its index (113 JSON measurements, 3 YAML reports).
const index = JSON.parse(readFileSync(join(OONI_MEASUREMENTS, 'index.json'), 'utf8')) as { file: string }[];
const files = index.map((e) => join(OONI_MEASUREMENTS, e.file));
const jsonFiles = files.filter((f) => f.endsWith('.json'));
const counts = async () => {
  const [m] = await store.query<{ n: number }>('SELECT count() AS n FROM measurements');
  const [r] = await store.query<{ n: number }>('SELECT count() AS n FROM measurement_raw');
  const [s] = await store.query<{ n: number }>('SELECT sum(measurement_count) AS n FROM rollup_daily');
  return [m!.n, r!.n, s!.n];
};

before(async () => {
  store = await openStore({ location: { dataDir: join(dir.path, 'data') } });
  analyzer = createAnalyzer({
    fingerprintsDir: join(SHARED_DATA, 'fingerprints'),
    testListsDir: join(SHARED_DATA, 'test-lists'),
  });
});
after(async () => {
  await store?.close();
  dir.remove();
});

describe('import of the shared OONI measurements', () => {
  test('every JSON measurement is imported; YAML reports are named as unsupported', async () => {
    assert.equal(files.length, 116);
    assert.equal(jsonFiles.length, 113);
    const summary = await importFiles(files, { sink: { kind: 'store', store, analyzer } });
    assert.equal(summary.imported, 113, JSON.stringify(summary.problems, null, 1));
    assert.deepEqual(summary.unsupported.sort(), [
      'backend-fastpath__binary_city.yaml',
      'backend-fastpath__dns_n_http_bin_body.yaml',
      'backend-fastpath__http_invalid_request_line.yaml',
    ]);
    assert.equal(summary.skipped, 3);
    assert.deepEqual(await counts(), [113, 113, 113]);
  });

  test('importing the same files again changes nothing', async () => {
    const summary = await importFiles(files, { sink: { kind: 'store', store, analyzer } });
    assert.equal(summary.imported, 0);
    assert.equal(summary.duplicates, 113);
    assert.deepEqual(await counts(), [113, 113, 113]);
  });

  test("OONI's uid and fastpath verdict come from the .api_meta.json sidecar", async () => {
    const uid = '20221110100919.165568_US_webconnectivity_782abf479bf32868';
    const detail = await store.get(uid);
    assert.ok(detail, 'stored under OONI uid');
    assert.equal((detail.ooni as { anomaly: boolean }).anomaly, false);
    assert.equal(detail.row?.ooni_failure, false);
    assert.equal(detail.row?.category_code === '' || typeof detail.row?.category_code === 'string', true);
    assert.equal(JSON.parse(detail.raw).probe_ip, '127.0.0.1');
  });
});

describe('import formats and bad records', () => {
  test('JSONL.gz with a bad line: the line is reported by number and skipped', async () => {
    const good1 = makeMeasurement({ input: 'https://jsonl-1.example/' });
    const good2 = makeMeasurement({ input: 'https://jsonl-2.example/' });
    const text = `${JSON.stringify(good1)}\n{"broken":\n\n${JSON.stringify({ ...good2, probe_cc: 'xx' })}\n${JSON.stringify(good2)}\n`;
    const file = join(dir.path, 'cans.jsonl.gz');
    writeFileSync(file, gzipSync(text));
    const summary = await importFiles([file], { sink: { kind: 'store', store, analyzer } });
    assert.equal(summary.imported, 2);
    assert.deepEqual(
      summary.problems.map((p) => [p.file, p.line, p.message.split(':')[0]]),
      [
        ['cans.jsonl.gz', 2, 'not valid JSON'],
        ['cans.jsonl.gz', 4, 'probe_cc'],
      ],
    );
  });

  test('--server mode submits to a running server', async () => {
    const app = await buildServer({
      store,
      analyzer,
      spoolDir: join(dir.path, 'spool'),
      rateLimit: false,
      webDir: null,
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const file = join(dir.path, 'remote.jsonl');
      writeFileSync(file, `${JSON.stringify(makeMeasurement({ input: 'https://remote.example/' }))}\n`);
      const first = await importFiles([file], { sink: { kind: 'server', url } });
      assert.deepEqual([first.imported, first.duplicates], [1, 0]);
      const second = await importFiles([file], { sink: { kind: 'server', url } });
      assert.deepEqual([second.imported, second.duplicates], [0, 1]);
      await app.collector.loader.idle();
      assert.equal((await store.list({ input: 'https://remote.example/' }, { limit: 5, offset: 0 })).length, 1);
    } finally {
      await app.close();
    }
  });
});
