/**
 * Loopback servers for tests (127.0.0.1, port 0), each one misbehaving in one precise way a censor or a hostile
 * site does. Every server tracks its connections so `close()` is immediate, even with stalled clients.
 *
 *   startHttpServer / startHttpsServer   any handler; HTTPS with a certificate from test/helpers/pki.ts
 *   startUdpDnsServer                    answers chosen per question: several replies per query (a forged one first,
 *                                        the real one later), NXDOMAIN/SERVFAIL/REFUSED, empty answers, silence
 *   startDohServer                       the same responder over RFC 8484 (plus bad HTTP status / content type)
 *   startTcpServer                       reset on connect, reset or FIN after the first bytes (e.g. the ClientHello),
 *                                        accept and stall, or reply with plaintext
 *   startRedirectLoopServer              redirects forever
 *   startEndlessBodyServer               a 200 whose body never ends
 *   startBlackholeServer                 a port whose SYNs are dropped (a full accept queue): connect hangs
 *   unusedPort                           a port nobody listens on (connection refused)
 */
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as dnsPacket from 'dns-packet';
import type { TestCertificate } from './pki.ts';

export const LOOPBACK = '127.0.0.1';

export interface RunningServer {
  host: string;
  port: number;
  /** "127.0.0.1:port" */
  address: string;
  close(): Promise<void>;
}

export interface RunningHttpServer extends RunningServer {
  /** http(s)://127.0.0.1:port/ (or the `host` the server listens on; IPv6 in brackets) */
  url: string;
  /** the same server under another host name (pin the address when fetching) */
  urlFor(host: string, path?: string): string;
}

function trackSockets(server: net.Server): () => void {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return () => {
    for (const s of sockets) s.destroy();
  };
}

async function listen(server: net.Server, host = LOOPBACK): Promise<RunningServer> {
  const destroyAll = trackSockets(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    host,
    port,
    address: net.isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        destroyAll();
        server.close(() => resolve());
      }),
  };
}

function httpUrls(scheme: 'http' | 'https', base: RunningServer): Pick<RunningHttpServer, 'url' | 'urlFor'> {
  return {
    url: `${scheme}://${base.address}/`,
    urlFor: (host, path = '/') => `${scheme}://${host}:${base.port}${path}`,
  };
}

export async function startHttpServer(
  handler: http.RequestListener,
  opts: { host?: string } = {},
): Promise<RunningHttpServer> {
  const base = await listen(http.createServer(handler), opts.host);
  return { ...base, ...httpUrls('http', base) };
}

export async function startHttpsServer(
  handler: http.RequestListener,
  opts: { cert: TestCertificate; sendChain?: boolean; host?: string },
): Promise<RunningHttpServer> {
  const server = https.createServer(
    { cert: opts.sendChain ? opts.cert.chainPem : opts.cert.certPem, key: opts.cert.keyPem },
    handler,
  );
  const base = await listen(server, opts.host);
  return { ...base, ...httpUrls('https', base) };
}

// ---------------------------------------------------------------------------------------------------------------
// DNS

export interface DnsRecordSpec {
  type: 'A' | 'AAAA' | 'CNAME';
  data: string;
  ttl?: number;
  /** owner name; defaults to the question name */
  name?: string;
}

export interface DnsReply {
  /** wait this long (ms) after the query before sending */
  delayMs?: number;
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | 'FORMERR';
  answers?: DnsRecordSpec[];
  /** reply with another id (an off-path injector that guessed wrong) */
  wrongId?: boolean;
  /** DoH only: answer with this HTTP status (and a text body) instead */
  httpStatus?: number;
}

export interface DnsQuestion {
  name: string;
  type: string;
}

/** Replies to send for one question, in order ([] = stay silent). */
export type DnsResponder = (q: DnsQuestion) => DnsReply[];

