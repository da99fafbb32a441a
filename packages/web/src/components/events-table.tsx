/** Blocking events: target, where, how, since when; each row opens the event with its evidence. */
import type { EventJson } from '../api/types.ts';
import { useI18n } from '../i18n/index.ts';
import { toQueryString } from '../router.ts';
import { type Column, DataTable } from './data-table.tsx';
import { Link } from './link.tsx';
import { formatTime, targetHref } from './measurement-table.tsx';
import { MethodText } from './verdict-badge.tsx';

type Bracket = EventJson['onset'];

/** What an event is about, for people: the service's name ("Telegram"), else the URL (or its domain). */
export function eventSubject(e: EventJson): string {
  return e.service ?? (e.input || e.domain || e.id);
}

/**
 * Where a service event's measurements are: the search for its test in its country. A service has no URL or
 * domain page (its measurements have no input), so its subject must never be linked as if it were a URL.
 */
export function serviceMeasurementsHref(e: Pick<EventJson, 'test_name' | 'cc'>): string {
  return `/search${toQueryString({ test_name: e.test_name, probe_cc: e.cc })}`;
}

/** A bracket in words: between the last measurement in the old state and the first in the new one. */
export function bracketText(bracket: Bracket, t: ReturnType<typeof useI18n>['t']): string {
  const after = formatTime(new Date(bracket.after.timeMs).toISOString());
  if (!bracket.before) return after;
  return t('events.onsetBetween', { from: formatTime(new Date(bracket.before.timeMs).toISOString()), to: after });
}

export function onsetText(e: EventJson, t: ReturnType<typeof useI18n>['t']): string {
  return bracketText(e.onset, t);
}

/** The Atom feed of events for a country, domain or URL: alerts in any feed reader, no account needed. */
export function FeedLink({ params }: { params: Record<string, string | null | undefined> }) {
  const { t } = useI18n();
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const query = search.toString();
  return (
    <a className="feed-link" href={`/api/v1/feeds/events.atom${query ? `?${query}` : ''}`} type="application/atom+xml">
      {t('events.feed')}
    </a>
  );
}

export function EventsTable({ name, rows, apiHref }: { name: string; rows: EventJson[]; apiHref?: string }) {
  const { t } = useI18n();
  const columns: Column<EventJson>[] = [
    {
      key: 'target',
      label: t('col.target'),
      value: eventSubject,
      render: (e) => (
        <Link href={`/events/${encodeURIComponent(e.id)}`} className="break">
          {eventSubject(e)}
        </Link>
      ),
    },
    {
      key: 'probe_cc',
      label: t('col.country'),
      value: (e) => e.cc,
      render: (e) => (e.cc ? <Link href={`/country/${e.cc}`}>{e.cc}</Link> : null),
    },
    {
      key: 'networks',
      label: t('col.networks'),
      value: (e) => e.networks.map((n) => `AS${n.asn}`).join(' '),
    },
    {
      key: 'methods',
      label: t('col.method'),
      value: (e) => e.methods.join(' '),
      render: (e) => (
        <>
          {e.methods.map((m, i) => (
            <span key={m}>
              {i > 0 ? ', ' : ''}
              <MethodText method={m} />
            </span>
          ))}
        </>
      ),
    },
    {
      key: 'onset',
      label: t('col.onset'),
      value: (e) => new Date(e.onset.after.timeMs).toISOString(),
      render: (e) => onsetText(e, t),
    },
    {
      key: 'status',
      label: t('col.status'),
      value: (e) => e.status,
      render: (e) => (
        <span className={`badge badge-${e.status === 'open' ? 'blocked' : 'unknown'}`}>
          {e.status === 'open' ? t('events.open') : t('events.closed')}
        </span>
      ),
    },
    {
      key: 'domain_page',
      label: '',
      value: (e) => e.domain,
      render: (e) =>
        e.service ? (
          <Link href={serviceMeasurementsHref(e)} aria-label={`${t('events.measurements')}: ${e.service}`}>
            {t('events.measurements')}
          </Link>
        ) : e.domain || e.input ? (
          <Link href={targetHref(e, e.cc)} aria-label={`${t('target.timeline')}: ${e.domain || e.input}`}>
            {t('target.timeline')}
          </Link>
        ) : null,
    },
  ];
  return <DataTable name={name} columns={columns} rows={rows} apiHref={apiHref} rowKey={(e) => e.id} />;
}
