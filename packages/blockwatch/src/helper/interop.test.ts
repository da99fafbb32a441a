/**
 * The probe and the helper together: `blockwatch probe --helper` against a `createHelperServer` on loopback.
 * The probe must accept what the helper answers, and its verdict must use it (accessible when both see the same
 * page; not accessible when the probe's DNS points elsewhere than the helper's).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../../test/helpers/cli.ts';
import { startHttpSite, type TestSite } from '../../test/helpers/helper-sites.ts';
import { getTestPki } from '../../test/helpers/pki.ts';
import type { WebConnectivityMeasurement } from '../model/index.ts';
import { parseResolvePins } from '../probe/resolve-pins.ts';
import { createHelperServer, type HelperServer } from './server.ts';

const root = mkdtempSync(join(tmpdir(), 'bw-helper-interop-'));
let site: TestSite;
let blockpage: TestSite;
let helper: HelperServer;
let helperUrl: string;
let tlsHelper: HelperServer;
let tlsHelperUrl: string;

before(async () => {
  site = await startHttpSite();
  // A "block page" on another loopback address, same port: where a tampered DNS answer sends the probe.
  blockpage = await startHttpSite(
    (_req, res) => {
      // 403: with the same status, OONI's classic rules would accept the page (Node's headers always "match")
      res.writeHead(403, { 'content-type': 'text/html' });
      res.end('<html><head><title>Access denied</title></head><body>This site is blocked.</body></html>');
    },
    '127.0.0.2',
    site.port,
  );
  helper = createHelperServer({
    upstream: { kind: 'udp', address: '127.0.0.1:9' },
    pins: parseResolvePins([`news.test:${site.port}:127.0.0.1`]),
    deadlineMs: 5_000,
  });
  helperUrl = await helper.listen(0, '127.0.0.1');
  const pki = await getTestPki();
  writeFileSync(join(root, 'ca.pem'), pki.ca.certPem);
  const cert = await pki.issue({ names: ['helper.test'] });
  tlsHelper = createHelperServer({
    upstream: { kind: 'udp', address: '127.0.0.1:9' },
    pins: parseResolvePins([`news.test:${site.port}:127.0.0.1`]),
    tls: { cert: cert.chainPem, key: cert.keyPem },
  });
  tlsHelperUrl = await tlsHelper.listen(0, '127.0.0.1');
});

after(async () => {
  await helper.close();
  await tlsHelper.close();
  await Promise.all([site.close(), blockpage.close()]);
  rmSync(root, { recursive: true, force: true });
});

async function probe(address: string): Promise<WebConnectivityMeasurement> {
  const url = `http://news.test:${site.port}/`;
  const r = await runCommand(
    ['probe', url, '--resolve', `news.test:${site.port}:${address}`, '--helper', helperUrl, '--accept-risks', '--json'],
    { env: { ...process.env, BLOCKWATCH_CONFIG_DIR: root }, cwd: root },
  );
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n')[0] as string) as WebConnectivityMeasurement;
}

test('the probe accepts the helper answer and finds the site accessible', async () => {
  const m = await probe('127.0.0.1');
  const keys = m.test_keys;
  assert.equal(keys.control_failure, null);
  assert.equal(keys.control?.http_request.status_code, 200);
  assert.deepEqual(keys.control?.dns, { failure: null, addrs: ['127.0.0.1'] });
  assert.deepEqual(keys.control?.tcp_connect[`127.0.0.1:${site.port}`], { status: true, failure: null });
  assert.equal(keys.dns_consistency, 'consistent');
  assert.equal(keys.body_length_match, true);
  assert.equal(keys.accessible, true);
  assert.equal(keys.blocking, false);
});

test('a tampered answer on the probe side is not what the helper sees: not accessible', async () => {
  const m = await probe('127.0.0.2');
  const keys = m.test_keys;
  assert.equal(keys.control_failure, null);
  // the probe's address is a bogon the helper never dials; it is flagged as seen by the probe only
  assert.deepEqual(keys.control?.ip_info?.['127.0.0.2'], { asn: 0, flags: 1 | 4 });
  assert.equal(keys.control?.tcp_connect[`127.0.0.2:${site.port}`], undefined);
  assert.equal(keys.dns_consistency, 'inconsistent');
  assert.equal(keys.accessible, false);
  assert.equal(keys.blocking, 'dns');
});

test('a helper served over HTTPS is reached by name through the probe --ca and --resolve', async () => {
  const port = new URL(tlsHelperUrl).port;
  const url = `http://news.test:${site.port}/`;
  const r = await runCommand(
    [
      'probe',
      url,
      '--resolve',
      `news.test:${site.port}:127.0.0.1`,
      '--resolve',
      `helper.test:${port}:127.0.0.1`,
      '--ca',
      'ca.pem',
      '--helper',
      `https://helper.test:${port}/`,
      '--accept-risks',
      '--json',
    ],
    { env: { ...process.env, BLOCKWATCH_CONFIG_DIR: root }, cwd: root },
  );
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout.trim().split('\n')[0] as string) as WebConnectivityMeasurement;
  assert.equal(m.test_keys.control_failure, null);
  assert.equal(m.test_keys.control?.http_request.status_code, 200);
  assert.equal(m.test_keys.accessible, true);
});
