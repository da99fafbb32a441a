/**
 * One HTTP/1.1 exchange on a fresh connection to a pinned address (undici `Client` + our connector), shared by
 * `httpGet` and DoH. A new Client per exchange: nothing (connections, TLS sessions, cookies) carries over from
 * one measurement, or one hop, to the next.
 */
import type * as net from 'node:net';
import type { Readable } from 'node:stream';
import type * as tls from 'node:tls';
import { Client } from 'undici';
import { createDeadline } from './deadline.ts';
import { dial } from './dial.ts';
import type { Trust } from './trust.ts';

export interface ExchangeRequest {
  url: URL;
  address: string;
  trust: Trust;
  method: 'GET' | 'POST';
  headers: [string, string][];
  body?: Buffer;
  /** budget for TCP connect + TLS handshake, and undici's idle timers (to the response head, between body chunks) */
  idleTimeoutMs: number;
  /** aborts everything (the caller's total deadline) */
  signal: AbortSignal;
  /** hears the TCP connect's outcome (null: connected), then gets the socket the exchange reads from */
  observe?: { connected(failure: string | null): void; socket(socket: net.Socket): void };
}

export interface ExchangeResponse {
  statusCode: number;
  /** name, value, name, value, ... in wire order and case; values decoded as latin1 */
  rawHeaders: string[];
  body: Readable;
  /** ALPN negotiated on the connection ("" for cleartext or none) */
  alpn: string;
}

export interface Exchange {
  response: Promise<ExchangeResponse>;
  /** closes the connection at once (idempotent) */
  close(): void;
}

/**
 * What a finished exchange's Client is destroyed with. Made once, with a fixed stack: left to itself undici makes a
 * ClientDestroyedError per exchange and the socket's teardown formats its stack trace, about a sixth of the probe's
 * CPU per URL (bench/probe.ts). Nothing waits on a finished exchange, so no measurement ever sees this error.
 */
const EXCHANGE_OVER = new Error('the exchange is over');
EXCHANGE_OVER.stack = `Error: ${EXCHANGE_OVER.message}`;

export function defaultPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

export function openExchange(req: ExchangeRequest): Exchange {
  let alpn = '';
  const secure = req.url.protocol === 'https:';
  const hostname = req.url.hostname.startsWith('[') ? req.url.hostname.slice(1, -1) : req.url.hostname;
  const client = new Client(req.url.origin, {
    connect: (_opts, callback) => {
      const deadline = createDeadline(req.idleTimeoutMs, 'connect', req.signal);
      dial(
        {
          address: req.address,
          port: defaultPort(req.url),
          // undici speaks HTTP/1.1 on sockets we hand it, so only offer that
          secure: secure ? { serverName: hostname, alpn: ['http/1.1'], trust: req.trust } : undefined,
        },
        deadline.signal,
        req.observe?.connected,
      )
        .then(
          (socket) => {
            alpn = (socket as tls.TLSSocket).alpnProtocol || '';
            callback(null, socket);
            // after undici has the socket: no response byte can come before its request is written
            req.observe?.socket(socket);
          },
          (err: Error) => callback(err, null),
        )
        .finally(() => deadline.dispose());
    },
    headersTimeout: req.idleTimeoutMs,
    bodyTimeout: req.idleTimeoutMs,
    pipelining: 1,
  });
  const headers: string[] = [];
  for (const [k, v] of req.headers) headers.push(k, v);
  const response = client
    .request({
      path: `${req.url.pathname}${req.url.search}`,
      method: req.method,
      headers,
      body: req.body,
      signal: req.signal,
      responseHeaders: 'raw',
    })
    .then((res) => ({
      statusCode: res.statusCode,
      rawHeaders: res.headers as unknown as string[],
      body: res.body,
      alpn,
    }));
  return {
    response,
    close: () => {
      client.destroy(EXCHANGE_OVER).catch(() => {});
    },
  };
}
