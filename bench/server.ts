/**
 * Server benchmark (`npm run bench -- server [--rows N] [--ingest N] [--reps N] [--only=ingest]`), results in
 * bench/results/server.json (`--only=ingest` re-measures ingest and keeps the other figures of the last run).
 *
 * 1. Aggregation over N generated rows (default 10 million, `INSERT … SELECT … FROM numbers()`, through the
 *    real schema so the rollup view fills as in production): p50 of four OONI-style aggregations through the
 *    HTTP API, against the same SQL run directly on the engine (our layers' overhead), and against the same
 *    question answered from the measurements table (what the rollup saves). Parameters vary per repetition so
 *    the engine's query-condition cache cannot flatter the figures.
 * 2. Measurement lookup: p50 of GET /api/v1/measurements/{uid} (metadata + verdict + raw JSON), against the
 *    store's two SQL statements run directly.
 * 3. Ingest end to end: HTTP POST /api/v1/submit (batches of 100 real OONI web_connectivity measurements,
 *    15 KB each, 8 concurrent clients) → spool (fsync) → loader (our verdict) → store, until the last one is
 *    queryable; against inserting the same rows directly into the engine.
 * Goals: ingest ≥ 5,000 measurements/s; aggregation p50 < 100 ms; lookup p50 < 20 ms.
 */
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { request } from 'undici';
import { createAnalyzer } from '../packages/server/src/analysis/analyzer.ts';
import { buildServer } from '../packages/server/src/api/app.ts';
import { measurementUid } from '../packages/server/src/collector/ids.ts';
import { importFiles } from '../packages/server/src/import/importer.ts';
import { aggregationSql, ROLLUPS } from '../packages/server/src/store/aggregation.ts';
import { jsonLines, RAW_LINES_SETTINGS, rawLines, SUMMARY_FIELDS, toRows } from '../packages/server/src/store/rows.ts';
import { openStore } from '../packages/server/src/store/store.ts';
import { type Figure, median } from './_figures.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '10000000' },
    ingest: { type: 'string', default: '40000' },
    reps: { type: 'string', default: '3' },
    only: { type: 'string' },
  },
  strict: false,
});
const ROWS = Number(values.rows);
const INGEST = Number(values.ingest);
const INGEST_REPS = Number(values.reps);
/** `--only=ingest` skips the aggregation and lookup parts and keeps their figures from the last full run. */
const INGEST_ONLY = values.only === 'ingest';
const SHARED = new URL('../../shared/data/', import.meta.url).pathname;
const TEMPLATE = JSON.parse(
  readFileSync(
    join(SHARED, 'ooni/measurements/backend-fastpath__20250527233111.802678_ID_webconnectivity_5a37ec909dbf14e3.json'),
    'utf8',
  ),
);

const figures: Figure[] = [];
const log = (s: string) => process.stderr.write(`${s}\n`);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

const COUNTRIES =
  'US,RU,IR,CN,IN,BR,DE,TR,ID,PK,EG,KZ,UA,GB,FR,IT,ES,MX,NG,VN,TH,PH,MY,SA,AE,IQ,SY,BY,VE,CU,MM,ET,UG,KE,TZ,ZA,AR,CO,PE,CL,JP,KR,AU,CA,NL,SE,PL,RO,HU,GR'.split(
    ',',
  );

