import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { BlockwatchError } from '../errors.ts';
import { createFingerprintSet, isBogon, parseFingerprintCsv } from './index.ts';
import { createMultiSearch } from './multi-search.ts';

const DATA = new URL('../../../../../shared/data/fingerprints/', import.meta.url);
const HEADER =
  'name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,source,exp_url,notes';

test('the real fingerprint files parse completely (226 DNS, 1,729 HTTP rows, multi-line notes included)', () => {
  const dns = parseFingerprintCsv(readFileSync(new URL('fingerprints_dns.csv', DATA), 'utf8'), 'dns');
  const http = parseFingerprintCsv(readFileSync(new URL('fingerprints_http.csv', DATA), 'utf8'), 'http');
  assert.equal(dns.length, 226);
  assert.equal(http.length, 1729);
  assert.equal(http.filter((f) => f.pattern_type === 'regexp').length, 14);
  const ae = http.find((f) => f.name === 'ooni.ae_0');
  assert.deepEqual(ae?.expected_countries, ['AE', 'SA']);
});

test('a bad row is refused with an error naming the file and the line', () => {
  const cases: [string, RegExp][] = [
    [
      `${HEADER}\nx.1,nat,,dns,full,1.2.3.4,5,,,,\nx.2,national,,dns,full,1.2.3.5,5,,,,\n`,
      /line 3: unknown scope 'national'/,
    ],
    [`${HEADER}\nx.1,nat,,dns,glob,1.2.3.4,5,,,,\n`, /line 2: unknown pattern_type 'glob'/],
    [`${HEADER}\nx.1,nat,,body,full,1.2.3.4,5,,,,\n`, /line 2: location_found 'body' is not valid in a dns/],
    ['name,scope\nx,nat\n', /line 1: missing column 'location_found'/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseFingerprintCsv(text, 'dns'),
      (err: unknown) => BlockwatchError.is(err) && err.code === 'BW_ERR_INVALID_INPUT' && message.test(err.message),
    );
  }
  assert.throws(
    () => parseFingerprintCsv(`${HEADER}\nx.1,isp,,body,regexp,"(unclosed",5,,,,\n`, 'http'),
    /fingerprints_http\.csv line 2: pattern is not a valid regular expression/,
  );
});

test('each pattern type matches as named; fp and vbw never confirm; isp/nat or the expected country do', () => {
  const http = parseFingerprintCsv(
    [
      HEADER,
      't.full,isp,,header.server,full,BlockServer,5,,,,',
      't.prefix,prod,,header.location,prefix,http://block.example/,5,RU,,,',
      't.contains,nat,,body,contains,has been blocked,5,,,,',
      't.re,inst,,body,regexp,Access to .* denied,5,,,,',
      't.fp,fp,,body,contains,cloudflare,5,,,,',
    ].join('\n'),
    'http',
  );
  const set = createFingerprintSet([], http);
  assert.deepEqual(
    set.matchHeader('Server', 'BlockServer', 'IT').map((m) => [m.name, m.confirms]),
    [['t.full', true]],
  );
  assert.deepEqual(set.matchHeader('server', 'BlockServer 2', 'IT'), []);
  assert.deepEqual(
    set.matchHeader('location', 'http://block.example/?u=x', 'RU').map((m) => m.confirms),
    [true],
  );
  assert.deepEqual(
    set.matchHeader('location', 'http://block.example/?u=x', 'IT').map((m) => m.confirms),
    [false],
  );
  const body = set.matchBody('<p>This site has been blocked. Access to news denied. cloudflare</p>', 'IT');
  assert.deepEqual(
    body.map((m) => [m.name, m.confirms]),
    [
      ['t.contains', true],
      ['t.fp', false],
      ['t.re', false],
    ],
  );
  assert.equal(body.find((m) => m.name === 't.re')?.matched, 'Access to news denied');
});

