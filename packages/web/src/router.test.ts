import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchRoute, toQueryString } from './router.ts';

test('routes match deep links', () => {
  assert.deepEqual(matchRoute('/'), { name: 'overview', params: {} });
  assert.deepEqual(matchRoute('/country/kz'), { name: 'country', params: { cc: 'KZ' } });
  assert.deepEqual(matchRoute('/network/AS12389'), { name: 'network', params: { asn: '12389' } });
  assert.deepEqual(matchRoute('/network/12389/'), { name: 'network', params: { asn: '12389' } });
  assert.deepEqual(matchRoute('/domain/www.example.org'), { name: 'domain', params: { domain: 'www.example.org' } });
  assert.deepEqual(matchRoute('/m/20240101T000000Z_web%2Fx'), {
    name: 'measurement',
    params: { uid: '20240101T000000Z_web/x' },
  });
  assert.deepEqual(matchRoute('/events/abc'), { name: 'event', params: { id: 'abc' } });
  assert.equal(matchRoute('/country/KAZ').name, 'not-found');
  assert.equal(matchRoute('/m/%E0%A4%A').name, 'measurement', 'a malformed escape does not throw');
});

test('query strings drop empty values', () => {
  assert.equal(toQueryString({ a: 'x y', b: '', c: null, d: undefined, e: 0, f: false }), '?a=x+y&e=0&f=false');
  assert.equal(toQueryString({}), '');
});
