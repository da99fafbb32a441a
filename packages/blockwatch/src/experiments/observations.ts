/**
 * What the service experiments (telegram, whatsapp, signal) share on the analysis side, pure (no I/O, no
 * `node:*`): OONI's network keys → flat observations, a failure → our blocking method, and the verdict built
 * from the parts of a service OONI's rules call blocked.
 *
 * The split: each experiment re-derives OONI's own keys from the observations (its `rules.ts`), so that
 * `blocking`/`accessible` mean what OONI's test_keys mean; then this module refines each blocked part with
 * what the observations prove (a bogon DNS answer, which step failed) into our method, layers and sentence.
 */

import type { Measurement } from '../model/index.ts';
import type { BlockingMethod, ClassicBlocking, LayerResult, Verdict } from '../model/verdict.ts';
import { type AnalyzeOptions, analyzeMeasurement, endpointKey, isBogon, noClassicKeys } from '../verdict/index.ts';
import { strengthOf } from '../verdict/strength.ts';
import type { Observation } from './experiment.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The `test_keys` object of a measurement, or a string naming what is wrong. */
export function testKeysOf(measurement: unknown): Json | string {
  if (!isObject(measurement)) return 'the measurement is not an object';
  const tk = measurement.test_keys;
  return isObject(tk) ? tk : 'test_keys is missing or not an object';
}

/** Labels an observation with the experiment's endpoint group ("dc", "web", "backend", …). */
export type TargetOf = (o: Omit<Observation, 'target'>) => string;

function hostOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}

function headerValue(record: unknown, name: string): string | undefined {
  if (!isObject(record)) return undefined;
  const lower = name.toLowerCase();
  for (const pair of list(record.headers_list)) {
    if (Array.isArray(pair) && str(pair[0])?.toLowerCase() === lower) return str(pair[1]) ?? undefined;
  }
  if (isObject(record.headers)) {
    for (const [k, v] of Object.entries(record.headers)) if (k.toLowerCase() === lower) return str(v) ?? undefined;
  }
  return undefined;
}

/** A body as text: UTF-8 strings as they are, base64 as latin1 (enough for a title). */
function bodyText(body: unknown): string | null {
  if (typeof body === 'string') return body;
  if (isObject(body) && body.format === 'base64' && typeof body.data === 'string') {
    try {
      return atob(body.data);
    } catch {
      return null;
    }
  }
  return null;
}

const TITLE = /<title>([^<]{1,512})<\/title>/i;

/**
 * OONI's df-002 (queries), df-005 (tcp_connect), df-006 (tls_handshakes) and df-001 (requests) as one row per
 * step. Old probes wrote requests without `url`/`method` (the Host header names the target): the URL is then
 * rebuilt from Host, scheme unknown (http). Missing lists are no rows, not an error.
 */
export function ingestNetworkKeys(measurement: unknown, targetOf: TargetOf): Observation[] | string {
  const tk = testKeysOf(measurement);
  if (typeof tk === 'string') return tk;
  const rows: Observation[] = [];
  const push = (o: Omit<Observation, 'target'>) => rows.push({ ...o, target: targetOf(o) });
  for (const q of list(tk.queries)) {
    if (!isObject(q)) continue;
    const answers = list(q.answers).flatMap((a) =>
      isObject(a) ? [str(a.ipv4) ?? str(a.ipv6) ?? str(a.hostname) ?? ''].filter(Boolean) : [],
    );
    push({
      step: 'dns',
      domain: str(q.hostname) ?? '',
      address: str(q.resolver_address) ?? '',
      failure: str(q.failure),
      answers,
      engine: str(q.engine) ?? '',
      ...(list(q.tags).includes('x_pinned') ? { pinned: true } : {}),
    });
  }
  for (const c of list(tk.tcp_connect)) {
    if (!isObject(c) || !isObject(c.status)) continue;
    const failure = str(c.status.failure) ?? (c.status.success === false ? 'unknown_failure' : null);
    // the port as the record has it, even when missing (`ip:undefined`), so such a row stays recognisable
    push({ step: 'tcp', address: endpointKey(str(c.ip) ?? '', String(c.port)), failure });
  }
  for (const h of list(tk.tls_handshakes)) {
    if (!isObject(h)) continue;
    push({ step: 'tls', domain: str(h.server_name) ?? '', address: str(h.address) ?? '', failure: str(h.failure) });
  }
  for (const r of list(tk.requests)) {
    if (!isObject(r)) continue;
    const request = isObject(r.request) ? r.request : {};
    const response = isObject(r.response) ? r.response : null;
    const url = str(request.url) ?? `http://${headerValue(request, 'Host') ?? ''}/`;
    const body = bodyText(response?.body);
    const row: Omit<Observation, 'target'> = {
      step: 'http',
      domain: hostOf(url),
      address: str(r.address) ?? '',
      failure: str(r.failure),
      url,
      method: str(request.method) ?? '',
    };
    if (response && typeof response.code === 'number' && response.code > 0) row.status = response.code;
    if (body !== null) {
      row.body_length = body.length;
      row.title = TITLE.exec(body)?.[1] ?? '';
    }
    const location = headerValue(response, 'Location');
    if (location !== undefined) row.location = location;
    const operation = str(r.x_failed_operation);
    if (operation) row.failed_operation = operation;
    rows.push({ ...row, target: targetOf(row) });
  }
  return rows;
}

