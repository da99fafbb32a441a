import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { runCommand } from '../../../test/helpers/cli.ts';
import { getTestPki } from '../../../test/helpers/pki.ts';
import { type RunningServer, startSite } from '../../../test/helpers/probe-servers.ts';
import { startTcpServer, unusedPort } from '../../../test/helpers/servers.ts';
import {
  type Measurement,
  type Verdict,
  validateMeasurement,
  type WebConnectivityMeasurement,
} from '../../model/index.ts';
import { runCli } from '../main.ts';

const root = mkdtempSync(join(tmpdir(), 'bw-probe-cli-'));
const env = (name: string) => ({ ...process.env, BLOCKWATCH_CONFIG_DIR: join(root, name) });
let site443: { server: RunningServer; url: string; pin: string } | null = null;
let plain: RunningServer;

before(async () => {
  const pki = await getTestPki();
  writeFileSync(join(root, 'test-ca.pem'), pki.ca.certPem);
  const cert = await pki.issue({ names: ['example.org'] });
  // The brief's exact command dials example.org:443; a random 127/8 address keeps port 443 free of clashes.
  const host = `127.${1 + Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}.${2 + Math.floor(Math.random() * 250)}`;
  try {
    const server = await startSite({ tls: { key: cert.keyPem, cert: cert.chainPem }, host, port: 443 });
    site443 = { server, url: 'https://example.org/', pin: `example.org:443:${host}` };
  } catch {
    // not root: the same command with an explicit port
    const server = await startSite({ tls: { key: cert.keyPem, cert: cert.chainPem }, host });
    site443 = { server, url: `https://example.org:${server.port}/`, pin: `example.org:${server.port}:${host}` };
  }
  plain = await startSite({ host: '127.0.0.2' });
});
after(async () => {
  await site443?.server.close();
  await plain?.close();
  rmSync(root, { recursive: true, force: true });
});

function jsonl(text: string): WebConnectivityMeasurement[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WebConnectivityMeasurement);
}

test('blockwatch probe https://example.org/ --resolve … --ca test-ca.pem --accept-risks --json', async () => {
  assert.ok(site443);
  const r = await runCommand(
    ['probe', site443.url, '--resolve', site443.pin, '--ca', 'test-ca.pem', '--accept-risks', '--json'],
    {
      env: env('done'),
      cwd: root,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const [m, ...rest] = jsonl(r.stdout);
  assert.equal(rest.length, 0);
  assert.deepEqual(validateMeasurement(m), { ok: true });
  assert.equal(m.input, site443.url);
  assert.equal(m.test_name, 'web_connectivity');
  assert.equal(m.data_format_version, '0.2.0');
  assert.equal(m.probe_ip, '127.0.0.1');
  assert.equal(m.test_keys.tls_handshakes?.[0].failure, null);
  assert.equal(m.test_keys.requests?.[0].response?.code, 200);
  assert.equal(m.test_keys.accessible, true);
  assert.ok(m.test_keys.x_blockwatch_verdict);
  // --accept-risks is for this run only
  assert.equal(existsSync(join(root, 'done', 'consent.json')), false);
});

test('without consent and without a terminal the probe refuses at once (exit 2) and measures nothing', async () => {
  const r = await runCommand(['probe', plain.url], { env: env('noconsent'), cwd: root });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /consent/);
  assert.match(r.stderr, /--accept-risks/);
  assert.equal(plain.requests, 0);
});

test('bad input is one clear error line and exit 2, before anything is measured', async () => {
  writeFileSync(join(root, 'bad.csv'), 'url,category_code\nhttps://ok.test/,NEWS\nhttp//broken,NEWS\n');
  const cases: [string[], RegExp][] = [
    [['probe', 'not-a-url', '--accept-risks'], /argument 1: 'not-a-url' is not a valid URL/],
    [['probe', 'ftp://x.test/', '--accept-risks'], /not an http/],
    [['probe', '--list', 'bad.csv', '--accept-risks'], /bad\.csv:3: 'http\/\/broken' is not a valid URL/],
    [['probe', '--list', 'missing.csv', '--accept-risks'], /cannot read test list .*missing\.csv/],
    [['probe', plain.url, '--no-such-flag'], /--no-such-flag/],
    [['probe', plain.url, '--resolve', 'example.org:443', '--accept-risks'], /--resolve must be HOST:PORT:ADDR/],
    [['probe', plain.url, '--resolve', 'example.org:443:not-ip', '--accept-risks'], /'not-ip' is not an IP address/],
    [['probe', plain.url, '--concurrency', '0', '--accept-risks'], /--concurrency must be an integer/],
    [['probe', plain.url, '--timeout', 'soon', '--accept-risks'], /--timeout must be a positive number/],
    [['probe', plain.url, '--resolver', '1.2.3', '--accept-risks'], /--resolver must be IP/],
    [['probe', plain.url, '--helper', 'th.example', '--accept-risks'], /--helper: 'th\.example' is not a valid URL/],
    [['probe', plain.url, '--cc', 'Italy', '--accept-risks'], /--cc must be a two-letter country code/],
    [['probe', plain.url, '--asn', 'ASX', '--accept-risks'], /--asn must look like AS3269/],
    [['probe', plain.url, '--ca', 'bad.csv', '--accept-risks'], /--ca: bad\.csv holds no PEM certificate/],
    [['probe', '--accept-risks'], /give at least one URL or --list/],
    [['probe', plain.url, '--out', 'no/such/dir/x.jsonl', '--accept-risks'], /--out: cannot write .*x\.jsonl: ENOENT/],
    [
      ['probe', plain.url, '--lab-time', '2014-11-24 12:00', '--accept-risks'],
      /--lab-time must be an ISO 8601 time with a zone/,
    ],
    [
      ['probe', '--test', 'no_such_test', '--accept-risks'],
      /--test: unknown test 'no_such_test'; registered: .*web_connectivity/,
    ],
    [['probe', '--test', 'dns_remote', 'x.test', '--accept-risks'], /--test dns_remote is measured by another command/],
    [['probe', plain.url, '--targets', 'bad.csv', '--accept-risks'], /--targets: web_connectivity takes no targets/],
  ];
  for (const [argv, pattern] of cases) {
    const r = await runCommand(argv, { env: env('bad'), cwd: root });
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0], pattern, argv.join(' '));
  }
  assert.equal(plain.requests, 0);
  assert.equal(existsSync(join(root, 'bad')), false, 'bad input creates no state');
});

