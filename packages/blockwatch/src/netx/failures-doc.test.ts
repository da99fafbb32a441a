import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { FAILURES } from '../model/failures.ts';

const doc = readFileSync(new URL('../../../../docs/failures.md', import.meta.url), 'utf8');

test('docs/failures.md lists exactly the strings in FAILURES, once each', () => {
  const section = doc.split('## The vocabulary')[1]?.split('\n## ')[0] ?? '';
  const listed = [...section.matchAll(/^\| `([a-z0-9_]+)` *\|/gm)].map((m) => m[1]);
  assert.deepEqual([...listed].sort(), [...FAILURES].sort());
  assert.equal(new Set(listed).size, listed.length, 'a string is listed twice');
});
