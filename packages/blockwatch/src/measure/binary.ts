/**
 * OONI's MaybeBinaryData: bytes that are valid UTF-8 are written as a string, anything else as
 * `{ format: 'base64', data }`, so a record never carries mangled text (block pages are often Windows-1251 or GBK).
 */
import { isUtf8 } from 'node:buffer';
import type { MaybeBinary } from '../model/index.ts';

export function toMaybeBinary(bytes: Uint8Array): MaybeBinary {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(buf) ? buf.toString('utf8') : { format: 'base64', data: buf.toString('base64') };
}

/** Always base64 (certificates, raw DNS messages). */
export function toBase64Binary(bytes: Uint8Array): MaybeBinary {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { format: 'base64', data: buf.toString('base64') };
}

/** A header value as undici hands it over (each byte one latin1 char) turned into MaybeBinary. */
export function headerValueToMaybeBinary(latin1: string): MaybeBinary {
  // fast path: pure ASCII needs no re-encoding
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 0x7f) return toMaybeBinary(Buffer.from(latin1, 'latin1'));
  }
  return latin1;
}

/** The text of a MaybeBinary, for analysis (base64 payloads decode as UTF-8 with replacement characters). */
export function maybeBinaryText(value: MaybeBinary): string {
  return typeof value === 'string' ? value : Buffer.from(value.data, 'base64').toString('utf8');
}
