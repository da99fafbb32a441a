/**
 * The lab's own minimal client: what a subscriber sees, layer by layer, in a few words ("nxdomain",
 * "connection_reset", "403"). It checks that the lab enforces a policy as declared, independently of the probe and
 * of the verdict engine (which the scenarios test separately). Runs inside a subscriber namespace:
 *   node --import tsx observe.ts '{"urls":[...],"resolver":"198.19.1.53","ca":["-----BEGIN…"]}'
 */
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { Failure } from 'blockwatch/model/failures.ts';
import { OPERATIONS, type Operation } from 'blockwatch/model/operations.ts';
import { classifyError, DeadlineError } from 'blockwatch/netx/classify.ts';
import dnsPacket from 'dns-packet';

export interface Observation {
  url: string;
  /** answers in arrival order, '|' between responses ("198.19.1.80|198.18.2.11"), or nxdomain/servfail/timeout */
  dns: string;
  tcp?: string;
  tls?: string;
  /** the issuer CN of the certificate the client saw */
  issuer?: string;
  /** status code, or a failure word */
  http?: string;
  location?: string;
  title?: string;
  /** body throughput, kbit/s (bodies over 256 KiB only) */
  kbit?: number;
  ms: number;
}

export interface ObserveRequest {
  urls: string[];
  resolver: string;
  ca: string[];
  timeoutMs?: number;
}

const LINGER_MS = 400;

export async function observe(req: ObserveRequest): Promise<Observation[]> {
  return Promise.all(req.urls.map((u) => observeOne(u, req)));
}

async function observeOne(url: string, req: ObserveRequest): Promise<Observation> {
  const t0 = Date.now();
  const timeoutMs = req.timeoutMs ?? 3_000;
  const u = new URL(url);
  const host = u.hostname;
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  const out: Observation = { url, dns: '', ms: 0 };
  let address: string | undefined;
  if (net.isIP(host)) {
    address = host;
    out.dns = host;
  } else {
    const responses = await queryA(req.resolver, host, timeoutMs);
    out.dns = responses.length ? responses.map((r) => r.summary).join('|') : 'timeout';
    address = responses.find((r) => r.addresses.length)?.addresses[0];
  }
  if (!address) return { ...out, ms: Date.now() - t0 };
  const conn = await connect(address, port, timeoutMs);
  out.tcp = conn.failure ?? 'ok';
  if (!conn.socket) return { ...out, ms: Date.now() - t0 };
  let stream: net.Socket = conn.socket;
  if (u.protocol === 'https:') {
    const hs = await handshake(conn.socket, host, req.ca, timeoutMs);
    out.tls = hs.failure ?? 'ok';
    if (hs.issuer) out.issuer = hs.issuer;
    if (!hs.socket) return { ...out, ms: Date.now() - t0 };
    stream = hs.socket;
  }
  const res = await get(stream, host, `${u.pathname}${u.search}`, timeoutMs);
  Object.assign(out, res);
  return { ...out, ms: Date.now() - t0 };
}

interface DnsResponse {
  summary: string;
  addresses: string[];
}

/** Sends one A query and keeps listening briefly after the first answer: injected and genuine answers both count. */
function queryA(resolver: string, name: string, timeoutMs: number): Promise<DnsResponse[]> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket('udp4');
    const id = Math.floor(Math.random() * 65535);
    const responses: DnsResponse[] = [];
    let timer = setTimeout(finish, timeoutMs);
    function finish() {
      clearTimeout(timer);
      sock.close();
      resolve(responses);
    }
    sock.on('error', () => finish());
    sock.on('message', (msg) => {
      try {
        const p = dnsPacket.decode(msg) as dnsPacket.DecodedPacket & { rcode?: string };
        if (p.id !== id) return;
        const addresses = (p.answers ?? []).flatMap((a) => (a.type === 'A' ? [String(a.data)] : []));
        const rcode = String(p.rcode ?? 'NOERROR').toLowerCase();
        responses.push({ summary: rcode !== 'noerror' ? rcode : addresses.join(',') || 'noanswer', addresses });
        if (responses.length === 1) {
          clearTimeout(timer);
          timer = setTimeout(finish, LINGER_MS);
        }
      } catch {
        // not DNS: ignore
      }
    });
    sock.connect(53, resolver, () => {
      sock.send(
        dnsPacket.encode({
          type: 'query',
          id,
          flags: dnsPacket.RECURSION_DESIRED,
          questions: [{ type: 'A', name, class: 'IN' }],
        }),
      );
    });
  });
}

