/**
 * Satellite's verification step and Hyperquack's handshake, on the netx primitives: a TLS handshake with a chosen
 * SNI to an address (the certificate is recorded whatever the verification says), and an HTTP GET pinned to an
 * address with a chosen Host. Each returns the OONI-format records and the reduced view the analysis compares.
 */
import { createHash } from 'node:crypto';
import type { Trace } from '../measure/trace.ts';
import type { HttpTransaction, MaybeBinary, TcpConnect, TlsHandshake } from '../model/index.ts';
import { httpGet } from '../netx/http.ts';
import { tcpConnect } from '../netx/tcp.ts';
import { tlsHandshake } from '../netx/tls.ts';
// leafIssuer reads only `certificates` of the handshake view
import type { TlsView } from '../verdict/input.ts';
import { leafIssuer } from '../verdict/interception.ts';
import type { QuackAttempt } from './analyze-http.ts';

/** Bodies kept per response: enough for titles and block-page fingerprints (Censored Planet keeps 64 KB). */
export const REMOTE_MAX_BODY_BYTES = 64 * 1024;
/** Verification failures: the handshake completed, the certificate is just not the name's. */
const CERT_FAILURES = new Set(['ssl_invalid_hostname', 'ssl_unknown_authority', 'ssl_invalid_certificate']);

export interface Records {
  tcp_connect: TcpConnect[];
  tls_handshakes: TlsHandshake[];
  requests: HttpTransaction[];
}

export const emptyRecords = (): Records => ({ tcp_connect: [], tls_handshakes: [], requests: [] });

export interface HandshakeView {
  /** network failure (the handshake did not complete), else null */
  failure: string | null;
  failedOperation?: string;
  /** verification result: null = trusted certificate for the name */
  verifyFailure: string | null;
  tlsVersion?: string;
  certSha256?: string;
  issuer?: string | null;
}

/** The leaf's hash and issuer; the issuer as the pure analysis reads it back from a stored record. */
function leafOf(record: TlsHandshake): { sha256: string; issuer: string | null } | null {
  const leaf = record.peer_certificates?.[0] as MaybeBinary | undefined;
  if (!leaf || typeof leaf === 'string') return null;
  const der = Buffer.from(leaf.data, 'base64');
  return {
    sha256: createHash('sha256').update(der).digest('hex'),
    issuer: leafIssuer({ certificates: [leaf.data] } as TlsView),
  };
}

export async function handshakeAt(
  address: string,
  port: number,
  serverName: string,
  opts: { trace: Trace; timeoutMs: number; ca?: string[]; signal?: AbortSignal },
  records: Records,
): Promise<HandshakeView> {
  const tcp = await tcpConnect(address, port, { trace: opts.trace, timeoutMs: opts.timeoutMs, signal: opts.signal });
  records.tcp_connect.push(tcp.record);
  if (!tcp.socket) {
    const failure = tcp.record.status.failure ?? 'generic_timeout_error';
    return { failure, failedOperation: 'connect', verifyFailure: failure };
  }
  const { record, tlsSocket } = await tlsHandshake(tcp.socket, {
    trace: opts.trace,
    address: `${address}:${port}`,
    serverName,
    alpn: ['http/1.1'],
    timeoutMs: opts.timeoutMs,
    ...(opts.ca ? { ca: opts.ca } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  tlsSocket?.destroy();
  records.tls_handshakes.push(record);
  const leaf = leafOf(record);
  const completed = record.failure === null || (CERT_FAILURES.has(record.failure) && leaf !== null);
  if (!completed) {
    return { failure: record.failure, failedOperation: 'tls_handshake', verifyFailure: record.failure };
  }
  return {
    failure: null,
    verifyFailure: record.failure,
    tlsVersion: record.tls_version,
    ...(leaf ? { certSha256: leaf.sha256, issuer: leaf.issuer } : {}),
  };
}

/** What a page fetch shows: the HTTP fields of a Hyperquack attempt. */
export type PageView = Omit<QuackAttempt, 'domain' | 'tlsVersion' | 'certSha256'>;

/** GET http://HOST/ from `address` (no redirects followed: a redirect is part of the answer). */
export async function pageAt(
  address: string,
  port: number,
  host: string,
  opts: { trace: Trace; timeoutMs: number; signal?: AbortSignal },
  records: Records,
): Promise<PageView> {
  const url = `http://${host}${port === 80 ? '' : `:${port}`}/`;
  const result = await httpGet(url, {
    trace: opts.trace,
    address,
    timeoutMs: opts.timeoutMs,
    maxRedirects: 0,
    maxBodyBytes: REMOTE_MAX_BODY_BYTES,
    maxReadBytes: REMOTE_MAX_BODY_BYTES * 16,
    headers: { 'User-Agent': 'Mozilla/5.0', Accept: '*/*' },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const tx = result.requests[result.requests.length - 1];
  if (tx) records.requests.push(tx);
  const response = tx?.response;
  const failure = result.failure === 'http_too_many_redirects' ? null : result.failure;
  if (!response || (failure !== null && !response.code)) {
    return { failure: failure ?? 'http_request_failed', failedOperation: tx?.x_failed_operation ?? 'http_round_trip' };
  }
  if (failure !== null) return { failure, failedOperation: tx?.x_failed_operation ?? 'read' };
  const body = response.body;
  const location = response.headers_list.find(([n]) => n.toLowerCase() === 'location')?.[1];
  return {
    failure: null,
    status: response.code,
    title: response.x_title ?? '',
    ...(response.x_body_sha256 ? { bodySha256: response.x_body_sha256 } : {}),
    bodyLength: response.x_body_length ?? 0,
    ...(typeof body === 'string' ? { body } : {}),
    ...(typeof location === 'string' ? { location } : {}),
  };
}
