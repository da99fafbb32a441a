/**
 * Probe throughput: N URLs measured against loopback servers that answer every request after a fixed 50 ms
 * (the site and the control helper), at concurrency 1, 8 and 32, as `blockwatch probe` runs them (geo lookups,
 * control request, verdict, scrubbing, schema validation included).
 *
 * Baseline: the lower bound N × critical-path round trips × 50 ms / concurrency. The critical path of one
 * measurement holds ONE delayed response: names are pinned (no DNS), TCP to loopback is ~free, and the HTTP
 * GET runs in parallel with the control request. Throughput is measured in this process (the same code as the
 * command, run from the sources). Peak RSS is measured on the command a volunteer runs: `blockwatch probe --list`
 * of the N URLs, built JavaScript on plain node (no TypeScript loader), its kernel high-water mark (VmHWM) read
 * from /proc while it runs, with a warm ASN cache (a second run); baseline: the runtime
 * and modules before any URL: `blockwatch probe --help`. The servers run in a child process (this file with --serve). Medians over
 * repetitions.
 *
 *   npm run bench -- probe            (N=128, 5 repetitions)
 *   node --import tsx bench/probe.ts --quick
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROL_USER_AGENT, measureUrl } from '../packages/blockwatch/src/experiments/web_connectivity/measure.ts';
import { createAsnLookup } from '../packages/blockwatch/src/geo/index.ts';
import { validateMeasurement } from '../packages/blockwatch/src/model/index.ts';
import { createAnalyzer } from '../packages/blockwatch/src/probe/analyzer.ts';
import { createControlClient } from '../packages/blockwatch/src/probe/control.ts';
import { createReportId } from '../packages/blockwatch/src/probe/envelope.ts';
import { parseResolvePins } from '../packages/blockwatch/src/probe/resolve-pins.ts';
import { runPool } from '../packages/blockwatch/src/probe/run-pool.ts';
import { type Figure, median } from './_figures.ts';

const DELAY_MS = 50;
const CRITICAL_PATH_ROUND_TRIPS = 1;
const quick = process.argv.includes('--quick');
const N = quick ? 32 : 128;
const REPETITIONS = quick ? 2 : 5;
const CONCURRENCY = [1, 8, 32];
const CLI_REPETITIONS = quick ? 1 : 3;
const BIN = new URL('../packages/blockwatch/bin/blockwatch.js', import.meta.url).pathname;
const CLI_CONFIG_DIR = join(tmpdir(), 'blockwatch-bench-probe-cli');

// ---- server side (child process) --------------------------------------------------------------------------
if (process.argv.includes('--serve')) {
  const page = `<html><head><title>Bench page</title></head><body>${'x'.repeat(4000)}</body></html>`;
  const site = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(page), DELAY_MS);
  });
  const helper = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const request = JSON.parse(body) as { tcp_connect: string[] };
      const answer = {
        tcp_connect: Object.fromEntries(request.tcp_connect.map((e) => [e, { status: true, failure: null }])),
        http_request: {
          body_length: page.length,
          failure: null,
          title: 'Bench page',
          headers: { 'Content-Type': 'text/html' },
          status_code: 200,
        },
        dns: { failure: null, addrs: ['127.0.0.1'] },
      };
      setTimeout(
        () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)),
        DELAY_MS,
      );
    });
  });
  for (const s of [site, helper]) {
    s.keepAliveTimeout = 5000;
    s.listen(0, '127.0.0.1');
  }
  await Promise.all([site, helper].map((s) => new Promise((r) => s.once('listening', r))));
  process.send?.({ site: (site.address() as AddressInfo).port, helper: (helper.address() as AddressInfo).port });
} else {
  await main();
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/**
 * Where the CPU of one more run at `concurrency` goes, by where the code lives (blockwatch file, dependency, node
 * internals, GC), in ms per URL: the measured ceiling of the throughput ratio is the CPU per URL, and this says
 * what it is made of. V8's sampling profiler through node:inspector, in this process.
 */
