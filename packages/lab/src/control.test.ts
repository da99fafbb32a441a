import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { callControl, serveControl } from './control.ts';

test('a daemon answers over its Unix socket, and its refusals reach the caller as BW_ERR_LAB', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-control-'));
  const socket = join(dir, 'd.sock');
  const server = await serveControl(socket, async (method, path, body) => {
    if (path === '/echo') return { method, body };
    throw new Error('no such thing');
  });
  try {
    assert.deepEqual(await callControl(socket, 'PUT', '/echo', { a: 1 }), { method: 'PUT', body: { a: 1 } });
    await assert.rejects(
      callControl(socket, 'GET', '/other'),
      (e) => BlockwatchError.is(e) && e.code === 'BW_ERR_LAB' && e.message.includes('no such thing'),
    );
    await assert.rejects(
      callControl(join(dir, 'absent.sock'), 'GET', '/'),
      (e) => BlockwatchError.is(e) && e.code === 'BW_ERR_LAB',
    );
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
