/** A country: its networks (AS numbers with names), blocked domains and categories, events, coverage, matrix. */

import { useMemo } from 'react';
import { api, apiUrl } from '../api/client.ts';
import { sharedCall } from '../api/shared-call.ts';
import type { AggregationRowJson, Loaded, NetworkJson } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import {
  type AggregationRow,
  type Blocking,
  byBlocking,
  calendarSpec,
  groupBy,
  matrixSpec,
  outcomeCountsSpec,
  provenance,
  withObservedBlocking,
} from '../charts/build.ts';
import { Chart } from '../components/chart.tsx';
import { countColumns } from '../components/count-columns.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { EventsTable, FeedLink } from '../components/events-table.tsx';
import { Link } from '../components/link.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { networkHref } from '../components/measurement-table.tsx';
import { Section } from '../components/section.tsx';
import { TestResults } from '../components/test-results.tsx';
import { Rate } from '../components/verdict-badge.tsx';
import { useI18n } from '../i18n/index.ts';

export function CountryPage({ cc }: { cc: string }) {
  const { t, countryName } = useI18n();
  // The table and the matrix share one networks request; the matrix's second wave starts when it returns.
  const loadNetworks = useMemo(() => sharedCall((s) => api.networks({ probe_cc: cc }, s)), [cc]);
  const networks = useLoaded(`networks:${cc}`, loadNetworks);
  // Every count is split by blocking_type, so "blocked" follows the engine's outcome (see blockedOf).
  const networkQuery = { probe_cc: cc, axis_x: 'probe_asn', axis_y: 'blocking_type' };
  const domainQuery = { probe_cc: cc, axis_x: 'domain', axis_y: 'blocking_type' };
  const categoryQuery = { probe_cc: cc, axis_x: 'category_code', axis_y: 'blocking_type' };
  const byNetwork = useLoaded(`agg:${cc}:asn`, (s) => api.aggregation(networkQuery, s));
  const byDomain = useLoaded(`agg:${cc}:domain`, (s) => api.aggregation(domainQuery, s));
  const byCategory = useLoaded(`agg:${cc}:category`, (s) => api.aggregation(categoryQuery, s));
  const matrix = useLoaded(`matrix:${cc}`, (s) => loadMatrix(cc, loadNetworks, s));
  const events = useLoaded(`events:${cc}`, (s) => api.events({ probe_cc: cc, limit: 20 }, s));
  const coverage = useLoaded(`coverage:${cc}`, (s) => api.coverage({ probe_cc: cc }, s));
  const names = networkNames(networks);
  const matrixQuery = apiUrl('aggregation', { probe_cc: cc, axis_x: 'domain', axis_y: 'probe_asn' });
  const networkRows = (rows: NetworkJson[]) =>
    withObservedBlocking(rows, byNetwork.state === 'ok' ? byNetwork.data : null, 'probe_asn', (r) =>
      String(r.probe_asn),
    );
  return (
    <>
      <h1>
        {countryName(cc)} <span className="muted">{cc}</span>
      </h1>
      <nav className="jump" aria-label={countryName(cc)}>
        <a href="#networks">{t('country.networks')}</a>
        <a href="#tests">{t('tests.title')}</a>
        <a href="#domains">{t('country.blockedDomains')}</a>
        <a href="#matrix">{t('country.matrix')}</a>
        <a href="#categories">{t('country.categories')}</a>
        <a href="#events">{t('country.events')}</a>
        <a href="#coverage">{t('country.coverage')}</a>
        <Link href={`/registry?probe_cc=${cc}`}>{t('country.registry')}</Link>
      </nav>
      <Section id="networks" title={t('country.networks')} hint={t('country.networksHint')}>
        <LoadedView loaded={networks} isEmpty={(d) => d.length === 0}>
          {(rows) => <NetworksTable rows={networkRows(rows)} cc={cc} />}
        </LoadedView>
      </Section>
      <Section id="tests" title={t('tests.title')} hint={t('tests.hint')}>
        <TestResults name={`tests-${cc}`} filters={{ probe_cc: cc }} />
      </Section>
      <Section id="domains" title={t('country.blockedDomains')} hint={t('common.sampleNote')}>
        <LoadedView loaded={byDomain} isEmpty={(d) => d.length === 0}>
          {(rows) => <DomainsTable rows={rows} cc={cc} apiHref={apiUrl('aggregation', domainQuery)} />}
        </LoadedView>
      </Section>
      <Section id="matrix" title={t('country.matrix')} hint={t('country.matrixHint')}>
        <LoadedView loaded={matrix} isEmpty={(d) => d.length === 0}>
          {(rows) => (
            <Chart
              name={`matrix-${cc}`}
              tall
              apiHref={matrixQuery}
              spec={{
                ...matrixSpec(rows, 'domain', 'probe_asn', 25, (axis, v) =>
                  axis === 'probe_asn' ? asnLabel(v, names) : v,
                ),
                title: `${t('country.matrix')} ${cc}`,
                caption: provenance(matrixQuery, t),
                labels: { n: 'n' },
              }}
            />
          )}
        </LoadedView>
      </Section>
      <Section id="categories" title={t('country.categories')}>
        <LoadedView loaded={byCategory} isEmpty={(d) => d.length === 0}>
          {(rows) => {
            const query = apiUrl('aggregation', categoryQuery);
            return (
              <Chart
                name={`categories-${cc}`}
                apiHref={query}
                spec={{
                  ...outcomeCountsSpec(rows, 'category_code', t, true),
                  title: `${t('country.categories')} ${cc}`,
                  caption: provenance(query, t),
                }}
              />
            );
          }}
        </LoadedView>
      </Section>
      <Section id="events" title={t('country.events')} actions={<FeedLink params={{ probe_cc: cc }} />}>
        <LoadedView loaded={events} isEmpty={(d) => d.length === 0} emptyText="state.noEvents">
          {(rows) => <EventsTable name={`events-${cc}`} rows={rows} apiHref={apiUrl('events', { probe_cc: cc })} />}
        </LoadedView>
      </Section>
      <Section id="coverage" title={t('country.coverage')}>
        <LoadedView loaded={coverage} isEmpty={(d) => d.length === 0}>
          {(days) => {
            const query = apiUrl('coverage', { probe_cc: cc });
            return (
              <Chart
                name={`coverage-${cc}`}
                apiHref={query}
                spec={{
                  ...calendarSpec(days),
                  title: `${t('country.coverage')} ${cc}`,
                  caption: provenance(query, t),
                  labels: { n: 'n' },
                }}
              />
            );
          }}
        </LoadedView>
      </Section>
    </>
  );
}

