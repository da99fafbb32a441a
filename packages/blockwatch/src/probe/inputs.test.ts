import assert from 'node:assert/strict';
import { test } from 'node:test';
import { probeInputs } from './inputs.ts';

const list = [
  { url: 'https://Example.org/a', category_code: 'NEWS', line: 2 },
  { url: 'https://example.org/b', category_code: 'NEWS', line: 3 },
];

test('URL tests take URLs and test lists; domain tests their host names; input-less tests nothing', () => {
  assert.deepEqual(
    probeInputs('url', 'web_connectivity', ['https://a.test/'], list).map((i) => i.input),
    ['https://a.test/', 'https://Example.org/a', 'https://example.org/b'],
  );
  assert.deepEqual(
    probeInputs('domain', 'dnscheck', ['A.test'], list).map((i) => [i.input, i.category_code]),
    [
      ['a.test', ''],
      ['example.org', 'NEWS'],
    ],
  );
  assert.deepEqual(probeInputs('none', 'telegram', []), [{ input: null, category_code: '' }]);
});

test('each kind refuses what it cannot measure, naming the argument', () => {
  assert.throws(() => probeInputs('none', 'telegram', ['https://a.test/']), /telegram takes no URL or list/);
  assert.throws(
    () => probeInputs('domain', 'dnscheck', ['https://a.test/']),
    /argument 1: 'https:\/\/a\.test\/' is not a DNS name/,
  );
  assert.throws(() => probeInputs('url', 'web_connectivity', ['a.test']), /argument 1: 'a.test' is not a valid URL/);
  assert.throws(() => probeInputs('domain', 'dnscheck', []), /at least one domain/);
  for (const [i, bad] of ['', '-a.test', 'a..test', `${'x'.repeat(64)}.test`].entries()) {
    assert.throws(
      () => probeInputs('domain', 'dnscheck', ['ok.test', bad]),
      /argument 2: .* is not a DNS name/,
      `${i}`,
    );
  }
});

test('a domain test takes any DNS name, underscores included (a resolver may be asked for _dmarc or SRV names)', () => {
  assert.deepEqual(
    probeInputs('domain', 'dnscheck', [
      '_dmarc.Example.com',
      '_sip._tcp.example.com',
      'xn--80ak6aa92e.com',
      'a.test.',
    ]).map((i) => i.input),
    ['_dmarc.example.com', '_sip._tcp.example.com', 'xn--80ak6aa92e.com', 'a.test.'],
  );
});
