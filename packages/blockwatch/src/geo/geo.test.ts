import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BlockwatchError } from '../errors.ts';
import { buildAsnTable, deserializeAsnTable, lookupAsn, openAsnTableFile, serializeAsnTable } from './asn-table.ts';
import {
  createAsnLookup,
  createCountryLookup,
  createGeoRegistry,
  loadGeoRegistry,
  locateProbe,
  parseAsnOption,
  parseCcOption,
  parseIp,
} from './index.ts';

const dir = mkdtempSync(join(tmpdir(), 'bw-geo-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('parseIp reads IPv4, IPv6 (compressed, embedded IPv4, zone) and unwraps IPv4-mapped addresses', () => {
  assert.deepEqual(parseIp('1.2.3.4'), { family: 4, value: 0x01020304 });
  assert.deepEqual(parseIp('::ffff:1.2.3.4'), { family: 4, value: 0x01020304 });
  assert.deepEqual(parseIp('2001:db8::1'), { family: 6, words: [0x20010db8, 0, 0, 1] });
  assert.deepEqual(parseIp('2001:db8:0:0:0:0:0:1'), parseIp('2001:db8::1'));
  assert.deepEqual(parseIp('fe80::1%eth0'), { family: 6, words: [0xfe800000, 0, 0, 1] });
  assert.equal(parseIp('example.org'), null);
});

test('the shipped table maps well-known addresses to their ASN and org, private ones to nothing', () => {
  const asnOf = createAsnLookup({ cacheDir: dir });
  assert.deepEqual(asnOf('1.1.1.1'), { asn: 13335, org: 'Cloudflare, Inc.' });
  assert.equal(asnOf('8.8.8.8')?.asn, 15169);
  assert.equal(asnOf('2001:4860:4860::8888')?.asn, 15169);
  assert.equal(asnOf('::ffff:8.8.8.8')?.asn, 15169);
  assert.equal(asnOf('10.1.2.3'), null);
  assert.equal(asnOf('192.168.1.1'), null);
  assert.equal(asnOf('not an ip'), null);
  assert.equal(asnOf.orgOf(13335), 'Cloudflare, Inc.');
  // the binary index was cached for the next run
  assert.equal(readdirSync(dir).filter((f) => f.endsWith('.bin')).length, 1);
});

test('the binary cache round-trips and a truncated cache is rejected', () => {
  const table = buildAsnTable(
    '16777216,16777471,13335,"Cloudflare, Inc."\n16778240,16779263,38803,"Quote ""Co"""\n',
    '42540488161975842760550356425300246528,42540488241204005274814694018844196863,6939,Hurricane Electric LLC\n',
    'test@1',
  );
  const file = serializeAsnTable(table);
  const back = deserializeAsnTable(file);
  assert.ok(back);
  assert.equal(back.source, 'test@1');
  assert.equal(lookupAsn(back, parseIp('1.0.0.1')!), 13335);
  assert.equal(lookupAsn(back, parseIp('1.0.1.1')!), null); // gap between ranges
  assert.equal(lookupAsn(back, parseIp('2001:0:1::5')!), 6939);
  assert.equal(back.orgs.get(38803), 'Quote "Co"');
  assert.equal(deserializeAsnTable(file.subarray(0, 20)), null);
  assert.equal(deserializeAsnTable(Buffer.from('garbage')), null);

  // the same file read part by part, as the probe reads its cache
  const path = join(dir, 'round-trip.table');
  writeFileSync(path, file);
  const opened = openAsnTableFile(path);
  assert.ok(opened);
  assert.equal(lookupAsn(opened, parseIp('1.0.0.1')!), 13335);
  assert.equal(lookupAsn(opened, parseIp('2001:0:1::5')!), 6939);
  assert.equal(opened.orgs.get(6939), 'Hurricane Electric LLC');
  writeFileSync(path, file.subarray(0, file.length - 3)); // the org text cut short
  assert.equal(openAsnTableFile(path), null);
  assert.equal(openAsnTableFile(join(dir, 'missing.table')), null);
});

test('a malformed CSV row is reported with file and line', () => {
  assert.throws(() => buildAsnTable('1,2,3,a\nbroken\n', '', 't'), /asn-ipv4-num\.csv:2: malformed/);
});

test('country lookups are offline and answer null for private space', () => {
  const countryOf = createCountryLookup();
  assert.equal(countryOf('8.8.8.8'), 'US');
  assert.equal(countryOf('10.0.0.1'), null);
  assert.equal(countryOf('nope'), null);
});