/** Failures that mean the name did not resolve (OONI's dns_* strings and Android's cache miss). */
const isDnsFailure = (f: string) => f.startsWith('dns_') || f === 'android_dns_cache_no_data';
/** A certificate that is not the service's: someone else answered. */
const WRONG_CERTIFICATE = new Set(['ssl_invalid_hostname', 'ssl_unknown_authority', 'ssl_invalid_certificate']);
/** Failures the experiments' own checks write (a page that is not the service's). */
const CONTENT_FAILURES = new Set(['http_unexpected_status_code', 'http_unexpected_redirect_url']);
const CONNECT_FAILURES = new Set(['connection_refused', 'host_unreachable', 'network_unreachable']);

/** Our method for one failure, given the step that failed when it is known. */
export function methodOf(failure: string, operation?: string): BlockingMethod {
  if (operation === 'resolve' || isDnsFailure(failure)) return 'dns';
  if (operation === 'connect' || CONNECT_FAILURES.has(failure)) return 'tcp_ip';
  if (WRONG_CERTIFICATE.has(failure)) return 'tls_interception';
  if (operation === 'tls_handshake' || failure.startsWith('ssl_')) return 'tls';
  if (CONTENT_FAILURES.has(failure) || failure.endsWith('_missing_title_error')) return 'http_blockpage';
  return 'http_failure';
}

/** OONI's classic blocking key for one failure string read alone (what a test_keys reader can say). */
export function classicOf(failure: string | null): ClassicBlocking {
  if (failure === null) return 'http-failure';
  const method = methodOf(failure);
  return method === 'dns'
    ? 'dns'
    : method === 'tcp_ip'
      ? 'tcp_ip'
      : method === 'http_blockpage'
        ? 'http-diff'
        : 'http-failure';
}

/** One part of a service that OONI's rules call blocked, e.g. Telegram's DCs or WhatsApp's registration server. */
export interface BlockedPart {
  /** for sentences: "the DC endpoints", "web.telegram.org" */
  label: string;
  /** OONI's classic key for this part (the mapping is fixed per part, so OONI's and our reading agree) */
  classic: ClassicBlocking;
  /** the failure OONI reports for it (null when its rule counts no failure string, e.g. "every DC refused") */
  failure: string | null;
  /** the host names the part's rows are about (for DNS evidence and the failed step) */
  domains: string[];
}

/** OONI's verdict from its parts: the first blocked part's classic key, accessible when none is blocked. */
export function ooniFromParts(parts: BlockedPart[]): {
  blocking: ClassicBlocking;
  accessible: boolean;
  anomaly: boolean;
  failure: boolean;
} {
  return {
    blocking: parts[0]?.classic ?? false,
    accessible: parts.length === 0,
    anomaly: parts.length > 0,
    failure: false,
  };
}

