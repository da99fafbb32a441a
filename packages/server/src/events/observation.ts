/**
 * From stored measurements to detector observations (pure). Two sources with one meaning:
 *   - a freshly stored batch (the measurement and its verdict in memory): `observationOf`;
 *   - stored rows read back for a rebuild: `observationFromRow`, with the timings computed in SQL by
 *     `TIMINGS_SQL`, which mirrors `timingsOf` (the first successful TLS handshake; the final HTTP response).
 * Which tests feed events and what their subject is: `subject.ts`. Only URL observations carry timings: the
 * throttling baselines compare a network's web targets with each other, and a service test's handshakes and
 * small API requests are not comparable with them.
 */
import {
  BLOCKING_METHODS,
  type BlockingMethod,
  EVIDENCE_STRENGTHS,
  type EvidenceStrength,
  type Outcome,
} from 'blockwatch/model';
import type { AnalyzedMeasurement } from '../store/rows.ts';
import { asnNumber, inputString, sqlTime } from '../store/rows.ts';
import { subjectOf, URL_TEST } from './subject.ts';
import type { Observation } from './types.ts';

const OUTCOMES = new Set<string>(['accessible', 'blocked', 'down', 'unknown']);
const METHODS = new Set<string>(BLOCKING_METHODS);
const STRENGTHS = new Set<string>(EVIDENCE_STRENGTHS);

/**
 * The strength of a stored verdict whose row does not carry it (the store keeps methods, not evidence kinds):
 * what the methods alone prove. A block page or an intercepted certificate is strong; anything else counts weak.
 */
export function strengthOfMethods(methods: readonly BlockingMethod[], confirmed: boolean): EvidenceStrength {
  if (confirmed) return 'certain';
  return methods.includes('http_blockpage') || methods.includes('tls_interception') ? 'strong' : 'weak';
}
/** Throughput is only meaningful for bodies big enough to leave TCP slow start. */
export const MIN_THROUGHPUT_BYTES = 64 * 1024;

/** "YYYY-MM-DD HH:MM:SS" (UTC) → epoch ms. */
export function timeMsOf(sqlUtc: string): number {
  return Date.parse(`${sqlUtc.replace(' ', 'T')}Z`);
}

export function methodsOf(values: readonly unknown[]): BlockingMethod[] {
  return values.filter((m): m is BlockingMethod => typeof m === 'string' && METHODS.has(m));
}

/** Whether a measurement says where it was made: a country and a network (events are per country and network). */
function placed(cc: string, asn: number): boolean {
  return /^[A-Z]{2}$/.test(cc) && cc !== 'ZZ' && asn > 0;
}

interface Timed {
  t0?: unknown;
  t?: unknown;
  failure?: unknown;
}

/** TLS handshake duration and download throughput of a web_connectivity measurement; absent = not measured. */
export function timingsOf(testKeys: unknown): { tlsHandshakeMs?: number; throughputKbps?: number } {
  const tk = (testKeys ?? {}) as Record<string, unknown>;
  const out: { tlsHandshakeMs?: number; throughputKbps?: number } = {};
  const handshakes = Array.isArray(tk.tls_handshakes) ? (tk.tls_handshakes as Timed[]) : [];
  const ok = handshakes.find((h) => h && h.failure === null && typeof h.t === 'number' && typeof h.t0 === 'number');
  if (ok) out.tlsHandshakeMs = ((ok.t as number) - (ok.t0 as number)) * 1000;
  const requests = Array.isArray(tk.requests)
    ? (tk.requests as (Timed & { response?: Record<string, unknown> })[])
    : [];
  const last = requests[0];
  const length = last?.response?.x_body_length;
  if (
    last &&
    last.failure === null &&
    typeof length === 'number' &&
    length >= MIN_THROUGHPUT_BYTES &&
    typeof last.t === 'number' &&
    typeof last.t0 === 'number' &&
    last.t > last.t0
  ) {
    out.throughputKbps = (length * 8) / 1000 / (last.t - last.t0);
  }
  if (out.tlsHandshakeMs !== undefined && !(out.tlsHandshakeMs > 0)) delete out.tlsHandshakeMs;
  return out;
}

