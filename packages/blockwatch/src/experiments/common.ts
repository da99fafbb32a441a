/** What the registry and the experiments that keep the whole measurement as their observations share. */
import type { Measurement, Verdict } from '../model/index.ts';
import { noClassicKeys } from '../verdict/index.ts';

type AnyMeasurement = Measurement<Record<string, unknown>>;

/**
 * The ingest of an experiment whose analysis reads the measurement itself (web_connectivity's verdict engine, the
 * remote re-analysis): only checks that there are test keys to read.
 */
export function ingestWhole(measurement: AnyMeasurement): AnyMeasurement | string {
  const keys = measurement.test_keys;
  return keys && typeof keys === 'object' && !Array.isArray(keys) ? measurement : 'the measurement has no test_keys';
}

/** The verdict on a measurement nothing could be concluded from, with the reason. */
export function unknownVerdict(reason: string, engine: Verdict['engine']): Verdict {
  return {
    engine,
    blocking: null,
    accessible: null,
    outcome: 'unknown',
    anomaly: false,
    confirmed: false,
    failure: true,
    method: null,
    methods: [],
    fingerprints: [],
    layers: {},
    classic: noClassicKeys(),
    explanation: `Cannot analyse this measurement: ${reason}.`,
    reason,
  };
}
