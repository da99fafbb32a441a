/**
 * Verdicts per second on a large JSONL of real-shaped measurements, against the cost of JSON.parse alone on the
 * same lines in the same run. The file cycles the reference data's real web_connectivity measurements (OONI's
 * fixtures: plain and base64 bodies up to 800 KB, v0.4 and v0.5 shapes) with the OONI fingerprints loaded.
 *
 *   npm run bench -- analyze [--lines N] [--repeat R]
 *
 * Goal: analysing costs at most as much again as parsing (ratio (parse+analyse)/parse ≤ 2). The 30 measurements
 * repeat, so the engine's per-page caches hit after the first round; a second figure makes every page distinct
 * (no cache hits) to show the cost of a page never seen before. Process CPU time
 * (not wall time: the machine is shared), medians over R repetitions. Writes bench/results/analyze.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyzeMeasurement,
  createFingerprintSet,
  parseFingerprintCsv,
} from '../packages/blockwatch/src/verdict/index.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LINES = arg('lines', 3000);
const REPEAT = arg('repeat', 5);
const DATA = new URL('../../shared/data/', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, DATA), 'utf8');

const fingerprints = createFingerprintSet(
  parseFingerprintCsv(read('fingerprints/fingerprints_dns.csv'), 'dns'),
  parseFingerprintCsv(read('fingerprints/fingerprints_http.csv'), 'http'),
);
const files = read('ooni/measurements/index.csv')
  .split('\n')
  .filter((l) => l.includes(',web_connectivity,'))
  .map((l) => l.split(',')[0] as string);
const sources = files.map((f) => JSON.stringify(JSON.parse(read(`ooni/measurements/${f}`))));

// Write the JSONL once, then read it back: the timed loops work on the file's lines, as `analyze` would.
const dir = mkdtempSync(join(tmpdir(), 'bw-bench-analyze-'));
const path = join(dir, 'measurements.jsonl');
const parts: string[] = [];
for (let i = 0; i < LINES; i++) parts.push(sources[i % sources.length] as string);
writeFileSync(path, `${parts.join('\n')}\n`);
const text = readFileSync(path, 'utf8');
rmSync(dir, { recursive: true, force: true });
const lines = text.split('\n').filter(Boolean);
const bytes = Buffer.byteLength(text);
console.error(`analyze bench: ${lines.length} lines, ${(bytes / 1e6).toFixed(1)} MB, ${REPEAT} repetitions`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const gc = (globalThis as { gc?: () => void }).gc;
/** CPU time of this process, ms: the machine is shared, so wall time would measure the neighbours too. */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function timeParse(): number {
  gc?.();
  const t0 = cpuMs();
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { test_keys?: unknown }).test_keys ? 1 : 0;
  if (sink < 0) console.log(sink);
  return cpuMs() - t0;
}

function timeParseAndAnalyze(options: Parameters<typeof analyzeMeasurement>[1]): number {
  gc?.();
  const t0 = cpuMs();
  let sink = 0;
  for (const line of lines) sink += analyzeMeasurement(JSON.parse(line), options).anomaly ? 1 : 0;
  if (sink < 0) console.log(sink);
  return cpuMs() - t0;
}

/**
 * The same measurements with every page made distinct (a comment appended to each body): no body repeats, so the
 * engine's per-page caches never hit. Real data sits between the two figures: block pages and front pages repeat.
 */
const COLD_LINES = Math.min(LINES, 600);
function distinctBodies(): string[] {
  const out: string[] = [];
  for (let i = 0; i < COLD_LINES; i++) {
    const m = JSON.parse(sources[i % sources.length] as string);
    for (const r of m.test_keys?.requests ?? []) {
      const res = r?.response;
      if (!res) continue;
      const marker = `<!-- ${i} -->`;
      if (typeof res.body === 'string') res.body += marker;
      else if (res.body?.format === 'base64')
        res.body.data = Buffer.concat([Buffer.from(res.body.data, 'base64'), Buffer.from(marker)]).toString('base64');
    }
    out.push(JSON.stringify(m));
  }
  return out;
}

