/**
 * The ECharts side of the charts, loaded on demand (a separate chunk) so pages without charts stay light.
 *
 * Under the server's CSP (`style-src 'self'`, no inline scripts) ECharts must not inject HTML or <style>:
 * the screen uses the SVG renderer (zrender sets styles through the CSSOM, which CSP allows) and tooltips use
 * `renderMode: 'richText'`, drawn inside the chart as text, so measured strings can never become HTML.
 * Exports render the same option in a throw-away instance: SVG through server-side rendering, PNG on a canvas.
 */
import { BarChart, HeatmapChart } from 'echarts/charts';
import {
  AriaComponent,
  CalendarComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import type { CalendarSpec, ChartSpec, MatrixSpec, StackedSpec } from './spec.ts';
import { plainChartText } from './spec.ts';

echarts.use([
  BarChart,
  HeatmapChart,
  AriaComponent,
  CalendarComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
  SVGRenderer,
]);

type Option = Record<string, unknown>;

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

const CAPTION_LINE_PX = 13;

/** The provenance line wraps rather than being cut: the query link and the date must survive in every export. */
function captionLines(spec: ChartSpec, widthPx: number): number {
  const charsPerLine = Math.max(20, Math.floor((widthPx - 16) / 5.6));
  return Math.min(4, Math.ceil(spec.caption.length / charsPerLine));
}

function base(spec: ChartSpec, widthPx: number): Option {
  return {
    animation: false,
    aria: { enabled: true, label: { description: spec.title } },
    textStyle: { fontFamily: FONT, color: '#222' },
    graphic: [
      {
        type: 'text',
        left: 8,
        bottom: 4,
        silent: true,
        style: {
          text: plainChartText(spec.caption, 600),
          width: Math.max(100, widthPx - 16),
          overflow: 'breakAll',
          lineHeight: CAPTION_LINE_PX,
          fill: '#555',
          fontSize: 10,
          fontFamily: FONT,
        },
      },
    ],
  };
}

function stacked(spec: StackedSpec & ChartSpec, widthPx: number): Option {
  const extra = (captionLines(spec, widthPx) - 1) * CAPTION_LINE_PX;
  const categories = spec.categories.map((c) => plainChartText(c, 200));
  const categoryAxis = {
    type: 'category',
    data: categories,
    axisLabel: { formatter: (v: string) => plainChartText(v, 28), hideOverlap: true },
  };
  const valueAxis = { type: 'value', minInterval: 1 };
  return {
    ...base(spec, widthPx),
    tooltip: { trigger: 'axis', renderMode: 'richText', axisPointer: { type: 'shadow' }, confine: true },
    legend: { top: 0, type: 'scroll', data: spec.series.map((s) => s.name) },
    grid: { left: 8, right: 24, top: 36, bottom: 28 + extra, containLabel: true },
    xAxis: spec.horizontal ? valueAxis : categoryAxis,
    yAxis: spec.horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
    series: spec.series.map((s) => ({
      type: 'bar',
      name: plainChartText(s.name, 60),
      stack: 'total',
      data: s.values,
      itemStyle: { color: s.color },
      emphasis: { focus: 'series' },
      barMaxWidth: 36,
    })),
  };
}

function matrix(spec: MatrixSpec & ChartSpec, widthPx: number): Option {
  const extra = (captionLines(spec, widthPx) - 1) * CAPTION_LINE_PX;
  const xs = spec.xs.map((x) => plainChartText(x, 200));
  const ys = spec.ys.map((y) => plainChartText(y, 200));
  const n = spec.labels?.n ?? 'n';
  return {
    ...base(spec, widthPx),
    tooltip: {
      renderMode: 'richText',
      confine: true,
      formatter: (p: { data: [number, number, number, number] }) => {
        const [x, y, share, count] = p.data;
        return `${ys[y]} · ${xs[x]}\n${Math.round(share * 100)}% (${n} = ${count})`;
      },
    },
    grid: { left: 8, right: 24, top: 16, bottom: 72 + extra, containLabel: true },
    xAxis: { type: 'category', data: xs, axisLabel: { rotate: 30, formatter: (v: string) => plainChartText(v, 22) } },
    yAxis: { type: 'category', data: ys, axisLabel: { formatter: (v: string) => plainChartText(v, 28) } },
    visualMap: {
      min: 0,
      max: 1,
      dimension: 2,
      orient: 'horizontal',
      left: 'center',
      bottom: 22 + extra,
      itemHeight: 120,
      text: ['100%', '0%'],
      inRange: { color: ['#e8f4f1', '#f4c27a', '#a4161a'] },
      calculable: false,
    },
    series: [
      {
        type: 'heatmap',
        data: spec.cells.map((c) => [c.x, c.y, c.share, c.n]),
        label: {
          show: true,
          fontSize: 10,
          formatter: (p: { data: [number, number, number, number] }) => `${Math.round(p.data[2] * 100)}%`,
        },
        itemStyle: { borderColor: '#fff', borderWidth: 1 },
      },
    ],
  };
}

function calendar(spec: CalendarSpec & ChartSpec, widthPx: number): Option {
  const extra = (captionLines(spec, widthPx) - 1) * CAPTION_LINE_PX;
  const days = [...spec.days].sort((a, b) => a.day.localeCompare(b.day));
  const last = days.at(-1)?.day ?? new Date().toISOString().slice(0, 10);
  // One calendar row is readable up to a year; older days are still in the CSV/JSON export.
  // At least half a year, so a few days of data still read as a calendar rather than three stretched cells.
  const dayBefore = (n: number) => new Date(Date.parse(last) - n * 86_400_000).toISOString().slice(0, 10);
  const oldest = days[0]?.day ?? last;
  const earliest = [oldest, dayBefore(181)].sort()[0]!;
  const first = [earliest, dayBefore(364)].sort()[1]!;
  const max = Math.max(1, ...days.map((d) => d.count));
  const n = spec.labels?.n ?? 'n';
  return {
    ...base(spec, widthPx),
    tooltip: {
      renderMode: 'richText',
      formatter: (p: { data: [string, number] }) => `${p.data[0]}\n${n} = ${p.data[1]}`,
    },
    visualMap: {
      min: 0,
      max,
      orient: 'horizontal',
      left: 'center',
      bottom: 20 + extra,
      itemHeight: 120,
      calculable: false,
      inRange: { color: ['#d8ece8', '#1b7f72'] },
    },
    calendar: {
      range: [first, last],
      top: 24,
      left: 36,
      right: 12,
      cellSize: ['auto', 13],
      dayLabel: { firstDay: 1, fontSize: 9 },
      monthLabel: { fontSize: 10 },
      yearLabel: { show: false },
      itemStyle: { borderColor: '#fff', color: '#f1f1f1' },
      splitLine: { lineStyle: { color: '#bbb' } },
    },
    series: [{ type: 'heatmap', coordinateSystem: 'calendar', data: days.map((d) => [d.day, d.count]) }],
  };
}

export function chartOption(spec: ChartSpec, widthPx: number): Option {
  switch (spec.kind) {
    case 'stacked':
      return stacked(spec, widthPx);
    case 'matrix':
      return matrix(spec, widthPx);
    case 'calendar':
      return calendar(spec, widthPx);
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export interface ChartHandle {
  update(spec: ChartSpec): void;
  dispose(): void;
  toPng(): Promise<Blob>;
  toSvg(): string;
}

export function mountChart(element: HTMLElement, initial: ChartSpec): ChartHandle {
  const chart = echarts.init(element, null, { renderer: 'svg' });
  let spec = initial;
  const render = () => chart.setOption(chartOption(spec, element.clientWidth || 640), true);
  render();
  // The observer also reports the size the chart was just drawn at; only a real change is worth a redraw.
  let drawnAt = `${element.clientWidth}x${element.clientHeight}`;
  const resize = new ResizeObserver(() => {
    const size = `${element.clientWidth}x${element.clientHeight}`;
    if (size === drawnAt) return;
    drawnAt = size;
    chart.resize();
    render(); // the caption's wrapping depends on the width
  });
  resize.observe(element);
  const size = () => ({ width: Math.max(480, element.clientWidth), height: Math.max(240, element.clientHeight) });
  return {
    update(next) {
      spec = next;
      render();
    },
    dispose() {
      resize.disconnect();
      chart.dispose();
    },
    toSvg() {
      const { width, height } = size();
      const offscreen = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
      try {
        offscreen.setOption({ ...chartOption(spec, width), backgroundColor: '#fff' });
        // The provenance also goes in the SVG's description, whole and machine-readable.
        return offscreen
          .renderToSVGString()
          .replace(/^(<svg[^>]*>)/, `$1<title>${escapeXml(spec.title)}</title><desc>${escapeXml(spec.caption)}</desc>`);
      } finally {
        offscreen.dispose();
      }
    },
    toPng() {
      const { width, height } = size();
      const holder = document.createElement('div');
      holder.style.position = 'fixed';
      holder.style.left = '-10000px';
      holder.style.top = '0';
      holder.style.width = `${width}px`;
      holder.style.height = `${height}px`;
      document.body.append(holder);
      const offscreen = echarts.init(holder, null, { renderer: 'canvas', width, height, devicePixelRatio: 2 });
      offscreen.setOption({ ...chartOption(spec, width), backgroundColor: '#fff' });
      const canvas = holder.querySelector('canvas');
      return new Promise<Blob>((resolve, reject) => {
        if (!canvas) {
          reject(new Error('no canvas to export'));
          return;
        }
        canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG encoding failed'))), 'image/png');
      }).finally(() => {
        offscreen.dispose();
        holder.remove();
      });
    },
  };
}
