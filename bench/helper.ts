/**
 * Control-helper throughput: N control requests (one URL each, its address sent by the "probe") answered by
 * `createHelperServer`, against a loopback site that answers every GET after a fixed 50 ms, at concurrency 1, 8
 * and 25 (the helper's default limit). Each answer is checked (200, page fetched, endpoint connected).
 *
 * Baseline: the lower bound N × critical-path round trips × 50 ms / concurrency. The critical path of one control
 * measurement holds ONE delayed response: names are pinned (no DNS), the TCP check to loopback is ~free and
 * runs in parallel with the GET. Peak RSS is the helper's process (the site runs in a child: this file with
 * --serve; the client is undici in the same process, a few MB), against the idle process after warm-up.
 * Latency percentiles from the last repetition.
 *
 *   npm run bench -- helper            (N=128, 5 repetitions)
 *   node --import tsx bench/helper.ts --quick
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createHelperServer } from '../packages/blockwatch/src/helper/index.ts';
import { parseResolvePins } from '../packages/blockwatch/src/probe/resolve-pins.ts';
import { runPool } from '../packages/blockwatch/src/probe/run-pool.ts';

const DELAY_MS = 50;
const CRITICAL_PATH_ROUND_TRIPS = 1;
const quick = process.argv.includes('--quick');
const N = quick ? 32 : 128;
const REPETITIONS = quick ? 2 : 5;
const CONCURRENCY = [1, 8, 25];

// ---- the site (child process) --------------------------------------------------------------------------------
if (process.argv.includes('--serve')) {
  const page = `<html><head><title>Bench page</title></head><body>${'x'.repeat(4000)}</body></html>`;
  const site = createServer((_req, res) => {
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/html' }).end(page), DELAY_MS);
  });
  site.keepAliveTimeout = 5000;
  site.listen(0, '127.0.0.1', () => process.send?.({ site: (site.address() as AddressInfo).port }));
} else {
  await main();
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function main() {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { site } = await new Promise<{ site: number }>((resolve) => child.once('message', resolve as never));
  const hosts = Array.from({ length: N }, (_, i) => `site-${i}.bench.test`);
  const helper = createHelperServer({
    upstream: { kind: 'udp', address: '127.0.0.1:9' }, // never asked: every name is pinned
    pins: parseResolvePins(hosts.map((h) => `${h}:${site}:127.0.0.1`)),
    concurrency: Math.max(...CONCURRENCY),
  });
  const helperUrl = await helper.listen(0, '127.0.0.1');
  const agent = new Agent({ connections: Math.max(...CONCURRENCY) });
  const ask = async (host: string, latencies: number[]) => {
    const started = performance.now();
    const res = await request(helperUrl, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        http_request: `http://${host}:${site}/`,
        http_request_headers: { 'User-Agent': ['blockwatch-bench'] },
        tcp_connect: [`127.0.0.1:${site}`],
      }),
    });
    const json = (await res.body.json()) as {
      http_request?: { status_code: number };
      tcp_connect?: Record<string, { status: boolean }>;
    };
    latencies.push(performance.now() - started);
    if (
      res.statusCode !== 200 ||
      json.http_request?.status_code !== 200 ||
      !json.tcp_connect?.[`127.0.0.1:${site}`]?.status
    ) {
      throw new Error(`bad answer for ${host}: ${res.statusCode} ${JSON.stringify(json).slice(0, 200)}`);
    }
  };
  try {
    await runPool(
      hosts.slice(0, 8),
      8,
      (h) => ask(h, []),
      () => {},
    ); // warm-up (JIT, first sockets)
    // the idle process (Node, tsx, the modules) is the baseline: what load adds on top is the helper's doing
    const idleRssMb = process.memoryUsage().rss / 1024 / 1024;
    const figures: Record<string, unknown>[] = [];
    const table: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const seconds: number[] = [];
      let latencies: number[] = [];
      for (let rep = 0; rep < REPETITIONS; rep++) {
        latencies = [];
        const started = performance.now();
        await runPool(
          hosts,
          concurrency,
          (h) => ask(h, latencies),
          () => {},
        );
        seconds.push((performance.now() - started) / 1000);
      }
      const elapsed = median(seconds);
      const bound = (N * CRITICAL_PATH_ROUND_TRIPS * DELAY_MS) / concurrency / 1000;
      const ratio = elapsed / bound;
      const rssMb = process.resourceUsage().maxRSS / 1024;
      const perSecond = N / elapsed;
      const goal = concurrency === 25 ? '≤ 1.5× bound' : undefined;
      figures.push({
        metric: `control requests/s at concurrency ${concurrency}`,
        value: Number(perSecond.toFixed(2)),
        unit: 'requests/s',
        baseline: 'lower bound N × 1 round trip × 50 ms / concurrency (s)',
        baselineValue: Number(bound.toFixed(3)),
        ratio: Number(ratio.toFixed(3)),
        ...(goal ? { goal, pass: ratio <= 1.5 } : {}),
      });
      figures.push({
        metric: `p50 / p99 latency at concurrency ${concurrency}`,
        value: Number(percentile(latencies, 50).toFixed(1)),
        unit: 'ms (p50)',
        baseline: 'one delayed response',
        baselineValue: DELAY_MS,
        ratio: Number((percentile(latencies, 50) / DELAY_MS).toFixed(3)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
      });
      figures.push({
        metric: `peak RSS after concurrency ${concurrency}`,
        value: Number(rssMb.toFixed(1)),
        unit: 'MB',
        baseline: 'RSS of the idle helper after warm-up',
        baselineValue: Number(idleRssMb.toFixed(1)),
        ratio: Number((rssMb / idleRssMb).toFixed(3)),
        ...(concurrency === 25 ? { goal: '< idle + 64 MB', pass: rssMb - idleRssMb < 64 } : {}),
      });
      table.push(
        `${String(concurrency).padStart(11)}  ${elapsed.toFixed(3).padStart(9)} s  ${bound.toFixed(3).padStart(9)} s  ${ratio.toFixed(2).padStart(6)}×  ${perSecond.toFixed(1).padStart(10)}  ${percentile(latencies, 50).toFixed(0).padStart(5)} / ${percentile(latencies, 99).toFixed(0).padStart(4)} ms  ${rssMb.toFixed(1).padStart(7)} MB`,
      );
    }
    const resultsDir = join(new URL('.', import.meta.url).pathname, 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(
      join(resultsDir, 'helper.json'),
      `${JSON.stringify(
        {
          name: 'helper',
          date: new Date().toISOString(),
          setup: {
            requests: N,
            repetitions: REPETITIONS,
            delayMs: DELAY_MS,
            criticalPathRoundTrips: CRITICAL_PATH_ROUND_TRIPS,
          },
          // the machine is shared: a loaded host inflates every ratio, so the load is part of the result
          host: { cpus: cpus().length, loadAverage1m: Number(loadavg()[0].toFixed(2)) },
          figures,
        },
        null,
        2,
      )}\n`,
    );
    console.log(
      `helper: ${N} control requests, site answers after ${DELAY_MS} ms, median of ${REPETITIONS}; host load ${loadavg()[0].toFixed(1)} on ${cpus().length} CPUs`,
    );
    console.log(`idle RSS after warm-up ${idleRssMb.toFixed(1)} MB`);
    console.log('concurrency     elapsed      bound   ratio  requests/s   p50 / p99        peak RSS');
    for (const line of table) console.log(line);
  } finally {
    await agent.close();
    await helper.close();
    child.kill();
  }
}
