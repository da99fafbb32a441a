/**
 * Synthetic measurements for what OONI's verdict lacks: TLS blocking after the ClientHello (Kazakhstan's
 * mechanism), TLS interception, a site that is down for the control too, bogons and the lab's address override.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { analyzeMeasurement, isBogon } from './index.ts';

const HOST = 'news.example';
const IP = '93.184.216.34';

interface Parts {
  url?: string;
  dnsFailure?: string | null;
  addrs?: string[];
  tcpFailure?: string | null;
  tls?: Record<string, unknown> | null;
  request?: Record<string, unknown> | null;
  control?: Record<string, unknown>;
}

/** A v0.5-shaped measurement with one system lookup, one endpoint and one fetch, tagged as the probe tags them. */
function measurement(p: Parts) {
  const url = p.url ?? `https://${HOST}/`;
  const port = url.startsWith('https') ? 443 : 80;
  const addrs = p.addrs ?? [IP];
  const tags = ['depth=0', 'fetch_body=true'];
  return {
    input: url,
    test_name: 'web_connectivity',
    test_version: '0.5.28',
    probe_cc: 'KZ',
    probe_asn: 'AS9198',
    report_id: 'r1',
    test_keys: {
      queries: [
        {
          engine: 'getaddrinfo',
          hostname: HOST,
          query_type: 'ANY',
          failure: p.dnsFailure ?? null,
          answers: p.dnsFailure ? null : addrs.map((ip) => ({ answer_type: 'A', ipv4: ip, asn: 15133 })),
          tags: ['depth=0'],
          transaction_id: 1,
        },
      ],
      tcp_connect: p.dnsFailure
        ? []
        : [
            {
              ip: addrs[0],
              port,
              status: { success: !p.tcpFailure, failure: p.tcpFailure ?? null },
              tags,
              transaction_id: 2,
            },
          ],
      tls_handshakes: p.tls
        ? [{ address: `${addrs[0]}:${port}`, server_name: HOST, tags, transaction_id: 2, ...p.tls }]
        : [],
      requests: p.request ? [{ address: `${addrs[0]}:${port}`, tags, transaction_id: 2, ...p.request }] : [],
      control: p.control ?? {
        dns: { failure: null, addrs: [IP] },
        tcp_connect: { [`${IP}:${port}`]: { status: true, failure: null } },
        tls_handshake: { [`${IP}:${port}`]: { server_name: HOST, status: true, failure: null } },
        http_request: { failure: null, status_code: 200, body_length: 5000, title: 'News', headers: {} },
        ip_info: { [IP]: { asn: 15133, flags: 11 } },
      },
      control_failure: null,
    },
  };
}

const okResponse = (url = `https://${HOST}/`) => ({
  failure: null,
  request: { url, method: 'GET', headers: {} },
  response: { code: 200, body: '<title>News</title>'.padEnd(5000, 'x'), body_is_truncated: false, headers: {} },
});

test('a TLS handshake that times out after the ClientHello while the control succeeds is TLS blocking', () => {
  const v = analyzeMeasurement(
    measurement({
      tls: { failure: 'generic_timeout_error' },
      request: { failure: 'generic_timeout_error', request: { url: `https://${HOST}/` }, response: null },
    }),
  );
  assert.equal(v.blocking, 'http-failure', 'OONI has no TLS value: v0.5 says http-failure');
  assert.equal(v.accessible, false);
  assert.equal(v.method, 'tls');
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.layers.tls?.status, 'blocked');
  assert.equal(v.layers.dns?.status, 'ok');
  assert.equal(v.layers.tcp?.status, 'ok');
  assert.ok((v.classic.x_blocking_flags ?? 0) & 4, 'x_blocking_flags has the TLS bit');
  assert.match(
    v.explanation,
    /TLS handshake with 93\.184\.216\.34:443 \(SNI news\.example\) failed with generic_timeout_error/,
  );
});

test('a chain that validated only with an extra root is interception, although OONI calls the page accessible', () => {
  const v = analyzeMeasurement(
    measurement({ tls: { failure: null, x_validated_by_extra_ca: true }, request: okResponse() }),
  );
  assert.equal(v.blocking, false);
  assert.equal(v.accessible, true);
  assert.equal(v.method, 'tls_interception');
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.interception?.validated_by_extra_ca, true);
});

