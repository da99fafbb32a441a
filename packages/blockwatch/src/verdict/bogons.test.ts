/**
 * The address classes the probe and the verdict share: v0.5's loopback (never dialled, a non-address included)
 * and the probe's own host (loopback plus the unspecified addresses). Every spelling of one address is one answer,
 * IPv4-mapped ones included, so a DNS answer of `::ffff:127.0.0.1` is judged as the 127.0.0.1 it dials.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopback, isSelfAddress } from './bogons.ts';

const LOOPBACK = [
  '127.0.0.1',
  '127.0.0.2',
  '127.255.255.254',
  '::1',
  '0:0:0:0:0:0:0:1',
  '[::1]',
  '::1%lo',
  '::ffff:127.0.0.1',
  '::ffff:7f00:1',
  '0:0:0:0:0:ffff:7f01:203',
];
const UNSPECIFIED = ['0.0.0.0', '::', '0:0:0:0:0:0:0:0', '::ffff:0.0.0.0', '::ffff:0:0'];
const ELSEWHERE = [
  '8.8.8.8',
  '128.0.0.1',
  '0.1.2.3',
  '10.0.0.1',
  '::2',
  '::ffff:10.0.0.1',
  '::127.0.0.1', // IPv4-compatible, not mapped: Go's IsLoopback says false too
  '64:ff9b::7f00:1',
  'fe80::1',
  '2606:4700::6810:84e5',
];
const NOT_ADDRESSES = ['', 'localhost', 'example.com', '127.0.0', '127.000.0.1', '::ffff:127.0.0.256'];

test('isLoopback: 127/8 and ::1 in any spelling, IPv4-mapped included; a non-address too (v0.5)', () => {
  for (const ip of LOOPBACK) assert.equal(isLoopback(ip), true, ip);
  for (const ip of NOT_ADDRESSES) assert.equal(isLoopback(ip), true, `${ip} (not an address)`);
  for (const ip of [...UNSPECIFIED, ...ELSEWHERE]) assert.equal(isLoopback(ip), false, ip);
});

test('isSelfAddress: loopback and the unspecified addresses in any spelling; a non-address is not one', () => {
  for (const ip of [...LOOPBACK, ...UNSPECIFIED]) assert.equal(isSelfAddress(ip), true, ip);
  for (const ip of [...ELSEWHERE, ...NOT_ADDRESSES]) assert.equal(isSelfAddress(ip), false, ip);
});

test('on addresses, isSelfAddress is isLoopback plus the unspecified ones', () => {
  for (const ip of [...LOOPBACK, ...UNSPECIFIED, ...ELSEWHERE]) {
    assert.equal(isSelfAddress(ip), isLoopback(ip) || UNSPECIFIED.includes(ip), ip);
  }
});
