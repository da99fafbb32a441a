/**
 * From API rows to chart specs (pure). Count semantics are OONI's aggregation ones: anomaly excludes confirmed,
 * both exclude failures; a failed measurement says nothing about blocking, so shares are over the rest (n).
 */
import type { AggregationRowJson, CoverageDayJson } from '../api/types.ts';
import type { Translate } from '../i18n/index.ts';
import { methodMessage } from '../verdict-label.ts';
import { methodColor, OUTCOME_COLORS } from './palette.ts';
import type { CalendarSpec, MatrixSpec, StackedSpec } from './spec.ts';

/** An aggregation row as the API sends it; rows summed by `groupBy` also carry their blocked count. */
export type AggregationRow = AggregationRowJson & { blocked_count?: number };
export type Axis = Exclude<keyof AggregationRowJson, `${string}_count`>;

/** The value of one axis in a row, as text ('' when the row has no such axis). */
export function axisValue(row: AggregationRowJson, axis: string): string {
  const value = row[axis as Axis];
  return value === undefined ? '' : String(value);
}

/**
 * Measurements with blocking in an aggregation row, by the engine's outcome where the row can tell: a row of one
 * blocking method (`blocking_type` axis) is blocked whatever OONI's anomaly flag says (TLS interception, for one,
 * leaves OONI's classic keys clean). A count summed by `groupBy` wins.
 */
export function blockedOf(row: AggregationRow): number {
  if (row.blocked_count !== undefined) return row.blocked_count;
  const method = row.blocking_type;
  if (method !== undefined && method !== '' && method !== 'down') return usableOf(row);
  return row.anomaly_count + row.confirmed_count;
}

/** Measurements that carry evidence either way (failures excluded): the n next to every share. */
export function usableOf(row: AggregationRowJson): number {
  return Math.max(0, row.measurement_count - row.failure_count);
}

export function shareOf(row: AggregationRow): number | null {
  const n = usableOf(row);
  return n > 0 ? blockedOf(row) / n : null;
}

/**
 * The lower bound of the 95 % Wilson score interval of a share: ranks "most blocked" lists so that 1 of 1 does
 * not outrank 400 of 500 (a small sample cannot claim a high rate).
 */
export function wilsonLowerBound(successes: number, n: number, z = 1.96): number {
  if (n <= 0) return 0;
  const p = successes / n;
  const z2 = z * z;
  return (p + z2 / (2 * n) - z * Math.sqrt((p * (1 - p) + z2 / (4 * n)) / n)) / (1 + z2 / n);
}

const COUNTS = ['measurement_count', 'ok_count', 'anomaly_count', 'confirmed_count', 'failure_count'] as const;

/** Sums rows that share a value of `axis` (e.g. per domain across networks); the key is under `axis`. */
export function groupBy(rows: AggregationRow[], axis: string): Map<string, AggregationRow> {
  const out = new Map<string, AggregationRow>();
  for (const row of rows) {
    const key = axisValue(row, axis);
    const acc = out.get(key);
    // blocked_count is summed per row, before the blocking_type axis is folded away.
    if (!acc) {
      const counts = Object.fromEntries(COUNTS.map((c) => [c, row[c]])) as Pick<
        AggregationRowJson,
        (typeof COUNTS)[number]
      >;
      out.set(key, { ...counts, [axis]: key, blocked_count: blockedOf(row) });
      continue;
    }
    acc.blocked_count = (acc.blocked_count ?? 0) + blockedOf(row);
    for (const c of COUNTS) acc[c] += row[c];
  }
  return out;
}

function methodName(t: Translate, method: string): string {
  const key = methodMessage(method);
  return key ? t(key) : method;
}

/**
 * Daily timeline from rows with axes `measurement_start_day` × `blocking_type`: accessible, blocked by method,
 * down, failed — every measurement counted once.
 */
export function timelineSpec(rows: AggregationRow[], t: Translate): StackedSpec {
  const days = [...new Set(rows.map((r) => (r.measurement_start_day ?? '').slice(0, 10)))].sort();
  const index = new Map(days.map((d, i) => [d, i]));
  const zeros = () => days.map(() => 0);
  const accessible = zeros();
  const down = zeros();
  const failed = zeros();
  const blocked = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get((row.measurement_start_day ?? '').slice(0, 10))!;
    const method = row.blocking_type ?? '';
    const downCount = method === 'down' ? usableOf(row) : 0;
    const blockedCount = method === 'down' ? 0 : blockedOf(row);
    failed[i] += row.failure_count;
    down[i] += downCount;
    accessible[i] += Math.max(0, usableOf(row) - downCount - blockedCount);
    if (blockedCount > 0) {
      const key = method || 'other';
      if (!blocked.has(key)) blocked.set(key, zeros());
      blocked.get(key)![i] += blockedCount;
    }
  }
  const series: StackedSpec['series'] = [
    { name: t('timeline.accessible'), color: OUTCOME_COLORS.accessible, values: accessible },
  ];
  for (const [method, values] of [...blocked].sort(([a], [b]) => a.localeCompare(b))) {
    series.push({
      name: method === 'other' ? t('timeline.blockedOther') : t('timeline.blocked', { method: methodName(t, method) }),
      color: method === 'other' ? OUTCOME_COLORS.anomaly : methodColor(method),
      values,
    });
  }
  if (down.some((v) => v > 0)) series.push({ name: t('timeline.down'), color: OUTCOME_COLORS.down, values: down });
  series.push({ name: t('timeline.failed'), color: OUTCOME_COLORS.failure, values: failed });
  return { kind: 'stacked', categories: days, series };
}

