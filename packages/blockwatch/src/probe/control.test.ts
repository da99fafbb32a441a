import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeHelper } from '../../test/helpers/probe-servers.ts';
import { buildControlRequest, requestControl } from './control.ts';
import { parseResolvePins } from './resolve-pins.ts';

const request = buildControlRequest('http://site.test/', ['192.0.2.1', '2001:db8::1'], { 'User-Agent': 'x' });

test('the control request lists every address on 443 and 80 for http, and only the port for https', () => {
  assert.deepEqual(request.tcp_connect, ['192.0.2.1:443', '192.0.2.1:80', '[2001:db8::1]:443', '[2001:db8::1]:80']);
  assert.deepEqual(request.http_request_headers, { 'User-Agent': ['x'] });
  assert.deepEqual(buildControlRequest('https://site.test:8443/', ['192.0.2.1'], {}).tcp_connect, ['192.0.2.1:8443']);
});

test('a working helper answers control; its report of our address is taken out', async () => {
  const helper = await startFakeHelper({
    answer: (r) => ({ ...JSON.parse(JSON.stringify(r)), ...baseAnswer(), x_client_ip: '203.0.113.5' }),
  });
  try {
    const r = await requestControl({ helperUrl: helper.url, request, timeoutMs: 5000, userAgent: 't' });
    assert.equal(r.control_failure, null);
    assert.equal(r.control?.http_request.status_code, 200);
    assert.equal(r.clientAddress, '203.0.113.5');
    assert.equal((r.control as unknown as Record<string, unknown>).x_client_ip, undefined);
    assert.deepEqual(helper.received[0].tcp_connect, request.tcp_connect);
  } finally {
    await helper.close();
  }
});

test('a helper name can be pinned with --resolve', async () => {
  const helper = await startFakeHelper({ answer: baseAnswer });
  try {
    const r = await requestControl({
      helperUrl: `http://th.lab.test:${helper.port}/`,
      pins: parseResolvePins([`th.lab.test:${helper.port}:127.0.0.1`]),
      request,
      timeoutMs: 5000,
      userAgent: 't',
    });
    assert.equal(r.control_failure, null);
  } finally {
    await helper.close();
  }
});

test('a dead helper, a bad status, junk, a stall and a huge body each give a precise control_failure', async () => {
  const dead = await startFakeHelper();
  const deadUrl = dead.url;
  await dead.close();
  const cases: [string, Parameters<typeof startFakeHelper>[0] | null, string][] = [
    ['dead port', null, 'connection_refused'],
    ['503', { handler: (_q, res) => res.writeHead(503).end('busy') }, 'http_unexpected_status_code'],
    ['junk', { handler: (_q, res) => res.writeHead(200).end('<html>not json') }, 'json_parse_error'],
    ['wrong shape', { handler: (_q, res) => res.writeHead(200).end('{"hello":1}') }, 'json_parse_error'],
    ['stall', { handler: () => {} }, 'generic_timeout_error'],
    [
      'huge',
      {
        handler: (_q, res) => {
          res.writeHead(200);
          const chunk = Buffer.alloc(1 << 20, 0x20);
          for (let i = 0; i < 6; i++) res.write(chunk);
          res.end();
        },
      },
      'http_response_too_large',
    ],
  ];
  for (const [name, options, expected] of cases) {
    const helper = options ? await startFakeHelper(options) : null;
    try {
      const started = Date.now();
      const r = await requestControl({ helperUrl: helper?.url ?? deadUrl, request, timeoutMs: 500, userAgent: 't' });
      assert.equal(r.control_failure, expected, name);
      assert.equal(r.control, undefined, name);
      assert.ok(Date.now() - started < 3000, `${name} is bounded in time`);
    } finally {
      await helper?.close();
    }
  }
});

function baseAnswer() {
  return {
    tcp_connect: {},
    http_request: { body_length: 10, failure: null, title: '', headers: {}, status_code: 200 },
    dns: { failure: null, addrs: [] },
  };
}
