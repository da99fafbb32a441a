import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../../test/helpers/cli.ts';
import { COMMAND_PACKAGES, listCommands } from './main.ts';

test('top-level --help lists every command', async () => {
  const r = await runCommand(['--help']);
  assert.equal(r.code, 0);
  for (const c of await listCommands()) assert.match(r.stdout, new RegExp(`\\b${c.name}\\b`));
});

test('an unknown command is a usage error with exit code 2', async () => {
  const r = await runCommand(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('every command has --help', async () => {
  for (const c of await listCommands()) {
    const r = await runCommand([c.name, '--help']);
    assert.equal(r.code, 0, `${c.name} --help failed: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: blockwatch ${c.name}`));
  }
});

test("each package's command list matches the names the CLI expects, and each entry its module", async () => {
  const listed = await listCommands();
  for (const { package: name, names } of COMMAND_PACKAGES) {
    const { commands } = (await import(`${name}/cli`)) as { commands: { name: string }[] };
    assert.deepEqual(
      commands.map((c) => c.name),
      [...names],
      `${name}/cli`,
    );
  }
  for (const entry of listed) {
    assert.ok(entry.installed, `${entry.name} is installed in the workspace`);
    const command = (await entry.load()).default;
    assert.equal(command.name, entry.name);
    assert.equal(command.summary, entry.summary, `the summary of '${entry.name}' in its list and in its module`);
  }
});

test('an unknown flag names the flag', async () => {
  const r = await runCommand(['analyze', '--no-such-flag']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--no-such-flag/);
});
