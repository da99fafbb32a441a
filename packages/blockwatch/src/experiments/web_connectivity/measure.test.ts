import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getTestPki, type TestPki } from '../../../test/helpers/pki.ts';
import { type RunningServer, startFakeHelper, startSite } from '../../../test/helpers/probe-servers.ts';
import { dnsReplies, startDohServer, startTcpServer, startUdpDnsServer } from '../../../test/helpers/servers.ts';
import { createAsnLookup } from '../../geo/index.ts';
import type { Verdict } from '../../model/index.ts';
import { validateMeasurement } from '../../model/index.ts';
import { createAnalyzer } from '../../probe/analyzer.ts';
import { createReportId } from '../../probe/envelope.ts';
import { parseResolvePins } from '../../probe/resolve-pins.ts';
import { SCRUBBED } from '../../probe/scrub.ts';
import { type MeasureOptions, measureUrl } from './measure.ts';

let pki: TestPki;
let https: RunningServer;
let echo: RunningServer;
const asnOf = createAsnLookup();
const base = (): MeasureOptions => ({
  probe: { probe_cc: 'IT', probe_asn: 'AS3269', probe_network_name: 'Telecom Italia S.p.A.' },
  resolverIdentity: { ip: '127.0.0.53', asn: 'AS0', networkName: '' },
  reportId: createReportId({ nowMs: Date.UTC(2026, 0, 2, 3, 4, 5), cc: 'IT', asn: 'AS3269' }),
  testStartMs: Date.UTC(2026, 0, 2, 3, 4, 5),
  timeoutMs: 10_000,
  ca: [pki.ca.certPem],
  analyze: createAnalyzer({ asnOf }),
});

before(async () => {
  pki = await getTestPki();
  const cert = await pki.issue({ names: ['example.org'] });
  https = await startSite({ tls: { key: cert.keyPem, cert: cert.chainPem } });
  // 127.0.0.2: the probe's socket comes from 127.0.0.1, so the address the site echoes is the probe's own.
  echo = await startSite({ host: '127.0.0.2', echoClient: true });
});
after(async () => {
  await https?.close();
  await echo?.close();
});

