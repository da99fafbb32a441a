/**
 * Remote runs against loopback infrastructure: resolvers that lie, tell the truth, answer a CDN edge or are dead,
 * sites that are genuine, a CDN edge with a valid certificate, a block page with a foreign one, and servers that
 * answer one Host or SNI differently. Also the command's dry run and its refusals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as tls from 'node:tls';
import { runCommand } from '../../test/helpers/cli.ts';
import { startZoneServer, type ZoneServer } from '../../test/helpers/helper-dns.ts';
import { closedPort, startHttpSite, startHttpsSite, type TestSite } from '../../test/helpers/helper-sites.ts';
import { getTestPki } from '../../test/helpers/pki.ts';
import { analyzeRemoteRecord } from './reanalyze.ts';
import { HTTP_REMOTE } from './records.ts';
import { type RemoteOptions, runRemote } from './run.ts';
import { summarizeRemote } from './summary.ts';

const GENUINE = '<html><head><title>News</title></head><body>the story</body></html>';
const BLOCKPAGE = '<html><head><title>Access denied</title></head><body>blocked by order</body></html>';
const closers: { close(): Promise<void> }[] = [];
after(() => Promise.all(closers.map((c) => c.close())));

let ports: { https: number; http: number };
let ca: string[];
let control: ZoneServer;
let liar: ZoneServer;
let honest: ZoneServer;
let dead: number;
const dir = mkdtempSync(join(tmpdir(), 'bw-remote-'));

async function site(handler: (body: string) => TestSite | Promise<TestSite>): Promise<TestSite> {
  const s = await handler('');
  closers.push(s);
  return s;
}

before(async () => {
  const pki = await getTestPki();
  ca = [pki.ca.certPem];
  const page = (body: string) => (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(body);
  };
  // the genuine site on .1, a CDN edge with a valid certificate on .2, the censor's block page on .3
  const https1 = await site(() => startHttpsSite(pki.localhost, page(GENUINE), '127.0.0.1'));
  const http1 = await site(() => startHttpSite(page(GENUINE), '127.0.0.1'));
  ports = { https: https1.port, http: http1.port };
  await site(() => startHttpsSite(pki.localhost, page(GENUINE), '127.0.0.2', ports.https));
  await site(() => startHttpSite(page(GENUINE), '127.0.0.2', ports.http));
  await site(() => startHttpsSite(pki.intercepted, page(BLOCKPAGE), '127.0.0.3', ports.https));
  await site(() => startHttpSite(page(BLOCKPAGE), '127.0.0.3', ports.http));
  const truth = {
    'example.test': { a: ['127.0.0.1'] },
    'news.example.test': { a: ['127.0.0.1'] },
    'cdn.example.test': { a: ['127.0.0.1'] },
  };
  control = await startZoneServer(truth);
  honest = await startZoneServer(truth);
  liar = await startZoneServer({
    ...truth,
    'news.example.test': { a: ['127.0.0.3'] },
    'cdn.example.test': { a: ['127.0.0.2'] },
  });
  closers.push(control, honest, liar);
  dead = await closedPort();
});

const hostOf = (address: string) => {
  const [ip, port] = address.split(':');
  return { ip, port };
};

function baseOptions(over: Partial<RemoteOptions>): RemoteOptions {
  return {
    domains: ['news.example.test', 'cdn.example.test'],
    resolvers: [],
    servers: [],
    protocols: ['http'],
    controlResolvers: [control.address],
    dnsControlDomain: 'example.test',
    httpControlDomains: ['example.test'],
    statefulWaitMs: 0,
    timeoutMs: 2000,
    concurrency: 4,
    rates: { perResolver: 500, perServer: 500, perNetwork: 1000 },
    ca,
    verifyPorts: ports,
    isPublicOverride: (ip) => ip.startsWith('127.'),
    ...over,
  };
}

test('dns_remote: a lying resolver is caught, a CDN edge and an honest resolver are not, a dead one is retired', async () => {
  const resolvers = [
    { address: hostOf(liar.address).ip, port: Number(hostOf(liar.address).port), asn: 9198, cc: 'KZ', where: 'r:1' },
    {
      address: hostOf(honest.address).ip,
      port: Number(hostOf(honest.address).port),
      asn: 64500,
      cc: 'NL',
      where: 'r:2',
    },
    { address: '127.0.0.1', port: dead, asn: 21299, cc: 'KZ', where: 'r:3' },
  ];
  const records: Record<string, unknown>[] = [];
  let skipped = 0;
  await runRemote(
    baseOptions({ resolvers, domains: ['news.example.test', 'cdn.example.test', 'example.test'] }),
    (p) => {
      if (p.record) records.push(p.record);
      skipped = p.skipped;
    },
  );
  const verdictOf = (asn: string, input: string) =>
    (
      records.find((r) => r.probe_asn === asn && r.input === input)?.test_keys as {
        x_blockwatch_verdict: Record<string, unknown>;
      }
    )?.x_blockwatch_verdict;
  const blocked = verdictOf('AS9198', 'news.example.test');
  assert.equal(blocked?.outcome, 'blocked');
  assert.equal(blocked?.method, 'dns');
  assert.equal(verdictOf('AS9198', 'cdn.example.test')?.outcome, 'accessible', 'a CDN edge with a valid certificate');
  assert.equal(verdictOf('AS64500', 'news.example.test')?.outcome, 'accessible');
  assert.equal(verdictOf('AS21299', 'news.example.test')?.outcome, 'unknown');
  assert.equal(skipped, 1, 'the dead resolver is retired after two failed controls');
  const record = records.find((r) => r.probe_asn === 'AS9198' && r.input === 'news.example.test') as Record<
    string,
    unknown
  >;
  assert.equal(record.test_name, 'dns_remote');
  assert.deepEqual((record.annotations as Record<string, unknown>).vantage, 'remote');
  const tk = record.test_keys as { queries: { tags: string[] }[]; tls_handshakes: { failure: string }[] };
  assert.deepEqual(
    tk.queries.map((q) => q.tags[0]),
    ['control_before', 'test'],
  );
  assert.equal(tk.tls_handshakes[0]?.failure, 'ssl_unknown_authority');
  assertReanalysisAgrees(records);
  const rows = summarizeRemote(records);
  assert.deepEqual(
    rows.filter((r) => r.outcome === 'blocked').map((r) => [r.network, r.target, r.method]),
    [['AS9198', 'news.example.test', 'dns']],
  );
});

test('http_remote: a server answering one Host or SNI differently shows interference, with retries', async () => {
  const pki = await getTestPki();
  let newsRequests = 0;
  const server = createHttpServer((req, res) => {
    const host = req.headers.host ?? '';
    if (host.startsWith('news.')) newsRequests++;
    res.writeHead(host.startsWith('news.') ? 403 : 404, { 'content-type': 'text/html' });
    res.end(host.startsWith('news.') ? BLOCKPAGE : '<html><head><title>Not Found</title></head></html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.4', r));
  closers.push({ close: () => new Promise((r) => server.close(() => r())) });
  const httpPort = (server.address() as net.AddressInfo).port;
  const secure = tls.createServer({ cert: pki.wrongName.chainPem, key: pki.wrongName.keyPem }, (s) => s.end());
  secure.on('tlsClientError', () => {});
  // a middlebox on the path resets handshakes naming the news site; the rest reach the server
  const middlebox = net.createServer((socket) => {
    socket.once('data', (hello: Buffer) => {
      if (hello.includes(Buffer.from('news.example.test'))) return void socket.resetAndDestroy();
      socket.pause();
      socket.unshift(hello);
      secure.emit('connection', socket);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => middlebox.listen(0, '127.0.0.4', r));
  closers.push({ close: () => new Promise((r) => middlebox.close(() => r())) });
  const httpsPort = (middlebox.address() as net.AddressInfo).port;

  const records: Record<string, unknown>[] = [];
  const collect = (p: { record?: Record<string, unknown> }) => p.record && records.push(p.record);
  const host = { address: '127.0.0.4', asn: 9198, cc: 'KZ' };
  await runRemote(
    baseOptions({ servers: [{ ...host, port: httpPort, where: 's:1' }], protocols: ['http'], httpAttempts: 3 }),
    collect,
  );
  await runRemote(
    baseOptions({ servers: [{ ...host, port: httpsPort, where: 's:2' }], protocols: ['https'] }),
    collect,
  );
  const verdict = (input: string) =>
    (records.find((r) => r.input === input)?.test_keys as { x_blockwatch_verdict?: Record<string, unknown> })
      ?.x_blockwatch_verdict ?? {};
  assert.equal(records[0]?.test_name, HTTP_REMOTE);
  assert.equal(verdict('http://news.example.test/').outcome, 'blocked');
  assert.equal(verdict('http://news.example.test/').method, 'http_blockpage');
  assert.equal(newsRequests, 3, 'retried up to the attempts');
  assert.equal(verdict('http://cdn.example.test/').outcome, 'accessible');
  assert.equal(verdict('https://news.example.test/').method, 'tls');
  assert.equal(verdict('https://cdn.example.test/').outcome, 'accessible');
  assertReanalysisAgrees(records);
});

/** The server re-analyses stored records: it must reach the verdict the run wrote. */
function assertReanalysisAgrees(records: Record<string, unknown>[]) {
  for (const r of records) {
    const written = (r.test_keys as { x_blockwatch_verdict: Record<string, unknown> }).x_blockwatch_verdict;
    const again = analyzeRemoteRecord(r, { isPublicOverride: (ip) => ip.startsWith('127.') });
    assert.equal(again?.engine, 'remote-0.1');
    assert.deepEqual(
      [again?.outcome, again?.method, again?.explanation],
      [written.outcome, written.method, written.explanation],
      String(r.input),
    );
  }
}

