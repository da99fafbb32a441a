/**
 * Verdicts per second on a large JSONL of real-shaped measurements, against the cost of JSON.parse alone on the
 * same lines in the same run. The file cycles the reference data's real web_connectivity measurements (OONI's
 * fixtures: plain and base64 bodies up to 800 KB, v0.4 and v0.5 shapes) with the OONI fingerprints loaded.
 *
 *   npm run bench -- analyze [--lines N] [--repeat R]
 *
 * Goal: analysing costs at most as much again as parsing (ratio (parse+analyse)/parse ≤ 2). Process CPU time
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
