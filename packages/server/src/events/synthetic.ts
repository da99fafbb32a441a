/**
 * Synthetic verdict streams with known change points, for measuring the detector (`npm run accuracy -- events`),
 * its tests and its benchmark. Deterministic for a seed.
 *
 * What it simulates, per country: several networks measuring the same URL list at their own cadence (1 h to 1 day,
 * with jitter and incomplete rounds); blocking that starts on all networks at once (central) or on some of them
 * (partial), at its own method per network, sometimes leaky or intermittent, sometimes already in place when
 * measurement starts, sometimes lifted; throttling of a URL on one network; and noise: one-off false "blocked"
 * verdicts, failed measurements, sites down for everyone for hours (mostly "down" verdicts, a few false
 * "blocked"), and network outages.
 */
import type { BlockingMethod, EvidenceStrength } from 'blockwatch/model';
import type { Observation } from './types.ts';

export interface NoiseLevels {
  /** One-off false "blocked" verdicts on a reachable URL. */
  falseBlocked: number;
  /** Failed measurements ("unknown"). */
  unknown: number;
  /** One-off "down" verdicts (the site failed for the control too). */
  down: number;
  /** Accessible verdicts while blocked (leaky filtering). */
  leak: number;
}

export interface SyntheticOptions {
  seed: number;
  countries: number;
  /** Inclusive range of networks per country. */
  networks: [number, number];
  urlsPerCountry: number;
  days: number;
  /** Epoch ms of the first round. */
  startMs: number;
  noise: NoiseLevels;
  /** Share of (country, URL) pairs that get blocked during the period. */
  blockedShare: number;
  /** Share of (country, URL) pairs throttled on one network. */
  throttledShare: number;
  /** Share of (country, URL) pairs down for everyone for a few hours. */
  downForEveryoneShare: number;
  /** Measurement cadences to pick from, hours. */
  cadencesHours: number[];
  /** Overrides of `STRONG_SHARE` per method, for what-if runs (e.g. every SNI-filtering episode proven strong). */
  strongShare?: Partial<Record<BlockingMethod, number>>;
}

export const REALISTIC_NOISE: NoiseLevels = { falseBlocked: 0.02, unknown: 0.03, down: 0.01, leak: 0.03 };

export const DEFAULT_SYNTHETIC: SyntheticOptions = {
  seed: 1,
  countries: 3,
  networks: [3, 6],
  urlsPerCountry: 40,
  days: 30,
  startMs: Date.UTC(2024, 0, 1),
  noise: REALISTIC_NOISE,
  blockedShare: 0.3,
  throttledShare: 0.04,
  downForEveryoneShare: 0.1,
  cadencesHours: [2, 4, 6, 12, 24],
};

export interface TruthEpisode {
  cc: string;
  asn: number;
  input: string;
  kind: 'block' | 'throttle';
  /** null: already blocked when measurement started. */
  onsetMs: number | null;
  /** null: still blocked at the end. */
  endMs: number | null;
  method: BlockingMethod;
}

export interface SyntheticData {
  observations: Observation[];
  truth: TruthEpisode[];
  networks: { cc: string; asn: number; cadenceHours: number }[];
  endMs: number;
}

/** mulberry32: small, fast, good enough for simulation. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3600_000;
const COUNTRY_CODES = ['KZ', 'RU', 'IR', 'TR', 'PK', 'MM', 'BY', 'CN', 'EG', 'VE'];
const BLOCK_METHODS: BlockingMethod[] = ['dns', 'tcp_ip', 'tls', 'http_blockpage', 'http_failure'];
const NOISE_METHODS: BlockingMethod[] = ['tcp_ip', 'tls', 'http_failure', 'dns'];
/**
 * Share of blocking episodes, per method, whose verdicts carry strong evidence (see EVIDENCE_STRENGTHS): DNS
 * blocking mostly forges answers (block-page addresses, bogons) rather than failing lookups; a block page always
 * is one; SNI filtering injects a reset about half the time, and when it drops instead the probe's decoy follow-up
 * (the same address answers a handshake for example.com, the real name fails twice: `x_sni_followups`) proves it,
 * except where the censor blocks the whole client–server pair after the name or the server refuses the decoy
 * name (taken as one drop in five); HTTP filtering injects a reset about half the time, and its drops usually use
 * up the budget before a follow-up; IP blocking only ever times out or refuses. A censor does it the same way
 * every time, so the strength is drawn per episode. These are our probe's measurements: imported OONI ones carry
 * no follow-ups.
 */
