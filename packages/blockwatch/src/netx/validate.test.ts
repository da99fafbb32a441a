/**
 * The option checks the primitives share, and their endpoint text. DNS names: one rule for everything that is looked up (the DNS
 * primitives, dnscheck, the probe's domain inputs), underscores included, and an error naming the input and why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endpointKey } from '../verdict/input.ts';
import { checkHostname, dnsNameProblem, formatEndpoint } from './validate.ts';

const LONGEST_LABEL = 'x'.repeat(63);
const LONGEST_NAME = `${'a'.repeat(62)}.${'b'.repeat(62)}.${'c'.repeat(62)}.${'d'.repeat(62)}.e`; // 253

test('DNS names: letters, digits, inner hyphens and underscores; one trailing dot; 63 per label, 253 in all', () => {
  for (const good of [
    'a.test',
    'example.org.',
    'xn--80ak6aa92e.com',
    '_dmarc.example.com',
    '_sip._tcp.example.com',
    'a_b.test',
    'localhost',
    'Example.ORG',
    `${LONGEST_LABEL}.test`,
    LONGEST_NAME,
    `${LONGEST_NAME}.`,
  ]) {
    assert.equal(dnsNameProblem(good), null, good);
  }
  assert.equal(LONGEST_NAME.length, 253);
});

test('a bad DNS name is named, with what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['', /^'' is not a DNS name: it is empty$/],
    ['.', /^'\.' is not a DNS name: it is empty$/],
    ['a..test', /^'a\.\.test' is not a DNS name: it has an empty label$/],
    ['a.test..', /empty label/],
    ['.a.test', /empty label/],
    [`${'x'.repeat(64)}.test`, /label 'x{64}' has 64 characters, at most 63/],
    [`${LONGEST_NAME}x`, /it has 254 characters, at most 253/],
    ['-a.test', /label '-a' may hold only/],
    ['a-.test', /label 'a-' may hold only/],
    ['a b.test', /label 'a b' may hold only/],
    ['https://a.test/', /^'https:\/\/a\.test\/' is not a DNS name: label 'https:\/\/a' may hold only/],
    ['münchen.de', /label 'münchen'/],
  ];
  for (const [name, message] of cases) assert.match(dnsNameProblem(name) ?? 'null', message, name);
});

test('checkHostname: the name without its trailing dot, or BW_ERR_INVALID_ARG naming the option', () => {
  assert.equal(checkHostname('hostname', '_dmarc.example.com.'), '_dmarc.example.com');
  assert.equal(checkHostname('hostname', 'a.test'), 'a.test');
  assert.throws(
    () => checkHostname('hostname', 'a..b'),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, 'BW_ERR_INVALID_ARG');
      assert.match(err.message, /^hostname: 'a\.\.b' is not a DNS name/);
      return true;
    },
  );
});

test("formatEndpoint: ip:port, IPv6 in brackets, as the verdict engine's endpointKey writes it", () => {
  const cases: [string, number, string][] = [
    ['1.2.3.4', 443, '1.2.3.4:443'],
    ['2001:db8::1', 80, '[2001:db8::1]:80'],
    ['::ffff:127.0.0.1', 53, '[::ffff:127.0.0.1]:53'],
    ['fe80::1%eth0', 8080, '[fe80::1%eth0]:8080'],
    ['', 443, ':443'],
  ];
  for (const [ip, port, text] of cases) {
    assert.equal(formatEndpoint(ip, port), text, ip);
    assert.equal(endpointKey(ip, port), text, `${ip} (endpointKey)`);
  }
});
