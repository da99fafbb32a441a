/** The landing page: totals, recent events, countries by blocking (with n), coverage, latest blocks. */
import { api, apiUrl } from '../api/client.ts';
import type { CountryJson, OverviewResponse } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { type Blocking, blockedOf, provenance, wilsonLowerBound, withObservedBlocking } from '../charts/build.ts';
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
import { ANY_BLOCKING_METHOD } from './search.tsx';

export function OverviewPage() {
  const { t } = useI18n();
  const overview = useLoaded('overview', (s) => api.overview(s));
  const countries = useLoaded('countries', (s) => api.countries({}, s));
  // Blocked counts by the engine's outcome (split by blocking_type), as on every other page.
  const byCountry = useLoaded('agg:countries', (s) =>
    api.aggregation({ axis_x: 'probe_cc', axis_y: 'blocking_type' }, s),
  );
  const events = useLoaded('events-recent', (s) => api.events({ limit: 10 }, s));
  // "With blocking" = the engine named a method (OONI's anomaly flag misses e.g. TLS interception).
  const latestQuery = { blocking_type: ANY_BLOCKING_METHOD, limit: 10 };
  const latest = useLoaded('latest-blocks', (s) => api.measurements(latestQuery, s));
  return (
    <>
      <h1>{t('overview.title')}</h1>
      <p className="lede">{t('overview.lede')}</p>
      {overview.state === 'ok' ? (
        <Totals
          totals={overview.data.totals}
          blocked={
            byCountry.state === 'ok'
              ? byCountry.data.reduce((sum, row) => sum + blockedOf(row), 0)
              : overview.data.totals.anomaly_count + overview.data.totals.confirmed_count
          }
        />
      ) : null}
      <Section id="events" title={t('overview.recentEvents')} actions={<Link href="/events">{t('common.more')}</Link>}>
        <LoadedView loaded={events} isEmpty={(d) => d.length === 0} emptyText="state.noEvents">
          {(rows) => <EventsTable name="recent-events" rows={rows} apiHref={apiUrl('events', { limit: 10 })} />}
        </LoadedView>
      </Section>
      <Section
        id="countries"
        title={t('overview.mostBlocking')}
        hint={`${t('common.sampleNote')} ${t('overview.rankNote')}`}
      >
        <LoadedView loaded={countries} isEmpty={(d) => d.length === 0}>
          {(rows) => (
            <CountriesTable
              rows={withObservedBlocking(
                rows,
                byCountry.state === 'ok' ? byCountry.data : null,
                'probe_cc',
                (r) => r.probe_cc,
              )}
            />
          )}
        </LoadedView>
      </Section>
      <Section
        id="latest"
        title={t('overview.recentConfirmed')}
        actions={<Link href={`/search?blocking_type=${ANY_BLOCKING_METHOD}`}>{t('common.more')}</Link>}
      >
        <LoadedView loaded={latest} isEmpty={(d) => d.results.length === 0}>
          {(page) => (
            <MeasurementTable name="latest-blocks" rows={page.results} apiHref={apiUrl('measurements', latestQuery)} />
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
                    values: data.coverage.map((d) => d.measurement_count),
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

function Totals({ totals, blocked }: { totals: OverviewResponse['totals']; blocked: number }) {
  const { t, number } = useI18n();
  const items: [number, string][] = [
    [totals.measurement_count, t('overview.measurements')],
    [totals.countries, t('overview.countries')],
    [totals.networks, t('overview.networks')],
    [blocked, t('overview.blocked')],
  ];
  return (
    <dl className="totals">
      {items.map(([n, label]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{number(n)}</dd>
        </div>
      ))}
    </dl>
  );
}

type CountryWithBlocking = CountryJson & { blocking: Blocking };

export function CountriesTable({ rows, limit = 15 }: { rows: CountryWithBlocking[]; limit?: number }) {
  const { t, countryName, number } = useI18n();
  const rank = (r: CountryWithBlocking) => wilsonLowerBound(r.blocking.blocked, r.blocking.usable);
  const sorted = [...rows]
    .sort(
      (a, b) =>
        rank(b) - rank(a) || b.blocking.blocked - a.blocking.blocked || b.measurement_count - a.measurement_count,
    )
    .slice(0, limit);
  const columns: Column<CountryWithBlocking>[] = [
    {
      key: 'probe_cc',
      label: t('col.country'),
      value: (r) => r.probe_cc,
      render: (r) => (
        <Link href={`/country/${r.probe_cc}`}>
          {countryName(r.probe_cc)} <span className="muted">{r.probe_cc}</span>
        </Link>
      ),
    },
    {
      key: 'blocked_share',
      label: t('col.blockedShare'),
      value: (r) => r.blocking.share,
      render: (r) => <Rate share={r.blocking.share} n={r.blocking.usable} />,
    },
    { key: 'blocked_count', label: t('col.blocked'), value: (r) => r.blocking.blocked, numeric: true },
    {
      key: 'measurement_count',
      label: t('col.measurements'),
      value: (r) => r.measurement_count,
      render: (r) => number(r.measurement_count),
      numeric: true,
    },
    { key: 'network_count', label: t('col.networks'), value: (r) => r.networks, numeric: true },
  ];
  return (
    <DataTable
      name="countries"
      columns={columns}
      rows={sorted}
      apiHref={apiUrl('countries')}
      rowKey={(r) => r.probe_cc}
    />
  );
}