test('the one-pass multi-pattern search finds exactly what indexOf finds', () => {
  // Every length class: native `includes` (< 7), the short table (7–13) and the long table (14+).
  const patterns = [
    'abcd',
    'xyz',
    'zz',
    '禁止访问',
    'abcdefab',
    'fabcdexyz',
    'xyzabcxyzab',
    '禁止访问abcd',
    'abcdefabcdefab',
    'zzzzzzzzzzzzzzzz',
    'xyzabcxyzabcxyzz',
    '<title>Blocked</title>',
    'http://block.example/',
  ];
  const search = createMultiSearch(patterns.map((p) => ({ pattern: p, value: p })));
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const letters = 'abcdefxyzzzz<>/禁止访问';
  for (let n = 0; n < 500; n++) {
    // Texts built from random letters and whole or clipped patterns, so that matches and near misses both occur.
    let text = '';
    while (text.length < 300) {
      const p = patterns[next(patterns.length)] as string;
      const r = next(4);
      text += r === 0 ? p : r === 1 ? p.slice(0, -1) : letters[next(letters.length)];
    }
    assert.deepEqual(
      search.find(text),
      patterns.filter((p) => text.includes(p)),
      text,
    );
  }
});

test('bogons follow OONI: private, reserved, 6to4 and Teredo images, and anything that is not an address', () => {
  for (const ip of [
    '10.10.34.35',
    '127.0.0.1',
    '192.168.1.1',
    '198.18.0.1',
    '0.1.2.3',
    '255.255.255.255',
    '::1',
    'fe80::1',
    'fd00::1',
    '2002:a00::1',
    '2001:0:a00::1',
    '::ffff:10.0.0.1',
    'example.com',
    '1.2.3',
  ]) {
    assert.equal(isBogon(ip), true, ip);
  }
  for (const ip of [
    '93.184.216.34',
    '8.8.8.8',
    '2a03:2880:f137:182:face:b00c:0:25de',
    '2606:4700::6810:84e5',
    '100.128.0.1',
  ]) {
    assert.equal(isBogon(ip), false, ip);
  }
});

test('regexps are gated by their required literal without changing what they match', async () => {
  const { requiredLiteral } = await import('./fingerprints.ts');
  assert.equal(requiredLiteral('URL .* Sp.*er Gate'), 'er Gate');
  assert.equal(
    requiredLiteral('You don.t have permission to access.*on this server\\.<P>'),
    't have permission to access',
  );
  assert.equal(requiredLiteral('<meta name=.*twitter:card'), 'twitter:card');
  assert.equal(requiredLiteral('a|bcdefg'), null);
  assert.equal(requiredLiteral('colou?r scheme'), 'r scheme');
  const http = parseFingerprintCsv(readFileSync(new URL('fingerprints_http.csv', DATA), 'utf8'), 'http');
  const set = createFingerprintSet([], http);
  const page = "<h1>Forbidden</h1>You don't have permission to access /x on this server.<P>";
  assert.ok(set.matchBody(page, 'US').some((m) => m.pattern_type === 'regexp' && m.matched.startsWith("You don't")));
});

test('a cached body gives the same matches, per country, and a base64 body the same as its text', () => {
  const dns = parseFingerprintCsv(readFileSync(new URL('fingerprints_dns.csv', DATA), 'utf8'), 'dns');
  const http = parseFingerprintCsv(readFileSync(new URL('fingerprints_http.csv', DATA), 'utf8'), 'http');
  const set = createFingerprintSet(dns, http);
  const page = '<html><iframe src="http://10.10.34.34?type=Invalid Site"></iframe> Доступ ограничен</html>';
  const first = set.matchBody(page, 'IR');
  assert.ok(
    first.some((m) => m.confirms),
    'an Iranian block page confirms in IR',
  );
  assert.deepEqual(set.matchBody(`${page}`, 'IR'), first);
  assert.deepEqual(
    set.matchBody(page, 'US').map((m) => m.name),
    first.map((m) => m.name),
  );
  let decoded = 0;
  const data = Buffer.from(page).toString('base64');
  const text = () => {
    decoded++;
    return page;
  };
  assert.deepEqual(set.matchEncodedBody(data, text, 'IR'), first);
  assert.deepEqual(set.matchEncodedBody(data, text, 'IR'), first);
  assert.equal(decoded, 1, 'the second time the page is neither decoded nor scanned');
  // Many distinct pages: the cache stays bounded and keeps answering correctly.
  for (let i = 0; i < 2000; i++) set.matchBody(`<p>page ${i}</p>`, 'IR');
  assert.deepEqual(set.matchBody(page, 'IR'), first);
});
