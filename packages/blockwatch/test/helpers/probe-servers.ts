/**
 * Loopback servers for the probe's tests and benchmark (127.0.0.1, port 0):
 *   startFakeHelper   a control helper speaking the OONI TH protocol with a canned answer built from the request
 *                     (or a custom handler: bad status, junk, a stall, a huge body)
 *   startDelayedSite  an HTTP or HTTPS site that answers every request after a fixed delay
 *   startEchoSite     an HTTP(S) site that echoes the client's address in a header and the body (scrub tests)
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ControlRequest, ControlResponse } from '../../src/model/index.ts';

export interface RunningServer {
  url: string;
  port: number;
  requests: number;
  close(): Promise<void>;
}

async function listen(server: Server, host: string, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function closer(server: Server): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** What a helper would answer when everything works from its side. */
export function healthyControl(
  request: ControlRequest,
  page = { status: 200, length: 1000, title: 'Hello' },
): ControlResponse {
  const ips = [...new Set(request.tcp_connect.map((e) => e.replace(/^\[?(.*?)\]?:\d+$/, '$1')))];
  return {
    tcp_connect: Object.fromEntries(request.tcp_connect.map((e) => [e, { status: true, failure: null }])),
    http_request: {
      body_length: page.length,
      failure: null,
      title: page.title,
      headers: { 'Content-Type': 'text/html' },
      status_code: page.status,
    },
    dns: { failure: null, addrs: ips },
  };
}

export async function startFakeHelper(
  options: {
    delayMs?: number;
    handler?: (req: IncomingMessage, res: ServerResponse, request: ControlRequest | null) => void;
    answer?: (request: ControlRequest) => unknown;
  } = {},
): Promise<RunningServer & { received: ControlRequest[] }> {
  const received: ControlRequest[] = [];
  const state = { requests: 0 };
  const server = createHttpServer((req, res) => {
    state.requests++;
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      let request: ControlRequest | null = null;
      try {
        request = JSON.parse(body) as ControlRequest;
        received.push(request);
      } catch {
        // a handler may want to see junk
      }
      const reply = () => {
        if (options.handler) return options.handler(req, res, request);
        if (!request) return res.writeHead(400).end();
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(options.answer ? options.answer(request) : healthyControl(request)));
      };
      if (options.delayMs) setTimeout(reply, options.delayMs);
      else reply();
    });
  });
  const port = await listen(server, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    received,
    get requests() {
      return state.requests;
    },
    close: closer(server),
  };
}

export interface SiteOptions {
  /** present: HTTPS with this key and chain */
  tls?: { key: string; cert: string };
  delayMs?: number;
  host?: string;
  /** default 0 (any free port) */
  port?: number;
  body?: string;
  /** echo the client's address (header X-Client-Address and the body) */
  echoClient?: boolean;
  /** answer 302 with this Location instead of a page */
  redirectTo?: string;
}

export async function startSite(options: SiteOptions = {}): Promise<RunningServer> {
  const state = { requests: 0 };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    state.requests++;
    const reply = () => {
      if (options.redirectTo) return res.writeHead(302, { location: options.redirectTo }).end();
      const client = req.socket.remoteAddress ?? '';
      const body =
        options.body ??
        `<html><head><title>Hello</title></head><body>${options.echoClient ? `you are ${client}` : 'hello'}</body></html>`;
      res.writeHead(200, {
        'content-type': 'text/html',
        ...(options.echoClient ? { 'x-client-address': client } : {}),
      });
      res.end(body);
    };
    if (options.delayMs) setTimeout(reply, options.delayMs);
    else reply();
  };
  const server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : createHttpServer(handler);
  server.keepAliveTimeout = 1000;
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, host, options.port);
  return {
    url: `${options.tls ? 'https' : 'http'}://${host}:${port}/`,
    port,
    get requests() {
      return state.requests;
    },
    close: closer(server),
  };
}
