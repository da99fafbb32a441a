/**
 * `npm run bench -- web [--rows=N] [--runs=N]`: the web UI's weight and speed, written to bench/results/web.json.
 *
 * 1. Bundle: gzipped size of what the first page load fetches (entry script, its static imports, CSS), goal
 *    < 300 KB; and the lazily loaded chart chunk against the baseline of the full ECharts build it replaces.
 * 2. Country page time-to-interactive on localhost with N measurements stored (default 1,000,000): rows are
 *    generated inside the engine (INSERT … SELECT FROM numbers(N)), `blockwatch serve` runs on them, and a real
 *    Chromium opens /country/KZ until every section has its data and every chart is drawn (median of runs).
 *    Baseline: the same page's API calls made directly from Node in parallel (the UI's own overhead is the rest).
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { openStore } from '@blockwatch/server/store/store.ts';
import { chromiumMissing, launchBrowser } from '../packages/web/test/helpers/browser.ts';
import { ensureBuilt } from '../packages/web/test/helpers/build.ts';
import { REPO_ROOT, WEB_DIR } from '../packages/web/test/helpers/paths.ts';
import { createDataDir, rebuildEvents, removeDataDir, startServe } from '../packages/web/test/helpers/serve.ts';

const flag = (name: string, fallback: number) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  const value = arg ? Number(arg.split('=')[1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer, got '${arg}'`);
  return value;
};
const ROWS = flag('rows', 1_000_000);
const RUNS = flag('runs', 5);
const COUNTRY = 'KZ';

interface Figure {
  metric: string;
  value: number;
  unit: string;
  baseline?: string;
  baselineValue?: number;
  ratio?: number;
  goal?: string;
  pass?: boolean;
}
const figures: Figure[] = [];
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;
const gz = (path: string) => gzipSync(readFileSync(path)).length;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function bundleFigures(): void {
  ensureBuilt();
  const dist = join(WEB_DIR, 'dist');
  const html = readFileSync(join(dist, 'index.html'), 'utf8');
  // What the browser fetches before the first render: the entry, its modulepreloads, the stylesheets.
  const initial = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)].map((m) => join(dist, m[1]!));
  const initialGz = initial.reduce((sum, file) => sum + gz(file), 0);
  figures.push({
    metric: 'initial load (entry JS + CSS), gzipped',
    value: kb(initialGz),
    unit: 'KB',
    goal: '< 300 KB',
    pass: initialGz < 300 * 1024,
  });
  const assets = listAssets(dist);
  const engine = assets.find((f) => /\/engine-[^/]+\.js$/.test(f));
  if (engine) {
    const full = gz(join(REPO_ROOT, 'node_modules', 'echarts', 'dist', 'echarts.min.js'));
    const chunk = gz(engine);
    figures.push({
      metric: 'chart chunk (lazy, modular ECharts), gzipped',
      value: kb(chunk),
      unit: 'KB',
      baseline: 'full echarts.min.js, gzipped',
      baselineValue: kb(full),
      ratio: Math.round((chunk / full) * 1000) / 1000,
    });
  }
}

function listAssets(dist: string): string[] {
  return readdirSync(join(dist, 'assets')).map((f) => join(dist, 'assets', f));
}

/** Generates `rows` web_connectivity rows for one country, spread over a year, 20 networks, 500 domains. */
async function seed(dataDir: string, rows: number): Promise<number> {
  const store = await openStore({ location: { dataDir } });
  const started = performance.now();
  try {
    await store.command(
      `INSERT INTO measurements (measurement_uid, report_id, input, domain, category_code, probe_cc, probe_asn,
         probe_network_name, test_name, measurement_start_time, test_start_time, outcome, anomaly, confirmed, failure,
         blocking_type, explanation, source, inserted_at)
       SELECT concat('bench-', toString(number)), concat('bench-report-', toString(number % 1000)),
         concat('https://site', toString(number % 500), '.test/'), concat('site', toString(number % 500), '.test'),
         arrayElement(['NEWS', 'GRP', 'HUMR', 'POLR', 'SRCH'], number % 5 + 1), {cc:String}, 9198 + number % 20,
         concat('Network ', toString(number % 20)), 'web_connectivity',
         toDateTime('2024-01-01 00:00:00', 'UTC') + (number * 7919) % (365 * 86400),
         toDateTime('2024-01-01 00:00:00', 'UTC') + (number * 7919) % (365 * 86400),
         multiIf(number % 50 = 49, 'unknown', number % 10 IN (7, 8), 'blocked', number % 10 = 9, 'down', 'accessible'),
         number % 10 IN (7, 8), number % 20 = 7, number % 50 = 49,
         if(number % 10 IN (7, 8), arrayElement(['dns', 'tls', 'http_blockpage'], number % 3 + 1), ''),
         'generated for the web benchmark', 'import', now64(3)
       FROM numbers({rows:UInt64})`,
      { cc: COUNTRY, rows },
    );
    return performance.now() - started;
  } finally {
    await store.close();
  }
}

