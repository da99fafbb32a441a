/**
 * The `events`, `history` and `registry` commands against a real embedded store (each command opens and closes
 * it, as from a shell), run in-process through the CLI entry.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { runCli } from 'blockwatch/cli/main.ts';
import { makeMeasurement, makeVerdict, tempDir } from '../../test/fixtures.ts';
import { openStore } from '../store/store.ts';

const dir = tempDir('bw-events-cli-');
const data = join(dir.path, 'data');
const URL_A = 'https://news.example.kz/a';
const T0 = Date.UTC(2026, 9, 1, 0, 0, 0);

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await runCli(argv, {
    stdout,
    stderr,
    stdin: new PassThrough(),
    env: { ...process.env, BLOCKWATCH_ADMIN_TOKEN: '' },
    cwd: dir.path,
    signal: new AbortController().signal,
  });
  return { code, stdout: out, stderr: err };
}

before(async () => {
  // History imported without the server running: the events are built by `events rebuild`.
  const store = await openStore({ location: { dataDir: data } });
  const items = [];
  for (let round = 0; round < 8; round++) {
    for (const asn of [9198, 21299]) {
      const timeMs = T0 + round * 6 * 3600_000 + asn;
      const blocked = round >= 4;
      items.push({
        uid: `20261001000000.000000_KZ_webconnectivity_${asn.toString(16).padStart(8, '0')}${round.toString(16).padStart(8, '0')}`,
        measurement: makeMeasurement({
          input: URL_A,
          probe_cc: 'KZ',
          probe_asn: `AS${asn}`,
          measurement_start_time: new Date(timeMs).toISOString().slice(0, 19).replace('T', ' '),
        }),
        verdict: makeVerdict(
          blocked ? { outcome: 'blocked', accessible: false, anomaly: true, method: 'tls', methods: ['tls'] } : {},
        ),
        source: 'import' as const,
      });
    }
  }
  await store.insert(items);
  await store.close();
});
after(() => dir.remove());

describe('events, history and registry commands', () => {
  test('events list catches up on history imported offline; rebuild gives the same event', async () => {
    const first = await cli(['events', '--data', data, '--cc', 'KZ', '--json']);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(JSON.parse(first.stdout).count, 1);
    assert.equal((await cli(['events', '--data', data, '--cc', 'RU'])).stdout, 'no events match\n');
    const rebuilt = await cli(['events', 'rebuild', '--data', data, '--json']);
    assert.equal(rebuilt.code, 0, rebuilt.stderr);
    assert.deepEqual(JSON.parse(rebuilt.stdout), { measurements: 16, events: 1 });
    const list = await cli(['events', 'list', '--data', data, '--cc', 'KZ', '--json']);
    const body = JSON.parse(list.stdout);
    assert.deepEqual(body, JSON.parse(first.stdout));
    assert.equal(body.count, 1);
    assert.match(
      body.results[0].summary,
      /^Blocked in KZ since a time between 2026-10-01 18:00 and 2026-10-02 00:01 UTC on 2 of 2 networks \(TLS\)$/,
    );
    const text = await cli(['events', '--data', data]);
    assert.match(text.stdout, /^ID\s+STATUS\s+CC\s+CONF\s+URL\s+SUMMARY\nev_[0-9a-f]{16}\s+open\s+KZ\s+/);
  });

  test('history answers since when, per network', async () => {
    const r = await cli(['history', URL_A, '--cc', 'KZ', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Blocked in KZ since .* on 2 of 2 networks \(TLS\)\.\n/);
    assert.match(r.stdout, /\nAS9198 — now blocked, 8 measurements\n/);
    const json = JSON.parse(
      (await cli(['history', '--domain', 'news.example.kz', '--cc', 'kz', '--data', data, '--json'])).stdout,
    );
    assert.equal(json.networks.length, 2);
  });

  test('registry import and compare', async () => {
    const file = join(dir.path, 'kz.csv');
    writeFileSync(file, 'target,date,authority,legal_basis\nnews.example.kz,2026-09-30,Ministry,Art. 41-1\n');
    const imported = await cli(['registry', 'import', 'kz.csv', '--format', 'csv', '--cc', 'KZ', '--data', data]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, "imported 1 entries into list 'csv' of KZ\n");
    const r = await cli(['registry', 'compare', '--cc', 'KZ', '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /listed and blocked: {8}1\n/);
    assert.match(r.stdout, /AS9198\s+1\s+1\s+0\s+100%/);
  });

  test('bad command lines and bad files are usage or input errors', async () => {
    assert.equal((await cli(['history', URL_A, '--data', data])).code, 2, '--cc is required');
    const notSubject = await cli(['history', 'meduza.io', '--cc', 'KZ', '--data', data]);
    assert.equal(notSubject.code, 2);
    assert.match(
      notSubject.stderr,
      /'meduza\.io' is neither an http\(s\) URL nor a service \(telegram, whatsapp, signal\)/,
    );
    assert.equal((await cli(['events', 'frobnicate', '--data', data])).code, 2);
    assert.equal((await cli(['events', '--status', 'maybe', '--data', data])).code, 2);
    assert.equal((await cli(['events', '--data', data, '--server', 'http://127.0.0.1:9'])).code, 2);
    const missing = await cli(['registry', 'import', 'nope.csv', '--format', 'csv', '--cc', 'KZ', '--data', data]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope.csv: ENOENT/);
    writeFileSync(join(dir.path, 'bad.csv'), 'target,date\n');
    const bad = await cli(['registry', 'import', 'bad.csv', '--format', 'csv', '--cc', 'KZ', '--data', data]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad.csv:1: the header must be/);
  });
});
