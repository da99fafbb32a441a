/** Blocking events (filters in the URL) and one event with its brackets and evidence measurements. */
import type { FormEvent } from 'react';
import { api, apiUrl, type Params } from '../api/client.ts';
import type { EventDetailResponse } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { DataTable } from '../components/data-table.tsx';
import {
  bracketText,
  EventsTable,
  eventSubject,
  onsetText,
  serviceMeasurementsHref,
} from '../components/events-table.tsx';
import { Link } from '../components/link.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { formatTime, networkHref, targetHref } from '../components/measurement-table.tsx';
import { Section } from '../components/section.tsx';
import { MethodText } from '../components/verdict-badge.tsx';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { navigate, toQueryString, useQuery } from '../router.ts';

const FILTERS = ['probe_cc', 'probe_asn', 'domain', 'input'] as const;

const ROLE_MESSAGES: Record<Evidence['role'], MessageKey> = {
  onset_before: 'events.roleOnsetBefore',
  blocked: 'events.roleBlocked',
  end_after: 'events.roleEndAfter',
};

export function EventsPage() {
  const { t } = useI18n();
  const [query] = useQuery();
  const params: Params = { limit: 100 };
  for (const f of [...FILTERS, 'status']) if (query[f]) params[f] = query[f];
  const href = apiUrl('events', params);
  const events = useLoaded(`events:${href}`, (s) => api.events(params, s));
  const feedParams = Object.fromEntries(FILTERS.filter((f) => f !== 'probe_asn' && query[f]).map((f) => [f, query[f]]));
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    for (const [k, v] of new FormData(event.currentTarget)) if (typeof v === 'string' && v.trim()) next[k] = v.trim();
    navigate(`/events${toQueryString(next)}`, { replace: true, keepScroll: true });
  };
  return (
    <>
      <h1>{t('events.title')}</h1>
      <p className="lede">{t('events.lede')}</p>
      <form className="filters" onSubmit={submit} key={href}>
        {FILTERS.map((f) => (
          <label className="field" key={f}>
            <span>{t(`filter.${f}` as MessageKey)}</span>
            <input name={f} defaultValue={query[f] ?? ''} />
          </label>
        ))}
        <label className="field">
          <span>{t('col.status')}</span>
          <select name="status" defaultValue={query.status ?? ''}>
            <option value="">{t('common.any')}</option>
            <option value="open">{t('events.open')}</option>
            <option value="closed">{t('events.closed')}</option>
          </select>
        </label>
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('common.apply')}
          </button>
          <a href={`/api/v1/feeds/events.atom${toQueryString(feedParams)}`} className="feed-link">
            {t('events.feed')}
          </a>
        </div>
      </form>
      <LoadedView loaded={events} isEmpty={(d) => d.length === 0} emptyText="state.noEvents">
        {(rows) => <EventsTable name="events" rows={rows} apiHref={href} />}
      </LoadedView>
    </>
  );
}

export function EventPage({ id }: { id: string }) {
  const { t } = useI18n();
  const event = useLoaded(`event:${id}`, (s) => api.event(id, s));
  return (
    <>
      <h1>{t('events.title')}</h1>
      <LoadedView loaded={event}>{(e) => <EventBody event={e} />}</LoadedView>
    </>
  );
}

type Evidence = EventDetailResponse['evidence'][number];

function EventBody({ event }: { event: EventDetailResponse }) {
  const { t, countryName } = useI18n();
  return (
    <>
      <section className="verdict-hero">
        <p className="verdict-line">
          <span className={`badge badge-${event.status === 'open' ? 'blocked' : 'unknown'}`}>
            {event.status === 'open' ? t('events.open') : t('events.closed')}
          </span>{' '}
          {event.methods.map((m) => (
            <span className="mark" key={m}>
              <MethodText method={m} />
            </span>
          ))}
        </p>
        {event.summary ? <p className="explanation">{event.summary}</p> : null}
        <dl className="kv">
          <dt>{t('col.target')}</dt>
          <dd className="break">
            <Link href={event.service ? serviceMeasurementsHref(event) : targetHref(event, event.cc)}>
              {eventSubject(event)}
            </Link>
          </dd>
          {event.cc ? (
            <>
              <dt>{t('col.country')}</dt>
              <dd>
                <Link href={`/country/${event.cc}`}>{countryName(event.cc)}</Link>
              </dd>
            </>
          ) : null}
          <dt>{t('col.networks')}</dt>
          <dd>
            {event.networks.map((n) => (
              <span key={n.asn}>
                <Link href={networkHref(n.asn, event.cc)}>AS{n.asn}</Link>{' '}
              </span>
            ))}
          </dd>
          <dt>{t('col.onset')}</dt>
          <dd>{onsetText(event, t)}</dd>
          {event.end ? (
            <>
              <dt>{t('col.end')}</dt>
              <dd>{bracketText(event.end, t)}</dd>
            </>
          ) : null}
          <dt>{t('col.confidence')}</dt>
          <dd>{event.confidence}</dd>
        </dl>
      </section>
      <Section id="evidence" title={t('events.evidence')}>
        <DataTable<Evidence>
          name={`evidence-${event.id}`}
          rows={event.evidence}
          rowKey={(e) => e.measurement_uid}
          apiHref={apiUrl(`events/${encodeURIComponent(event.id)}`)}
          columns={[
            {
              key: 'measurement_start_time',
              label: t('col.time'),
              value: (e) => e.measurement_start_time,
              render: (e) => (
                <Link href={`/m/${encodeURIComponent(e.measurement_uid)}`} className="mono">
                  {formatTime(e.measurement_start_time)}
                </Link>
              ),
            },
            {
              key: 'role',
              label: t('events.role'),
              value: (e) => e.role,
              render: (e) => t(ROLE_MESSAGES[e.role]),
            },
            {
              key: 'probe_asn',
              label: t('col.network'),
              value: (e) => e.probe_asn,
              render: (e) => <Link href={networkHref(e.probe_asn, event.cc)}>{e.probe_asn}</Link>,
            },
            { key: 'measurement_uid', label: 'uid', value: (e) => e.measurement_uid, exportOnly: true },
          ]}
        />
      </Section>
    </>
  );
}
