/**
 * signal (OONI ts-029): can this network reach the Signal backend?
 *
 * Measured (in parallel, each as OONI's urlgetter: resolve → connect → TLS → GET, any HTTP status accepted):
 * https://chat.signal.org/, https://storage.signal.org/, https://cdsi.signal.org/, https://sfu.voip.signal.org/,
 * plus a lookup of uptime.signal.org that is recorded and never counted (OONI's test_version 0.2.5 set).
 * test_keys as OONI writes them: the network keys plus signal_backend_status and signal_backend_failure.
 *
 * Verdict (`rules.ts` re-derives OONI's keys from the observations): any backend host failing makes the backend
 * "blocked" → blocking 'dns' / 'tcp_ip' / 'http-failure' by the reported failure (the last failing host's, as
 * OONI); accessible otherwise. Our method names the step that failed, and a bogon answer makes it DNS tampering.
 * OONI's fastpath discards measurements of broken probe versions (`discardReason`): those keep OONI's blocking
 * but read `failure: true`, outcome unknown.
 * Trust: Signal's backend chains to Signal's private root CA, which OONI's probe ships. We take it from Signal
 * itself: `blockwatch update` writes it to `<data dir>/signal-ca.pem` (data/signal-ca.ts), and measure trusts it
 * beside the system roots and `--ca`. Without that file the probe says so before the run (`preflight`), the
 * measurement carries `annotations.signal_ca: "missing"`, and a backend failing only with ssl_unknown_authority /
 * ssl_invalid_certificate reads as unknown, never blocked (`withoutRoot`); the test_keys stay OONI's.
 *
 * Targets (`--targets FILE.json`, every key optional):
 *   { "backend": ["https://chat.signal.org/", …], "uptime": "uptime.signal.org" }
 * Host names are pointed at lab or test servers with `--resolve` pins.
 */

import { readSignalCa, signalCaPath } from '../../data/signal-ca.ts';
import { InvalidArgumentError } from '../../errors.ts';
import type { Measurement } from '../../model/index.ts';
import type { Experiment, ExperimentRunOptions, Observation, OoniVerdict } from '../experiment.ts';
import {
  failedValues,
  ingestNetworkKeys,
  neverThrows,
  ooniFromParts,
  serviceAnalyzer,
  testKeysOf,
} from '../observations.ts';
import { fetchTarget, finishRun, resolveOnly, startRun, targetsObject, urlList } from '../urlgetter.ts';
import {
  backendFailures,
  discardReason,
  ROOT_MISSING,
  type SignalKeys,
  signalKeys,
  signalParts,
  withoutRoot,
} from './rules.ts';

export const BACKEND_URLS = [
  'https://chat.signal.org/',
  'https://storage.signal.org/',
  'https://cdsi.signal.org/',
  'https://sfu.voip.signal.org/',
];
export const UPTIME_HOST = 'uptime.signal.org';

export interface SignalTargets {
  backend: string[];
  uptime: string;
}

const VERSION = '0.2.5';

function parseTargets(json: unknown, where: string): SignalTargets {
  const o = targetsObject(json, where, ['backend', 'uptime']);
  const uptime = o.uptime ?? UPTIME_HOST;
  if (typeof uptime !== 'string' || !/^[a-z0-9.-]{1,253}$/i.test(uptime)) {
    throw new InvalidArgumentError(`${where}: 'uptime' must be a host name`);
  }
  return { backend: urlList(o, 'backend', where) ?? BACKEND_URLS, uptime };
}

async function measure(_input: string | null, options: ExperimentRunOptions) {
  const targets = (options.targets as SignalTargets | undefined) ?? parseTargets({}, 'defaults');
  const startMs = (options.nowMs ?? Date.now)();
  const root = options.dataDir === undefined ? undefined : readSignalCa(options.dataDir);
  const run = startRun(root ? { ...options, ca: [...(options.ca ?? []), root] } : options);
  await Promise.all([...targets.backend.map((url) => fetchTarget(run, url, 'GET')), resolveOnly(run, targets.uptime)]);
  // OONI overwrites the failure as each target completes: the last failing request recorded wins
  const keys = signalKeys(run.keys.requests.map((r) => r.failure));
  const m = finishRun(run, signal, startMs, keys) as unknown as Measurement<Record<string, unknown>>;
  if (!root) m.annotations = { ...m.annotations, [ROOT_MISSING.key]: ROOT_MISSING.value };
  return m;
}

function preflight(dataDir: string): string | undefined {
  if (readSignalCa(dataDir)) return undefined;
  return `Signal's root CA is not in the data directory (${signalCaPath(dataDir)}): run 'blockwatch update', or the backend's certificate failures will read as unknown`;
}

const analyzeBackend = serviceAnalyzer(
  'signal-0.1',
  'Signal',
  (rows) => signalParts(derivedKeys(rows), rows),
  (m) => {
    const tk = testKeysOf(m);
    return typeof tk === 'string' ? undefined : discardReason(m, tk);
  },
);

function ooniVerdict(m: Measurement<Record<string, unknown>>): OoniVerdict | undefined {
  const tk = testKeysOf(m);
  if (typeof tk === 'string' || typeof tk.signal_backend_status !== 'string') return undefined;
  const keys: SignalKeys = {
    signal_backend_status: tk.signal_backend_status === 'blocked' ? 'blocked' : 'ok',
    signal_backend_failure: typeof tk.signal_backend_failure === 'string' ? tk.signal_backend_failure : null,
  };
  const ooni = ooniFromParts(signalParts(keys));
  const discarded = discardReason(m, tk) !== undefined;
  return { ...ooni, anomaly: ooni.anomaly && !discarded, failure: discarded };
}

export const signal: Experiment<Observation[]> = {
  name: 'signal',
  version: VERSION,
  input: 'none',
  summary: "Signal's backend hosts over HTTPS (OONI ts-029)",
  measure,
  parseTargets,
  ingest: (m) => ingestNetworkKeys(m, (o) => (o.step === 'dns' && o.domain === UPTIME_HOST ? 'uptime' : 'backend')),
  preflight,
  analyze: neverThrows('signal-0.1', (rows, m, options) =>
    withoutRoot(rows, m, (trusted) => analyzeBackend(trusted, m, options)),
  ),
  ooniVerdict,
  columns: [
    {
      name: 'failing_hosts',
      type: 'Array(String)',
      description: 'the backend hosts whose HTTPS request failed',
      extract: (rows) =>
        failedValues(
          rows,
          (o) => o.step === 'http',
          (o) => o.domain,
        ),
    },
  ],
};

/** OONI's keys re-derived from the observations (the parity tests compare them with what OONI wrote). */
export function derivedKeys(rows: Observation[]): SignalKeys {
  return signalKeys(backendFailures(rows));
}
