import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCommand } from '../../../blockwatch/test/helpers/cli.ts';
import { makeMeasurement, tempDir } from '../../test/fixtures.ts';
import { parseListen } from './serve.ts';

const dir = tempDir();
after(() => dir.remove());
const env = { ...process.env, BLOCKWATCH_DATA_DIR: join(dir.path, 'reference') };

test('blockwatch import: JSON summary, bad lines reported as file:line, exit 1 when something was skipped', async () => {
  const file = join(dir.path, 'few.jsonl');
  writeFileSync(file, `${JSON.stringify(makeMeasurement())}\nnot json\n${JSON.stringify(makeMeasurement())}\n`);
  const data = join(dir.path, 'data');
  const first = await runCommand(['import', file, '--data', data, '--json'], { env });
  assert.equal(first.code, 1, first.stderr);
  const summary = JSON.parse(first.stdout);
  assert.equal(summary.imported, 2);
  assert.deepEqual(summary.problems, [{ file: 'few.jsonl', line: 2, message: summary.problems[0].message }]);
  const again = await runCommand(['import', file, '--data', data], { env });
  assert.match(again.stdout, /imported 0 measurements .*\(2 already stored, 1 skipped/);
  assert.match(again.stderr, /few\.jsonl:2: not valid JSON/);
});

test('serve --data with an unusable directory fails at once naming it (no hang, no store opened)', () => {
  const bin = new URL('../../../blockwatch/bin/blockwatch.js', import.meta.url).pathname;
  const file = join(dir.path, 'a-file');
  writeFileSync(file, '');
  for (const [data, reason] of [
    ['/proc/forbidden', 'ENOENT'],
    [join(file, 'sub'), 'ENOTDIR'],
    [file, 'not a directory'],
  ]) {
    const r = spawnSync(process.execPath, [bin, 'serve', '--data', data, '--listen', '127.0.0.1:0'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    assert.equal(r.status, 2, `${data}: ${r.signal ?? ''} ${r.stderr}`);
    assert.equal(r.stderr.split('\n')[0], `blockwatch: --data ${data} is not a usable directory (${reason})`);
  }
});

test('usage errors name the problem', async () => {
  const none = await runCommand(['import', '--data', dir.path], { env });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name at least one FILE/);
  const both = await runCommand(['import', dir.path, '--data', dir.path, '--server', 'http://127.0.0.1:1'], { env });
  assert.match(both.stderr, /either --server or a store/);
  const missing = await runCommand(['import', join(dir.path, 'nope.json'), '--data', dir.path], { env });
  assert.match(missing.stderr, /no such file/);
  const cluster = await runCommand(['serve', '--data', dir.path, '--cluster', 'bw'], { env });
  assert.match(cluster.stderr, /--cluster needs --clickhouse/);
  assert.deepEqual(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListen('8080'), { code: 'BW_ERR_USAGE' });
  assert.throws(() => parseListen('host:99999'), { code: 'BW_ERR_USAGE' });
});
