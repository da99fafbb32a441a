/**
 * HTTP GET through a pinned address, following redirects by hand so every hop is recorded (OONI order: newest
 * first). Hostile servers get bounded resources: `maxRedirects` hops, `maxBodyBytes` kept in memory, at most
 * `maxReadBytes` read per hop (then the connection is closed), an idle timer per hop and a total deadline.
 *
 *   hop:  address (pinned | IP literal | resolveHost) -> TCP -> TLS (ours) -> request -> head -> body (capped)
 *   then: 301/302/303/307/308 + Location -> next hop (cookies kept, as a browser would) | done
 */
import { createHash } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { pipeline, type Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { InvalidArgumentError } from '../errors.ts';
import { headerValueToMaybeBinary, toMaybeBinary } from '../measure/binary.ts';
import { extractTitle } from '../measure/title.ts';
import type { Trace } from '../measure/trace.ts';
import {
  type Failure,
  type HttpResponseRecord,
  type HttpTransaction,
  type MaybeBinary,
  OPERATIONS,
  type Operation,
} from '../model/index.ts';
import {
  bogonAddressFailure,
  ClassifiedError,
  classifyError,
  noAddressFailure,
  redirectLocationFailure,
  tooManyRedirectsFailure,
} from './classify.ts';
import { createDeadline, raceSignal } from './deadline.ts';
import { defaultPort, openExchange } from './exchange.ts';
import { trustFor } from './trust.ts';
import { checkIp, checkNonNegativeInt, checkTimeoutMs, formatEndpoint } from './validate.ts';

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
export const DEFAULT_HOP_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
export const DEFAULT_MAX_READ_BYTES = 16 << 20;
export const DEFAULT_MAX_REDIRECTS = 10;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** What `resolveHost` may answer: an IP, null (no address), or a failure from the caller's own lookup. */
export type ResolvedHost = string | null | { failure: Failure };

export interface HttpGetOptions {
  trace: Trace;
  /** pinned IP for the URL's host (every hop to that host uses it); without it the host is resolved */
  address?: string;
  /** resolves other hosts met in redirects (default: the system resolver, first address) */
  resolveHost?: (host: string) => Promise<ResolvedHost>;
  /** addresses this GET may dial, checked on every hop (IP literals in redirects too); others fail as dns_bogon_error */
  allowAddress?: (ip: string) => boolean;
  /** request headers, sent as given (Host is added from the URL) */
  headers?: Record<string, string>;
  /** the first hop's method (default GET); a POST sends an empty body, and redirects are followed with GET */
  method?: 'GET' | 'POST';
  /** extra PEM roots trusted in addition to the system roots */
  ca?: string[];
  /** total budget for the whole chain; default 30 000 */
  timeoutMs?: number;
  /** idle budget per hop (connect + head, and between body chunks); default min(10 000, timeoutMs) */
  hopTimeoutMs?: number;
  /** body bytes kept in the record; default 1 MiB */
  maxBodyBytes?: number;
  /** body bytes read (and hashed, counted) per hop before the connection is closed; default 16 MiB */
  maxReadBytes?: number;
  /** redirects followed before failing; default 10 */
  maxRedirects?: number;
  signal?: AbortSignal;
}

export interface HttpGetResult {
  /** newest first (OONI order): requests[0] is the last hop */
  requests: HttpTransaction[];
  /** the failure of the whole GET (last hop's failure, or a redirect failure), null on success */
  failure: string | null;
}

interface Limits {
  hopTimeoutMs: number;
  maxBodyBytes: number;
  maxReadBytes: number;
}

export async function httpGet(url: string, opts: HttpGetOptions): Promise<HttpGetResult> {
  const start = parseHttpUrl(url);
  if (opts.address !== undefined) checkIp('address', opts.address);
  const timeoutMs = checkTimeoutMs('timeoutMs', opts.timeoutMs, DEFAULT_HTTP_TIMEOUT_MS);
  const limits: Limits = {
    hopTimeoutMs: checkTimeoutMs('hopTimeoutMs', opts.hopTimeoutMs, Math.min(DEFAULT_HOP_TIMEOUT_MS, timeoutMs)),
    maxBodyBytes: checkNonNegativeInt('maxBodyBytes', opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    maxReadBytes: checkNonNegativeInt('maxReadBytes', opts.maxReadBytes, DEFAULT_MAX_READ_BYTES),
  };
  if (limits.maxReadBytes < limits.maxBodyBytes) limits.maxReadBytes = limits.maxBodyBytes;
  const maxRedirects = checkNonNegativeInt('maxRedirects', opts.maxRedirects, DEFAULT_MAX_REDIRECTS);
  const headers = checkHeaders(opts.headers);
  const trust = trustFor(opts.ca);
  const resolveHost = opts.resolveHost ?? resolveWithSystem;

  const total = createDeadline(timeoutMs, 'HTTP GET', opts.signal);
  const cookies = new CookieJar();
  const requests: HttpTransaction[] = [];
  let failure: string | null = null;
  let current = start;
  try {
    for (let hop = 0; ; hop++) {
      let target = await addressFor(current, start, opts.address, resolveHost, total.signal);
      // e.g. the control helper: a redirect must not make it reach its own private network
      if (typeof target === 'string' && opts.allowAddress?.(target) === false)
        target = { failure: bogonAddressFailure() };
      const method = hop === 0 ? (opts.method ?? 'GET') : 'GET';
      const hopHeaders: [string, string][] = method === 'POST' ? [...headers, ['Content-Length', '0']] : headers;
      const tx = await fetchHop(current, method, target, hopHeaders, cookies, trust, limits, opts.trace, total.signal);
      requests.unshift(tx);
      if (tx.failure !== null) {
        failure = tx.failure;
        break;
      }
      const next = redirectTarget(tx.response, current);
      if (next === null) break;
      if (typeof next === 'string') {
        failure = next;
        break;
      }
      if (hop >= maxRedirects) {
        failure = tooManyRedirectsFailure();
        break;
      }
      current = next;
    }
  } finally {
    total.dispose();
  }
  return { requests, failure };
}

function parseHttpUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`url must be an absolute http:// or https:// URL, got ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new InvalidArgumentError(`url must use http or https, got ${JSON.stringify(parsed.protocol)}`);
  }
  return parsed;
}

function checkHeaders(headers: Record<string, string> | undefined): [string, string][] {
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(name) || typeof value !== 'string' || /[\r\n\0]/.test(value)) {
      throw new InvalidArgumentError(
        `headers.${name} is not a valid HTTP header (name token, value without CR/LF/NUL)`,
      );
    }
    if (name.toLowerCase() === 'host') continue; // always taken from the URL being fetched
    out.push([name, value]);
  }
  return out;
}

function bareHost(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** The IP to dial for this hop, or the failure that prevents it. */
async function addressFor(
  url: URL,
  start: URL,
  pinned: string | undefined,
  resolveHost: (host: string) => Promise<ResolvedHost>,
  signal: AbortSignal,
): Promise<string | { failure: Failure }> {
  const host = bareHost(url);
  if (isIP(host) !== 0) return host;
  if (pinned !== undefined && host === bareHost(start)) return pinned;
  try {
    const resolved = await raceSignal(resolveHost(host), signal);
    if (resolved === null) return { failure: noAddressFailure() };
    if (typeof resolved === 'string' && isIP(resolved) === 0) {
      throw new InvalidArgumentError(
        `resolveHost(${JSON.stringify(host)}) must return an IP literal, got ${JSON.stringify(resolved)}`,
      );
    }
    return resolved;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    return { failure: classifyError(err, OPERATIONS.resolve) };
  }
}

async function resolveWithSystem(host: string): Promise<ResolvedHost> {
  const [first] = await dns.lookup(host, { all: true, verbatim: true });
  return first?.address ?? null;
}

async function fetchHop(
  url: URL,
  method: 'GET' | 'POST',
  target: string | { failure: Failure },
  headers: [string, string][],
  cookies: CookieJar,
  trust: ReturnType<typeof trustFor>,
  limits: Limits,
  trace: Trace,
  totalSignal: AbortSignal,
): Promise<HttpTransaction> {
  const host = bareHost(url);
  const requestHeaders: [string, string][] = [['Host', url.host], ...headers];
  const cookie = cookies.header(host);
  if (cookie) requestHeaders.push(['Cookie', cookie]);
  const tx: HttpTransaction = {
    network: 'tcp',
    address: typeof target === 'string' ? formatEndpoint(target, defaultPort(url)) : '',
    alpn: '',
    failure: null,
    request: {
      url: url.href,
      method,
      ...headersRecord(requestHeaders),
      body: '',
      body_is_truncated: false,
      x_transport: 'tcp',
    },
    response: null,
    t0: trace.now(),
    t: 0,
    transaction_id: trace.nextId(),
  };
  if (typeof target !== 'string') {
    tx.failure = target.failure;
    tx.x_failed_operation = OPERATIONS.resolve;
    tx.t = trace.now();
    return tx;
  }
  const events = hopEvents(trace, tx);
  const exchange = openExchange({
    url,
    address: target,
    trust,
    method,
    headers: requestHeaders,
    ...(method === 'POST' ? { body: Buffer.alloc(0) } : {}),
    idleTimeoutMs: limits.hopTimeoutMs,
    // a slow but steady body may take longer than one idle period: only the total deadline bounds the transfer
    signal: totalSignal,
    observe: events,
  });
  try {
    const res = await exchange.response;
    tx.alpn = res.alpn;
    const list = pairs(res.rawHeaders);
    tx.response = { code: res.statusCode, ...headersRecord(list), body: null, body_is_truncated: false };
    cookies.store(host, list);
    const body = await readBody(decodedBody(res.body, list), limits, tx.response);
    if (body.failure !== null) {
      tx.failure = body.failure;
      tx.x_failed_operation = OPERATIONS.read;
      events.failed(body.failure);
    }
  } catch (err) {
    tx.failure = classifyError(err, OPERATIONS.httpRoundTrip);
    // the analysis needs the phase: a stalled TLS handshake and a stalled response are different blocking
    tx.x_failed_operation = failedOperation(err);
    if (tx.x_failed_operation === OPERATIONS.httpRoundTrip) events.failed(tx.failure);
  } finally {
    exchange.close();
  }
  tx.t = trace.now();
  return tx;
}

/**
 * A hop's network events on the trace: the TCP connect, the bytes written by the time the response began, each
 * read as the HTTP client received it (after TLS: the bytes of the exchange itself) and the read failure that
 * ended the hop, all under the hop's transaction id.
 */
function hopEvents(trace: Trace, tx: HttpTransaction) {
  const { address, transaction_id } = tx;
  let socket: Socket | null = null;
  let written = 0;
  const flushWrites = () => {
    const n = socket ? socket.bytesWritten - written : 0;
    if (n <= 0) return;
    written += n;
    trace.event({ operation: 'write', address, num_bytes: n, failure: null, t: trace.now(), transaction_id });
  };
  return {
    connected(failure: string | null) {
      trace.event({ operation: 'connect', address, proto: 'tcp', failure, t: trace.now(), transaction_id });
    },
    socket(s: Socket) {
      socket = s;
      s.on('data', (chunk: Buffer) => {
        flushWrites();
        trace.event({
          operation: 'read',
          address,
          num_bytes: chunk.length,
          failure: null,
          t: trace.now(),
          transaction_id,
        });
      });
    },
    failed(failure: string) {
      flushWrites();
      trace.event({ operation: 'read', address, failure, t: trace.now(), transaction_id });
    },
  };
}

/** The step a dial failure names (connect or TLS, possibly wrapped by undici); else the round trip. */
function failedOperation(err: unknown): Operation {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    if (e instanceof ClassifiedError) return e.operation;
    e = (e as { cause?: unknown }).cause;
  }
  return OPERATIONS.httpRoundTrip;
}

/** Reads the body into `response`: keeps `maxBodyBytes`, counts and hashes up to `maxReadBytes`. */
async function readBody(
  body: AsyncIterable<Buffer> & { destroy(): void },
  limits: Limits,
  response: HttpResponseRecord,
): Promise<{ failure: Failure | null }> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let readBytes = 0;
  let failure: Failure | null = null;
  try {
    for await (const chunk of body) {
      readBytes += chunk.length;
      hash.update(chunk);
      if (keptBytes < limits.maxBodyBytes) {
        const take = Math.min(chunk.length, limits.maxBodyBytes - keptBytes);
        kept.push(take === chunk.length ? chunk : chunk.subarray(0, take));
        keptBytes += take;
      }
      // an endless (or just huge) body: stop reading; what we have is the measurement
      if (readBytes >= limits.maxReadBytes) {
        body.destroy();
        break;
      }
    }
  } catch (err) {
    failure = classifyError(err, OPERATIONS.read);
  }
  const bytes = Buffer.concat(kept, keptBytes);
  response.body = toMaybeBinary(bytes);
  response.body_is_truncated = readBytes > keptBytes;
  response.x_body_length = readBytes;
  response.x_body_sha256 = hash.digest('hex');
  response.x_title = extractTitle(bytes.toString('utf8'));
  return { failure };
}

/**
 * The body as the page author wrote it: gzip, deflate and br are decoded (Go's client, and so OONI, records
 * decoded bodies), and the read limits apply to the decoded bytes, so a compression bomb is bounded too.
 */
function decodedBody(body: Readable, headers: [string, string][]): Readable {
  let encoding = '';
  for (const [name, value] of headers) if (name.toLowerCase() === 'content-encoding') encoding = value;
  const last = encoding.split(',').pop()?.trim().toLowerCase() ?? '';
  const decoder =
    last === 'gzip' || last === 'x-gzip'
      ? zlib.createGunzip()
      : last === 'deflate'
        ? zlib.createInflate()
        : last === 'br'
          ? zlib.createBrotliDecompress()
          : null;
  if (!decoder) return body;
  // pipeline destroys both sides on error or early stop, so a broken stream surfaces on the decoder we read
  pipeline(body, decoder, () => {});
  return decoder;
}

function pairs(raw: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string]);
  return out;
}

/** OONI's two header views: `headers_list` (wire order, every value) and `headers` (first value per name). */
function headersRecord(list: [string, string][]): {
  headers: Record<string, MaybeBinary>;
  headers_list: [string, MaybeBinary][];
} {
  const headers: Record<string, MaybeBinary> = {};
  const headers_list: [string, MaybeBinary][] = [];
  for (const [name, value] of list) {
    const v = headerValueToMaybeBinary(value);
    headers_list.push([name, v]);
    if (!(name in headers)) headers[name] = v;
  }
  return { headers, headers_list };
}

const EMPTY_HOST = /^[a-z][a-z0-9+.-]*:\/\/(?:[/?#]|$)/i;

/** The next URL, a redirect failure string, or null when this response ends the chain. */
function redirectTarget(response: HttpResponseRecord | null, current: URL): URL | Failure | null {
  if (!response || !REDIRECT_STATUSES.has(response.code)) return null;
  const location = response.headers_list.find(([name]) => name.toLowerCase() === 'location')?.[1];
  if (location === undefined) return null; // a 3xx without Location is a final answer
  const text = typeof location === 'string' ? location.trim() : '';
  if (text === '' || EMPTY_HOST.test(text)) return redirectLocationFailure('empty_host');
  let next: URL;
  try {
    next = new URL(text, current);
  } catch {
    return redirectLocationFailure('bad_scheme');
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') return redirectLocationFailure('bad_scheme');
  if (next.hostname === '') return redirectLocationFailure('empty_host');
  return next;
}

/**
 * Just enough of a cookie jar for redirect chains (login walls and consent pages set a cookie, then redirect,
 * and loop forever without it). Host-only, session-only: attributes are ignored on purpose.
 */
class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();

  store(host: string, headers: [string, string][]): void {
    for (const [name, value] of headers) {
      if (name.toLowerCase() !== 'set-cookie') continue;
      const pair = value.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const jar = this.byHost.get(host) ?? new Map<string, string>();
      this.byHost.set(host, jar);
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(host: string): string {
    const jar = this.byHost.get(host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }
}
