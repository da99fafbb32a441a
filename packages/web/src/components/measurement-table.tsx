/** Measurement lists (search results, latest blocks, a target's history): every row links to its evidence. */
import type { MeasurementRow } from '../api/types.ts';
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

export function networkHref(asn: number, cc?: string | null): string {
  return `/network/AS${asn}${cc ? `?probe_cc=${encodeURIComponent(cc)}` : ''}`;
}

export function targetHref(row: { input: string | null; domain: string | null }, cc?: string | null): string {
  const q = cc ? `probe_cc=${encodeURIComponent(cc)}` : '';
  if (row.domain) return `/domain/${encodeURIComponent(row.domain)}${q ? `?${q}` : ''}`;
  return `/url?input=${encodeURIComponent(row.input ?? '')}${q ? `&${q}` : ''}`;
}

/** Measured from outside the network (docs/remote.md): the test names are the contract, as in the store. */
export const isRemoteTest = (testName: string) => testName === 'dns_remote' || testName === 'http_remote';

export function MeasurementTable({ name, rows, apiHref }: { name: string; rows: MeasurementRow[]; apiHref?: string }) {
  const { t, countryName } = useI18n();
  const columns: Column<MeasurementRow>[] = [
    {
      key: 'measurement_start_time',
      label: t('col.time'),
      value: (r) => r.startTime,
      render: (r) => (
        <Link href={`/m/${encodeURIComponent(r.uid)}`} className="mono">
          {formatTime(r.startTime)}
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
      value: (r) => r.blockingType,
      render: (r) => <MethodText method={r.blockingType} />,
    },
    {
      key: 'input',
      label: t('col.input'),
      value: (r) => r.input,
      render: (r) =>
        r.input ? (
          <Link href={targetHref(r, r.cc)} className="break">
            {r.input}
          </Link>
        ) : (
          r.testName
        ),
    },
    {
      key: 'probe_cc',
      label: t('col.country'),
      value: (r) => r.cc,
      render: (r) => (
        <Link href={`/country/${r.cc}`} title={countryName(r.cc)}>
          {r.cc}
        </Link>
      ),
    },
    {
      key: 'probe_asn',
      label: t('col.network'),
      value: (r) => (r.asn === null ? null : `AS${r.asn}`),
      render: (r) =>
        r.asn === null ? null : (
          <Link href={networkHref(r.asn, r.cc)}>
            AS{r.asn}
            {r.networkName ? <span className="muted"> {r.networkName}</span> : null}
          </Link>
        ),
    },
    {
      // remote measurements (dns_remote, http_remote) sit beside the in-network ones: say which is which
      key: 'vantage',
      label: t('col.vantage'),
      value: (r) => (isRemoteTest(r.testName) ? 'remote' : 'network'),
      render: (r) => (
        <span title={r.testName}>{t(isRemoteTest(r.testName) ? 'vantage.remote' : 'vantage.network')}</span>
      ),
    },
    {
      key: 'measurement_uid',
      label: 'uid',
      value: (r) => r.uid,
      exportOnly: true,
    },
  ];
  return <DataTable name={name} columns={columns} rows={rows} apiHref={apiHref} rowKey={(r) => r.uid} />;
}
