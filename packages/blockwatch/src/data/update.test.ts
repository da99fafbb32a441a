/**
 * `blockwatch update` against a loopback server that serves the reference data (never the internet): a full
 * update (fingerprints, test lists, Signal's root CA out of a Signal-Desktop-style production.json), an update
 * whose file is broken (changes nothing), a Signal configuration without a CA certificate (changes nothing), an unreachable mirror, a body over the size cap and
 * a server that stalls.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCommand } from '../../test/helpers/cli.ts';
import { getTestPki } from '../../test/helpers/pki.ts';
import { BlockwatchError } from '../errors.ts';
import { dataDir, loadFingerprints, readSignalCa, signalCaPath, updateData } from './index.ts';

const DATA = new URL('../../../../../shared/data/', import.meta.url).pathname;
let server: Server;
let base = '';

before(async () => {
  const pki = await getTestPki();
  // Signal-Desktop's production.json as Signal lays it out, a test root standing in for Signal's
  const signalConfigs: Record<string, string> = {
    good: JSON.stringify({ serverUrl: 'https://chat.signal.org', certificateAuthority: pki.ca.certPem }),
    leaf: JSON.stringify({ certificateAuthority: pki.localhost.certPem }),
    nofield: JSON.stringify({ serverUrl: 'https://chat.signal.org' }),
    garbled: '{"certificateAuthority": "-----BEGIN',
  };
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const signalConfig = /^\/(\w+)\/signal\/production\.json$/.exec(path);
    if (signalConfig && signalConfigs[signalConfig[1] as string]) {
      res.end(signalConfigs[signalConfig[1] as string]);
      return;
    }
    if (path.startsWith('/stall/')) return; // never answers
    if (path.startsWith('/huge/')) {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 4 * 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 4 * 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      pump();
      return;
    }
    if (path.startsWith('/broken/fingerprints/fingerprints_http.csv')) {
      res.end('name,scope,location_found,pattern_type,pattern\nx,bogus,body,contains,y\n');
      return;
    }
    const file = join(DATA, path.replace(/^\/(good|broken|leaf|nofield|garbled)\//, ''));
    if (!path.includes('..') && existsSync(file)) res.end(readFileSync(file));
    else {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

const tempDir = () => mkdtempSync(join(tmpdir(), 'bw-update-'));

test('update downloads fingerprints and test lists from a mirror into the data directory', async () => {
  const dir = tempDir();
  try {
    const r = await runCommand(['update', '--from', `${base}/good`, '--lists', 'global,kz'], {
      env: { ...process.env, BLOCKWATCH_DATA_DIR: dir },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /updated 5 files/);
    assert.equal(
      readFileSync(join(dir, 'test-lists', 'kz.csv'), 'utf8'),
      readFileSync(join(DATA, 'test-lists', 'kz.csv'), 'utf8'),
    );
    assert.equal(loadFingerprints(dir).size, 226 + 1728);
    const pki = await getTestPki();
    assert.equal(readFileSync(signalCaPath(dir), 'utf8'), `${pki.ca.certPem.trim()}\n`, 'only the PEM is kept');
    assert.equal(readSignalCa(dir), `${pki.ca.certPem.trim()}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a Signal configuration without a CA certificate is refused precisely and changes nothing', async () => {
  const dir = tempDir();
  try {
    writeFileSync(signalCaPath(dir), 'old');
    const cases: [string, RegExp][] = [
      ['leaf', /signal\/production\.json: 'certificateAuthority': the certificate \(.*\) is not a CA certificate/],
      ['nofield', /signal\/production\.json: no 'certificateAuthority' string field/],
      ['garbled', /signal\/production\.json: not JSON/],
    ];
    for (const [mirror, message] of cases) {
      await assert.rejects(
        updateData({ dir, lists: ['global'], from: `${base}/${mirror}` }),
        (err: unknown) => BlockwatchError.is(err) && err.code === 'BW_ERR_DOWNLOAD' && message.test(err.message),
        mirror,
      );
    }
    assert.equal(readFileSync(signalCaPath(dir), 'utf8'), 'old');
    assert.ok(!existsSync(join(dir, 'fingerprints_dns.csv')), 'the fingerprints that arrived first are not kept');
    assert.ok(!existsSync(join(dir, 'test-lists', 'global.csv')));
    assert.throws(() => readSignalCa(dir), /signal-ca\.pem: expected one PEM certificate, found 0/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken file in the update changes nothing and names the file and line', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir, 'fingerprints_dns.csv'), 'old');
    await assert.rejects(
      updateData({ dir, lists: ['global'], from: `${base}/broken` }),
      (err: unknown) =>
        BlockwatchError.is(err) &&
        err.code === 'BW_ERR_DOWNLOAD' &&
        /fingerprints_http\.csv.*line 2: unknown scope 'bogus'/.test(err.message),
    );
    assert.equal(readFileSync(join(dir, 'fingerprints_dns.csv'), 'utf8'), 'old');
    assert.ok(!existsSync(join(dir, 'test-lists', 'global.csv')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an unreachable mirror says so clearly; a missing list names the URL and status', async () => {
  const dir = tempDir();
  try {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await runCommand(['update', '--from', `http://127.0.0.1:${port}`, '--dir', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): are you offline\? Nothing was changed/);
    await assert.rejects(updateData({ dir, lists: ['zz'], from: `${base}/good` }), /test-lists\/zz\.csv: HTTP 404/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile servers get bounded size and time', async () => {
  const dir = tempDir();
  try {
    await assert.rejects(
      updateData({ dir, lists: [], from: `${base}/huge`, maxBytes: 1024 * 1024 }),
      /larger than 1048576 bytes, refused/,
    );
    await assert.rejects(
      updateData({ dir, lists: [], from: `${base}/stall`, timeoutMs: 300 }),
      /no answer within 0\.3 s/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the data directory follows BLOCKWATCH_DATA_DIR, then XDG_DATA_HOME, then ~/.local/share', () => {
  assert.equal(dataDir({ BLOCKWATCH_DATA_DIR: '/d', XDG_DATA_HOME: '/x' }), '/d');
  assert.equal(dataDir({ XDG_DATA_HOME: '/x' }), '/x/blockwatch');
  assert.equal(dataDir({ HOME: '/home/u' }), '/home/u/.local/share/blockwatch');
});
