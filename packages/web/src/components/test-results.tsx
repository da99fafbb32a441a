/**
 * Each test's results in a place (a country, a network): one row per `test_name` the data has (Web Connectivity,
 * the messaging apps, resolver checks, remote tests, …) with its outcome counts, and on a network the latest
 * verdict of each test. Generic on purpose: a new test type shows up here by its name and its verdicts, with no
 * code of its own, because the counts and verdicts are the experiment's, read from the API as they are.
 */
import { api, apiUrl, type Params } from '../api/client.ts';
import type { Loaded, MeasurementSummaryJson } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { type AggregationRow, axisValue, byBlocking, groupBy } from '../charts/build.ts';
import { useI18n } from '../i18n/index.ts';
import { toQueryString } from '../router.ts';
import { countColumns } from './count-columns.tsx';
import { type Column, DataTable } from './data-table.tsx';
import { Link } from './link.tsx';
import { LoadedView } from './loaded-view.tsx';
import { formatTime } from './measurement-table.tsx';
import { MethodText, VerdictBadge } from './verdict-badge.tsx';

export interface TestResult {
  test_name: string;
  counts: AggregationRow;
  /** The newest measurement of the test here, when asked for. */
  latest?: MeasurementSummaryJson;
}

async function loadTestResults(filters: Params, latest: boolean, signal: AbortSignal): Promise<Loaded<TestResult[]>> {
  // Split by blocking_type so that "blocked" follows the engine's outcome, as on every other list.
  const counts = await api.aggregation({ ...filters, axis_x: 'test_name', axis_y: 'blocking_type' }, signal);
  if (counts.state !== 'ok') return counts;
  const tests = [...groupBy(counts.data, 'test_name').values()].sort(byBlocking);
  const newest = latest
    ? await Promise.all(
        tests.map((row) => api.measurements({ ...filters, test_name: axisValue(row, 'test_name'), limit: 1 }, signal)),
      )
    : [];
  return {
    state: 'ok',
    data: tests.map((row, i) => {
      const page = newest[i];
      const first = page?.state === 'ok' ? page.data.results[0] : undefined;
      return { test_name: axisValue(row, 'test_name'), counts: row, ...(first ? { latest: first } : {}) };
    }),
  };
}

export function TestResults({
  name,
  filters,
  latest = false,
}: {
  name: string;
  filters: Params;
  /** Also show each test's newest verdict (a network's page). */
  latest?: boolean;
}) {
  const { t, number } = useI18n();
  const query = { ...filters, axis_x: 'test_name', axis_y: 'blocking_type' };
  const results = useLoaded(`tests:${name}:${toQueryString(filters)}:${latest}`, (s) =>
    loadTestResults(filters, latest, s),
  );
  const searchFilters = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== null && v !== undefined));
  const counted = countColumns({ t, number }).map(
    ({ value, render, ...column }): Column<TestResult> => ({
      ...column,
      value: (r) => value(r.counts),
      ...(render ? { render: (r: TestResult) => render(r.counts) } : {}),
    }),
  );
  const columns: Column<TestResult>[] = [
    {
      key: 'test_name',
      label: t('col.test'),
      value: (r) => r.test_name,
      render: (r) => (
        <Link href={`/search${toQueryString({ ...searchFilters, test_name: r.test_name })}`} className="mono">
          {r.test_name}
        </Link>
      ),
    },
    ...counted,
  ];
  if (latest) {
    columns.push(
      {
        key: 'latest_verdict',
        label: t('tests.latest'),
        value: (r) => r.latest?.outcome ?? null,
        render: (r) =>
          r.latest ? (
            <>
              <VerdictBadge row={r.latest} /> <MethodText method={r.latest.blocking_type} />
            </>
          ) : null,
      },
      {
        key: 'latest_time',
        label: t('col.time'),
        value: (r) => r.latest?.measurement_start_time ?? null,
        render: (r) =>
          r.latest ? (
            <Link href={`/m/${encodeURIComponent(r.latest.measurement_uid)}`} className="mono">
              {formatTime(r.latest.measurement_start_time)}
            </Link>
          ) : null,
      },
      {
        key: 'latest_explanation',
        label: t('tests.explanation'),
        value: (r) => r.latest?.explanation ?? null,
        exportOnly: true,
      },
    );
  }
  return (
    <LoadedView loaded={results} isEmpty={(d) => d.length === 0}>
      {(rows) => (
        <DataTable
          name={name}
          columns={columns}
          rows={rows}
          apiHref={apiUrl('aggregation', query)}
          rowKey={(r) => r.test_name}
        />
      )}
    </LoadedView>
  );
}