test('the command: --dry-run prints the plan and sends nothing; end-user and private addresses are refused', async () => {
  writeFileSync(
    join(dir, 'list.csv'),
    'url,category_code\nhttps://news.example.test/,NEWS\nhttp://news.example.test/a,NEWS\n',
  );
  writeFileSync(join(dir, 'resolvers.csv'), `address,asn,country\n95.59.170.53,AS9198,KZ\n95.56.0.53,9198,kz\n`);
  const dry = await runCommand(['remote', '--resolvers', 'resolvers.csv', '--list', 'list.csv', '--dry-run'], {
    cwd: dir,
  });
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /1 domains, 2 resolvers/);
  assert.match(dry.stdout, /AS9198 \(KZ\): 2 resolvers, 0 servers, at most 12 packets/);
  writeFileSync(join(dir, 'private.csv'), 'address,asn,country\n192.168.1.1,9198,KZ\n');
  const priv = await runCommand(['remote', '--resolvers', 'private.csv', '--list', 'list.csv', '--dry-run'], {
    cwd: dir,
  });
  assert.equal(priv.code, 2);
  assert.match(priv.stderr, /private\.csv:2: 192\.168\.1\.1 is a private or reserved address/);
  const excluded = await runCommand(
    ['remote', '--resolvers', 'resolvers.csv', '--list', 'list.csv', '--exclude', '95.56.0.0/16', '--dry-run'],
    { cwd: dir },
  );
  assert.equal(excluded.code, 2);
  assert.match(excluded.stderr, /resolvers\.csv:3: 95\.56\.0\.53 is inside the excluded end-user range/);
  writeFileSync(join(dir, 'bad.csv'), 'address,asn,country\n95.59.170.53,ASX,KZ\n');
  const bad = await runCommand(['remote', '--resolvers', 'bad.csv', '--list', 'list.csv'], { cwd: dir });
  assert.match(bad.stderr, /bad\.csv:2: asn must look like AS9198/);
});