/** Common responders. */
export const dnsReplies = {
  address: (ip: string, ttl = 60): DnsReply[] => [
    { answers: [{ type: net.isIP(ip) === 6 ? 'AAAA' : 'A', data: ip, ttl }] },
  ],
  rcode: (rcode: NonNullable<DnsReply['rcode']>): DnsReply[] => [{ rcode }],
  noAnswer: (): DnsReply[] => [{ rcode: 'NOERROR', answers: [] }],
  silent: (): DnsReply[] => [],
  /** GFW style: a forged answer at once, the real one `delayMs` later */
  injected: (forgedIp: string, realIp: string, delayMs = 50): DnsReply[] => [
    { answers: [{ type: 'A', data: forgedIp, ttl: 60 }] },
    { delayMs, answers: [{ type: 'A', data: realIp, ttl: 300 }] },
  ],
};

const RCODE_FLAG: Record<NonNullable<DnsReply['rcode']>, number> = {
  NOERROR: 0,
  FORMERR: 1,
  SERVFAIL: 2,
  NXDOMAIN: 3,
  REFUSED: 5,
};

function encodeReply(query: dnsPacket.DecodedPacket, reply: DnsReply): Buffer {
  const question = query.questions?.[0];
  return dnsPacket.encode({
    type: 'response',
    id: reply.wrongId ? ((query.id ?? 0) + 1) % 65536 : query.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | RCODE_FLAG[reply.rcode ?? 'NOERROR'],
    questions: query.questions,
    answers: (reply.answers ?? []).map((a) => ({
      type: a.type,
      name: a.name ?? question?.name ?? '',
      ttl: a.ttl ?? 60,
      class: 'IN' as const,
      data: a.data,
    })),
  });
}

function questionOf(query: dnsPacket.DecodedPacket): DnsQuestion {
  const q = query.questions?.[0];
  return { name: q?.name ?? '', type: String(q?.type ?? '') };
}

export interface RunningDnsServer extends RunningServer {
  /** every question received, in order */
  queries: DnsQuestion[];
}

export async function startUdpDnsServer(responder: DnsResponder, host = LOOPBACK): Promise<RunningDnsServer> {
  const socket = dgram.createSocket('udp4');
  const timers = new Set<NodeJS.Timeout>();
  const queries: DnsQuestion[] = [];
  socket.on('message', (msg, rinfo) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = questionOf(query);
    queries.push(question);
    for (const reply of responder(question)) {
      const send = () => socket.send(encodeReply(query, reply), rinfo.port, rinfo.address);
      if (!reply.delayMs) send();
      else {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, reply.delayMs);
        timers.add(t);
      }
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, host, () => resolve()));
  const { port } = socket.address();
  return {
    host,
    port,
    address: `${host}:${port}`,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        socket.close(() => resolve());
      }),
  };
}

export interface RunningDohServer extends RunningHttpServer, Pick<RunningDnsServer, 'queries'> {}

/** RFC 8484 POST /dns-query; the first reply of the responder is sent (none: the request stalls). */
export async function startDohServer(
  responder: DnsResponder,
  opts: { cert: TestCertificate },
): Promise<RunningDohServer> {
  const queries: DnsQuestion[] = [];
  const server = await startHttpsServer(
    (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let query: dnsPacket.DecodedPacket;
        try {
          query = dnsPacket.decode(Buffer.concat(chunks));
        } catch {
          res.writeHead(400).end('bad dns message');
          return;
        }
        const question = questionOf(query);
        queries.push(question);
        const [reply] = responder(question);
        if (!reply) return; // silent: leave the request hanging
        const respond = () => {
          if (reply.httpStatus) {
            res.writeHead(reply.httpStatus, { 'content-type': 'text/plain' }).end('no');
            return;
          }
          const body = encodeReply(query, reply);
          res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': body.length }).end(body);
        };
        if (reply.delayMs) setTimeout(respond, reply.delayMs);
        else respond();
      });
    },
    { cert: opts.cert },
  );
  return { ...server, url: `https://${server.address}/dns-query`, queries };
}

// ---------------------------------------------------------------------------------------------------------------
// TCP misbehaviour