function timeLines(work: string[], options: Parameters<typeof analyzeMeasurement>[1] | null): number {
  gc?.();
  const t0 = cpuMs();
  let sink = 0;
  for (const line of work) {
    const m = JSON.parse(line);
    sink += options ? (analyzeMeasurement(m, options).anomaly ? 1 : 0) : m.test_keys ? 1 : 0;
  }
  if (sink < 0) console.log(sink);
  return cpuMs() - t0;
}

// Warm-up: let the JIT see both loops before timing.
timeParse();
timeParseAndAnalyze({ fingerprints });
timeParseAndAnalyze({});
const parseMs: number[] = [];
const totalMs: number[] = [];
const bareMs: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  parseMs.push(timeParse());
  totalMs.push(timeParseAndAnalyze({ fingerprints }));
  bareMs.push(timeParseAndAnalyze({}));
  console.error(
    `  run ${r + 1}: parse ${parseMs[r]?.toFixed(0)} ms, parse+analyse ${totalMs[r]?.toFixed(0)} ms, without fingerprints ${bareMs[r]?.toFixed(0)} ms`,
  );
}
// Cold: a fresh copy each repetition (and a fresh fingerprint set), so nothing was seen before.
const coldParseMs: number[] = [];
const coldTotalMs: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  const work = distinctBodies();
  coldParseMs.push(timeLines(work, null));
  const fresh = createFingerprintSet(
    parseFingerprintCsv(read('fingerprints/fingerprints_dns.csv'), 'dns'),
    parseFingerprintCsv(read('fingerprints/fingerprints_http.csv'), 'http'),
  );
  coldTotalMs.push(timeLines(work, { fingerprints: fresh }));
}
const coldRatio = median(coldTotalMs) / median(coldParseMs);
console.error(`  every page distinct (${COLD_LINES} lines): ratio ${coldRatio.toFixed(2)}`);
const parse = median(parseMs);
const total = median(totalMs);
const bare = median(bareMs);
const ratio = total / parse;
const verdictsPerSecond = lines.length / (total / 1000);
const result = {
  name: 'analyze',
  date: new Date().toISOString(),
  input: {
    lines: lines.length,
    bytes,
    distinct_measurements: sources.length,
    repetitions: REPEAT,
    fingerprints: fingerprints.size,
  },
  figures: [
    {
      metric: 'verdicts per second (JSON.parse + analyse)',
      value: Math.round(verdictsPerSecond),
      unit: '/s',
      baseline: 'JSON.parse only',
      baselineValue: Math.round(lines.length / (parse / 1000)),
    },
    {
      metric: 'time ratio (parse + analyse) / parse',
      value: Number(ratio.toFixed(3)),
      unit: '×',
      baseline: 'JSON.parse only, ms',
      baselineValue: Number(parse.toFixed(1)),
      ratio: Number(ratio.toFixed(3)),
      goal: '≤ 2',
      pass: ratio <= 2,
    },
    {
      metric: 'time ratio without fingerprints (parse + analyse) / parse',
      value: Number((bare / parse).toFixed(3)),
      unit: '×',
      baseline: 'JSON.parse only, ms',
      baselineValue: Number(parse.toFixed(1)),
      ratio: Number((bare / parse).toFixed(3)),
    },
    {
      metric: 'time ratio with every page distinct (no cache hits) (parse + analyse) / parse',
      value: Number(coldRatio.toFixed(3)),
      unit: '×',
      baseline: 'JSON.parse only, ms',
      baselineValue: Number(median(coldParseMs).toFixed(1)),
      ratio: Number(coldRatio.toFixed(3)),
      lines: COLD_LINES,
    },
    {
      metric: 'analysis alone per measurement',
      value: Number((((total - parse) / lines.length) * 1000).toFixed(1)),
      unit: 'µs',
    },
  ],
};
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(new URL('results/analyze.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.error(
  `analyze: ${Math.round(verdictsPerSecond)} verdicts/s; parse ${parse.toFixed(0)} ms, parse+analyse ${total.toFixed(0)} ms, ratio ${ratio.toFixed(2)} (goal ≤ 2)`,
);