test('an https site pinned with --resolve: valid OONI measurement with DNS, TCP, TLS and HTTP records', async () => {
  const url = `https://example.org:${https.port}/`;
  const m = await measureUrl(url, { ...base(), pins: parseResolvePins([`example.org:${https.port}:127.0.0.1`]) });
  assert.deepEqual(validateMeasurement(m), { ok: true });
  assert.equal(m.data_format_version, '0.2.0');
  assert.equal(m.test_name, 'web_connectivity');
  assert.equal(m.test_version, '0.4.3');
  assert.equal(m.software_name, 'blockwatch');
  assert.equal(m.input, url);
  assert.equal(m.probe_ip, '127.0.0.1');
  assert.match(m.measurement_start_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(m.report_id, /^20260102T030405Z_webconnectivity_IT_3269_n1_[A-Za-z0-9]{16}$/);
  const tk = m.test_keys;
  assert.equal(tk.queries?.[0].answers?.[0].ipv4, '127.0.0.1');
  assert.ok(tk.queries?.[0].tags?.includes('x_pinned'));
  assert.deepEqual(
    tk.tcp_connect?.map((c) => [c.ip, c.port, c.status.success]),
    [['127.0.0.1', https.port, true]],
  );
  assert.equal(tk.tls_handshakes?.length, 1);
  assert.equal(tk.tls_handshakes?.[0].failure, null);
  assert.equal(tk.tls_handshakes?.[0].server_name, 'example.org');
  assert.ok((tk.tls_handshakes?.[0].peer_certificates?.length ?? 0) >= 1);
  assert.equal(tk.requests?.[0].failure, null);
  assert.equal(tk.requests?.[0].response?.code, 200);
  // network_events: the TCP step's connect, the handshake's bytes, the GET's connect, write and reads, by record
  const events = tk.network_events ?? [];
  const of = (id: number | undefined) => events.filter((e) => e.transaction_id === id).map((e) => e.operation);
  assert.deepEqual(of(tk.tcp_connect?.[0].transaction_id), ['connect']);
  assert.deepEqual(of(tk.tls_handshakes?.[0].transaction_id), ['write', 'read']);
  const get = of(tk.requests?.[0].transaction_id);
  assert.deepEqual(get.slice(0, 3), ['connect', 'write', 'read']);
  assert.ok(get.slice(2).every((op) => op === 'read'));
  assert.equal(tk.http_experiment_failure, null);
  assert.equal(tk.dns_experiment_failure, null);
  assert.match(tk.control_failure ?? '', /no control helper/);
  // a trusted https page is accessible even without control (OONI v0.4 rule A)
  assert.equal(tk.accessible, true);
  assert.equal(tk.blocking, false);
  // a chain valid only thanks to --ca is the user's own trust, not interception, while no control sees another issuer
  const verdict = tk.x_blockwatch_verdict as Verdict;
  assert.equal(verdict.engine, 'classic-0.4');
  assert.ok(!verdict.methods.includes('tls_interception'));
  assert.ok(m.test_runtime > 0 && m.test_runtime < 10);
});

test('with a control helper the measurement carries control, x_control_request and the classic keys', async () => {
  const helper = await startFakeHelper({
    answer: (r) => ({
      ...(JSON.parse(JSON.stringify(r)) as object),
      tcp_connect: Object.fromEntries(r.tcp_connect.map((e) => [e, { status: true, failure: null }])),
      http_request: {
        body_length: 79,
        failure: null,
        title: 'Hello',
        headers: { 'Content-Type': 'text/html' },
        status_code: 200,
      },
      dns: { failure: null, addrs: ['127.0.0.2'] },
    }),
  });
  try {
    const url = `http://site.test:${echo.port}/`;
    const m = await measureUrl(url, {
      ...base(),
      helperUrl: helper.url,
      pins: parseResolvePins([`site.test:${echo.port}:127.0.0.2`]),
    });
    assert.deepEqual(validateMeasurement(m), { ok: true });
    const tk = m.test_keys;
    assert.equal(tk.control_failure, null);
    assert.equal(tk.control?.http_request.status_code, 200);
    assert.deepEqual(tk.x_control_request?.tcp_connect, [`127.0.0.2:${echo.port}`]);
    assert.equal(helper.received[0].http_request, url);
    assert.equal(tk.tcp_connect?.[0].status.blocked, false);
    assert.equal(tk.dns_consistency, 'consistent');
    assert.equal(tk.status_code_match, true);
    assert.equal(tk.blocking, false);
    assert.equal(tk.accessible, true);
    assert.deepEqual(m.test_helpers, { backend: { address: helper.url, type: 'https' } });
  } finally {
    await helper.close();
  }
});

test("the probe's own address is scrubbed from headers and bodies; the server's is kept", async () => {
  const url = `http://site.test:${echo.port}/`;
  const m = await measureUrl(url, { ...base(), pins: parseResolvePins([`site.test:${echo.port}:127.0.0.2`]) });
  const response = m.test_keys.requests?.[0].response;
  assert.ok(response);
  assert.equal(response.headers['x-client-address'] ?? response.headers['X-Client-Address'], SCRUBBED);
  const body =
    typeof response.body === 'string' ? response.body : Buffer.from(response.body?.data ?? '', 'base64').toString();
  assert.match(body, /you are \[scrubbed\]/);
  assert.ok(!/127\.0\.0\.1/.test(JSON.stringify(m.test_keys.requests)));
  assert.equal(m.test_keys.tcp_connect?.[0].ip, '127.0.0.2');
});

test('a dead helper gives control_failure, and the measurement is still complete and valid', async () => {
  const helper = await startFakeHelper();
  const deadUrl = helper.url;
  await helper.close();
  const m = await measureUrl(`http://site.test:${echo.port}/`, {
    ...base(),
    helperUrl: deadUrl,
    pins: parseResolvePins([`site.test:${echo.port}:127.0.0.2`]),
  });
  assert.deepEqual(validateMeasurement(m), { ok: true });
  assert.equal(m.test_keys.control_failure, 'connection_refused');
  assert.equal(m.test_keys.control ?? null, null);
  assert.equal(m.test_keys.requests?.[0].response?.code, 200);
  assert.equal(m.test_keys.blocking, null); // plain http without control: no verdict either way
});

test('UDP answers are recorded with late duplicates; an unpinned loopback answer is never dialled', async () => {
  const dns = await startUdpDnsServer((q) =>
    q.type === 'A' ? dnsReplies.injected('127.0.0.1', '127.0.0.2', 50) : dnsReplies.noAnswer(),
  );
  try {
    const m = await measureUrl(`http://site.test:${echo.port}/`, {
      ...base(),
      resolver: dns.address,
      pins: parseResolvePins([`site.test:${echo.port}:127.0.0.2`]),
    });
    assert.deepEqual(validateMeasurement(m), { ok: true });
    const udp = m.test_keys.queries?.filter((q) => q.engine === 'udp') ?? [];
    assert.deepEqual(udp.map((q) => q.query_type).sort(), ['A', 'AAAA']);
    assert.equal(udp.find((q) => q.query_type === 'A')?.answers?.[0].ipv4, '127.0.0.1');
    const late = m.test_keys.x_dns_duplicate_responses ?? [];
    assert.equal(late.length, 1);
    assert.equal(late[0].answers?.[0].ipv4, '127.0.0.2');
    assert.deepEqual(
      m.test_keys.tcp_connect?.map((c) => c.ip),
      ['127.0.0.2'],
    );
  } finally {
    await dns.close();
  }
});

test('an IPv4-mapped loopback answer (::ffff:127.0.0.1) is loopback too', async () => {
  const dns = await startUdpDnsServer((q) =>
    q.type === 'AAAA' ? dnsReplies.address('::ffff:127.0.0.1') : dnsReplies.noAnswer(),
  );
  try {
    const m = await measureUrl(`http://site.test:${echo.port}/`, {
      ...base(),
      resolver: dns.address,
      pins: parseResolvePins([`site.test:${echo.port}:127.0.0.2`]),
    });
    const aaaa = m.test_keys.queries?.find((q) => q.engine === 'udp' && q.query_type === 'AAAA');
    assert.ok(aaaa?.answers?.[0].ipv6, JSON.stringify(aaaa));
    assert.deepEqual(
      m.test_keys.tcp_connect?.map((c) => c.ip),
      ['127.0.0.2'],
    );
  } finally {
    await dns.close();
  }
});

test('DoH answers are recorded (the DoH server pinned by name); a loopback answer is not dialled', async () => {
  const cert = await pki.issue({ names: ['doh.test'] });
  const doh = await startDohServer((q) => (q.type === 'A' ? dnsReplies.address('127.0.0.2') : dnsReplies.noAnswer()), {
    cert,
  });
  try {
    const m = await measureUrl(`http://site.test:${echo.port}/`, {
      ...base(),
      doh: `https://doh.test:${doh.port}/dns-query`,
      pins: parseResolvePins([`site.test:${echo.port}:127.0.0.3`, `doh.test:${doh.port}:127.0.0.1`]),
    });
    assert.deepEqual(validateMeasurement(m), { ok: true });
    const dohQueries = m.test_keys.queries?.filter((q) => q.engine === 'doh') ?? [];
    assert.equal(dohQueries.length, 2);
    assert.equal(dohQueries.find((q) => q.query_type === 'A')?.failure, null);
    assert.equal(dohQueries.find((q) => q.query_type === 'A')?.answers?.[0].ipv4, '127.0.0.2');
    assert.equal(doh.queries.length, 2);
    // only the pinned (classic) address is dialled; it has no server
    assert.deepEqual(
      m.test_keys.tcp_connect?.map((c) => [c.ip, c.status.failure, c.tags]),
      [['127.0.0.3', 'connection_refused', ['classic']]],
    );
  } finally {
    await doh.close();
  }
});

test('a redirect into loopback is not followed unless pinned, in any spelling of the address', async () => {
  const target = await startSite();
  try {
    for (const host of ['127.0.0.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]']) {
      const redirector = await startSite({ host: '127.0.0.2', redirectTo: `http://${host}:${target.port}/admin` });
      try {
        const m = await measureUrl(`http://r.test:${redirector.port}/`, {
          ...base(),
          pins: parseResolvePins([`r.test:${redirector.port}:127.0.0.2`]),
        });
        assert.equal(target.requests, 0, host);
        assert.equal(m.test_keys.requests?.length, 2, host);
        assert.equal(m.test_keys.http_experiment_failure, 'dns_bogon_error', host);
      } finally {
        await redirector.close();
      }
    }
  } finally {
    await target.close();
  }
});

test('an unreachable site fails as data within the time budget', async () => {
  const closed = await startSite();
  const port = closed.port;
  await closed.close();
  const started = Date.now();
  const m = await measureUrl(`http://gone.test:${port}/`, {
    ...base(),
    timeoutMs: 3000,
    pins: parseResolvePins([`gone.test:${port}:127.0.0.1`]),
  });
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(validateMeasurement(m), { ok: true });
  assert.equal(m.test_keys.tcp_connect?.[0].status.failure, 'connection_refused');
  assert.equal(m.test_keys.http_experiment_failure, 'connection_refused');
});

test('a site that stalls after the TLS ClientHello is bounded by the total budget', async () => {
  const stall = await startTcpServer('stall');
  const helper = await startFakeHelper({ handler: () => {} }); // and a helper that never answers
  try {
    const started = Date.now();
    const m = await measureUrl(`https://stall.test:${stall.port}/`, {
      ...base(),
      timeoutMs: 1500,
      helperUrl: helper.url,
      pins: parseResolvePins([`stall.test:${stall.port}:127.0.0.1`]),
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
    assert.deepEqual(validateMeasurement(m), { ok: true });
    assert.equal(m.test_keys.tcp_connect?.[0].status.success, true);
    assert.equal(m.test_keys.tls_handshakes?.[0].failure, 'generic_timeout_error');
    assert.equal(m.test_keys.control_failure, 'generic_timeout_error');
    assert.equal(m.test_keys.http_experiment_failure, 'generic_timeout_error');
  } finally {
    await stall.close();
    await helper.close();
  }
});

test('an injected clock dates the measurement; durations stay real', async () => {
  const labMs = Date.UTC(2024, 4, 17, 8, 0, 0);
  const m = await measureUrl(`http://site.test:${echo.port}/`, {
    ...base(),
    nowMs: () => labMs, // a frozen lab clock
    pins: parseResolvePins([`site.test:${echo.port}:127.0.0.2`]),
  });
  assert.equal(m.measurement_start_time, '2024-05-17 08:00:00');
  assert.ok(m.test_runtime > 0);
  assert.ok((m.test_keys.requests?.[0].t ?? 0) > 0);
});

test('bad input throws BW_ERR_INVALID_ARG before any network activity', async () => {
  await assert.rejects(measureUrl('ftp://x.test/', base()), { code: 'BW_ERR_INVALID_ARG' });
  await assert.rejects(measureUrl('not a url', base()), { code: 'BW_ERR_INVALID_ARG' });
});
