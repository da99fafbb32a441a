import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTrace } from '../measure/trace.ts';
import { lookupSystem } from './dns-system.ts';

// The system resolver reads /etc/hosts and /etc/resolv.conf, which tests must not change: only names that
// resolve without the network are used here; NXDOMAIN/EAI_AGAIN paths are covered by classify tests and the lab.
describe('lookupSystem', () => {
  test('resolves through getaddrinfo (localhost from /etc/hosts)', async () => {
    const trace = createTrace({ firstId: 10001 });
    const query = await lookupSystem('localhost', { trace });
    assert.equal(query.failure, null);
    assert.equal(query.engine, 'getaddrinfo');
    assert.equal(query.query_type, 'ANY');
    assert.equal(query.transaction_id, 10001);
    assert.ok(query.answers?.some((a) => a.ipv4 === '127.0.0.1' || a.ipv6 === '::1'));
    assert.ok(query.answers?.every((a) => a.ttl === null));
  });

  test('an IP literal comes back as itself', async () => {
    const query = await lookupSystem('192.0.2.1', { trace: createTrace() });
    assert.deepEqual(query.answers, [{ answer_type: 'A', ipv4: '192.0.2.1', ttl: null }]);
  });

  test('interrupted when the caller aborts', async () => {
    const query = await lookupSystem('localhost', { trace: createTrace(), signal: AbortSignal.abort() });
    assert.equal(query.failure, 'interrupted');
  });

  test('bad input is rejected with BW_ERR_INVALID_ARG', async () => {
    await assert.rejects(lookupSystem('', { trace: createTrace() }), { code: 'BW_ERR_INVALID_ARG' });
    await assert.rejects(lookupSystem('localhost', { trace: createTrace(), timeoutMs: -1 }), {
      code: 'BW_ERR_INVALID_ARG',
    });
  });
});
