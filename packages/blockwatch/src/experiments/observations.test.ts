/**
 * Hostile or broken measurements through every service experiment and dnscheck: ingest names what is wrong or
 * reads what it can, analyze never throws and never invents blocking from junk.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Measurement } from '../model/index.ts';
import { dnscheck } from './dnscheck/index.ts';
import type { Experiment, Observation } from './experiment.ts';
import { ingestNetworkKeys } from './observations.ts';
import { signal } from './signal/index.ts';
import { telegram } from './telegram/index.ts';
import { whatsapp } from './whatsapp/index.ts';

const EXPERIMENTS: Experiment<Observation[]>[] = [telegram, whatsapp, signal, dnscheck];
const junk = (test_keys: unknown) =>
  ({ test_name: 'x', test_version: '9.9', test_keys }) as unknown as Measurement<Record<string, unknown>>;

test('unreadable test_keys: ingest says what is wrong', () => {
  for (const e of EXPERIMENTS) {
    assert.match(String(e.ingest(junk(null))), /test_keys is missing/, e.name);
    assert.match(String(e.ingest(42 as unknown as Measurement<Record<string, unknown>>)), /not an object/, e.name);
  }
  assert.match(String(dnscheck.ingest(junk({ lookups: 3 }))), /lookups is missing or not an object/);
  assert.match(
    String(dnscheck.ingest(junk({ lookups: { 'udp://1.1.1.1:53': 'nope' } }))),
    /lookups\[udp:\/\/1\.1\.1\.1:53\] is not an object/,
  );
});

test('junk inside the lists: rows for what can be read, a verdict that never throws', () => {
  const keys = {
    queries: ['x', null, { hostname: 7, answers: 'no' }],
    tcp_connect: [{ ip: '1.2.3.4' }, { status: null }, 3],
    tls_handshakes: [null, { failure: 12 }],
    requests: [
      null,
      5,
      { request: 7 },
      { request: { headers: { Host: '' } }, response: { code: 'x', body: { format: 'base64', data: '!!' } } },
    ],
    lookups: { 'system:///': { queries: null }, 'udp://1.1.1.1:53': { queries: [{ answers: [{ ipv4: 5 }] }] } },
    telegram_tcp_blocking: 'yes',
    whatsapp_endpoints_status: 5,
  };
  for (const e of EXPERIMENTS) {
    const rows = e.ingest(junk(keys));
    assert.ok(Array.isArray(rows), `${e.name}: ${String(rows)}`);
    const v = e.analyze(rows, junk(keys), {});
    assert.equal(v.engine.split('-')[0], e.name, e.name);
    assert.doesNotMatch(v.explanation, /internal error/, `${e.name}: ${v.explanation}`);
    assert.equal(e.ooniVerdict?.(junk(keys)), undefined, `${e.name}: keys of the wrong type state no OONI verdict`);
  }
});

test('tcp rows name their endpoint as OONI does: IPv6 in brackets, a missing or odd port as the record has it', () => {
  const ok = { success: true, failure: null };
  const keys = {
    tcp_connect: [
      { ip: '149.154.167.51', port: 443, status: ok },
      { ip: '2001:67c:4e8:f004::a', port: 80, status: ok },
      { ip: '::ffff:127.0.0.1', port: 5222, status: { success: false, failure: 'connection_refused' } },
      { ip: '1.2.3.4', status: ok },
      { ip: '2001:db8::1', port: null, status: ok },
      { ip: '1.2.3.4', port: '8080', status: ok },
      { port: 443, status: { success: false } },
    ],
  };
  const rows = ingestNetworkKeys(junk(keys), () => '');
  assert.ok(Array.isArray(rows), String(rows));
  assert.deepEqual(
    rows.map((r) => [r.step, r.address, r.failure]),
    [
      ['tcp', '149.154.167.51:443', null],
      ['tcp', '[2001:67c:4e8:f004::a]:80', null],
      ['tcp', '[::ffff:127.0.0.1]:5222', 'connection_refused'],
      ['tcp', '1.2.3.4:undefined', null],
      ['tcp', '[2001:db8::1]:null', null],
      ['tcp', '1.2.3.4:8080', null],
      ['tcp', ':443', 'unknown_failure'],
    ],
  );
});
