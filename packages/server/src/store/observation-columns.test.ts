/**
 * The per-experiment observation columns, with a real store file and OONI's real telegram and whatsapp
 * measurements: each row holds its own experiment's values (checked against the keys OONI itself wrote), the
 * other experiments' columns keep their defaults, the lookup returns them by name, and opening the same file
 * again adds nothing.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OONI_MEASUREMENTS, tempDir } from '../../test/fixtures.ts';
import { createAnalyzer } from '../analysis/analyzer.ts';
import { importFiles } from '../import/importer.ts';
import { addObservationColumns } from './migrate.ts';
import { OBSERVATION_COLUMNS, observationColumnsOf, observationValues } from './observation-columns.ts';
import { openStore, type Store } from './store.ts';

const dir = tempDir();
const dataDir = join(dir.path, 'data');
let store: Store;

interface OoniFile {
  path: string;
  testName: string;
  keys: Record<string, unknown>;
}

function ooniFiles(testNames: string[]): OoniFile[] {
  const out: OoniFile[] = [];
  for (const f of readdirSync(OONI_MEASUREMENTS)) {
    if (!f.endsWith('.json') || f.endsWith('.api_meta.json')) continue;
    const path = join(OONI_MEASUREMENTS, f);
    const m = JSON.parse(readFileSync(path, 'utf8'));
    if (testNames.includes(m?.test_name)) out.push({ path, testName: m.test_name, keys: m.test_keys });
  }
  return out;
}

const files = ooniFiles(['telegram', 'whatsapp']);

before(async () => {
  store = await openStore({ location: { dataDir } });
});
after(async () => {
  await store?.close();
  dir.remove();
});

test('the migrated table has every observation column, typed as its experiment declares', async () => {
  const rows = await store.query<{ name: string; type: string }>(
    "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND table = 'measurements' AND name LIKE '%\\\\_\\\\_%'",
  );
  const declared = OBSERVATION_COLUMNS.map((c) => [c.column, c.type]);
  assert.deepEqual(rows.map((r) => [r.name, r.type]).sort(), declared.sort());
  assert.ok(declared.some(([c]) => c === 'telegram__blocked_dcs'));
  assert.deepEqual(observationColumnsOf('web_connectivity'), [], 'web_connectivity pays nothing per row');
});

test("OONI's telegram and whatsapp measurements fill their own columns with the values OONI's keys state", async () => {
  assert.ok(files.filter((f) => f.testName === 'telegram').length >= 2, 'the shared data holds telegram');
  assert.ok(files.filter((f) => f.testName === 'whatsapp').length >= 2, 'the shared data holds whatsapp');
  const summary = await importFiles(
    files.map((f) => f.path),
    { sink: { kind: 'store', store, analyzer: createAnalyzer() } },
  );
  assert.equal(summary.imported, files.length, JSON.stringify(summary.problems));

  const rows = await store.query<{
    test_name: string;
    report_id: string;
    telegram__blocked_dcs: string[];
    telegram__web_status: string;
    whatsapp__blocked_endpoints: string[];
    whatsapp__registration_status: string;
    signal__failing_hosts: string[];
  }>(
    `SELECT test_name, report_id, telegram__blocked_dcs, telegram__web_status, whatsapp__blocked_endpoints,
            whatsapp__registration_status, signal__failing_hosts
     FROM measurements WHERE test_name IN ('telegram', 'whatsapp')`,
  );
  assert.equal(rows.length, files.length);
  let blockedSeen = false;
  for (const r of rows) {
    assert.deepEqual(r.signal__failing_hosts, [], 'other experiments keep their defaults');
    const [keys] = files.filter((f) => f.testName === r.test_name).map((f) => f.keys);
    assert.ok(keys);
    if (r.test_name === 'telegram') {
      assert.deepEqual([r.whatsapp__blocked_endpoints, r.whatsapp__registration_status], [[], '']);
      const ours = rowsOf(files, 'telegram', r.report_id);
      assert.equal(r.telegram__web_status, ours.telegram_web_status === 'blocked' ? 'blocked' : 'ok');
      // OONI's own record of the failed requests to a DC (an IP-literal URL)
      const failedDcs = ((ours.requests as { request?: { url?: string }; failure: unknown }[] | null) ?? [])
        .filter((q) => q.failure && /^http:\/\/[\d.]+[:/]/.test(q.request?.url ?? ''))
        .map((q) => q.request?.url);
      assert.equal(r.telegram__blocked_dcs.length, new Set(failedDcs).size, JSON.stringify(r));
      for (const dc of r.telegram__blocked_dcs) assert.match(dc, /^(\d+\.){3}\d+:\d+$|^http:\/\//);
      blockedSeen ||= r.telegram__web_status === 'blocked';
    } else {
      assert.deepEqual([r.telegram__blocked_dcs, r.telegram__web_status], [[], '']);
      const ours = rowsOf(files, 'whatsapp', r.report_id);
      assert.equal(r.whatsapp__registration_status, ours.registration_server_status === 'blocked' ? 'blocked' : 'ok');
      if (ours.whatsapp_endpoints_status === 'blocked') assert.ok(r.whatsapp__blocked_endpoints.length > 0);
      for (const e of r.whatsapp__blocked_endpoints) assert.match(e, /^e\d+\.whatsapp\.net$/);
    }
  }
  assert.ok(blockedSeen, 'the real data includes a telegram measurement with web.telegram.org blocked');
});

/** The keys OONI wrote for the file of this test and report. */
function rowsOf(all: OoniFile[], testName: string, reportId: string): Record<string, unknown> {
  const found = all.filter((f) => f.testName === testName && readReportId(f.path) === reportId);
  assert.equal(found.length, 1, `one ${testName} file for report ${reportId}`);
  return found[0]!.keys;
}
const readReportId = (path: string): string => JSON.parse(readFileSync(path, 'utf8')).report_id ?? '';

