/**
 * The control helper's HTTP server: OONI's test-helper protocol at `POST /` (and `POST /api/v1/websites`),
 * health at `GET /`. A plain `node:http` server: the probe install stays light, and the protocol is one route.
 *
 * Bounded on every side: request bodies (413), in-flight requests (503 when full, like OONI's helper),
 * time to send a request (Node's request/header timeouts), and a deadline per measurement after which the
 * answer goes out with whatever timed out marked `generic_timeout_error`. A bad request gets 400 and a JSON body
 * naming the field; nothing a client sends can crash the process. One log line per request, without the
 * client's address: the helper must not become a list of who measured what.
 */
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '../errors.ts';
import { DeadlineError, InterruptedError } from '../netx/index.ts';
import type { ResolvePins } from '../probe/resolve-pins.ts';
import { isBogon } from '../verdict/index.ts';
import { type MeasureDeps, measureControl } from './measure.ts';
import { parseControlRequest } from './request.ts';
import { createCleanResolver, type Upstream } from './resolver.ts';

export const HELPER_VERSION = '0.1.0';
export const DEFAULT_DEADLINE_MS = 30_000;
/** OONI's helper answers 503 from 25 requests in flight. */
export const DEFAULT_CONCURRENCY = 25;
/** A control request is a URL, three headers and ≤ 64 endpoints: a few KiB. */
export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024;
/** OONI's helper reads pages up to 16 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Extra time after the deadline before an unfinished measurement is answered with 504 (a safety net). */
const DEADLINE_GRACE_MS = 2_000;
const ROUTES = new Set(['/', '/api/v1/websites']);

export interface HelperServerOptions {
  /** REQUIRED: where names are resolved: `{kind:'doh', url}` or `{kind:'udp', address:'ip[:port]'}` */
  upstream: Upstream;
  /** OPTIONAL: extra trust roots (PEM), e.g. the lab's CA */
  ca?: string[];
  /** OPTIONAL: fixed answers (`--resolve HOST:PORT:ADDR`); their addresses count as public */
  pins?: ResolvePins;
  /** OPTIONAL: time budget of one measurement, ms (default 30 000) */
  deadlineMs?: number;
  /** OPTIONAL: requests measured at once; more get 503 (default 25) */
  concurrency?: number;
  /** OPTIONAL: largest accepted request body, bytes (default 64 KiB) */
  maxRequestBytes?: number;
  /** OPTIONAL: most bytes of a page read, bytes (default 16 MiB) */
  maxBodyBytes?: number;
  /** OPTIONAL: IP → ASN for `ip_info` (0 when unknown) */
  asnOf?: (ip: string) => number | null;
  /** OPTIONAL: addresses an operator declares public although they are bogons (the lab's 198.18.0.0/15) */
  isPublicOverride?: (ip: string) => boolean;
  /** OPTIONAL: serve HTTPS with this certificate chain and key (PEM); probes should not send their URLs in clear */
  tls?: { cert: string; key: string };
  /** OPTIONAL: receives one line per request */
  log?: (line: string) => void;
}

export interface HelperServer {
  readonly server: Server;
  /** Starts listening; resolves with the base URL, e.g. `http://127.0.0.1:43210/` (`https://` with `tls`). */
  listen(port: number, host: string): Promise<string>;
  /** Stops accepting, aborts measurements in flight, closes every connection. */
  close(): Promise<void>;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new InvalidArgumentError(`${name} must be a positive integer, got ${value}`);
  return value;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}) {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...extraHeaders,
  });
  res.end(text);
}

class BodyTooLarge extends Error {}

