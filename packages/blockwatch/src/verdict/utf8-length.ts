/** UTF-8 byte lengths, shared by the measurement reader and the HTTP comparison (a leaf: imports nothing). */

const encoder = new TextEncoder();
const nodeByteLength = (globalThis as { Buffer?: { byteLength(s: string, enc: 'utf8'): number } }).Buffer?.byteLength;
let scratch = new Uint8Array(1 << 16);

/** UTF-8 byte length of a string: what Go's len() gives for the body the probe read. Native encoder for big ones. */
export function utf8Length(s: string): number {
  if (s.length > 256) {
    // Node's counter reads the string in place; the encoder (browsers) has to write every byte out.
    if (nodeByteLength) return nodeByteLength(s, 'utf8');
    if (scratch.length < s.length * 3) scratch = new Uint8Array(s.length * 3);
    return encoder.encodeInto(s, scratch).written;
  }
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      i++;
      n += 2;
    } else n += 2;
  }
  return n;
}
