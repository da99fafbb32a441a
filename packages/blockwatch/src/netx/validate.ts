/**
 * Option checks shared by the primitives: run once, at the call, before any I/O, throwing
 * `InvalidArgumentError` (BW_ERR_INVALID_ARG) that names the option and the rule.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors.ts';

export function checkTimeoutMs(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(`${name} must be a positive number of milliseconds, got ${value}`);
  return value;
}

export function checkNonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0)
    throw new InvalidArgumentError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}

export function checkIp(name: string, value: string): string {
  if (isIP(value) === 0)
    throw new InvalidArgumentError(`${name} must be an IPv4 or IPv6 literal, got ${JSON.stringify(value)}`);
  return value;
}

export function checkPort(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new InvalidArgumentError(`${name} must be an integer from 1 to 65535, got ${value}`);
  return value;
}

const DNS_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/**
 * Why `name` is not a DNS name as it goes on the wire, or null: ASCII (IDNs must already be punycode), labels of
 * letters, digits, '_' and inner '-' of at most 63 characters, 253 in all, optionally with one trailing dot.
 * Underscores are allowed because names that are only looked up carry them (`_dmarc.example.com`, SRV names),
 * and a resolver may be asked for any of them. Shared by the DNS primitives, dnscheck and the probe's inputs.
 */
export function dnsNameProblem(name: string): string | null {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  const bad = `'${name}' is not a DNS name`;
  if (bare.length === 0) return `${bad}: it is empty`;
  if (bare.length > 253) return `${bad}: it has ${bare.length} characters, at most 253 are allowed`;
  for (const label of bare.split('.')) {
    if (label.length === 0) return `${bad}: it has an empty label`;
    if (label.length > 63) return `${bad}: label '${label}' has ${label.length} characters, at most 63 are allowed`;
    if (!DNS_LABEL.test(label)) {
      return `${bad}: label '${label}' may hold only ASCII letters, digits, '_' and '-' (not first or last)`;
    }
  }
  return null;
}

/** A DNS name (see `dnsNameProblem`), returned without its trailing dot. */
export function checkHostname(name: string, value: string): string {
  const problem = dnsNameProblem(value);
  if (problem) throw new InvalidArgumentError(`${name}: ${problem}`);
  return value.endsWith('.') ? value.slice(0, -1) : value;
}

/**
 * `ip:port` as OONI writes endpoints: IPv6 in brackets. The one formatter of the probe side (primitives, control
 * request, helper); the verdict engine's `endpointKey` is its twin by the same rule, since the engine imports no
 * netx code (it runs in the browser).
 */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
