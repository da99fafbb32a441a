/**
 * Bogon addresses: OONI's list (probe-cli netxlite/bogon.go, research web-connectivity.md §6.1), so a private,
 * reserved or otherwise unroutable DNS answer is recognised exactly as OONI recognises it. Pure, no `node:net`:
 * the engine also runs in the browser.
 */

/** A parsed address: 4 bytes (IPv4) or 16 bytes (IPv6). */
type AddressBytes = Uint8Array;

const IPV4_BOGONS = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '127.0.53.53/32',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4',
  '240.0.0.0/4',
  '255.255.255.255/32',
];

// biome-ignore format: one network per line would be 50 lines of noise
const IPV6_BOGONS = [
  '::/128', '::1/128', '::ffff:0:0/96', '::/96', '100::/64', '2001:10::/28', '2001:db8::/32', 'fc00::/7', 'fe80::/10',
  'fec0::/10', 'ff00::/8',
  // 6to4 images of the IPv4 bogons
  '2002::/24', '2002:a00::/24', '2002:7f00::/24', '2002:a9fe::/32', '2002:ac10::/28', '2002:c000::/40',
  '2002:c000:200::/40', '2002:c0a8::/32', '2002:c612::/31', '2002:c633:6400::/40', '2002:cb00:7100::/40',
  '2002:e000::/20', '2002:f000::/20', '2002:ffff:ffff::/48',
  // Teredo images of the IPv4 bogons
  '2001::/40', '2001:0:a00::/40', '2001:0:7f00::/40', '2001:0:a9fe::/48', '2001:0:ac10::/44', '2001:0:c000::/56',
  '2001:0:c000:200::/56', '2001:0:c0a8::/48', '2001:0:c612::/47', '2001:0:c633:6400::/56', '2001:0:cb00:7100::/56',
  '2001:0:e000::/36', '2001:0:f000::/36', '2001:0:ffff:ffff::/64',
];

interface Network {
  bytes: AddressBytes;
  prefix: number;
}

export function parseIPv4(text: string): AddressBytes | null {
  // Hand-rolled: this runs on every DNS answer, and a regexp per octet costs more than the rest of the check.
  const out = new Uint8Array(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46; /* '.' ends the last octet */
    if (c === 46) {
      if (digits === 0 || part > 3) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && value === 0) return null; // no leading zeros, as Go's parser
      value = value * 10 + (c - 48);
      if (++digits > 3 || value > 255) return null;
    } else return null;
  }
  return part === 4 ? out : null;
}

export function parseIPv6(text: string): AddressBytes | null {
  let s = text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] as string;
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (!v4) return null;
        out.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
        out.push(Number.parseInt(item, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0] as string);
  const tail = halves.length === 2 ? groups(halves[1] as string) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Parses an IPv4 or IPv6 address (IPv6 possibly in brackets); null if it is not an address. */
export function parseIp(text: string): AddressBytes | null {
  return text.includes(':') ? parseIPv6(text) : parseIPv4(text);
}

function parseNetwork(cidr: string): Network {
  const [addr, bits] = cidr.split('/') as [string, string];
  const bytes = parseIp(addr);
  if (!bytes) throw new Error(`bad network ${cidr}`);
  return { bytes, prefix: Number(bits) };
}

function inNetwork(ip: AddressBytes, net: Network): boolean {
  if (ip.length !== net.bytes.length) return false;
  let bits = net.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((ip[i] as number) & mask) !== ((net.bytes[i] as number) & mask)) return false;
  }
  return true;
}

const V4 = IPV4_BOGONS.map(parseNetwork);
const V6 = IPV6_BOGONS.map(parseNetwork);

/**
 * OONI's IsBogon: true for anything that is not an IP address, and for addresses in the reserved lists.
 * As in OONI, the table is chosen by whether the text contains ':' (so `::ffff:10.0.0.1` uses the IPv6 list).
 */
export function isBogon(ip: string): boolean {
  const bytes = parseIp(ip);
  if (!bytes) return true;
  return (bytes.length === 4 ? V4 : V6).some((net) => inNetwork(bytes, net));
}

/** The IPv4 address an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) carries; any other address as it is. */
function unmapped(bytes: AddressBytes): AddressBytes {
  if (bytes.length !== 16 || bytes[10] !== 0xff || bytes[11] !== 0xff) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return bytes;
  return bytes.subarray(12);
}

function isLoopbackBytes(bytes: AddressBytes): boolean {
  if (bytes.length === 4) return bytes[0] === 127;
  return bytes.every((b, i) => (i === 15 ? b === 1 : b === 0));
}

/**
 * Loopback as v0.5 defines it (never dialled): not an address, 127.0.0.0/8 or ::1. IPv4-mapped spellings
 * (`::ffff:127.0.0.1`) count too, as in Go's `IP.IsLoopback`, which reads them as the IPv4 address they carry.
 */
export function isLoopback(ip: string): boolean {
  const bytes = parseIp(ip);
  if (!bytes) return true;
  return isLoopbackBytes(unmapped(bytes));
}

/**
 * An address the kernel dials as this host: loopback, or the unspecified 0.0.0.0 / `::`, in any spelling
 * (IPv4-mapped included). Probes that must never reach their own host (urlgetter) refuse these; a text that is
 * not an address is not one (false), unlike `isLoopback`.
 */
export function isSelfAddress(ip: string): boolean {
  const bytes = parseIp(ip);
  if (!bytes) return false;
  const plain = unmapped(bytes);
  return isLoopbackBytes(plain) || plain.every((b) => b === 0);
}

/** True when the text is an IP address literal (a URL host like `8.8.4.4` or `[::1]`). */
export function isIpLiteral(host: string): boolean {
  return parseIp(host) !== null;
}
