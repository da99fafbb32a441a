/**
 * A chart: loads the ECharts chunk on first use, draws a `ChartSpec`, and offers CSV/JSON of its numbers and
 * PNG/SVG images that carry the query link and the data's date (printed on the chart itself).
 */
import { useEffect, useRef, useState } from 'react';
import type { ChartHandle } from '../charts/engine.ts';
import { type ChartSpec, chartRecords } from '../charts/spec.ts';
import { downloadBlob, downloadText, exportName } from '../export/download.ts';
import { useI18n } from '../i18n/index.ts';
import { ExportButtons } from './export-buttons.tsx';

let engine: Promise<typeof import('../charts/engine.ts')> | null = null;
function loadEngine() {
  engine ??= import('../charts/engine.ts');
  return engine;
}

/** Starts fetching the chart code while a page's data loads, so the two waits overlap instead of adding up. */
export function preloadCharts(): void {
  loadEngine().catch(() => {
    engine = null; // retried by the next chart; the chart itself reports the failure
  });
}

export function Chart({
  spec,
  name,
  apiHref,
  tall,
}: {
  spec: ChartSpec;
  name: string;
  apiHref?: string;
  tall?: boolean;
}) {
  const { t } = useI18n();
  const holder = useRef<HTMLDivElement>(null);
  const handle = useRef<ChartHandle | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const specRef = useRef(spec);
  specRef.current = spec;

  useEffect(() => {
    let disposed = false;
    loadEngine().then(
      (module) => {
        if (disposed || !holder.current) return;
        handle.current = module.mountChart(holder.current, specRef.current);
        holder.current.dataset.ready = 'true';
      },
      (err: Error) => setFailed(err.message),
    );
    return () => {
      disposed = true;
      handle.current?.dispose();
      handle.current = null;
    };
  }, []);

  // Pages rebuild their spec objects on every render (each arriving API response re-renders the page); a chart
  // redraws only when its data actually changed, not once per unrelated response.
  const specKey = JSON.stringify(spec);
  // biome-ignore lint/correctness/useExhaustiveDependencies: specKey is the spec's content
  useEffect(() => {
    handle.current?.update(specRef.current);
  }, [specKey]);

  const images = {
    png: () => {
      handle.current?.toPng().then((blob) => downloadBlob(blob, exportName(name, 'png')));
    },
    svg: () => {
      const svg = handle.current?.toSvg();
      if (svg) downloadText(svg, exportName(name, 'svg'), 'image/svg+xml');
    },
  };
  return (
    <figure className="chart-block" data-chart={name}>
      <div
        ref={holder}
        className={spec.kind === 'calendar' ? 'chart chart-short' : tall ? 'chart chart-tall' : 'chart'}
        role="img"
        aria-label={spec.title}
      />
      {failed ? <p className="state state-error">{t('state.error', { message: failed })}</p> : null}
      <figcaption className="visually-hidden">{spec.caption}</figcaption>
      <ExportButtons name={name} records={() => chartRecords(spec)} apiHref={apiHref} images={images} />
    </figure>
  );
}
