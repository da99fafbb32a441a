/**
 * Every real whatsapp measurement of the reference data: the keys our rules re-derive are the ones OONI's probe
 * wrote (the blocked-endpoint list compared as a set: OONI lists in completion order), and our blocking and
 * accessible are OONI's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadOoniMeasurement as load } from '../../../test/helpers/experiment-run.ts';
import { derivedKeys, whatsapp } from './index.ts';

// biome-ignore format: one measurement per row
const EXPECTED: [file: string, blocking: unknown, accessible: boolean, outcome: string, methods: string][] = [
  // 0.9.0: http://web.whatsapp.com/ answered 403 instead of the redirect to https (OONI's probe: blocked; its
  // fastpath, which reads only the https request, scores it accessible)
  ['backend-fastpath__whatsapp.json', 'http-diff', false, 'blocked', 'http_blockpage'],
  // JP: every name resolved to 0.0.0.0 / :: and a local server answered with another certificate
  ['explorer-e2e__20221105223930.168194_JP_whatsapp_e3e891f975f0d5ef.json', 'http-failure', false, 'blocked', 'dns'],
  ['explorer-e2e__20221110103854.762862_US_whatsapp_cb48f652956e71e0.json', false, true, 'accessible', ''],
  ['spec-example__ts-018-whatsapp__whatsapp.json', false, true, 'accessible', ''],
];

for (const [file, blocking, accessible, outcome, methods] of EXPECTED) {
  test(`whatsapp parity: ${file}`, () => {
    const m = load(file);
    const rows = whatsapp.ingest(m);
    assert.ok(Array.isArray(rows), String(rows));
    const tk = m.test_keys;
    const keys = derivedKeys(rows, m.test_version);
    assert.deepEqual(
      { ...keys, whatsapp_endpoints_blocked: [...keys.whatsapp_endpoints_blocked].sort() },
      {
        registration_server_failure: tk.registration_server_failure,
        registration_server_status: tk.registration_server_status,
        whatsapp_endpoints_blocked: [...(tk.whatsapp_endpoints_blocked as string[])].sort(),
        whatsapp_endpoints_dns_inconsistent: tk.whatsapp_endpoints_dns_inconsistent,
        whatsapp_endpoints_status: tk.whatsapp_endpoints_status,
        whatsapp_web_failure: tk.whatsapp_web_failure,
        whatsapp_web_status: tk.whatsapp_web_status,
      },
    );
    const v = whatsapp.analyze(rows, m, {});
    const ooni = whatsapp.ooniVerdict?.(m);
    assert.deepEqual([ooni?.blocking, ooni?.accessible], [v.blocking, v.accessible]);
    assert.deepEqual(
      [v.blocking, v.accessible, v.outcome, v.methods.join(',')],
      [blocking, accessible, outcome, methods],
    );
  });
}
