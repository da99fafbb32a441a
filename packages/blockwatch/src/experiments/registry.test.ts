import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeRemoteRecord } from '../remote/reanalyze.ts';
import { analyzeMeasurement } from '../verdict/index.ts';
import { analyzeAny, EXPERIMENTS, experimentNamed, experimentNames, testNameOf } from './registry.ts';

const DATA = new URL('../../../../../shared/data/ooni/measurements/', import.meta.url);
const REMOTE_RECORDS = new URL('../../../server/test/remote/lab-isp1.jsonl', import.meta.url);
const readJson = (name: string) => JSON.parse(readFileSync(new URL(name, DATA), 'utf8'));

test('every experiment is registered once under its OONI test_name', () => {
  const names = experimentNames();
  assert.equal(new Set(names).size, names.length, 'no name twice');
  for (const name of ['web_connectivity', 'dns_remote', 'http_remote']) assert.ok(names.includes(name), name);
  for (const e of EXPERIMENTS) {
    assert.match(e.name, /^[a-z0-9_]+$/);
    assert.equal(experimentNamed(e.name), e);
    assert.ok(['url', 'domain', 'none'].includes(e.input), `${e.name} input kind`);
  }
  assert.equal(experimentNamed('no_such_test'), undefined);
});

test('web_connectivity through the registry is the verdict engine, wrappers included', () => {
  const name = 'explorer-e2e__20201029043459.005820_RU_webconnectivity_604f1cb2579d144d.json';
  if (!existsSync(new URL(name, DATA))) return assert.fail(`missing shared data ${name}`);
  const m = readJson(name);
  assert.deepEqual(analyzeAny(m), analyzeMeasurement(m));
  assert.deepEqual(analyzeAny({ raw_measurement: JSON.stringify(m) }), analyzeMeasurement(m));
  // without test_name a measurement is taken for web_connectivity, as OONI's oldest fixtures are
  const { test_name: _, ...untagged } = m;
  assert.equal(testNameOf(untagged), 'web_connectivity');
  assert.deepEqual(analyzeAny(untagged), analyzeMeasurement(untagged));
});

test('remote records are analysed by the remote re-analysis', () => {
  const records = readFileSync(REMOTE_RECORDS, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const seen = new Set<string>();
  for (const r of records) {
    seen.add(r.test_name);
    const v = analyzeAny(r);
    assert.equal(v.engine, 'remote-0.1');
    assert.deepEqual(v, analyzeRemoteRecord(r));
  }
  assert.ok(seen.has('dns_remote'), 'the fixture has dns_remote records');
});

test('an unregistered test_name gives an unknown verdict naming it; nothing throws', () => {
  const tor = readJson('backend-fastpath__tor.json');
  const v = analyzeAny(tor);
  assert.equal(v.outcome, 'unknown');
  assert.equal(v.engine, 'none');
  assert.match(v.reason ?? '', new RegExp(`'${tor.test_name}' is not a registered experiment`));
  assert.match(v.reason ?? '', /web_connectivity/, 'the reason lists what is registered');
  for (const bad of [null, 42, 'text', [], {}, { test_name: 'dns_remote', test_keys: null }, { test_name: 7 }]) {
    const verdict = analyzeAny(bad);
    assert.equal(verdict.outcome, 'unknown', JSON.stringify(bad));
    assert.ok(verdict.reason, `a reason for ${JSON.stringify(bad)}`);
  }
  assert.match(analyzeAny({ test_name: 'dns_remote', test_keys: null }).reason ?? '', /^dns_remote: .*test_keys/);
});
