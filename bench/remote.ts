/**
 * Remote runs keep to their rate limits and run as fast as those limits allow. A run of R loopback resolvers (one
 * network) × D domains, every resolver honest (no verification fetches), with limits chosen so the network limit
 * binds; each resolver records when it was asked. Wall time is the figure here on purpose: rate limits are about
 * time on the wire, and the work between packets is tiny next to the intervals.
 *
 *   npm run bench -- remote [--resolvers R] [--domains D] [--repeat N]
 *
 * Figures: the run's wall time against the least time the network limit allows for the queries actually sent
 * (goal ≤ 1.5: the scheduler keeps up), and the busiest one-second window per resolver and for the network against
 * their limits (goal ≤ 1: never faster than allowed). Medians over N repetitions. Writes bench/results/remote.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { runRemote } from '../packages/blockwatch/src/remote/run.ts';
import { dnsReplies, startUdpDnsServer } from '../packages/blockwatch/test/helpers/servers.ts';
import { type Figure, median } from './_figures.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RESOLVERS = arg('resolvers', 8);
const DOMAINS = arg('domains', 10);
const REPEAT = arg('repeat', 3);
const PER_RESOLVER = 20;
const PER_NETWORK = 80;

const domains = Array.from({ length: DOMAINS }, (_, i) => `d${i}.example.test`);

/** The most queries any one-second window holds. */
function busiestSecond(timesMs: number[]): number {
  const t = [...timesMs].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while ((t[i] as number) - (t[j] as number) >= 1000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const wallRatios: number[] = [];
const resolverPeaks: number[] = [];
const networkPeaks: number[] = [];
const wallMs: number[] = [];
for (let r = 0; r < REPEAT; r++) {
  const control = await startUdpDnsServer(() => dnsReplies.address('127.0.0.1'));
  // every resolver answers the truth and notes when it was asked
  const times = Array.from({ length: RESOLVERS }, () => [] as number[]);
  const servers = await Promise.all(
    // one address each: the per-resolver limit is per host (several ports on one address are one machine)
    times.map((seen, i) =>
      startUdpDnsServer(
        () => {
          seen.push(performance.now());
          return dnsReplies.address('127.0.0.1');
        },
        `127.0.1.${i + 1}`,
      ),
    ),
  );
  const t0 = performance.now();
  await runRemote(
    {
      domains,
      resolvers: servers.map((s, i) => ({
        address: s.host,
        port: s.port,
        asn: 64500,
        cc: 'KZ',
        where: `bench:${i}`,
      })),
      servers: [],
      protocols: [],
      controlResolvers: [control.address],
      dnsControlDomain: 'example.test',
      httpControlDomains: [],
      statefulWaitMs: 0,
      timeoutMs: 2000,
      concurrency: 32,
      rates: { perResolver: PER_RESOLVER, perServer: 1, perNetwork: PER_NETWORK },
      isPublicOverride: () => true,
    },
    () => {},
  );
  const elapsed = performance.now() - t0;
  const sent = times.reduce((n, seen) => n + seen.length, 0);
  // the first packet goes at once: N packets need (N - 1) intervals
  const boundMs = ((sent - 1) / PER_NETWORK) * 1000;
  wallMs.push(elapsed);
  wallRatios.push(elapsed / boundMs);
  resolverPeaks.push(Math.max(...times.map(busiestSecond)) / PER_RESOLVER);
  networkPeaks.push(busiestSecond(times.flat()) / PER_NETWORK);
  console.error(
    `  run ${r + 1}: ${sent} queries in ${elapsed.toFixed(0)} ms (bound ${boundMs.toFixed(0)} ms), busiest second: resolver ${Math.max(...times.map(busiestSecond))}/${PER_RESOLVER}, network ${busiestSecond(times.flat())}/${PER_NETWORK}`,
  );
  await Promise.all([control, ...servers].map((s) => s.close()));
}

const wallRatio = median(wallRatios);
const resolverPeak = median(resolverPeaks);
const networkPeak = median(networkPeaks);
function peakFigure(metric: string, ratio: number, baseline: string, baselineValue: number): Figure {
  const value = Number(ratio.toFixed(3));
  return { metric, value, unit: '×', baseline, baselineValue, ratio: value, goal: '≤ 1', pass: ratio <= 1 };
}

const figures: Figure[] = [
  {
    metric: `run wall time for ${RESOLVERS} resolvers × ${DOMAINS} domains / least time the network limit allows`,
    value: Number(wallRatio.toFixed(3)),
    unit: '×',
    baseline: `(queries − 1) / ${PER_NETWORK} per s, ms`,
    baselineValue: Number((median(wallMs) / wallRatio).toFixed(0)),
    ratio: Number(wallRatio.toFixed(3)),
    goal: '≤ 1.5',
    pass: wallRatio <= 1.5,
  },
  peakFigure(
    'busiest one-second window of one resolver / its limit',
    resolverPeak,
    `${PER_RESOLVER} queries per s`,
    PER_RESOLVER,
  ),
  peakFigure(
    'busiest one-second window of the network / its limit',
    networkPeak,
    `${PER_NETWORK} packets per s`,
    PER_NETWORK,
  ),
];
mkdirSync(new URL('results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('results/remote.json', import.meta.url),
  `${JSON.stringify({ name: 'remote', date: new Date().toISOString(), figures }, null, 2)}\n`,
);
console.error(
  `remote: wall ${wallRatio.toFixed(2)}× the rate-limit bound (goal ≤ 1.5); peaks ${resolverPeak.toFixed(2)}× per resolver, ${networkPeak.toFixed(2)}× per network (goal ≤ 1)`,
);
