import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeAny } from 'blockwatch/experiments/registry.ts';
import type { Measurement } from 'blockwatch/model';
import { makeMeasurement, makeVerdict, OONI_MEASUREMENTS } from '../../test/fixtures.ts';
import type { AnalyzedMeasurement } from '../store/rows.ts';
import { eventIdOf, groupKeyOf, seriesKeyOf } from './ids.ts';
import { type ObservationRow, observationFromRow, observationOf } from './observation.ts';
import { EVENT_TEST_NAMES, serviceNameOf, subjectOf } from './subject.ts';

/** OONI's own measurements of the three services, each with its real verdict (all blocked), moved to KZ. */
const SERVICES = {
  telegram: 'explorer-e2e__20221109225810.435617_RU_telegram_ecbc73cacd8ea566.json',
  whatsapp: 'backend-fastpath__whatsapp.json',
  signal: 'explorer-e2e__20210415084230.511612_IR_signal_ed269d082953bf2e.json',
};

function serviceItem(file: string, overrides: Record<string, unknown> = {}): AnalyzedMeasurement {
  const source = JSON.parse(readFileSync(join(OONI_MEASUREMENTS, file), 'utf8'));
  const measurement = {
    ...source,
    probe_cc: 'KZ',
    probe_asn: 'AS9198',
    ...overrides,
  } as Measurement<Record<string, unknown>>;
  return { uid: `uid-${measurement.test_name}`, measurement, verdict: analyzeAny(measurement), source: 'collector' };
}

/** The row the store keeps for `item`, as a rebuild reads it back (the stored input of a service test is ''). */
function rowOf(item: AnalyzedMeasurement, timings = { tls_handshake_ms: 120, throughput_kbps: 900 }): ObservationRow {
  const m = item.measurement;
  return {
    measurement_uid: item.uid,
    test_name: String(m.test_name),
    measurement_start_time: String(m.measurement_start_time),
    probe_cc: String(m.probe_cc),
    probe_asn: Number(String(m.probe_asn).slice(2)),
    input: typeof m.input === 'string' ? m.input : '',
    domain: '',
    outcome: item.verdict.outcome,
    blocking_methods: item.verdict.methods,
    confirmed: item.verdict.confirmed,
    strength: item.verdict.strength ?? '',
    ...timings,
  };
}

describe('observations of the tests that feed events', () => {
  test('telegram, whatsapp and signal: the subject is the test name, the domain empty, no timings', () => {
    for (const [name, file] of Object.entries(SERVICES)) {
      const item = serviceItem(file);
      assert.equal(item.verdict.outcome, 'blocked', `${name}: the fixture reads as blocked`);
      const o = observationOf(item);
      assert.ok(o, `${name} feeds events`);
      assert.equal(o.input, name);
      assert.equal(o.domain, '');
      assert.equal(o.cc, 'KZ');
      assert.equal(o.asn, 9198);
      assert.deepEqual(o.methods, item.verdict.methods);
      assert.equal(o.tlsHandshakeMs, undefined, `${name}: its handshakes stay out of the web baselines`);
      // read back from the store for a rebuild: the same observation
      assert.deepEqual(observationFromRow(rowOf(item)), o, `${name}: rebuild reads the same`);
    }
  });

  test('without a country or a network a service measurement feeds nothing', () => {
    for (const overrides of [{ probe_cc: 'ZZ' }, { probe_cc: '' }, { probe_asn: 'AS0' }]) {
      const item = serviceItem(SERVICES.telegram, overrides);
      assert.equal(observationOf(item), null, JSON.stringify(overrides));
      assert.equal(observationFromRow(rowOf(item)), null, `row ${JSON.stringify(overrides)}`);
    }
  });

  test('dnscheck and the remote tests feed nothing; web_connectivity only with a URL', () => {
    const blocked = serviceItem(SERVICES.telegram);
    for (const test_name of ['dnscheck', 'dns_remote', 'http_remote', 'tor']) {
      const item = { ...blocked, measurement: { ...blocked.measurement, test_name, input: 'example.org' } };
      assert.equal(observationOf(item), null, test_name);
      assert.equal(observationFromRow(rowOf(item)), null, `row ${test_name}`);
    }
    // a web_connectivity input that is no URL never becomes a subject, so it cannot pose as a service
    const odd = {
      uid: 'u1',
      measurement: makeMeasurement({ input: 'telegram' }),
      verdict: makeVerdict(),
      source: 'collector' as const,
    };
    assert.equal(observationOf(odd), null);
    assert.equal(observationFromRow(rowOf(odd)), null);
    assert.deepEqual(EVENT_TEST_NAMES, ['web_connectivity', 'telegram', 'whatsapp', 'signal']);
  });

  test('web_connectivity is unchanged: the URL, its host, its timings', () => {
    const url = 'https://News.Example.kz/a';
    const item = {
      uid: 'u2',
      measurement: makeMeasurement({ input: url, probe_cc: 'KZ', probe_asn: 'AS9198' }),
      verdict: makeVerdict(),
      source: 'collector' as const,
    };
    const o = observationOf(item);
    assert.equal(o?.input, url);
    assert.equal(o?.domain, 'news.example.kz');
    const fromRow = observationFromRow({ ...rowOf(item), domain: 'news.example.kz' });
    assert.equal(fromRow?.tlsHandshakeMs, 120);
    assert.equal(fromRow?.throughputKbps, 900);
  });

  test('subjects: names for sentences, keys and ids apart from any URL', () => {
    assert.equal(serviceNameOf('whatsapp'), 'WhatsApp');
    assert.equal(serviceNameOf('https://telegram.org/'), null);
    assert.equal(serviceNameOf('constructor'), null);
    assert.deepEqual(subjectOf('signal', ''), { input: 'signal', domain: '' });
    assert.equal(seriesKeyOf('KZ', 9198, 'telegram'), 'KZ|9198|telegram');
    assert.equal(groupKeyOf('KZ', 'telegram'), 'KZ|telegram');
    assert.notEqual(eventIdOf('KZ', 'telegram', 'm1'), eventIdOf('KZ', 'https://telegram.org/', 'm1'));
    assert.match(eventIdOf('KZ', 'telegram', 'm1'), /^ev_[0-9a-f]{16}$/);
  });
});
