/**
 * Transfer baselines from a real store (embedded engine in a temp dir): per-network medians of the same site's
 * rate, the other networks' median for a lookup, and an analyzer that turns a far slower transfer into throttling.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeMeasurement, makeVerdict, tempDir } from '../../test/fixtures.ts';
import { openStore, type Store } from '../store/store.ts';
import { createAnalyzer } from './analyzer.ts';
import { baselineFrom, createTransferBaselines } from './transfer-baselines.ts';

const dir = tempDir('bw-baselines-');
let store: Store;
const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const URL_A = 'https://news.example.kz/';

/** A stored accessible measurement whose final hop read `bytes` in `seconds`. */
function transfer(
  asn: number,
  i: number,
  bytes: number,
  seconds: number,
  outcome: 'accessible' | 'blocked' = 'accessible',
) {
  return {
    uid: `20261120${String(100000 + asn * 10 + i)}.000000_KZ_webconnectivity_${asn.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
    measurement: makeMeasurement({
      input: URL_A,
      probe_cc: 'KZ',
      probe_asn: `AS${asn}`,
      measurement_start_time: `2026-11-20 1${i}:00:00`,
      test_keys: {
        queries: [],
        tcp_connect: [],
        requests: [
          {
            failure: null,
            t0: 1,
            t: 1 + seconds,
            request: { url: URL_A },
            response: { code: 200, x_body_length: bytes },
          },
        ],
      },
    }),
    verdict: makeVerdict(outcome === 'blocked' ? { outcome, accessible: false, methods: ['tls'], method: 'tls' } : {}),
    source: 'collector' as const,
  };
}

before(async () => {
  store = await openStore({ location: { dataDir: dir.path } });
  await store.insert([
    // AS101: 1 MB in 1 s (8 000 kbit/s), AS102: 1 MB in 2 s (4 000), AS103: 1 MB in 0.5 s (16 000) twice
    transfer(101, 0, 1_000_000, 1),
    transfer(102, 0, 1_000_000, 2),
    transfer(103, 0, 1_000_000, 0.5),
    transfer(103, 1, 1_000_000, 0.5),
    // not counted: a blocked verdict, a body too small for a rate
    transfer(104, 0, 1_000_000, 100, 'blocked'),
    transfer(105, 0, 10_000, 100),
  ]);
});
after(async () => {
  await store.close();
  dir.remove();
});

test('the baseline is the median of the other networks of the country, from one query, answered from memory', async () => {
  const baselines = createTransferBaselines(store, { nowMs: () => NOW });
  assert.equal(baselines.lookup('KZ', 'news.example.kz', 101), undefined, 'nothing before the first refresh');
  await baselines.refresh();
  assert.equal(baselines.size, 1);
  assert.deepEqual(baselines.lookup('KZ', 'news.example.kz', 101), { peerKbps: 10_000, networks: 2 });
  assert.deepEqual(baselines.lookup('KZ', 'news.example.kz', 999), { peerKbps: 8000, networks: 3 });
  assert.equal(baselines.lookup('RU', 'news.example.kz', 101), undefined);
});

test("the window ends at the newest stored measurement, so replayed or imported history gets its own week's rates", async () => {
  // a month after the data: the window is the data's last week, not the wall clock's
  const later = createTransferBaselines(store, { nowMs: () => NOW + 30 * 86_400_000 });
  await later.refresh();
  assert.equal(later.size, 1);
  const at = Date.parse('2026-11-21T09:00:00Z');
  assert.deepEqual(later.lookup('KZ', 'news.example.kz', 101, at), { peerKbps: 10_000, networks: 2 });
  assert.equal(
    later.lookup('KZ', 'news.example.kz', 101, NOW + 30 * 86_400_000),
    undefined,
    'a measurement a month later is not compared with these peers',
  );
  assert.equal(later.lookup('KZ', 'news.example.kz', 101, Date.UTC(2014, 10, 24)), undefined, 'nor one years before');
  // measurements dated after the server's clock (a probe whose clock runs ahead) do not carry the window past now
  const earlier = createTransferBaselines(store, { nowMs: () => NOW - 30 * 86_400_000 });
  await earlier.refresh();
  assert.equal(earlier.size, 0);
});

test('one other network is not a baseline', () => {
  assert.equal(
    baselineFrom(
      new Map([
        [1, 100],
        [2, 200],
      ]),
      1,
      2,
    ),
    undefined,
  );
  assert.deepEqual(
    baselineFrom(
      new Map([
        [1, 100],
        [2, 200],
        [3, 400],
      ]),
      1,
      2,
    ),
    { peerKbps: 300, networks: 2 },
  );
});

test('the analyzer hands the baseline to the verdict: a complete transfer 20x slower is throttling', async () => {
  const baselines = createTransferBaselines(store, { nowMs: () => NOW });
  await baselines.refresh();
  const analyzer = createAnalyzer({ transferBaseline: (cc, domain, asn) => baselines.lookup(cc, domain, asn) });
  const page = `<html><head><title>News</title></head><body>${'z'.repeat(500_000)}</body></html>`;
  const control = {
    tcp_connect: {},
    http_request: { failure: null, status_code: 200, body_length: page.length, title: 'News', headers: {} },
    dns: { failure: null, addrs: [] },
  };
  const slow = makeMeasurement({
    input: 'http://news.example.kz/',
    probe_cc: 'KZ',
    probe_asn: 'AS106',
    test_keys: {
      queries: [],
      tcp_connect: [],
      requests: [
        {
          failure: null,
          t0: 0.5,
          t: 10.5,
          request: { url: 'http://news.example.kz/' },
          response: { code: 200, body: page },
        },
      ],
      control,
      control_failure: null,
    },
  });
  const v = analyzer.analyze(slow);
  assert.deepEqual(v.methods, ['throttling'], v.explanation);
  assert.match(
    v.explanation,
    /at 400 kbit\/s, 20× slower than the same site on 3 other networks \(median 8000 kbit\/s\)/,
  );
});
