/**
 * `npm run demo -- --no-serve` end to end (root): a shortened replay (one round a day: 9 rounds) through the real
 * lab, probe, collector and event detector, then the summary line is checked against what the ISPs did, and the
 * demo must have taken the lab down afterwards. The default replay (every 6 h) is the same code with more rounds.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const skip = process.getuid?.() === 0 ? false : 'needs root (network namespaces, iptables): run the tests as root';
const repoRoot = new URL('../../../../', import.meta.url).pathname;

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/lab/src/demo/main.ts', ...args], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

test('the demo finds the story blocked on 3 of 3 networks by DNS, HTTP block page and TLS', {
  skip,
  // the replay itself takes about 5 min; the rest is for waiting on the lab's session lock when the catalogue test
  // runs beside it (npm test runs two test files at once)
  timeout: 14 * 60_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-demo-'));
  try {
    const { code, stdout, stderr } = await runDemo([
      '--no-serve',
      '--every',
      '24',
      '--listen',
      '127.0.0.1:0',
      '--dir',
      dir,
    ]);
    assert.equal(code, 0, `demo exited with ${code}\n${stdout}\n${stderr}`);
    assert.match(stderr, /round {2}9\/9 2014-11-28 00:00 {2}isp1 /, 'progress shows every round with its lab date');
    // one citable sentence leads the summary
    const lead = stdout.split('\n').find(Boolean);
    assert.match(
      lead ?? '',
      /^The story https:\/\/www\.dailymail\.lab\/\S+ \(over https and http\) is blocked in KZ since a time between 2014-11-24 00:00 and 2014-11-25 00:00 UTC on 3 of 3 networks: DNS \/ HTTP block page \/ TLS\.$/,
    );
    assert.match(stdout, /^ {2}https: Blocked in KZ .* on 2 of 3 networks/m, 'each event is labelled with its scheme');
    assert.match(stdout, /^ {2}http: {2}Blocked in KZ .* on 2 of 3 networks/m);
    for (const isp of ['isp1 AS9198', 'isp2 AS206026', 'isp3 AS21299'])
      assert.match(stdout, new RegExp(`^ {2}ok {3}${isp} `, 'm'));
    assert.doesNotMatch(stdout, /UNEXPECTED/);
    // the same story seen from outside, nobody inside: each network's own method corroborates its event, and the
    // events API cites it (every network that blocked the story's host was seen blocking it from outside)
    assert.match(stdout, /^ {2}event https:\/\/www\.dailymail\.lab\/\S+: corroborated by remote evidence on AS\d+/m);
    for (const [isp, seen] of [
      ['isp1 AS9198', 'dns_remote www.dailymail.lab dns'],
      ['isp2 AS206026', 'http_remote http://www.dailymail.lab/ http_blockpage'],
      ['isp3 AS21299', 'http_remote https://www.dailymail.lab/ tls'],
    ])
      assert.match(
        stdout,
        new RegExp(`^ {2}ok {3}${isp}: ${seen.replaceAll('.', '\\.')}.* → corroborates the event$`, 'm'),
      );
    assert.match(
      stdout,
      /^evidence \(https\): +\d+ blocked measurements of https:\S+, e\.g\. 20141125000000\.000000_KZ_webconnectivity_/m,
      'evidence ids carry the lab time',
    );
    // --no-serve: the server is gone, so no links to it
    assert.doesNotMatch(stdout, /https?:\/\/127\.0\.0\.1:\d+/);
    // Another lab run may take the lab as soon as the demo releases it: read the demo's own account of its down.
    assert.match(stderr, /demo: lab: removed \d+ namespaces/, 'the demo takes the lab down');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
