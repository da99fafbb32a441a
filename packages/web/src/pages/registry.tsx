/**
 * An official blocklist against observations. The comparison's shape belongs to the registry module, so each
 * list in the answer is shown as its own table (and exported as it is) rather than re-interpreted here.
 */
import type { FormEvent } from 'react';
import { api, apiUrl } from '../api/client.ts';
import type { RegistryCompareResponse } from '../api/types.ts';
import { useLoaded } from '../api/use-loaded.ts';
import { DataTable } from '../components/data-table.tsx';
import { LoadedView } from '../components/loaded-view.tsx';
import { Section } from '../components/section.tsx';
import { type MessageKey, useI18n } from '../i18n/index.ts';
import { useQuery } from '../router.ts';

type Cell = string | number | boolean | null;
type Row = Record<string, Cell>;

/** The comparison as totals (its scalars, nested keys dotted) and one table per list. */
function asTables(comparison: RegistryCompareResponse): { summary: Row; tables: { name: string; rows: Row[] }[] } {
  const cell = (value: unknown): Cell =>
    value === null || value === undefined
      ? null
      : typeof value === 'object'
        ? JSON.stringify(value)
        : (value as string | number | boolean);
  const summary: Row = {};
  const tables: { name: string; rows: Row[] }[] = [];
  const visit = (prefix: string, source: object) => {
    for (const [key, value] of Object.entries(source)) {
      const name = prefix ? `${prefix}.${key}` : key;
      if (Array.isArray(value)) {
        tables.push({
          name,
          rows: value.map((row) =>
            typeof row === 'object' && row !== null
              ? Object.fromEntries(Object.entries(row).map(([k, c]) => [k, cell(c)]))
              : { value: cell(row) },
          ),
        });
      } else if (typeof value === 'object' && value !== null) visit(name, value);
      else summary[name] = cell(value);
    }
  };
  visit('', comparison);
  return { summary, tables };
}

/** Names of the comparison's lists and totals in the interface language; unknown keys are shown as they are. */
const LABELS: Record<string, MessageKey> = {
  listedBlocked: 'registry.listedBlocked',
  listedReachable: 'registry.listedReachable',
  blockedNotListed: 'registry.blockedNotListed',
  networks: 'registry.networks',
  'listed.total': 'registry.listedTotal',
  measured: 'registry.measured',
  windowDays: 'registry.windowDays',
};

export function RegistryPage() {
  const { t, countryName } = useI18n();
  const label = (key: string) => (LABELS[key] ? t(LABELS[key]!) : key.replace(/[_.]/g, ' '));
  const [query, setQuery] = useQuery();
  const cc = query.probe_cc?.toUpperCase() ?? '';
  const compare = useLoaded(`registry:${cc}`, async (s) => {
    const loaded = cc ? await api.registryCompare({ probe_cc: cc }, s) : null;
    if (!loaded) return { state: 'ok' as const, data: { summary: {}, tables: [] } };
    return loaded.state === 'ok' ? { state: 'ok' as const, data: asTables(loaded.data) } : loaded;
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = new FormData(event.currentTarget).get('probe_cc');
    setQuery({ probe_cc: typeof value === 'string' ? value.trim().toUpperCase() : null });
  };
  return (
    <>
      <h1>{t('registry.title')}</h1>
      <p className="lede">{t('registry.lede')}</p>
      <form className="inline-form" onSubmit={submit}>
        <label>
          {t('registry.chooseCountry')}{' '}
          <input name="probe_cc" defaultValue={cc} key={cc} size={3} maxLength={2} pattern="[A-Za-z]{2}" required />
        </label>{' '}
        <button type="submit">{t('common.apply')}</button> {cc ? countryName(cc) : null}
      </form>
      {cc ? (
        <LoadedView loaded={compare} isEmpty={(d) => d.tables.length === 0 && Object.keys(d.summary).length === 0}>
          {(data) => (
            <>
              {Object.keys(data.summary).length > 0 ? (
                <dl className="kv">
                  {Object.entries(data.summary).map(([k, v]) => (
                    <div key={k} className="kv-row">
                      <dt>{label(k)}</dt>
                      <dd>{String(v ?? '')}</dd>
                    </div>
                  ))}
                </dl>
              ) : null}
              {data.tables.map((table) => (
                <Section
                  key={table.name}
                  id={`registry-${table.name.replace(/\W+/g, '-')}`}
                  title={`${label(table.name)} (${table.rows.length})`}
                >
                  {table.rows.length === 0 ? (
                    <p className="state state-empty">{t('common.none')}</p>
                  ) : (
                    <DataTable<Row>
                      name={`registry-${cc}-${table.name}`}
                      rows={table.rows.slice(0, 500)}
                      columns={[...new Set(table.rows.flatMap((r) => Object.keys(r)))].map((k) => ({
                        key: k,
                        label: k.replace(/_/g, ' '),
                        value: (r: Row) => r[k] ?? null,
                      }))}
                      apiHref={apiUrl('registry/compare', { probe_cc: cc })}
                      rowKey={(_r, i) => String(i)}
                    />
                  )}
                </Section>
              ))}
            </>
          )}
        </LoadedView>
      ) : null}
    </>
  );
}