/** SQL over `measurement_raw.raw` giving the same two numbers as `timingsOf` (NULL when not measured). */
export const TIMINGS_SQL = `
  arrayFirst(h -> JSONExtractRaw(h, 'failure') = 'null', JSONExtractArrayRaw(r.raw, 'test_keys', 'tls_handshakes')) AS hs,
  if(hs = '', NULL, (JSONExtractFloat(hs, 't') - JSONExtractFloat(hs, 't0')) * 1000) AS tls_handshake_ms,
  JSONExtractRaw(r.raw, 'test_keys', 'requests', 1) AS rq,
  if(rq != '' AND JSONExtractRaw(rq, 'failure') = 'null'
       AND JSONExtractFloat(rq, 'response', 'x_body_length') >= ${MIN_THROUGHPUT_BYTES}
       AND JSONExtractFloat(rq, 't') > JSONExtractFloat(rq, 't0'),
     JSONExtractFloat(rq, 'response', 'x_body_length') * 8 / 1000 / (JSONExtractFloat(rq, 't') - JSONExtractFloat(rq, 't0')),
     NULL) AS throughput_kbps`;

/** A freshly stored measurement → observation, or null when it cannot feed events. */
export function observationOf(item: AnalyzedMeasurement): Observation | null {
  const m = item.measurement;
  const testName = typeof m.test_name === 'string' ? m.test_name : '';
  const subject = subjectOf(testName, inputString(m.input));
  const cc = typeof m.probe_cc === 'string' ? m.probe_cc : '';
  const asn = asnNumber(m.probe_asn);
  if (!subject || !placed(cc, asn) || !OUTCOMES.has(item.verdict.outcome)) return null;
  return {
    id: item.uid,
    timeMs: timeMsOf(sqlTime(m.measurement_start_time ?? m.test_start_time)),
    cc,
    asn,
    input: subject.input,
    domain: subject.domain,
    outcome: item.verdict.outcome,
    methods: methodsOf(item.verdict.methods ?? []),
    confirmed: item.verdict.confirmed === true,
    ...(item.verdict.outcome === 'blocked'
      ? {
          strength:
            typeof item.verdict.strength === 'string' && STRENGTHS.has(item.verdict.strength)
              ? item.verdict.strength
              : strengthOfMethods(methodsOf(item.verdict.methods ?? []), item.verdict.confirmed === true),
        }
      : {}),
    ...(testName === URL_TEST ? timingsOf(m.test_keys) : {}),
  };
}

/** The columns a rebuild reads (see `readObservations`). */
export interface ObservationRow {
  measurement_uid: string;
  test_name: string;
  measurement_start_time: string;
  probe_cc: string;
  probe_asn: number;
  input: string;
  domain: string;
  outcome: string;
  blocking_methods: string[];
  confirmed: boolean;
  /** '' for rows stored before the column existed */
  strength: string;
  tls_handshake_ms: number | null;
  throughput_kbps: number | null;
}

/** A stored row → observation, or null when it cannot feed events: the same rules as `observationOf`. */
export function observationFromRow(row: ObservationRow): Observation | null {
  const subject = subjectOf(row.test_name, row.input);
  if (!subject || !placed(row.probe_cc, row.probe_asn) || !OUTCOMES.has(row.outcome)) return null;
  const o: Observation = {
    id: row.measurement_uid,
    timeMs: timeMsOf(row.measurement_start_time),
    cc: row.probe_cc,
    asn: row.probe_asn,
    input: subject.input,
    domain: (row.test_name === URL_TEST && row.domain) || subject.domain,
    outcome: row.outcome as Outcome,
    methods: methodsOf(row.blocking_methods),
    confirmed: row.confirmed,
  };
  if (o.outcome === 'blocked')
    o.strength = STRENGTHS.has(row.strength)
      ? (row.strength as EvidenceStrength)
      : strengthOfMethods(o.methods, o.confirmed);
  if (row.test_name !== URL_TEST) return o;
  if (row.tls_handshake_ms !== null && row.tls_handshake_ms > 0) o.tlsHandshakeMs = row.tls_handshake_ms;
  if (row.throughput_kbps !== null && row.throughput_kbps > 0) o.throughputKbps = row.throughput_kbps;
  return o;
}
