/**
 * Slow and bad clients, over real sockets on loopback: 200 connections trickling their headers do not keep
 * other clients waiting, and a compressed submission is inflated within the body limit (413 past it) or,
 * for an encoding other than gzip, refused with 415, as is a body declared in a charset other than UTF-8.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { request } from 'undici';
import { makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { startTestServer, type TestServer } from '../../test/server.ts';

const dir = tempDir();
const BODY_LIMIT = 1024 * 1024;
let server: TestServer;

before(async () => {
  server = await startTestServer(dir.path, { bodyLimitBytes: BODY_LIMIT });
});
after(async () => {
  await server?.close();
  dir.remove();
});

async function post(body: Buffer, encoding: string): Promise<{ status: number; code: string }> {
  const response = await request(`${server.base}/api/v1/submit`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body,
  });
  const json = (await response.body.json()) as { code?: string };
  return { status: response.statusCode, code: json.code ?? '' };
}

test('a gzip submission is inflated and accepted', async () => {
  const body = gzipSync(JSON.stringify({ measurements: [makeMeasurement({ input: 'https://gzip.example/' })] }));
  assert.deepEqual(await post(body, 'gzip'), { status: 200, code: '' });
});

test('a gzip body that inflates past the body limit is refused with 413, whatever it compresses to', async () => {
  const bomb = gzipSync(`{"measurements":[{"input":"${' '.repeat(20 * BODY_LIMIT)}"}]}`);
  assert.ok(bomb.length < BODY_LIMIT / 10);
  assert.equal((await post(bomb, 'gzip')).status, 413);
});

test('other encodings are refused with 415, a corrupt gzip body with 400', async () => {
  const json = Buffer.from(JSON.stringify({ measurements: [] }));
  for (const encoding of ['br', 'deflate', 'compress', 'gzip, br', 'zstd']) {
    assert.deepEqual(await post(json, encoding), { status: 415, code: 'BW_HTTP_UNSUPPORTED_ENCODING' }, encoding);
  }
  assert.equal((await post(Buffer.from('not gzip at all'), 'gzip')).status, 400);
});

test('a JSON body declared in a charset other than UTF-8 is refused with 415', async () => {
  const body = JSON.stringify({ measurements: [] });
  for (const [type, status] of [
    ['application/json; charset=iso-8859-1', 415],
    ['application/json; charset="utf-16"', 415],
    ['application/json; charset=UTF-8', 200],
    ['application/json', 200],
  ] as const) {
    const response = await request(`${server.base}/api/v1/submit`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    });
    await response.body.text();
    assert.equal(response.statusCode, status, type);
  }
});

test('200 slowloris connections do not starve other clients', async () => {
  const slow: Socket[] = [];
  const { port } = new URL(server.base);
  try {
    await Promise.all(
      Array.from(
        { length: 200 },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(Number(port), '127.0.0.1', () => {
              socket.write('POST /api/v1/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
              resolve();
            });
            socket.on('error', reject);
            slow.push(socket);
          }),
      ),
    );
    const trickle = setInterval(() => {
      for (const socket of slow) if (!socket.destroyed) socket.write('a');
    }, 200);
    try {
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        const body = JSON.stringify({ measurements: [makeMeasurement({ input: `https://patient-${i}.example/` })] });
        const response = await request(`${server.base}/api/v1/submit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          headersTimeout: 5000,
        });
        assert.equal(response.statusCode, 200);
        await response.body.json();
        const listed = await request(`${server.base}/api/v1/measurements?limit=1`, { headersTimeout: 5000 });
        assert.equal(listed.statusCode, 200);
        await listed.body.json();
        assert.ok(performance.now() - started < 5000, 'a normal client waited more than 5 s');
      }
    } finally {
      clearInterval(trickle);
    }
  } finally {
    for (const socket of slow) socket.destroy();
  }
});
