import assert from 'node:assert/strict';
import { test } from 'node:test';
import { domainProblem, probeInputs } from './inputs.ts';

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
  assert.throws(() => probeInputs('domain', 'dnscheck', ['https://a.test/']), /argument 1: .* is not a domain name/);
  assert.throws(() => probeInputs('url', 'web_connectivity', ['a.test']), /argument 1: 'a.test' is not a valid URL/);
  assert.throws(() => probeInputs('domain', 'dnscheck', []), /at least one domain/);
  for (const bad of ['', '-a.test', 'a..test', `${'x'.repeat(64)}.test`, 'a_b.test'])
    assert.ok(domainProblem(bad), bad);
  for (const good of ['a.test', 'xn--80ak6aa92e.com', 'example.org.']) assert.equal(domainProblem(good), null, good);
});
