/**
 * The probe as a volunteer installs it: `npm pack` of this package, `npm install ./blockwatch-*.tgz` into an empty
 * folder (dependencies from the registry, through npm's cache), then `npx blockwatch probe` against a loopback site
 * and control helper. The installed tree must hold no TypeScript loader, no compiler, no database engine and no
 * browser driver, and the command runs the built JavaScript with plain node (NODE_OPTIONS cleared: no tsx, no
 * `source` condition).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { WebConnectivityMeasurement } from '../src/model/index.ts';
import { type RunningServer, startFakeHelper, startSite } from './helpers/probe-servers.ts';

const PACKAGE_DIR = new URL('..', import.meta.url).pathname;
const FORBIDDEN = ['tsx', 'typescript', 'esbuild', 'chdb', 'playwright-core', 'vite', '@blockwatch/server'];
const INSTALL_TIMEOUT_MS = 300_000;

const work = mkdtempSync(join(tmpdir(), 'bw-packed-'));
const folder = join(work, 'volunteer');
// Plain node, as on a volunteer's machine: nothing the test runner adds to child processes.
const { NODE_OPTIONS: _runnerOptions, ...plainEnv } = process.env;
const env = { ...plainEnv, BLOCKWATCH_CONFIG_DIR: join(work, 'config'), npm_config_update_notifier: 'false' };
let site: RunningServer;
let helper: RunningServer;

function run(command: string, args: string[], cwd: string) {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
  assert.equal(r.status, 0, `${command} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs without blocking the loopback servers of this process (spawnSync would stall them). */
function runAsync(
  command: string,
  args: string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  site = await startSite();
  helper = await startFakeHelper();
});
after(async () => {
  await site?.close();
  await helper?.close();
  rmSync(work, { recursive: true, force: true });
});

test('npm pack + npm install into an empty folder gives a probe with no loader, compiler, database or browser', {
  timeout: INSTALL_TIMEOUT_MS * 2,
}, async () => {
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], PACKAGE_DIR)) as {
    filename: string;
    files: { path: string }[];
  }[];
  assert.ok(packed, 'npm pack wrote no tarball');
  const paths = packed.files.map((f) => f.path);
  assert.ok(paths.includes('dist/cli/main.js'), 'the tarball holds the built command');
  assert.deepEqual(
    paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts')),
    [],
    'the tarball holds no TypeScript sources',
  );

  mkdirSync(folder);
  writeFileSync(join(folder, 'package.json'), '{ "private": true }\n');
  run('npm', ['install', join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund'], folder);
  const modules = join(folder, 'node_modules');
  for (const name of FORBIDDEN) assert.equal(existsSync(join(modules, name)), false, `${name} was installed`);
  assert.ok(!readdirSync(join(modules, 'blockwatch')).includes('src'));

  const port = site.port;
  const url = `http://news.example:${port}/story`;
  const probe = await runAsync(
    'npx',
    ['--no-install', 'blockwatch', 'probe', url, '--resolve', `news.example:${port}:127.0.0.1`, '--helper', helper.url],
    folder,
  );
  // without a terminal the probe asks for consent on the command line; then it measures
  assert.equal(probe.code, 2, probe.stderr);
  assert.match(probe.stderr, /--accept-risks/);
  const measured = await runAsync(
    'npx',
    [
      '--no-install',
      'blockwatch',
      'probe',
      url,
      '--resolve',
      `news.example:${port}:127.0.0.1`,
      '--helper',
      helper.url,
      '--accept-risks',
      '--json',
    ],
    folder,
  );
  assert.equal(measured.code, 0, measured.stderr);
  const m = JSON.parse(measured.stdout.trim()) as WebConnectivityMeasurement;
  assert.equal(m.input, url);
  assert.equal(m.test_keys.requests?.[0]?.response?.code, 200);
  assert.equal(m.test_keys.control_failure, null);
  assert.equal(m.test_keys.accessible, true);
  assert.match(m.probe_asn, /^AS\d+$/);

  // the server's and the lab's commands are listed, and name the package they need
  const help = await runAsync('npx', ['--no-install', 'blockwatch', '--help'], folder);
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /serve +\(not installed: npm install @blockwatch\/server\)/);
  const serve = await runAsync('npx', ['--no-install', 'blockwatch', 'serve'], folder);
  assert.equal(serve.code, 2);
  assert.match(
    serve.stderr,
    /'blockwatch serve' needs the @blockwatch\/server package: npm install @blockwatch\/server/,
  );
});
