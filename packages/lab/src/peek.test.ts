import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import tls from 'node:tls';
import { parseClientHelloSni, parseHttpHost } from './peek.ts';

/** Captures the first bytes a real Node TLS client sends (its ClientHello) to a loopback listener. */
async function captureClientHello(servername: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const first = new Promise<Buffer>((resolve) =>
    server.once('connection', (sock) => {
      sock.once('data', (d: Buffer) => {
        resolve(d);
        sock.destroy();
      });
    }),
  );
  const client = tls.connect({ host: '127.0.0.1', port, servername });
  client.on('error', () => {});
  const hello = await first;
  client.destroy();
  server.close();
  return hello;
}

test('reads the SNI of a real ClientHello, and waits for more bytes when it is cut short', async () => {
  const hello = await captureClientHello('Azattyq.lab');
  assert.equal(parseClientHelloSni(hello), 'azattyq.lab');
  assert.equal(parseClientHelloSni(hello.subarray(0, 3)), undefined);
  assert.equal(parseClientHelloSni(hello.subarray(0, hello.length - 1)), undefined);
});

test('says null for flows that are not TLS', () => {
  assert.equal(parseClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n\r\n')), null);
});

test('reads the Host header without port or case, and needs the whole head', () => {
  assert.equal(
    parseHttpHost(Buffer.from('GET / HTTP/1.1\r\nHost: Example.LAB:8080\r\nAccept: */*\r\n\r\n')),
    'example.lab',
  );
  assert.equal(parseHttpHost(Buffer.from('GET / HTTP/1.1\r\nhost: a.lab\r\n')), undefined);
  assert.equal(parseHttpHost(Buffer.from('\x16\x03\x01garbage\r\n\r\n')), null);
  assert.equal(parseHttpHost(Buffer.from('GET / HTTP/1.1\r\nAccept: */*\r\n\r\n')), null);
});
