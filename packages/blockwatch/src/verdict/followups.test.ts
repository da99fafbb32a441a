/**
 * Decoy follow-ups (`x_sni_followups`, `x_host_followups`) in hand-built measurements: what each finding does to
 * the method, the strength and the sentence, and that OONI's classic keys never move.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeMeasurement } from './index.ts';

const HOST = 'meduza.example';
const IP = '10.0.0.5';

interface Parts {
  url?: string;
  tlsFailure?: string | null;
  request?: Record<string, unknown>;
  sni?: unknown;
  host?: unknown;
}

function measurement(p: Parts) {
  const url = p.url ?? `https://${HOST}/`;
  const port = url.startsWith('https') ? 443 : 80;
  const tags = ['depth=0', 'fetch_body=true'];
  return {
    input: url,
    test_name: 'web_connectivity',
    test_version: '0.4.3',
    probe_cc: 'KZ',
    probe_asn: 'AS9198',
    test_keys: {
      queries: [
        {
          engine: 'system',
          hostname: HOST,
          query_type: 'ANY',
          failure: null,
          answers: [{ answer_type: 'A', ipv4: IP, asn: 15133 }],
          transaction_id: 1,
        },
      ],
      tcp_connect: [{ ip: IP, port, status: { success: true, failure: null }, tags, transaction_id: 2 }],
      tls_handshakes:
        p.tlsFailure === undefined
          ? []
          : [{ address: `${IP}:${port}`, server_name: HOST, failure: p.tlsFailure, tags, transaction_id: 3 }],
      requests: [
        {
          address: `${IP}:${port}`,
          failure: 'generic_timeout_error',
          request: { url, method: 'GET', headers: {} },
          response: null,
          x_failed_operation: url.startsWith('https') ? 'tls_handshake' : 'http_round_trip',
          transaction_id: 4,
          ...p.request,
        },
      ],
      control: {
        dns: { failure: null, addrs: [IP] },
        tcp_connect: { [`${IP}:${port}`]: { status: true, failure: null } },
        http_request: { failure: null, status_code: 200, body_length: 5000, title: 'Meduza', headers: {} },
      },
      control_failure: null,
      ...(p.sni === undefined ? {} : { x_sni_followups: p.sni }),
      ...(p.host === undefined ? {} : { x_host_followups: p.host }),
    },
  };
}

const sni = (decoy_failure: string | null, retry_failure?: string | null) => [
  {
    address: `${IP}:443`,
    server_name: HOST,
    decoy_server_name: 'example.com',
    decoy_failure,
    ...(retry_failure === undefined ? {} : { retry_failure }),
    t0: 10.1,
    t: 10.2,
  },
];

const classicOf = (v: ReturnType<typeof analyzeMeasurement>) => [v.blocking, v.accessible, v.classic];

test('without a follow-up a TLS timeout is tls and weak (the rule the follow-up refines)', () => {
  const v = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error' }));
  assert.equal(v.method, 'tls');
  assert.equal(v.strength, 'weak');
});

test('decoy answered, real name timed out again: tls, strong, and the sentence says the network filters by name', () => {
  const plain = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error' }));
  for (const decoy of [null, 'ssl_invalid_hostname', 'ssl_failed_handshake']) {
    const v = analyzeMeasurement(
      measurement({ tlsFailure: 'generic_timeout_error', sni: sni(decoy, 'generic_timeout_error') }),
    );
    assert.deepEqual(classicOf(v), classicOf(plain), 'OONI keys unchanged');
    assert.equal(v.outcome, 'blocked', String(decoy));
    assert.equal(v.method, 'tls');
    assert.equal(v.strength, 'strong', String(decoy));
    assert.equal(v.layers.tls?.status, 'blocked');
    assert.ok(
      v.layers.tls?.evidence.some((e) => e.startsWith(`decoy handshake with example.com to ${IP}:443 was answered`)),
    );
    assert.match(
      v.explanation,
      /^The TLS handshake with meduza\.example to 10\.0\.0\.5:443 timed out twice, while one with example\.com to the same address was answered and the control reached the site: the network filters by server name\./,
    );
  }
});

test('a reset, then an EOF on the retry: both failures named, strong', () => {
  const v = analyzeMeasurement(measurement({ tlsFailure: 'connection_reset', sni: sni(null, 'eof_error') }));
  assert.equal(v.strength, 'strong');
  assert.match(v.explanation, /failed with connection_reset, then again with eof_error, while one with example\.com/);
  const eof = analyzeMeasurement(measurement({ tlsFailure: 'eof_error', sni: sni(null, 'eof_error') }));
  assert.equal(eof.strength, 'strong', 'an EOF is weak alone, strong with the decoy answered');
  assert.match(eof.explanation, /was cut off twice \(eof_error\)/);
});

test('the decoy failed the same way: the address is unreachable for TLS, still weak', () => {
  const v = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error', sni: sni('generic_timeout_error') }));
  assert.equal(v.method, 'tls');
  assert.equal(v.strength, 'weak');
  assert.match(
    v.explanation,
    /The TLS handshake with example\.com to the same address failed too \(generic_timeout_error\): the address itself is unreachable for TLS from this network, which does not show filtering by server name/,
  );
});

test('the retry succeeded: transient, not blocked on TLS grounds; OONI keys unchanged', () => {
  const plain = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error' }));
  const v = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error', sni: sni(null, null) }));
  assert.deepEqual(classicOf(v), classicOf(plain));
  assert.equal(v.blocking, 'http-failure');
  assert.equal(v.outcome, 'unknown');
  assert.deepEqual(v.methods, []);
  assert.equal(v.strength, undefined);
  assert.equal(v.layers.tls?.status, 'unknown');
  assert.equal(v.layers.http?.status, 'unknown');
  assert.match(
    v.explanation,
    /^The TLS handshake with meduza\.example to 10\.0\.0\.5:443 first failed with generic_timeout_error, then succeeded when retried \(after one with example\.com was answered\): the failure was transient, not blocking by server name\.$/,
  );
});

test('a retry that failed otherwise (refused, a certificate error) decides nothing: the rules without it apply', () => {
  const plain = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error' }));
  for (const retry of ['connection_refused', 'ssl_invalid_hostname']) {
    const v = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error', sni: sni(null, retry) }));
    assert.equal(v.method, 'tls');
    assert.equal(v.strength, 'weak');
    assert.equal(v.explanation, plain.explanation);
  }
});

test('a follow-up for another address or name is not read as this handshake’s', () => {
  const other = [{ ...sni(null, 'generic_timeout_error')[0], address: '10.9.9.9:443' }];
  const renamed = [{ ...sni(null, 'generic_timeout_error')[0], server_name: 'other.example' }];
  for (const f of [other, renamed]) {
    const v = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error', sni: f }));
    assert.equal(v.strength, 'weak');
  }
});

const host = (decoy_failure: string | null, decoy_status_code: number | undefined, retry_failure?: string | null) => [
  {
    address: `${IP}:80`,
    host: HOST,
    decoy_host: 'example.com',
    decoy_failure,
    ...(decoy_status_code === undefined ? {} : { decoy_status_code }),
    ...(retry_failure === undefined ? {} : { retry_failure }),
    t0: 1,
    t: 2,
  },
];

test('Host filtering: decoy Host answered, the real request timed out again: http_failure, strong', () => {
  const url = `http://${HOST}/`;
  const plain = analyzeMeasurement(measurement({ url }));
  assert.equal(plain.method, 'http_failure');
  assert.equal(plain.strength, 'weak');
  const v = analyzeMeasurement(measurement({ url, host: host(null, 404, 'generic_timeout_error') }));
  assert.deepEqual(classicOf(v), classicOf(plain));
  assert.equal(v.method, 'http_failure');
  assert.equal(v.strength, 'strong');
  assert.match(
    v.explanation,
    /^The HTTP request with Host meduza\.example to 10\.0\.0\.5:80 timed out twice, while one with example\.com to the same address was answered and the control reached the site: the network filters by Host header\./,
  );
});

test('Host follow-ups: decoy unanswered is weak with its sentence; a retry answered is transient', () => {
  const url = `http://${HOST}/`;
  const down = analyzeMeasurement(measurement({ url, host: host('generic_timeout_error', undefined) }));
  assert.equal(down.strength, 'weak');
  assert.match(down.explanation, /failed too \(generic_timeout_error\): the address itself is unreachable for HTTP/);
  const transient = analyzeMeasurement(measurement({ url, host: host(null, 200, null) }));
  assert.equal(transient.blocking, 'http-failure');
  assert.equal(transient.outcome, 'unknown');
  assert.deepEqual(transient.methods, []);
  assert.match(transient.explanation, /the failure was transient, not blocking by Host header/);
});

test('junk follow-up entries are skipped, never a reason to refuse the measurement', () => {
  const plain = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error' }));
  const junk: unknown[] = [
    5,
    'x',
    {},
    [null, 1, 'x', [], { address: 5 }],
    [{ address: `${IP}:443`, server_name: HOST, decoy_server_name: 'example.com', decoy_failure: 7 }],
    [
      {
        address: `${IP}:443`,
        server_name: HOST,
        decoy_server_name: 'example.com',
        decoy_failure: null,
        retry_failure: {},
      },
    ],
    [{ address: `${IP}:443`, server_name: HOST, decoy_failure: null, retry_failure: 'generic_timeout_error' }],
    Array.from({ length: 10_000 }, () => ({ address: null })),
  ];
  for (const j of junk) {
    const v = analyzeMeasurement(measurement({ tlsFailure: 'generic_timeout_error', sni: j, host: j }));
    assert.equal(v.reason, undefined, JSON.stringify(j).slice(0, 80));
    assert.equal(v.explanation, plain.explanation);
    assert.equal(v.strength, 'weak');
  }
});

/** http://short.example/ answers 302 to https://meduza.example/, whose handshake then fails inside the HTTP step. */
function redirectToBlocked(hopFailure: string, followups?: unknown) {
  const SHORT_IP = '10.0.0.9';
  const m = measurement({ url: 'http://short.example/', ...(followups === undefined ? {} : { sni: followups }) });
  const tk = m.test_keys as Record<string, unknown>;
  tk.queries = [
    {
      engine: 'system',
      hostname: 'short.example',
      query_type: 'ANY',
      failure: null,
      answers: [{ answer_type: 'A', ipv4: SHORT_IP, asn: 15133 }],
      transaction_id: 1,
    },
  ];
  tk.tcp_connect = [
    { ip: SHORT_IP, port: 80, status: { success: true, failure: null }, tags: ['depth=0'], transaction_id: 2 },
  ];
  tk.requests = [
    {
      address: `${IP}:443`,
      failure: hopFailure,
      request: { url: `https://${HOST}/`, method: 'GET', headers: {} },
      response: null,
      x_failed_operation: 'tls_handshake',
      transaction_id: 5,
    },
    {
      address: `${SHORT_IP}:80`,
      failure: null,
      request: { url: 'http://short.example/', method: 'GET', headers: {} },
      response: { code: 302, headers: { Location: `https://${HOST}/` }, body: '' },
      transaction_id: 4,
    },
  ];
  (tk.control as Record<string, unknown>).dns = { failure: null, addrs: [SHORT_IP] };
  (tk.control as Record<string, unknown>).tcp_connect = { [`${SHORT_IP}:80`]: { status: true, failure: null } };
  return m;
}

