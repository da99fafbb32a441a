import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AggregationRowJson } from '../api/types.ts';
import { translator } from '../i18n/index.ts';
import { blockedOf, groupBy, matrixSpec, shareOf, timelineSpec, wilsonLowerBound } from './build.ts';
import { chartRecords, plainChartText } from './spec.ts';

const t = translator('en');
// as /api/v1/aggregation?axis_x=measurement_start_day&axis_y=blocking_type answers
const rows: AggregationRowJson[] = [
  {
    measurement_start_day: '2024-01-02',
    blocking_type: '',
    measurement_count: 5,
    ok_count: 4,
    anomaly_count: 0,
    confirmed_count: 0,
    failure_count: 1,
  },
  {
    measurement_start_day: '2024-01-01',
    blocking_type: 'dns',
    measurement_count: 3,
    ok_count: 0,
    anomaly_count: 2,
    confirmed_count: 1,
    failure_count: 0,
  },
  {
    measurement_start_day: '2024-01-02',
    blocking_type: 'tls',
    measurement_count: 2,
    ok_count: 0,
    anomaly_count: 2,
    confirmed_count: 0,
    failure_count: 0,
  },
];

test('the daily timeline counts every measurement once, by outcome and method, days in order', () => {
  const spec = timelineSpec(rows, t);
  assert.deepEqual(spec.categories, ['2024-01-01', '2024-01-02']);
  const byName = Object.fromEntries(spec.series.map((s) => [s.name, s.values]));
  assert.deepEqual(byName.accessible, [0, 4]);
  assert.deepEqual(byName['blocked (DNS tampering)'], [3, 0]);
  assert.deepEqual(byName['blocked (TLS (SNI) blocking)'], [0, 2]);
  assert.deepEqual(byName.failed, [0, 1]);
  const total = spec.series.reduce((sum, s) => sum + s.values.reduce((a, b) => a + b, 0), 0);
  assert.equal(total, 10);
  assert.equal(chartRecords({ ...spec, title: 'x', caption: 'y' }).length, 2);
});

test('the matrix is the blocked share per cell with its n, failures excluded', () => {
  const spec = matrixSpec(rows, 'measurement_start_day', 'blocking_type');
  const cell = spec.cells.find((c) => spec.xs[c.x] === '2024-01-02' && spec.ys[c.y] === '');
  assert.deepEqual(cell && { share: cell.share, n: cell.n }, { share: 0, n: 4 });
});

test('chart text from data cannot open ECharts rich-text markup', () => {
  assert.equal(plainChartText('{a|b}'), '｛a|b｝');
  assert.equal(plainChartText('x'.repeat(60), 10).length, 10);
});

test('the Wilson lower bound ranks a large sample above a tiny one with a higher rate', () => {
  assert.ok(wilsonLowerBound(400, 500) > wilsonLowerBound(1, 1));
  assert.equal(wilsonLowerBound(0, 0), 0);
  assert.ok(Math.abs(wilsonLowerBound(50, 100) - 0.4038) < 0.001);
});

test('a row of one blocking method counts as blocked even when OONI flags it OK (e.g. TLS interception)', () => {
  const agg: AggregationRowJson[] = [
    {
      probe_asn: 9198,
      blocking_type: 'tls_interception',
      measurement_count: 10,
      ok_count: 10,
      anomaly_count: 0,
      confirmed_count: 0,
      failure_count: 0,
    },
    {
      probe_asn: 9198,
      blocking_type: '',
      measurement_count: 5,
      ok_count: 4,
      anomaly_count: 1,
      confirmed_count: 0,
      failure_count: 0,
    },
  ];
  const net = groupBy(agg, 'probe_asn').get('9198')!;
  assert.equal(blockedOf(net), 11);
  assert.equal(shareOf(net), 11 / 15);
});
