import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderCliReference } from './reference.ts';

test('docs/cli.md is the current --help of every command (regenerate: node --import tsx scripts/cli-reference.ts)', async () => {
  const current = readFileSync(new URL('../../../../docs/cli.md', import.meta.url), 'utf8');
  assert.equal(current, await renderCliReference());
});
