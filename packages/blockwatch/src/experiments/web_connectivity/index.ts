/**
 * web_connectivity (OONI ts-017) as an experiment: `measure.ts` runs the steps; the analysis is the verdict engine
 * (`verdict/`), which reads the measurement through its own view (`verdict/input.ts`). So `ingest` hands the
 * measurement on as it is: reading it twice would double the cost of analysis.
 */
import { InvalidArgumentError } from '../../errors.ts';
import type { Measurement } from '../../model/index.ts';
import { TEST_NAME, TEST_VERSION } from '../../probe/envelope.ts';
import { analyzeMeasurement } from '../../verdict/index.ts';
import type { Experiment } from '../experiment.ts';
import { type MeasureOptions, measureUrl } from './measure.ts';

/** The measurement itself: the verdict engine builds its view of it (verdict/input.ts). */
export type WebConnectivityObservations = Measurement<Record<string, unknown>>;

export const webConnectivity: Experiment<WebConnectivityObservations> = {
  name: TEST_NAME,
  version: TEST_VERSION,
  input: 'url',
  summary: 'a URL step by step (DNS, TCP, TLS, HTTP), compared with a control helper',
  // MeasureOptions extends the run options with the control helper and the verdict engine
  measure(input: string | null, options: MeasureOptions) {
    if (input === null) throw new InvalidArgumentError('web_connectivity measures a URL: give one');
    // WebConnectivityTestKeys is an interface (no index signature): the same object, seen as any test's keys
    return measureUrl(input, options) as Promise<unknown> as Promise<WebConnectivityObservations>;
  },
  // the engine names what it cannot read itself (its reasons predate the registry)
  ingest: (measurement) => measurement,
  analyze: (measurement, _raw, options) => analyzeMeasurement(measurement, options),
};
