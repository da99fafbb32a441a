/**
 * telegram against loopback stand-ins: DCs on 127.0.0.x (plain HTTP, as the real ones on 80 and 443) and a
 * web.telegram.org pinned to 127.0.0.1 with a test-CA certificate. Each test blocks one part the way a censor
 * does and checks OONI's keys and our verdict.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { measureAndAnalyse, runOptions } from '../../../test/helpers/experiment-run.ts';
import { getTestPki, type TestPki } from '../../../test/helpers/pki.ts';
import {
  type RunningHttpServer,
  type RunningServer,
  startBlackholeServer,
  startHttpServer,
  startHttpsServer,
  startTcpServer,
  unusedPort,
} from '../../../test/helpers/servers.ts';
import { telegram } from './index.ts';

let pki: TestPki;
let web: RunningHttpServer;
let dc: RunningHttpServer;
const others: RunningServer[] = [];

before(async () => {
  pki = await getTestPki();
  const cert = await pki.issue({ names: ['web.telegram.org'] });
  web = await startHttpsServer((_req, res) => res.end('<html><title>Telegram Web</title></html>'), {
    cert,
    sendChain: true,
  });
  // a DC answers any POST with nginx's 404, as the real ones do
  dc = await startHttpServer((req, res) => res.writeHead(req.method === 'POST' ? 404 : 405).end('<html>404</html>'));
});
after(() => Promise.all([web, dc, ...others].map((s) => s?.close())));

const options = (targets: Record<string, unknown>, extra = {}) =>
  runOptions({
    resolve: [`web.telegram.org:${web.port}:127.0.0.1`],
    ca: [pki.ca.certPem],
    targets: telegram.parseTargets?.({ web: `https://web.telegram.org:${web.port}/`, ...targets }, 'test'),
    ...extra,
  });

test('every DC and the web answer: not blocked, OONI keys all clear', async () => {
  const { m, v } = await measureAndAnalyse(telegram, options({ dc: ['127.0.0.1', '127.0.0.2'], dc_ports: [dc.port] }));
  const tk = m.test_keys;
  assert.equal(m.test_version, '0.3.1');
  assert.deepEqual(
    [tk.telegram_tcp_blocking, tk.telegram_http_blocking, tk.telegram_web_status, tk.telegram_web_failure],
    [false, false, 'ok', null],
  );
  const requests = tk.requests as { request: { method: string; url: string } }[];
  assert.equal(requests.length, 3);
  assert.deepEqual(requests.map((r) => r.request.method).sort(), ['GET', 'POST', 'POST'], 'DCs get a POST, as in OONI');
  assert.deepEqual([v.blocking, v.accessible, v.outcome, v.engine], [false, true, 'accessible', 'telegram-0.1']);
});

test('DC connects refused or dropped: TCP blocking', async () => {
  const blackhole = await startBlackholeServer();
  others.push(blackhole);
  const refused = await unusedPort();
  const started = Date.now();
  const { m, v } = await measureAndAnalyse(
    telegram,
    options({ dc: ['127.0.0.1'], dc_ports: [refused, blackhole.port] }, { timeoutMs: 1_500 }),
  );
  assert.ok(Date.now() - started < 5_000, 'the budget bounds a dropped SYN');
  const tk = m.test_keys;
  assert.deepEqual([tk.telegram_tcp_blocking, tk.telegram_http_blocking, tk.telegram_web_status], [true, true, 'ok']);
  assert.deepEqual([v.blocking, v.accessible, v.outcome, v.method], ['tcp_ip', false, 'blocked', 'tcp_ip']);
  assert.equal(v.strength, 'weak');
});

test('DCs accept but reset the HTTP request: HTTP blocking only', async () => {
  const reset = await startTcpServer('reset-after-first-bytes');
  others.push(reset);
  const { m, v } = await measureAndAnalyse(telegram, options({ dc: ['127.0.0.1'], dc_ports: [reset.port] }));
  const tk = m.test_keys;
  assert.deepEqual([tk.telegram_tcp_blocking, tk.telegram_http_blocking], [false, true]);
  assert.deepEqual([v.blocking, v.outcome, v.method], ['http-failure', 'blocked', 'http_failure']);
  assert.equal(v.strength, 'strong', 'a reset is something the path sent');
});

test('web.telegram.org reset after the ClientHello: web blocked, method tls', async () => {
  const sni = await startTcpServer('reset-after-first-bytes');
  others.push(sni);
  const { m, v } = await measureAndAnalyse(
    telegram,
    runOptions({
      resolve: [`web.telegram.org:${sni.port}:127.0.0.1`],
      targets: telegram.parseTargets?.(
        { dc: ['127.0.0.1'], dc_ports: [dc.port], web: `https://web.telegram.org:${sni.port}/` },
        'test',
      ),
    }),
  );
  const tk = m.test_keys;
  assert.deepEqual([tk.telegram_web_status, tk.telegram_web_failure], ['blocked', 'connection_reset']);
  assert.deepEqual([v.blocking, v.outcome, v.method], ['http-failure', 'blocked', 'tls']);
  assert.match(v.explanation, /web\.telegram\.org failed with connection_reset/);
});

test('bad targets are refused with the field named', () => {
  assert.throws(() => telegram.parseTargets?.({ dc: ['not-an-ip'] }, 'lab.json'), /lab\.json: 'dc' must be/);
  assert.throws(() => telegram.parseTargets?.({ dcs: [] }, 'lab.json'), /unknown key 'dcs'/);
  assert.throws(() => telegram.parseTargets?.({ web: 'ftp://x/' }, 'lab.json'), /'web' must be an http/);
  assert.throws(() => telegram.parseTargets?.({ web: 'https://127.0.0.2:8443/' }, 'lab.json'), /must name a host/);
});
