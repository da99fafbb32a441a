/** Stable ids from content (no randomness, no node:crypto): a rebuild over the same measurements gives the same ids. */

/** 64-bit FNV-1a of a string's UTF-16 code units, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < text.length; i++) {
    lo ^= text.charCodeAt(i);
    // multiply (hi, lo) by the FNV prime 0x100000001b3 = 2^40 + 0x1b3, modulo 2^64
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    hi = newHi;
    lo = newLo;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Event id: country, URL and the first blocked measurement of its first network. */
export function eventIdOf(cc: string, input: string, firstBlockedId: string): string {
  return `ev_${fnv1a64(`${cc}\u0000${input}\u0000${firstBlockedId}`)}`;
}

export function seriesKeyOf(cc: string, asn: number, input: string): string {
  return `${cc}|${asn}|${input}`;
}

export function groupKeyOf(cc: string, input: string): string {
  return `${cc}|${input}`;
}
