import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { BlockwatchError } from '../errors.ts';
import { ensureConsent, RISK_TEXT, readConsent } from './consent.ts';

const root = mkdtempSync(join(tmpdir(), 'bw-consent-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `c${n++}`);

function terminal(isTTY: boolean) {
  const stdin = Object.assign(new PassThrough(), { isTTY });
  const stderr = Object.assign(new PassThrough(), { isTTY });
  let shown = '';
  stderr.on('data', (d) => {
    shown += d;
  });
  return { stdin, stderr, shown: () => shown };
}

const isConsentError = (err: unknown) => BlockwatchError.is(err) && err.code === 'BW_ERR_CONSENT';

test('without a terminal and without consent the probe refuses at once and stores nothing', async () => {
  const dir = freshDir();
  const t = terminal(false);
  await assert.rejects(ensureConsent({ configDir: dir, acceptRisks: false, ...t }), (err: unknown) => {
    return isConsentError(err) && /--accept-risks/.test((err as Error).message);
  });
  assert.equal(existsSync(dir), false);
});

test('--accept-risks consents for this run only', async () => {
  const dir = freshDir();
  await ensureConsent({ configDir: dir, acceptRisks: true, ...terminal(false) });
  assert.equal(readConsent(dir), null);
});

test('on a terminal the risks are shown, "yes" is remembered and not asked again', async () => {
  const dir = freshDir();
  const t = terminal(true);
  const pending = ensureConsent({ configDir: dir, acceptRisks: false, ...t, nowMs: Date.UTC(2026, 0, 2) });
  t.stdin.write('yes\n');
  await pending;
  assert.ok(t.shown().includes(RISK_TEXT.trim().split('\n')[0]));
  assert.match(t.shown(), /Legal risk/);
  assert.equal(readConsent(dir)?.acceptedAt, '2026-01-02T00:00:00.000Z');
  // later runs, even unattended, need no flag
  await ensureConsent({ configDir: dir, acceptRisks: false, ...terminal(false) });
});

test('on a terminal anything but yes refuses and stores nothing', async () => {
  for (const answer of ['no\n', '\n']) {
    const dir = freshDir();
    const t = terminal(true);
    const pending = ensureConsent({ configDir: dir, acceptRisks: false, ...t });
    t.stdin.write(answer);
    await assert.rejects(pending, isConsentError);
    assert.equal(readConsent(dir), null);
  }
  const dir = freshDir();
  const t = terminal(true);
  const pending = ensureConsent({ configDir: dir, acceptRisks: false, ...t });
  t.stdin.end(); // end of input (Ctrl-D)
  await assert.rejects(pending, isConsentError);
});