test('the command on a schedule: --every with --rounds measures again and submits each round to the collector', async () => {
  const received: { test_name: string }[][] = [];
  const collector = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const batch = JSON.parse(body) as { test_name: string }[] | { measurements: { test_name: string }[] };
      const list = Array.isArray(batch) ? batch : batch.measurements;
      received.push(list);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: list.length }));
    });
  });
  await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
  closers.push({ close: () => new Promise((r) => collector.close(() => r())) });
  const { port } = collector.address() as net.AddressInfo;
  const [ip, dnsPort] = liar.address.split(':');
  writeFileSync(join(dir, 'loopback.csv'), `address,asn,country,port\n${ip},9198,KZ,${dnsPort}\n`);
  writeFileSync(join(dir, 'news.csv'), 'url\nhttps://news.example.test/\n');
  // loopback stands in for public infrastructure here, as the lab's registry does for its addresses
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ '127.0.0.0/8': 9198 }));
  const result = await runCommand(
    // biome-ignore format: flag and value pairs
    ['remote', '--resolvers', 'loopback.csv', '--list', 'news.csv', '--control-resolver', control.address,
      '--control-domain', 'example.test', '--asn-registry', 'registry.json', '--resolver-rate', '100',
      '--every', '0.00001', '--rounds', '2', '--submit', `http://127.0.0.1:${port}`],
    {
      cwd: dir,
      env: { ...process.env, XDG_CONFIG_HOME: join(dir, 'config'), BLOCKWATCH_CONFIG_DIR: join(dir, 'config') },
    },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(received.length, 2, 'one batch per round');
  assert.deepEqual(
    received.map((b) => b.map((m) => m.test_name)),
    [['dns_remote'], ['dns_remote']],
  );
  assert.equal((result.stdout.match(/dns_remote {2}AS9198/g) ?? []).length, 2, 'a table per round');
  const rounds = await runCommand(['remote', '--resolvers', 'resolvers.csv', '--list', 'news.csv', '--rounds', '2'], {
    cwd: dir,
  });
  assert.equal(rounds.code, 2);
  assert.match(rounds.stderr, /--rounds needs --every/);
});
