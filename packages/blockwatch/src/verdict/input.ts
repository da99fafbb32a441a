/**
 * Reads an OONI web_connectivity measurement (any engine version, ours or OONI's, possibly wrapped by the API or
 * the collector) into a flat, typed view. Defensive by design: real data carries `null` or missing keys almost
 * everywhere, `failure: false` from old probes, base64 bodies and header values, header maps or header lists.
 * What cannot be read at all becomes a `problem` (the verdict's `reason`); nothing here throws.
 */
import { parseIp } from './bogons.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { FollowupView } from './followups.ts';
import { extractTitle } from './http-compare.ts';
import { utf8Length } from './utf8-length.ts';

export interface Tagged {
  /** Redirect depth from a `depth=N` tag; 0 when the probe wrote no tags (v0.4 and early v0.5). */
  depth: number;
  /** From `fetch_body=true|false`; null when untagged. */
  fetchBody: boolean | null;
  transactionId: number;
}

export interface DnsAnswerView {
  type: string;
  /** ipv4, ipv6 or hostname */
  value: string;
  asn: number | null;
}

export interface DnsView extends Tagged {
  engine: string;
  hostname: string;
  queryType: string;
  resolver: string;
  failure: string | null;
  answers: DnsAnswerView[];
}

export interface TcpView extends Tagged {
  ip: string;
  port: number;
  failure: string | null;
}

export interface TlsView extends Tagged {
  address: string;
  serverName: string;
  failure: string | null;
  /** The chain, leaf first, as base64 DER. */
  certificates: string[];
  validatedByExtraCa: boolean;
}

export interface HttpView extends Tagged {
  url: string;
  address: string;
  failure: string | null;
  /** 0 when there was no response */
  status: number;
  /** lower-case name → first value */
  headers: Map<string, string>;
  body: string;
  /** the recorded base64 data when the body was recorded as binary (the text is decoded only when read) */
  bodyBase64: string | null;
  bodyBytes: number;
  /** the page title (see extractTitle), computed on first use and remembered per page */
  title: string;
  truncated: boolean;
  /** the step that failed, when the probe recorded it (`x_failed_operation`: connect, tls_handshake, …) */
  failedOperation: string | null;
  /**
   * Body bytes the hop received (ours: `x_body_length`, counted even past the recorded snapshot and when the read
   * failed; else the sum of this transaction's `network_events` reads, where OONI recorded them); null: unknown.
   */
  bodyBytesRead: number | null;
  /** the hop's duration in seconds (`t − t0`), null when not recorded */
  seconds: number | null;
  /** the hop's successful reads in `network_events` (bytes, times of the first and last), null when none recorded */
  reads: HopReads | null;
}

export interface HopReads {
  bytes: number;
  /** seconds since the measurement began */
  first: number;
  last: number;
}

export interface ControlView {
  dns: { failure: string | null; addrs: string[] } | null;
  tcp: Map<string, { status: boolean; failure: string | null }>;
  tls: Map<string, { serverName: string; status: boolean; failure: string | null; issuer: string | null }>;
  http: {
    failure: string | null;
    status: number;
    bodyLength: number;
    title: string;
    headers: Map<string, string>;
  } | null;
  ipAsn: Map<string, number>;
}

export interface MeasurementView {
  input: string;
  url: URL;
  host: string;
  testVersion: string | null;
  probeCc: string | null;
  probeAsn: string | null;
  reportId: string | null;
  measurementUid: string | null;
  queries: DnsView[];
  tcp: TcpView[];
  tls: TlsView[];
  /** newest first, as OONI writes them: requests[0] is the last hop */
  requests: HttpView[];
  control: ControlView | null;
  controlFailure: string | null;
  /** the measurement's own top-level failure keys */
  recordedFailures: string[];
  /** the measurement's own `http_experiment_failure` (old engines record it without any request) */
  recordedHttpFailure: string | null;
  /** the measurement's own v0.5 flags, used to recognise untagged v0.5 data */
  hasLteKeys: boolean;
  /** our probe's decoy-SNI follow-ups (`x_sni_followups`); unreadable entries are left out */
  sniFollowups: FollowupView[];
  /** our probe's decoy-Host follow-ups (`x_host_followups`); unreadable entries are left out */
  hostFollowups: FollowupView[];
}

export type ReadResult =
  | { ok: true; view: MeasurementView }
  | {
      ok: false;
      reason: string;
      input: string | null;
      ids: { reportId: string | null; measurementUid: string | null };
    };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