async function cpuProfile(run: () => Promise<unknown>, urls: number): Promise<{ where: string; msPerUrl: number }[]> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  await run();
  const { profile } = (await session.post('Profiler.stop')) as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  session.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const { functionName, url } = byId.get(id)?.callFrame ?? { functionName: '', url: '' };
    const where =
      url === ''
        ? functionName // (garbage collector), (program), (idle), native functions
        : url.startsWith('node:')
          ? 'node internals'
          : url.includes('/node_modules/')
            ? url.replace(/^.*\/node_modules\/((?:@[^/]+\/)?[^/]+).*$/, '$1')
            : url.replace(/^.*\/packages\//, '');
    totals.set(where, (totals.get(where) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return (
    [...totals]
      // idle time, and the inspector's own `dispatch` (it serialises this profile on stop) are not the probe's
      .filter(([where]) => where !== '(idle)' && where !== 'dispatch')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([where, us]) => ({ where, msPerUrl: Number((us / 1000 / urls).toFixed(3)) }))
  );
}

/** Runs the built command with plain node and returns its peak RSS in MB (VmHWM, polled until it exits). */
function cliPeakRssMb(args: string[]): Promise<number> {
  const { NODE_OPTIONS: _loader, ...env } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...env, BLOCKWATCH_CONFIG_DIR: CLI_CONFIG_DIR },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    } catch {
      // exited between two polls
    }
  }, 5);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      clearInterval(poll);
      if (code !== 0) reject(new Error(`blockwatch ${args[0]} exited with ${code}: ${stderr}`));
      else resolve(peakKb / 1024);
    });
  });
}

