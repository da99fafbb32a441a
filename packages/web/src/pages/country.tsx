/** A country: its networks (AS numbers with names), blocked domains and categories, events, coverage, matrix. */

import { useMemo } from 'react';
import { api, apiUrl } from '../api/client.ts';
import { sharedCall } from '../api/shared-call.ts';
import type { Aggregation, AggregationRow, Loaded, NetworkRow } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import {
  blockedOf,
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
  const networkRows = (rows: NetworkRow[]) =>
    withObservedBlocking(rows, byNetwork.state === 'ok' ? byNetwork.data.rows : null, 'probe_asn', (r) =>
      String(r.asn),
    );
  return (
    <>
      <h1>
        {countryName(cc)} <span className="muted">{cc}</span>
      </h1>
      <nav className="jump" aria-label={countryName(cc)}>
        <a href="#networks">{t('country.networks')}</a>
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
      <Section id="domains" title={t('country.blockedDomains')} hint={t('common.sampleNote')}>
        <LoadedView loaded={byDomain} isEmpty={(d) => d.rows.length === 0}>
          {(agg) => <DomainsTable rows={agg.rows} cc={cc} apiHref={apiUrl('aggregation', domainQuery)} />}
        </LoadedView>
      </Section>
      <Section id="matrix" title={t('country.matrix')} hint={t('country.matrixHint')}>
        <LoadedView loaded={matrix} isEmpty={(d) => d.rows.length === 0}>
          {(agg) => (
            <Chart
              name={`matrix-${cc}`}
              tall
              apiHref={matrixQuery}
              spec={{
                ...matrixSpec(agg.rows, 'domain', 'probe_asn', 25, (axis, v) =>
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
        <LoadedView loaded={byCategory} isEmpty={(d) => d.rows.length === 0}>
          {(agg) => {
            const query = apiUrl('aggregation', categoryQuery);
            return (
              <Chart
                name={`categories-${cc}`}
                apiHref={query}
                spec={{
                  ...outcomeCountsSpec(agg.rows, 'category_code', t, true),
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
  loadNetworks: (signal: AbortSignal) => Promise<Loaded<NetworkRow[]>>,
  signal: AbortSignal,
): Promise<Loaded<Aggregation>> {
  const networks = await loadNetworks(signal);
  if (networks.state !== 'ok') return networks;
  const top = [...networks.data].sort((a, b) => b.measurementCount - a.measurementCount).slice(0, MATRIX_NETWORKS);
  const parts = await Promise.all(
    top.map((n) =>
      api.aggregation({ probe_cc: cc, probe_asn: String(n.asn), axis_x: 'domain', axis_y: 'blocking_type' }, signal),
    ),
  );
  const failed = parts.find((p) => p.state !== 'ok');
  if (failed) return failed as Loaded<Aggregation>;
  const rows = parts.flatMap((p, i) =>
    p.state === 'ok' ? p.data.rows.map((r) => ({ ...r, axes: { ...r.axes, probe_asn: String(top[i]!.asn) } })) : [],
  );
  return { state: 'ok', data: { rows, axisX: 'domain', axisY: 'probe_asn' } };
}

export function networkNames(loaded: Loaded<NetworkRow[]>): Map<number, string> {
  const out = new Map<number, string>();
  if (loaded.state === 'ok') for (const n of loaded.data) if (n.name) out.set(n.asn, n.name);
  return out;
}

export function NetworksTable({ rows, cc }: { rows: NetworkRow[]; cc: string | null }) {
  const { t, number } = useI18n();
  const columns: Column<NetworkRow>[] = [
    {
      key: 'probe_asn',
      label: t('col.asn'),
      value: (r) => `AS${r.asn}`,
      render: (r) => <Link href={networkHref(r.asn, cc ?? r.cc)}>AS{r.asn}</Link>,
    },
    { key: 'network_name', label: t('col.network'), value: (r) => r.name },
    {
      key: 'blocked_share',
      label: t('col.blockedShare'),
      value: (r) => r.blockedShare,
      render: (r) => <Rate share={r.blockedShare} n={r.usableCount} />,
    },
    {
      key: 'measurement_count',
      label: t('col.measurements'),
      value: (r) => r.measurementCount,
      render: (r) => number(r.measurementCount),
      numeric: true,
    },
  ];
  const sorted = [...rows].sort((a, b) => b.measurementCount - a.measurementCount);
  return (
    <DataTable
      name={`networks-${cc ?? 'all'}`}
      columns={columns}
      rows={sorted}
      apiHref={apiUrl('networks', { probe_cc: cc })}
      rowKey={(r) => String(r.asn)}
    />
  );
}

export function DomainsTable({ rows, cc, apiHref }: { rows: AggregationRow[]; cc: string | null; apiHref: string }) {
  const { t, number } = useI18n();
  const grouped = [...groupBy(rows, 'domain').values()]
    .filter((r) => r.axes.domain)
    .sort((a, b) => blockedOf(b) - blockedOf(a) || b.measurement - a.measurement)
    .slice(0, 50);
  const columns: Column<AggregationRow>[] = [
    {
      key: 'domain',
      label: t('col.domain'),
      value: (r) => r.axes.domain ?? '',
      render: (r) => (
        <Link
          href={`/domain/${encodeURIComponent(r.axes.domain ?? '')}${cc ? `?probe_cc=${cc}` : ''}`}
          className="break"
        >
          {r.axes.domain}
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
      rowKey={(r) => r.axes.domain ?? ''}
    />
  );
}