test('a test list with --out writes JSONL and prints a table; failures are measurements too (exit 0)', async () => {
  const dead = await startSite();
  const deadPort = dead.port;
  await dead.close();
  writeFileSync(
    join(root, 'list.csv'),
    `url,category_code,category_description,date_added,source,notes\nhttp://one.test:${plain.port}/,NEWS,News,2020-01-01,,\nhttp://gone.test:${deadPort}/,HUMR,"Human, rights",2020-01-01,,\n`,
  );
  const r = await runCommand(
    [
      'probe',
      '--list',
      'list.csv',
      '--resolve',
      `one.test:${plain.port}:127.0.0.2`,
      '--resolve',
      `gone.test:${deadPort}:127.0.0.1`,
      '--out',
      'run.jsonl',
      '--concurrency',
      '2',
      '--cc',
      'it',
      '--asn',
      'AS3269',
      '--accept-risks',
    ],
    { env: env('list'), cwd: root },
  );
  assert.equal(r.code, 0, r.stderr);
  const written = jsonl(readFileSync(join(root, 'run.jsonl'), 'utf8'));
  assert.equal(written.length, 2);
  for (const m of written) {
    assert.deepEqual(validateMeasurement(m), { ok: true });
    assert.equal(m.probe_cc, 'IT');
    assert.equal(m.probe_asn, 'AS3269');
    assert.equal(m.probe_network_name, 'Telecom Italia S.p.A.');
  }
  assert.equal(new Set(written.map((m) => m.report_id)).size, 1, 'one report per run');
  const lines = r.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^INPUT\s+VERDICT\s+FAILURES/);
  assert.match(lines[1], /one\.test/);
  assert.match(lines[2], /gone\.test.*tcp connection_refused/);
  assert.match(r.stderr, /2 measurements written to .*run\.jsonl/);
});

