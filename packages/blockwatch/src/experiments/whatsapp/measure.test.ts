/**
 * whatsapp against loopback stand-ins: v.whatsapp.net and web.whatsapp.com pinned to a test-CA HTTPS server,
 * two endpoints (e1, e2) pinned to plain listeners on 127.0.0.2; then each part blocked in turn.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { measureAndAnalyse, runOptions } from '../../../test/helpers/experiment-run.ts';
import { getTestPki, type TestPki } from '../../../test/helpers/pki.ts';
import {
  type RunningHttpServer,
  type RunningServer,
  startHttpServer,
  startHttpsServer,
  startTcpServer,
  unusedPort,
} from '../../../test/helpers/servers.ts';
import { whatsapp } from './index.ts';

let pki: TestPki;
let site: RunningHttpServer;
const endpoints: RunningServer[] = [];
const others: RunningServer[] = [];

before(async () => {
  pki = await getTestPki();
  const cert = await pki.issue({ names: ['v.whatsapp.net', 'web.whatsapp.com'] });
  site = await startHttpsServer(
    (req, res) =>
      req.url === '/v2/register'
        ? res.end('{"status":"fail","reason":"missing_param"}')
        : res.writeHead(400).end('bad'),
    { cert, sendChain: true },
  );
  for (let i = 0; i < 2; i++) endpoints.push(await startHttpServer((_q, r) => r.end(), { host: '127.0.0.2' }));
});
after(() => Promise.all([site, ...endpoints, ...others].map((s) => s?.close())));

function options(ports: number[], sitePort = site.port) {
  const hosts = ['e1.whatsapp.net', 'e2.whatsapp.net'];
  return runOptions({
    resolve: [
      `v.whatsapp.net:${sitePort}:127.0.0.1`,
      `web.whatsapp.com:${site.port}:127.0.0.1`,
      ...hosts.flatMap((h) => ports.map((p) => `${h}:${p}:127.0.0.2`)),
    ],
    ca: [pki.ca.certPem],
    targets: whatsapp.parseTargets?.(
      {
        endpoints: hosts,
        endpoint_ports: ports,
        registration: `https://v.whatsapp.net:${sitePort}/v2/register`,
        web: `https://web.whatsapp.com:${site.port}/`,
      },
      'test',
    ),
  });
}

test('every part answers (the web app answers 400, an answer): not blocked', async () => {
  const { m, v } = await measureAndAnalyse(whatsapp, options(endpoints.map((e) => e.port)));
  const tk = m.test_keys;
  assert.equal(m.test_version, '0.11.0');
  assert.deepEqual(
    [
      tk.whatsapp_endpoints_status,
      tk.whatsapp_endpoints_blocked,
      tk.registration_server_status,
      tk.whatsapp_web_status,
    ],
    ['ok', [], 'ok', 'ok'],
  );
  assert.equal((tk.tcp_connect as unknown[]).length, 6, 'four endpoint connects, registration and web');
  assert.deepEqual([v.blocking, v.accessible, v.outcome, v.engine], [false, true, 'accessible', 'whatsapp-0.1']);
});

test('every endpoint refused: endpoints blocked, both hosts listed', async () => {
  const ports = [await unusedPort(), await unusedPort()];
  const { m, v } = await measureAndAnalyse(whatsapp, options(ports));
  const tk = m.test_keys;
  assert.deepEqual(
    [tk.whatsapp_endpoints_status, tk.whatsapp_endpoints_blocked, tk.registration_server_status],
    ['blocked', ['e1.whatsapp.net', 'e2.whatsapp.net'], 'ok'],
  );
  assert.deepEqual([v.blocking, v.outcome, v.method], ['tcp_ip', 'blocked', 'tcp_ip']);
});

test('one port refused: the endpoints stay ok (OONI needs both ports of a host to fail)', async () => {
  const { m } = await measureAndAnalyse(whatsapp, options([endpoints[0]?.port ?? 0, await unusedPort()]));
  assert.deepEqual([m.test_keys.whatsapp_endpoints_status, m.test_keys.whatsapp_endpoints_blocked], ['ok', []]);
});

test('the registration server reset after the ClientHello: registration blocked, method tls', async () => {
  const reset = await startTcpServer('reset-after-first-bytes');
  others.push(reset);
  const { m, v } = await measureAndAnalyse(
    whatsapp,
    options(
      endpoints.map((e) => e.port),
      reset.port,
    ),
  );
  const tk = m.test_keys;
  assert.deepEqual([tk.registration_server_status, tk.registration_server_failure], ['blocked', 'connection_reset']);
  assert.deepEqual([v.blocking, v.method, v.strength], ['http-failure', 'tls', 'strong']);
  assert.match(v.explanation, /registration server failed with connection_reset/);
});

test('bad targets are refused with the field named', () => {
  assert.throws(() => whatsapp.parseTargets?.({ endpoints: ['x.whatsapp.net'] }, 't.json'), /t\.json: 'endpoints'/);
  assert.throws(() => whatsapp.parseTargets?.({ endpoint_ports: [0] }, 't.json'), /'endpoint_ports' must be/);
});
