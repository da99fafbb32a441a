/**
 * A domain or a URL: "since when" in one sentence, the daily timeline, the state per network, the events and
 * the latest measurements. Scoped to a country with `?probe_cc=`, worldwide without.
 */
import type { FormEvent } from 'react';
import { api, apiUrl } from '../api/client.ts';
import type { EventJson, HistoryResponse } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { type AggregationRow, axisValue, byBlocking, groupBy, provenance, timelineSpec } from '../charts/build.ts';
import { Chart } from '../components/chart.tsx';
import { countColumns } from '../components/count-columns.tsx';
import { type Column, DataTable } from '../components/data-table.tsx';
import { EventsTable, FeedLink, onsetText } from '../components/events-table.tsx';
import { Link } from '../components/link.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { formatTime, MeasurementTable, networkHref } from '../components/measurement-table.tsx';
import { Section } from '../components/section.tsx';
import { type I18n, useI18n } from '../i18n/index.ts';
import { useQuery } from '../router.ts';
import { networkNames } from './country.tsx';

export function TargetPage({ domain }: { domain?: string }) {
  const { t, countryName } = useI18n();
  const [query, setQuery] = useQuery();
  const input = domain ? null : (query.input ?? '');
  const cc = query.probe_cc?.toUpperCase() || null;
  const target = domain ? { domain } : { input: input ?? '' };
  const filters = { ...target, probe_cc: cc };
  const key = `${domain ?? input}:${cc ?? ''}`;
  const timelineQuery = { ...filters, axis_x: 'measurement_start_day', axis_y: 'blocking_type' };
  const byPlaceQuery = { ...filters, axis_x: cc ? 'probe_asn' : 'probe_cc', axis_y: 'blocking_type' };
  const timeline = useLoaded(`t-timeline:${key}`, (s) => api.aggregation(timelineQuery, s));
  const byPlace = useLoaded(`t-place:${key}`, (s) => api.aggregation(byPlaceQuery, s));
  const history = useLoaded(`t-history:${key}`, (s) => api.history(filters, s));
  const events = useLoaded(`t-events:${key}`, (s) => api.events({ ...filters, limit: 20 }, s));
  const recent = useLoaded(`t-recent:${key}`, (s) => api.measurements({ ...filters, limit: 20 }, s));
  // Network names for the per-network history (the history answer carries AS numbers only).
  const networks = useLoaded(`networks:${cc ?? ''}`, (s) =>
    cc ? api.networks({ probe_cc: cc }, s) : Promise.resolve({ state: 'ok' as const, data: [] }),
  );
  const onCountry = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('probe_cc');
    setQuery({ probe_cc: typeof value === 'string' ? value.trim().toUpperCase() : null });
  };
  const title = domain ?? input ?? '';
  return (
    <>
      <h1 className="break">{title}</h1>
      <form className="inline-form" onSubmit={onCountry}>
        <label>
          {t('target.countryFilter')}{' '}
          <input name="probe_cc" defaultValue={cc ?? ''} key={cc ?? ''} size={3} maxLength={2} pattern="[A-Za-z]{2}" />
        </label>{' '}
        <button type="submit">{t('common.apply')}</button>
        {cc ? (
          <>
            {' '}
            <Link href={`/country/${cc}`}>{countryName(cc)}</Link>
          </>
        ) : null}
      </form>
      <Section id="since" title={t('target.sinceWhen')}>
        <SinceWhen
          history={history.state === 'ok' ? history.data : null}
          events={events.state === 'ok' ? events.data : []}
        />
      </Section>
      <Section id="timeline" title={t('target.timeline')}>
        <LoadedView loaded={timeline} isEmpty={(d) => d.length === 0}>
          {(rows) => {
            const href = apiUrl('aggregation', timelineQuery);
            return (
              <Chart
                name={`timeline-${title}`}
                apiHref={href}
                spec={{
                  ...timelineSpec(rows, t),
                  title: `${t('target.timeline')}: ${title}`,
                  caption: provenance(href, t),
                }}
              />
            );
          }}
        </LoadedView>
      </Section>
      {history.state === 'ok' && history.data.networks.length > 0 ? (
        <Section id="history" title={t('target.history')}>
          <HistoryStrips networks={history.data.networks} cc={cc} names={networkNames(networks)} />
        </Section>
      ) : null}
      <Section id="places" title={t('target.perNetwork')} hint={t('common.sampleNote')}>
        <LoadedView loaded={byPlace} isEmpty={(d) => d.length === 0}>
          {(rows) => (
            <PlacesTable rows={rows} axis={byPlaceQuery.axis_x} cc={cc} apiHref={apiUrl('aggregation', byPlaceQuery)} />
          )}
        </LoadedView>
      </Section>
      <Section
        id="events"
        title={t('target.events')}
        actions={<FeedLink params={domain ? { domain, probe_cc: cc } : { input, probe_cc: cc }} />}
      >
        <LoadedView loaded={events} isEmpty={(d) => d.length === 0} emptyText="state.noEvents">
          {(rows) => <EventsTable name={`events-${title}`} rows={rows} apiHref={apiUrl('events', filters)} />}
        </LoadedView>
      </Section>
      <Section id="recent" title={t('target.recent')}>
        <LoadedView loaded={recent} isEmpty={(d) => d.results.length === 0}>
          {(page) => (
            <MeasurementTable
              name={`measurements-${title}`}
              rows={page.results}
              apiHref={apiUrl('measurements', { ...filters, limit: 20 })}
            />
          )}
        </LoadedView>
      </Section>
    </>
  );
}

