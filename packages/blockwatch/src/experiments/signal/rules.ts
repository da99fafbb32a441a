/**
 * OONI's signal rules (ts-029; probe-cli's signal TestKeys.Update), pure: every backend target is a GET of one
 * Signal host; any failure makes `signal_backend_status` "blocked" and `signal_backend_failure` the failure of
 * the last failing target (OONI overwrites it per target). The uptime.signal.org lookup is recorded, never
 * counted.
 *
 * OONI's fastpath also discards measurements of probe versions known to be broken (`discardReason`): we keep
 * OONI's test_keys verdict but mark such a measurement `failure`, as the fastpath does.
 *
 * Our probe without Signal's root CA (`annotations.signal_ca: "missing"`, see index.ts): a backend failing only
 * with certificate-authority failures is what every network shows without the root, so the verdict is unknown
 * (`withoutRoot`); OONI's keys stay as OONI would write them.
 */
import type { Measurement, Verdict } from '../../model/index.ts';
import type { Observation } from '../experiment.ts';
import type { BlockedPart } from '../observations.ts';
import { classicOf, ooniFromParts, writtenByUs } from '../observations.ts';

export interface SignalKeys {
  signal_backend_status: 'ok' | 'blocked';
  signal_backend_failure: string | null;
}

export function signalKeys(failures: (string | null)[]): SignalKeys {
  const keys: SignalKeys = { signal_backend_status: 'ok', signal_backend_failure: null };
  for (const failure of failures) {
    if (failure === null) continue;
    keys.signal_backend_status = 'blocked';
    keys.signal_backend_failure = failure;
  }
  return keys;
}

/** Each request is one backend target (the hosts answer without redirects; a chain's hops count as one). */
export function backendFailures(rows: Observation[]): (string | null)[] {
  return rows.filter((o) => o.step === 'http').map((o) => o.failure);
}

export function signalParts(keys: SignalKeys, rows: Observation[] = []): BlockedPart[] {
  if (keys.signal_backend_status !== 'blocked') return [];
  const failing = rows.filter((o) => o.step === 'http' && o.failure === keys.signal_backend_failure && o.domain);
  return [
    {
      label: `the Signal backend (${failing.map((o) => o.domain).join(', ') || 'its hosts'})`,
      classic: classicOf(keys.signal_backend_failure),
      failure: keys.signal_backend_failure,
      domains: failing.map((o) => o.domain as string),
    },
  ];
}

function versionBelow(version: string, than: [number, number, number]): boolean {
  const v = version.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = than[i] ?? 0;
    if (a !== b) return a < b;
  }
  return false;
}

/**
 * Why OONI's fastpath discards this measurement (its score_signal), or undefined: probes that lacked Signal's
 * new certificates after each change, and the broken 0.2.4. Only OONI's probes: ours are not those versions.
 */
export function discardReason(m: Record<string, unknown>, tk: Record<string, unknown>): string | undefined {
  const annotations = (m.annotations ?? {}) as Record<string, unknown>;
  if (writtenByUs(m)) return undefined;
  if (!('failed_operation' in tk) || !('failure' in tk) || tk.failed_operation || tk.failure)
    return 'the measurement failed as a whole (test_keys.failure)';
  const tv = String(m.test_version ?? '0.0.0');
  const start = String(m.measurement_start_time ?? '');
  if (tv === '0.2.4') return 'test_version 0.2.4 had a known bug (ooni/probe#2636)';
  if (versionBelow(tv, [0, 2, 4]) && start >= '2023-11-07')
    return 'test_version 0.2.3 or older lacks the Signal certificates in use since 2023-11-07 (ooni/probe#2627)';
  if (versionBelow(tv, [0, 2, 2]) && start >= '2022-10-19')
    return 'test_version older than 0.2.2 lacks the Signal CA in use since 2022-10-19';
  const ev = String(annotations.engine_version ?? '0.0.0');
  if (versionBelow(ev, [3, 17, 2]) && start >= '2023-05-02')
    return 'engines older than 3.17.2 measured Signal wrongly from 2023-05-02 (ooni/backend#679)';
  if (tk.signal_backend_status !== 'ok' && tk.signal_backend_status !== 'blocked')
    return 'signal_backend_status is neither ok nor blocked';
  return undefined;
}

/** What an untrusted Signal root alone produces on the backend (our classify names an unknown issuer either way). */
export const ROOT_FAILURES: readonly string[] = ['ssl_unknown_authority', 'ssl_invalid_certificate'];

/** The annotation our probe writes when it ran without Signal's root CA. */
export const ROOT_MISSING = { key: 'signal_ca', value: 'missing' } as const;

export function rootMissing(m: Measurement<Record<string, unknown>>): boolean {
  return (m.annotations as Record<string, unknown> | null | undefined)?.[ROOT_MISSING.key] === ROOT_MISSING.value;
}

type Analyze = (rows: Observation[]) => Verdict;

/**
 * The verdict of a measurement taken without Signal's root CA. The TLS and HTTP rows failing only their
 * certificate authority are set aside and the rest analysed: nothing else failing is unknown (reason: the missing
 * root), other failures still block, by their own method. `blocking`/`accessible` stay OONI's, from every row.
 */
export function withoutRoot(rows: Observation[], m: Measurement<Record<string, unknown>>, analyze: Analyze): Verdict {
  const unrooted = (o: Observation) =>
    (o.step === 'tls' || o.step === 'http') && o.failure !== null && ROOT_FAILURES.includes(o.failure);
  const set = rows.filter(unrooted);
  if (!rootMissing(m) || set.length === 0) return analyze(rows);
  const ooni = ooniFromParts(signalParts(signalKeys(backendFailures(rows))));
  const hosts = [...new Set(set.map((o) => o.domain ?? o.address ?? 'a backend host'))].join(', ');
  const failures = [...new Set(set.map((o) => o.failure))].join(', ');
  const missing = `Signal's root CA was not in the probe's data directory (run 'blockwatch update'), so ${failures} from ${hosts} is what any network shows`;
  const v = { ...analyze(rows.filter((o) => !unrooted(o))), blocking: ooni.blocking, accessible: ooni.accessible };
  const tls = { status: 'unknown' as const, evidence: set.map((o) => `${o.domain ?? o.address}: ${o.failure}`) };
  if (v.outcome === 'blocked') {
    return {
      ...v,
      layers: { tls, ...v.layers },
      explanation: `${v.explanation} ${missing}, which says nothing about this network.`,
    };
  }
  if (v.outcome !== 'accessible') return { ...v, explanation: `${v.explanation} ${missing}.` };
  return {
    ...v,
    outcome: 'unknown',
    anomaly: false,
    failure: true,
    layers: { ...v.layers, tls },
    reason: missing,
    explanation: `Cannot tell whether Signal is blocked: ${missing}.`,
  };
}
