/**
 * Network primitives against loopback servers, each next to a baseline doing the same network work with the bare
 * library (no recording, no classification, no limits), so the ratio is the cost of measuring:
 *
 *   http_get        httpGet (pinned, recorded, hashed, title)      vs undici Client.request + body drained
 *   https_get       the same over TLS with our verification         vs undici Client with `connect: { ca }` (what
 *                                                                   most code writes), and with the same cached
 *                                                                   SecureContext (the cost of our verification)
 *   tls_handshake   tcpConnect + tlsHandshake (chain recorded)      vs net.connect + tls.connect (rejectUnauthorized)
 *   udp_dns         lookupUdp (lingerMs 0)                          vs c-ares dns.Resolver.resolve4
 *   endless_body    256 MiB read with 1 MiB kept: throughput        vs undici body drained; RSS growth (goal: bounded)
 *
 * The servers run in a child process (this file with --serve) so the probe side's RSS is its own. Medians of
 * per-operation times after a warm-up.
 *   npm run bench -- netx          node --import tsx bench/netx.ts --quick
 */
import { type ChildProcess, fork } from 'node:child_process';
import { promises as dnsPromises } from 'node:dns';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Client } from 'undici';
import { createTrace, httpGet, lookupUdp, tcpConnect, tlsHandshake } from '../packages/blockwatch/src/netx/index.ts';
import { createTestPki } from '../packages/blockwatch/test/helpers/pki.ts';
import { dnsReplies, startUdpDnsServer } from '../packages/blockwatch/test/helpers/servers.ts';

const quick = process.argv.includes('--quick');
const N = quick ? 50 : 300;
const ENDLESS_BYTES = (quick ? 64 : 256) << 20;
const PAGE = `<html><head><title>Bench page</title></head><body>${'x'.repeat(16_000)}</body></html>`;

interface Ports {
  http: number;
  https: number;
  endless: number;
  dns: number;
}

// ---- server side (child process) ----------------------------------------------------------------------------
if (process.argv.includes('--serve')) {
  process.once('message', async (msg: { cert: string; key: string }) => {
    const page = (_req: unknown, res: import('node:http').ServerResponse) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
    const http = createHttpServer(page);
    const https = createHttpsServer({ cert: msg.cert, key: msg.key }, page);
    const chunk = Buffer.alloc(64 * 1024, 'A');
    const endless = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {}
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const dns = await startUdpDnsServer(() => dnsReplies.address('192.0.2.1'));
    await Promise.all([http, https, endless].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))));
    const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
    process.send?.({ http: port(http), https: port(https), endless: port(endless), dns: dns.port } satisfies Ports);
  });
} else {
  await main();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Median ms per operation of `ours` and `baseline`, run alternately so both see the same machine load. */
async function compare(n: number, ours: () => Promise<void>, baseline: () => Promise<void>): Promise<[number, number]> {
  for (let i = 0; i < Math.min(20, n); i++) {
    await ours(); // warm-up
    await baseline();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    await ours();
    a.push(performance.now() - t);
    t = performance.now();
    await baseline();
    b.push(performance.now() - t);
  }
  return [median(a), median(b)];
}

async function undiciGet(
  origin: string,
  connect?: { ca?: string[]; secureContext?: tls.SecureContext; servername: string },
): Promise<void> {
  const client = new Client(origin, connect ? { connect: { ...connect, rejectUnauthorized: true } as object } : {});
  try {
    const res = await client.request({ path: '/', method: 'GET' });
    for await (const _ of res.body) {
      // drain
    }
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
  } finally {
    await client.destroy();
  }
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`bench: ${what}`);
}