/** Three-state failure: null = success; old probes wrote `false` for success. */
const failureOf = (v: unknown): string | null => (typeof v === 'string' ? v : null);

class Problems {
  first: string | null = null;
  add(message: string) {
    this.first ??= message;
  }
  /** An array field: absent or null is "not measured"; anything else but an array is a problem. */
  list(parent: Obj, key: string, path: string): unknown[] {
    const v = parent[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.add(`${path}.${key} is ${typeof v}, expected an array`);
      return [];
    }
    return v;
  }
  entries(parent: Obj, key: string, path: string): Obj[] {
    const out: Obj[] = [];
    this.list(parent, key, path).forEach((e, i) => {
      if (isObj(e)) out.push(e);
      else this.add(`${path}.${key}[${i}] is ${e === null ? 'null' : typeof e}, expected an object`);
    });
    return out;
  }
}

function tagsOf(record: Obj): Tagged {
  let depth = 0;
  let fetchBody: boolean | null = null;
  const tags = record.tags;
  if (Array.isArray(tags)) {
    for (const t of tags) {
      if (typeof t !== 'string') continue;
      if (t.startsWith('depth=')) depth = Number(t.slice(6)) || 0;
      else if (t === 'fetch_body=true') fetchBody = true;
      else if (t === 'fetch_body=false') fetchBody = false;
    }
  }
  return { depth, fetchBody, transactionId: int(record.transaction_id) ?? 0 };
}

function decodeBase64(data: string): Uint8Array {
  try {
    const bin = atob(data);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}

const utf8 = new TextDecoder('utf-8');

/**
 * Byte lengths of big bodies seen before: the same pages come back across measurements, and comparing a body with
 * the cached one of equal length costs a quarter of counting its UTF-8 bytes again.
 */
const bodyByteLengths = new BoundedCache<number>(256, 16 * 1024 * 1024);
const CACHED_LENGTH_MIN = 4096;

const titlesByText = new BoundedCache<string>(256, 16 * 1024 * 1024);
const titlesByBase64 = new BoundedCache<string>(256, 16 * 1024 * 1024);

/** The title of a body, by its recorded form (text or base64 data): a page seen before is not decoded again. */
function cachedTitle(cache: BoundedCache<string>, key: string, text: () => string): string {
  if (key.length < CACHED_LENGTH_MIN) return extractTitle(text());
  let title = cache.get(key);
  if (title === undefined) {
    title = extractTitle(text());
    cache.set(key, title);
  }
  return title;
}

function bodyByteLength(body: string): number {
  if (body.length < CACHED_LENGTH_MIN) return utf8Length(body);
  let bytes = bodyByteLengths.get(body);
  if (bytes === undefined) {
    bytes = utf8Length(body);
    bodyByteLengths.set(body, bytes);
  }
  return bytes;
}

/** MaybeBinaryData → text and its byte length (computed on first use: most bodies never need it). */
function maybeBinary(v: unknown): { text: string; bytes: number; base64: string | null; title: string } {
  if (typeof v === 'string') {
    let bytes: number | undefined;
    let title: string | undefined;
    return {
      text: v,
      base64: null,
      get bytes() {
        bytes ??= bodyByteLength(v);
        return bytes;
      },
      get title() {
        title ??= cachedTitle(titlesByText, v, () => v);
        return title;
      },
    };
  }
  if (isObj(v) && v.format === 'base64' && typeof v.data === 'string') {
    const data = v.data;
    let text: string | undefined;
    let title: string | undefined;
    const decoded = () => {
      text ??= utf8.decode(decodeBase64(data));
      return text;
    };
    return {
      // Decoding costs more than everything else the engine does with a body: only when the text is read.
      get text() {
        return decoded();
      },
      bytes: base64Length(data),
      base64: data,
      get title() {
        title ??= cachedTitle(titlesByBase64, data, decoded);
        return title;
      },
    };
  }
  return { text: '', bytes: 0, base64: null, title: '' };
}

/** MaybeBinaryData → text, decoded at once (header values are short). */
function binaryText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isObj(v) && v.format === 'base64' && typeof v.data === 'string') return utf8.decode(decodeBase64(v.data));
  return '';
}

/** Decoded length of base64 data, without decoding it (padding optional, as `atob` accepts). */
function base64Length(data: string): number {
  let n = data.length;
  while (n > 0 && data.charCodeAt(n - 1) === 61 /* = */) n--;
  return Math.floor((n * 3) / 4);
}

