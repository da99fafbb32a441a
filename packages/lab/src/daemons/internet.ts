/**
 * The internet daemon (runs in bw-inet): every simulated site (HTTP :80, HTTPS :443 with a per-site certificate),
 * the authoritative DNS, a public recursive resolver and a DoH endpoint — one process, so the lab starts fast on
 * small machines. Scenario sites are added and removed at run time through the control socket.
 */
import dgram from 'node:dgram';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { serveControl } from '../control.ts';
import { run } from '../exec.ts';
import { type Authority, type CertifiedKey, issueLeaf, issueSiteCert, loadAuthority } from '../pki.ts';
import {
  type CertKind,
  networkMatches,
  type PageSpec,
  renderPage,
  resolveSite,
  type Site,
  type SiteSpec,
} from '../sites.ts';
import { addToZone, answerFromZone, buildResponse, decodeQuery, type Zone } from '../zone.ts';

export interface InternetConfig {
  controlSocket: string;
  labRoot: CertifiedKey;
  authoritative: string;
  publicResolver: string;
  doh: string;
  dohName: string;
  /** extra names → addresses (helper.lab, dns.lab) */
  names: Record<string, string>;
  sites: (SiteSpec & { address: string })[];
}

const MAX_LARGE_BYTES = 256 * 1024 * 1024;

interface AddressServers {
  address: string;
  sites: Site[];
  servers: (http.Server | https.Server)[];
}

export async function runInternet(config: InternetConfig): Promise<void> {
  const labRoot: Authority = await loadAuthority(config.labRoot);
  const base = config.sites.map(resolveSite);
  let extra: Site[] = [];
  const zone: Zone = new Map();
  const byAddress = new Map<string, AddressServers>();

  const rebuildZone = () => {
    zone.clear();
    for (const [name, address] of Object.entries(config.names)) addToZone(zone, name, address);
    for (const site of [...base, ...extra]) for (const n of site.names) addToZone(zone, n, site.address);
  };

  async function startAddress(address: string, sites: Site[]): Promise<AddressServers> {
    const entry: AddressServers = { address, sites, servers: [] };
    const serving = sites.filter((s) => !s.down);
    if (serving.length === 0) return entry; // nothing listens: connections are refused, as on a dead host
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => handleRequest(serving, req, res);
    const plain = http.createServer(handler);
    entry.servers.push(await listen(plain, address, 80));
    const withTls = serving.filter((s) => (s.cert ?? 'valid') !== 'none');
    if (withTls.length) {
      const contexts = new Map<string, tls.SecureContext>();
      for (const site of withTls) {
        const fault = (site.cert ?? 'valid') as Exclude<CertKind, 'none'>;
        const ck = await issueSiteCert({ labRoot }, site.names, fault);
        const ctx = tls.createSecureContext({ cert: [ck.cert, ...ck.chain].join(''), key: ck.key });
        for (const n of site.names) contexts.set(n, ctx);
        if (!contexts.has('')) contexts.set('', ctx);
      }
      const secure = https.createServer(
        {
          // Clients without SNI (or with an unknown name) get the address's first site, like a default vhost.
          secureContext: contexts.get(''),
          SNICallback: (name, cb) => cb(null, contexts.get(name.toLowerCase()) ?? contexts.get('')),
        },
        handler,
      );
      entry.servers.push(await listen(secure, address, 443));
    }
    return entry;
  }

  async function setSites(sites: Site[]): Promise<void> {
    const groups = new Map<string, Site[]>();
    // A geo-DNS edge serves its site like the origin does.
    const edges = sites.flatMap((s) => (s.geoDns ?? []).map((g) => ({ ...s, address: g.address })));
    for (const s of [...sites, ...edges]) groups.set(s.address, [...(groups.get(s.address) ?? []), s]);
    for (const [address, group] of groups) {
      const old = byAddress.get(address);
      if (old) await closeAll(old.servers);
      await ensureAddress(address);
      byAddress.set(address, await startAddress(address, group));
    }
  }

  /** The geo-DNS answer for a name asked from `client`, if its site has one for that network. */
  const geoAnswer = (name: string, client: string) =>
    [...base, ...extra]
      .find((site) => site.names.includes(name) && site.geoDns)
      ?.geoDns?.find((g) => networkMatches(g.from, client))?.address;

  rebuildZone();
  await setSites(base);

  // DNS: authoritative (AA) and public resolver (RA), same data.
  for (const [address, authoritative] of [
    [config.authoritative, true],
    [config.publicResolver, false],
  ] as const) {
    await ensureAddress(address);
    const sock = dgram.createSocket('udp4');
    sock.on('message', (msg, rinfo) => {
      const q = decodeQuery(msg);
      if (!q) return;
      const edge = q.type === 'A' ? geoAnswer(q.name, rinfo.address) : undefined;
      const reply = edge
        ? buildResponse(q, { addresses: [edge], authoritative })
        : answerFromZone(zone, q, authoritative);
      sock.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve) => sock.bind(53, address, resolve));
  }

  // DoH (RFC 8484): POST application/dns-message, or GET ?dns=base64url.
  await ensureAddress(config.doh);
  const dohCert = await issueLeaf({ names: [config.dohName, config.doh], issuer: labRoot });
  const doh = https.createServer({ cert: [dohCert.cert, ...dohCert.chain].join(''), key: dohCert.key }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (url.pathname !== '/dns-query') return void res.writeHead(404).end();
    const reply = (query: Buffer) => {
      const q = decodeQuery(query);
      if (!q) return void res.writeHead(400).end();
      res.writeHead(200, { 'content-type': 'application/dns-message' }).end(answerFromZone(zone, q, false));
    };
    if (req.method === 'GET') {
      const param = url.searchParams.get('dns');
      return param ? reply(Buffer.from(param, 'base64url')) : void res.writeHead(400).end();
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => reply(Buffer.concat(chunks)));
  });
  await listen(doh, config.doh, 443);

  await serveControl(config.controlSocket, async (method, path, body) => {
    if (method === 'GET' && path === '/status') {
      return {
        ok: true,
        sites: [...base, ...extra].map((s) => ({ name: s.name, address: s.address, down: !!s.down })),
      };
    }
    if (method === 'GET' && path.startsWith('/reachable?')) {
      // Lets the lab command check a service inside this namespace (the helper) without spawning anything here.
      const q = new URL(path, 'http://x').searchParams;
      return { reachable: await canConnect(q.get('address') ?? '', Number(q.get('port'))) };
    }
    if (method === 'PUT' && path === '/extra-sites') {
      const specs = (body as { sites: (SiteSpec & { address: string })[] }).sites;
      const removed = extra.filter((s) => !specs.some((n) => n.address === s.address));
      for (const s of removed) {
        const entry = byAddress.get(s.address);
        if (entry) await closeAll(entry.servers);
        byAddress.delete(s.address);
      }
      extra = specs.map(resolveSite);
      rebuildZone();
      await setSites(extra);
      return { ok: true, sites: extra.length };
    }
    throw new Error(`unknown request ${method} ${path}`);
  });
}