/**
 * The API calls the country page makes (see packages/web/src/pages/country.tsx), in the same two waves: the
 * networks list is fetched once and starts the matrix's per-network wave.
 */
async function countryApiCalls(base: string): Promise<void> {
  const get = (path: string) => fetch(`${base}${path}`).then((r) => r.json() as Promise<unknown>);
  const networksCall = get(`/api/v1/networks?probe_cc=${COUNTRY}`);
  const matrix = (async () => {
    const networks = (await networksCall) as { results?: { probe_asn: number }[] };
    const top = (networks.results ?? []).slice(0, 12);
    await Promise.all(
      top.map((n) =>
        get(`/api/v1/aggregation?probe_cc=${COUNTRY}&probe_asn=${n.probe_asn}&axis_x=domain&axis_y=blocking_type`),
      ),
    );
  })();
  await Promise.all([
    matrix,
    get(`/api/v1/aggregation?probe_cc=${COUNTRY}&axis_x=probe_asn&axis_y=blocking_type`),
    get(`/api/v1/aggregation?probe_cc=${COUNTRY}&axis_x=domain&axis_y=blocking_type`),
    get(`/api/v1/aggregation?probe_cc=${COUNTRY}&axis_x=category_code&axis_y=blocking_type`),
    get(`/api/v1/events?probe_cc=${COUNTRY}&limit=20`),
    get(`/api/v1/coverage?probe_cc=${COUNTRY}`),
  ]);
}

async function countryPageFigures(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) throw new Error(missing);
  const dataDir = createDataDir();
  try {
    console.error(`seeding ${ROWS.toLocaleString('en')} measurements…`);
    const seedMs = await seed(dataDir, ROWS);
    // The event detector catches up on start-up; on a freshly generated million rows that outlasts the server's
    // plugin start-up limit, so it is brought up to date first, as an operator would after a bulk import.
    console.error(`seeded in ${Math.round(seedMs)} ms; rebuilding events`);
    const rebuildStart = performance.now();
    rebuildEvents(dataDir);
    console.error(`events rebuilt in ${Math.round(performance.now() - rebuildStart)} ms; starting blockwatch serve`);
    const server = await startServe(dataDir);
    const browser = await launchBrowser();
    try {
      const pageTimes: number[] = [];
      const apiTimes: number[] = [];
      for (let run = 0; run <= RUNS; run++) {
        const apiStart = performance.now();
        await countryApiCalls(server.url);
        const apiMs = performance.now() - apiStart;
        const { page, problems } = await browser.newPage();
        const start = performance.now();
        await page.goto(`${server.url}/country/${COUNTRY}`);
        await page.waitForFunction(
          () =>
            !document.querySelector('.state[aria-live]') &&
            [...document.querySelectorAll('[data-chart] .chart')].every(
              (el) => (el as HTMLElement).dataset.ready === 'true',
            ),
          null,
          { timeout: 120_000, polling: 10 },
        );
        const pageMs = performance.now() - start;
        if (problems.length) throw new Error(`country page errors: ${problems.join('; ')}`);
        await page.close();
        // The first run warms the engine's caches and the browser's module cache; it is not counted.
        if (run > 0) {
          pageTimes.push(pageMs);
          apiTimes.push(apiMs);
        }
        console.error(`run ${run}: page ${Math.round(pageMs)} ms, API alone ${Math.round(apiMs)} ms`);
      }
      const page = median(pageTimes);
      const apiOnly = median(apiTimes);
      figures.push({
        metric: `country page time-to-interactive, ${ROWS.toLocaleString('en')} measurements (median of ${RUNS})`,
        value: Math.round(page),
        unit: 'ms',
        baseline: 'the same API calls alone, from Node, same waves',
        baselineValue: Math.round(apiOnly),
        ratio: Math.round((page / apiOnly) * 100) / 100,
        goal: '< 1000 ms',
        pass: page < 1000,
      });
      figures.push({
        metric: `seeding ${ROWS.toLocaleString('en')} rows in the engine`,
        value: Math.round(seedMs),
        unit: 'ms',
      });
    } finally {
      await browser.close();
      await server.stop();
    }
  } finally {
    removeDataDir(dataDir);
  }
}

bundleFigures();
let failed: unknown = null;
try {
  await countryPageFigures();
} catch (err) {
  failed = err;
  console.error(`country page benchmark failed: ${(err as Error).message}`);
}
const resultsDir = join(new URL('.', import.meta.url).pathname, 'results');
mkdirSync(resultsDir, { recursive: true });
writeFileSync(
  join(resultsDir, 'web.json'),
  `${JSON.stringify({ name: 'web', date: new Date().toISOString(), rows: ROWS, figures }, null, 2)}\n`,
);
for (const f of figures)
  console.error(`${f.metric}: ${f.value} ${f.unit}${f.baseline ? ` (baseline ${f.baselineValue})` : ''}`);
if (failed) process.exit(1);