export type TcpBehaviour =
  /** accept, then RST at once */
  | 'reset-on-connect'
  /** accept, then RST 20 ms later, before the client says anything */
  | 'reset-soon'
  /** read the first bytes (a ClientHello, an HTTP request), then RST: SNI/Host-based reset injection */
  | 'reset-after-first-bytes'
  /** read the first bytes, then FIN without a word: SNI-blocking proxy, `eof_error` */
  | 'fin-after-first-bytes'
  /** accept and never answer: a DROPping middlebox after the handshake */
  | 'stall'
  /** answer the first bytes with plaintext (an HTTP block page on the TLS port) */
  | 'plaintext-reply';

export interface RunningTcpServer extends RunningServer {
  /** how many connections were accepted */
  connections(): number;
}

export async function startTcpServer(behaviour: TcpBehaviour): Promise<RunningTcpServer> {
  let count = 0;
  const server = net.createServer((socket) => {
    count++;
    socket.on('error', () => {});
    switch (behaviour) {
      case 'reset-on-connect':
        socket.resetAndDestroy();
        break;
      case 'reset-soon': {
        const timer = setTimeout(() => socket.resetAndDestroy(), 20);
        socket.on('close', () => clearTimeout(timer));
        break;
      }
      case 'reset-after-first-bytes':
        socket.once('data', () => socket.resetAndDestroy());
        break;
      case 'fin-after-first-bytes':
        socket.once('data', () => socket.end());
        break;
      case 'plaintext-reply':
        socket.once('data', () => socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 7\r\n\r\nBlocked'));
        break;
      case 'stall':
        break;
    }
  });
  const base = await listen(server);
  return { ...base, connections: () => count };
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile HTTP

/** `/n` answers 302 to `/n+1`, forever. `hops()` counts the requests served. */
export async function startRedirectLoopServer(): Promise<RunningHttpServer & { hops(): number }> {
  let hops = 0;
  const server = await startHttpServer((req, res) => {
    hops++;
    const n = Number((req.url ?? '/0').slice(1)) || 0;
    res.writeHead(302, { location: `/${n + 1}`, 'content-length': 0 }).end();
  });
  return { ...server, hops: () => hops };
}

/** A 200 whose body never ends (64 KiB chunks as fast as the client reads). `bytesSent()` tells how far it got. */
export async function startEndlessBodyServer(): Promise<RunningHttpServer & { bytesSent(): number }> {
  let sent = 0;
  const chunk = Buffer.alloc(64 * 1024, 'A');
  const server = await startHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write('<html><head><title>Endless</title></head><body>');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) sent += chunk.length;
      if (!res.destroyed) {
        sent += chunk.length;
        res.once('drain', pump);
      }
    };
    res.on('close', () => res.removeAllListeners('drain'));
    pump();
  });
  return { ...server, bytesSent: () => sent };
}

/** A loopback port with no listener (connecting gets RST: `connection_refused`). */
export async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, LOOPBACK, () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A port that drops SYNs, as a blackholing censor does: a child process listens with backlog 1 (0 would mean Node's default) and is stopped
 * (SIGSTOP) so it never accepts; once the accept queue is filled, the kernel silently drops further SYNs, so a
 * connect waits for our own deadline. Loopback only, no firewall rules, no root.
 */
export async function startBlackholeServer(): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      "require('net').createServer().listen({ host: '127.0.0.1', port: 0, backlog: 1 }, function () { console.log(this.address().port) })",
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
  });
  child.kill('SIGSTOP');
  // fill the accept queue (backlog + 1 entries); these connections complete in the kernel and then sit there
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 4; i++) {
    const s = net.connect({ host: LOOPBACK, port });
    s.on('error', () => {});
    fillers.push(s);
  }
  await new Promise((r) => setTimeout(r, 50));
  return {
    host: LOOPBACK,
    port,
    address: `${LOOPBACK}:${port}`,
    close: async () => {
      for (const s of fillers) s.destroy();
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
}
