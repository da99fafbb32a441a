/**
 * Detector parameters and the log-likelihood ratios they imply.
 *
 * Each measurement's verdict is a Bernoulli draw: "blocked" with probability `falseBlockedRate` while the URL is
 * reachable on that network (one-off failures the verdict engine could not tell from blocking) and `blockedRate`
 * while it is blocked (the rest are leaks). Page's CUSUM on these log-likelihood ratios is the optimal sequential
 * test for such a change (Lorden): the thresholds below are in nats and chosen so that
 *   - one plain (weak: a timeout, a failed lookup) blocked verdict (+2.89) never opens an event on its own;
 *   - three in a row (+8.67) do, on one network alone (7.6);
 *   - two in a row (+5.78) do when another network of the same URL and country has an open episode, or a run of
 *     more than one weak verdict's evidence (`suspectSupportLlr`) that began within 36 h;
 *   - one does when three other networks began a run in the same round, two opened an episode in it, or one
 *     opened in it on firm evidence (`openedSupportLlr`: central blocking is seen by all networks in a round);
 *   - a strong verdict (a block page, a forged answer's page, an injected reset: +6.1) and any second blocked
 *     verdict of the same kind do, on one network alone; one strong verdict does when another network opened an
 *     episode within 36 h;
 *   - a fingerprint-confirmed block page or an answer that proves itself forged (+8.4) is decisive;
 *   - four accessible verdicts in a row (+9.0) end an episode; three (+6.75) do not, so leaky blocking is not split.
 * `down` and `unknown` verdicts carry no evidence either way (a site down for everyone is not blocked).
 */
import { InvalidArgumentError } from 'blockwatch/errors.ts';
import type { DetectorParams } from './types.ts';

export const DEFAULT_PARAMS: Readonly<DetectorParams> = Object.freeze({
  falseBlockedRate: 0.05,
  blockedRate: 0.9,
  falseConfirmedRate: 0.0002,
  falseStrongRate: 0.002,
  onsetThreshold: 7.6,
  corroboratedOnsetThreshold: 5.5,
  suspectSupportLlr: 3,
  openedSupportLlr: 8,
  quorumNetworks: 3,
  endThreshold: 7.5,
  corroborationWindowMs: 36 * 3600_000,
  quorumWindowMs: 6 * 3600_000,
  maxPending: 64,
  throttleZ: 4,
  throttleRatio: 3,
  throttleMinSamples: 20,
  throttleWindowMs: 7 * 24 * 3600_000,
});

/** Validates and completes detector parameters; names the bad one. */
export function resolveParams(overrides: Partial<DetectorParams> = {}): DetectorParams {
  const params = { ...DEFAULT_PARAMS, ...overrides };
  const probability = ['falseBlockedRate', 'blockedRate', 'falseConfirmedRate', 'falseStrongRate'] as const;
  for (const name of probability) {
    const v = params[name];
    if (!(v > 0 && v < 1)) throw new InvalidArgumentError(`${name} must be a probability in (0, 1), got ${v}`);
  }
  if (params.blockedRate <= params.falseBlockedRate) {
    throw new InvalidArgumentError('blockedRate must be greater than falseBlockedRate');
  }
  const positive = [
    'onsetThreshold',
    'corroboratedOnsetThreshold',
    'suspectSupportLlr',
    'openedSupportLlr',
    'endThreshold',
    'corroborationWindowMs',
    'quorumWindowMs',
    'throttleZ',
    'throttleRatio',
    'throttleWindowMs',
  ] as const;
  for (const name of positive) {
    const v = params[name];
    if (!(Number.isFinite(v) && v > 0)) throw new InvalidArgumentError(`${name} must be a positive number, got ${v}`);
  }
  for (const name of ['quorumNetworks', 'maxPending', 'throttleMinSamples'] as const) {
    const v = params[name];
    if (!(Number.isInteger(v) && v >= 1)) throw new InvalidArgumentError(`${name} must be an integer ≥ 1, got ${v}`);
  }
  return params;
}

export interface Llrs {
  blocked: number;
  strong: number;
  confirmed: number;
  accessible: number;
}

/** Log-likelihood ratios (nats) of "blocked" over "accessible" for each kind of verdict. */
export function llrsOf(params: DetectorParams): Llrs {
  return {
    blocked: Math.log(params.blockedRate / params.falseBlockedRate),
    strong: Math.log(params.blockedRate / params.falseStrongRate),
    confirmed: Math.log(params.blockedRate / params.falseConfirmedRate),
    accessible: Math.log((1 - params.blockedRate) / (1 - params.falseBlockedRate)),
  };
}