test('a redirect hop whose handshake timed out twice while the decoy was answered: tls, strong, the hop named', () => {
  const plain = analyzeMeasurement(redirectToBlocked('generic_timeout_error'));
  assert.equal(plain.method, 'tls');
  assert.equal(plain.strength, 'weak', 'without a follow-up the hop is weak, as before');
  const v = analyzeMeasurement(redirectToBlocked('generic_timeout_error', sni(null, 'generic_timeout_error')));
  assert.deepEqual(classicOf(v), classicOf(plain), 'OONI keys unchanged');
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.method, 'tls');
  assert.equal(v.strength, 'strong');
  assert.ok(v.layers.http?.evidence.some((e) => e.startsWith(`decoy handshake with example.com to ${IP}:443`)));
  assert.match(
    v.explanation,
    /^The TLS handshake with meduza\.example, a redirect hop of short\.example, to 10\.0\.0\.5:443 timed out twice, while one with example\.com to the same address was answered/,
  );
});

test('a redirect hop whose handshake succeeded when retried: transient, no method of ours', () => {
  const v = analyzeMeasurement(redirectToBlocked('generic_timeout_error', sni(null, null)));
  assert.deepEqual(v.methods, []);
  assert.notEqual(v.outcome, 'blocked');
  assert.equal(v.layers.http?.status, 'unknown');
});