test('a registry overrides the tables, most specific prefix first', () => {
  const path = join(dir, 'registry.json');
  writeFileSync(
    path,
    JSON.stringify({
      '198.18.0.0/15': { asn: 64500, org: 'Lab Transit', cc: 'ZZ' },
      '198.18.1.0/24': { asn: 64501, org: 'Lab Telecom', cc: 'IR' },
      '198.18.1.7': 64502,
      '8.8.8.8': { asn: 64999, org: 'Overridden' },
    }),
  );
  const registry = loadGeoRegistry(path);
  const asnOf = createAsnLookup({ cacheDir: dir, registry });
  const countryOf = createCountryLookup({ registry });
  assert.deepEqual(asnOf('198.19.0.1'), { asn: 64500, org: 'Lab Transit' });
  assert.deepEqual(asnOf('198.18.1.9'), { asn: 64501, org: 'Lab Telecom' });
  assert.deepEqual(asnOf('198.18.1.7'), { asn: 64502, org: '' });
  assert.equal(asnOf('8.8.8.8')?.asn, 64999);
  assert.equal(asnOf('1.1.1.1')?.asn, 13335);
  assert.equal(countryOf('198.18.1.9'), 'IR');
  assert.equal(countryOf('8.8.8.8'), 'US'); // no cc in the override: the database answers
  assert.equal(asnOf.orgOf(64501), 'Lab Telecom');
});

test('the list form of the registry is accepted too', () => {
  const path = join(dir, 'list.json');
  writeFileSync(path, JSON.stringify([{ prefix: 'fd00::/8', asn: 64510, org: 'Lab v6' }]));
  assert.equal(createAsnLookup({ registry: loadGeoRegistry(path) })('fd12::1')?.asn, 64510);
});

test('bad registries are rejected with the file and the problem', () => {
  const bad = (content: string, pattern: RegExp, code = 'BW_ERR_INVALID_INPUT') => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, content);
    assert.throws(
      () => loadGeoRegistry(path),
      (err: unknown) => BlockwatchError.is(err) && err.code === code && pattern.test(err.message),
    );
  };
  bad('{', /bad\.json: not valid JSON/);
  bad('{"198.18.0.0/15": {"asn": -1}}', /bad\.json: at '198\.18\.0\.0\/15/);
  bad('{"198.18.0.0/15": {"asn": 1, "cc": "Iran"}}', /two-letter/);
  bad('{"not-an-ip/8": 5}', /'not-an-ip\/8' is not an address/);
  assert.throws(
    () => loadGeoRegistry(join(dir, 'missing.json')),
    (e: unknown) => BlockwatchError.is(e) && e.code === 'BW_ERR_NOT_FOUND',
  );
  assert.throws(() => createGeoRegistry([{ prefix: '1.2.3.4/40', asn: 1, org: '' }]), /not an address or CIDR/);
});

test('locateProbe uses the operator flags, else the first public interface address, else ZZ/AS0', () => {
  const asnOf = createAsnLookup({ cacheDir: dir });
  const countryOf = createCountryLookup();
  assert.deepEqual(locateProbe({ asnOf, countryOf, addresses: ['192.168.1.5', '8.8.8.8'] }), {
    probe_cc: 'US',
    probe_asn: 'AS15169',
    probe_network_name: 'Google LLC',
    address: '8.8.8.8',
  });
  assert.deepEqual(locateProbe({ asnOf, countryOf, addresses: ['192.168.1.5', 'fe80::1'] }), {
    probe_cc: 'ZZ',
    probe_asn: 'AS0',
    probe_network_name: '',
    address: null,
  });
  const flagged = locateProbe({ asnOf, countryOf, addresses: ['8.8.8.8'], cc: 'IT', asn: 3269 });
  assert.equal(flagged.probe_cc, 'IT');
  assert.equal(flagged.probe_asn, 'AS3269');
  assert.equal(flagged.probe_network_name, 'Telecom Italia S.p.A.');
});

test('--asn and --cc are parsed strictly', () => {
  assert.equal(parseAsnOption('AS3269'), 3269);
  assert.equal(parseAsnOption('3269'), 3269);
  assert.equal(parseCcOption('it'), 'IT');
  assert.throws(() => parseAsnOption('ASX'), /--asn/);
  assert.throws(() => parseCcOption('ITA'), /--cc/);
});

test('the cache file is what a second process would load', () => {
  const file = readdirSync(dir).find((f) => f.endsWith('.bin'));
  assert.ok(file);
  const table = deserializeAsnTable(readFileSync(join(dir, file)));
  assert.ok(table && table.v4Asn.length > 100_000 && table.v6Asn.length > 10_000);
});