function handleRequest(sites: Site[], req: http.IncomingMessage, res: http.ServerResponse): void {
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const site = sites.find((s) => s.names.includes(host)) ?? sites[0];
  const url = new URL(req.url ?? '/', 'http://x');
  const path = url.pathname;
  const client = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  const headers: Record<string, string> = {
    server: 'lab-httpd/1.0',
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'max-age=60',
  };

  // Built-in paths for hostile or unusual servers.
  const chain = /^\/chain\/(\d{1,3})$/.exec(path);
  if (chain) {
    const n = Number(chain[1]);
    if (n > 0) return void res.writeHead(302, { ...headers, location: `/chain/${n - 1}` }).end();
  }
  if (path === '/loop') return void res.writeHead(302, { ...headers, location: '/loop' }).end();
  if (path === '/large') {
    const bytes = Math.min(MAX_LARGE_BYTES, Number(url.searchParams.get('bytes') ?? 1_048_576) || 0);
    res.writeHead(200, { ...headers, 'content-length': String(bytes) });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let left = bytes;
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }

  const override = site.byNetwork?.find((b) => networkMatches(b.from, client))?.pages[path];
  const page: PageSpec | undefined = override ?? site.pages?.[path] ?? (path === '/' || chain ? {} : undefined);
  if (!page) {
    const body = renderPage(site, path, { title: '404 Not Found', body: '<h1>Not Found</h1>' });
    return void res.writeHead(404, headers).end(body);
  }
  if (page.redirect !== undefined) {
    return void res.writeHead(page.status ?? 302, { ...headers, ...page.headers, location: page.redirect }).end();
  }
  const body = renderPage(site, path, page);
  res.writeHead(page.status ?? 200, { ...headers, ...page.headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function canConnect(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.once('timeout', () => done(false));
  });
}

function listen<S extends http.Server | https.Server>(server: S, host: string, port: number): Promise<S> {
  // Lab clients that stall must not pin sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

async function closeAll(servers: (http.Server | https.Server)[]): Promise<void> {
  await Promise.all(
    servers.map(
      (s) =>
        new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        }),
    ),
  );
}

const assigned = new Set<string>();
/** Puts an address on this namespace's loopback (the daemon is root inside its own namespace). */
async function ensureAddress(address: string): Promise<void> {
  if (assigned.has(address)) return;
  await run('ip', ['addr', 'replace', `${address}/32`, 'dev', 'lo']);
  assigned.add(address);
}
