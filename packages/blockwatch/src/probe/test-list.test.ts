import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { BlockwatchError } from '../errors.ts';
import { parseCsv } from '../verdict/csv.ts';
import { parseTestList, readTestList } from './test-list.ts';

const shared = new URL('../../../../../shared/data/test-lists/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'bw-list-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const HEADER = 'url,category_code,category_description,date_added,source,notes';

function rejects(text: string, pattern: RegExp) {
  assert.throws(
    () => parseTestList(text, 'list.csv'),
    (err: unknown) => BlockwatchError.is(err) && err.code === 'BW_ERR_INVALID_INPUT' && pattern.test(err.message),
  );
}

test('the real Citizen Lab lists parse completely', () => {
  const global = readTestList(join(shared, 'global.csv'));
  assert.ok(global.length > 1500);
  assert.ok(global.every((e) => /^https?:\/\//.test(e.url) && /^[A-Z]+$/.test(e.category_code)));
  assert.ok(readTestList(join(shared, 'ru.csv')).length > 1000); // no newline at the end of the file
});

test('quoted fields with commas, quotes and line breaks keep their row and line numbers', () => {
  const rows = parseCsv(`a,b\n"x,1","say ""hi""\nthere"\nlast,row\n`);
  assert.deepEqual(rows[1], { fields: ['x,1', 'say "hi"\nthere'], line: 2 });
  assert.deepEqual(rows[2], { fields: ['last', 'row'], line: 4 });
  const entries = parseTestList(
    `${HEADER}\r\nhttps://a.test/,NEWS,News,2020-01-01,x,"multi\nline"\r\nhttp://b.test/,HUMR,H,2020-01-01,,\r\n`,
    'list.csv',
  );
  assert.deepEqual(
    entries.map((e) => [e.url, e.category_code, e.line]),
    [
      ['https://a.test/', 'NEWS', 2],
      ['http://b.test/', 'HUMR', 4],
    ],
  );
});

test('errors name the file and the line', () => {
  rejects('', /list\.csv: the test list is empty/);
  rejects('address,category\nhttps://a.test/,NEWS\n', /list\.csv:1: expected a header with a 'url' column/);
  rejects(
    `${HEADER}\nhttps://a.test/,NEWS,N,2020,x,\nnot a url,NEWS,N,2020,x,\n`,
    /list\.csv:3: 'not a url' is not a valid URL/,
  );
  rejects(`${HEADER}\nftp://a.test/,NEWS,N,2020,x,\n`, /list\.csv:2: .* not an http/);
  rejects(`${HEADER}\nhttp://a..b.test/,NEWS,N,2020,x,\n`, /list\.csv:2: .* invalid host name 'a\.\.b\.test'/);
  rejects(`${HEADER}\nhttp://${'x'.repeat(64)}.test/,NEWS,N,2020,x,\n`, /invalid host name/);
  rejects(`${HEADER}\nhttps://a.test/,NEWS\n`, /list\.csv:2: expected 6 fields/);
  rejects(`${HEADER}\nhttps://a.test/,NEWS,N,2020,x,"open\n`, /list\.csv:2: unterminated quoted field/);
  rejects(`${HEADER}\n`, /has no URLs/);
});

test('an unreadable list is BW_ERR_NOT_FOUND naming the path', () => {
  assert.throws(
    () => readTestList(join(dir, 'missing.csv')),
    (err: unknown) => BlockwatchError.is(err) && err.code === 'BW_ERR_NOT_FOUND' && /missing\.csv/.test(err.message),
  );
  const path = join(dir, 'dup.csv');
  writeFileSync(path, `${HEADER}\nhttps://a.test/,NEWS,N,2020,x,\nhttps://a.test/,NEWS,N,2020,x,\n`);
  assert.equal(readTestList(path).length, 1);
});
