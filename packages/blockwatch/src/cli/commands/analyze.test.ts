import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../../../test/helpers/cli.ts';

const DATA = new URL('../../../../../../shared/data/', import.meta.url).pathname;
const M = join(DATA, 'ooni/measurements');
const FP = join(DATA, 'fingerprints');

test('analyze --json prints one verdict per measurement with OONI ids and the richer fields', async () => {
  const r = await runCommand([
    'analyze',
    '--json',
    '--fingerprints',
    FP,
    join(M, 'backend-fastpath__web_connectivity_ir_fp.json'),
    join(M, 'explorer-e2e__20221110112405.003769_US_tor_56e03d764ee82e8f.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  const [ir, tor] = lines;
  assert.equal(ir.input, 'https://www.facebook.com/');
  assert.equal(ir.blocking, 'dns');
  assert.equal(ir.accessible, false);
  assert.equal(ir.confirmed, true);
  assert.equal(ir.method, 'dns');
  assert.equal(ir.layers.dns.status, 'blocked');
  assert.equal(ir.fingerprints[0].name, 'ooni.ir_10dot10_ipv4_1');
  // a test type no experiment is registered for: unknown, and the reason names it
  assert.equal(tor.test_name, 'tor');
  assert.equal(tor.outcome, 'unknown');
  assert.match(tor.reason, /'tor' is not a registered experiment/);
});

test('analyze reads JSON Lines and API wrappers, reports bad lines as FILE:LINE and goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bw-analyze-'));
  try {
    const a = readFileSync(join(M, 'backend-fastpath__report1.json'), 'utf8');
    const b = readFileSync(join(M, 'backend-fastpath__bug_352.json'), 'utf8');
    const file = join(dir, 'batch.jsonl');
    const wrapped = JSON.stringify({ raw_measurement: JSON.stringify(JSON.parse(b)) });
    writeFileSync(file, `${JSON.stringify(JSON.parse(a))}\n{"broken": \n${wrapped}\n`);
    const r = await runCommand(['analyze', '--json', '--fingerprints', FP, file]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: not valid JSON`));
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.line, l.blocking, l.accessible]),
      [
        [1, false, true],
        [3, 'dns', false],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('analyze prints a table without --json, and a missing file is an error naming it', async () => {
  const r = await runCommand([
    'analyze',
    '--fingerprints',
    FP,
    join(M, 'explorer-e2e__01202003039e13e3e38be1918d3a64c2ec27ea22.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^INPUT +BLOCKING +ACCESSIBLE +OUTCOME +METHOD +EXPLANATION/);
  assert.match(
    r.stdout,
    /http:\/\/rutor\.org\/ +http-diff +false +blocked +http_blockpage +The page matches the block page fingerprint/,
  );
  const missing = await runCommand(['analyze', '/nonexistent/x.json']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /\/nonexistent\/x\.json is not a readable file/);
});

test("analyze reads OONI's messaging measurements with their experiment and prints OONI's verdict beside ours", async () => {
  const r = await runCommand([
    'analyze',
    '--json',
    '--fingerprints',
    FP,
    join(M, 'explorer-e2e__20221109225810.435617_RU_telegram_ecbc73cacd8ea566.json'),
    join(M, 'explorer-e2e__20221110103854.762862_US_whatsapp_cb48f652956e71e0.json'),
    join(M, 'explorer-e2e__20210415084230.511612_IR_signal_ed269d082953bf2e.json'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => l.engine),
    ['telegram-0.1', 'whatsapp-0.1', 'signal-0.1'],
  );
  for (const l of lines) {
    assert.ok(l.ooni, `${l.test_name}: OONI's verdict is printed`);
    assert.deepEqual([l.blocking, l.accessible], [l.ooni.blocking, l.ooni.accessible], l.test_name);
  }
  assert.equal(lines[0].outcome, 'blocked', 'the Russian telegram measurement is one OONI calls blocked');
});