export const STRONG_SHARE: Readonly<Partial<Record<BlockingMethod, number>>> = {
  dns: 0.8,
  http_blockpage: 1,
  tls: 0.9,
  http_failure: 0.5,
};
/** Of DNS blocking with strong evidence, the share whose answer proves itself (a known block-page address, a bogon). */
const DNS_CERTAIN_SHARE = 0.5;
/** One-off false blocked verdicts that nevertheless carry strong evidence (a reset, a CDN's odd answer). */
const NOISE_STRONG_SHARE = 0.1;

interface NetworkTruth {
  onsetMs: number | null;
  endMs: number | null;
  method: BlockingMethod;
  confirmed: boolean;
  strength: EvidenceStrength;
  blockedRate: number;
}

function strengthFor(
  method: BlockingMethod,
  rng: () => number,
  shares: Partial<Record<BlockingMethod, number>>,
): EvidenceStrength {
  if (rng() >= (shares[method] ?? 0)) return 'weak';
  return method === 'dns' && rng() < DNS_CERTAIN_SHARE ? 'certain' : 'strong';
}

export function generateSynthetic(overrides: Partial<SyntheticOptions> = {}): SyntheticData {
  const o = { ...DEFAULT_SYNTHETIC, ...overrides, noise: { ...DEFAULT_SYNTHETIC.noise, ...overrides.noise } };
  const rng = createRng(o.seed);
  const strongShare = { ...STRONG_SHARE, ...o.strongShare };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const between = (a: number, b: number) => a + (b - a) * rng();
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const endMs = o.startMs + o.days * 24 * HOUR;
  const span = endMs - o.startMs;
  const observations: Observation[] = [];
  const truth: TruthEpisode[] = [];
  const networks: SyntheticData['networks'] = [];

  for (let c = 0; c < o.countries; c++) {
    const cc = COUNTRY_CODES[c % COUNTRY_CODES.length];
    const nNetworks = o.networks[0] + Math.floor(rng() * (o.networks[1] - o.networks[0] + 1));
    const asns = Array.from({ length: nNetworks }, (_, i) => 10000 + c * 100 + i * 7 + 1);
    const urls = Array.from({ length: o.urlsPerCountry }, (_, i) => `https://site-${c}-${i}.example.net/page/${i}`);
    const baseHandshake = new Map(asns.map((a) => [a, between(60, 250)]));
    const targetFactor = new Map(urls.map((u) => [u, Math.exp(0.3 * gaussian())]));

    // Truth per (URL, network).
    const blocks = new Map<string, NetworkTruth[]>(); // `${url}|${asn}` → episodes
    const throttles = new Map<string, { onsetMs: number; endMs: number | null; factor: number }>();
    const downForEveryone = new Map<string, [number, number]>();
    for (const url of urls) {
      if (rng() < o.blockedShare) {
        const central = rng() < 0.5;
        const scope = central ? asns : asns.filter(() => rng() < 0.5);
        if (scope.length === 0) scope.push(pick(asns));
        const fromStart = rng() < 0.08;
        const onset = fromStart ? null : o.startMs + span * between(0.15, 0.75);
        const ends = rng() < 0.4;
        const relisted = ends && rng() < 0.3;
        for (const asn of scope) {
          const method = pick(BLOCK_METHODS);
          const myOnset =
            onset === null ? null : central ? onset + between(0, 1) * HOUR : onset + between(0, 4 * 24) * HOUR;
          const start = myOnset ?? o.startMs;
          const end = ends ? start + between(2, 8) * 24 * HOUR : null;
          const episode: NetworkTruth = {
            onsetMs: myOnset,
            endMs: end !== null && end < endMs ? end : null,
            method,
            confirmed: method === 'http_blockpage' && rng() < 0.5,
            strength: strengthFor(method, rng, strongShare),
            blockedRate: rng() < 0.1 ? 0.75 : 1,
          };
          const list = [episode];
          if (relisted && episode.endMs !== null) {
            const again = episode.endMs + between(3, 6) * 24 * HOUR;
            if (again < endMs - 2 * 24 * HOUR) list.push({ ...episode, onsetMs: again, endMs: null });
          }
          blocks.set(`${url}|${asn}`, list);
          for (const e of list)
            truth.push({ cc, asn, input: url, kind: 'block', onsetMs: e.onsetMs, endMs: e.endMs, method });
        }
      } else if (rng() < o.throttledShare / (1 - o.blockedShare)) {
        const asn = pick(asns);
        const onsetMs = o.startMs + span * between(0.2, 0.7);
        const end = onsetMs + between(3, 10) * 24 * HOUR;
        const episode = { onsetMs, endMs: end < endMs ? end : null, factor: between(6, 12) };
        throttles.set(`${url}|${asn}`, episode);
        truth.push({ cc, asn, input: url, kind: 'throttle', onsetMs, endMs: episode.endMs, method: 'throttling' });
      }
      if (rng() < o.downForEveryoneShare) {
        const from = o.startMs + span * rng();
        downForEveryone.set(url, [from, from + between(6, 48) * HOUR]);
      }
    }

    for (const asn of asns) {
      const cadenceHours = pick(o.cadencesHours);
      networks.push({ cc, asn, cadenceHours });
      const coverage = between(0.7, 1);
      const outage = rng() < 0.5 ? ((from) => [from, from + between(3, 24) * HOUR])(o.startMs + span * rng()) : null;
      for (let t = o.startMs + rng() * cadenceHours * HOUR; t < endMs; t += cadenceHours * HOUR * between(0.9, 1.1)) {
        urls.forEach((url, i) => {
          if (rng() > coverage) return;
          const timeMs = Math.round(t + i * 5000);
          const id = `syn-${o.seed}-${cc}-${asn}-${i}-${timeMs}`;
          const domain = new URL(url).hostname;
          const base = { id, timeMs, cc, asn, input: url, domain, confirmed: false };
          const episodes = blocks.get(`${url}|${asn}`) ?? [];
          const blocked = episodes.find(
            (e) => (e.onsetMs ?? -Infinity) <= timeMs && (e.endMs === null || timeMs < e.endMs),
          );
          const dfe = downForEveryone.get(url);
          let obs: Observation;
          const r = rng();
          if (outage && timeMs >= outage[0] && timeMs < outage[1]) {
            obs = { ...base, outcome: r < 0.7 ? 'unknown' : 'down', methods: [] };
          } else if (dfe && timeMs >= dfe[0] && timeMs < dfe[1]) {
            obs =
              r < 0.9
                ? { ...base, outcome: 'down', methods: [] }
                : r < 0.95
                  ? { ...base, outcome: 'unknown', methods: [] }
                  : { ...base, outcome: 'blocked', methods: [pick(NOISE_METHODS)], strength: 'weak' };
          } else if (r < o.noise.unknown) {
            obs = { ...base, outcome: 'unknown', methods: [] };
          } else if (blocked) {
            const leak = 1 - blocked.blockedRate * (1 - o.noise.leak);
            obs =
              rng() < leak
                ? { ...base, outcome: 'accessible', methods: [] }
                : {
                    ...base,
                    outcome: 'blocked',
                    methods: [blocked.method],
                    confirmed: blocked.confirmed,
                    strength: blocked.confirmed ? 'certain' : blocked.strength,
                  };
          } else if (r < o.noise.unknown + o.noise.down) {
            obs = { ...base, outcome: 'down', methods: [] };
          } else if (r < o.noise.unknown + o.noise.down + o.noise.falseBlocked) {
            const strength: EvidenceStrength = rng() < NOISE_STRONG_SHARE ? 'strong' : 'weak';
            obs = { ...base, outcome: 'blocked', methods: [pick(NOISE_METHODS)], strength };
          } else {
            obs = { ...base, outcome: 'accessible', methods: [] };
          }
          if (obs.outcome === 'accessible') {
            const th = throttles.get(`${url}|${asn}`);
            const slow = th && timeMs >= th.onsetMs && (th.endMs === null || timeMs < th.endMs) ? th.factor : 1;
            obs.tlsHandshakeMs = Math.round(
              baseHandshake.get(asn)! * targetFactor.get(url)! * Math.exp(0.25 * gaussian()) * slow,
            );
          }
          observations.push(obs);
        });
      }
    }
  }
  observations.sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : 1));
  return { observations, truth, networks, endMs };
}
