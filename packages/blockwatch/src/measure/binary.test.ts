import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerValueToMaybeBinary, maybeBinaryText, toBase64Binary, toMaybeBinary } from './binary.ts';

test('UTF-8 stays a string, anything else becomes base64', () => {
  assert.equal(toMaybeBinary(Buffer.from('Привет')), 'Привет');
  const cp1251 = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]);
  assert.deepEqual(toMaybeBinary(cp1251), { format: 'base64', data: cp1251.toString('base64') });
  assert.deepEqual(toBase64Binary(new Uint8Array([1, 2, 3])), { format: 'base64', data: 'AQID' });
});

test('header values arrive as latin1 and are re-read as bytes', () => {
  assert.equal(headerValueToMaybeBinary('text/html'), 'text/html');
  assert.equal(headerValueToMaybeBinary(Buffer.from('café').toString('latin1')), 'café');
  assert.deepEqual(headerValueToMaybeBinary('\xff\xfe'), { format: 'base64', data: '//4=' });
});

test('maybeBinaryText reads both forms', () => {
  assert.equal(maybeBinaryText('abc'), 'abc');
  assert.equal(maybeBinaryText({ format: 'base64', data: 'YWJj' }), 'abc');
});
