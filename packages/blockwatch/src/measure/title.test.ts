import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractTitle } from './title.ts';

test('extractTitle follows OONI: first <title>, case-insensitive, 1..512 chars without "<"', () => {
  assert.equal(extractTitle('<html><head><title>Blocked</title></head>'), 'Blocked');
  assert.equal(extractTitle('<TITLE>Upper</TiTlE><title>second</title>'), 'Upper');
  assert.equal(extractTitle('<title></title>'), '');
  assert.equal(extractTitle('<title>a <b>bold</b> title</title>'), '');
  assert.equal(extractTitle(`<title>${'x'.repeat(512)}</title>`), 'x'.repeat(512));
  assert.equal(extractTitle(`<title>${'x'.repeat(513)}</title>`), '');
  assert.equal(extractTitle('<title lang="en">attrs are not matched</title>'), '');
  assert.equal(extractTitle('no title here'), '');
  assert.equal(extractTitle('<title>Línea\nnueva</title>'), 'Línea\nnueva');
});