/** N rows in the real schema, generated inside the engine (the rollup view fills as in production). */
function generateSql(start: number, count: number): string {
  const ccs = `[${COUNTRIES.map((c) => `'${c}'`).join(',')}]`;
  return `INSERT INTO measurements (measurement_uid, report_id, input, domain, category_code, probe_cc, probe_asn,
    probe_network_name, resolver_asn, test_name, test_version, software_name, software_version, measurement_start_time,
    test_start_time, test_runtime, outcome, anomaly, confirmed, failure, blocking_type, blocking_methods, accessible,
    blocking_classic, fingerprints, dns_status, tcp_status, tls_status, http_status, engine, explanation,
    ooni_blocking, ooni_accessible, ooni_anomaly, ooni_confirmed, ooni_failure, source, inserted_at)
  SELECT
    concat(formatDateTime(t, '%Y%m%d%H%i%S'), '.000000_', cc, '_webconnectivity_', lower(hex(cityHash64(number)))),
    concat(formatDateTime(t, '%Y%m%dT%H%i%SZ'), '_webconnectivity_', cc, '_', toString(asn), '_n1_bench'),
    concat('https://', dom, '/'), dom, ['NEWS','POLR','HUMR','SRCH','GRP','COMT','MMED','HOST'][1 + cityHash64(dom) % 8],
    cc, asn, concat('Network ', toString(asn)), asn, 'web_connectivity', '0.4.3', 'ooniprobe-android', '3.9.0',
    t, t, 2.5, if(blocked, 'blocked', 'accessible'), blocked, blocked AND cityHash64(number, 6) % 10 = 0,
    cityHash64(number, 7) % 100 < 2, if(blocked, ['dns','tcp_ip','tls','http_blockpage'][1 + cityHash64(number, 8) % 4], ''),
    if(blocked, ['dns'], []), NOT blocked, if(blocked, 'dns', 'false'), [], 'ok', 'ok', 'ok', 'ok', 'classic-0.4',
    'generated', '', NULL, NULL, NULL, NULL, 'import', now64(3)
  FROM (
    SELECT number,
      toDateTime('2025-01-01 00:00:00', 'UTC') + toIntervalSecond(intDiv(number * 31536000, ${ROWS})) AS t,
      arrayElement(${ccs}, 1 + toUInt32(pow((cityHash64(number, 1) % 10000) / 10000.0, 2) * ${COUNTRIES.length})) AS cc,
      toUInt32(1000 + (cityHash64(number, 3) % 40) * 1000 + indexOf(${ccs}, cc)) AS asn,
      concat('site', toString(toUInt32(pow((cityHash64(number, 2) % 10000) / 10000.0, 3) * 5000)), '.example') AS dom,
      (cityHash64(number, 4) % 100) < if(cc IN ('IR','CN','RU','MM','TR'), 25, 3) AS blocked
    FROM numbers(${start}, ${count}))`;
}

