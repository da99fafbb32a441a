/**
 * http_remote (Hyperquack's method) as an experiment, for analysis: `blockwatch remote` measures it (remote/), and
 * `remote/reanalyze.ts` rebuilds the analysis input from the record. docs/remote.md.
 */
import { remoteExperiment } from '../remote-experiment.ts';

export const httpRemote = remoteExperiment('http_remote', 'a domain through servers inside a network, from outside');
