/**
 * dns_remote (Satellite's method) as an experiment, for analysis: `blockwatch remote` measures it (remote/), and
 * `remote/reanalyze.ts` rebuilds the analysis input from the record. docs/remote.md.
 */
import { remoteExperiment } from '../remote-experiment.ts';

export const dnsRemote = remoteExperiment(
  'dns_remote',
  'a domain through open resolvers inside a network, from outside',
);