/** "AS12389 Rostelecom" from "12389" or "AS12389". */
export function asnLabel(value: string, names: Map<number, string>): string {
  const asn = Number(value.replace(/^AS/i, ''));
  const name = names.get(asn);
  return name ? `AS${asn} ${name}` : `AS${asn}`;
}

export /** Networks with the most measurements in a matrix: enough to compare ISPs, few enough to read. */
const MATRIX_NETWORKS = 12;

/**
 * The domain × network matrix, one domain × blocking_type aggregation per network (the API has two axes, and
 * the blocking type is what makes "blocked" agree with the rest of the UI).
 */
async function loadMatrix(
  cc: string,
  loadNetworks: (signal: AbortSignal) => Promise<Loaded<NetworkJson[]>>,
  signal: AbortSignal,
): Promise<Loaded<AggregationRowJson[]>> {
  const networks = await loadNetworks(signal);
  if (networks.state !== 'ok') return networks;
  const top = [...networks.data].sort((a, b) => b.measurement_count - a.measurement_count).slice(0, MATRIX_NETWORKS);
  const parts = await Promise.all(
    top.map((n) =>
      api.aggregation(
        { probe_cc: cc, probe_asn: String(n.probe_asn), axis_x: 'domain', axis_y: 'blocking_type' },
        signal,
      ),
    ),
  );
  const failed = parts.find((p) => p.state !== 'ok');
  if (failed) return failed as Loaded<AggregationRowJson[]>;
  const rows = parts.flatMap((p, i) =>
    p.state === 'ok' ? p.data.map((r) => ({ ...r, probe_asn: top[i]!.probe_asn })) : [],
  );
  return { state: 'ok', data: rows };
}

export function networkNames(loaded: Loaded<NetworkJson[]>): Map<number, string> {
  const out = new Map<number, string>();
  if (loaded.state === 'ok') {
    for (const n of loaded.data) if (n.probe_network_name) out.set(n.probe_asn, n.probe_network_name);
  }
  return out;
}

type NetworkWithBlocking = NetworkJson & { blocking: Blocking };

export function NetworksTable({ rows, cc }: { rows: NetworkWithBlocking[]; cc: string | null }) {
  const { t, number } = useI18n();
  const columns: Column<NetworkWithBlocking>[] = [
    {
      key: 'probe_asn',
      label: t('col.asn'),
      value: (r) => `AS${r.probe_asn}`,
      render: (r) => <Link href={networkHref(r.probe_asn, cc)}>AS{r.probe_asn}</Link>,
    },
    { key: 'network_name', label: t('col.network'), value: (r) => r.probe_network_name },
    {
      key: 'blocked_share',
      label: t('col.blockedShare'),
      value: (r) => r.blocking.share,
      render: (r) => <Rate share={r.blocking.share} n={r.blocking.usable} />,
    },
    {
      key: 'measurement_count',
      label: t('col.measurements'),
      value: (r) => r.measurement_count,
      render: (r) => number(r.measurement_count),
      numeric: true,
    },
  ];
  const sorted = [...rows].sort((a, b) => b.measurement_count - a.measurement_count);
  return (
    <DataTable
      name={`networks-${cc ?? 'all'}`}
      columns={columns}
      rows={sorted}
      apiHref={apiUrl('networks', { probe_cc: cc })}
      rowKey={(r) => String(r.probe_asn)}
    />
  );
}

export function DomainsTable({ rows, cc, apiHref }: { rows: AggregationRow[]; cc: string | null; apiHref: string }) {
  const { t, number } = useI18n();
  const grouped = [...groupBy(rows, 'domain').values()]
    .filter((r) => r.domain)
    .sort(byBlocking)
    .slice(0, 50);
  const columns: Column<AggregationRow>[] = [
    {
      key: 'domain',
      label: t('col.domain'),
      value: (r) => r.domain ?? '',
      render: (r) => (
        <Link href={`/domain/${encodeURIComponent(r.domain ?? '')}${cc ? `?probe_cc=${cc}` : ''}`} className="break">
          {r.domain}
        </Link>
      ),
    },
    ...countColumns({ t, number }),
  ];
  return (
    <DataTable
      name={`domains-${cc ?? 'all'}`}
      columns={columns}
      rows={grouped}
      apiHref={apiHref}
      rowKey={(r) => r.domain ?? ''}
    />
  );
}