function headerMap(record: Obj | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!record) return out;
  const list = record.headers_list;
  if (Array.isArray(list) && list.length > 0) {
    for (const pair of list) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string') continue;
      const name = pair[0].toLowerCase();
      if (!out.has(name)) out.set(name, binaryText(pair[1]));
    }
    return out;
  }
  const headers = record.headers;
  if (isObj(headers)) {
    for (const [name, value] of Object.entries(headers)) {
      const first = Array.isArray(value) ? value[0] : value;
      const key = name.toLowerCase();
      if (!out.has(key)) out.set(key, binaryText(first));
    }
  }
  return out;
}

/** "1.2.3.4:443" / "[::1]:443" → ip, port */
export function splitEndpoint(address: string): { ip: string; port: number } {
  const m = /^\[(.*)\]:(\d+)$/.exec(address) ?? /^([^:]*):(\d+)$/.exec(address);
  return m ? { ip: m[1] as string, port: Number(m[2]) } : { ip: address, port: 0 };
}

/**
 * "ip:port" as OONI writes endpoints, IPv6 in brackets: the keys of the control's `tcp_connect`/`tls_handshake`
 * and every endpoint the analysis names. The port may be text from an untyped record and is written as it is.
 * netx's `formatEndpoint` is its twin, by the same rule, for the probe side (netx may not import the engine).
 */
