/** The verdict of one measurement as a coloured label with text (colour is never the only signal). */
import type { MeasurementSummaryJson } from '../api/types.ts';
import { useI18n } from '../i18n/index.ts';
import { methodMessage, VERDICT_MESSAGE, verdictLabel } from '../verdict-label.ts';

export function VerdictBadge({
  row,
}: {
  row: Pick<MeasurementSummaryJson, 'failure' | 'confirmed' | 'anomaly' | 'outcome'>;
}) {
  const { t } = useI18n();
  const label = verdictLabel(row);
  return <span className={`badge badge-${label}`}>{t(VERDICT_MESSAGE[label])}</span>;
}

export function MethodText({ method }: { method: string | null }) {
  const { t } = useI18n();
  if (!method) return null;
  const key = methodMessage(method);
  return <span className="method">{key ? t(key) : method}</span>;
}

/** A share with its sample size; n = 0 is "no data", never a green 0%. */
export function Rate({ share, n }: { share: number | null; n: number }) {
  const { t, percent, number } = useI18n();
  if (n === 0 || share === null) return <span className="rate rate-none">{t('common.noData')}</span>;
  return (
    <span className="rate">
      <span className="rate-value">{percent(share)}</span>{' '}
      <span className="rate-n">{t('common.n', { n: number(n) })}</span>
    </span>
  );
}
