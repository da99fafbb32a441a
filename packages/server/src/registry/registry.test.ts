import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BlockwatchError } from 'blockwatch/errors.ts';
import type { BlockingEvent } from '../events/types.ts';
import { compareRegistry } from './compare.ts';
import { decodeRegistryBytes, parseCsvRecords, parseRegistry, parseRegistryCsv, parseRuDump } from './parse.ts';

/** windows-1251 bytes of a string (Cyrillic and ASCII only): the registry's historical encoding. */
function cp1251(text: string): Uint8Array {
  return Uint8Array.from(
    [...text].map((c) => {
      const code = c.codePointAt(0)!;
      if (code < 0x80) return code;
      if (code >= 0x410 && code <= 0x44f) return code - 0x410 + 0xc0;
      if (code === 0x401) return 0xa8;
      if (code === 0x451) return 0xb8;
      throw new Error(`not in the test encoder: ${c}`);
    }),
  );
}

const DUMP = [
  'Updated: 2026-11-20 10:00:00 +0000',
  '1.2.3.4 | 5.6.7.8;blocked.example.ru;http://blocked.example.ru/a | https://blocked.example.ru/b;Генпрокуратура;27-31-2020/Ид2145-20;2020-12-31',
  ';*.casino.example;;ФНС;2-6-27/2021-01-01;2021-01-01',
  '9.9.9.0/24;;;Роскомнадзор;ПП-1;2022-03-04',
  ';;http://odd.example.ru/x;y=1?a=b;c;;;',
].join('\r\n');

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(BlockwatchError.is(err));
    assert.equal(err.code, 'BW_ERR_INVALID_INPUT');
    assert.match(err.message, pattern);
    return true;
  });
}

describe('registry parsing', () => {
  test('the documented CSV: quoting, kinds, dates', () => {
    const entries = parseRegistryCsv(
      [
        'target,date,authority,legal_basis',
        'https://Example.org/page?x=1,2024-03-01,"Ministry of Information, KZ","Art. ""41-1"""',
        'Example.NET,2024-03-02,Prosecutor General,',
        '203.0.113.7,,Court,"multi',
        'line"',
      ].join('\n'),
    );
    assert.deepEqual(
      entries.map((e) => [e.kind, e.target, e.domain, e.date, e.authority, e.legal_basis]),
      [
        [
          'url',
          'https://Example.org/page?x=1',
          'example.org',
          '2024-03-01',
          'Ministry of Information, KZ',
          'Art. "41-1"',
        ],
        ['domain', 'example.net', 'example.net', '2024-03-02', 'Prosecutor General', ''],
        ['ip', '203.0.113.7', '', '', 'Court', 'multi\nline'],
      ],
    );
    assert.deepEqual(parseCsvRecords('a,b\r\n\r\n"c\r\nd",e'), [
      [1, ['a', 'b']],
      [3, ['c\r\nd', 'e']],
    ]);
  });

  test('bad CSV files name the line and the problem', () => {
    expectInvalid(() => parseRegistryCsv(''), /registry.csv:1: the file is empty/);
    expectInvalid(
      () => parseRegistryCsv('target,date,authority,legal_basis\nexample.org,2024-01-01,"Court,x\n'),
      /registry.csv:2: unterminated quoted field/,
    );
    expectInvalid(
      () => parseRegistryCsv('url,when\nx,y'),
      /:1: the header must be 'target,date,authority,legal_basis'/,
    );
    expectInvalid(
      () => parseRegistryCsv('target,date,authority,legal_basis\nexample.org,2024-02-30,a,b'),
      /:2: date '2024-02-30'/,
    );
    expectInvalid(
      () => parseRegistryCsv('target,date,authority,legal_basis\nexample.org,2024-02-03,a', 'list.csv'),
      /^list.csv:2: expected 4 fields, got 3/,
    );
    expectInvalid(
      () => parseRegistryCsv('target,date,authority,legal_basis\n<script>,,a,b'),
      /:2: target '<script>' is not a URL/,
    );
  });

  test("Russia's dump, in windows-1251 and in UTF-8, gives the same entries", () => {
    const fromCp1251 = parseRegistry(cp1251(DUMP), 'ru-dump');
    const fromUtf8 = parseRegistry(new TextEncoder().encode(DUMP), 'ru-dump');
    assert.deepEqual(fromCp1251, fromUtf8);
    assert.deepEqual(
      fromUtf8.map((e) => [e.kind, e.target]),
      [
        ['url', 'http://blocked.example.ru/a'],
        ['url', 'https://blocked.example.ru/b'],
        ['domain', 'blocked.example.ru'],
        ['ip', '1.2.3.4'],
        ['ip', '5.6.7.8'],
        ['domain', '*.casino.example'],
        ['ip', '9.9.9.0/24'],
        ['url', 'http://odd.example.ru/x;y=1?a=b;c'],
      ],
    );
    const first = fromUtf8[0];
    assert.equal(first.authority, 'Генпрокуратура');
    assert.equal(first.decision, '27-31-2020/Ид2145-20');
    assert.equal(first.date, '2020-12-31');
    assert.equal(decodeRegistryBytes(cp1251('Роскомнадзор')), 'Роскомнадзор');
  });

  test('bad dumps name the line', () => {
    expectInvalid(
      () => parseRuDump('1.2.3.4;a.ru;;x;y;2020-01-01'),
      /dump.csv:1: the first line must be the 'Updated: <timestamp>' header/,
    );
    expectInvalid(() => parseRuDump('Updated: now\n1.2.3.4;a.ru;x'), /dump.csv:2: expected 6 ';'-separated fields/);
    expectInvalid(
      () => parseRuDump('Updated: now\n\n999.1;a.ru;;x;y;2020-01-01'),
      /dump.csv:3: '999.1' is not a valid ip/,
    );
  });
});

