import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { getTestPki, type TestPki } from '../../test/helpers/pki.ts';
import { type RunningServer, startHttpsServer, startTcpServer } from '../../test/helpers/servers.ts';
import { createTrace } from '../measure/trace.ts';
import { tcpConnect } from './tcp.ts';
import { type TlsHandshakeOptions, tlsHandshake } from './tls.ts';

let pki: TestPki;
const servers: RunningServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));
before(async () => {
  pki = await getTestPki();
});

async function httpsServer(
  cert: keyof Pick<TestPki, 'localhost' | 'expired' | 'wrongName' | 'intercepted'>,
  sendChain = false,
) {
  const s = await startHttpsServer((_req, res) => res.end('ok'), { cert: pki[cert], sendChain });
  servers.push(s);
  return s;
}

async function handshake(port: number, opts: Partial<TlsHandshakeOptions> = {}) {
  const trace = createTrace();
  const { socket, record: tcp } = await tcpConnect('127.0.0.1', port, { trace });
  assert.equal(tcp.status.failure, null);
  assert.ok(socket);
  const started = Date.now();
  const result = await tlsHandshake(socket, { trace, address: `127.0.0.1:${port}`, serverName: 'localhost', ...opts });
  return { ...result, elapsedMs: Date.now() - started };
}

