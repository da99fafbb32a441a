import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WebConnectivityMeasurement } from '../model/index.ts';
import { failureSummary, outcomeOf, progressLine, renderTable, verdictLabel } from './report.ts';

function measurement(testKeys: Record<string, unknown>, helper = true): WebConnectivityMeasurement {
  return {
    input: 'http://site.test/',
    test_helpers: helper ? { backend: { address: 'http://th.test/', type: 'https' } } : null,
    test_keys: testKeys,
  } as unknown as WebConnectivityMeasurement;
}

test('the verdict label prefers blockwatch verdict, else OONI keys', () => {
  const ours = measurement({ x_blockwatch_verdict: { outcome: 'blocked', method: 'tls', confirmed: true } });
  assert.equal(verdictLabel(ours), 'blocked: tls (confirmed)');
  assert.equal(outcomeOf(ours), 'blocked');
  assert.equal(verdictLabel(measurement({ blocking: 'dns', accessible: false })), 'blocked: dns');
  assert.equal(verdictLabel(measurement({ blocking: false, accessible: true })), 'accessible');
  assert.equal(verdictLabel(measurement({ blocking: false, accessible: false })), 'down');
  assert.equal(verdictLabel(measurement({ blocking: null, accessible: null })), 'unknown');
});

test('failures are listed once each in step order; no helper is not news', () => {
  const tk = {
    dns_experiment_failure: null,
    tcp_connect: [
      { status: { failure: 'connection_refused' } },
      { status: { failure: 'connection_refused' } },
      { status: { failure: null } },
    ],
    tls_handshakes: [{ failure: 'ssl_unknown_authority' }],
    http_experiment_failure: 'connection_reset',
    control_failure: 'unknown_failure: no control helper was configured (--helper)',
  };
  assert.deepEqual(failureSummary(measurement(tk, false)), [
    'tcp connection_refused',
    'tls ssl_unknown_authority',
    'http connection_reset',
  ]);
  assert.equal(failureSummary(measurement(tk, true)).length, 4);
});

test('the progress line fits the terminal and shows the tally', () => {
  const line = progressLine(
    3,
    10,
    `https://${'x'.repeat(200)}.test/`,
    80,
    new Map([
      ['accessible', 2],
      ['blocked', 1],
    ]),
  );
  assert.ok(line.length <= 80, line);
  assert.match(line, /^\[#{7}-{17}\] 3\/10 accessible 2 · blocked 1 · https:\/\/x+…$/);
});

test('the table keeps one row per measurement under a header', () => {
  const table = renderTable([measurement({ blocking: false, accessible: true }, false)], 100);
  assert.deepEqual(table.trimEnd().split('\n'), [
    'INPUT              VERDICT     FAILURES',
    'http://site.test/  accessible  -',
  ]);
});