test("signal's and dnscheck's columns name what OONI's own records show failing", () => {
  const others = ooniFiles(['signal', 'dnscheck']);
  assert.ok(others.some((f) => f.testName === 'dnscheck'));
  let failingSeen = false;
  for (const f of others) {
    const m = JSON.parse(readFileSync(f.path, 'utf8'));
    const values = observationValues(f.testName, m);
    if (f.testName === 'signal') {
      const requests = (f.keys.requests as { request?: { url?: string }; failure: unknown }[] | null) ?? [];
      const hosts = requests.filter((q) => q.failure).map((q) => new URL(q.request?.url ?? '').hostname);
      assert.deepEqual(values, { signal__failing_hosts: [...new Set(hosts)].sort() }, f.path);
      failingSeen ||= hosts.length > 0;
    } else {
      const lookups = Object.entries(f.keys.lookups as Record<string, { failure: unknown }>);
      const failing = lookups.filter(([, l]) => l.failure).map(([url]) => url);
      assert.deepEqual(values?.dnscheck__failing_resolvers, failing.sort(), f.path);
    }
  }
  assert.ok(failingSeen, 'the real data includes signal measurements with failing hosts');
});

test("a lookup returns the measurement's observations by the experiment's names", async () => {
  const [row] = await store.query<{ measurement_uid: string; telegram__web_status: string }>(
    "SELECT measurement_uid, telegram__web_status FROM measurements WHERE test_name = 'telegram' LIMIT 1",
  );
  assert.ok(row);
  const detail = await store.get(row.measurement_uid);
  assert.deepEqual(Object.keys(detail?.observations ?? {}).sort(), ['blocked_dcs', 'web_status']);
  assert.equal(detail?.observations.web_status, row.telegram__web_status);
});

test('opening the same store file again adds nothing and keeps every row', async () => {
  const before = await store.query<{ n: number }>('SELECT toUInt32(count()) AS n FROM measurements');
  assert.deepEqual(await addObservationColumns(store.client), [], 'an up-to-date table gets no statement');
  await store.close();
  store = await openStore({ location: { dataDir } });
  assert.deepEqual(await addObservationColumns(store.client), []);
  const afterOpen = await store.query<{ n: number }>('SELECT toUInt32(count()) AS n FROM measurements');
  assert.deepEqual(afterOpen, before);
});