describe('registry comparison', () => {
  const open = (input: string, domain: string, asns: number[]): BlockingEvent =>
    ({
      id: `ev_${input.length.toString(16).padStart(16, '0')}`,
      cc: 'RU',
      input,
      domain,
      status: 'open',
      methods: ['dns'],
      onset: { before: null, after: { id: 'm1', timeMs: 0 } },
      end: null,
      networks: asns.map((asn) => ({ asn, status: 'open' })),
      networksMeasured: asns,
      confidence: 1,
      detectedAtMs: 0,
      updatedAtMs: 0,
      evidenceCount: 1,
    }) as unknown as BlockingEvent;

  test('listed and blocked, listed but reachable, blocked but not listed, per-network compliance', () => {
    const entries = parseRuDump(DUMP);
    const observed = [
      { input: 'http://blocked.example.ru/a', domain: 'blocked.example.ru', asn: 1, accessible: 0, blocked: 5 },
      { input: 'http://blocked.example.ru/a', domain: 'blocked.example.ru', asn: 2, accessible: 5, blocked: 0 },
      { input: 'https://www.casino.example/', domain: 'www.casino.example', asn: 1, accessible: 0, blocked: 4 },
      { input: 'https://free.example.org/', domain: 'free.example.org', asn: 1, accessible: 0, blocked: 6 },
    ];
    const events = [
      open('http://blocked.example.ru/a', 'blocked.example.ru', [1]),
      open('https://www.casino.example/', 'www.casino.example', [1]),
      open('https://free.example.org/', 'free.example.org', [1]),
    ];
    const r = compareRegistry('RU', entries, observed, events);
    assert.deepEqual(r.listed, { total: 8, url: 3, domain: 2, ip: 3 });
    assert.equal(r.measured, 3, 'URL /a, the blocked.example.ru domain, the *.casino.example wildcard');
    assert.deepEqual(
      r.listedBlocked.map((f) => f.target),
      ['*.casino.example'],
    );
    assert.deepEqual(
      r.listedReachable.map((f) => [f.target, f.networksBlocked, f.networksReachable]),
      [
        ['http://blocked.example.ru/a', [1], [2]],
        ['blocked.example.ru', [1], [2]],
      ],
    );
    assert.deepEqual(
      r.blockedNotListed.map((b) => b.input),
      ['https://free.example.org/'],
    );
    assert.deepEqual(
      r.networks.map((n) => [n.asn, n.listedMeasured, n.blocked, n.reachable, n.compliance]),
      [
        [1, 3, 3, 0, 1],
        [2, 2, 0, 2, 0],
      ],
    );
  });
});