/**
 * Reads the request body, refusing more than `limit` bytes. On refusal the rest is left for Node to drain after
 * the response (bounded by the server's request timeout): closing early would reset the connection before the
 * client reads the 413.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return reject(new BodyTooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(new BodyTooLarge());
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('client went away before sending the whole request'));
    });
  });
}

function formatLine(fields: Record<string, string | number | null>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"=]/.test(v) ? JSON.stringify(v) : v}`)
    .join(' ');
}

export function createHelperServer(options: HelperServerOptions): HelperServer {
  const { upstream } = options;
  if (upstream?.kind === 'doh') {
    let url: URL | undefined;
    try {
      url = new URL(upstream.url);
    } catch {}
    if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
      throw new InvalidArgumentError(`upstream.url must be an http(s) DoH URL, got '${upstream.url}'`);
    }
  } else if (upstream?.kind !== 'udp' || !upstream.address) {
    throw new InvalidArgumentError("upstream must be {kind:'doh', url} or {kind:'udp', address}");
  }
  const deadlineMs = positiveInteger('deadlineMs', options.deadlineMs, DEFAULT_DEADLINE_MS);
  const concurrency = positiveInteger('concurrency', options.concurrency, DEFAULT_CONCURRENCY);
  const maxRequestBytes = positiveInteger('maxRequestBytes', options.maxRequestBytes, DEFAULT_MAX_REQUEST_BYTES);
  const maxBodyBytes = positiveInteger('maxBodyBytes', options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const log = options.log ?? (() => {});

  const pinnedAddresses = new Set([...(options.pins?.values() ?? [])].flat());
  const isPublicOverride = options.isPublicOverride ?? (() => false);
  const deps: MeasureDeps = {
    resolve: createCleanResolver({ upstream, pins: options.pins, ca: options.ca }),
    isBogon: (ip) => isBogon(ip) && !pinnedAddresses.has(ip) && !isPublicOverride(ip),
    asnOf: (ip) => options.asnOf?.(ip) ?? 0,
    ca: options.ca,
    maxBodyBytes,
  };

  const shutdown = new AbortController();
  // every request in flight listens for shutdown; that is not a leak
  setMaxListeners(concurrency + 16, shutdown.signal);
  let inFlight = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    const logRequest = (status: number, extra: Record<string, string | number | null> = {}) =>
      log(
        formatLine({
          time: new Date(started).toISOString(),
          method: req.method ?? '-',
          path,
          status,
          ...extra,
          ms: Date.now() - started,
        }),
      );
    res.setHeader('server', `blockwatch-helper/${HELPER_VERSION}`);

    if (!ROUTES.has(path)) {
      sendJson(res, 404, { error: `no such endpoint '${path}': POST the control request to /` });
      return logRequest(404);
    }
    if (req.method === 'GET' && path === '/') {
      sendJson(res, 200, { message: 'Hello OONItarian!' });
      return logRequest(200);
    }
    if (req.method !== 'POST') {
      sendJson(
        res,
        405,
        { error: `method ${req.method} not allowed: POST the control request` },
        { allow: 'GET, POST' },
      );
      return logRequest(405);
    }
    if (inFlight >= concurrency) {
      sendJson(res, 503, { error: `busy: ${concurrency} requests in flight, try again` }, { 'retry-after': '1' });
      return logRequest(503);
    }
    inFlight++;
    const controller = new AbortController();
    // the endpoint checks, the fetch and the resolver all listen to the request's signal
    setMaxListeners(64, controller.signal);
    const onShutdown = () => controller.abort(shutdown.signal.reason);
    shutdown.signal.addEventListener('abort', onShutdown);
    // The reasons classify: what our deadline cuts is a timeout, what shutdown cuts is interrupted.
    const timer = setTimeout(() => controller.abort(new DeadlineError('control measurement')), deadlineMs);
    try {
      let body: Buffer;
      try {
        body = await readBody(req, maxRequestBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          sendJson(res, 413, { error: `request body larger than ${maxRequestBytes} bytes` });
          return logRequest(413);
        }
        res.destroy();
        return logRequest(499);
      }
      let json: unknown;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (err) {
        sendJson(res, 400, { error: `request body is not valid JSON: ${(err as Error).message}`, field: '(root)' });
        return logRequest(400, { field: '(root)' });
      }
      const parsed = parseControlRequest(json);
      if (!parsed.ok) {
        sendJson(res, 400, { error: parsed.error, field: parsed.field });
        return logRequest(400, { field: parsed.field });
      }
      const request = parsed.request;
      let graceTimer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => {
        graceTimer = setTimeout(() => resolve(null), deadlineMs + DEADLINE_GRACE_MS - (Date.now() - started));
      });
      const result = await Promise.race([measureControl(request, deps, started + deadlineMs, controller.signal), late]);
      clearTimeout(graceTimer);
      if (result === null) {
        controller.abort(new DeadlineError('control measurement'));
        sendJson(res, 504, { error: `measurement did not finish within ${deadlineMs} ms` });
        return logRequest(504, { host: request.host });
      }
      sendJson(res, 200, result.response);
      const { stats } = result;
      logRequest(200, {
        host: request.host,
        dns_ms: stats.dnsMs,
        tcp: `${stats.tcpOk}/${stats.endpoints}`,
        tls: `${stats.tlsOk}/${stats.tlsTried}`,
        http: stats.httpFailure ?? stats.httpStatus,
      });
    } catch (err) {
      // A bug, never a client's doing: answer, log, keep serving.
      sendJson(res, 500, { error: 'internal error' });
      logRequest(500, { error: (err as Error).message ?? String(err) });
    } finally {
      clearTimeout(timer);
      shutdown.signal.removeEventListener('abort', onShutdown);
      inFlight--;
    }
  };

  const serverOptions = { requestTimeout: 15_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  let server: Server;
  try {
    server = options.tls
      ? createTlsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, onRequest)
      : createServer(serverOptions, onRequest);
  } catch (err) {
    throw new InvalidArgumentError(`tls: the certificate or key is not usable (${(err as Error).message})`);
  }
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve(`${options.tls ? 'https' : 'http'}://${shown}:${address.port}/`);
        });
      });
    },
    close() {
      shutdown.abort(new InterruptedError());
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
