/**
 * Charts as data: a page describes what to draw (`ChartSpec`), the lazily loaded engine (`engine.ts`) draws it
 * with ECharts. The same spec gives the CSV/JSON export, so a chart's numbers can always be checked.
 * Pure: no ECharts import here, so the main bundle stays small.
 */
import type { CsvCell } from '../export/csv.ts';

export interface StackedSpec {
  kind: 'stacked';
  /** x-axis categories (days, domains, countries, …) */
  categories: string[];
  series: { name: string; color: string; values: number[] }[];
  /** bars run left to right (long category names) */
  horizontal?: boolean;
}

export interface MatrixSpec {
  kind: 'matrix';
  xs: string[];
  ys: string[];
  /** share 0..1 of measurements with blocking, with its sample size */
  cells: { x: number; y: number; share: number; n: number }[];
}

export interface CalendarSpec {
  kind: 'calendar';
  days: { day: string; count: number }[];
}

export type ChartBody = StackedSpec | MatrixSpec | CalendarSpec;

export type ChartSpec = ChartBody & {
  /** Short accessible title (also the export file name). */
  title: string;
  /** Provenance printed on the chart and in exports: the query link and the data's date. */
  caption: string;
  /** Labels the engine needs in the interface language. */
  labels?: { n?: string; noData?: string };
};

export function chartRecords(spec: ChartSpec): Record<string, CsvCell>[] {
  switch (spec.kind) {
    case 'stacked':
      return spec.categories.map((category, i) => {
        const record: Record<string, CsvCell> = { category };
        for (const s of spec.series) record[s.name] = s.values[i] ?? 0;
        return record;
      });
    case 'matrix':
      return spec.cells.map((c) => ({ x: spec.xs[c.x], y: spec.ys[c.y], blocked_share: c.share, n: c.n }));
    case 'calendar':
      return spec.days.map((d) => ({ day: d.day, measurement_count: d.count }));
  }
}

/** Text from measured data drawn by ECharts: its rich-text markup uses {braces|…}, so data braces are neutralised. */
export function plainChartText(text: string, max = 48): string {
  const clean = text.replace(/[{}]/g, (c) => (c === '{' ? '｛' : '｝'));
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
