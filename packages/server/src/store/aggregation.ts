/**
 * OONI's aggregation (`/api/v1/aggregation`): counts per one or two axes with OONI's count semantics
 * (anomaly = anomaly ∧ ¬confirmed ∧ ¬failure; confirmed = confirmed ∧ ¬failure; failure; ok = none).
 * Served from the smallest daily rollup that has the query's dimensions, else from the measurements table.
 * This module only builds SQL (pure).
 */
import { type MeasurementFilter, rollupCanFilter, whereClause } from './filters.ts';

export const AXES = [
  'measurement_start_day',
  'probe_cc',
  'probe_asn',
  'test_name',
  'domain',
  'input',
  'category_code',
  'blocking_type',
] as const;
export type Axis = (typeof AXES)[number];
export const TIME_GRAINS = ['day', 'week', 'month'] as const;
export type TimeGrain = (typeof TIME_GRAINS)[number];

export interface AggregationQuery {
  axis_x?: Axis;
  axis_y?: Axis;
  time_grain?: TimeGrain;
  filter: MeasurementFilter;
}

/** A result row: the axis values, then OONI's five counts. */
export type AggregationRow = Record<string, string | number>;

export const MAX_AGGREGATION_ROWS = 100_000;

function axisExpression(axis: Axis, grain: TimeGrain): string {
  if (axis !== 'measurement_start_day') return axis;
  const day = grain === 'week' ? 'toMonday(test_day)' : grain === 'month' ? 'toStartOfMonth(test_day)' : 'test_day';
  return `toString(${day})`;
}

/** Rollups from the smallest to the largest, with the dimensions each keeps (besides the day). */
export const ROLLUPS = [
  { table: 'rollup_cc_daily', dimensions: ['probe_cc', 'test_name', 'blocking_type'] },
  { table: 'rollup_network_daily', dimensions: ['probe_cc', 'probe_asn', 'test_name', 'blocking_type'] },
  { table: 'rollup_domain_daily', dimensions: ['probe_cc', 'test_name', 'domain', 'category_code', 'blocking_type'] },
  {
    table: 'rollup_daily',
    dimensions: ['probe_cc', 'probe_asn', 'test_name', 'domain', 'category_code', 'blocking_type'],
  },
] as const;

/** The smallest rollup that has every dimension the query groups or filters by, or null. */
export function pickRollup(q: AggregationQuery): string | null {
  const axes = [q.axis_x, q.axis_y].filter((a): a is Axis => a !== undefined);
  if (!rollupCanFilter(q.filter) || axes.includes('input')) return null;
  const needed = new Set<string>(axes.filter((a) => a !== 'measurement_start_day'));
  for (const key of ['probe_cc', 'probe_asn', 'test_name', 'domain', 'category_code', 'blocking_type'] as const) {
    if (q.filter[key]?.length) needed.add(key);
  }
  const fit = ROLLUPS.find((r) => [...needed].every((d) => (r.dimensions as readonly string[]).includes(d)));
  return fit?.table ?? null;
}

export function aggregationSql(q: AggregationQuery): { sql: string; params: Record<string, unknown>; source: string } {
  const axes = [q.axis_x, q.axis_y].filter((a): a is Axis => a !== undefined);
  const rollup = pickRollup(q);
  const useRollup = rollup !== null;
  const where = whereClause(q.filter, useRollup ? 'rollup' : 'measurements');
  const grain = q.time_grain ?? 'day';
  const select = axes.map((a) => `${axisExpression(a, grain)} AS ${a}`);
  const counts = useRollup
    ? [
        'sum(anomaly_count) AS anomaly_count',
        'sum(confirmed_count) AS confirmed_count',
        'sum(failure_count) AS failure_count',
        'sum(ok_count) AS ok_count',
        'sum(measurement_count) AS measurement_count',
      ]
    : [
        'toInt64(countIf(anomaly AND NOT confirmed AND NOT failure)) AS anomaly_count',
        'toInt64(countIf(confirmed AND NOT failure)) AS confirmed_count',
        'toInt64(countIf(failure)) AS failure_count',
        'toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure)) AS ok_count',
        'toInt64(count()) AS measurement_count',
      ];
  const group = axes.length ? `GROUP BY ${axes.join(', ')}` : '';
  // Rows cancelled out by deletions (negative rollup rows) sum to zero and are not results.
  const having = useRollup && axes.length ? 'HAVING measurement_count > 0' : '';
  const order = axes.length ? `ORDER BY ${axes.join(', ')}` : '';
  const sql = [
    `SELECT ${[...select, ...counts].join(', ')}`,
    `FROM ${rollup ?? 'measurements'}`,
    where.sql,
    group,
    having,
    order,
    `LIMIT ${MAX_AGGREGATION_ROWS + 1}`,
  ]
    .filter(Boolean)
    .join(' ');
  return { sql, params: where.params, source: rollup ?? 'measurements' };
}
