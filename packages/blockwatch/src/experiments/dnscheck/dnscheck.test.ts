/**
 * dnscheck against loopback resolvers: honest and forging UDP resolvers, an injector racing the real answer, a
 * DoH endpoint whose TLS is reset, with a control resolver or a control helper; and OONI's own example.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadOoniMeasurement, measureAndAnalyse, runOptions } from '../../../test/helpers/experiment-run.ts';
import { getTestPki, type TestPki } from '../../../test/helpers/pki.ts';
import { healthyControl, startFakeHelper } from '../../../test/helpers/probe-servers.ts';
import {
  dnsReplies,
  type RunningServer,
  startDohServer,
  startTcpServer,
  startUdpDnsServer,
} from '../../../test/helpers/servers.ts';
import { createHelperServer } from '../../helper/server.ts';
import type { ControlRequest } from '../../model/index.ts';
import { parseResolvePins } from '../../probe/resolve-pins.ts';
import { dnscheck } from './index.ts';

const REAL = '93.184.216.34';
const DOMAIN = 'example.org';
let pki: TestPki;
const servers: RunningServer[] = [];
const keep = <T extends RunningServer>(s: T) => {
  servers.push(s);
  return s;
};
let honest: RunningServer;

before(async () => {
  pki = await getTestPki();
  honest = keep(await startUdpDnsServer((q) => (q.type === 'A' ? dnsReplies.address(REAL) : dnsReplies.noAnswer())));
});
after(() => Promise.all(servers.map((s) => s.close())));

const options = (targets: Record<string, unknown>, extra = {}) =>
  runOptions({
    ca: [pki.ca.certPem],
    targets: dnscheck.parseTargets?.({ system: false, control_resolver: honest.address, ...targets }, 'test'),
    ...extra,
  });

test('a resolver that agrees with the control: accessible', async () => {
  const other = keep(await startUdpDnsServer(() => dnsReplies.address(REAL)));
  const { m, v } = await measureAndAnalyse(dnscheck, options({ resolvers: [other.address] }), DOMAIN);
  const tk = m.test_keys;
  assert.deepEqual([m.test_name, m.input, tk.domain], ['dnscheck', DOMAIN, DOMAIN]);
  assert.ok(`udp://${other.address}` in (tk.lookups as object));
  assert.deepEqual((tk.x_control as { addrs: string[] }).addrs, [REAL]);
  assert.deepEqual([v.blocking, v.accessible, v.outcome, v.engine], [false, true, 'accessible', 'dnscheck-0.1']);
});

test('a name with underscores (_dmarc) is asked for as it is, in lower case and without the trailing dot', async () => {
  const asked: string[] = [];
  const other = keep(
    await startUdpDnsServer((q) => {
      asked.push(q.name);
      return dnsReplies.address(REAL);
    }),
  );
  const { m } = await measureAndAnalyse(dnscheck, options({ resolvers: [other.address] }), '_DMARC.Example.org.');
  assert.equal(m.test_keys.domain, '_dmarc.example.org');
  assert.ok(asked.length > 0 && asked.every((name) => name === '_dmarc.example.org'), asked.join());
});

test('a resolver answering a bogon: tampering, certain', async () => {
  const forger = keep(await startUdpDnsServer(() => dnsReplies.address('10.10.34.35')));
  const { v } = await measureAndAnalyse(dnscheck, options({ resolvers: [forger.address] }), DOMAIN);
  assert.deepEqual([v.blocking, v.outcome, v.method, v.strength], ['dns', 'blocked', 'dns', 'certain']);
  assert.match(v.explanation, /10\.10\.34\.35 \(bogons\)/);
});

test('a public answer the control does not share (no common address or AS): tampering, weak', async () => {
  const liar = keep(await startUdpDnsServer(() => dnsReplies.address('5.6.7.8')));
  const { v } = await measureAndAnalyse(dnscheck, options({ resolvers: [liar.address] }), DOMAIN);
  assert.deepEqual([v.blocking, v.method, v.strength], ['dns', 'dns', 'weak']);
});

test('an injector answering before the resolver: two replies, tampering, strong', async () => {
  const raced = keep(await startUdpDnsServer((q) => (q.type === 'A' ? dnsReplies.injected('5.6.7.8', REAL, 30) : [])));
  const { m, v } = await measureAndAnalyse(dnscheck, options({ resolvers: [raced.address] }), DOMAIN);
  const lookup = (m.test_keys.lookups as Record<string, { x_dns_duplicate_responses: unknown[] }>)[
    `udp://${raced.address}`
  ];
  assert.equal(lookup?.x_dns_duplicate_responses.length, 1);
  assert.deepEqual([v.blocking, v.method, v.strength], ['dns', 'dns', 'strong']);
  assert.match(v.explanation, /two different replies/);
});

test('NXDOMAIN where the control resolves the name: tampering', async () => {
  const nx = keep(await startUdpDnsServer(() => dnsReplies.rcode('NXDOMAIN')));
  const { v } = await measureAndAnalyse(dnscheck, options({ resolvers: [nx.address] }), DOMAIN);
  assert.deepEqual([v.blocking, v.outcome, v.method], ['dns', 'blocked', 'dns']);
  assert.match(v.explanation, /denied that the name exists/);
});

test('DoH answering, then DoH reset after the ClientHello while the control helper reaches it: DoH blocked', async () => {
  const doh = keep(await startDohServer(() => dnsReplies.address(REAL), { cert: pki.localhost }));
  const ok = await measureAndAnalyse(
    dnscheck,
    options({ doh: [`https://doh.test:${doh.port}/dns-query`] }, { resolve: [`doh.test:${doh.port}:127.0.0.1`] }),
    DOMAIN,
  );
  assert.deepEqual([ok.v.outcome, ok.v.blocking], ['accessible', false]);

  const reset = keep(await startTcpServer('reset-after-first-bytes'));
  const helper = await startFakeHelper({
    answer: (request: ControlRequest) => ({
      ...healthyControl(request),
      tls_handshake: Object.fromEntries(
        request.tcp_connect.map((e) => [e, { server_name: 'doh.test', status: true, failure: null }]),
      ),
      dns: { failure: null, addrs: [REAL] },
    }),
  });
  servers.push(helper as unknown as RunningServer);
  const url = `https://doh.test:${reset.port}/dns-query`;
  const { m, v } = await measureAndAnalyse(
    dnscheck,
    runOptions({
      ca: [pki.ca.certPem],
      helperUrl: (helper as unknown as { url: string }).url,
      resolve: [`doh.test:${reset.port}:127.0.0.1`],
      targets: dnscheck.parseTargets?.({ system: false, doh: [url] }, 'test'),
    }),
    DOMAIN,
  );
  const lookup = (m.test_keys.lookups as Record<string, { failure: string; failed_operation: string }>)[url];
  assert.deepEqual([lookup?.failure, lookup?.failed_operation], ['connection_reset', 'tls_handshake']);
  assert.equal((m.test_keys.x_control as { source: string }).source, 'helper');
  assert.deepEqual([v.blocking, v.outcome, v.method, v.strength], ['http-failure', 'blocked', 'tls', 'strong']);
  assert.match(v.explanation, /while the control reaches it/);
});

test("with blockwatch's own helper as the control: the DoH endpoint's view and the domain's addresses", async () => {
  const doh = keep(await startDohServer(() => dnsReplies.address(REAL), { cert: pki.localhost }));
  const url = `https://doh.test:${doh.port}/dns-query`;
  const pins = [`doh.test:${doh.port}:127.0.0.1`];
  const helper = createHelperServer({
    upstream: { kind: 'udp', address: honest.address },
    ca: [pki.ca.certPem],
    pins: parseResolvePins(pins),
    deadlineMs: 5_000,
  });
  const helperUrl = await helper.listen(0, '127.0.0.1');
  try {
    const { m, v } = await measureAndAnalyse(
      dnscheck,
      runOptions({
        ca: [pki.ca.certPem],
        helperUrl,
        resolve: pins,
        targets: dnscheck.parseTargets?.({ system: false, doh: [url] }, 'test'),
      }),
      DOMAIN,
    );
    const control = m.test_keys.x_control as { source: string; addrs: string[]; endpoints: Record<string, unknown> };
    assert.deepEqual([control.source, control.addrs], ['helper', [REAL]]);
    assert.deepEqual(control.endpoints[url], { tcp_failure: null, tls_failure: null });
    assert.deepEqual([v.outcome, v.blocking], ['accessible', false]);
    assert.match(v.explanation, /consistently with the control/);
  } finally {
    await helper.close();
  }
});

test("OONI's example (DoT lookups, two IPv6 ones unreachable, no control): accessible, failure (unknown_failure)", () => {
  const m = loadOoniMeasurement('spec-example__ts-028-dnscheck__dnscheck.json');
  const rows = dnscheck.ingest(m);
  assert.ok(Array.isArray(rows), String(rows));
  const v = dnscheck.analyze(rows, m, {});
  assert.deepEqual([v.blocking, v.outcome, v.failure], [false, 'accessible', true]);
  assert.equal(dnscheck.ooniVerdict?.(m), undefined, 'OONI writes no dnscheck verdict');
});

test('bad input and targets are refused with the field named', async () => {
  await assert.rejects(() => dnscheck.measure?.('not a domain', runOptions()) ?? Promise.resolve(), {
    code: 'BW_ERR_INVALID_ARG',
    message: /^dnscheck input: 'not a domain' is not a DNS name: label 'not a domain'/,
  });
  await assert.rejects(() => dnscheck.measure?.('a..test', runOptions()) ?? Promise.resolve(), /empty label/);
  assert.throws(() => dnscheck.parseTargets?.({ resolvers: ['x'] }, 't.json'), /t\.json: 'resolvers\[0\]' must be/);
  assert.throws(() => dnscheck.parseTargets?.({ doh: ['http://a/'] }, 't.json'), /'doh\[0\]' must be an https/);
});
