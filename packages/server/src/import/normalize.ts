/**
 * Turns what OONI publishes into one measurement plus OONI's verdict (pure):
 * - unwraps the collector wrapper `{format:"json", content}` and the API's `measurement_meta` document
 *   (`{raw_measurement, anomaly, confirmed, failure, scores, measurement_uid}`);
 * - fills what legacy measurements lack so they can be stored: `measurement_start_time` from
 *   `test_start_time`/`start_time`/`bucket_date`/the uid's upload time, `probe_asn` "AS0", `probe_cc` "ZZ", `data_format_version` "0.1.0"
 *   (each filled field is listed in `filled`);
 * - scrubs `probe_ip`.
 */
import { ooniVerdictAny } from 'blockwatch/experiments/registry.ts';
import type { OoniVerdict } from '../store/rows.ts';

export interface Normalized {
  measurement: Record<string, unknown>;
  ooniUid?: string;
  ooni?: OoniVerdict;
  filled: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function asBool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 't' || v === 'true') return true;
  if (v === 'f' || v === 'false') return false;
  return undefined;
}

/** OONI API metadata (measurement_meta or a search result) → fastpath flags. */
export function fastpathVerdict(meta: Record<string, unknown>): OoniVerdict | undefined {
  const out: OoniVerdict = {};
  const anomaly = asBool(meta.anomaly);
  const confirmed = asBool(meta.confirmed);
  const failure = asBool(meta.failure ?? meta.msm_failure);
  if (anomaly !== undefined) out.anomaly = anomaly;
  if (confirmed !== undefined) out.confirmed = confirmed;
  if (failure !== undefined) out.failure = failure;
  if (typeof meta.scores === 'string') {
    try {
      out.scores = JSON.parse(meta.scores);
    } catch {
      out.scores = meta.scores;
    }
  } else if (isObject(meta.scores)) out.scores = meta.scores;
  return Object.keys(out).length ? out : undefined;
}

export function isApiMetadata(value: unknown): boolean {
  return (
    isObject(value) &&
    'measurement_uid' in value &&
    'scores' in value &&
    !('test_keys' in value) &&
    !('raw_measurement' in value)
  );
}

function startTimeOf(m: Record<string, unknown>): string | undefined {
  for (const key of ['test_start_time', 'start_time']) {
    const v = m[key];
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}/.test(v))
      return v.slice(0, 19).replace('T', ' ');
    if (typeof v === 'number' && Number.isFinite(v) && v > 0)
      return new Date(v * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  if (typeof m.bucket_date === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(m.bucket_date))
    return `${m.bucket_date} 00:00:00`;
  // Last resort: the collector's upload time, the first part of an OONI uid.
  const uid =
    typeof m.measurement_uid === 'string'
      ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\./.exec(m.measurement_uid)
      : null;
  if (uid) return `${uid[1]}-${uid[2]}-${uid[3]} ${uid[4]}:${uid[5]}:${uid[6]}`;
  return undefined;
}

export function normalize(value: unknown, sidecar?: Record<string, unknown>): Normalized | { error: string } {
  let doc = value;
  let meta: Record<string, unknown> | undefined = sidecar;
  if (isObject(doc) && doc.format === 'json' && isObject(doc.content)) doc = doc.content;
  if (isObject(doc) && 'raw_measurement' in doc) {
    meta = doc;
    const raw = doc.raw_measurement;
    if (typeof raw === 'string') {
      if (raw === '') return { error: 'OONI API metadata with an empty raw_measurement' };
      try {
        doc = JSON.parse(raw);
      } catch {
        return { error: 'raw_measurement is not valid JSON' };
      }
    } else doc = raw;
  }
  if (!isObject(doc)) return { error: 'not a measurement (expected a JSON object)' };
  if (!('test_keys' in doc)) return { error: 'not a measurement (no test_keys)' };
  const m: Record<string, unknown> = { ...doc };
  const filled: string[] = [];
  if (typeof m.measurement_start_time !== 'string') {
    const t = startTimeOf(m);
    if (t) {
      m.measurement_start_time = t;
      filled.push('measurement_start_time');
    }
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(m.measurement_start_time)) {
    m.measurement_start_time = m.measurement_start_time.slice(0, 19).replace('T', ' ');
  }
  const defaults = { probe_asn: 'AS0', probe_cc: 'ZZ', data_format_version: '0.1.0' } as const;
  for (const [key, value] of Object.entries(defaults)) {
    if (m[key] === undefined || m[key] === null) {
      m[key] = value;
      filled.push(key);
    }
  }
  m.probe_ip = '127.0.0.1';
  const ooniUid =
    typeof m.measurement_uid === 'string'
      ? m.measurement_uid
      : typeof meta?.measurement_uid === 'string'
        ? meta.measurement_uid
        : undefined;
  delete m.measurement_uid;

  // the probe's own verdict, as its experiment reads its test keys; OONI's fastpath flags, if published, win
  const ooni = { ...ooniVerdictAny(m), ...(meta ? fastpathVerdict(meta) : {}) };
  return {
    measurement: m,
    ...(ooniUid ? { ooniUid } : {}),
    ...(Object.keys(ooni).length ? { ooni } : {}),
    filled,
  };
}