export function endpointKey(ip: string, port: number | string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Unwraps the shapes measurements arrive in: raw, `{content}` (collector), `{raw_measurement}` (API meta). */
export function unwrapMeasurement(value: unknown): unknown {
  let v = value;
  for (let i = 0; i < 3 && isObj(v) && !('test_keys' in v); i++) {
    const inner = v.raw_measurement ?? v.content ?? v.measurement;
    if (typeof inner === 'string') {
      try {
        v = JSON.parse(inner);
      } catch {
        return v;
      }
    } else if (isObj(inner)) v = inner;
    else break;
  }
  return v;
}

function readControl(value: unknown, problems: Problems): ControlView | null {
  if (!isObj(value)) return null;
  const dnsRec = isObj(value.dns) ? value.dns : null;
  const dns = dnsRec
    ? {
        failure: failureOf(dnsRec.failure),
        addrs: Array.isArray(dnsRec.addrs) ? dnsRec.addrs.filter((a): a is string => typeof a === 'string') : [],
      }
    : null;
  const tcp = new Map<string, { status: boolean; failure: string | null }>();
  if (isObj(value.tcp_connect)) {
    for (const [ep, r] of Object.entries(value.tcp_connect)) {
      if (isObj(r)) tcp.set(ep, { status: r.status === true, failure: failureOf(r.failure) });
    }
  }
  const tls = new Map<string, { serverName: string; status: boolean; failure: string | null; issuer: string | null }>();
  if (isObj(value.tls_handshake)) {
    for (const [ep, r] of Object.entries(value.tls_handshake)) {
      if (isObj(r))
        tls.set(ep, {
          serverName: str(r.server_name) ?? '',
          status: r.status === true,
          failure: failureOf(r.failure),
          issuer: str(r.x_issuer),
        });
    }
  }
  let http: ControlView['http'] = null;
  if (isObj(value.http_request)) {
    const h = value.http_request;
    if (h.headers !== undefined && h.headers !== null && !isObj(h.headers))
      problems.add('test_keys.control.http_request.headers is not an object');
    http = {
      failure: failureOf(h.failure),
      status: int(h.status_code) ?? -1,
      bodyLength: int(h.body_length) ?? -1,
      title: str(h.title) ?? '',
      headers: headerMap(h),
    };
  }
  const ipAsn = new Map<string, number>();
  if (isObj(value.ip_info)) {
    for (const [ip, r] of Object.entries(value.ip_info)) {
      const asn = isObj(r) ? int(r.asn) : null;
      if (asn !== null) ipAsn.set(ip, asn);
    }
  }
  return { dns, tcp, tls, http, ipAsn };
}

export function readMeasurement(value: unknown): ReadResult {
  const m = unwrapMeasurement(value);
  const ids = {
    reportId: isObj(m) ? str(m.report_id) : null,
    measurementUid: isObj(m) ? str(m.measurement_uid) : null,
  };
  const fail = (reason: string, input: string | null = null): ReadResult => ({ ok: false, reason, input, ids });
  if (!isObj(m))
    return fail(
      `the measurement is ${m === null ? 'null' : Array.isArray(m) ? 'an array' : typeof m}, expected an object`,
    );
  const testName = m.test_name;
  if (testName !== undefined && testName !== 'web_connectivity')
    return fail(
      `test_name is ${JSON.stringify(testName)}: only web_connectivity measurements are analysed`,
      str(m.input),
    );
  const tk = m.test_keys;
  if (!isObj(tk))
    return fail(`test_keys is ${tk === undefined ? 'missing' : tk === null ? 'null' : `a ${typeof tk}`}`, str(m.input));
  const problems = new Problems();
  const controlRequest = isObj(tk.x_control_request) ? tk.x_control_request : null;
  const input = str(m.input) ?? (controlRequest ? str(controlRequest.http_request) : null);
  if (input === null) return fail(m.input === undefined ? 'input is missing' : 'input is not a string');
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return fail(`input ${JSON.stringify(input.slice(0, 200))} is not a URL`, input);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return fail(`input ${JSON.stringify(input.slice(0, 200))} is not an http(s) URL`, input);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;

  // Plain loops and explicit fields: this runs on every record of every measurement.
  const queries: DnsView[] = [];
  for (const q of problems.entries(tk, 'queries', 'test_keys')) {
    const answers: DnsAnswerView[] = [];
    if (Array.isArray(q.answers)) {
      for (const a of q.answers) {
        if (!isObj(a)) continue;
        const value = str(a.ipv4) ?? str(a.ipv6) ?? str(a.hostname);
        if (value !== null) answers.push({ type: str(a.answer_type) ?? '', value, asn: int(a.asn) });
      }
    }
    const tags = tagsOf(q);
    queries.push({
      depth: tags.depth,
      fetchBody: tags.fetchBody,
      transactionId: tags.transactionId,
      engine: str(q.engine) ?? 'system',
      hostname: str(q.hostname) ?? '',
      queryType: str(q.query_type) ?? '',
      resolver: str(q.resolver_address) ?? '',
      failure: failureOf(q.failure),
      answers,
    });
  }

  const tcp: TcpView[] = [];
  const connects = problems.entries(tk, 'tcp_connect', 'test_keys');
  for (let i = 0; i < connects.length; i++) {
    const c = connects[i] as Obj;
    const status = isObj(c.status) ? c.status : null;
    const ip = str(c.ip);
    if (ip === null || status === null) {
      problems.add(`test_keys.tcp_connect[${i}] has no ${ip === null ? 'ip' : 'status'}`);
      continue;
    }
    const failure =
      failureOf(status.failure) ?? (status.success === false ? 'unknown_failure: no failure recorded' : null);
    const tags = tagsOf(c);
    tcp.push({
      depth: tags.depth,
      fetchBody: tags.fetchBody,
      transactionId: tags.transactionId,
      ip,
      port: int(c.port) ?? 0,
      failure,
    });
  }

  const tls: TlsView[] = [];
  for (const h of problems.entries(tk, 'tls_handshakes', 'test_keys')) {
    const certificates: string[] = [];
    if (Array.isArray(h.peer_certificates)) {
      for (const c of h.peer_certificates) {
        if (isObj(c) && typeof c.data === 'string') certificates.push(c.data);
        else if (typeof c === 'string') certificates.push(c);
      }
    }
    const tags = tagsOf(h);
    tls.push({
      depth: tags.depth,
      fetchBody: tags.fetchBody,
      transactionId: tags.transactionId,
      address: str(h.address) ?? '',
      serverName: str(h.server_name) ?? '',
      failure: failureOf(h.failure),
      certificates,
      validatedByExtraCa: h.x_validated_by_extra_ca === true,
    });
  }

  // OONI's network_events can hold thousands of entries: summed only if a verdict asks for a hop's byte count.
  let reads: Map<number, HopReads> | undefined;
  const readsOf = (tx: number | null) => {
    reads ??= networkReads(tk.network_events);
    return reads.get(tx ?? -1) ?? null;
  };
  const requests: HttpView[] = problems.entries(tk, 'requests', 'test_keys').map((r) => {
    const request = isObj(r.request) ? r.request : null;
    const response = isObj(r.response) ? r.response : null;
    const body = response ? maybeBinary(response.body) : { text: '', bytes: 0, base64: null, title: '' };
    const bodyLength = response && int(response.x_body_length);
    return {
      get bodyBytesRead() {
        return bodyLength ?? readsOf(int(r.transaction_id))?.bytes ?? null;
      },
      get reads() {
        return readsOf(int(r.transaction_id));
      },
      get bodyBytes() {
        return body.bytes;
      },
      get body() {
        return body.text;
      },
      get title() {
        return body.title;
      },
      bodyBase64: body.base64,
      ...tagsOf(r),
      url: (request && str(request.url)) ?? '',
      address: str(r.address) ?? '',
      failure: failureOf(r.failure),
      status: (response && int(response.code)) ?? 0,
      headers: headerMap(response),
      truncated: response?.body_is_truncated === true,
      failedOperation: str(r.x_failed_operation) ?? null,
      seconds: (() => {
        const t0 = int(r.t0);
        const t = int(r.t);
        return t0 !== null && t !== null && t >= t0 ? t - t0 : null;
      })(),
    };
  });

  if (tk.control !== undefined && tk.control !== null && !isObj(tk.control))
    problems.add(`test_keys.control is ${typeof tk.control}, expected an object`);
  const control = readControl(tk.control, problems);
  if (problems.first) return fail(problems.first, input);

  const recordedFailures = ['control_failure', 'dns_experiment_failure', 'http_experiment_failure']
    .map((k) => tk[k])
    .filter((v): v is string => typeof v === 'string');
  return {
    ok: true,
    view: {
      input,
      url,
      host,
      testVersion: str(m.test_version),
      probeCc: str(m.probe_cc),
      probeAsn: str(m.probe_asn),
      reportId: ids.reportId,
      measurementUid: ids.measurementUid,
      queries,
      tcp,
      tls,
      requests,
      control,
      controlFailure: failureOf(tk.control_failure),
      recordedFailures,
      recordedHttpFailure: failureOf(tk.http_experiment_failure),
      hasLteKeys: 'x_blocking_flags' in tk || 'x_dns_flags' in tk,
      sniFollowups: readFollowups(tk.x_sni_followups, 'server_name', 'decoy_server_name'),
      hostFollowups: readFollowups(tk.x_host_followups, 'host', 'decoy_host'),
    },
  };
}

/**
 * Follow-up entries. An extension key is evidence on top of OONI's, never a reason to refuse the measurement:
 * entries that cannot be read are skipped instead of becoming a `problem`. A failure that is neither a string nor
 * null is unreadable; an absent `retry_failure` means the retry did not run.
 */
function readFollowups(value: unknown, nameKey: string, decoyKey: string): FollowupView[] {
  if (!Array.isArray(value)) return [];
  const out: FollowupView[] = [];
  // the probe writes at most two per key: a longer list is not ours, and must not cost a scan per handshake
  for (const e of value.slice(0, 16)) {
    if (!isObj(e)) continue;
    const address = str(e.address);
    const name = str(e[nameKey]);
    const decoy = str(e[decoyKey]);
    const decoyFailure = e.decoy_failure;
    const retry = e.retry_failure;
    if (address === null || name === null || decoy === null) continue;
    if (decoyFailure !== null && typeof decoyFailure !== 'string') continue;
    if (retry !== undefined && retry !== null && typeof retry !== 'string') continue;
    out.push({
      address,
      name,
      decoy,
      decoyFailure,
      decoyStatus: int(e.decoy_status_code),
      retryFailure: retry,
    });
  }
  return out;
}

/** Bytes read per transaction id and when, from `network_events` (`operation: "read"`, `num_bytes`, `t`). */
function networkReads(events: unknown): Map<number, HopReads> {
  const out = new Map<number, HopReads>();
  if (!Array.isArray(events)) return out;
  for (const e of events) {
    if (!isObj(e) || e.operation !== 'read' || e.failure !== null) continue;
    const tx = int(e.transaction_id);
    const n = int(e.num_bytes);
    const t = int(e.t) ?? 0;
    if (tx === null || n === null || n <= 0) continue;
    const hop = out.get(tx);
    if (!hop) out.set(tx, { bytes: n, first: t, last: t });
    else {
      hop.bytes += n;
      hop.first = Math.min(hop.first, t);
      hop.last = Math.max(hop.last, t);
    }
  }
  return out;
}

/** True when the URL's host is an IP literal (no DNS step). */
export function hostIsIp(view: MeasurementView): boolean {
  return parseIp(view.host) !== null;
}
