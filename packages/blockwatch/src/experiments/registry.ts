/**
 * The registered experiments, and the one dispatch by `test_name` every consumer uses (the probe, `blockwatch
 * analyze`, import, the collector's loader, the lab). Adding a test type: its folder, plus one line below.
 *
 * `analyzeAny` is pure and never throws: an unregistered test_name, unreadable test keys or a bug in an analysis
 * give an `unknown` verdict whose `reason` says which.
 */
import type { Measurement, Verdict } from '../model/index.ts';
import { type AnalyzeOptions, unwrapMeasurement } from '../verdict/index.ts';
import { dnsRemote } from './dns_remote/index.ts';
import { dnscheck } from './dnscheck/index.ts';
import type { Experiment, OoniVerdict } from './experiment.ts';
import { httpRemote } from './http_remote/index.ts';
import { unreadableVerdict } from './observations.ts';
import { signal } from './signal/index.ts';
import { telegram } from './telegram/index.ts';
import { webConnectivity } from './web_connectivity/index.ts';
import { whatsapp } from './whatsapp/index.ts';

/** Every test type blockwatch measures or analyses, one line each. */
export const EXPERIMENTS: readonly Experiment[] = [
  webConnectivity as Experiment,
  dnsRemote as Experiment,
  httpRemote as Experiment,
  telegram as Experiment,
  whatsapp as Experiment,
  signal as Experiment,
  dnscheck as Experiment,
];

/** The test type a measurement without `test_name` is taken for (old fixtures, hand-written examples). */
export const DEFAULT_TEST_NAME = 'web_connectivity';

const byName = new Map(EXPERIMENTS.map((e) => [e.name, e]));

export function experimentNamed(testName: string): Experiment | undefined {
  return byName.get(testName);
}

export function experimentNames(): string[] {
  return EXPERIMENTS.map((e) => e.name);
}

/** The experiments `blockwatch probe --test` can run (the others are measured by another command). */
export function measurableExperiments(): Experiment[] {
  return EXPERIMENTS.filter((e) => e.measure !== undefined);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The test_name a (possibly wrapped) measurement declares, the default when it declares none. */
export function testNameOf(value: unknown): string {
  const m = unwrapMeasurement(value);
  return isObject(m) && typeof m.test_name === 'string' ? m.test_name : DEFAULT_TEST_NAME;
}

/** A verdict, and the observations its experiment's `ingest` made (undefined when there were none to make). */
export interface ObservedVerdict {
  verdict: Verdict;
  observations?: unknown;
}

/**
 * The verdict of any measurement (wrappers `{content}`/`{raw_measurement}` accepted): its experiment's ingest,
 * then its analysis; the observations come back too, so that a consumer storing them does not ingest again.
 * Never throws.
 */
export function analyzeObserved(value: unknown, options: AnalyzeOptions = {}): ObservedVerdict {
  const unwrapped = unwrapMeasurement(value);
  const testName = testNameOf(unwrapped);
  const experiment = byName.get(testName);
  if (!experiment) {
    return {
      verdict: unreadableVerdict(
        'none',
        `test_name '${testName}' is not a registered experiment (registered: ${experimentNames().join(', ')})`,
      ),
    };
  }
  let observations: unknown;
  try {
    // web_connectivity's engine reads anything and names what it cannot; the others need an envelope object
    const measurement = (isObject(unwrapped) ? unwrapped : value) as Measurement<Record<string, unknown>>;
    const ingested = experiment.ingest(measurement);
    if (typeof ingested === 'string') return { verdict: unreadableVerdict('none', `${testName}: ${ingested}`) };
    observations = ingested;
    return { verdict: experiment.analyze(ingested, measurement, options), observations };
  } catch (err) {
    // A bug in one analysis must not take a batch down: it is this measurement's reason.
    return {
      verdict: unreadableVerdict(
        'none',
        `internal error while analysing ${testName}: ${(err as Error)?.message ?? String(err)}`,
      ),
      ...(observations === undefined ? {} : { observations }),
    };
  }
}

/** `analyzeObserved`'s verdict alone: what the probe, `blockwatch analyze` and the remote re-analysis need. */
export function analyzeAny(value: unknown, options: AnalyzeOptions = {}): Verdict {
  return analyzeObserved(value, options).verdict;
}

/**
 * OONI's own verdict as a measurement's test keys state it, to keep beside ours: the experiment's reading of its
 * keys (telegram's `telegram_tcp_blocking`, …), else the classic `blocking`/`accessible` keys web_connectivity
 * and the remote records carry. Undefined when the keys state none. Pure, never throws.
 */
export function ooniVerdictAny(value: unknown): Partial<OoniVerdict> | undefined {
  const m = unwrapMeasurement(value);
  if (!isObject(m) || !isObject(m.test_keys)) return undefined;
  const experiment = byName.get(testNameOf(m));
  if (experiment?.ooniVerdict) {
    try {
      return experiment.ooniVerdict(m as unknown as Measurement<Record<string, unknown>>);
    } catch {
      return undefined; // keys this experiment cannot read state no verdict
    }
  }
  const keys = m.test_keys;
  const out: Partial<OoniVerdict> = {};
  if ('blocking' in keys) out.blocking = keys.blocking as OoniVerdict['blocking'];
  if ('accessible' in keys) out.accessible = keys.accessible as boolean | null;
  return Object.keys(out).length ? out : undefined;
}
