import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { runCommand } from '../../../test/helpers/cli.ts';
import { startHttpSite } from '../../../test/helpers/helper-sites.ts';
import { getTestPki } from '../../../test/helpers/pki.ts';
import { runCli } from '../main.ts';
import { parseListen, parseResolverOption } from './helper.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-helper-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const env = { ...process.env, BLOCKWATCH_CONFIG_DIR: dir };

test('--listen and --resolver are parsed strictly', () => {
  assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
  assert.deepEqual(parseListen('localhost:8080'), { host: 'localhost', port: 8080 });
  for (const bad of [undefined, '8080', '127.0.0.1', '127.0.0.1:99999', '[nothost]:80', '::1:80']) {
    assert.throws(() => parseListen(bad), { code: 'BW_ERR_USAGE' }, String(bad));
  }
  assert.equal(parseResolverOption('9.9.9.9'), '9.9.9.9');
  assert.equal(parseResolverOption('127.0.0.1:5353'), '127.0.0.1:5353');
  assert.equal(parseResolverOption('[::1]:53'), '[::1]:53');
  for (const bad of ['dns.google', '1.2.3.4:0', '1.2.3.4:x']) {
    assert.throws(() => parseResolverOption(bad), { code: 'BW_ERR_USAGE' }, bad);
  }
});

test('bad command lines exit 2 with one clear line', async () => {
  // a certificate whose "key" is the certificate itself
  writeFileSync(join(dir, 'cert.pem'), (await getTestPki()).localhost.certPem);
  const cases: [string[], RegExp][] = [
    [['helper'], /--listen must be HOST:PORT/],
    [['helper', '--listen', '127.0.0.1:0', '--doh', 'https://a/dns-query', '--resolver', '9.9.9.9'], /alternatives/],
    [['helper', '--listen', '127.0.0.1:0', '--doh', 'dns.google'], /--doh must be an https:\/\/ URL/],
    [['helper', '--listen', '127.0.0.1:0', '--deadline', '0'], /--deadline must be a positive number/],
    [['helper', '--listen', '127.0.0.1:0', '--concurrency', 'many'], /--concurrency must be an integer/],
    [['helper', '--listen', '127.0.0.1:0', '--resolve', 'a.test:80'], /--resolve must be HOST:PORT:ADDR/],
    [['helper', '--listen', '127.0.0.1:0', '--ca', join(dir, 'missing.pem')], /cannot read --ca/],
    [['helper', '--listen', '127.0.0.1:0', '--asn-registry', join(dir, 'missing.json')], /cannot read ASN registry/],
    [
      ['helper', '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'cert.pem')],
      /--tls-cert and --tls-key go together/,
    ],
    [
      ['helper', '--listen', '127.0.0.1:0', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'cert.pem')],
      /tls: the certificate or key is not usable/,
    ],
  ];
  for (const [argv, message] of cases) {
    const r = await runCommand(argv, { env });
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('blockwatch helper serves until the signal and uses the ASN registry', async () => {
  const site = await startHttpSite();
  const registry = join(dir, 'asn.json');
  writeFileSync(registry, JSON.stringify({ '127.0.0.0/8': { asn: 64500, org: 'Lab' } }));
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const controller = new AbortController();
  const exit = runCli(
    ['helper', '--listen', '127.0.0.1:0', '--resolver', '127.0.0.1:9', '--asn-registry', registry, '--deadline', '5'],
    { stdout, stderr, stdin: new PassThrough(), env, cwd: dir, signal: controller.signal },
  );
  try {
    while (!/listening on (\S+)/.test(out)) {
      assert.equal(err.includes('blockwatch:'), false, err);
      await new Promise((r) => setTimeout(r, 20));
    }
    const url = /listening on (\S+)/.exec(out)?.[1] as string;
    // the registry makes 127.0.0.1 public: an IP-literal URL is measured and fetched
    const res = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ http_request: `http://127.0.0.1:${site.port}/`, tcp_connect: [`127.0.0.1:${site.port}`] }),
    });
    const json = (await res.json()) as { ip_info: unknown; http_request: { status_code: number } };
    assert.equal(res.status, 200);
    assert.deepEqual(json.ip_info, { '127.0.0.1': { asn: 64500, flags: 1 } });
    assert.equal(json.http_request.status_code, 200);
  } finally {
    controller.abort();
    await site.close();
  }
  assert.equal(await exit, 0);
  assert.match(err, /status=200 host=127\.0\.0\.1/);
  assert.match(err, /helper stopped/);
});