/** The step a failed request of these domains died in: the writer's word, else the matching TLS or TCP row. */
function failedStep(rows: Observation[], domains: string[], failure: string): string | undefined {
  const inPart = (o: Observation) => o.domain !== undefined && domains.includes(o.domain);
  const written = rows.find((o) => o.step === 'http' && inPart(o) && o.failure === failure)?.failed_operation;
  if (written) return written;
  if (rows.some((o) => o.step === 'dns' && inPart(o) && o.failure === failure)) return 'resolve';
  if (rows.some((o) => o.step === 'tls' && inPart(o) && o.failure === failure)) return 'tls_handshake';
  const addresses = new Set(rows.filter((o) => o.step === 'dns' && inPart(o)).flatMap((o) => o.answers ?? []));
  for (const d of domains) addresses.add(d); // IP-literal targets (Telegram's DCs)
  const host = (a: string | undefined) => (a ?? '').replace(/^\[?(.*?)\]?:\d+$/, '$1');
  if (rows.some((o) => o.step === 'tcp' && o.failure === failure && addresses.has(host(o.address)))) return 'connect';
  return undefined;
}

type Layer = 'dns' | 'tcp' | 'tls' | 'http';
const LAYER_OF: Record<BlockingMethod, Layer> = {
  dns: 'dns',
  tcp_ip: 'tcp',
  tls: 'tls',
  tls_interception: 'tls',
  http_blockpage: 'http',
  http_failure: 'http',
  throttling: 'http',
};

export interface ServiceVerdictInput {
  engine: Verdict['engine'];
  /** "Telegram", "WhatsApp", "Signal" */
  service: string;
  rows: Observation[];
  parts: BlockedPart[];
  /** isPublicOverride: an address OONI's bogon list names that is public here (the lab's 198.18.0.0/15 plan) */
  options: AnalyzeOptions;
  /** the measurement cannot be trusted (OONI's fastpath marks such versions as failed) */
  failure?: string;
}

/**
 * The verdict: OONI's keys give `blocking`/`accessible`; each blocked part's method comes from the evidence —
 * a bogon answer for one of its names makes it DNS tampering (whatever step then failed), else the failed step.
 */
export function serviceVerdict(input: ServiceVerdictInput): Verdict {
  const { rows, parts } = input;
  const bogon = (ip: string) => isBogon(ip) && !input.options.isPublicOverride?.(ip);
  const layers: Verdict['layers'] = {};
  const methods: BlockingMethod[] = [];
  const sentences: string[] = [];
  const addEvidence = (layer: Layer, evidence: string[], failure: string | null) => {
    const known: LayerResult = layers[layer] ?? { status: 'blocked', evidence: [] };
    known.status = 'blocked';
    for (const e of evidence) if (!known.evidence.includes(e)) known.evidence.push(e);
    if (failure && known.failure == null) known.failure = failure;
    layers[layer] = known;
  };
  for (const part of parts) {
    const forged = rows
      .filter((o) => o.step === 'dns' && !o.pinned && o.domain !== undefined && part.domains.includes(o.domain))
      .flatMap((o) => (o.answers ?? []).filter(bogon).map((ip) => `answer ${ip} is a bogon`));
    const uniqueForged = [...new Set(forged)];
    const method: BlockingMethod =
      uniqueForged.length > 0
        ? 'dns'
        : part.failure === null
          ? classicMethod(part.classic)
          : methodOf(part.failure, failedStep(rows, part.domains, part.failure));
    if (!methods.includes(method)) methods.push(method);
    const failureEvidence = part.failure ? [`${part.label}: ${part.failure}`] : [`${part.label}: no endpoint answered`];
    addEvidence(
      LAYER_OF[method],
      method === 'dns' ? [...uniqueForged, ...failureEvidence] : failureEvidence,
      part.failure,
    );
    sentences.push(
      uniqueForged.length
        ? `${part.label} resolved to ${uniqueForged.map((e) => e.split(' ')[1]).join(', ')} (bogons: forged DNS answers)${part.failure ? `, then failed with ${part.failure}` : ''}`
        : part.failure
          ? `${part.label} failed with ${part.failure}`
          : `no ${part.label} answered`,
    );
  }
  // Steps no blocked part is about: ok when every row succeeded, else unknown with the failures seen (a TLS
  // failure after a forged answer is the forgery's consequence, not a second method).
  for (const step of ['dns', 'tcp', 'tls', 'http'] as const) {
    const seen = rows.filter((o) => o.step === step);
    if (layers[step] || seen.length === 0) continue;
    const failed = [...new Set(seen.flatMap((o) => (o.failure ? [`${o.domain || o.address}: ${o.failure}`] : [])))];
    layers[step] = failed.length ? { status: 'unknown', evidence: failed.slice(0, 3) } : { status: 'ok', evidence: [] };
  }
  const ooni = ooniFromParts(parts);
  const blocked = parts.length > 0;
  const verdict: Verdict = {
    engine: input.engine,
    blocking: ooni.blocking,
    accessible: ooni.accessible,
    outcome: input.failure ? 'unknown' : blocked ? 'blocked' : 'accessible',
    anomaly: blocked && !input.failure,
    confirmed: false,
    failure: input.failure !== undefined,
    method: methods[0] ?? null,
    methods,
    fingerprints: [],
    layers,
    classic: noClassicKeys(),
    explanation: blocked
      ? `${input.service} looks blocked: ${sentences.join('; ')}.`
      : `${input.service} is reachable: every part OONI's test checks answered.`,
  };
  if (input.failure) {
    verdict.reason = input.failure;
    verdict.explanation += ` OONI discards this measurement: ${input.failure}.`;
  } else if (blocked) verdict.strength = strengthOf({ methods, confirmed: false, layers });
  return verdict;
}

