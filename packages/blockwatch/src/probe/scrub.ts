/**
 * Privacy scrubbing: a measurement must not reveal who ran it. `probe_ip` is always "127.0.0.1", and every
 * occurrence of the probe's own addresses (the local addresses of its sockets and interfaces, and its public
 * address when the control helper reports it) is replaced with "[scrubbed]" everywhere: DNS answers, bodies
 * (also base64 ones), headers, failure strings. A certificate that contains one (DER cannot be edited without
 * breaking it) is replaced as a whole by the string "[scrubbed]".
 *
 * Addresses the measurement dialled as servers are public facts about the server, not about the probe, and are
 * never scrubbed (on loopback the probe and the server share 127.0.0.1).
 */
import { isIP } from 'node:net';
import { parseIp } from '../geo/ip.ts';
import type { Measurement } from '../model/index.ts';

export const SCRUBBED = '[scrubbed]';

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every spelling of an address worth matching: as given, and the IPv6 compressed/expanded forms. */
function spellings(address: string): string[] {
  const out = new Set([address.split('%')[0]]);
  const p = parseIp(address);
  if (p?.family === 6) {
    const groups = p.words.flatMap((w) => [(w >>> 16).toString(16), (w & 0xffff).toString(16)]);
    out.add(groups.join(':'));
    out.add(groups.map((g) => g.padStart(4, '0')).join(':'));
  }
  return [...out];
}

export interface Scrubber {
  /** Replaces the probe's addresses in a string. */
  text(s: string): string;
  /** Whether a string contains one of them. */
  has(s: string): boolean;
  /** Returns a scrubbed deep copy of a measurement, of any experiment (and sets probe_ip). */
  measurement<M extends Pick<Measurement<unknown>, 'probe_ip'>>(m: M): M;
}

/**
 * @param ownAddresses the probe's own addresses (socket local addresses, interface addresses, public address)
 * @param serverAddresses addresses dialled as servers in this measurement: never scrubbed
 */
export function createScrubber(ownAddresses: Iterable<string>, serverAddresses: Iterable<string> = []): Scrubber {
  const servers = new Set<string>();
  for (const a of serverAddresses) for (const s of spellings(a)) servers.add(s.toLowerCase());
  const patterns: string[] = [];
  const v4Needles: string[] = [];
  const v6Needles: string[] = [];
  for (const a of ownAddresses) {
    if (!isIP(a.split('%')[0])) continue;
    const forms = spellings(a);
    if (forms.some((f) => servers.has(f.toLowerCase()))) continue;
    for (const f of forms) {
      if (f.includes(':')) v6Needles.push(f.toLowerCase());
      else v4Needles.push(f);
      // Boundaries so 10.0.0.1 does not match inside 110.0.0.12 or 10.0.0.10.
      patterns.push(
        f.includes(':')
          ? `(?<![0-9a-f:])${escapeRegExp(f)}(?![0-9a-f:])`
          : `(?<![0-9]|[0-9]\\.)${escapeRegExp(f)}(?![0-9]|\\.[0-9])`,
      );
    }
  }
  const re = patterns.length ? new RegExp(patterns.join('|'), 'gi') : null;
  // Most strings hold none of the addresses: a substring test first spares them the regular expression.
  const mayHave = (s: string) =>
    v4Needles.some((n) => s.includes(n)) ||
    (v6Needles.length > 0 && s.includes(':') && v6Needles.some((n) => s.toLowerCase().includes(n)));
  const text = (s: string) => (re && mayHave(s) ? s.replace(re, SCRUBBED) : s);
  const has = (s: string) => {
    if (!re || !mayHave(s)) return false;
    re.lastIndex = 0;
    const hit = re.test(s);
    re.lastIndex = 0;
    return hit;
  };
  const walk = (value: unknown, inCertificates = false): unknown => {
    if (typeof value === 'string') return text(value);
    if (Array.isArray(value)) return value.map((v) => walk(v, inCertificates));
    if (value && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      if (o.format === 'base64' && typeof o.data === 'string') {
        const raw = Buffer.from(o.data, 'base64').toString('latin1');
        if (!has(raw)) return { ...o };
        return inCertificates
          ? SCRUBBED
          : { format: 'base64', data: Buffer.from(text(raw), 'latin1').toString('base64') };
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(o)) out[text(k)] = walk(v, k === 'peer_certificates');
      return out;
    }
    return value;
  };
  return {
    text,
    has,
    measurement(m) {
      const scrubbed = walk(m) as typeof m;
      scrubbed.probe_ip = '127.0.0.1';
      return scrubbed;
    },
  };
}
