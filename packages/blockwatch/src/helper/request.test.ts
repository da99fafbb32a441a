import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEndpoint, MAX_TCP_CONNECT, parseControlRequest, parseEndpoint } from './request.ts';

const valid = {
  http_request: 'http://www.example.com/',
  http_request_headers: { 'User-Agent': ['ua'], Accept: ['*/*'], Cookie: ['secret'] },
  tcp_connect: ['93.184.216.34:443', '93.184.216.34:80'],
};

// biome-ignore format: one bad request per line reads best
const BAD_REQUESTS: [name: string, body: unknown, field: string][] = [
  ['null body', null, '(root)'],
  ['array body', [], '(root)'],
  ['string body', 'hello', '(root)'],
  ['missing URL', { tcp_connect: [] }, 'http_request'],
  ['URL not a string', { ...valid, http_request: 5 }, 'http_request'],
  ['empty URL', { ...valid, http_request: '' }, 'http_request'],
  ['relative URL', { ...valid, http_request: '/index.html' }, 'http_request'],
  ['ftp URL', { ...valid, http_request: 'ftp://example.com/' }, 'http_request'],
  ['javascript URL', { ...valid, http_request: 'javascript:alert(1)' }, 'http_request'],
  ['huge URL', { ...valid, http_request: `http://example.com/${'a'.repeat(9000)}` }, 'http_request'],
  ['missing tcp_connect', { http_request: valid.http_request }, 'tcp_connect'],
  ['tcp_connect not an array', { ...valid, tcp_connect: '1.2.3.4:80' }, 'tcp_connect'],
  ['entry without port', { ...valid, tcp_connect: ['1.2.3.4:80', '1.2.3.4:443', '1.2.3.4'] }, 'tcp_connect[2]'],
  ['entry with a name', { ...valid, tcp_connect: ['example.com:80'] }, 'tcp_connect[0]'],
  ['entry not a string', { ...valid, tcp_connect: ['1.2.3.4:80', 80] }, 'tcp_connect[1]'],
  ['port 0', { ...valid, tcp_connect: ['1.2.3.4:0'] }, 'tcp_connect[0]'],
  ['port too large', { ...valid, tcp_connect: ['1.2.3.4:70000'] }, 'tcp_connect[0]'],
  ['IPv6 without brackets', { ...valid, tcp_connect: ['2001:db8::1:443'] }, 'tcp_connect[0]'],
  ['IPv4 in brackets', { ...valid, tcp_connect: ['[1.2.3.4]:443'] }, 'tcp_connect[0]'],
  ['bad IPv4', { ...valid, tcp_connect: ['1.2.3.256:443'] }, 'tcp_connect[0]'],
  ['too many entries', { ...valid, tcp_connect: Array.from({ length: MAX_TCP_CONNECT + 1 }, (_, i) => `10.0.0.${i % 250}:80`) }, 'tcp_connect'],
  ['headers not an object', { ...valid, http_request_headers: 'ua' }, 'http_request_headers'],
  ['header value not a list', { ...valid, http_request_headers: { 'User-Agent': 'ua' } }, 'http_request_headers.User-Agent'],
  ['header value not a string', { ...valid, http_request_headers: { Accept: ['*/*', 1] } }, 'http_request_headers.Accept[1]'],
  ['header with CRLF', { ...valid, http_request_headers: { Accept: ['a\r\nX-Evil: 1'] } }, 'http_request_headers.Accept[0]'],
  ['x_quic_enabled not boolean', { ...valid, x_quic_enabled: 'yes' }, 'x_quic_enabled'],
];

for (const [name, body, field] of BAD_REQUESTS) {
  test(`a bad request is refused naming the field: ${name}`, () => {
    const result = parseControlRequest(body);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.field, field);
    assert.ok(result.error.length > 0);
    if (field !== '(root)') assert.ok(result.error.startsWith(field), result.error);
  });
}

test('a valid request keeps the forwarded headers and deduplicates endpoints', () => {
  const result = parseControlRequest({
    ...valid,
    http_request_headers: { 'user-agent': ['ua', 'ua2'], Accept: ['*/*'], Cookie: ['secret'] },
    tcp_connect: ['93.184.216.34:443', '93.184.216.34:443', '[2606:2800:220:1::1]:80'],
    x_quic_enabled: false,
    x_some_future_field: 1,
  });
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.request.host, 'www.example.com');
  assert.deepEqual(result.request.headers, { 'User-Agent': 'ua', Accept: '*/*' });
  assert.deepEqual(result.request.probeEndpoints, [
    { ip: '93.184.216.34', port: 443 },
    { ip: '2606:2800:220:1::1', port: 80 },
  ]);
});

test('tcp_connect null (a Go probe that resolved nothing) is an empty list', () => {
  const result = parseControlRequest({ http_request: 'https://[2001:db8::1]:8443/', tcp_connect: null });
  assert.ok(result.ok);
  if (!result.ok) return;
  assert.equal(result.request.host, '2001:db8::1');
  assert.deepEqual(result.request.probeEndpoints, []);
});

test('endpoints parse and format symmetrically', () => {
  for (const text of ['1.2.3.4:80', '[::1]:443', '[2001:db8::1]:65535']) {
    const endpoint = parseEndpoint(text);
    assert.ok(endpoint, text);
    assert.equal(formatEndpoint(endpoint.ip, endpoint.port), text);
  }
  for (const text of ['1.2.3.4', ':80', '[::1]', 'a:b', '1.2.3.4:', '1.2.3.4:080000']) {
    assert.equal(parseEndpoint(text), null, text);
  }
});