describe('tlsHandshake', () => {
  test('records version, cipher, ALPN and the chain as sent, and hands over the socket', async () => {
    const s = await httpsServer('localhost');
    const { record, tlsSocket } = await handshake(s.port, { ca: [pki.ca.certPem] });
    assert.equal(record.failure, null);
    assert.match(record.tls_version, /^TLSv1\.[23]$/);
    assert.match(record.cipher_suite, /^TLS_/);
    assert.equal(record.negotiated_protocol, 'http/1.1');
    // the server sent only its leaf: the trust anchor must not appear
    assert.deepEqual(record.peer_certificates, [{ format: 'base64', data: pki.localhost.derBase64 }]);
    assert.equal(record.x_validated_by_extra_ca, true);
    assert.equal(record.transaction_id, 2);
    assert.ok(record.t >= record.t0);
    assert.ok(tlsSocket && !tlsSocket.destroyed);
    tlsSocket.destroy();
  });

  test('records the intermediate/root when the server sends it', async () => {
    const s = await httpsServer('localhost', true);
    const { record, tlsSocket } = await handshake(s.port, { ca: [pki.ca.certPem] });
    tlsSocket?.destroy();
    assert.deepEqual(record.peer_certificates, [
      { format: 'base64', data: pki.localhost.derBase64 },
      { format: 'base64', data: pki.ca.derBase64 },
    ]);
  });

  test('verify: false completes a handshake with a name the certificate does not carry, marked no_tls_verify', async () => {
    const s = await httpsServer('localhost');
    const checked = await handshake(s.port, { serverName: 'example.com' });
    assert.equal(checked.record.failure, 'ssl_invalid_hostname');
    assert.equal(checked.record.no_tls_verify, false);
    const { record, tlsSocket } = await handshake(s.port, { serverName: 'example.com', verify: false });
    tlsSocket?.destroy();
    assert.equal(record.failure, null);
    assert.equal(record.no_tls_verify, true);
    assert.equal(record.server_name, 'example.com');
    assert.equal(record.x_validated_by_extra_ca, undefined);
  });

  test('an IP literal as server name sends no SNI and is checked against IP SANs', async () => {
    const s = await httpsServer('localhost');
    const { record, tlsSocket } = await handshake(s.port, { ca: [pki.ca.certPem], serverName: '127.0.0.1' });
    tlsSocket?.destroy();
    assert.equal(record.failure, null);
  });

  test('ssl_unknown_authority without the root, keeping the certificate as evidence', async () => {
    const s = await httpsServer('localhost');
    const { record, tlsSocket } = await handshake(s.port);
    assert.equal(record.failure, 'ssl_unknown_authority');
    assert.equal(tlsSocket, undefined);
    assert.equal(record.peer_certificates?.length, 1);
    assert.equal(record.x_validated_by_extra_ca, undefined);
  });

  test('an interception root is unknown unless passed as extra trust', async () => {
    const s = await httpsServer('intercepted');
    assert.equal((await handshake(s.port, { ca: [pki.ca.certPem] })).record.failure, 'ssl_unknown_authority');
    const trusted = await handshake(s.port, { ca: [pki.interceptionCa.certPem] });
    trusted.tlsSocket?.destroy();
    assert.equal(trusted.record.failure, null);
    assert.equal(trusted.record.x_validated_by_extra_ca, true);
  });

  test('ssl_invalid_certificate for an expired certificate (checked before the name and the chain)', async () => {
    const s = await httpsServer('expired');
    assert.equal((await handshake(s.port, { ca: [pki.ca.certPem] })).record.failure, 'ssl_invalid_certificate');
    assert.equal((await handshake(s.port, { serverName: 'other.invalid' })).record.failure, 'ssl_invalid_certificate');
  });

  test('ssl_invalid_hostname for a certificate of another name, even from an unknown root (Go order)', async () => {
    const s = await httpsServer('wrongName');
    assert.equal((await handshake(s.port, { ca: [pki.ca.certPem] })).record.failure, 'ssl_invalid_hostname');
    assert.equal((await handshake(s.port)).record.failure, 'ssl_invalid_hostname');
  });

  test('connection_reset when the ClientHello is answered with RST', async () => {
    const s = await startTcpServer('reset-after-first-bytes');
    servers.push(s);
    assert.equal((await handshake(s.port)).record.failure, 'connection_reset');
  });

  test('a RST between connect and handshake neither crashes the process nor hangs', async () => {
    const s = await startTcpServer('reset-soon');
    servers.push(s);
    const trace = createTrace();
    const { socket, record: tcp } = await tcpConnect('127.0.0.1', s.port, { trace });
    assert.equal(tcp.status.failure, null);
    await new Promise((r) => setTimeout(r, 100)); // nobody listens on the socket meanwhile
    assert.ok(socket);
    const started = Date.now();
    const { record } = await tlsHandshake(socket, {
      trace,
      address: s.address,
      serverName: 'localhost',
      timeoutMs: 2000,
    });
    assert.equal(record.failure, 'connection_reset');
    assert.ok(Date.now() - started < 500);
  });

  test('eof_error when the ClientHello is answered with FIN', async () => {
    const s = await startTcpServer('fin-after-first-bytes');
    servers.push(s);
    assert.equal((await handshake(s.port)).record.failure, 'eof_error');
  });

  test('ssl_failed_handshake when plaintext comes back', async () => {
    const s = await startTcpServer('plaintext-reply');
    servers.push(s);
    assert.equal((await handshake(s.port)).record.failure, 'ssl_failed_handshake');
  });

  test('generic_timeout_error within the budget when the ClientHello is swallowed', async () => {
    const s = await startTcpServer('stall');
    servers.push(s);
    const { record, elapsedMs } = await handshake(s.port, { timeoutMs: 300 });
    assert.equal(record.failure, 'generic_timeout_error');
    assert.ok(elapsedMs >= 290 && elapsedMs < 1500, `took ${elapsedMs} ms`);
  });

  test('interrupted when the caller aborts', async () => {
    const s = await startTcpServer('stall');
    servers.push(s);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const { record, elapsedMs } = await handshake(s.port, { signal: controller.signal });
    assert.equal(record.failure, 'interrupted');
    assert.ok(elapsedMs < 1000);
  });

  test('bad extra roots are rejected before any I/O', async () => {
    const s = await startTcpServer('stall');
    servers.push(s);
    await assert.rejects(handshake(s.port, { ca: ['not a certificate'] }), { code: 'BW_ERR_INVALID_ARG' });
    assert.equal(s.connections(), 1); // only our TCP connect; no handshake attempted
  });
});