async function main() {
  const pki = await createTestPki();
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.send({ cert: pki.localhost.certPem, key: pki.localhost.keyPem });
  const ports = await new Promise<Ports>((resolve) => child.once('message', resolve as never));
  const figures: Record<string, unknown>[] = [];
  const figure = (metric: string, value: number, unit: string, baseline: string, baselineValue: number, extra = {}) => {
    figures.push({ metric, value, unit, baseline, baselineValue, ratio: value / baselineValue, ...extra });
    console.error(
      `${metric}: ${value.toFixed(3)} ${unit} (${baseline}: ${baselineValue.toFixed(3)}, ratio ${(value / baselineValue).toFixed(2)})`,
    );
  };
  try {
    const ca = [pki.ca.certPem];
    // -- http_get
    const httpUrl = `http://bench.example.test:${ports.http}/`;
    const [ours, bare] = await compare(
      N,
      async () => {
        const r = await httpGet(httpUrl, { trace: createTrace(), address: '127.0.0.1' });
        check(r.failure === null && r.requests[0]?.response?.x_title === 'Bench page', 'http_get failed');
      },
      () => undiciGet(`http://127.0.0.1:${ports.http}`),
    );
    figure('http_get median', ours, 'ms', 'undici Client.request', bare);

    // -- https_get
    const httpsUrl = `https://example.test:${ports.https}/`;
    const rootsAndCa = [...tls.rootCertificates, ...ca];
    const [oursTls, bareTls] = await compare(
      N,
      async () => {
        const r = await httpGet(httpsUrl, { trace: createTrace(), address: '127.0.0.1', ca });
        check(r.failure === null, `https_get failed: ${r.failure}`);
      },
      () => undiciGet(`https://127.0.0.1:${ports.https}`, { ca: rootsAndCa, servername: 'example.test' }),
    );
    figure('https_get median', oursTls, 'ms', 'undici Client with connect.ca (system + test root)', bareTls);
    // the fair baseline: undici handed the same prebuilt SecureContext that netx caches
    const cached = tls.createSecureContext({ ca: rootsAndCa });
    const [oursTls2, bareCached] = await compare(
      N,
      async () => {
        const r = await httpGet(httpsUrl, { trace: createTrace(), address: '127.0.0.1', ca });
        check(r.failure === null, `https_get failed: ${r.failure}`);
      },
      () => undiciGet(`https://127.0.0.1:${ports.https}`, { secureContext: cached, servername: 'example.test' }),
    );
    figure(
      'https_get median (same cached roots)',
      oursTls2,
      'ms',
      'undici Client with connect.secureContext',
      bareCached,
    );

    // -- tls_handshake
    const context = tls.createSecureContext({ ca: rootsAndCa });
    const [oursHandshake, bareHandshake] = await compare(
      N,
      async () => {
        const trace = createTrace();
        const { socket } = await tcpConnect('127.0.0.1', ports.https, { trace });
        check(socket !== undefined, 'tcp failed');
        const { record, tlsSocket } = await tlsHandshake(socket as net.Socket, {
          trace,
          address: `127.0.0.1:${ports.https}`,
          serverName: 'example.test',
          ca,
        });
        check(record.failure === null && record.peer_certificates?.length === 1, `tls failed: ${record.failure}`);
        tlsSocket?.destroy();
      },
      async () => {
        const socket = net.connect({ host: '127.0.0.1', port: ports.https });
        await new Promise((r) => socket.once('connect', r));
        const t = tls.connect({
          socket,
          servername: 'example.test',
          secureContext: context,
          ALPNProtocols: ['h2', 'http/1.1'],
        });
        await new Promise((resolve, reject) => t.once('secureConnect', resolve).once('error', reject));
        t.destroy();
      },
    );
    figure('tls_handshake median', oursHandshake, 'ms', 'net.connect + tls.connect (same roots)', bareHandshake);

    // -- udp_dns
    const resolver = `127.0.0.1:${ports.dns}`;
    const cares = new dnsPromises.Resolver({ timeout: 2000, tries: 1 });
    cares.setServers([resolver]);
    const [oursDns, bareDns] = await compare(
      N,
      async () => {
        const r = await lookupUdp('example.test', { trace: createTrace(), resolver, queryType: 'A', lingerMs: 0 });
        check(r.query.failure === null, 'udp dns failed');
      },
      async () => {
        const a = await cares.resolve4('example.test');
        check(a[0] === '192.0.2.1', 'c-ares failed');
      },
    );
    figure('udp_dns median', oursDns, 'ms', 'c-ares dns.Resolver.resolve4', bareDns);

    // -- endless body
    const endlessUrl = `http://127.0.0.1:${ports.endless}/`;
    await httpGet(endlessUrl, { trace: createTrace(), maxBodyBytes: 1 << 20, maxReadBytes: 8 << 20 }); // warm-up
    (globalThis as { gc?: () => void }).gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peakRss = rssBefore;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 10);
    const oursSeconds: number[] = [];
    const bareSeconds: number[] = [];
    for (let rep = 0; rep < 3; rep++) {
      let t = performance.now();
      const r = await httpGet(endlessUrl, { trace: createTrace(), maxBodyBytes: 1 << 20, maxReadBytes: ENDLESS_BYTES });
      oursSeconds.push((performance.now() - t) / 1000);
      if (rep === 0) {
        clearInterval(sampler);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      check((r.requests[0]?.response?.x_body_length ?? 0) >= ENDLESS_BYTES, 'endless body not read');
      const client = new Client(`http://127.0.0.1:${ports.endless}`);
      t = performance.now();
      const res = await client.request({ path: '/', method: 'GET' });
      let read = 0;
      for await (const c of res.body) {
        read += (c as Buffer).length;
        if (read >= ENDLESS_BYTES) break;
      }
      bareSeconds.push((performance.now() - t) / 1000);
      await client.destroy();
    }
    const mib = ENDLESS_BYTES / 2 ** 20;
    figure(
      'endless_body throughput',
      mib / median(oursSeconds),
      'MiB/s',
      'undici body drained',
      mib / median(bareSeconds),
    );
    const grown = (peakRss - rssBefore) / 2 ** 20;
    figures.push({
      metric: `endless_body peak RSS growth (${mib} MiB read, 1 MiB kept)`,
      value: grown,
      unit: 'MiB',
      baseline: 'bytes read',
      baselineValue: mib,
      ratio: grown / mib,
      goal: '< 64 MiB',
      pass: grown < 64,
    });
    console.error(`endless_body peak RSS growth: ${grown.toFixed(1)} MiB for ${mib} MiB read`);

    mkdirSync(new URL('results/', import.meta.url), { recursive: true });
    writeFileSync(
      new URL('results/netx.json', import.meta.url),
      `${JSON.stringify({ name: 'netx', date: new Date().toISOString(), n: N, figures }, null, 2)}\n`,
    );
  } finally {
    child.kill();
  }
}