test('--asn-registry names the networks of addresses the shipped tables do not know', async () => {
  writeFileSync(
    join(root, 'registry.json'),
    JSON.stringify({ '127.0.0.0/8': { asn: 64500, org: 'Lab Telecom', cc: 'IR' } }),
  );
  const r = await runCommand(
    [
      'probe',
      `http://reg.test:${plain.port}/`,
      '--resolve',
      `reg.test:${plain.port}:127.0.0.2`,
      '--asn-registry',
      'registry.json',
      '--cc',
      'IR',
      '--asn',
      '64500',
      '--json',
      '--accept-risks',
    ],
    { env: env('registry'), cwd: root },
  );
  assert.equal(r.code, 0, r.stderr);
  const [m] = jsonl(r.stdout);
  assert.equal(m.test_keys.queries?.[0].answers?.[0].asn, 64500);
  assert.equal(m.test_keys.queries?.[0].answers?.[0].as_org_name, 'Lab Telecom');
  assert.equal(m.probe_network_name, 'Lab Telecom');
  writeFileSync(join(root, 'registry.json'), '{"127.0.0.0/8": {"asn": "x"}}');
  const bad = await runCommand(['probe', plain.url, '--asn-registry', 'registry.json', '--accept-risks'], {
    env: env('registry'),
    cwd: root,
  });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /registry\.json: at '127\.0\.0\.0\/8/);
});

test('Ctrl-C stops the run promptly: exit 130, and cut-short measurements are not written', async () => {
  const stall = await startTcpServer('stall');
  const controller = new AbortController();
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
  try {
    const urls = Array.from({ length: 6 }, (_, i) => `http://stall${i}.test:${stall.port}/`);
    const pins = urls.map((_, i) => `--resolve=stall${i}.test:${stall.port}:127.0.0.1`);
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 300);
    const code = await runCli(['probe', ...urls, ...pins, '--json', '--concurrency', '2', '--accept-risks'], {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: env('interrupt'),
      cwd: root,
      signal: controller.signal,
    });
    assert.equal(code, 130);
    assert.ok(Date.now() - started < 5000, 'stopped promptly');
    assert.equal(out, '');
    assert.match(err, /interrupted: 0 of 6 URLs measured/);
  } finally {
    await stall.close();
  }
});

test('--lab-time stamps the measurement and its report with the lab clock, not the machine clock', async () => {
  const r = await runCommand(['probe', plain.url, '--lab-time', '2014-11-24T12:00Z', '--accept-risks', '--json'], {
    env: env('labtime'),
    cwd: root,
  });
  assert.equal(r.code, 0, r.stderr);
  const [m] = jsonl(r.stdout);
  assert.equal(m.measurement_start_time, '2014-11-24 12:00:00');
  assert.equal(m.test_start_time, '2014-11-24 12:00:00');
  assert.match(m.report_id, /^20141124T120000Z_webconnectivity_/);
  assert.equal(m.test_keys.requests?.[0].response?.code, 200, 'timeouts keep the real clock: the fetch still succeeds');
});

test('--submit sends the measurements to the collector', async () => {
  const received: unknown[] = [];
  const collector = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      const { measurements } = JSON.parse(body) as { measurements: unknown[] };
      received.push(...measurements);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ accepted: measurements.length }));
    });
  });
  collector.listen(0, '127.0.0.1');
  await once(collector, 'listening');
  try {
    const url = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
    const r = await runCommand(['probe', plain.url, '--submit', url, '--json', '--accept-risks'], {
      env: env('submit'),
      cwd: root,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(received.length, 1);
    assert.deepEqual(validateMeasurement(received[0]), { ok: true });
    assert.match(r.stderr, /1 measurements submitted/);
  } finally {
    collector.close();
  }
});

