/**
 * Hostile measurements for the collector's tests: each is a valid web_connectivity measurement with exactly one
 * field (of the envelope, or of the test_keys our engine and the store read) replaced by a wrong type or an
 * extreme value. The same list is submitted at the door and fed straight to the loader.
 */
import { makeMeasurement } from './fixtures.ts';

/** Wrong types and extreme values, for any field. */
export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  4294967296,
  '',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x'.repeat(100_000),
  [],
  ['a', 1],
  {},
  { nested: { deeper: [1, 2] } },
  "x'; DROP TABLE measurements; --",
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '2024-02-30 10:00:00',
  '9999-12-31 23:59:59',
  '1969-12-31 23:59:59',
  'AS4294967296',
  'AS-1',
  'Ω≈ç√',
];

/** The envelope fields the store writes or the UI shows. */
export const ENVELOPE_FIELDS = [
  'probe_cc',
  'probe_asn',
  'test_name',
  'report_id',
  'measurement_start_time',
  'test_start_time',
  'test_runtime',
  'input',
  'probe_network_name',
  'resolver_asn',
  'resolver_ip',
  'resolver_network_name',
  'test_version',
  'software_name',
  'software_version',
  'data_format_version',
  'annotations',
  'test_keys',
];

/** test_keys of a full measurement: DNS answers, a TCP connect, a TLS handshake, an HTTP transaction. */
export function fullTestKeys(): Record<string, unknown> {
  return {
    blocking: false,
    accessible: true,
    control_failure: null,
    dns_experiment_failure: null,
    http_experiment_failure: null,
    dns_consistency: 'consistent',
    body_length_match: true,
    body_proportion: 1,
    status_code_match: true,
    headers_match: true,
    title_match: true,
    queries: [
      {
        hostname: 'www.example.com',
        query_type: 'A',
        engine: 'system',
        failure: null,
        answers: [{ answer_type: 'A', ipv4: '93.184.215.14', asn: 15133, ttl: 300 }],
        t: 0.1,
      },
    ],
    tcp_connect: [{ ip: '93.184.215.14', port: 443, status: { success: true, failure: null }, t: 0.2 }],
    tls_handshakes: [
      { address: '93.184.215.14:443', server_name: 'www.example.com', failure: null, tls_version: 'TLSv1.3', t: 0.3 },
    ],
    requests: [
      {
        failure: null,
        request: { url: 'https://www.example.com/', method: 'GET', headers: {} },
        response: { code: 200, headers: { 'Content-Type': 'text/html' }, body: '<title>Example</title>' },
        t: 0.4,
      },
    ],
    control: {
      dns: { addrs: ['93.184.215.14'], failure: null },
      tcp_connect: { '93.184.215.14:443': { status: true, failure: null } },
      http_request: { body_length: 22, status_code: 200, headers: {}, title: 'Example', failure: null },
    },
  };
}

/** Paths inside test_keys that the engine reads (dotted; numbers index arrays). */
export const TEST_KEYS_PATHS = [
  'blocking',
  'accessible',
  'control_failure',
  'dns_experiment_failure',
  'http_experiment_failure',
  'dns_consistency',
  'body_length_match',
  'body_proportion',
  'queries',
  'queries.0.hostname',
  'queries.0.failure',
  'queries.0.answers',
  'queries.0.answers.0.ipv4',
  'queries.0.answers.0.asn',
  'queries.0.answers.0.ttl',
  'tcp_connect',
  'tcp_connect.0.ip',
  'tcp_connect.0.port',
  'tcp_connect.0.status',
  'tcp_connect.0.status.failure',
  'tls_handshakes.0.failure',
  'tls_handshakes.0.server_name',
  'requests',
  'requests.0.failure',
  'requests.0.request.url',
  'requests.0.response',
  'requests.0.response.code',
  'requests.0.response.body',
  'requests.0.response.headers',
  'control',
  'control.dns.addrs',
  'control.http_request.body_length',
  'control.http_request.status_code',
  'control.http_request.title',
];

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let at = target as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
}

export interface HostileCase {
  /** "resolver_asn" or "test_keys.queries.0.answers.0.asn" */
  field: string;
  value: unknown;
  measurement: Record<string, unknown>;
}

/** Every field × every hostile value, each on its own otherwise valid measurement (distinct inputs). */
export function hostileCases(): HostileCase[] {
  const cases: HostileCase[] = [];
  let n = 0;
  const base = () => makeMeasurement({ input: `https://hostile-${++n}.example/`, test_keys: fullTestKeys() });
  for (const field of ENVELOPE_FIELDS) {
    for (const value of HOSTILE_VALUES) {
      const m: Record<string, unknown> = base();
      m[field] = value;
      cases.push({ field, value, measurement: m });
    }
  }
  for (const path of TEST_KEYS_PATHS) {
    for (const value of HOSTILE_VALUES) {
      const m: Record<string, unknown> = base();
      setPath(m.test_keys as Record<string, unknown>, path, value);
      cases.push({ field: `test_keys.${path}`, value, measurement: m });
    }
  }
  return cases;
}
