import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TH_FAILURES } from '../model/index.ts';
import { legacyDnsFailure, legacyHttpFailure, legacyTcpFailure, legacyTlsFailure } from './legacy-failures.ts';

test('DNS failures fold into the legacy strings (dns_no_answer is no failure)', () => {
  // biome-ignore format: table
  const cases: [string | null, string | null][] = [
    [null, null], ['dns_no_answer', null], ['dns_nxdomain_error', 'dns_name_error'],
    ['dns_refused_error', 'dns_server_failure'], ['dns_server_misbehaving', 'dns_server_failure'],
    ['dns_temporary_failure', 'dns_server_failure'], ['dns_non_recoverable_failure', 'dns_server_failure'],
    ['dns_servfail_error', 'unknown_error'], ['generic_timeout_error', 'unknown_error'],
    ['unknown_failure: boom', 'unknown_error'],
  ];
  for (const [ours, legacy] of cases) assert.equal(legacyDnsFailure(ours), legacy, String(ours));
});

test('TCP failures fold into the legacy strings', () => {
  // biome-ignore format: table
  const cases: [string | null, string | null][] = [
    [null, null], ['connection_refused', 'connection_refused_error'], ['generic_timeout_error', 'generic_timeout_error'],
    ['interrupted', 'generic_timeout_error'], ['host_unreachable', 'connect_error'], ['connection_reset', 'connect_error'],
  ];
  for (const [ours, legacy] of cases) assert.equal(legacyTcpFailure(ours), legacy, String(ours));
});

test('TLS failures are reported as classified', () => {
  assert.equal(legacyTlsFailure('ssl_unknown_authority'), 'ssl_unknown_authority');
  assert.equal(legacyTlsFailure('connection_reset'), 'connection_reset');
  assert.equal(legacyTlsFailure('interrupted'), 'generic_timeout_error');
  assert.equal(legacyTlsFailure(null), null);
});

test('HTTP failures fold into the legacy strings', () => {
  // biome-ignore format: table
  const cases: [string | null, string | null][] = [
    [null, null], ['dns_nxdomain_error', 'dns_lookup_error'], ['dns_bogon_error', 'dns_lookup_error'],
    ['dns_no_answer', 'dns_lookup_error'], ['generic_timeout_error', 'generic_timeout_error'],
    ['connection_refused', 'connection_refused_error'], ['ssl_unknown_authority', 'unknown_error'],
    ['connection_reset', 'unknown_error'], ['unknown_failure: stopped after too many redirects', 'unknown_error'],
  ];
  for (const [ours, legacy] of cases) assert.equal(legacyHttpFailure(ours), legacy, String(ours));
});

test('every legacy string produced is in the model vocabulary', () => {
  const known = new Set<string>(TH_FAILURES);
  const inputs = [
    'connection_refused',
    'dns_nxdomain_error',
    'generic_timeout_error',
    'eof_error',
    'dns_refused_error',
  ];
  for (const input of inputs) {
    for (const f of [legacyDnsFailure(input), legacyTcpFailure(input), legacyHttpFailure(input)]) {
      if (f !== null) assert.ok(known.has(f), f);
    }
  }
});
