/**
 * The ISP daemon (runs in an ISP's router namespace): the ISP's resolver, the on-path DNS interceptor, the block-page
 * host and the transparent censoring proxy. Kernel rules (see policy.ts) steer to it exactly the flows a rule may
 * concern; it decides per flow from what a DPI box sees (DNS question, ClientHello SNI, Host header) and otherwise
 * relays untouched, so an unmatched flow behaves as if the proxy were not there.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { serveControl } from '../control.ts';
import { run } from '../exec.ts';
import { parseClientHelloSni, parseHttpHost } from '../peek.ts';
import { type CertifiedKey, issueLeaf, loadAuthority } from '../pki.ts';
import type { IspPlan } from '../plan.ts';
import { addressMatches, type DaemonPolicy, type DaemonProxyRule, domainMatches, type Intercept } from '../policy.ts';
import { buildResponse, type DecodedQuery, decodeQuery } from '../zone.ts';

export interface IspConfig {
  controlSocket: string;
  isp: IspPlan;
  /** where the ISP resolver recurses to */
  upstream: string;
  /** resolvers whose queries rules may divert here: resolver → local port (static for the lab's life) */
  dnsIntercepts: { resolver: string; localPort: number }[];
  nationalIntermediate: CertifiedKey;
  ispRoot: CertifiedKey;
  /** the lab root: the interception proxy verifies the real sites with it, as a real middlebox would */
  labRootCert: string;
  /** the in-ISP hosting server's certificate (lab root), for remote HTTPS measurement */
  hostingCert?: CertifiedKey;
}

const UPSTREAM_TIMEOUT_MS = 2_000;
const PEEK_TIMEOUT_MS = 5_000;
const PEEK_MAX_BYTES = 64 * 1024;
/** how long a "dropped" flow is held before the proxy lets go of it */
const BLACKHOLE_HOLD_MS = 120_000;
const DEFAULT_BOGON = '10.10.34.35';
const DEFAULT_INJECT_DELAY_MS = 150;

