/**
 * A hand-written fast path for the measurement schema (blockwatch/model's zod schema), for the collector's hot
 * path: `surelyValid` returns true only for measurements the schema certainly accepts, and false whenever in
 * doubt, in which case the caller runs the schema itself (which then names the offending field). It may be
 * stricter than the schema, never looser; fast-check.test.ts holds it to that. Pure.
 */

type Json = Record<string, unknown>;

const MAX_STRING = 1 << 20;
const START_TIME = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/;
const ASN = /^AS\d+$/;
const CC = /^[A-Z]{2}$/;
const TEST_NAME = /^[a-z0-9_]+$/;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const absent = (v: unknown) => v === undefined || v === null;
const optString = (v: unknown) => absent(v) || typeof v === 'string';
const optShort = (v: unknown) => absent(v) || (typeof v === 'string' && v.length <= MAX_STRING);
const optNumber = (v: unknown) => absent(v) || (typeof v === 'number' && Number.isFinite(v));
const optBoolean = (v: unknown) => absent(v) || typeof v === 'boolean';
const optFailure = (v: unknown) => absent(v) || v === false || typeof v === 'string';
/** Present keys of `zod.optional(string)` may not be null. */
const undefOrString = (v: unknown) => v === undefined || typeof v === 'string';
const binary = (v: unknown) =>
  typeof v === 'string' || (isObject(v) && v.format === 'base64' && typeof v.data === 'string');

/** (A for loop, not `every`: that skips the holes of a sparse array.) */
function allStrings(items: unknown[], maxLength: number): boolean {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item !== 'string' || item.length > maxLength) return false;
  }
  return true;
}

function optArray(v: unknown, each: (item: unknown) => boolean): boolean {
  if (absent(v)) return true;
  if (!Array.isArray(v)) return false;
  for (const item of v) if (!each(item)) return false;
  return true;
}

function headers(v: unknown): boolean {
  if (absent(v)) return true;
  if (!isObject(v)) return false;
  for (const key in v) {
    const value = v[key];
    if (!binary(value) && !(Array.isArray(value) && allStrings(value, Number.POSITIVE_INFINITY))) return false;
  }
  return true;
}

const headersList = (v: unknown) =>
  optArray(v, (pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && binary(pair[1]));

const dnsAnswer = (a: unknown) =>
  isObject(a) &&
  typeof a.answer_type === 'string' &&
  undefOrString(a.ipv4) &&
  undefOrString(a.ipv6) &&
  undefOrString(a.hostname) &&
  optNumber(a.ttl) &&
  optNumber(a.asn);

const dnsQuery = (q: unknown) =>
  isObject(q) &&
  optString(q.hostname) &&
  optString(q.query_type) &&
  optString(q.engine) &&
  optString(q.resolver_address) &&
  optFailure(q.failure) &&
  optArray(q.answers, dnsAnswer) &&
  optNumber(q.t);

const tcpConnect = (c: unknown) =>
  isObject(c) &&
  typeof c.ip === 'string' &&
  Number.isInteger(c.port) &&
  (c.port as number) >= 0 &&
  (c.port as number) <= 65535 &&
  isObject(c.status) &&
  typeof c.status.success === 'boolean' &&
  optFailure(c.status.failure) &&
  optBoolean(c.status.blocked) &&
  optNumber(c.t);

const tlsHandshake = (h: unknown) =>
  isObject(h) &&
  optString(h.address) &&
  optString(h.server_name) &&
  optFailure(h.failure) &&
  optString(h.cipher_suite) &&
  optString(h.tls_version) &&
  optString(h.negotiated_protocol) &&
  optArray(h.peer_certificates, binary) &&
  optNumber(h.t);

const httpRequest = (r: unknown) =>
  absent(r) ||
  (isObject(r) && optString(r.url) && optString(r.method) && headers(r.headers) && headersList(r.headers_list));

const httpResponse = (r: unknown) =>
  absent(r) ||
  (isObject(r) &&
    optNumber(r.code) &&
    headers(r.headers) &&
    headersList(r.headers_list) &&
    (absent(r.body) || binary(r.body)) &&
    optBoolean(r.body_is_truncated));

const httpTransaction = (t: unknown) =>
  isObject(t) && optFailure(t.failure) && httpRequest(t.request) && httpResponse(t.response) && optNumber(t.t);

function webConnectivityKeys(k: Json): boolean {
  return (
    optArray(k.queries, dnsQuery) &&
    optArray(k.tcp_connect, tcpConnect) &&
    optArray(k.tls_handshakes, tlsHandshake) &&
    optArray(k.requests, httpTransaction) &&
    (absent(k.control) || isObject(k.control)) &&
    optString(k.control_failure) &&
    optString(k.dns_experiment_failure) &&
    optString(k.http_experiment_failure) &&
    optString(k.dns_consistency) &&
    optBoolean(k.body_length_match) &&
    optNumber(k.body_proportion) &&
    optBoolean(k.status_code_match) &&
    optBoolean(k.headers_match) &&
    optBoolean(k.title_match) &&
    optFailure(k.blocking) &&
    optBoolean(k.accessible)
  );
}

/** True only if the measurement schema certainly accepts `m`; false means "ask the schema". */
export function surelyValid(m: Json): boolean {
  const s = m.measurement_start_time;
  const ok =
    (absent(m.annotations) || isObject(m.annotations)) &&
    typeof m.data_format_version === 'string' &&
    m.data_format_version.length <= MAX_STRING &&
    (optShort(m.input) || (Array.isArray(m.input) && allStrings(m.input, MAX_STRING))) &&
    typeof s === 'string' &&
    START_TIME.test(s) &&
    typeof m.probe_asn === 'string' &&
    ASN.test(m.probe_asn) &&
    typeof m.probe_cc === 'string' &&
    CC.test(m.probe_cc) &&
    optShort(m.probe_ip) &&
    optShort(m.probe_network_name) &&
    optShort(m.report_id) &&
    optShort(m.software_name) &&
    optShort(m.software_version) &&
    (m.test_keys === null || isObject(m.test_keys)) &&
    typeof m.test_name === 'string' &&
    TEST_NAME.test(m.test_name) &&
    optNumber(m.test_runtime) &&
    optShort(m.test_start_time) &&
    optShort(m.test_version);
  if (!ok) return false;
  return !(m.test_name === 'web_connectivity' && isObject(m.test_keys)) || webConnectivityKeys(m.test_keys);
}
