/** A network (AS): daily timeline by outcome and method, the domains blocked there, its events, latest measurements. */
import { api, apiUrl } from '../api/client.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { provenance, timelineSpec } from '../charts/build.ts';
import { Chart } from '../components/chart.tsx';
import { EventsTable } from '../components/events-table.tsx';
import { Link } from '../components/link.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { MeasurementTable } from '../components/measurement-table.tsx';
import { Section } from '../components/section.tsx';
import { TestResults } from '../components/test-results.tsx';
import { useI18n } from '../i18n/index.ts';
import { useQuery } from '../router.ts';
import { DomainsTable } from './country.tsx';

export function NetworkPage({ asn }: { asn: string }) {
  const { t, countryName } = useI18n();
  const [query] = useQuery();
  const cc = query.probe_cc?.toUpperCase() || null;
  const filters = { probe_asn: asn, probe_cc: cc };
  const key = `${asn}:${cc ?? ''}`;
  const timelineQuery = { ...filters, axis_x: 'measurement_start_day', axis_y: 'blocking_type' };
  const timeline = useLoaded(`net-timeline:${key}`, (s) => api.aggregation(timelineQuery, s));
  const domainQuery = { ...filters, axis_x: 'domain', axis_y: 'blocking_type' };
  const domains = useLoaded(`net-domains:${key}`, (s) => api.aggregation(domainQuery, s));
  const events = useLoaded(`net-events:${key}`, (s) => api.events({ ...filters, limit: 20 }, s));
  const recent = useLoaded(`net-recent:${key}`, (s) => api.measurements({ ...filters, limit: 20 }, s));
  const networks = useLoaded(`networks:${cc ?? ''}`, (s) =>
    cc ? api.networks({ probe_cc: cc }, s) : Promise.resolve({ state: 'ok' as const, data: [] }),
  );
  const name =
    (networks.state === 'ok' ? networks.data.find((n) => String(n.probe_asn) === asn)?.probe_network_name : null) ??
    (recent.state === 'ok' ? recent.data.results.find((r) => r.probe_network_name)?.probe_network_name : null);
  return (
    <>
      <h1>
        {t('network.title', { asn })} {name ? <span className="muted">{name}</span> : null}
      </h1>
      {cc ? (
        <p>
          <Link href={`/country/${cc}`}>{countryName(cc)}</Link>
        </p>
      ) : null}
      <Section id="timeline" title={t('network.timeline')}>
        <LoadedView loaded={timeline} isEmpty={(d) => d.length === 0}>
          {(rows) => {
            const href = apiUrl('aggregation', timelineQuery);
            return (
              <Chart
                name={`timeline-AS${asn}`}
                apiHref={href}
                spec={{ ...timelineSpec(rows, t), title: t('network.timeline'), caption: provenance(href, t) }}
              />
            );
          }}
        </LoadedView>
      </Section>
      <Section id="tests" title={t('tests.title')} hint={t('tests.hint')}>
        <TestResults name={`tests-AS${asn}`} filters={filters} latest />
      </Section>
      <Section id="domains" title={t('network.blockedDomains')} hint={t('common.sampleNote')}>
        <LoadedView loaded={domains} isEmpty={(d) => d.length === 0}>
          {(rows) => <DomainsTable rows={rows} cc={cc} apiHref={apiUrl('aggregation', domainQuery)} />}
        </LoadedView>
      </Section>
      <Section id="events" title={t('country.events')}>
        <LoadedView loaded={events} isEmpty={(d) => d.length === 0} emptyText="state.noEvents">
          {(rows) => <EventsTable name={`events-AS${asn}`} rows={rows} apiHref={apiUrl('events', filters)} />}
        </LoadedView>
      </Section>
      <Section id="recent" title={t('network.recent')}>
        <LoadedView loaded={recent} isEmpty={(d) => d.results.length === 0}>
          {(page) => (
            <MeasurementTable
              name={`measurements-AS${asn}`}
              rows={page.results}
              apiHref={apiUrl('measurements', { ...filters, limit: 20 })}
            />
          )}
        </LoadedView>
      </Section>
    </>
  );
}
