/**
 * The aggregation builder: choose up to two axes and the API's filters; see a chart and a table of the same
 * numbers, each exportable, with the API query alongside. Everything is in the URL.
 */
import type { FormEvent } from 'react';
import { api, apiUrl, type Params } from '../api/client.ts';
import { useLoaded } from '../api/use-loaded.ts';
import {
  type AggregationRow,
  axisValue,
  countsSpec,
  groupBy,
  matrixSpec,
  outcomeCountsSpec,
  provenance,
  shareOf,
  timelineSpec,
  usableOf,
} from '../charts/build.ts';
import type { ChartSpec } from '../charts/spec.ts';
import { Chart } from '../components/chart.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { Rate } from '../components/verdict-badge.tsx';
import { type MessageKey, type Translate, useI18n } from '../i18n/index.ts';
import { navigate, toQueryString, useQuery } from '../router.ts';

export const AXES = [
  'measurement_start_day',
  'probe_cc',
  'probe_asn',
  'domain',
  'input',
  'category_code',
  'blocking_type',
] as const;
const FILTERS = ['probe_cc', 'probe_asn', 'domain', 'input', 'category_code', 'test_name', 'since', 'until'] as const;

function axisName(t: Translate, axis: string): string {
  return t(`axis.${axis}` as MessageKey);
}

export function ChartPage() {
  const { t } = useI18n();
  const [query] = useQuery();
  const axisX = (AXES as readonly string[]).includes(query.axis_x ?? '') ? query.axis_x! : 'measurement_start_day';
  const axisY = (AXES as readonly string[]).includes(query.axis_y ?? '') && query.axis_y !== axisX ? query.axis_y! : '';
  // With one axis, the counts are also split by blocking_type and folded back, so "blocked" follows the engine's
  // outcome as everywhere else (OONI's anomaly flag misses e.g. TLS interception). Two axes keep OONI's counts.
  const split = !axisY && axisX !== 'blocking_type';
  const params: Params = { axis_x: axisX, axis_y: split ? 'blocking_type' : axisY || undefined };
  for (const f of FILTERS) if (query[f]) params[f] = query[f];
  const href = apiUrl('aggregation', params);
  const loaded = useLoaded(`chart:${href}`, (s) => api.aggregation(params, s));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next: Record<string, string> = {};
    for (const [k, v] of form) if (typeof v === 'string' && v.trim()) next[k] = v.trim();
    navigate(`/chart${toQueryString(next)}`, { replace: true, keepScroll: true });
  };
  return (
    <>
      <h1>{t('chart.title')}</h1>
      <p className="lede">{t('chart.lede')}</p>
      <form className="filters" onSubmit={submit} key={href}>
        <label className="field">
          <span>{t('chart.axisX')}</span>
          <select name="axis_x" defaultValue={axisX}>
            {AXES.map((a) => (
              <option key={a} value={a}>
                {axisName(t, a)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>{t('chart.axisY')}</span>
          <select name="axis_y" defaultValue={axisY}>
            <option value="">{t('common.none')}</option>
            {AXES.map((a) => (
              <option key={a} value={a}>
                {axisName(t, a)}
              </option>
            ))}
          </select>
        </label>
        {FILTERS.map((f) => (
          <label className="field" key={f}>
            <span>{t(`filter.${f}` as MessageKey)}</span>
            <input name={f} defaultValue={query[f] ?? ''} type={f === 'since' || f === 'until' ? 'date' : 'text'} />
          </label>
        ))}
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('common.apply')}
          </button>
        </div>
      </form>
      <LoadedView loaded={loaded} isEmpty={(d) => d.length === 0}>
        {(rows) => (
          <>
            <Chart
              name={`aggregation-${axisX}${axisY ? `-${axisY}` : ''}`}
              apiHref={href}
              tall={!!axisY}
              spec={specFor(rows, axisX, axisY, href, t)}
            />
            {axisY && axisY !== 'blocking_type' && axisX !== 'blocking_type' ? (
              <p className="hint">{t('chart.ooniCounts')}</p>
            ) : null}
            <AggregationTable
              rows={split ? folded(rows, axisX) : rows}
              axes={[axisX, axisY].filter(Boolean)}
              apiHref={href}
            />
          </>
        )}
      </LoadedView>
    </>
  );
}

/** Rows of `axis` × blocking_type summed per value of `axis` (each keeps its blocked count), in axis order for days. */
function folded(rows: AggregationRow[], axis: string): AggregationRow[] {
  const out = [...groupBy(rows, axis).values()];
  if (axis === 'measurement_start_day') out.sort((a, b) => axisValue(a, axis).localeCompare(axisValue(b, axis)));
  return out;
}

function specFor(rows: AggregationRow[], axisX: string, axisY: string, href: string, t: Translate): ChartSpec {
  const title = `${axisName(t, axisX)}${axisY ? ` × ${axisName(t, axisY)}` : ''}`;
  const caption = provenance(href, t);
  if (axisX === 'measurement_start_day' && (axisY === 'blocking_type' || !axisY))
    return { ...timelineSpec(rows, t), title, caption };
  if (axisY) return { ...matrixSpec(rows, axisX, axisY, 30), title, caption, labels: { n: 'n' } };
  if (axisX === 'blocking_type') return { ...countsSpec(rows, axisX, t, true), title, caption };
  return { ...outcomeCountsSpec(rows, axisX, t, true), title, caption };
}

function AggregationTable({ rows, axes, apiHref }: { rows: AggregationRow[]; axes: string[]; apiHref: string }) {
  const { t } = useI18n();
  const columns: Column<AggregationRow>[] = [
    ...axes.map((a) => ({ key: a, label: axisName(t, a), value: (r: AggregationRow) => axisValue(r, a) })),
    {
      key: 'blocked_share',
      label: t('col.blockedShare'),
      value: (r) => shareOf(r),
      render: (r) => <Rate share={shareOf(r)} n={usableOf(r)} />,
    },
    { key: 'ok_count', label: t('col.ok'), value: (r) => r.ok_count, numeric: true },
    { key: 'anomaly_count', label: t('col.anomaly'), value: (r) => r.anomaly_count, numeric: true },
    { key: 'confirmed_count', label: t('col.confirmed'), value: (r) => r.confirmed_count, numeric: true },
    { key: 'failure_count', label: t('col.failure'), value: (r) => r.failure_count, numeric: true },
    { key: 'measurement_count', label: t('col.measurements'), value: (r) => r.measurement_count, numeric: true },
    ...(rows.some((r) => r.blocked_count !== undefined)
      ? [
          {
            key: 'blocked_count',
            label: t('col.blocked'),
            value: (r: AggregationRow) => r.blocked_count ?? 0,
            numeric: true,
          },
        ]
      : []),
  ];
  return (
    <DataTable
      name="aggregation"
      columns={columns}
      rows={rows}
      apiHref={apiHref}
      rowKey={(r, i) => `${axes.map((a) => axisValue(r, a)).join('|')}#${i}`}
    />
  );
}
