/**
 * Measurement search. The URL holds every filter under the API's own names, so a search is a link and the
 * "API query" button shows exactly the same request. ISP names resolve to AS numbers through `/networks`.
 */

import { BLOCKING_METHODS } from 'blockwatch/model/verdict.ts';
import { type FormEvent, useState } from 'react';
import { api, apiUrl, type MeasurementQuery } from '../api/client.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { LoadedView } from '../components/loaded-view.tsx';
import { MeasurementTable } from '../components/measurement-table.tsx';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { navigate, toQueryString, useQuery } from '../router.ts';
import { methodMessage } from '../verdict-label.ts';

export const SEARCH_FIELDS = [
  'probe_cc',
  'probe_asn',
  'domain',
  'input',
  'category_code',
  'test_name',
  'since',
  'until',
  'blocking_type',
] as const;
const FLAG_FIELDS = ['anomaly', 'confirmed', 'failure'] as const;
const PAGE_SIZE = 50;
/** The blocking_type filter for "blocked by any method" (the API takes a comma-separated list). */
export const ANY_BLOCKING_METHOD = BLOCKING_METHODS.join(',');

type Status = '' | 'anomaly' | 'confirmed' | 'failure' | 'ok';
// The verdict select is a shortcut for OONI's three boolean filters, which stay the URL's source of truth.
const STATUS_FLAGS: Record<Exclude<Status, ''>, Record<string, string>> = {
  anomaly: { anomaly: 'true', confirmed: 'false', failure: 'false' },
  confirmed: { confirmed: 'true', failure: 'false' },
  failure: { failure: 'true' },
  ok: { anomaly: 'false', confirmed: 'false', failure: 'false' },
};

function statusOf(query: Record<string, string>): Status {
  for (const [status, flags] of Object.entries(STATUS_FLAGS))
    if (FLAG_FIELDS.every((f) => (flags[f] ?? undefined) === query[f])) return status as Status;
  return '';
}

export function SearchPage() {
  const { t } = useI18n();
  const [query] = useQuery();
  const offset = Math.max(0, Number(query.offset ?? 0) || 0);
  const apiQuery: MeasurementQuery = {};
  for (const f of [...SEARCH_FIELDS, ...FLAG_FIELDS]) if (query[f]) apiQuery[f] = query[f];
  const key = toQueryString({ ...apiQuery, offset });
  const page = useLoaded(`search:${key}`, (s) => api.measurements({ ...apiQuery, offset, limit: PAGE_SIZE }, s));
  const go = (params: Record<string, string | number | undefined>) => navigate(`/search${toQueryString(params)}`);
  return (
    <>
      <h1>{t('search.title')}</h1>
      <SearchForm query={query} key={key} onSubmit={(params) => go(params)} />
      <LoadedView loaded={page} isEmpty={(d) => d.results.length === 0}>
        {(data) => (
          <>
            <MeasurementTable
              name="measurements"
              rows={data.results}
              apiHref={apiUrl('measurements', { ...apiQuery, offset, limit: PAGE_SIZE })}
            />
            <nav className="pager" aria-label="pages">
              <button
                type="button"
                disabled={offset === 0}
                onClick={() => go({ ...apiQuery, offset: Math.max(0, offset - PAGE_SIZE) || undefined })}
              >
                {t('common.previous')}
              </button>
              <span>
                {t('common.rowsOf', {
                  from: offset + 1,
                  to: offset + data.results.length,
                  count: data.metadata.count,
                })}
              </span>
              <button
                type="button"
                disabled={data.metadata.next_url === null}
                onClick={() => go({ ...apiQuery, offset: offset + PAGE_SIZE })}
              >
                {t('common.next')}
              </button>
            </nav>
          </>
        )}
      </LoadedView>
    </>
  );
}

