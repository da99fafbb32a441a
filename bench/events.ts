/**
 * Event detection speed, each figure against a baseline measured in the same run:
 *   1. the pure detector on synthetic verdict streams (verdicts/s), against one pass that only groups the same
 *      verdicts by series (the least any per-series detector must do); CPU time, median of R repetitions;
 *   2. incremental detection through the real store: per stored batch, the time until its events are persisted
 *      and visible to the API (goal: p95 under 2 s for 500-measurement batches), against the store insert itself;
 *   3. a rebuild from the store (verdicts/s), against reading the same verdicts back without detecting.
 *
 *   npm run bench -- events [--repeat R] [--batches B]
 *
 * Writes bench/results/events.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noClassicKeys } from '../packages/blockwatch/src/verdict/index.ts';
import { createDetector } from '../packages/server/src/events/detector.ts';
import { readObservations } from '../packages/server/src/events/event-store.ts';
import { observationOf } from '../packages/server/src/events/observation.ts';
import { createEventService } from '../packages/server/src/events/service.ts';
import { generateSynthetic } from '../packages/server/src/events/synthetic.ts';
import type { Observation } from '../packages/server/src/events/types.ts';
import type { AnalyzedMeasurement } from '../packages/server/src/store/rows.ts';
import { openStore } from '../packages/server/src/store/store.ts';
import { type Figure, median } from './_figures.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const REPEAT = arg('repeat', 5);
const BATCHES = arg('batches', 20);
const BATCH = 500;

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

const figures: Figure[] = [];

// ---- 1. pure detector ----
const data = generateSynthetic({ seed: 1, countries: 4, urlsPerCountry: 60 });
const obs = data.observations;
console.error(`events bench: ${obs.length} synthetic verdicts, ${REPEAT} repetitions`);
const detectMs: number[] = [];
const groupMs: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  let t = cpuMs();
  const groups = new Map<string, number[]>();
  for (const o of [...obs].sort((a, b) => a.timeMs - b.timeMs)) {
    const key = `${o.cc}|${o.asn}|${o.input}`;
    let counts = groups.get(key);
    if (!counts) {
      counts = [0, 0, 0, 0];
      groups.set(key, counts);
    }
    counts[o.outcome === 'accessible' ? 0 : o.outcome === 'blocked' ? 1 : o.outcome === 'down' ? 2 : 3]++;
  }
  groupMs.push(cpuMs() - t);
  t = cpuMs();
  createDetector().ingest(obs);
  detectMs.push(cpuMs() - t);
}
const detectRate = obs.length / (median(detectMs) / 1000);
const groupRate = obs.length / (median(groupMs) / 1000);
figures.push({
  metric: 'detector throughput (synthetic verdicts, CPU)',
  value: Math.round(detectRate),
  unit: 'verdicts/s',
  baseline: 'sort + group by series only',
  baselineValue: Math.round(groupRate),
  ratio: Math.round((groupRate / detectRate) * 100) / 100,
  goal: '≥ 20,000 verdicts/s (a day of a national deployment replays in seconds)',
  pass: detectRate >= 20_000,
});

// ---- 2 & 3. through the store ----
const dir = mkdtempSync(join(tmpdir(), 'bw-bench-events-'));
const store = await openStore({ location: { dataDir: dir } });
try {
  const toItem = (o: Observation): AnalyzedMeasurement => ({
    uid: o.id,
    measurement: {
      annotations: {},
      data_format_version: '0.2.0',
      input: o.input,
      measurement_start_time: new Date(o.timeMs).toISOString().slice(0, 19).replace('T', ' '),
      probe_asn: `AS${o.asn}`,
      probe_cc: o.cc,
      probe_ip: '127.0.0.1',
      probe_network_name: '',
      report_id: 'bench',
      resolver_asn: `AS${o.asn}`,
      resolver_ip: '',
      resolver_network_name: '',
      software_name: 'bench',
      software_version: '0',
      test_helpers: null,
      test_keys: {},
      test_name: 'web_connectivity',
      test_runtime: 1,
      test_start_time: new Date(o.timeMs).toISOString().slice(0, 19).replace('T', ' '),
      test_version: '0.4.3',
    },
    verdict: {
      engine: 'classic-0.4',
      blocking: o.outcome === 'blocked' ? 'dns' : false,
      accessible: o.outcome === 'accessible',
      outcome: o.outcome,
      anomaly: o.outcome === 'blocked',
      confirmed: o.confirmed,
      failure: o.outcome === 'unknown',
      method: o.methods[0] ?? null,
      methods: o.methods,
      fingerprints: [],
      layers: {},
      classic: noClassicKeys(),
      explanation: '',
    },
    source: 'import',
  });
  const slice = obs.slice(0, BATCH * BATCHES);
  // The service follows the store as in the server; the listener is timed apart from the rest of the insert, so
  // both figures come from the same batches (the machine is shared: interleaving keeps the ratio honest).
  const service = createEventService(store);
  const detectLatency: number[] = [];
  const plainMs: number[] = [];
  store.onStored(async (batch) => {
    const t = performance.now();
    await service.ingest(batch.items.map(observationOf).filter((o): o is Observation => o !== null));
    detectLatency.push(performance.now() - t);
  });
  for (let b = 0; b < BATCHES; b++) {
    const items = slice.slice(b * BATCH, (b + 1) * BATCH).map(toItem);
    const before = detectLatency.length ? detectLatency.reduce((a, c) => a + c, 0) : 0;
    const t = performance.now();
    await store.insert(items);
    const total = performance.now() - t;
    const detect = detectLatency.reduce((a, c) => a + c, 0) - before;
    plainMs.push(total - detect);
  }
  figures.push({
    metric: `detect + persist after a ${BATCH}-measurement batch is stored (p95)`,
    value: Math.round(p95(detectLatency)),
    unit: 'ms',
    baseline: 'storing the batch itself (p95)',
    baselineValue: Math.round(p95(plainMs)),
    ratio: Math.round((p95(detectLatency) / p95(plainMs)) * 100) / 100,
    goal: 'p95 < 2000 ms (new evidence in the API within seconds)',
    pass: p95(detectLatency) < 2000,
  });

  let t = performance.now();
  let read = 0;
  for await (const page of readObservations(store)) read += page.length;
  const readMs = performance.now() - t;
  t = performance.now();
  const result = await service.rebuild();
  const rebuildMs = performance.now() - t;
  figures.push({
    metric: `rebuild from the store (${result.measurements} measurements)`,
    value: Math.round(result.measurements / (rebuildMs / 1000)),
    unit: 'measurements/s',
    baseline: 'reading the same verdicts back',
    baselineValue: Math.round(read / (readMs / 1000)),
    ratio: Math.round((rebuildMs / readMs) * 100) / 100,
  });
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

const out = new URL('./results/', import.meta.url).pathname;
mkdirSync(out, { recursive: true });
writeFileSync(
  join(out, 'events.json'),
  `${JSON.stringify({ name: 'events', date: new Date().toISOString(), figures }, null, 2)}\n`,
);
for (const f of figures)
  console.error(
    `${f.metric}: ${f.value} ${f.unit} (baseline ${f.baseline}: ${f.baselineValue}; ratio ${f.ratio})${f.goal ? ` goal ${f.goal}: ${f.pass ? 'pass' : 'FAIL'}` : ''}`,
  );
