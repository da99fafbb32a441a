import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFingerprintSet, parseFingerprintCsv } from '../verdict/index.ts';
import { type AddressCheck, analyzeRemoteDns, type RemoteDnsInput } from './analyze-dns.ts';

const ASN: Record<string, number> = {
  '93.184.216.34': 15133,
  '93.184.216.35': 15133,
  '151.101.1.1': 54113,
  '151.101.65.1': 54113,
  '2.16.0.1': 20940,
  '95.59.170.80': 9198,
};
const asnOf = (ip: string) => ASN[ip] ?? null;
const ok = (...addrs: string[]) => ({ failure: null, addrs });
const fail = (failure: string) => ({ failure, addrs: [] });

function input(over: Partial<RemoteDnsInput>): RemoteDnsInput {
  return {
    domain: 'news.example',
    resolver: { address: '95.59.170.53', asn: 9198, cc: 'KZ' },
    controlBefore: ok('93.184.216.34'),
    attempts: [ok('151.101.1.1')],
    controls: [ok('151.101.1.1'), ok('151.101.1.1')],
    checks: [],
    ...over,
  };
}

test('an answer a control resolver gives too is genuine', () => {
  const v = analyzeRemoteDns(input({}), { asnOf });
  assert.equal(v.outcome, 'accessible');
  assert.equal(v.layers.dns?.status, 'ok');
});

test('a CDN answering another address in the same AS is not tampering', () => {
  const v = analyzeRemoteDns(input({ attempts: [ok('151.101.65.1')] }), { asnOf });
  assert.equal(v.outcome, 'accessible');
  assert.match(v.layers.dns?.evidence[0] ?? '', /AS54113/);
});

test('geo-DNS to another network is genuine when the address presents a trusted certificate for the name', () => {
  const checks: AddressCheck[] = [{ address: '2.16.0.1', tlsFailure: null }];
  const v = analyzeRemoteDns(input({ attempts: [ok('2.16.0.1')], checks }), { asnOf });
  assert.equal(v.outcome, 'accessible');
  assert.equal(v.anomaly, false);
  // the same answer without verification is not called tampering either
  assert.equal(analyzeRemoteDns(input({ attempts: [ok('2.16.0.1')] }), { asnOf }).outcome, 'unknown');
});

test('an answer that serves the same page as a control address is genuine', () => {
  const checks: AddressCheck[] = [
    { address: '2.16.0.1', tlsFailure: 'ssl_invalid_hostname', httpBodySha256: 'aa' },
    { address: '151.101.1.1', tlsFailure: null, httpBodySha256: 'aa' },
  ];
  assert.equal(analyzeRemoteDns(input({ attempts: [ok('2.16.0.1')], checks }), { asnOf }).outcome, 'accessible');
});

test('an unverified answer with a certificate from another authority is DNS tampering', () => {
  const checks: AddressCheck[] = [
    { address: '95.59.170.80', tlsFailure: 'ssl_unknown_authority', tlsIssuer: 'CN=Filter Appliance CA' },
  ];
  const v = analyzeRemoteDns(input({ attempts: [ok('95.59.170.80')], checks }), { asnOf });
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.method, 'dns');
  assert.match(v.explanation, /Filter Appliance CA/);
});

test('NXDOMAIN while the control resolvers resolve the name is blocking; everywhere it is down', () => {
  assert.equal(analyzeRemoteDns(input({ attempts: [fail('dns_nxdomain_error')] })).outcome, 'blocked');
  const everywhere = input({
    attempts: [fail('dns_nxdomain_error')],
    controls: [fail('dns_nxdomain_error'), fail('dns_nxdomain_error')],
  });
  assert.equal(analyzeRemoteDns(everywhere).outcome, 'down');
});

test('the sandwich: a resolver failing its controls gives no verdict', () => {
  const dead = analyzeRemoteDns(input({ controlBefore: fail('generic_timeout_error') }));
  assert.equal(dead.outcome, 'unknown');
  assert.equal(dead.failure, true);
  const flaky = input({ attempts: [fail('generic_timeout_error')], controlAfter: fail('generic_timeout_error') });
  assert.equal(analyzeRemoteDns(flaky).outcome, 'unknown');
  const targeted = input({ attempts: [fail('generic_timeout_error')], controlAfter: ok('93.184.216.34') });
  assert.equal(analyzeRemoteDns(targeted).outcome, 'blocked');
});

test('the first attempt with an address decides (retries after a lost datagram)', () => {
  const v = analyzeRemoteDns(input({ attempts: [fail('generic_timeout_error'), ok('151.101.1.1')] }), { asnOf });
  assert.equal(v.outcome, 'accessible');
});

test('bogon answers and fingerprinted addresses are blocking; the lab plan can be declared public', () => {
  assert.equal(analyzeRemoteDns(input({ attempts: [ok('10.10.34.35')] })).outcome, 'blocked');
  const lab = input({ attempts: [ok('198.18.2.13')], controls: [ok('198.18.2.13')] });
  assert.equal(analyzeRemoteDns(lab, { isPublicOverride: (ip) => ip.startsWith('198.18.') }).outcome, 'accessible');
  const csv =
    'name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,source,exp_url,notes\nkz.dns,isp,,dns,full,95.59.170.80,,KZ,,,\n';
  const fingerprints = createFingerprintSet(parseFingerprintCsv(csv, 'dns'), []);
  const v = analyzeRemoteDns(input({ attempts: [ok('95.59.170.80')] }), { asnOf, fingerprints });
  assert.equal(v.outcome, 'blocked');
  assert.equal(v.confirmed, true);
});
