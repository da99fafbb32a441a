/**
 * Throttling: a measurement that completed, but whose TLS handshake took far longer (or whose download ran far
 * slower) than the same network's baseline for other targets in the same time window. The comparison is in log
 * space with robust statistics (median and MAD), so a few slow or throttled targets do not move the baseline,
 * and congestion that slows every target on the network moves the baseline with it (it is not censorship).
 *
 * The baseline of a network is cached and recomputed every `RECOMPUTE_EVERY` samples: a rebuild over millions of
 * measurements must not sort the window for each of them.
 */
import type { DetectorParams, Observation } from './types.ts';

const MAX_SAMPLES = 400;
const RECOMPUTE_EVERY = 16;
/** MAD of a normal distribution → its standard deviation. */
const MAD_TO_SIGMA = 1.4826;
/** Floor on the spread (log units, ≈ ±10 %) so a very regular network does not flag tiny slowdowns. */
const MIN_SIGMA = 0.1;

interface Sample {
  input: string;
  timeMs: number;
  logHandshake: number | null;
  logThroughput: number | null;
}

interface Stats {
  median: number;
  sigma: number;
  count: number;
}

export interface NetworkBaseline {
  /** "CC|ASN" */
  key: string;
  samples: Sample[];
}

export interface ThrottleAssessment {
  throttled: boolean;
  /** Robust z-score of the slower of the two metrics (positive = slower than the baseline). */
  z: number | null;
  /** Measured / baseline median (handshake) or baseline / measured (throughput): how many times slower. */
  slowdown: number | null;
}

function median(sorted: number[]): number {
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function robustStats(values: number[]): Stats | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const m = median(sorted);
  const deviations = sorted.map((v) => Math.abs(v - m)).sort((a, b) => a - b);
  return { median: m, sigma: Math.max(median(deviations) * MAD_TO_SIGMA, MIN_SIGMA), count: values.length };
}

/** Per-network baselines of handshake time and throughput. Pure: no clock, no I/O. */
export class ThrottleBaselines {
  readonly #params: DetectorParams;
  readonly #networks = new Map<string, { samples: Sample[]; sinceRecompute: number; stats: CachedStats | null }>();

  constructor(params: DetectorParams, saved: NetworkBaseline[] = []) {
    this.#params = params;
    for (const b of saved)
      this.#networks.set(b.key, { samples: b.samples.slice(-MAX_SAMPLES), sinceRecompute: 0, stats: null });
  }

  /** Judges one observation against its network's baseline, then adds it to the baseline. */
  assess(o: Observation): ThrottleAssessment {
    const logHandshake = o.tlsHandshakeMs !== undefined && o.tlsHandshakeMs > 0 ? Math.log(o.tlsHandshakeMs) : null;
    const logThroughput = o.throughputKbps !== undefined && o.throughputKbps > 0 ? Math.log(o.throughputKbps) : null;
    if (o.outcome !== 'accessible' || (logHandshake === null && logThroughput === null)) {
      return { throttled: false, z: null, slowdown: null };
    }
    const key = `${o.cc}|${o.asn}`;
    let net = this.#networks.get(key);
    if (!net) {
      net = { samples: [], sinceRecompute: 0, stats: null };
      this.#networks.set(key, net);
    }
    // Drop samples that left the window (they are in time order, up to small reorderings).
    const horizon = o.timeMs - this.#params.throttleWindowMs;
    let drop = 0;
    while (drop < net.samples.length && net.samples[drop].timeMs < horizon) drop++;
    if (drop) {
      net.samples.splice(0, drop);
      net.stats = null;
    }
    if (!net.stats || net.sinceRecompute >= RECOMPUTE_EVERY) {
      net.stats = computeStats(net.samples);
      net.sinceRecompute = 0;
    }
    const result = judge(o.input, logHandshake, logThroughput, net.stats, this.#params);
    net.samples.push({ input: o.input, timeMs: o.timeMs, logHandshake, logThroughput });
    if (net.samples.length > MAX_SAMPLES) net.samples.splice(0, net.samples.length - MAX_SAMPLES);
    net.sinceRecompute++;
    return result;
  }

  snapshot(keys?: Iterable<string>): NetworkBaseline[] {
    const wanted = keys ? new Set(keys) : null;
    const out: NetworkBaseline[] = [];
    for (const [key, net] of this.#networks) if (!wanted || wanted.has(key)) out.push({ key, samples: net.samples });
    return out;
  }
}

interface CachedStats {
  handshake: Stats | null;
  throughput: Stats | null;
  targets: number;
  /** Share of samples per target: a target that dominates the window is judged against itself. */
  perTarget: Map<string, number>;
}

function computeStats(samples: Sample[]): CachedStats {
  const hs: number[] = [];
  const tp: number[] = [];
  const perTarget = new Map<string, number>();
  for (const s of samples) {
    if (s.logHandshake !== null) hs.push(s.logHandshake);
    if (s.logThroughput !== null) tp.push(s.logThroughput);
    perTarget.set(s.input, (perTarget.get(s.input) ?? 0) + 1);
  }
  return { handshake: robustStats(hs), throughput: robustStats(tp), targets: perTarget.size, perTarget };
}

function judge(
  input: string,
  logHandshake: number | null,
  logThroughput: number | null,
  stats: CachedStats,
  params: DetectorParams,
): ThrottleAssessment {
  const own = stats.perTarget.get(input) ?? 0;
  const others = [...stats.perTarget.values()].reduce((a, b) => a + b, 0) - own;
  // Comparable targets: enough samples from at least three other targets, and the target itself a minority.
  if (stats.targets - (own ? 1 : 0) < 3 || others < params.throttleMinSamples || own > others / 2) {
    return { throttled: false, z: null, slowdown: null };
  }
  let z: number | null = null;
  let slowdown: number | null = null;
  if (logHandshake !== null && stats.handshake) {
    z = (logHandshake - stats.handshake.median) / stats.handshake.sigma;
    slowdown = Math.exp(logHandshake - stats.handshake.median);
  }
  if (logThroughput !== null && stats.throughput) {
    const zt = (stats.throughput.median - logThroughput) / stats.throughput.sigma;
    if (z === null || zt > z) {
      z = zt;
      slowdown = Math.exp(stats.throughput.median - logThroughput);
    }
  }
  const throttled = z !== null && slowdown !== null && z >= params.throttleZ && slowdown >= params.throttleRatio;
  return { throttled, z, slowdown };
}
