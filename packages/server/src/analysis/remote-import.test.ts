/**
 * Remote records (dns_remote, http_remote) through the ordinary import path: re-analysed by their own pure analysis
 * (not taken on trust from the file), stored with their test name, so remote and in-network evidence sit side by
 * side. The fixture is a real `blockwatch remote` run against the lab (AS9198 with a DNS block-page rule and a
 * dropped ClientHello; the public resolver's network as one that does not censor).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REMOTE_LAB_RECORDS, REMOTE_LAB_REGISTRY, tempDir } from '../../test/fixtures.ts';
import { importFiles } from '../import/importer.ts';
import { openStore, type Store } from '../store/store.ts';
import { createAnalyzer } from './analyzer.ts';

const dir = tempDir();
let store: Store;

before(async () => {
  store = await openStore({ location: { dataDir: join(dir.path, 'data') } });
});
after(async () => {
  await store?.close();
  dir.remove();
});

test('remote records are imported, re-analysed and stored by test name and measured network', async () => {
  const analyzer = createAnalyzer({ asnRegistryFile: REMOTE_LAB_REGISTRY });
  const summary = await importFiles([REMOTE_LAB_RECORDS], { sink: { kind: 'store', store, analyzer } });
  assert.equal(summary.imported, 8, JSON.stringify(summary.problems));
  const rows = await store.query<{
    test_name: string;
    probe_asn: number;
    input: string;
    outcome: string;
    blocking_type: string;
    engine: string;
  }>(
    "SELECT test_name, probe_asn, input, outcome, blocking_type, engine FROM measurements WHERE outcome = 'blocked' ORDER BY test_name, input",
  );
  assert.deepEqual(
    rows.map((r) => [r.test_name, r.probe_asn, r.input, r.blocking_type, r.engine]),
    [
      ['dns_remote', 9198, 'azattyq.lab', 'dns', 'remote-0.1'],
      ['http_remote', 9198, 'https://meduza.lab/', 'tls', 'remote-0.1'],
    ],
  );
  const [others] = await store.query<{ n: number }>(
    "SELECT count() AS n FROM measurements WHERE outcome = 'accessible'",
  );
  assert.equal(others?.n, 6);
});