test('--test telegram --targets: an input-less experiment measures once, with its verdict, in JSONL and the table', async () => {
  // the web front-end by name (the analysis tells the DCs by their IP literals), pinned to the loopback site
  const site = `http://web.telegram.test:${plain.port}/`;
  writeFileSync(
    join(root, 'telegram-ok.json'),
    JSON.stringify({ dc: ['127.0.0.2'], dc_ports: [plain.port], web: site }),
  );
  const closed = await unusedPort();
  writeFileSync(
    join(root, 'telegram-dropped.json'),
    JSON.stringify({ dc: ['127.0.0.2'], dc_ports: [closed], web: site }),
  );
  const pin = `web.telegram.test:${plain.port}:127.0.0.2`;
  const base = ['probe', '--test', 'telegram', '--resolve', pin, '--accept-risks', '--timeout', '10'];
  const ok = await runCommand([...base, '--targets', 'telegram-ok.json', '--json'], {
    env: env('telegram'),
    cwd: root,
  });
  assert.equal(ok.code, 0, ok.stderr);
  const [m] = jsonl(ok.stdout) as unknown as Measurement<Record<string, unknown>>[];
  assert.equal(m.test_name, 'telegram');
  assert.equal(m.input, null);
  assert.match(m.report_id, /_telegram_/);
  assert.equal(validateMeasurement(m).ok, true);
  const verdict = m.test_keys.x_blockwatch_verdict as Verdict;
  assert.deepEqual([verdict.engine, verdict.outcome], ['telegram-0.1', 'accessible']);

  const blocked = await runCommand([...base, '--targets', 'telegram-dropped.json'], {
    env: env('telegram'),
    cwd: root,
  });
  assert.equal(blocked.code, 0, blocked.stderr);
  const [header, row] = blocked.stdout.trim().split('\n');
  assert.match(header, /^INPUT\s+VERDICT\s+FAILURES/);
  assert.match(row, /^\(telegram\)\s+blocked: tcp_ip\s+tcp connection_refused/);

  const bad = await runCommand([...base, 'https://example.org/'], { env: env('telegram'), cwd: root });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /telegram takes no URL or list/);
  writeFileSync(join(root, 'telegram-bad.json'), JSON.stringify({ dc: ['not-an-ip'] }));
  const badTargets = await runCommand([...base, '--targets', 'telegram-bad.json'], { env: env('telegram'), cwd: root });
  assert.equal(badTargets.code, 2, badTargets.stderr);
  assert.match(badTargets.stderr, /telegram-bad\.json/);
});

test("--test signal trusts Signal's root CA from the data directory; without it, says so and reads unknown", async () => {
  const pki = await getTestPki();
  const cert = await pki.issue({ names: ['chat.signal.org'] });
  const backend = await startSite({ tls: { key: cert.keyPem, cert: cert.chainPem }, host: '127.0.0.2' });
  const withRoot = join(root, 'signal-data');
  const withoutRoot = join(root, 'signal-nodata');
  mkdirSync(withRoot, { recursive: true });
  mkdirSync(withoutRoot, { recursive: true });
  writeFileSync(join(withRoot, 'signal-ca.pem'), pki.ca.certPem);
  writeFileSync(
    join(root, 'signal-targets.json'),
    JSON.stringify({ backend: [`https://chat.signal.org:${backend.port}/`], uptime: 'uptime.signal.org' }),
  );
  const args = [
    'probe',
    '--test',
    'signal',
    '--targets',
    'signal-targets.json',
    '--resolve',
    `chat.signal.org:${backend.port}:127.0.0.2`,
    '--resolve',
    'uptime.signal.org:443:127.0.0.2',
    '--accept-risks',
    '--timeout',
    '10',
    '--json',
  ];
  const probe = (dataDir: string) =>
    runCommand(args, { env: { ...env('signal'), BLOCKWATCH_DATA_DIR: dataDir }, cwd: root });
  try {
    const trusted = await probe(withRoot);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.doesNotMatch(trusted.stderr, /root CA/);
    const [m] = jsonl(trusted.stdout) as unknown as Measurement<Record<string, unknown>>[];
    assert.equal(validateMeasurement(m).ok, true);
    assert.equal(m.annotations.signal_ca, undefined);
    assert.equal((m.test_keys.x_blockwatch_verdict as Verdict).outcome, 'accessible');

    const untrusted = await probe(withoutRoot);
    assert.equal(untrusted.code, 0, untrusted.stderr);
    const notice = untrusted.stderr.split('\n').filter((l) => /root CA/.test(l));
    assert.equal(notice.length, 1, untrusted.stderr);
    assert.match(notice[0] as string, /Signal's root CA is not in the data directory .*run 'blockwatch update'/);
    const [n] = jsonl(untrusted.stdout) as unknown as Measurement<Record<string, unknown>>[];
    assert.equal(validateMeasurement(n).ok, true);
    assert.equal(n.annotations.signal_ca, 'missing');
    assert.equal(n.test_keys.signal_backend_failure, 'ssl_unknown_authority');
    const verdict = n.test_keys.x_blockwatch_verdict as Verdict;
    assert.deepEqual([verdict.outcome, verdict.anomaly], ['unknown', false]);
    assert.match(String(verdict.reason), /Signal's root CA/);
  } finally {
    await backend.close();
  }
});
