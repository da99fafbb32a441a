/** The landing page: totals, recent events, countries by blocking (with n), coverage, latest blocks. */
import { api, apiUrl } from '../api/client.ts';
import type { CountryRow, Overview } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { provenance } from '../charts/build.ts';
import { OUTCOME_COLORS } from '../charts/palette.ts';
import { Chart } from '../components/chart.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { EventsTable } from '../components/events-table.tsx';
import { Link } from '../components/link.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { MeasurementTable } from '../components/measurement-table.tsx';
import { Section } from '../components/section.tsx';
import { Rate } from '../components/verdict-badge.tsx';
import { useI18n } from '../i18n/index.ts';

export function OverviewPage() {
  const { t } = useI18n();
  const overview = useLoaded('overview', (s) => api.overview(s));
  const countries = useLoaded('countries', (s) => api.countries(s));
  const events = useLoaded('events-recent', (s) => api.events({ limit: 10 }, s));
  const latest = useLoaded('latest-blocks', (s) => api.measurements({ anomaly: 'true', limit: 10 }, s));
  // The overview's own country list when it has one; otherwise the countries endpoint.
  const countryRows =
    overview.state === 'ok' && overview.data.countries.length > 0
      ? ({ state: 'ok', data: overview.data.countries } as const)
      : countries;
  return (
    <>
      <h1>{t('overview.title')}</h1>
      <p className="lede">{t('overview.lede')}</p>
      {overview.state === 'ok' ? <Totals overview={overview.data} /> : null}
      <Section id="events" title={t('overview.recentEvents')} actions={<Link href="/events">{t('common.more')}</Link>}>
        <LoadedView loaded={events} isEmpty={(d) => d.length === 0}>
          {(rows) => <EventsTable name="recent-events" rows={rows} apiHref={apiUrl('events', { limit: 10 })} />}
        </LoadedView>
      </Section>
      <Section id="countries" title={t('overview.mostBlocking')} hint={t('common.sampleNote')}>
        <LoadedView loaded={countryRows} isEmpty={(d) => d.length === 0}>
          {(rows) => <CountriesTable rows={rows} />}
        </LoadedView>
      </Section>
      <Section
        id="latest"
        title={t('overview.recentConfirmed')}
        actions={<Link href="/search?anomaly=true">{t('common.more')}</Link>}
      >
        <LoadedView loaded={latest} isEmpty={(d) => d.rows.length === 0}>
          {(page) => (
            <MeasurementTable
              name="latest-blocks"
              rows={page.rows}
              apiHref={apiUrl('measurements', { anomaly: 'true', limit: 10 })}
            />
          )}
        </LoadedView>
      </Section>
      <Section id="coverage" title={t('overview.coverage')}>
        <LoadedView loaded={overview} isEmpty={(d) => d.coverage.length === 0}>
          {(data) => (
            <Chart
              name="coverage"
              apiHref={apiUrl('overview')}
              spec={{
                kind: 'stacked',
                title: t('overview.coverage'),
                caption: provenance(apiUrl('overview'), t),
                categories: data.coverage.map((d) => d.day),
                series: [
                  {
                    name: t('col.measurements'),
                    color: OUTCOME_COLORS.accessible,
                    values: data.coverage.map((d) => d.count),
                  },
                ],
              }}
            />
          )}
        </LoadedView>
      </Section>
    </>
  );
}

function Totals({ overview }: { overview: Overview }) {
  const { t, number } = useI18n();
  const items: [number | null, string][] = [
    [overview.measurementCount, t('overview.measurements')],
    [overview.countryCount, t('overview.countries')],
    [overview.networkCount, t('overview.networks')],
    [overview.blockedCount, t('overview.blocked')],
  ];
  return (
    <dl className="totals">
      {items
        .filter(([n]) => n !== null)
        .map(([n, label]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{number(n!)}</dd>
          </div>
        ))}
    </dl>
  );
}

export function CountriesTable({ rows }: { rows: CountryRow[] }) {
  const { t, countryName, number } = useI18n();
  const sorted = [...rows].sort(
    (a, b) => (b.blockedShare ?? -1) - (a.blockedShare ?? -1) || b.measurementCount - a.measurementCount,
  );
  const columns: Column<CountryRow>[] = [
    {
      key: 'probe_cc',
      label: t('col.country'),
      value: (r) => r.cc,
      render: (r) => (
        <Link href={`/country/${r.cc}`}>
          {countryName(r.cc)} <span className="muted">{r.cc}</span>
        </Link>
      ),
    },
    {
      key: 'blocked_share',
      label: t('col.blockedShare'),
      value: (r) => r.blockedShare,
      render: (r) => <Rate share={r.blockedShare} n={r.usableCount} />,
    },
    { key: 'blocked_count', label: t('col.blocked'), value: (r) => r.blockedCount, numeric: true },
    {
      key: 'measurement_count',
      label: t('col.measurements'),
      value: (r) => r.measurementCount,
      render: (r) => number(r.measurementCount),
      numeric: true,
    },
    { key: 'network_count', label: t('col.networks'), value: (r) => r.networkCount, numeric: true },
  ];
  return (
    <DataTable name="countries" columns={columns} rows={sorted} apiHref={apiUrl('countries')} rowKey={(r) => r.cc} />
  );
}
