import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { ACTIONS } from './policy.ts';
import { CATALOGUE_DIR, loadScenarios, parseMeasurements, parseScenarioFile } from './runner.ts';
import { compareObservation, compareVerdict } from './scenario.ts';

test('every catalogue file is a valid scenario, named like its file', () => {
  const files = readdirSync(CATALOGUE_DIR).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 20);
  for (const f of files) assert.equal(parseScenarioFile(join(CATALOGUE_DIR, f)).name, f.slice(0, -5));
});

test('the catalogue exercises every policy action, over http and https', () => {
  const scenarios = loadScenarios([], []);
  for (const action of ACTIONS) {
    const using = scenarios.filter((s) => s.policy.rules.some((r) => r.action === action));
    assert.ok(using.length > 0, `no scenario uses ${action}`);
  }
  const urls = scenarios.flatMap((s) => (s.urls ?? []).map((u) => u.url));
  assert.ok(urls.some((u) => u.startsWith('http:')) && urls.some((u) => u.startsWith('https:')));
  assert.ok(
    scenarios.some((s) => s.helperReachable === false),
    'no control-failure scenario',
  );
  assert.ok(
    scenarios.some((s) => s.sites?.length),
    'no scenario declares its own site',
  );
});

test('unknown scenario names and bad files are refused with a precise error', () => {
  assert.throws(
    () => loadScenarios(['no-such-scenario'], []),
    (e) => BlockwatchError.is(e) && e.code === 'BW_ERR_NOT_FOUND',
  );
  assert.throws(
    () => loadScenarios([], ['/nonexistent/scenario.json']),
    (e) => BlockwatchError.is(e) && e.code === 'BW_ERR_NOT_FOUND' && e.message.includes('/nonexistent/scenario.json'),
  );
});

test('the catalogue runs the new experiments, each a registered test with targets it reads', () => {
  const byName = new Map(loadScenarios([], []).map((s) => [s.name, s]));
  for (const [name, test] of [
    ['messaging-telegram-blocked', 'telegram'],
    ['messaging-whatsapp-dns', 'whatsapp'],
    ['dnscheck-doh-blocked', 'dnscheck'],
  ]) {
    const s = byName.get(name);
    assert.equal(s?.test, test, name);
    assert.ok(s?.runs?.length && s.targets, `${name} has runs and targets`);
  }
});

test('a scenario of an unknown test, with unreadable targets, or with both urls and runs is refused naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-scenario-'));
  try {
    const base = { name: 'x', description: 'x', policy: { rules: [] } };
    const cases: [object, RegExp][] = [
      [{ ...base, test: 'no_such_test', runs: [{ expect: {} }] }, /test 'no_such_test' is not one of .*telegram/],
      [{ ...base, test: 'telegram', targets: { dc: ['not-an-ip'] }, runs: [{ expect: {} }] }, /targets/],
      [{ ...base, test: 'telegram', runs: [{ expect: {} }], urls: [{ url: 'https://a.lab/' }] }, /either urls/],
      [{ ...base, runs: [{ expect: {} }] }, /runs need a test/],
    ];
    for (const [i, [scenario, pattern]] of cases.entries()) {
      const file = join(dir, `s${i}.json`);
      writeFileSync(file, JSON.stringify(scenario));
      assert.throws(
        () => loadScenarios([], [file]),
        (e) => BlockwatchError.is(e) && e.code === 'BW_ERR_INVALID_INPUT' && pattern.test(e.message),
        JSON.stringify(scenario),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('verdicts are compared only on the keys a scenario names', () => {
  const verdict = {
    blocking: 'dns',
    accessible: false,
    method: 'dns',
    methods: ['dns', 'http_blockpage'],
    layers: { dns: { status: 'blocked' } },
  };
  assert.deepEqual(compareVerdict({ blocking: 'dns', methods: ['dns'], layers: { dns: 'blocked' } }, verdict), []);
  assert.deepEqual(compareVerdict({ blocking: false, layers: { tcp: 'ok' } }, verdict), [
    { key: 'blocking', expected: false, actual: 'dns' },
    { key: 'layers.tcp', expected: 'ok', actual: null },
  ]);
  assert.equal(compareVerdict({ blocking: null }, null)[0].key, 'verdict');
  assert.deepEqual(compareVerdict({ strength: 'strong' }, { ...verdict, strength: 'weak' }), [
    { key: 'strength', expected: 'strong', actual: 'weak' },
  ]);
});

test('observations substitute the ISP hosts and bound throughput', () => {
  const seen = { dns: '198.19.2.80|198.18.2.12', http: '200', kbit: 900 };
  assert.deepEqual(
    compareObservation({ dns: '{blockpage}|198.18.2.12', maxKbit: 1000 }, seen, { blockpage: '198.19.2.80' }),
    [],
  );
  assert.equal(compareObservation({ minKbit: 5000 }, seen)[0].key, 'observe.minKbit');
});

test('measurements are read as JSON lines or one JSON document', () => {
  assert.equal(parseMeasurements('{"input":"a"}\n{"input":"b"}\n').length, 2);
  assert.equal(parseMeasurements('[{"input":"a"}]').length, 1);
  assert.equal(parseMeasurements('').length, 0);
});