function rawSql(start: number, count: number): string {
  // Raw JSON for every 10th row (lookups need it): ~5 KB, half compressible text, half random hex.
  return `INSERT INTO measurement_raw (measurement_uid, probe_cc, measurement_start_time, raw, verdict, ooni, summary, inserted_at)
  SELECT measurement_uid, probe_cc, measurement_start_time,
    concat('{"input":"', input, '","probe_cc":"', probe_cc, '","body":"', repeat('<p>lorem ipsum</p>', 120), '","cert":"',
      arrayStringConcat(arrayMap(i -> lower(hex(cityHash64(i, measurement_uid))), range(150))), '"}'),
    '{"outcome":"accessible","explanation":"generated"}', '',
    formatRowNoNewline('JSONEachRow', ${SUMMARY_FIELDS.join(', ')}), now64(3)
  FROM measurements WHERE cityHash64(measurement_uid) % 10 = 0 AND measurement_uid >= '' LIMIT ${count} OFFSET ${start}`;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'bw-bench-server-'));
  log(`data in ${dir}; rows ${ROWS.toLocaleString('en')}, ingest ${INGEST.toLocaleString('en')}`);
  const store = await openStore({ location: { dataDir: join(dir, 'data') }, queryTimeoutS: 120 });
  const analyzer = createAnalyzer({
    fingerprintsDir: join(SHARED, 'fingerprints'),
    testListsDir: join(SHARED, 'test-lists'),
  });
  const app = await buildServer({ store, analyzer, spoolDir: join(dir, 'spool'), rateLimit: false, webDir: null });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    if (!INGEST_ONLY) {
      // ---- generate ----
      const t0 = performance.now();
      const chunk = 1_000_000;
      for (let start = 0; start < ROWS; start += chunk) {
        await store.command(generateSql(start, Math.min(chunk, ROWS - start)));
        log(
          `  generated ${Math.min(ROWS, start + chunk).toLocaleString('en')} rows (${round((performance.now() - t0) / 1000)} s)`,
        );
      }
      const [{ n: rawTotal }] = await store.query<{ n: number }>(
        'SELECT count() AS n FROM measurements WHERE cityHash64(measurement_uid) % 10 = 0',
      );
      for (let start = 0; start < rawTotal; start += 200_000) await store.command(rawSql(start, 200_000));
      for (const { table } of ROLLUPS) await store.command(`OPTIMIZE TABLE ${table} FINAL`);
      const genS = (performance.now() - t0) / 1000;
      const sizes: string[] = [];
      for (const { table } of ROLLUPS) {
        const [{ n }] = await store.query<{ n: number }>(`SELECT count() AS n FROM ${table}`);
        sizes.push(`${table} ${n.toLocaleString('en')}`);
        figures.push({
          metric: `rows in ${table} for ${ROWS.toLocaleString('en')} measurements`,
          value: n,
          unit: 'rows',
        });
      }
      log(
        `generated ${ROWS.toLocaleString('en')} rows + ${rawTotal.toLocaleString('en')} raw in ${round(genS)} s; ${sizes.join(', ')}`,
      );
      figures.push({ metric: 'generate rows in the engine (setup)', value: round(ROWS / genS, 0), unit: 'rows/s' });

      // ---- aggregation ----
      const REPS = 15;
      const shapes: {
        name: string;
        api: (i: number) => string;
        query: (i: number) => Parameters<typeof aggregationSql>[0];
      }[] = [
        {
          name: 'by country, one year (web_connectivity)',
          api: (i) =>
            `axis_x=probe_cc&test_name=web_connectivity&since=2025-01-${String(1 + (i % 28)).padStart(2, '0')}&until=2026-01-01`,
          query: (i) => ({
            axis_x: 'probe_cc',
            filter: {
              test_name: ['web_connectivity'],
              since: `2025-01-${String(1 + (i % 28)).padStart(2, '0')} 00:00:00`,
              until: '2026-01-01 00:00:00',
            },
          }),
        },
        {
          name: 'by day, one country, one year',
          api: (i) => `axis_x=measurement_start_day&probe_cc=${COUNTRIES[i % 20]}&since=2025-01-01&until=2026-01-01`,
          query: (i) => ({
            axis_x: 'measurement_start_day',
            filter: { probe_cc: [COUNTRIES[i % 20]!], since: '2025-01-01 00:00:00', until: '2026-01-01 00:00:00' },
          }),
        },
        {
          name: 'by domain, one country, one month',
          api: (i) =>
            `axis_x=domain&probe_cc=${COUNTRIES[i % 20]}&since=2025-${String(1 + (i % 12)).padStart(2, '0')}-01&until=2025-${String(1 + (i % 12)).padStart(2, '0')}-28`,
          query: (i) => ({
            axis_x: 'domain',
            filter: {
              probe_cc: [COUNTRIES[i % 20]!],
              since: `2025-${String(1 + (i % 12)).padStart(2, '0')}-01 00:00:00`,
              until: `2025-${String(1 + (i % 12)).padStart(2, '0')}-28 00:00:00`,
            },
          }),
        },
        {
          name: 'by network and blocking type, one domain, one year',
          api: (i) =>
            `axis_x=probe_asn&axis_y=blocking_type&domain=site${i % 30}.example&since=2025-01-01&until=2026-01-01`,
          query: (i) => ({
            axis_x: 'probe_asn',
            axis_y: 'blocking_type',
            filter: { domain: [`site${i % 30}.example`], since: '2025-01-01 00:00:00', until: '2026-01-01 00:00:00' },
          }),
        },
      ];
      const loop = monitorEventLoopDelay({ resolution: 5 });
      loop.enable();
      const apiAll: number[] = [];
      for (const shape of shapes) {
        const api: number[] = [];
        const direct: number[] = [];
        const table: number[] = [];
        for (let i = 0; i < REPS + 1; i++) {
          let t = performance.now();
          const r = await request(`${base}/api/v1/aggregation?${shape.api(i)}`);
          const body = (await r.body.json()) as { db_stats?: { source: string } };
          if (r.statusCode !== 200 || !body.db_stats?.source.startsWith('rollup'))
            throw new Error(`aggregation failed: ${JSON.stringify(body)}`);
          const apiMs = performance.now() - t;
          const { sql, params } = aggregationSql(shape.query(i + 100));
          t = performance.now();
          await store.query(sql, params);
          const directMs = performance.now() - t;
          // The same question from the measurements table: what the rollup saves.
          const q = shape.query(i + 200);
          const slow = aggregationSql({
            ...q,
            filter: { ...q.filter, anomaly: undefined, failure: undefined },
            axis_x: q.axis_x,
          });
          const tableSql = slow.sql
            .replace(/FROM rollup_\w+/, 'FROM measurements')
            .replace(/sum\((\w+)_count\) AS (\w+)/g, (_m, c: string, a: string) =>
              c === 'measurement'
                ? `toInt64(count()) AS ${a}`
                : c === 'ok'
                  ? `toInt64(countIf(NOT anomaly AND NOT confirmed AND NOT failure)) AS ${a}`
                  : c === 'anomaly'
                    ? `toInt64(countIf(anomaly AND NOT confirmed AND NOT failure)) AS ${a}`
                    : c === 'confirmed'
                      ? `toInt64(countIf(confirmed AND NOT failure)) AS ${a}`
                      : `toInt64(countIf(failure)) AS ${a}`,
            )
            .replace(
              'test_day >= toDate({since:DateTime})',
              'test_day >= toDate({since:DateTime}) AND measurement_start_time >= {since:DateTime}',
            );
          t = performance.now();
          await store.query(tableSql, slow.params);
          const tableMs = performance.now() - t;
          if (i === 0) continue; // warm-up
          api.push(apiMs);
          direct.push(directMs);
          table.push(tableMs);
        }
        apiAll.push(...api);
        log(
          `aggregation ${shape.name}: API p50 ${round(median(api))} ms, engine ${round(median(direct))} ms, from the table ${round(median(table))} ms`,
        );
        figures.push({
          metric: `aggregation p50: ${shape.name} (API, rollup)`,
          value: round(median(api)),
          unit: 'ms',
          baseline: 'same SQL directly on the engine',
          baselineValue: round(median(direct)),
          ratio: round(median(api) / median(direct), 2),
          goal: '< 100 ms',
          pass: median(api) < 100,
        });
        figures.push({
          metric: `aggregation p50: ${shape.name} (measurements table, no rollup)`,
          value: round(median(table)),
          unit: 'ms',
          baseline: 'API through the rollup',
          baselineValue: round(median(api)),
          ratio: round(median(table) / median(api), 2),
        });
      }
      figures.push({
        metric: 'aggregation p50, all four shapes (API)',
        value: round(median(apiAll)),
        unit: 'ms',
        goal: '< 100 ms',
        pass: median(apiAll) < 100,
      });
      figures.push({ metric: 'max event-loop delay during aggregations', value: round(loop.max / 1e6), unit: 'ms' });
      loop.disable();

      // ---- lookup ----
      const uids = (
        await store.query<{ measurement_uid: string }>(
          'SELECT measurement_uid FROM measurement_raw ORDER BY cityHash64(measurement_uid, 9) LIMIT 80',
        )
      ).map((r) => r.measurement_uid);
      const apiLookup: number[] = [];
      const directLookup: number[] = [];
      for (let i = 0; i < 40; i++) {
        let t = performance.now();
        const r = await request(`${base}/api/v1/measurements/${uids[i]}`);
        const text = await r.body.text();
        if (r.statusCode !== 200 || !text.includes('raw_measurement'))
          throw new Error(`lookup failed: ${text.slice(0, 200)}`);
        apiLookup.push(performance.now() - t);
        const uid = uids[40 + i]!;
        t = performance.now();
        await store.query(
          'SELECT raw, verdict, ooni, summary, probe_cc, toString(measurement_start_time) AS t FROM measurement_raw WHERE measurement_uid = {uid:String} LIMIT 1',
          { uid },
        );
        directLookup.push(performance.now() - t);
      }
      log(`lookup: API p50 ${round(median(apiLookup))} ms, engine ${round(median(directLookup))} ms`);
      figures.push({
        metric: 'measurement lookup p50 (GET /api/v1/measurements/{uid})',
        value: round(median(apiLookup)),
        unit: 'ms',
        baseline: 'the same statement directly on the engine',
        baselineValue: round(median(directLookup)),
        ratio: round(median(apiLookup) / median(directLookup), 2),
        goal: '< 20 ms',
        pass: median(apiLookup) < 20,
      });
    }

    // ---- ingest ----
    // Each repetition submits fresh measurements (new inputs, so nothing is a duplicate) and then inserts as many
    // other fresh rows directly: the baseline is measured in the same run, under the same store size.
    const BATCH = 100;
    const CLIENTS = 8;
    const endToEnd: number[] = [];
    const acknowledged: number[] = [];
    const direct: number[] = [];
    const directLines: number[] = [];
    const loads: string[] = [];
    const importRates: number[] = [];
    for (let rep = 0; rep < INGEST_REPS; rep++) {
      const batches: string[] = [];
      for (let b = 0; b < INGEST / BATCH; b++) {
        const measurements = Array.from({ length: BATCH }, (_, i) => {
          const n = b * BATCH + i;
          return {
            ...TEMPLATE,
            input: `https://ingest-${rep}-${n}.example.org/`,
            measurement_start_time: `2025-06-${String(1 + (n % 28)).padStart(2, '0')} 12:00:00`,
          };
        });
        batches.push(JSON.stringify({ measurements }));
      }
      const before = await store.count({});
      const t0 = performance.now();
      let next = 0;
      const client = async () => {
        while (next < batches.length) {
          const body = batches[next++]!;
          const r = await request(`${base}/api/v1/submit`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          const text = await r.body.text();
          if (r.statusCode !== 200) throw new Error(`submit failed: ${text.slice(0, 300)}`);
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, client));
      const ackS = (performance.now() - t0) / 1000;
      await app.collector.loader.idle();
      const ingestS = (performance.now() - t0) / 1000;
      const stored = (await store.count({})) - before;
      if (stored !== INGEST) throw new Error(`ingest stored ${stored} of ${INGEST}`);
      // Baselines: the same rows inserted straight into the engine, same batch size, no HTTP/spool/analysis:
      // once through the client's JSONEachRow (objects serialised by the client, the raw JSON as an escaped
      // string, as the store did before), once as the store now writes them (its own lines, raw insert).
      const directRows = (prefix: string) =>
        Array.from({ length: INGEST }, (_, n) => {
          const m = {
            ...TEMPLATE,
            input: `https://${prefix}-${rep}-${n}.example.org/`,
            measurement_start_time: '2025-07-01 12:00:00',
            probe_ip: '127.0.0.1',
          };
          const measurementJson = JSON.stringify(m);
          return toRows(
            { uid: measurementUid(m), measurement: m, verdict: analyzer.analyze(m), source: 'import', measurementJson },
            Date.now(),
          );
        });
      let items = directRows('direct');
      const t1 = performance.now();
      for (let i = 0; i < items.length; i += 1000) {
        const slice = items.slice(i, i + 1000);
        await store.insertRows('measurements', slice.map((r) => r.row) as unknown as Record<string, unknown>[]);
        await store.insertRows('measurement_raw', slice.map((r) => r.raw) as unknown as Record<string, unknown>[]);
      }
      const directS = (performance.now() - t1) / 1000;
      items = directRows('lines');
      const t3 = performance.now();
      for (let i = 0; i < items.length; i += 1000) {
        const slice = items.slice(i, i + 1000);
        await store.insertLines('measurements', jsonLines(slice.map((r) => r.row)));
        await store.insertLines('measurement_raw', rawLines(slice.map((r) => r.raw)), RAW_LINES_SETTINGS);
      }
      const linesS = (performance.now() - t3) / 1000;
      // `blockwatch import` of an OONI can (JSONL.gz) of as many other fresh measurements, into the same store.
      const can = join(dir, `can-${rep}.jsonl.gz`);
      // Streamed: 40,000 lines of 14.6 KB are more than V8's longest string.
      await pipeline(
        Readable.from(
          (function* () {
            for (let n = 0; n < INGEST; n++) {
              const m = { ...TEMPLATE, input: `https://import-${rep}-${n}.example.org/`, measurement_uid: undefined };
              yield `${JSON.stringify(m)}\n`;
            }
          })(),
        ),
        createGzip(),
        createWriteStream(can),
      );
      const t2 = performance.now();
      const imported = await importFiles([can], { sink: { kind: 'store', store, analyzer } });
      const importS = (performance.now() - t2) / 1000;
      if (imported.imported !== INGEST) throw new Error(`import stored ${imported.imported} of ${INGEST}`);
      importRates.push(INGEST / importS);
      endToEnd.push(INGEST / ingestS);
      acknowledged.push(INGEST / ackS);
      direct.push(INGEST / directS);
      directLines.push(INGEST / linesS);
      // The machine is shared: the load beside each repetition says how far to trust its absolute figures.
      loads.push(readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '));
      log(
        `ingest ${rep + 1}/${INGEST_REPS}: ${round(INGEST / ingestS, 0)}/s end to end (acknowledged at ${round(INGEST / ackS, 0)}/s); import ${round(INGEST / importS, 0)}/s; direct engine insert ${round(INGEST / directS, 0)}/s (client JSONEachRow), ${round(INGEST / linesS, 0)}/s (the store's lines); load ${loads.at(-1)}`,
      );
    }
    /** A rate against the same run's fastest direct insert (the store's lines), with the issue's goal. */
    const rateFigure = (metric: string, rates: number[]): Figure => ({
      metric,
      value: round(median(rates), 0),
      unit: 'measurements/s',
      baseline: "the same rows inserted directly into the engine as the store's lines (median)",
      baselineValue: round(median(directLines), 0),
      ratio: round(median(directLines) / median(rates), 2),
      goal: '≥ 5,000/s',
      pass: median(rates) >= 5000,
    });
    figures.push(
      rateFigure(
        `ingest end to end (HTTP → spool → verdict → store), ${INGEST} × ${round(Buffer.byteLength(JSON.stringify(TEMPLATE)) / 1024)} KB measurements, median of ${INGEST_REPS}${INGEST_ONLY ? ', store empty at start' : ''}`,
        endToEnd,
      ),
      rateFigure(
        `ingest by blockwatch import of a JSONL.gz can, ${INGEST} measurements, median of ${INGEST_REPS}`,
        importRates,
      ),
    );
    figures.push({
      metric: "ingest ceiling: direct insert as the store's lines (chdb raw insert, raw JSON as an object), median",
      value: round(median(directLines), 0),
      unit: 'measurements/s',
      baseline: "direct insert through the client's JSONEachRow (the store's path before)",
      baselineValue: round(median(direct), 0),
      ratio: round(median(directLines) / median(direct), 2),
    });
    figures.push({
      metric: `ingest: load average (1 min) beside the repetitions, median (1, 5, 15 min each: ${loads.join('; ')})`,
      value: median(loads.map((l) => Number(l.split(' ')[0]))),
      unit: 'load',
    });
    figures.push({
      metric: 'ingest: acknowledged (durable in the spool), median',
      value: round(median(acknowledged), 0),
      unit: 'measurements/s',
    });
  } finally {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const out = new URL('./results/', import.meta.url).pathname;
  mkdirSync(out, { recursive: true });
  const file = join(out, 'server.json');
  let rows = ROWS;
  if (INGEST_ONLY && existsSync(file)) {
    // Keep the other parts' figures (and the row count they were measured at) from the last full run.
    const previous = JSON.parse(readFileSync(file, 'utf8')) as { rows: number; figures: Figure[] };
    rows = previous.rows;
    figures.unshift(...previous.figures.filter((f) => !f.metric.startsWith('ingest')));
  }
  writeFileSync(
    file,
    `${JSON.stringify({ name: 'server', date: new Date().toISOString(), rows, figures }, null, 2)}\n`,
  );
  for (const f of figures)
    log(
      `${f.pass === false ? '✗' : f.pass ? '✓' : ' '} ${f.metric}: ${f.value} ${f.unit}${f.baselineValue !== undefined ? ` (baseline ${f.baselineValue})` : ''}`,
    );
}

await main();
