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

const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/i;

/** A DNS name as it goes on the wire (ASCII; IDNs must already be punycode), optionally with a trailing dot. */
export function checkHostname(name: string, value: string): string {
  const host = value.endsWith('.') ? value.slice(0, -1) : value;
  if (host.length === 0 || host.length > 253 || !host.split('.').every((l) => LABEL.test(l))) {
    throw new InvalidArgumentError(
      `${name} must be a DNS name (ASCII letters, digits, '-', '_', dots; at most 253 characters), got ${JSON.stringify(value)}`,
    );
  }
  return host;
}

/** `ip:port` as OONI writes endpoints: IPv6 in brackets. */
export function formatEndpoint(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