/** The one-sentence answer: from the history endpoint, else from the earliest open event. */
function SinceWhen({ history, events }: { history: HistoryResponse | null; events: EventJson[] }) {
  const { t } = useI18n();
  if (history?.answer) return <p className="since">{history.answer}</p>;
  const open = events.filter((e) => e.status === 'open');
  const first = open.sort((a, b) => a.onset.after.timeMs - b.onset.after.timeMs)[0];
  if (first) return <p className="since">{`${t('outcome.blocked')}: ${onsetText(first, t)}`}</p>;
  return <p className="state state-empty">{t('common.noData')}</p>;
}

const POINT_CLASS: Record<string, string> = {
  accessible: 'pt-accessible',
  blocked: 'pt-blocked',
  down: 'pt-down',
  unknown: 'pt-unknown',
};

/** One row of coloured cells per network, oldest first; each cell with evidence links to its measurement. */
function HistoryStrips({
  networks,
  cc,
  names,
}: {
  networks: HistoryResponse['networks'];
  cc: string | null;
  names: Map<number, string>;
}) {
  const { t } = useI18n();
  return (
    <div className="strips">
      {networks.map((n, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the server's order is kept
        <div className="strip" key={i}>
          <div className="strip-label">
            <Link href={networkHref(n.asn, cc)}>AS{n.asn}</Link> <span className="muted">{names.get(n.asn) ?? ''}</span>
          </div>
          <ol className="strip-points">
            {n.segments.map((segment, i) => {
              const count = Object.values(segment.counts).reduce((sum, c) => sum + c, 0);
              const method = segment.methods[0];
              const time = formatTime(new Date(segment.fromMs).toISOString());
              const label = `${time} ${segment.state}${method ? ` (${method})` : ''}${count > 1 ? ` ×${count}` : ''}`;
              const uid = segment.evidence[0] ?? segment.last.id;
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: segments are in time order and may share a time
                <li key={i} className={POINT_CLASS[segment.state] ?? 'pt-unknown'} title={label}>
                  <Link href={`/m/${encodeURIComponent(uid)}`} aria-label={label}>
                    <span className="visually-hidden">{label}</span>
                  </Link>
                </li>
              );
            })}
          </ol>
        </div>
      ))}
      <p className="hint">
        <span className="legend pt-accessible" /> {t('timeline.accessible')} <span className="legend pt-blocked" />{' '}
        {t('outcome.blocked')} <span className="legend pt-down" /> {t('timeline.down')}{' '}
        <span className="legend pt-unknown" /> {t('outcome.unknown')}
      </p>
    </div>
  );
}

function PlacesTable({
  rows,
  axis,
  cc,
  apiHref,
}: {
  rows: AggregationRow[];
  axis: string;
  cc: string | null;
  apiHref: string;
}) {
  const { t, number, countryName } = useI18n();
  const grouped = [...groupBy(rows, axis).values()].sort(byBlocking);
  const place = (r: AggregationRow) => axisValue(r, axis);
  const columns: Column<AggregationRow>[] = [
    {
      key: axis,
      label: axis === 'probe_asn' ? t('col.network') : t('col.country'),
      value: place,
      render: (r) => placeLink(axis, place(r), cc, countryName),
    },
    ...countColumns({ t, number }),
  ];
  return <DataTable name={`by-${axis}`} columns={columns} rows={grouped} apiHref={apiHref} rowKey={place} />;
}

function placeLink(axis: string, value: string, cc: string | null, countryName: I18n['countryName']) {
  if (axis === 'probe_asn') {
    const asn = Number(value.replace(/^AS/i, ''));
    return Number.isInteger(asn) ? <Link href={networkHref(asn, cc)}>AS{asn}</Link> : value;
  }
  return /^[A-Z]{2}$/.test(value) ? <Link href={`/country/${value}`}>{countryName(value)}</Link> : value;
}
