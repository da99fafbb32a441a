/**
 * The system-dependency check that `npm run demo`, `npm test` and CI share, run as a child process. The tools are
 * hidden by giving it a PATH without them; apt-get is a recording stand-in that "installs" a package by linking the
 * machine's real tools into that PATH, so a passing run proves the script installs what is missing and then finds it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const SCRIPT = new URL('./system-deps.mjs', import.meta.url).pathname;
const TOOLS = ['ip', 'iptables', 'iptables-restore', 'chromium'];
const isRoot = process.getuid?.() === 0;
const rootOnly = isRoot ? false : 'needs root: the script installs only as root';

function realPath(tool: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' });
  return r.stdout.trim();
}

interface Sandbox {
  bin: string;
  aptLog: string;
  env: NodeJS.ProcessEnv;
}

/** An empty PATH, an os-release file, and an apt-get that records its calls and, if `installs`, links the tools. */
function sandbox(opts: { osId?: string; installs?: boolean; extraBin?: string[] } = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'bw-system-deps-'));
  chmodSync(dir, 0o755); // readable by nobody, for the run without root
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const aptLog = join(dir, 'apt.log');
  const links = (opts.installs ?? true) ? TOOLS.map((t) => `ln -sf '${realPath(t)}' '${join(bin, t)}'`) : [];
  const apt = join(dir, 'apt-get');
  writeFileSync(
    apt,
    [
      '#!/bin/sh',
      'PATH=/usr/bin:/bin',
      `echo "$*" >> '${aptLog}'`,
      'if [ "$1" = install ]; then',
      ':',
      ...links,
      'fi',
      '',
    ].join('\n'),
  );
  chmodSync(apt, 0o755);
  for (const name of opts.extraBin ?? []) {
    writeFileSync(join(bin, name), '#!/bin/sh\nexit 0\n');
    chmodSync(join(bin, name), 0o755);
  }
  const osRelease = join(dir, 'os-release');
  writeFileSync(osRelease, `ID=${opts.osId ?? 'debian'}\n`);
  return { bin, aptLog, env: { PATH: bin, BLOCKWATCH_APT_GET: apt, BLOCKWATCH_OS_RELEASE: osRelease } };
}

function check(target: 'demo' | 'test', env: NodeJS.ProcessEnv, asNobody = false) {
  return spawnSync(process.execPath, [SCRIPT, target], {
    encoding: 'utf8',
    env,
    ...(asNobody ? { uid: 65534, gid: 65534 } : {}),
  });
}

const aptCalls = (box: Sandbox) => (existsSync(box.aptLog) ? readFileSync(box.aptLog, 'utf8').trim().split('\n') : []);

test('on this machine the tools are there: nothing is installed', { skip: rootOnly }, () => {
  const box = sandbox();
  const r = check('test', { ...box.env, PATH: process.env.PATH });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(aptCalls(box), []);
});

test('with the tools hidden, the tests get iproute2, iptables and Chromium from apt-get, and then find them', {
  skip: rootOnly,
}, () => {
  const box = sandbox();
  const r = check('test', box.env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^test: installing iproute2, iptables, chromium with apt-get \(/);
  assert.deepEqual(aptCalls(box), ['update', 'install -y --no-install-recommends iproute2 iptables chromium']);
  assert.match(r.stderr, /test: installed iproute2, iptables, chromium\n$/);
});

test('the demo installs only what the lab needs', { skip: rootOnly }, () => {
  const box = sandbox();
  const r = check('demo', box.env);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(aptCalls(box), ['update', 'install -y --no-install-recommends iproute2 iptables']);
});

test('when apt-get leaves a tool missing, the check fails naming it', { skip: rootOnly }, () => {
  const box = sandbox({ installs: false });
  const r = check('demo', box.env);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /not on PATH even after apt-get: iproute2 \(ip; the lab\), iptables \(iptables, iptables-restore/,
  );
});

test('on another system it stops with the exact command to run, and runs no apt-get', { skip: rootOnly }, () => {
  const box = sandbox({ osId: 'fedora', extraBin: ['dnf'] });
  const r = check('test', box.env);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /run: dnf install -y iproute iptables chromium\n$/);
  assert.deepEqual(aptCalls(box), []);
});

test('without root the tests go on with one line saying what is skipped; the demo stops saying what it needs', () => {
  // As root, drop to nobody for these runs; otherwise we already are unprivileged.
  const box = sandbox();
  const tests = check('test', box.env, isRoot);
  assert.equal(tests.status, 0, tests.stderr);
  assert.equal(tests.stderr.trim().split('\n').length, 1);
  assert.match(tests.stderr, /not root: the lab tests are skipped .*browser tests too \(no Chromium: sudo apt-get/);
  const demo = check('demo', box.env, isRoot);
  assert.equal(demo.status, 1);
  assert.match(demo.stderr, /the demo needs root .* iproute2, iptables: sudo apt-get install .* && sudo npm run demo/);
  assert.deepEqual(aptCalls(box), []);
});
