/**
 * IP addresses as numbers, for range tables: IPv4 as one uint32, IPv6 as four uint32 words (most significant
 * first). IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are looked up as the IPv4 address they carry.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type IpWords = { family: 4; value: number } | { family: 6; words: [number, number, number, number] };

export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  return ((+parts[0] << 24) | (+parts[1] << 16) | (+parts[2] << 8) | +parts[3]) >>> 0;
}

/** Expands an IPv6 address (with `::` and an optional dotted IPv4 tail) into eight 16-bit groups. */
function ipv6Groups(ip: string): number[] {
  let text = ip.split('%')[0];
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = ipv4ToNumber(text.slice(lastColon + 1));
    tail.push(v4 >>> 16, v4 & 0xffff);
    // keep a "::" that ends right before the IPv4 tail, drop a single separating ':'
    text = text.endsWith('::', lastColon + 1) ? text.slice(0, lastColon + 1) : text.slice(0, lastColon);
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s ? s.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = [...parse(rest ?? ''), ...tail];
  if (rest === undefined) return [...left, ...tail];
  return [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
}

/** Parses an address for range lookups; returns null when `ip` is not an IP address. */
export function parseIp(ip: string): IpWords | null {
  if (isIPv4(ip)) return { family: 4, value: ipv4ToNumber(ip) };
  if (!isIPv6(ip.split('%')[0])) return null;
  const g = ipv6Groups(ip);
  // ::ffff:a.b.c.d is an IPv4 address in disguise (dual-stack sockets report peers this way).
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return { family: 4, value: ((g[6] << 16) | g[7]) >>> 0 };
  }
  const w = (i: number) => ((g[i] << 16) | g[i + 1]) >>> 0;
  return { family: 6, words: [w(0), w(2), w(4), w(6)] };
}

/** Converts a decimal 128-bit integer (as in the *-num.csv tables) to four uint32 words. */
export function bigToWords(n: bigint): [number, number, number, number] {
  const m = 0xffffffffn;
  return [Number((n >> 96n) & m), Number((n >> 64n) & m), Number((n >> 32n) & m), Number(n & m)];
}

/** Whether `ip` lies in `cidr` ("198.18.0.0/15", "fd00::/8", or a bare address = one host). */
export function cidrContains(cidr: string, ip: IpWords): boolean | null {
  const [base, bitsText] = cidr.split('/');
  const net = parseIp(base);
  if (!net) return null;
  const maxBits = net.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? maxBits : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > maxBits) return null;
  if (net.family !== ip.family) return false;
  if (net.family === 4 && ip.family === 4) {
    if (bits === 0) return true;
    const mask = (0xffffffff << (32 - bits)) >>> 0;
    return (net.value & mask) >>> 0 === (ip.value & mask) >>> 0;
  }
  const a = (net as { words: number[] }).words;
  const b = (ip as { words: number[] }).words;
  for (let i = 0, left = bits; i < 4 && left > 0; i++, left -= 32) {
    const mask = left >= 32 ? 0xffffffff : (0xffffffff << (32 - left)) >>> 0;
    if ((a[i] & mask) >>> 0 !== (b[i] & mask) >>> 0) return false;
  }
  return true;
}
