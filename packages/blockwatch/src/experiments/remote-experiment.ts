/**
 * The two remote test types (dns_remote, http_remote) share one shape: no `measure` (the `blockwatch remote`
 * command measures them, paced over many resolvers and servers), and the remote re-analysis as `analyze`. Their
 * observations are the test keys themselves: `remote/reanalyze.ts` already reads them into its pure analyses.
 */
import type { Measurement } from '../model/index.ts';
import { analyzeRemoteRecord } from '../remote/reanalyze.ts';
import { REMOTE_TEST_VERSION } from '../remote/records.ts';
import { ingestWhole, unknownVerdict } from './common.ts';
import type { Experiment } from './experiment.ts';

export function remoteExperiment(
  name: 'dns_remote' | 'http_remote',
  summary: string,
): Experiment<Measurement<Record<string, unknown>>> {
  return {
    name,
    version: REMOTE_TEST_VERSION,
    input: 'domain',
    summary: `${summary} (measured by 'blockwatch remote')`,
    ingest: ingestWhole,
    // null only for another test_name, which the registry never hands over
    analyze: (measurement, _raw, options) =>
      analyzeRemoteRecord(measurement, options) ?? unknownVerdict(`${name} expected`, 'remote-0.1'),
  };
}
