/**
 * The two remote test types (dns_remote, http_remote) share one shape: no `measure` (the `blockwatch remote`
 * command measures them, paced over many resolvers and servers), and the remote re-analysis as `analyze`. Their
 * observations are the test keys themselves: `remote/reanalyze.ts` already reads them into its pure analyses.
 */
import type { Measurement } from '../model/index.ts';
import { analyzeRemoteRecord } from '../remote/reanalyze.ts';
import { REMOTE_TEST_VERSION } from '../remote/records.ts';
import type { Experiment } from './experiment.ts';
import { unreadableVerdict } from './observations.ts';

type AnyMeasurement = Measurement<Record<string, unknown>>;

/** The re-analysis reads the record itself: ingest only checks that there are test keys to read. */
function ingestWhole(measurement: AnyMeasurement): AnyMeasurement | string {
  const keys = measurement.test_keys;
  return keys && typeof keys === 'object' && !Array.isArray(keys) ? measurement : 'the measurement has no test_keys';
}

export function remoteExperiment(name: 'dns_remote' | 'http_remote', summary: string): Experiment<AnyMeasurement> {
  return {
    name,
    version: REMOTE_TEST_VERSION,
    input: 'domain',
    summary: `${summary} (measured by 'blockwatch remote')`,
    ingest: ingestWhole,
    // null only for another test_name, which the registry never hands over
    analyze: (measurement, _raw, options) =>
      analyzeRemoteRecord(measurement, options) ?? unreadableVerdict('remote-0.1', `${name} expected`),
  };
}
