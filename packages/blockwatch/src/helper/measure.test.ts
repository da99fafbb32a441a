import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalHeaderName, discoverH3Endpoint } from './measure.ts';

test('discovered_h3_endpoint reads the h3 authority of Alt-Svc as host:port', () => {
  const url = new URL('https://www.example.com/path');
  assert.equal(discoverH3Endpoint('h3=":443"; ma=86400', url), 'www.example.com:443');
  assert.equal(discoverH3Endpoint('h2=":443", h3="alt.example.com:8443"; ma=60', url), 'alt.example.com:8443');
  assert.equal(discoverH3Endpoint('h3-29=":443", h2=":443"', url), '');
  assert.equal(discoverH3Endpoint('clear', url), '');
  assert.equal(discoverH3Endpoint(undefined, url), '');
  assert.equal(discoverH3Endpoint('h3=":443"', new URL('https://a.example:8443/')), 'a.example:443');
});

test('header names are written the way Go canonicalises them', () => {
  assert.equal(canonicalHeaderName('content-type'), 'Content-Type');
  assert.equal(canonicalHeaderName('X-POWERED-BY'), 'X-Powered-By');
  assert.equal(canonicalHeaderName('etag'), 'Etag');
  assert.equal(canonicalHeaderName('www-authenticate'), 'Www-Authenticate');
});
