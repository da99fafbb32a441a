/**
 * `--resolve HOST:PORT:ADDR[,ADDR…]` pins, like curl: connections to HOST on PORT use ADDR instead of DNS.
 * IPv6 addresses may be bracketed ("[::1]"). A pinned loopback address is dialled (the only way loopback is).
 */
import { isIP } from 'node:net';
import { UsageError } from '../errors.ts';

/** "host:port" (host lower-cased) → addresses */
export type ResolvePins = Map<string, string[]>;

export function pinKey(host: string, port: number | string): string {
  return `${host.toLowerCase().replace(/^\[|\]$/g, '')}:${port}`;
}

export function parseResolvePins(values: readonly string[] = []): ResolvePins {
  const pins: ResolvePins = new Map();
  for (const value of values) {
    const m = /^([^:\s]+):(\d{1,5}):(.+)$/.exec(value);
    const port = m ? Number(m[2]) : Number.NaN;
    if (!m || port < 1 || port > 65535) {
      throw new UsageError(`--resolve must be HOST:PORT:ADDR (e.g. example.org:443:127.0.0.1), got '${value}'`);
    }
    const addresses = m[3].split(',').map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'));
    for (const a of addresses) {
      if (!isIP(a)) throw new UsageError(`--resolve '${value}': '${a}' is not an IP address`);
    }
    const key = pinKey(m[1], port);
    pins.set(key, [...(pins.get(key) ?? []), ...addresses]);
  }
  return pins;
}

/** The URL's effective port (explicit, else 80/443). */
export function urlPort(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}
