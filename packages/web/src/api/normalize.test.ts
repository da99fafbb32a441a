import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregation,
  asnOf,
  countryRow,
  eventRow,
  history,
  measurementDetail,
  measurementPage,
  overview,
} from './normalize.ts';

test('ASNs arrive in three spellings', () => {
  assert.equal(asnOf('AS12389'), 12389);
  assert.equal(asnOf('12389'), 12389);
  assert.equal(asnOf(12389), 12389);
  assert.equal(asnOf('ASX'), null);
  assert.equal(asnOf(-1), null);
});

test('a measurement list in OONI shape, with paging', () => {
  const page = measurementPage(
    {
      metadata: { count: 3, next_url: 'http://x/api/v1/measurements?offset=2' },
      results: [
        {
          measurement_uid: 'u1',
          probe_cc: 'IR',
          probe_asn: 'AS197207',
          input: 'https://a.test/x',
          anomaly: true,
          confirmed: 't',
          failure: false,
          blocking_type: 'dns',
          outcome: 'blocked',
        },
        { measurement_uid: 'u2', probe_cc: 'IR', probe_asn: 197207, blocking_type: '', outcome: 'nonsense' },
        { no_uid: true },
      ],
    },
    0,
    2,
  );
  assert.equal(page.rows.length, 2, 'rows without a uid are dropped');
  assert.equal(page.rows[0]!.domain, 'a.test');
  assert.equal(page.rows[0]!.confirmed, true);
  assert.equal(page.rows[1]!.blockingType, null);
  assert.equal(page.rows[1]!.outcome, null);
  assert.equal(page.hasMore, true);
});

test('a measurement detail reads the raw JSON (string or object), our verdict and OONI columns', () => {
  const raw = {
    input: 'https://a.test/',
    probe_cc: 'KZ',
    probe_asn: 'AS9198',
    test_keys: { blocking: 'dns', accessible: false },
  };
  const verdict = { outcome: 'blocked', explanation: 'DNS answer is a bogon.', method: 'dns', methods: ['dns'] };
  const d = measurementDetail({
    measurement_uid: 'u1',
    raw_measurement: JSON.stringify(raw),
    verdict,
    ooni_verdict: null,
  });
  assert.ok(d);
  assert.equal(d.row.cc, 'KZ');
  assert.equal(d.verdict?.explanation, 'DNS answer is a bogon.');
  assert.equal(d.row.blockingType, 'dns');
  assert.equal(d.ooni?.blocking, 'dns', 'OONI keys fall back to the raw test_keys');
  assert.equal(measurementDetail({ raw_measurement: '{not json' }), null, 'no uid, no detail');
});

test('aggregation rows keep axes and counts apart; OONI returns an object without axes', () => {
  const a = aggregation(
    {
      result: [
        {
          probe_cc: 'IR',
          blocking_type: null,
          measurement_count: 5,
          anomaly_count: 2,
          confirmed_count: 1,
          failure_count: 1,
          ok_count: 1,
          blocked_share: 0.6,
          down_count: 1,
        },
      ],
    },
    'probe_cc',
    'blocking_type',
  );
  assert.deepEqual(a.rows[0]!.axes, { probe_cc: 'IR', blocking_type: '' });
  assert.deepEqual(a.rows[0]!.extra, { down_count: 1 });
  assert.equal(aggregation({ result: { measurement_count: 7 } }, null, null).rows[0]!.measurement, 7);
});

test('blocked shares are computed one way everywhere: (anomaly + confirmed) over non-failed measurements', () => {
  const c = countryRow({
    probe_cc: 'ru',
    measurement_count: 10,
    anomaly_count: 3,
    confirmed_count: 1,
    failure_count: 2,
    blocked_share: 0.4,
  });
  assert.equal(c?.cc, 'RU');
  assert.equal(c?.blockedCount, 4);
  assert.equal(c?.usableCount, 8);
  assert.equal(c?.blockedShare, 0.5);
  assert.equal(
    countryRow({ probe_cc: 'RU', measurement_count: 2, failure_count: 2, anomaly_count: 0, confirmed_count: 0 })
      ?.blockedShare,
    null,
    'n = 0 has no share',
  );
  const o = overview({
    totals: { measurement_count: 9, countries: 2, networks: 3, anomaly_count: 1, confirmed_count: 2 },
    most_blocking: [{ probe_cc: 'IR', measurement_count: 40 }],
    coverage: [{ day: '2024-01-01', measurement_count: 4 }],
  });
  assert.deepEqual([o.measurementCount, o.countryCount, o.networkCount, o.blockedCount], [9, 2, 3, 3]);
  assert.equal(o.countries[0]!.cc, 'IR');
  assert.deepEqual(o.coverage, [{ day: '2024-01-01', count: 4 }]);
});

test('events: brackets from measurement references, evidence ids deduplicated', () => {
  const e = eventRow({
    id: 'e1',
    cc: 'KZ',
    input: 'https://a.test/',
    status: 'open',
    methods: ['tls'],
    onset: { before: { id: 'm0', timeMs: Date.UTC(2024, 0, 1) }, after: { id: 'm1', timeMs: Date.UTC(2024, 0, 2) } },
    end: null,
    networks: [{ asn: 9198 }, { asn: 'AS206026' }],
    evidence: [{ measurementId: 'm1' }, 'm1', { measurement_uid: 'm2' }],
  });
  assert.ok(e);
  assert.deepEqual(e.asns, [9198, 206026]);
  assert.equal(e.onsetFrom, '2024-01-01T00:00:00.000Z');
  assert.equal(e.onsetTo, '2024-01-02T00:00:00.000Z');
  assert.equal(e.domain, 'a.test');
  assert.deepEqual(
    e.evidence.map((x) => x.uid),
    ['m1', 'm2'],
  );
});

test('history: the sentence and per-network segments', () => {
  const h = history({
    answer: 'Blocked in KZ since 2024-01-02 on 1 of 1 networks (TLS)',
    networks: [
      {
        asn: 9198,
        segments: [
          {
            state: 'blocked',
            fromMs: Date.UTC(2024, 0, 2),
            counts: { blocked: 3, accessible: 1 },
            methods: ['tls'],
            evidence: ['m1'],
          },
        ],
      },
    ],
  });
  assert.equal(h.sentence, 'Blocked in KZ since 2024-01-02 on 1 of 1 networks (TLS)');
  assert.deepEqual(h.networks[0]!.points[0], {
    time: '2024-01-02T00:00:00.000Z',
    outcome: 'blocked',
    method: 'tls',
    uid: 'm1',
    count: 4,
  });
});
