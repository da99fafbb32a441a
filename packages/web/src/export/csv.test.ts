import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csvCell, recordsToCsv, toCsv } from './csv.ts';

test('CSV quotes separators, quotes and newlines (RFC 4180, CRLF)', () => {
  assert.equal(
    toCsv(
      ['a', 'b'],
      [
        ['x,y', 'say "hi"'],
        ['line\nbreak', 3],
      ],
    ),
    'a,b\r\n"x,y","say ""hi"""\r\n"line\nbreak",3\r\n',
  );
});

test('cells that a spreadsheet would run as formulas are neutralised; numbers stay numbers', () => {
  assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
  assert.equal(csvCell('+1'), `"'+1"`);
  assert.equal(csvCell('@SUM(A1)'), `"'@SUM(A1)"`);
  assert.equal(csvCell(-3), '-3');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(Number.NaN), '');
});

test('records become columns in first-seen order', () => {
  assert.equal(recordsToCsv([{ a: 1 }, { b: 2, a: 3 }]), 'a,b\r\n1,\r\n3,2\r\n');
});
