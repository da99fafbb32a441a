/**
 * From API rows to chart specs (pure). Count semantics are OONI's aggregation ones: anomaly excludes confirmed,
 * both exclude failures; a failed measurement says nothing about blocking, so shares are over the rest (n).
 */
import type { AggregationRow, CoverageDay } from '../api/types.ts';
import type { Translate } from '../i18n/index.ts';
import { methodMessage } from '../verdict-label.ts';
import { methodColor, OUTCOME_COLORS } from './palette.ts';
import type { CalendarSpec, MatrixSpec, StackedSpec } from './spec.ts';

/**
 * Measurements with blocking in an aggregation row, by the engine's outcome where the row can tell: a row of one
 * blocking method (`blocking_type` axis) is blocked whatever OONI's anomaly flag says (TLS interception, for one,
 * leaves OONI's classic keys clean). A server-given `blocked_count`, or one summed by `groupBy`, wins.
 */
export function blockedOf(row: AggregationRow): number {
  if (row.extra.blocked_count !== undefined) return row.extra.blocked_count;
  const method = row.axes.blocking_type;
  if (method !== undefined && method !== '' && method !== 'down') return Math.max(0, row.measurement - row.failure);
  return row.anomaly + row.confirmed;
}

/** Measurements that carry evidence either way (failures excluded): the n next to every share. */
export function usableOf(row: AggregationRow): number {
  return Math.max(0, row.measurement - row.failure);
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

/** Sums rows that share a value of `axis` (e.g. per domain across networks). */
export function groupBy(rows: AggregationRow[], axis: string): Map<string, AggregationRow> {
  const out = new Map<string, AggregationRow>();
  for (const row of rows) {
    const key = row.axes[axis] ?? '';
    const acc = out.get(key);
    if (!acc) {
      // blocked_count is summed per row, before the blocking_type axis is folded away.
      out.set(key, { ...row, axes: { [axis]: key }, extra: { ...row.extra, blocked_count: blockedOf(row) } });
      continue;
    }
    acc.extra.blocked_count! += blockedOf(row);
    acc.measurement += row.measurement;
    acc.ok += row.ok;
    acc.anomaly += row.anomaly;
    acc.confirmed += row.confirmed;
    acc.failure += row.failure;
    for (const [k, v] of Object.entries(row.extra)) if (k !== 'blocked_count') acc.extra[k] = (acc.extra[k] ?? 0) + v;
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
  const days = [...new Set(rows.map((r) => (r.axes.measurement_start_day ?? '').slice(0, 10)))].sort();
  const index = new Map(days.map((d, i) => [d, i]));
  const zeros = () => days.map(() => 0);
  const accessible = zeros();
  const down = zeros();
  const failed = zeros();
  const blocked = new Map<string, number[]>();
  for (const row of rows) {
    const i = index.get((row.axes.measurement_start_day ?? '').slice(0, 10))!;
    const method = row.axes.blocking_type ?? '';
    const downCount = row.extra.down_count ?? (method === 'down' ? row.measurement - row.failure : 0);
    const blockedCount = method === 'down' ? 0 : blockedOf(row);
    failed[i] += row.failure;
    down[i] += downCount;
    accessible[i] += Math.max(0, row.measurement - row.failure - downCount - blockedCount);
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
  if (axis === 'measurement_start_day') grouped.sort((a, b) => (a.axes[axis] ?? '').localeCompare(b.axes[axis] ?? ''));
  else grouped.sort((a, b) => blockedOf(b) - blockedOf(a) || b.measurement - a.measurement);
  return {
    kind: 'stacked',
    horizontal,
    categories: grouped.map((r) => r.axes[axis] || '—'),
    series: [
      { name: t('col.ok'), color: OUTCOME_COLORS.accessible, values: grouped.map((r) => r.ok) },
      { name: t('col.anomaly'), color: OUTCOME_COLORS.anomaly, values: grouped.map((r) => r.anomaly) },
      { name: t('col.confirmed'), color: OUTCOME_COLORS.confirmed, values: grouped.map((r) => r.confirmed) },
      { name: t('col.failure'), color: OUTCOME_COLORS.failure, values: grouped.map((r) => r.failure) },
    ],
  };
}

/** One bar per value of `axis`, by our outcome: accessible / blocked / failed (rows may carry `blocking_type`). */
export function outcomeCountsSpec(rows: AggregationRow[], axis: string, t: Translate, horizontal = false): StackedSpec {
  const grouped = [...groupBy(rows, axis).values()].sort(
    (a, b) => blockedOf(b) - blockedOf(a) || b.measurement - a.measurement,
  );
  return {
    kind: 'stacked',
    horizontal,
    categories: grouped.map((r) => r.axes[axis] || '—'),
    series: [
      {
        name: t('timeline.accessible'),
        color: OUTCOME_COLORS.accessible,
        values: grouped.map((r) => usableOf(r) - blockedOf(r)),
      },
      { name: t('outcome.blocked'), color: OUTCOME_COLORS.blocked, values: grouped.map((r) => blockedOf(r)) },
      { name: t('timeline.failed'), color: OUTCOME_COLORS.failure, values: grouped.map((r) => r.failure) },
    ],
  };
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
      .sort((a, b) => blockedOf(b) - blockedOf(a) || b.measurement - a.measurement)
      .slice(0, limit)
      .map((r) => r.axes[axis] ?? '');
  const xs = top(axisX);
  const ys = top(axisY);
  const xi = new Map(xs.map((x, i) => [x, i]));
  const yi = new Map(ys.map((y, i) => [y, i]));
  const cells: MatrixSpec['cells'] = [];
  for (const [, row] of groupBy(
    rows.map((r) => ({ ...r, axes: { key: `${r.axes[axisX] ?? ''}\u0000${r.axes[axisY] ?? ''}`, ...r.axes } })),
    'key',
  )) {
    const [x, y] = (row.axes.key ?? '').split('\u0000');
    const share = shareOf(row);
    if (share === null || !xi.has(x!) || !yi.has(y!)) continue;
    cells.push({ x: xi.get(x!)!, y: yi.get(y!)!, share, n: usableOf(row) });
  }
  return { kind: 'matrix', xs: xs.map((x) => label(axisX, x)), ys: ys.map((y) => label(axisY, y)), cells };
}

export function calendarSpec(days: CoverageDay[]): CalendarSpec {
  return { kind: 'calendar', days };
}

/** The provenance line every chart carries: where its numbers come from and when they were read. */
export function provenance(apiHref: string, t: Translate, readAt = new Date()): string {
  const origin = typeof location === 'undefined' ? '' : location.origin;
  const date = `${readAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `blockwatch · ${t('common.dataAsOf', { date })} · ${origin}${apiHref}`;
}

/**
 * Country or network rows with their blocked count and share recomputed from an aggregation by `axis` ×
 * `blocking_type`, so lists agree with timelines and measurement pages on what "blocked" means.
 */
export function withObservedBlocking<
  T extends { blockedCount: number | null; blockedShare: number | null; usableCount: number },
>(rows: T[], aggregationRows: AggregationRow[] | null, axis: string, keyOf: (row: T) => string): T[] {
  if (!aggregationRows || aggregationRows.length === 0) return rows;
  const grouped = groupBy(aggregationRows, axis);
  return rows.map((row) => {
    const agg = grouped.get(keyOf(row));
    if (!agg) return row;
    const usable = usableOf(agg);
    return { ...row, blockedCount: blockedOf(agg), usableCount: usable, blockedShare: shareOf(agg) };
  });
}