function SearchForm({
  query,
  onSubmit,
}: {
  query: Record<string, string>;
  onSubmit: (params: Record<string, string>) => void;
}) {
  const { t } = useI18n();
  const [cc, setCc] = useState(query.probe_cc ?? '');
  // ISP names are per country (the networks endpoint needs one), so the list fills once a country is typed.
  const networks = useLoaded(`search-networks:${cc.toUpperCase()}`, (s) =>
    /^[A-Za-z]{2}$/.test(cc)
      ? api.networks({ probe_cc: cc.toUpperCase() }, s)
      : Promise.resolve({ state: 'ok' as const, data: [] }),
  );
  const networkList = networks.state === 'ok' ? networks.data.filter((n) => n.probe_network_name) : [];
  const [asn, setAsn] = useState(query.probe_asn ?? '');
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const params: Record<string, string> = {};
    for (const f of SEARCH_FIELDS) {
      const value = String(form.get(f) ?? '').trim();
      if (value) params[f] = f === 'probe_cc' ? value.toUpperCase() : value;
    }
    const status = String(form.get('status') ?? '') as Status;
    if (status) Object.assign(params, STATUS_FLAGS[status]);
    onSubmit(params);
  };
  const text = (name: (typeof SEARCH_FIELDS)[number], extra: Record<string, string | number> = {}) => (
    <label className="field">
      <span>{t(`filter.${name}` as MessageKey)}</span>
      <input name={name} defaultValue={query[name] ?? ''} {...extra} />
    </label>
  );
  return (
    <form className="filters" onSubmit={submit} aria-label={t('search.filters')}>
      <label className="field">
        <span>{t('filter.probe_cc')}</span>
        <input
          name="probe_cc"
          value={cc}
          onChange={(e) => setCc(e.target.value)}
          maxLength={2}
          pattern="[A-Za-z]{2}"
          autoCapitalize="characters"
        />
      </label>
      <label className="field">
        <span>{t('search.networkName')}</span>
        <input
          name="network_name"
          list="network-names"
          title={t('search.networkNameHint')}
          onChange={(e) => {
            const name = e.target.value.trim().toLowerCase();
            const match = networkList.find((n) => n.probe_network_name.toLowerCase() === name);
            if (match) setAsn(`AS${match.probe_asn}`);
          }}
        />
        <datalist id="network-names">
          {networkList.map((n) => (
            <option key={n.probe_asn} value={n.probe_network_name}>{`AS${n.probe_asn}`}</option>
          ))}
        </datalist>
      </label>
      <label className="field">
        <span>{t('filter.probe_asn')}</span>
        <input name="probe_asn" value={asn} onChange={(e) => setAsn(e.target.value)} placeholder="AS12389" />
      </label>
      {text('domain', { placeholder: 'example.org' })}
      {text('input', { placeholder: 'https://…', type: 'url' })}
      {text('category_code', { placeholder: 'NEWS' })}
      {text('test_name', { placeholder: 'web_connectivity' })}
      {text('since', { type: 'date' })}
      {text('until', { type: 'date' })}
      <label className="field">
        <span>{t('filter.blocking_type')}</span>
        <select name="blocking_type" defaultValue={query.blocking_type ?? ''}>
          <option value="">{t('common.any')}</option>
          <option value={ANY_BLOCKING_METHOD}>{t('search.anyMethod')}</option>
          {BLOCKING_METHODS.map((m) => (
            <option key={m} value={m}>
              {t(methodMessage(m)!)}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t('search.status')}</span>
        <select name="status" defaultValue={statusOf(query)}>
          <option value="">{t('common.any')}</option>
          <option value="confirmed">{t('search.statusConfirmed')}</option>
          <option value="anomaly">{t('search.statusAnomaly')}</option>
          <option value="ok">{t('search.statusOk')}</option>
          <option value="failure">{t('search.statusFailure')}</option>
        </select>
      </label>
      <div className="form-actions">
        <button type="submit" className="primary">
          {t('common.apply')}
        </button>
        <button type="button" onClick={() => onSubmit({})}>
          {t('common.reset')}
        </button>
      </div>
    </form>
  );
}
