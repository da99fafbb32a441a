/** Measurement lists (search results, latest blocks, a target's history): every row links to its evidence. */
import type { MeasurementSummaryJson } from '../api/types.ts';
import { useI18n } from '../i18n/index.ts';
import { verdictLabel } from '../verdict-label.ts';
import { type Column, DataTable } from './data-table.tsx';
import { Link } from './link.tsx';
import { MethodText, VerdictBadge } from './verdict-badge.tsx';

export function formatTime(iso: string): string {
  return iso
    .replace('T', ' ')
    .replace(/(\.\d+)?Z$/, '')
    .slice(0, 16);
}

/** A network's page, from its number (12389) or the API's `probe_asn` ("AS12389"). */
export function networkHref(asn: number | string, cc?: string | null): string {
  const name = typeof asn === 'number' ? `AS${asn}` : asn;
  return `/network/${encodeURIComponent(name)}${cc ? `?probe_cc=${encodeURIComponent(cc)}` : ''}`;
}

export function targetHref(row: { input: string | null; domain: string | null }, cc?: string | null): string {
  const q = cc ? `probe_cc=${encodeURIComponent(cc)}` : '';
  if (row.domain) return `/domain/${encodeURIComponent(row.domain)}${q ? `?${q}` : ''}`;
  return `/url?input=${encodeURIComponent(row.input ?? '')}${q ? `&${q}` : ''}`;
}

/** Measured from outside the network (docs/remote.md): the test names are the contract, as in the store. */
export const isRemoteTest = (testName: string) => testName === 'dns_remote' || testName === 'http_remote';

export function MeasurementTable({
  name,
  rows,
  apiHref,
}: {
  name: string;
  rows: MeasurementSummaryJson[];
  apiHref?: string;
}) {
  const { t, countryName } = useI18n();
  const columns: Column<MeasurementSummaryJson>[] = [
    {
      key: 'measurement_start_time',
      label: t('col.time'),
      value: (r) => r.measurement_start_time,
      render: (r) => (
        <Link href={`/m/${encodeURIComponent(r.measurement_uid)}`} className="mono">
          {formatTime(r.measurement_start_time)}
        </Link>
      ),
    },
    {
      key: 'verdict',
      label: t('col.outcome'),
      value: (r) => verdictLabel(r),
      render: (r) => <VerdictBadge row={r} />,
    },
    {
      key: 'blocking_type',
      label: t('col.method'),
      value: (r) => r.blocking_type,
      render: (r) => <MethodText method={r.blocking_type} />,
    },
    {
      key: 'input',
      label: t('col.input'),
      value: (r) => r.input,
      render: (r) =>
        r.input ? (
          <Link href={targetHref(r, r.probe_cc)} className="break">
            {r.input}
          </Link>
        ) : (
          r.test_name
        ),
    },
    {
      key: 'probe_cc',
      label: t('col.country'),
      value: (r) => r.probe_cc,
      render: (r) => (
        <Link href={`/country/${r.probe_cc}`} title={countryName(r.probe_cc)}>
          {r.probe_cc}
        </Link>
      ),
    },
    {
      key: 'probe_asn',
      label: t('col.network'),
      value: (r) => r.probe_asn,
      render: (r) => (
        <Link href={networkHref(r.probe_asn, r.probe_cc)}>
          {r.probe_asn}
          {r.probe_network_name ? <span className="muted"> {r.probe_network_name}</span> : null}
        </Link>
      ),
    },
    {
      // remote measurements (dns_remote, http_remote) sit beside the in-network ones: say which is which
      key: 'vantage',
      label: t('col.vantage'),
      value: (r) => (isRemoteTest(r.test_name) ? 'remote' : 'network'),
      render: (r) => (
        <span title={r.test_name}>{t(isRemoteTest(r.test_name) ? 'vantage.remote' : 'vantage.network')}</span>
      ),
    },
    {
      key: 'measurement_uid',
      label: 'uid',
      value: (r) => r.measurement_uid,
      exportOnly: true,
    },
  ];
  return <DataTable name={name} columns={columns} rows={rows} apiHref={apiHref} rowKey={(r) => r.measurement_uid} />;
}
