/**
 * Every real signal measurement of the reference data: the keys our rules re-derive are the ones OONI's probe
 * wrote, our blocking/accessible are OONI's, and the fastpath's discarded versions read as failures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOoniMeasurement as load } from '../../../test/helpers/experiment-run.ts';
import { derivedKeys, signal } from './index.ts';

// biome-ignore format: one measurement per row
const EXPECTED: [file: string, blocking: unknown, accessible: boolean, anomaly: boolean, failure: boolean, outcome: string, methods: string][] = [
  ['backend-fastpath__signal_022.json', false, true, false, false, 'accessible', ''],
  // blocked in the probe's test_keys, discarded by the fastpath: a 0.2.0 probe after Signal's 2022-10-19 CA change
  ['backend-fastpath__signal_2627.json', 'http-failure', false, false, true, 'unknown', 'tls_interception'],
  // blocked in the probe's test_keys, discarded by the fastpath: engine 3.17.1 after 2023-05-02
  ['backend-fastpath__signal_679.json', 'dns', false, false, true, 'unknown', 'dns'],
  ['explorer-e2e__20210414233242.034345_BR_signal_390dca674022005a.json', false, true, false, false, 'accessible', ''],
  ['explorer-e2e__20210415084230.511612_IR_signal_ed269d082953bf2e.json', 'dns', false, true, false, 'blocked', 'dns'],
  ['spec-example__ts-029-signal__signal.json', false, true, false, false, 'accessible', ''],
];

for (const [file, blocking, accessible, anomaly, failure, outcome, methods] of EXPECTED) {
  test(`signal parity: ${file}`, () => {
    const m = load(file);
    const rows = signal.ingest(m);
    assert.ok(Array.isArray(rows), String(rows));
    assert.deepEqual(derivedKeys(rows), {
      signal_backend_status: m.test_keys.signal_backend_status,
      signal_backend_failure: m.test_keys.signal_backend_failure,
    });
    const v = signal.analyze(rows, m, {});
    const ooni = signal.ooniVerdict?.(m);
    assert.deepEqual(
      [ooni?.blocking, ooni?.accessible, ooni?.anomaly, ooni?.failure],
      [v.blocking, v.accessible, v.anomaly, v.failure],
    );
    assert.deepEqual(
      [v.blocking, v.accessible, v.anomaly, v.failure, v.outcome, v.methods.join(',')],
      [blocking, accessible, anomaly, failure, outcome, methods],
    );
  });
}
