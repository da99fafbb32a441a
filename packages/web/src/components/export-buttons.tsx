/** Export of what is on screen: CSV and JSON of the rows, the API query behind them, and chart images. */
import type { CsvCell } from '../export/csv.ts';
import { recordsToCsv } from '../export/csv.ts';
import { downloadText, exportName } from '../export/download.ts';
import { useI18n } from '../i18n/index.ts';

export function ExportButtons({
  name,
  records,
  apiHref,
  images,
}: {
  name: string;
  records: () => Record<string, CsvCell>[];
  apiHref?: string;
  images?: { png: () => void; svg: () => void };
}) {
  const { t } = useI18n();
  return (
    <div className="exports">
      <span className="exports-label">{t('export.label')}</span>
      <button
        type="button"
        data-export="csv"
        onClick={() => downloadText(recordsToCsv(records()), exportName(name, 'csv'), 'text/csv;charset=utf-8')}
      >
        {t('export.csv')}
      </button>
      <button
        type="button"
        data-export="json"
        onClick={() =>
          downloadText(`${JSON.stringify(records(), null, 2)}\n`, exportName(name, 'json'), 'application/json')
        }
      >
        {t('export.json')}
      </button>
      {images ? (
        <>
          <button type="button" data-export="png" onClick={images.png}>
            {t('export.png')}
          </button>
          <button type="button" data-export="svg" onClick={images.svg}>
            {t('export.svg')}
          </button>
        </>
      ) : null}
      {apiHref ? (
        <a className="api-link" href={apiHref} target="_blank" rel="noopener">
          {t('common.apiQuery')}
        </a>
      ) : null}
    </div>
  );
}
