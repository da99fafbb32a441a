import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { type RunningServer, startBlackholeServer, startTcpServer, unusedPort } from '../../test/helpers/servers.ts';
import { createTrace } from '../measure/trace.ts';
import { tcpConnect } from './tcp.ts';

const servers: RunningServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

describe('tcpConnect', () => {
  test('connects to an IP literal and hands over the socket', async () => {
    const s = await startTcpServer('stall');
    servers.push(s);
    const trace = createTrace({ firstId: 40001 });
    const { record, socket } = await tcpConnect('127.0.0.1', s.port, { trace });
    assert.deepEqual(record.status, { success: true, failure: null });
    assert.equal(record.ip, '127.0.0.1');
    assert.equal(record.port, s.port);
    assert.equal(record.transaction_id, 40001);
    assert.ok(record.t >= record.t0 && record.t0 >= 0);
    assert.ok(socket && !socket.destroyed);
    socket.destroy();
  });

  test('IPv6 loopback works the same', async (t) => {
    const { record, socket } = await tcpConnect('::1', await unusedPort(), { trace: createTrace() });
    socket?.destroy();
    if (record.status.failure === 'network_unreachable' || record.status.failure?.startsWith('unknown_failure')) {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    assert.equal(record.status.failure, 'connection_refused');
  });

  test('connection_refused when nobody listens, and no socket', async () => {
    const { record, socket } = await tcpConnect('127.0.0.1', await unusedPort(), { trace: createTrace() });
    assert.deepEqual(record.status, { success: false, failure: 'connection_refused' });
    assert.equal(socket, undefined);
  });

  test('generic_timeout_error within the budget when SYNs are dropped', async () => {
    const s = await startBlackholeServer();
    servers.push(s);
    const started = Date.now();
    const { record, socket } = await tcpConnect('127.0.0.1', s.port, { trace: createTrace(), timeoutMs: 300 });
    const elapsedMs = Date.now() - started;
    assert.equal(record.status.failure, 'generic_timeout_error');
    assert.equal(socket, undefined);
    assert.ok(elapsedMs >= 290 && elapsedMs < 1500, `took ${elapsedMs} ms`);
  });

  test('interrupted when the caller aborts', async () => {
    const s = await startTcpServer('stall');
    servers.push(s);
    const { record } = await tcpConnect('127.0.0.1', s.port, { trace: createTrace(), signal: AbortSignal.abort() });
    assert.equal(record.status.failure, 'interrupted');
  });

  test('bad input is rejected with BW_ERR_INVALID_ARG', async () => {
    const trace = createTrace();
    await assert.rejects(tcpConnect('example.test', 80, { trace }), { code: 'BW_ERR_INVALID_ARG' });
    await assert.rejects(tcpConnect('127.0.0.1', 0, { trace }), { code: 'BW_ERR_INVALID_ARG' });
    await assert.rejects(tcpConnect('127.0.0.1', 80, { trace, timeoutMs: Number.NaN }), { code: 'BW_ERR_INVALID_ARG' });
  });
});