test('an extra root the user trusts is not interception without a control, nor when the control sees the same issuer', () => {
  const m = measurement({ tls: { failure: null, x_validated_by_extra_ca: true }, request: okResponse() });
  const noControl = { ...m, test_keys: { ...m.test_keys, control: null, control_failure: 'connection_refused' } };
  const v = analyzeMeasurement(noControl);
  assert.notEqual(v.method, 'tls_interception');
  assert.equal(v.interception, undefined);
});

test("a leaf issuer other than the control's is interception; the issuer is read from the DER certificate", () => {
  const spec = JSON.parse(
    readFileSync(
      new URL(
        '../../../../../shared/data/ooni/measurements/spec-example__ts-017-web-connectivity__web_connectivity.json',
        import.meta.url,
      ),
      'utf8',
    ),
  );
  const chain = spec.test_keys.tls_handshakes[0].peer_certificates;
  const m = measurement({ tls: { failure: null, peer_certificates: chain }, request: okResponse() });
  const control = m.test_keys.control as { tls_handshake: Record<string, Record<string, unknown>> };
  (control.tls_handshake[`${IP}:443`] as Record<string, unknown>).x_issuer =
    'C=KZ, O=ISCA, CN=Information Security Certification Authority';
  const v = analyzeMeasurement(m);
  assert.equal(v.method, 'tls_interception');
  assert.ok(v.interception?.probe_issuer && !v.interception.probe_issuer.includes('ISCA'));
  assert.equal(v.interception?.control_issuer, 'C=KZ, O=ISCA, CN=Information Security Certification Authority');

  // The same issuer written in another attribute order is not interception.
  (control.tls_handshake[`${IP}:443`] as Record<string, unknown>).x_issuer = v.interception?.probe_issuer
    ?.split(', ')
    .reverse()
    .join('\n');
  assert.equal(analyzeMeasurement(m).method, null);
});

test('a name that does not exist for the control either is a site down, not blocking', () => {
  const m = measurement({
    dnsFailure: 'dns_nxdomain_error',
    control: {
      dns: { failure: 'dns_name_error', addrs: [] },
      tcp_connect: {},
      http_request: { failure: 'dns_lookup_error', status_code: -1, body_length: -1, title: '', headers: {} },
    },
  });
  const v = analyzeMeasurement(m);
  assert.equal(v.blocking, false);
  assert.equal(v.accessible, false);
  assert.equal(v.outcome, 'down');
  assert.equal(v.layers.dns?.status, 'down');
  assert.ok((v.classic.x_null_null_flags ?? 0) & 1);
});

test('NXDOMAIN while the control resolves is DNS blocking', () => {
  const v = analyzeMeasurement(measurement({ dnsFailure: 'dns_nxdomain_error' }));
  assert.equal(v.blocking, 'dns');
  assert.equal(v.method, 'dns');
  assert.match(v.explanation, /failed with dns_nxdomain_error; the control resolved 93\.184\.216\.34 in AS15133/);
});

test('a bogon answer is DNS blocking, unless the lab says its address plan is public', () => {
  const labIp = '198.18.0.7';
  const plan = measurement({ url: `http://${HOST}/`, addrs: [labIp], request: okResponse(`http://${HOST}/`) });
  const control = plan.test_keys.control as Record<string, unknown>;
  control.dns = { failure: null, addrs: [IP] };
  assert.ok(isBogon(labIp));
  const blocked = analyzeMeasurement(plan);
  assert.equal(blocked.layers.dns?.status, 'blocked');
  assert.ok((blocked.classic.x_dns_flags ?? 0) & 1);
  const lab = analyzeMeasurement(plan, { isPublicOverride: (ip) => ip.startsWith('198.18.') });
  assert.equal((lab.classic.x_dns_flags ?? 0) & 1, 0);
});

test('without a control the verdict is unknown and the reason names the control failure', () => {
  const m = measurement({ tls: { failure: null }, request: { failure: 'connection_reset', response: null } });
  (m.test_keys as Record<string, unknown>).control = null;
  (m.test_keys as Record<string, unknown>).control_failure = 'generic_timeout_error';
  const v = analyzeMeasurement(m);
  assert.equal(v.blocking, null);
  assert.equal(v.accessible, null);
  assert.equal(v.outcome, 'unknown');
  assert.match(v.reason ?? '', /control_failure: generic_timeout_error/);
});
