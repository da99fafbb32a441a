/** The count columns every per-place aggregation table shows, in one order: blocked share (with n), then counts. */
import { type AggregationRow, shareOf, usableOf } from '../charts/build.ts';
import type { I18n } from '../i18n/index.ts';
import type { Column } from './data-table.tsx';
import { Rate } from './verdict-badge.tsx';

export function countColumns({ t, number }: Pick<I18n, 't' | 'number'>): Column<AggregationRow>[] {
  return [
    {
      key: 'blocked_share',
      label: t('col.blockedShare'),
      value: (r) => shareOf(r),
      render: (r) => <Rate share={shareOf(r)} n={usableOf(r)} />,
    },
    { key: 'confirmed_count', label: t('col.confirmed'), value: (r) => r.confirmed_count, numeric: true },
    { key: 'anomaly_count', label: t('col.anomaly'), value: (r) => r.anomaly_count, numeric: true },
    { key: 'failure_count', label: t('col.failure'), value: (r) => r.failure_count, numeric: true },
    {
      key: 'measurement_count',
      label: t('col.measurements'),
      value: (r) => r.measurement_count,
      render: (r) => number(r.measurement_count),
      numeric: true,
    },
  ];
}
