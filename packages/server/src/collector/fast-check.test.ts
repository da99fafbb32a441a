import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { validateMeasurement } from 'blockwatch/model';
import { makeMeasurement, OONI_MEASUREMENTS } from '../../test/fixtures.ts';
import { surelyValid } from './fast-check.ts';

type Json = Record<string, unknown>;

const fixtures: Json[] = readdirSync(OONI_MEASUREMENTS)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(OONI_MEASUREMENTS, f), 'utf8')) as Json);

/** Every path to a value inside `value` (keys and array indexes). */
function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []) {
  if (value === null || typeof value !== 'object') return out;
  for (const [k, child] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(k) : k];
    out.push(path);
    paths(child, path, out);
  }
  return out;
}

function replaced(m: Json, path: (string | number)[], value: unknown): Json {
  const copy = structuredClone(m);
  let at = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  if (value === undefined) delete at[path.at(-1)!];
  else at[path.at(-1)!] = value;
  return copy;
}

const VARIANTS: unknown[] = [
  undefined,
  null,
  0,
  1.5,
  -1,
  70_000,
  '',
  'x',
  'AS1',
  '2025-01-01 00:00:00',
  false,
  true,
  [],
  ['x'],
  [1],
  {},
  { format: 'base64', data: 'eA==' },
  { format: 'hex', data: 'x' },
];

describe('measurement fast check', () => {
  test('never vouches for a measurement the schema rejects (every fixture, mutated at sampled paths)', () => {
    // A fixed pseudo-random sample keeps the run short and the failures reproducible.
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    let vouched = 0;
    let mutations = 0;
    for (const m of [...fixtures, makeMeasurement()]) {
      const all = paths(m);
      for (let n = 0; n < 40 && all.length; n++) {
        const path = all[Math.floor(random() * all.length)]!;
        const variant = VARIANTS[Math.floor(random() * VARIANTS.length)];
        const mutated = replaced(m, path, variant);
        mutations++;
        if (surelyValid(mutated)) {
          vouched++;
          const result = validateMeasurement(mutated);
          assert.ok(
            result.ok,
            `fast check accepted ${path.join('.')} = ${JSON.stringify(variant)}: ${JSON.stringify(result)}`,
          );
        }
      }
    }
    assert.ok(mutations > 3000 && vouched > 100, `sample too small: ${mutations} mutations, ${vouched} vouched`);
  });

  test('every envelope and web_connectivity field, each variant', () => {
    const m = fixtures.find((f) => f.test_name === 'web_connectivity' && surelyValid(f))!;
    for (const path of paths(m).filter((p) => p.length <= 4)) {
      for (const variant of VARIANTS) {
        const mutated = replaced(m, path, variant);
        if (surelyValid(mutated)) {
          assert.ok(
            validateMeasurement(mutated).ok,
            `fast check accepted ${path.join('.')} = ${JSON.stringify(variant)}`,
          );
        }
      }
    }
  });

  test('vouches for the real measurements the schema accepts (the fast path is taken)', () => {
    const valid = fixtures.filter((f) => validateMeasurement(f).ok);
    const fast = valid.filter((f) => surelyValid(f));
    assert.ok(valid.length > 50);
    assert.ok(fast.length / valid.length > 0.9, `fast path for only ${fast.length} of ${valid.length}`);
  });
});