export async function runIsp(config: IspConfig): Promise<void> {
  const { isp } = config;
  let policy: DaemonPolicy = { dns: [], proxy: [], intercepts: [], dnsIntercepts: config.dnsIntercepts };
  const intermediate = await loadAuthority(config.nationalIntermediate);
  const ispRoot = await loadAuthority(config.ispRoot);

  const openResolvers = isp.openResolvers ?? [];
  const hosting = isp.hostingServer;
  for (const address of [isp.resolver, isp.blockpage, ...openResolvers, ...(hosting ? [hosting] : [])]) {
    await run('ip', ['addr', 'replace', `${address}/32`, 'dev', 'lo']);
  }

  // --- DNS -----------------------------------------------------------------------------------------------------
  const bindUdp = async (port: number, upstream: string, intercepted: boolean, address = isp.resolver) => {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      const q = decodeQuery(msg);
      if (q) void answerDns(sock, q, msg, rinfo, upstream, intercepted);
    });
    sock.on('error', () => {});
    await new Promise<void>((resolve) => sock.bind(port, address, resolve));
  };
  await bindUdp(53, config.upstream, false);
  // Open resolvers inside the ISP forward like the ISP's own, and the censor's DNS rules rewrite them the same way.
  for (const address of openResolvers) await bindUdp(53, config.upstream, false, address);
  for (const { resolver, localPort } of config.dnsIntercepts) await bindUdp(localPort, resolver, true);

  async function answerDns(
    sock: dgram.Socket,
    q: DecodedQuery,
    raw: Buffer,
    client: dgram.RemoteInfo,
    upstream: string,
    intercepted: boolean,
  ): Promise<void> {
    const send = (buf: Buffer) => sock.send(buf, client.port, client.address);
    const rule = policy.dns.find(
      (r) => (!intercepted || r.resolvers === 'all') && r.domains.some((d) => domainMatches(d, q.name)),
    );
    if (!rule) {
      send((await forwardDns(raw, upstream, isp.resolver)) ?? buildResponse(q, { rcode: 'SERVFAIL' }));
      return;
    }
    switch (rule.action) {
      case 'dns.nxdomain':
        return send(buildResponse(q, { rcode: 'NXDOMAIN' }));
      case 'dns.blockpage':
        return send(buildResponse(q, { addresses: [rule.answer ?? isp.blockpage] }));
      case 'dns.bogon':
        return send(buildResponse(q, { addresses: [rule.answer ?? DEFAULT_BOGON] }));
      case 'dns.localhost':
        return send(buildResponse(q, { addresses: ['127.0.0.1'] }));
      case 'dns.inject': {
        // The forged answer leaves at once; the genuine one is let through late, as behind an on-path injector.
        send(buildResponse(q, { addresses: [rule.answer ?? isp.blockpage], ttl: 60 }));
        const [genuine] = await Promise.all([
          forwardDns(raw, upstream, isp.resolver),
          new Promise((r) => setTimeout(r, rule.delayMs ?? DEFAULT_INJECT_DELAY_MS)),
        ]);
        if (genuine) send(genuine);
        return;
      }
    }
  }

  // --- block page host ------------------------------------------------------------------------------------------
  const blockCert = await issueLeaf({ names: [`block.${isp.id}.lab`, isp.blockpage], issuer: ispRoot });
  const blockHandler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const body = blockPage(isp, host);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  await listenOn(http.createServer(blockHandler), isp.blockpage, 80);
  await listenOn(
    https.createServer({ cert: [blockCert.cert, ...blockCert.chain].join(''), key: blockCert.key }, blockHandler),
    isp.blockpage,
    443,
  );

  // --- an unrelated site hosted inside the ISP (Hyperquack's vantage point) --------------------------------------
  if (hosting) {
    const hostingHandler = (_req: http.IncomingMessage, res: http.ServerResponse) => {
      // Every Host gets the same page, like a default virtual host: differences only come from the path.
      const body = hostingPage(isp);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    await listenOn(http.createServer(hostingHandler), hosting, 80);
    const cert = config.hostingCert ?? (await issueLeaf({ names: [`www.hosting-${isp.id}.lab`], issuer: ispRoot }));
    await listenOn(
      https.createServer({ cert: [cert.cert, ...cert.chain].join(''), key: cert.key }, hostingHandler),
      hosting,
      443,
    );
  }

  // --- TLS interception: a local TLS server presenting forged certificates, relaying to the real site ----------
  const forged = new Map<string, Promise<tls.SecureContext>>();
  const forge = (name: string) => {
    let ctx = forged.get(name);
    if (!ctx) {
      ctx = issueLeaf({ names: [name], issuer: intermediate }).then((ck) =>
        tls.createSecureContext({ cert: [ck.cert, ...ck.chain].join(''), key: ck.key }),
      );
      forged.set(name, ctx);
    }
    return ctx;
  };
  const relayTargets = new Map<number, Intercept>();
  const mitm = tls.createServer(
    {
      SNICallback: (name, cb) =>
        forge(name.toLowerCase()).then(
          (ctx) => cb(null, ctx),
          (err) => cb(err as Error),
        ),
    },
    (client) => {
      const target = relayTargets.get(client.remotePort ?? -1);
      const servername = client.servername || undefined;
      if (!target || !servername) return void client.destroy();
      const upstream = tls.connect({
        host: target.address,
        port: target.port,
        servername,
        ca: [config.labRootCert],
        ALPNProtocols: ['http/1.1'],
      });
      splice(client, upstream);
    },
  );
  mitm.on('tlsClientError', () => {});
  await listenOn(mitm, '127.0.0.1', 0);
  const mitmPort = (mitm.address() as net.AddressInfo).port;

  // --- the transparent proxy ------------------------------------------------------------------------------------
  const listeners = new Map<number, net.Server>();
  async function setIntercepts(intercepts: Intercept[]): Promise<void> {
    for (const [port, server] of listeners) {
      if (!intercepts.some((i) => i.localPort === port)) {
        server.close();
        listeners.delete(port);
      }
    }
    for (const it of intercepts) {
      const existing = listeners.get(it.localPort);
      if (existing) {
        (existing as net.Server & { intercept: Intercept }).intercept = it;
        continue;
      }
      const server = net.createServer((sock) =>
        onFlow(sock, (server as net.Server & { intercept: Intercept }).intercept),
      );
      (server as net.Server & { intercept: Intercept }).intercept = it;
      await listenOn(server, '0.0.0.0', it.localPort);
      listeners.set(it.localPort, server);
    }
  }

  function onFlow(sock: net.Socket, target: Intercept): void {
    sock.on('error', () => {});
    let buffered = Buffer.alloc(0);
    const timer = setTimeout(() => decide(null), PEEK_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const name = buffered[0] === 0x16 ? parseClientHelloSni(buffered) : parseHttpHost(buffered);
      if (name !== undefined || buffered.length >= PEEK_MAX_BYTES) decide(name ?? null);
    };
    sock.on('data', onData);
    sock.once('end', () => decide(null));
    let decided = false;
    function decide(name: string | null): void {
      if (decided) return;
      decided = true;
      clearTimeout(timer);
      sock.off('data', onData);
      sock.pause();
      const isTls = buffered[0] === 0x16;
      const rule = name ? findProxyRule(policy.proxy, isTls ? 'tls.' : 'http.', name, target.address) : undefined;
      if (rule) enforce(rule, sock, buffered, target, name as string);
      else relay(sock, buffered, target);
    }
  }

  function enforce(rule: DaemonProxyRule, sock: net.Socket, buffered: Buffer, target: Intercept, name: string): void {
    switch (rule.action) {
      case 'tls.reset':
      case 'http.reset':
        sock.resetAndDestroy();
        return;
      case 'tls.fin':
        sock.end();
        return;
      case 'tls.drop': {
        // Swallow everything and never answer, like a DPI box discarding the flow (Kazakhstan 2023–24).
        sock.resume();
        sock.on('data', () => {});
        const hold = setTimeout(() => sock.destroy(), BLACKHOLE_HOLD_MS);
        sock.once('close', () => clearTimeout(hold));
        return;
      }
      case 'tls.intercept': {
        const inner = net.connect(mitmPort, '127.0.0.1', () => {
          relayTargets.set(inner.localPort ?? -1, target);
          inner.write(buffered);
          splice(sock, inner);
        });
        inner.once('close', () => relayTargets.delete(inner.localPort ?? -1));
        inner.on('error', () => sock.destroy());
        return;
      }
      case 'http.redirect': {
        const location = rule.location ?? `http://${isp.blockpage}/?blocked=${encodeURIComponent(name)}`;
        sock.end(
          `HTTP/1.1 302 Found\r\nLocation: ${location}\r\nContent-Length: 0\r\nConnection: close\r\nServer: lab-filter\r\n\r\n`,
        );
        return;
      }
      case 'http.blockpage': {
        const status = rule.status ?? 200;
        const body = Buffer.from(blockPage(isp, name));
        const reason = http.STATUS_CODES[status] ?? 'Blocked';
        sock.end(
          Buffer.concat([
            Buffer.from(
              `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
            ),
            body,
          ]),
        );
        return;
      }
    }
  }

  function relay(sock: net.Socket, buffered: Buffer, target: Intercept): void {
    const upstream = net.connect(target.port, target.address, () => {
      upstream.write(buffered);
      splice(sock, upstream);
    });
    // The site refused or vanished: mirror it to the client as a reset rather than leaving it hanging.
    upstream.once('error', () => {
      if (!sock.destroyed) sock.resetAndDestroy();
    });
  }

  await serveControl(config.controlSocket, async (method, path, body) => {
    if (method === 'GET' && path === '/status') return { ok: true, isp: isp.id, policy };
    if (method === 'PUT' && path === '/policy') {
      const next = body as DaemonPolicy;
      await setIntercepts(next.intercepts);
      policy = { ...next, dnsIntercepts: config.dnsIntercepts };
      return { ok: true };
    }
    throw new Error(`unknown request ${method} ${path}`);
  });
}

export function findProxyRule(
  rules: DaemonProxyRule[],
  layer: 'tls.' | 'http.',
  name: string,
  address: string,
): DaemonProxyRule | undefined {
  return rules.find(
    (r) =>
      r.action.startsWith(layer) &&
      (r.addresses.length === 0 || addressMatches(r.addresses, address)) &&
      r.names.some((p) => domainMatches(p, name)),
  );
}

/** Pipes two sockets both ways; when either side fails, the other is reset, as a middlebox relay would. */
function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  a.resume();
  const kill = (other: net.Socket) => () => {
    if (!other.destroyed) other.resetAndDestroy();
  };
  a.on('error', kill(b));
  b.on('error', kill(a));
}

/** Asks the upstream from the ISP resolver's own address (geo-DNS answers by the asking resolver's network). */
async function forwardDns(raw: Buffer, upstream: string, source: string): Promise<Buffer | null> {
  const sock = dgram.createSocket('udp4');
  try {
    return await new Promise<Buffer | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), UPSTREAM_TIMEOUT_MS);
      sock.on('message', (msg) => {
        if (msg.length >= 2 && msg.readUInt16BE(0) === raw.readUInt16BE(0)) {
          clearTimeout(timer);
          resolve(msg);
        }
      });
      sock.on('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
      sock.bind(0, source, () => sock.send(raw, 53, upstream));
    });
  } finally {
    sock.close();
  }
}

function listenOn<S extends net.Server>(server: S, host: string, port: number): Promise<S> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** The page of the hosting server inside the ISP: a small business site nobody would block. */
export function hostingPage(isp: Pick<IspPlan, 'id' | 'org'>): string {
  return `<!DOCTYPE html>
<html lang="kk"><head><meta charset="utf-8"><title>Hosting ${isp.id}</title></head>
<body><h1>Ақпарат / Информация</h1><p>Small business site hosted at ${isp.org}.</p></body></html>
`;
}

/** The ISP's block page, in the style of Kazakh filtering pages (Kazakh and Russian text). */
export function blockPage(isp: Pick<IspPlan, 'org' | 'asn' | 'id'>, host: string): string {
  const safe = host.replace(/[^a-z0-9.:-]/gi, '');
  return `<!DOCTYPE html>
<html lang="kk"><head><meta charset="utf-8"><title>Страница заблокирована</title></head>
<body>
<h1>Ресурс бұғатталған / Ресурс заблокирован</h1>
<p>Ресурста ақпараттық қауіпсіздікке төнетін қауіп-қатер бар.</p>
<p>Доступ к ресурсу ${safe} ограничен в соответствии с законодательством Республики Казахстан.</p>
<p class="operator">${isp.org} (AS${isp.asn}) · block.${isp.id}.lab</p>
</body></html>
`;
}
