/**
 * signal against loopback stand-ins: the backend hosts pinned to a test-CA HTTPS server answering 404 as the
 * real ones do, then one host refused, reset or forged away.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { measureAndAnalyse, runOptions } from '../../../test/helpers/experiment-run.ts';
import { getTestPki, type TestPki } from '../../../test/helpers/pki.ts';
import {
  type RunningHttpServer,
  type RunningServer,
  startHttpsServer,
  startTcpServer,
  unusedPort,
} from '../../../test/helpers/servers.ts';
import { signal } from './index.ts';

let pki: TestPki;
let backend: RunningHttpServer;
const others: RunningServer[] = [];

before(async () => {
  pki = await getTestPki();
  const cert = await pki.issue({ names: ['chat.signal.org', 'storage.signal.org'] });
  backend = await startHttpsServer(
    (_req, res) => res.writeHead(404).end('{"code":404,"message":"HTTP 404 Not Found"}'),
    {
      cert,
      sendChain: true,
    },
  );
});
after(() => Promise.all([backend, ...others].map((s) => s?.close())));

const run = (storagePort: number, extra: string[] = []) =>
  measureAndAnalyse(
    signal,
    runOptions({
      resolve: [`chat.signal.org:${backend.port}:127.0.0.1`, `storage.signal.org:${storagePort}:127.0.0.1`, ...extra],
      ca: [pki.ca.certPem],
      targets: signal.parseTargets?.(
        {
          backend: [`https://chat.signal.org:${backend.port}/`, `https://storage.signal.org:${storagePort}/`],
          uptime: 'uptime.signal.org',
        },
        'test',
      ),
    }),
  );

test('every backend host answers (404 is an answer): not blocked', async () => {
  const { m, v } = await run(backend.port, ['uptime.signal.org:443:127.0.0.1']);
  assert.deepEqual([m.test_keys.signal_backend_status, m.test_keys.signal_backend_failure], ['ok', null]);
  assert.equal(m.test_version, '0.2.5');
  assert.deepEqual([v.blocking, v.accessible, v.outcome, v.failure], [false, true, 'accessible', false]);
  const queries = m.test_keys.queries as { hostname: string }[];
  assert.ok(
    queries.some((q) => q.hostname === 'uptime.signal.org'),
    'the uptime lookup is recorded',
  );
});

test('one backend host refused: the backend is blocked at TCP', async () => {
  const { m, v } = await run(await unusedPort(), ['uptime.signal.org:443:127.0.0.1']);
  assert.deepEqual(
    [m.test_keys.signal_backend_status, m.test_keys.signal_backend_failure],
    ['blocked', 'connection_refused'],
  );
  assert.deepEqual([v.blocking, v.outcome, v.method, v.strength], ['tcp_ip', 'blocked', 'tcp_ip', 'weak']);
  assert.match(v.explanation, /storage\.signal\.org/);
});

test('one backend host reset after the ClientHello: blocked, method tls', async () => {
  const reset = await startTcpServer('reset-after-first-bytes');
  others.push(reset);
  const { m, v } = await run(reset.port, ['uptime.signal.org:443:127.0.0.1']);
  assert.equal(m.test_keys.signal_backend_failure, 'connection_reset');
  assert.deepEqual([v.blocking, v.method, v.strength], ['http-failure', 'tls', 'strong']);
});

test('a certificate from another CA: blocked, method tls_interception', async () => {
  const other = await startHttpsServer((_req, res) => res.end('intercepted'), { cert: pki.intercepted });
  others.push(other);
  const { m, v } = await measureAndAnalyse(
    signal,
    runOptions({
      resolve: [`chat.signal.org:${other.port}:127.0.0.1`, 'uptime.signal.org:443:127.0.0.1'],
      ca: [pki.ca.certPem],
      targets: signal.parseTargets?.({ backend: [`https://chat.signal.org:${other.port}/`] }, 'test'),
    }),
  );
  assert.equal(m.test_keys.signal_backend_status, 'blocked');
  assert.match(String(m.test_keys.signal_backend_failure), /^ssl_/);
  assert.equal(v.outcome, 'blocked');
  assert.ok(v.method === 'tls_interception', v.explanation);
});

test('bad targets are refused with the field named', () => {
  assert.throws(
    () => signal.parseTargets?.({ backend: ['chat.signal.org'] }, 't.json'),
    /t\.json: 'backend\[0\]' must be/,
  );
  assert.throws(() => signal.parseTargets?.({ uptime: 3 }, 't.json'), /'uptime' must be a host name/);
});
