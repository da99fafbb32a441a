/**
 * Malformed and partial input never throws: random mutations (deleted keys, swapped types, nulls) of the real
 * measurements, with a fixed seed, always give a well-formed verdict; unreadable ones say why.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BLOCKING_METHODS } from '../model/verdict.ts';
import { analyzeMeasurement } from './index.ts';

const DIR = new URL('../../../../../shared/data/ooni/measurements/', import.meta.url);
const REAL = readdirSync(DIR)
  .filter((f) => f.endsWith('.json') && !f.includes('api_meta') && !f.startsWith('index'))
  .map((f) => JSON.parse(readFileSync(new URL(f, DIR), 'utf8')))
  .filter((m) => m.test_name === 'web_connectivity');

/** mulberry32: small, seedable, good enough to pick mutations reproducibly. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Node = Record<string, unknown> | unknown[];
const REPLACEMENTS: unknown[] = [null, undefined, 0, -1, '', 'x', true, false, [], {}, [null], { format: 'base64' }];

function containers(value: unknown, out: Node[] = []): Node[] {
  if (typeof value === 'object' && value !== null) {
    out.push(value as Node);
    for (const v of Object.values(value)) containers(v, out);
  }
  return out;
}

function mutate(m: unknown, rand: () => number): unknown {
  const copy = structuredClone(m);
  const nodes = containers(copy);
  const count = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < count && nodes.length > 0; i++) {
    const node = nodes[Math.floor(rand() * nodes.length)] as Record<string, unknown>;
    const keys = Object.keys(node);
    if (keys.length === 0) continue;
    const key = keys[Math.floor(rand() * keys.length)] as string;
    if (rand() < 0.3) delete node[key];
    else node[key] = REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)];
  }
  return copy;
}

function assertWellFormed(v: ReturnType<typeof analyzeMeasurement>, where: string) {
  assert.ok([false, null, 'dns', 'tcp_ip', 'http-failure', 'http-diff'].includes(v.blocking as never), where);
  assert.ok([true, false, null].includes(v.accessible), where);
  assert.ok(['accessible', 'blocked', 'down', 'unknown'].includes(v.outcome), where);
  assert.equal(typeof v.explanation, 'string', where);
  assert.ok(v.explanation.length > 0, where);
  for (const m of v.methods) assert.ok((BLOCKING_METHODS as readonly string[]).includes(m), where);
  assert.equal(v.method, v.methods[0] ?? null, where);
  assert.ok(!v.reason?.startsWith('internal error'), `${where}: ${v.reason}`);
  if (v.reason && v.outcome === 'unknown') {
    assert.equal(v.blocking, null, where);
    assert.equal(v.accessible, null, where);
  }
}

test('1,000 seeded mutations of real measurements never throw and always give a well-formed verdict', () => {
  assert.ok(REAL.length >= 25);
  const rand = random(20240919);
  for (let i = 0; i < 1000; i++) {
    const base = REAL[i % REAL.length];
    const v = analyzeMeasurement(mutate(base, rand));
    assertWellFormed(v, `mutation ${i} of ${base.input}`);
  }
});

test('real measurements carrying junk follow-up keys (x_sni_followups, x_host_followups) still analyse as before', () => {
  const rand = random(20261204);
  const entry = () => ({
    address: `${REPLACEMENTS[Math.floor(rand() * 4)]}:443`,
    server_name: 'x',
    host: 'x',
    decoy_server_name: 'example.com',
    decoy_host: 'example.com',
    decoy_failure: REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)],
    decoy_status_code: REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)],
    retry_failure: REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)],
  });
  for (let i = 0; i < 300; i++) {
    const base = REAL[i % REAL.length];
    const m = structuredClone(base);
    if (typeof m.test_keys !== 'object' || m.test_keys === null) continue;
    const pick = () => (rand() < 0.3 ? REPLACEMENTS[Math.floor(rand() * REPLACEMENTS.length)] : [entry(), entry()]);
    m.test_keys.x_sni_followups = pick();
    m.test_keys.x_host_followups = pick();
    const v = analyzeMeasurement(m);
    assertWellFormed(v, `junk follow-ups ${i} on ${base.input}`);
    const plain = analyzeMeasurement(base);
    assert.equal(v.blocking, plain.blocking, base.input);
    assert.equal(v.accessible, plain.accessible, base.input);
    assert.deepEqual(v.classic, plain.classic, base.input);
  }
});

test('non-objects and missing parts give an unknown verdict whose reason names the problem', () => {
  const cases: [unknown, RegExp][] = [
    [null, /null/],
    [42, /number/],
    ['{}', /string/],
    [[], /array/],
    [{ test_name: 'web_connectivity', input: 'http://a.example/' }, /test_keys is missing/],
    [{ test_name: 'web_connectivity', input: 'http://a.example/', test_keys: 'x' }, /test_keys is a string/],
    [{ test_name: 'web_connectivity', test_keys: {} }, /input is missing/],
    [{ test_name: 'web_connectivity', input: 'not a url', test_keys: {} }, /is not a URL/],
    [
      { test_name: 'web_connectivity', input: 'http://a.example/', test_keys: { requests: 5 } },
      /test_keys\.requests is number/,
    ],
    [
      { test_name: 'web_connectivity', input: 'http://a.example/', test_keys: { queries: [7] } },
      /queries\[0\] is number/,
    ],
    [{ test_name: 'tor', input: null, test_keys: {} }, /only web_connectivity/],
  ];
  for (const [input, reason] of cases) {
    const v = analyzeMeasurement(input);
    assert.equal(v.outcome, 'unknown');
    assert.equal(v.blocking, null);
    assert.equal(v.accessible, null);
    assert.match(v.reason ?? '', reason, JSON.stringify(input));
  }
});

test('the same measurement always gives the same verdict (deterministic)', () => {
  for (const m of REAL) assert.deepEqual(analyzeMeasurement(structuredClone(m)), analyzeMeasurement(m));
});
