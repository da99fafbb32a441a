import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asciiName, cidrContainsV4, DEFAULT_SITES, networkMatches, renderPage, resolveSite } from './sites.ts';

test('pages are deterministic and can be padded to a size', () => {
  const site = resolveSite(DEFAULT_SITES[0]);
  assert.equal(renderPage(site, '/', {}), renderPage(site, '/', {}));
  assert.notEqual(renderPage(site, '/', {}), renderPage(resolveSite(DEFAULT_SITES[1]), '/', {}));
  assert.equal(Buffer.byteLength(renderPage(site, '/', { sizeBytes: 100_000 })), 100_000);
  assert.match(renderPage(site, '/', { title: 'A & B' }), /<title>A &amp; B<\/title>/);
});

test('the catalogue has one address per site and unique names; IDN names become punycode', () => {
  const names = DEFAULT_SITES.flatMap((s) => resolveSite(s).names);
  assert.equal(new Set(names).size, names.length);
  assert.equal(new Set(DEFAULT_SITES.map((s) => s.address)).size, DEFAULT_SITES.length);
  assert.equal(asciiName('жаңалықтар.lab'), 'xn--80aaav1a5am5es3bmc.lab');
});

test('client networks: any ISP, one ISP, or a prefix', () => {
  assert.ok(networkMatches('isp', '198.19.3.2'));
  assert.ok(networkMatches('isp2', '198.19.2.2'));
  assert.ok(!networkMatches('isp2', '198.19.3.2'));
  assert.ok(!networkMatches('isp', '198.18.1.3'));
  assert.ok(cidrContainsV4('198.18.0.0/15', '198.19.255.1'));
  assert.ok(!cidrContainsV4('198.18.0.0/16', '198.19.0.1'));
});
