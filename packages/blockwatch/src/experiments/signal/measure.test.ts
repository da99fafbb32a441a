/**
 * signal against loopback stand-ins: the backend hosts pinned to a test-CA HTTPS server answering 404 as the
 * real ones do, then one host refused, reset or forged away. The test root stands in for Signal's private root
 * CA and is given as `signal-ca.pem` in a data directory, as `blockwatch update` leaves it; without that file the
 * certificate failures it alone explains read as unknown.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
/** a data directory holding the test root as Signal's, and one without it */
const withRoot = mkdtempSync(join(tmpdir(), 'bw-signal-ca-'));
const withoutRoot = mkdtempSync(join(tmpdir(), 'bw-signal-noca-'));

before(async () => {
  pki = await getTestPki();
  writeFileSync(join(withRoot, 'signal-ca.pem'), pki.ca.certPem);
  const cert = await pki.issue({ names: ['chat.signal.org', 'storage.signal.org'] });
  backend = await startHttpsServer(
    (_req, res) => res.writeHead(404).end('{"code":404,"message":"HTTP 404 Not Found"}'),
    {
      cert,
      sendChain: true,
    },
  );
});
after(async () => {
  await Promise.all([backend, ...others].map((s) => s?.close()));
  for (const dir of [withRoot, withoutRoot]) rmSync(dir, { recursive: true, force: true });
});

const run = (storagePort: number, extra: string[] = [], dataDir = withRoot) =>
  measureAndAnalyse(
    signal,
    runOptions({
      resolve: [`chat.signal.org:${backend.port}:127.0.0.1`, `storage.signal.org:${storagePort}:127.0.0.1`, ...extra],
      dataDir,
      targets: signal.parseTargets?.(
        {
          backend: [`https://chat.signal.org:${backend.port}/`, `https://storage.signal.org:${storagePort}/`],
          uptime: 'uptime.signal.org',
        },
        'test',
      ),
    }),
  );

test("every backend host answers (404 is an answer) under Signal's root from the data directory: not blocked", async () => {
  const { m, v } = await run(backend.port, ['uptime.signal.org:443:127.0.0.1']);
  assert.deepEqual([m.test_keys.signal_backend_status, m.test_keys.signal_backend_failure], ['ok', null]);
  assert.equal(m.annotations.signal_ca, undefined, 'a measurement with the root is annotated as before');
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

test("without Signal's root in the data directory: the probe says so, the certificate failures read as unknown", async () => {
  assert.match(
    signal.preflight?.(withoutRoot) ?? '',
    /^Signal's root CA is not in the data directory \(.*signal-ca\.pem\): run 'blockwatch update'/,
  );
  assert.equal(signal.preflight?.(withRoot), undefined);
  const { m, v } = await run(backend.port, ['uptime.signal.org:443:127.0.0.1'], withoutRoot);
  assert.equal(m.annotations.signal_ca, 'missing');
  // OONI's keys as OONI would write them: the backend failed its handshakes
  assert.deepEqual(
    [m.test_keys.signal_backend_status, m.test_keys.signal_backend_failure],
    ['blocked', 'ssl_unknown_authority'],
  );
  assert.deepEqual([v.blocking, v.accessible], ['http-failure', false]);
  assert.deepEqual([v.outcome, v.anomaly, v.method, v.strength], ['unknown', false, null, undefined]);
  assert.match(String(v.reason), /Signal's root CA was not in the probe's data directory/);
  for (const host of ['chat.signal.org', 'storage.signal.org']) assert.ok(v.explanation.includes(host), host);
  assert.equal(v.layers.tls?.status, 'unknown');
});

test("without Signal's root, a host refused is still blocking (the certificate failures count for nothing)", async () => {
  const { v } = await run(await unusedPort(), ['uptime.signal.org:443:127.0.0.1'], withoutRoot);
  assert.deepEqual([v.outcome, v.method, v.blocking], ['blocked', 'tcp_ip', 'http-failure']);
  assert.match(v.explanation, /\(storage\.signal\.org\) failed with connection_refused/);
  assert.match(v.explanation, /Signal's root CA was not in the probe's data directory.*chat\.signal\.org/);
});

test('a damaged signal-ca.pem is an error naming the file, not a measurement', async () => {
  const damaged = mkdtempSync(join(tmpdir(), 'bw-signal-bad-'));
  try {
    writeFileSync(join(damaged, 'signal-ca.pem'), pki.localhost.certPem);
    await assert.rejects(run(backend.port, [], damaged), /signal-ca\.pem: the certificate .* is not a CA certificate/);
  } finally {
    rmSync(damaged, { recursive: true, force: true });
  }
});

test("a certificate from another CA under Signal's root: blocked, method tls_interception", async () => {
  const other = await startHttpsServer((_req, res) => res.end('intercepted'), { cert: pki.intercepted });
  others.push(other);
  const { m, v } = await measureAndAnalyse(
    signal,
    runOptions({
      resolve: [`chat.signal.org:${other.port}:127.0.0.1`, 'uptime.signal.org:443:127.0.0.1'],
      dataDir: withRoot,
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
