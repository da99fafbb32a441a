import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBogon } from '../verdict/index.ts';
import { IP_FLAGS, planMeasurement, portsFor } from './plan.ts';

const asnOf = (ip: string) => (ip === '93.184.216.34' ? 15133 : 0);

test('ports follow the URL: explicit port, else 443 for https, else 80 and 443', () => {
  assert.deepEqual(portsFor(new URL('http://a.example/')), [80, 443]);
  assert.deepEqual(portsFor(new URL('https://a.example/')), [443]);
  assert.deepEqual(portsFor(new URL('http://a.example:8080/')), [8080]);
  assert.deepEqual(portsFor(new URL('https://a.example:8443/')), [8443]);
});

test('ip_info merges probe and helper addresses and flags bogons, which are never planned', () => {
  const plan = planMeasurement({
    url: new URL('http://www.example.com/'),
    probeEndpoints: [
      { ip: '93.184.216.34', port: 80 },
      { ip: '10.10.34.35', port: 80 },
    ],
    helperAddrs: ['93.184.216.34', '2606:2800:220:1::1', '127.0.0.1'],
    isBogon,
    asnOf,
  });
  assert.deepEqual(plan.ipInfo, {
    '93.184.216.34': { asn: 15133, flags: IP_FLAGS.resolvedByProbe | IP_FLAGS.resolvedByHelper },
    '10.10.34.35': { asn: 0, flags: IP_FLAGS.resolvedByProbe | IP_FLAGS.bogon },
    '2606:2800:220:1::1': { asn: 0, flags: IP_FLAGS.resolvedByHelper },
    '127.0.0.1': { asn: 0, flags: IP_FLAGS.resolvedByHelper | IP_FLAGS.bogon },
  });
  assert.deepEqual(
    plan.endpoints.map((e) => [e.key, e.tls]),
    [
      ['93.184.216.34:443', true],
      ['93.184.216.34:80', false],
      ['[2606:2800:220:1::1]:443', true],
      ['[2606:2800:220:1::1]:80', false],
    ],
  );
});

test('an https URL on an explicit port is handshaken on that port', () => {
  const plan = planMeasurement({
    url: new URL('https://site.test:8443/'),
    probeEndpoints: [{ ip: '198.18.0.10', port: 8443 }],
    helperAddrs: [],
    isBogon: () => false,
    asnOf,
  });
  assert.deepEqual(plan.endpoints, [{ ip: '198.18.0.10', port: 8443, key: '198.18.0.10:8443', tls: true }]);
});

test('the probe port is not what gets measured: the URL decides', () => {
  const plan = planMeasurement({
    url: new URL('https://a.example/'),
    probeEndpoints: [{ ip: '93.184.216.34', port: 22 }],
    helperAddrs: [],
    isBogon,
    asnOf,
  });
  assert.deepEqual(
    plan.endpoints.map((e) => e.key),
    ['93.184.216.34:443'],
  );
});
