/**
 * Every real telegram measurement of the reference data: the keys our rules re-derive from the observations are
 * the ones OONI's probe wrote, and our verdict's blocking/accessible are OONI's. Each row also pins our method,
 * so a change in the refinement shows.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOoniMeasurement as load } from '../../../test/helpers/experiment-run.ts';
import { derivedKeys, telegram } from './index.ts';

// biome-ignore format: one measurement per row
const EXPECTED: [file: string, blocking: unknown, accessible: boolean, outcome: string, methods: string][] = [
  // 0.0.3: requests without url/method (rebuilt from Host) and without bodies (the title rule cannot apply);
  // OONI's fastpath discards it for the missing URLs: failure, outcome unknown
  ['backend-fastpath__telegram_nourl.json', false, true, 'unknown', ''],
  // RU 2022: OONI reads the web failure (generic_timeout_error) as http-failure; our method is tcp_ip, since the
  // http:// chain's redirect to https timed out at its connect (the second connect to 149.154.167.99:443)
  ['explorer-e2e__20221109225810.435617_RU_telegram_ecbc73cacd8ea566.json', 'http-failure', false, 'blocked', 'tcp_ip'],
  ['explorer-e2e__20221110102858.395748_US_telegram_b2b51fffce62b986.json', false, true, 'accessible', ''],
  ['spec-example__ts-020-telegram__telegram.json', false, true, 'accessible', ''],
];

for (const [file, blocking, accessible, outcome, methods] of EXPECTED) {
  test(`telegram parity: ${file}`, () => {
    const m = load(file);
    const rows = telegram.ingest(m);
    assert.ok(Array.isArray(rows), String(rows));
    const tk = m.test_keys;
    assert.deepEqual(derivedKeys(rows, m.test_version), {
      telegram_http_blocking: tk.telegram_http_blocking,
      telegram_tcp_blocking: tk.telegram_tcp_blocking,
      telegram_web_failure: tk.telegram_web_failure,
      telegram_web_status: tk.telegram_web_status,
    });
    const v = telegram.analyze(rows, m, {});
    const ooni = telegram.ooniVerdict?.(m);
    assert.equal(v.accessible, ooni?.accessible);
    assert.deepEqual(
      [v.blocking, v.accessible, v.outcome, v.methods.join(',')],
      [blocking, accessible, outcome, methods],
    );
  });
}
