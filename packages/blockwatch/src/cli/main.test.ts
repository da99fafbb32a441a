import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../../test/helpers/cli.ts';
import { COMMANDS } from './main.ts';

test('top-level --help lists every command', async () => {
  const r = await runCommand(['--help']);
  assert.equal(r.code, 0);
  for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`\\b${c.name}\\b`));
});

test('an unknown command is a usage error with exit code 2', async () => {
  const r = await runCommand(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('every command has --help', async () => {
  for (const c of COMMANDS) {
    const r = await runCommand([c.name, '--help']);
    assert.equal(r.code, 0, `${c.name} --help failed: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: blockwatch ${c.name}`));
  }
});

test('an unknown flag names the flag', async () => {
  const r = await runCommand(['analyze', '--no-such-flag']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--no-such-flag/);
});
