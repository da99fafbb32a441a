import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const BIN = new URL('../../../blockwatch/bin/blockwatch.js', import.meta.url).pathname;

test('without root, the lab says so in one line and exits non-zero', () => {
  // As root, drop to nobody for this one run; otherwise we already are unprivileged.
  const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const r = spawnSync(process.execPath, [BIN, 'lab', 'status'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: '/tmp' },
    ...asNobody,
  });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /needs root/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('an unknown subcommand is a usage error', () => {
  const r = spawnSync(process.execPath, [BIN, 'lab', 'explode'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /expected one of up, down, status, apply, run, exec, got 'explode'/);
});

test('--help lists every subcommand', () => {
  const r = spawnSync(process.execPath, [BIN, 'lab', '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  for (const sub of ['up', 'down', 'status', 'apply', 'run', 'exec'])
    assert.match(r.stdout, new RegExp(`\\n  ${sub} `));
});
