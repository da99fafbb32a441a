import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { BlockingMethod, Outcome } from '../model/verdict.ts';
import { analyzeMeasurement, createFingerprintSet, parseFingerprintCsv } from './index.ts';
import { MECHANISMS, type Mechanism, syntheticMeasurement } from './synthetic.ts';

const DATA = new URL('../../../../../shared/data/fingerprints/', import.meta.url);
const fingerprints = createFingerprintSet(
  parseFingerprintCsv(readFileSync(new URL('fingerprints_dns.csv', DATA), 'utf8'), 'dns'),
  parseFingerprintCsv(readFileSync(new URL('fingerprints_http.csv', DATA), 'utf8'), 'http'),
);

// mechanism → [OONI blocking, accessible, our outcome, our method, confirmed]
const EXPECTED: Record<Mechanism, [unknown, boolean | null, Outcome, BlockingMethod | null, boolean]> = {
  ok: [false, true, 'accessible', null, false],
  down: [false, false, 'down', null, false],
  'dns.nxdomain': ['dns', false, 'blocked', 'dns', false],
  'dns.injection.blockpage': ['dns', false, 'blocked', 'dns', true],
  'dns.injection.bogon': ['dns', false, 'blocked', 'dns', false],
  'tcp.timeout': ['tcp_ip', false, 'blocked', 'tcp_ip', false],
  'tcp.refused': ['tcp_ip', false, 'blocked', 'tcp_ip', false],
  'tls.reset': ['http-failure', false, 'blocked', 'tls', false],
  'tls.timeout': ['http-failure', false, 'blocked', 'tls', false],
  'tls.mitm': [false, true, 'blocked', 'tls_interception', false],
  'http.blockpage': ['http-diff', false, 'blocked', 'http_blockpage', true],
  'http.reset': ['http-failure', false, 'blocked', 'http_failure', false],
};

test('each censorship mechanism gets OONI’s classic verdict and its own method', () => {
  for (const mechanism of MECHANISMS) {
    const v = analyzeMeasurement(syntheticMeasurement(mechanism), { fingerprints });
    assert.deepEqual(
      [v.blocking, v.accessible, v.outcome, v.method, v.confirmed],
      EXPECTED[mechanism],
      `${mechanism}: ${v.explanation}`,
    );
  }
});