/** One bar per category value (country, domain, …): ok / anomaly / confirmed / failed. */
export function countsSpec(rows: AggregationRow[], axis: string, t: Translate, horizontal = false): StackedSpec {
  const grouped = [...groupBy(rows, axis).values()];
  if (axis === 'measurement_start_day') grouped.sort((a, b) => axisValue(a, axis).localeCompare(axisValue(b, axis)));
  else grouped.sort(byBlocking);
  return {
    kind: 'stacked',
    horizontal,
    categories: grouped.map((r) => axisValue(r, axis) || '—'),
    series: [
      { name: t('col.ok'), color: OUTCOME_COLORS.accessible, values: grouped.map((r) => r.ok_count) },
      { name: t('col.anomaly'), color: OUTCOME_COLORS.anomaly, values: grouped.map((r) => r.anomaly_count) },
      { name: t('col.confirmed'), color: OUTCOME_COLORS.confirmed, values: grouped.map((r) => r.confirmed_count) },
      { name: t('col.failure'), color: OUTCOME_COLORS.failure, values: grouped.map((r) => r.failure_count) },
    ],
  };
}

/** One bar per value of `axis`, by our outcome: accessible / blocked / failed (rows may carry `blocking_type`). */
export function outcomeCountsSpec(rows: AggregationRow[], axis: string, t: Translate, horizontal = false): StackedSpec {
  const grouped = [...groupBy(rows, axis).values()].sort(byBlocking);
  return {
    kind: 'stacked',
    horizontal,
    categories: grouped.map((r) => axisValue(r, axis) || '—'),
    series: [
      {
        name: t('timeline.accessible'),
        color: OUTCOME_COLORS.accessible,
        values: grouped.map((r) => usableOf(r) - blockedOf(r)),
      },
      { name: t('outcome.blocked'), color: OUTCOME_COLORS.blocked, values: grouped.map((r) => blockedOf(r)) },
      { name: t('timeline.failed'), color: OUTCOME_COLORS.failure, values: grouped.map((r) => r.failure_count) },
    ],
  };
}

/** Most blocking first, then most measured. */
export function byBlocking(a: AggregationRow, b: AggregationRow): number {
  return blockedOf(b) - blockedOf(a) || b.measurement_count - a.measurement_count;
}

/** Blocked share per (x, y) cell, keeping the `limit` x and y values with the most blocking. */
export function matrixSpec(
  rows: AggregationRow[],
  axisX: string,
  axisY: string,
  limit = 25,
  label: (axis: string, value: string) => string = (_a, v) => v,
): MatrixSpec {
  const top = (axis: string) =>
    [...groupBy(rows, axis).values()]
      .sort(byBlocking)
      .slice(0, limit)
      .map((r) => axisValue(r, axis));
  const xs = top(axisX);
  const ys = top(axisY);
  const xi = new Map(xs.map((x, i) => [x, i]));
  const yi = new Map(ys.map((y, i) => [y, i]));
  const cells: MatrixSpec['cells'] = [];
  const cellsByKey = new Map<string, AggregationRow[]>();
  for (const r of rows) {
    const key = `${axisValue(r, axisX)}\u0000${axisValue(r, axisY)}`;
    cellsByKey.set(key, [...(cellsByKey.get(key) ?? []), r]);
  }
  for (const [key, group] of cellsByKey) {
    const [x, y] = key.split('\u0000');
    const n = group.reduce((sum, r) => sum + usableOf(r), 0);
    if (n === 0 || !xi.has(x!) || !yi.has(y!)) continue;
    const blocked = group.reduce((sum, r) => sum + blockedOf(r), 0);
    cells.push({ x: xi.get(x!)!, y: yi.get(y!)!, share: blocked / n, n });
  }
  return { kind: 'matrix', xs: xs.map((x) => label(axisX, x)), ys: ys.map((y) => label(axisY, y)), cells };
}

export function calendarSpec(days: CoverageDayJson[]): CalendarSpec {
  return { kind: 'calendar', days: days.map((d) => ({ day: d.day, count: d.measurement_count })) };
}

/** The provenance line every chart carries: where its numbers come from and when they were read. */
export function provenance(apiHref: string, t: Translate, readAt = new Date()): string {
  const origin = typeof location === 'undefined' ? '' : location.origin;
  const date = `${readAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `blockwatch · ${t('common.dataAsOf', { date })} · ${origin}${apiHref}`;
}

/** Blocked measurements of a place over those that carry evidence (n), as every list shows them. */
export interface Blocking {
  blocked: number;
  usable: number;
  share: number | null;
}

/**
 * Country or network rows with their blocked count and share from an aggregation by `axis` × `blocking_type`, so
 * lists agree with timelines and measurement pages on what "blocked" means; without it, from the row's counts.
 */
export function withObservedBlocking<T extends AggregationRowJson>(
  rows: T[],
  aggregationRows: AggregationRow[] | null,
  axis: string,
  keyOf: (row: T) => string,
): (T & { blocking: Blocking })[] {
  const grouped = groupBy(aggregationRows ?? [], axis);
  return rows.map((row) => {
    const counts = grouped.get(keyOf(row)) ?? row;
    return { ...row, blocking: { blocked: blockedOf(counts), usable: usableOf(counts), share: shareOf(counts) } };
  });
}