/** The probe's failure strings (netx/classify.ts), so that lab observations and measurements use one spelling. */
function failureOf(err: unknown, operation: Operation): string {
  return classifyError(err, operation);
}

/** The peer closed before sending a response head. */
const EOF_FAILURE: Failure = 'eof_error';

/** A step that did not finish within the lab client's budget: the probe's own deadline string. */
const timeoutFailure = () => classifyError(new DeadlineError('lab observation step'), OPERATIONS.connect);

function connect(ip: string, port: number, timeoutMs: number): Promise<{ socket?: net.Socket; failure?: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: ip, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ failure: timeoutFailure() });
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket });
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      resolve({ failure: failureOf(err, OPERATIONS.connect) });
    });
  });
}

function handshake(
  socket: net.Socket,
  servername: string,
  ca: string[],
  timeoutMs: number,
): Promise<{ socket?: tls.TLSSocket; failure?: string; issuer?: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ socket, servername, ca, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ failure: timeoutFailure() });
    }, timeoutMs);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const cn = s.getPeerCertificate()?.issuer?.CN;
      const issuer = Array.isArray(cn) ? cn[0] : cn;
      const identity = tls.checkServerIdentity(servername, s.getPeerCertificate());
      const failure = !s.authorized
        ? classifyAuthorization(String(s.authorizationError))
        : identity
          ? 'ssl_invalid_hostname'
          : undefined;
      resolve({ socket: s, ...(failure ? { failure } : {}), ...(issuer ? { issuer } : {}) });
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      resolve({ failure: failureOf(err, OPERATIONS.tlsHandshake) });
    });
  });
}

/** Node's authorization error code (an OpenSSL verify code) → the probe's certificate failure. */
function classifyAuthorization(code: string): string {
  const failure = classifyError({ code }, OPERATIONS.tlsHandshake);
  return failure.startsWith('ssl_') ? failure : 'ssl_unknown_authority';
}

/** One HTTP/1.1 GET on an open stream; reads the head and up to 8 MiB of body, timing the body for `kbit`. */
function get(
  stream: net.Socket,
  host: string,
  path: string,
  timeoutMs: number,
): Promise<{ http: string; location?: string; title?: string; kbit?: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    let firstByteAt = 0;
    const finish = (r: { http: string; location?: string; title?: string; kbit?: number }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stream.destroy();
      resolve(r);
    };
    const parse = (ended: boolean) => {
      const text = Buffer.concat(chunks)
        .subarray(0, 256 * 1024)
        .toString('utf8');
      const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n/.exec(text);
      if (!head) return finish({ http: size ? 'invalid' : ended ? EOF_FAILURE : timeoutFailure() });
      const location = /\r\nlocation:[ \t]*([^\r\n]*)/i.exec(text)?.[1];
      const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
      const ms = Date.now() - firstByteAt;
      // Throughput only means something for bodies big enough to outlast TCP slow start.
      const kbit = size > 256 * 1024 && ms > 0 ? Math.round((size * 8) / ms) : undefined;
      finish({
        http: head[1],
        ...(location ? { location } : {}),
        ...(title ? { title } : {}),
        ...(kbit ? { kbit } : {}),
      });
    };
    // A timeout after the head still reports the status: a throttled body is not a failed request.
    const timer = setTimeout(() => parse(false), timeoutMs * 4);
    stream.on('data', (c: Buffer) => {
      if (!firstByteAt) firstByteAt = Date.now();
      chunks.push(c);
      size += c.length;
      if (size > 8 * 1024 * 1024) parse(true);
    });
    stream.once('end', () => parse(true));
    stream.once('error', (err) => (size ? parse(true) : finish({ http: failureOf(err, OPERATIONS.httpRoundTrip) })));
    stream.write(
      `GET ${path || '/'} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: blockwatch-lab\r\nConnection: close\r\n\r\n`,
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const request = JSON.parse(process.argv[2] ?? '{}') as ObserveRequest;
  process.stdout.write(`${JSON.stringify(await observe(request))}\n`);
}