function classicMethod(classic: ClassicBlocking): BlockingMethod {
  return classic === 'dns'
    ? 'dns'
    : classic === 'tcp_ip'
      ? 'tcp_ip'
      : classic === 'http-diff'
        ? 'http_blockpage'
        : 'http_failure';
}

/** A verdict for a measurement whose test_keys cannot be read: the engine's own, named for this experiment. */
export function unreadableVerdict(engine: Verdict['engine'], reason: string): Verdict {
  return { ...analyzeMeasurement(null), engine, explanation: `Cannot analyse this measurement: ${reason}.`, reason };
}

/** An experiment's analyze that never throws: a bug becomes this measurement's reason, not a failed batch. */
export function neverThrows(
  engine: Verdict['engine'],
  analyze: (rows: Observation[], m: Measurement<Record<string, unknown>>, options: AnalyzeOptions) => Verdict,
): (rows: Observation[], m: Measurement<Record<string, unknown>>, options: AnalyzeOptions) => Verdict {
  return (rows, m, options) => {
    try {
      return analyze(rows, m, options);
    } catch (err) {
      return unreadableVerdict(engine, `internal error while analysing: ${(err as Error)?.message ?? String(err)}`);
    }
  };
}

/**
 * A service experiment's analyze: its rules give the blocked parts (and, optionally, why OONI discards the
 * measurement); the service verdict does the rest. Never throws.
 */
export function serviceAnalyzer(
  engine: Verdict['engine'],
  service: string,
  partsOf: (rows: Observation[], m: Measurement<Record<string, unknown>>) => BlockedPart[],
  discardOf?: (m: Measurement<Record<string, unknown>>) => string | undefined,
): (rows: Observation[], m: Measurement<Record<string, unknown>>, options: AnalyzeOptions) => Verdict {
  return neverThrows(engine, (rows, m, options) => {
    const failure = discardOf?.(m);
    return serviceVerdict({ engine, service, rows, parts: partsOf(rows, m), options, ...(failure ? { failure } : {}) });
  });
}

/** Written by our probe: OONI's fastpath rules about broken OONI probe versions do not apply to it. */
export function writtenByUs(m: Record<string, unknown>): boolean {
  const annotations = (m.annotations ?? {}) as Record<string, unknown>;
  return m.software_name === 'blockwatch' || annotations.engine_name === 'blockwatch';
}

/** OONI's status strings: "blocked" is blocked, anything else (ok, null, missing) is not. */
export const isBlockedStatus = (v: unknown) => v === 'blocked';
export { str as stringOrNull };

/**
 * The distinct `pick` values of the failed observations `where` selects, sorted: an observation column's list
 * ("which endpoints failed"), stable whatever order the steps ran in.
 */
export function failedValues(
  rows: readonly Observation[],
  where: (o: Observation) => boolean,
  pick: (o: Observation) => string | undefined,
): string[] {
  const out = new Set<string>();
  for (const o of rows) {
    if (o.failure === null || !where(o)) continue;
    const value = pick(o);
    if (value) out.add(value);
  }
  return [...out].sort();
}