async function main() {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<{ site: number; helper: number }>((resolve) =>
    child.once('message', resolve as never),
  );
  try {
    const urls = Array.from({ length: N }, (_, i) => `http://site-${i}.bench.test:${ports.site}/page/${i}`);
    const pins = parseResolvePins(urls.map((_, i) => `site-${i}.bench.test:${ports.site}:127.0.0.1`));
    // the config dir's cache, as `blockwatch probe` uses it (building from the CSVs is a first-run cost)
    const asnOf = createAsnLookup({ cacheDir: join(tmpdir(), 'blockwatch-bench-geo') });
    asnOf('1.1.1.1'); // load the table outside the timed runs, as a long-running probe would have
    const analyze = createAnalyzer({ asnOf });
    const testStartMs = Date.now();
    const helperUrl = `http://127.0.0.1:${ports.helper}/`;
    const controlClient = createControlClient({ helperUrl, userAgent: CONTROL_USER_AGENT });
    const options = {
      pins,
      helperUrl,
      controlClient,
      timeoutMs: 30_000,
      probe: { probe_cc: 'ZZ', probe_asn: 'AS0', probe_network_name: '' },
      resolverIdentity: { ip: '127.0.0.53', asn: 'AS0', networkName: '' },
      reportId: createReportId({ nowMs: testStartMs, cc: 'ZZ', asn: 'AS0' }),
      testStartMs,
      asnOf,
      analyze,
    };
    // The command as a volunteer runs it: the same URLs and servers, as a test list and --resolve pins.
    const listPath = join(tmpdir(), `blockwatch-bench-probe-${process.pid}.csv`);
    writeFileSync(listPath, `url,category_code\n${urls.map((u) => `${u},NEWS`).join('\n')}\n`);
    const pinArgs = urls.flatMap((_, i) => ['--resolve', `site-${i}.bench.test:${ports.site}:127.0.0.1`]);
    const cliArgs = (concurrency: number, list = listPath) => [
      'probe',
      '--list',
      list,
      ...pinArgs,
      '--helper',
      helperUrl,
      '--accept-risks',
      '--concurrency',
      String(concurrency),
      '--out',
      join(tmpdir(), `blockwatch-bench-probe-${process.pid}.jsonl`),
    ];
    const runtimeMb = await cliPeakRssMb(['probe', '--help']);
    // A first run builds the ASN cache from the package's CSVs; the figures below are of the runs after it.
    rmSync(CLI_CONFIG_DIR, { recursive: true, force: true });
    const firstRunMb = await cliPeakRssMb(cliArgs(8));
    // warm-up (JIT, first sockets)
    await runPool(
      urls.slice(0, 8),
      8,
      (u) => measureUrl(u, options),
      () => {},
    );

    const figures: Figure[] = [];
    const table: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const seconds: number[] = [];
      const cpuMsPerUrl: number[] = [];
      for (let rep = 0; rep < REPETITIONS; rep++) {
        let invalid = 0;
        const started = performance.now();
        const cpuBefore = process.cpuUsage();
        await runPool(
          urls,
          concurrency,
          (u) => measureUrl(u, options),
          (m) => {
            const v = validateMeasurement(m);
            if (!v.ok || m.test_keys.requests?.[0]?.response?.code !== 200 || m.test_keys.control_failure) invalid++;
          },
        );
        seconds.push((performance.now() - started) / 1000);
        const cpu = process.cpuUsage(cpuBefore);
        cpuMsPerUrl.push((cpu.user + cpu.system) / 1000 / N);
        if (invalid)
          throw new Error(`${invalid} measurements failed or did not validate at concurrency ${concurrency}`);
      }
      const elapsed = median(seconds);
      const bound = (N * CRITICAL_PATH_ROUND_TRIPS * DELAY_MS) / concurrency / 1000;
      const ratio = elapsed / bound;
      const urlsPerSecond = N / elapsed;
      const goal = concurrency === 32 ? '≤ 1.5× bound' : undefined;
      figures.push({
        metric: `URLs/s at concurrency ${concurrency}`,
        value: Number(urlsPerSecond.toFixed(2)),
        unit: 'URLs/s',
        // the bound as a rate (concurrency / 50 ms); ratio = bound rate / measured rate = elapsed / bound time
        baseline: 'lower bound: N × 1 round trip × 50 ms / concurrency, as URLs/s',
        baselineValue: Number((N / bound).toFixed(1)),
        ratio: Number(ratio.toFixed(3)),
        ...(goal ? { goal, pass: ratio <= 1.5 } : {}),
      });
      // CPU per URL hardly depends on the host's load, unlike the ratios: it says what one core can sustain.
      figures.push({
        metric: `probe CPU per URL at concurrency ${concurrency}`,
        value: Number(median(cpuMsPerUrl).toFixed(3)),
        unit: 'ms',
        // On one free core the run cannot be faster than its CPU time: the floor the ratio can reach here.
        baseline: 'CPU-bound floor N × CPU per URL, as a ratio to the lower bound',
        baselineValue: Number(((N * median(cpuMsPerUrl)) / 1000 / bound).toFixed(3)),
      });
      const rssRuns: number[] = [];
      for (let rep = 0; rep < CLI_REPETITIONS; rep++) rssRuns.push(await cliPeakRssMb(cliArgs(concurrency)));
      const rssMb = median(rssRuns);
      figures.push({
        metric: `blockwatch probe peak RSS at concurrency ${concurrency}`,
        value: Number(rssMb.toFixed(1)),
        unit: 'MB',
        baseline: 'peak RSS of blockwatch probe --help (runtime and modules, no URL)',
        baselineValue: Number(runtimeMb.toFixed(1)),
        ratio: Number((rssMb / runtimeMb).toFixed(3)),
        ...(concurrency === 32 ? { goal: '< 150 MB', pass: rssMb < 150 } : {}),
      });
      table.push(
        `${String(concurrency).padStart(11)}  ${elapsed.toFixed(3).padStart(9)} s  ${bound.toFixed(3).padStart(9)} s  ${ratio.toFixed(2).padStart(6)}×  ${urlsPerSecond.toFixed(1).padStart(8)}  ${median(cpuMsPerUrl).toFixed(2).padStart(7)} ms  ${rssMb.toFixed(1).padStart(8)} MB`,
      );
    }
    figures.push({
      metric: 'blockwatch probe peak RSS on a first run (builds the ASN cache) at concurrency 8',
      value: Number(firstRunMb.toFixed(1)),
      unit: 'MB',
      baseline: 'peak RSS of blockwatch probe --help (runtime and modules, no URL)',
      baselineValue: Number(runtimeMb.toFixed(1)),
      ratio: Number((firstRunMb / runtimeMb).toFixed(3)),
    });
    const profile = await cpuProfile(
      () =>
        runPool(
          urls,
          32,
          (u) => measureUrl(u, options),
          () => {},
        ),
      N,
    );
    const resultsDir = join(new URL('.', import.meta.url).pathname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, 'probe.json'),
      `${JSON.stringify(
        {
          name: 'probe',
          date: new Date().toISOString(),
          setup: {
            urls: N,
            repetitions: REPETITIONS,
            delayMs: DELAY_MS,
            criticalPathRoundTrips: CRITICAL_PATH_ROUND_TRIPS,
          },
          // the machine is shared: a loaded host inflates every ratio, so the load is part of the result
          host: { cpus: cpus().length, loadAverage1m: Number(loadavg()[0].toFixed(2)), memory: process.memoryUsage() },
          figures,
          // one more run at concurrency 32 under the sampling profiler: CPU per URL by where the code lives
          profileAtConcurrency32: profile,
        },
        null,
        2,
      )}\n`,
    );
    console.log(
      `probe: ${N} URLs, ${DELAY_MS} ms per response (site and helper), median of ${REPETITIONS}; host load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
    );
    console.log('concurrency     elapsed      bound   ratio    URLs/s  CPU/URL  peak RSS');
    for (const line of table) console.log(line);
    console.log(`blockwatch probe --help peak RSS (runtime and modules): ${runtimeMb.toFixed(1)} MB`);
    console.log(`first run (builds the ASN cache), concurrency 8: ${firstRunMb.toFixed(1)} MB`);
    console.log('CPU per URL at concurrency 32, by where the code lives:');
    for (const p of profile) console.log(`  ${p.msPerUrl.toFixed(3).padStart(7)} ms  ${p.where}`);
    await controlClient.close();
  } finally {
    child.kill();
  }
}
