/**
 * Trust: the roots a TLS handshake verifies against. Always the system (Node's bundled Mozilla) roots, plus the
 * caller's extra roots (`--ca`, e.g. a national interception root that users were told to install), so a
 * measurement can say "valid, but only thanks to the extra root" (`x_validated_by_extra_ca`).
 *
 * Building a SecureContext parses ~140 root certificates (milliseconds of CPU), so contexts are cached per set of
 * extra roots. A context holds only public certificates: sharing it leaks nothing between measurements.
 */
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { InvalidArgumentError } from '../errors.ts';

export interface Trust {
  readonly secureContext: tls.SecureContext;
  /** the extra roots, parsed */
  readonly extra: readonly X509Certificate[];
}

const MAX_CACHED = 16;
const cache = new Map<string, Trust>();
let defaultTrust: Trust | undefined;
let systemFingerprints: Set<string> | undefined;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The trust for these extra roots (each entry may hold one or several PEM certificates). */
export function trustFor(ca: readonly string[] | undefined, optionName = 'ca'): Trust {
  if (!ca || ca.length === 0) {
    defaultTrust ??= { secureContext: tls.createSecureContext(), extra: [] };
    return defaultTrust;
  }
  const key = ca.join('\n');
  const cached = cache.get(key);
  if (cached) return cached;
  const pems: string[] = [];
  const extra: X509Certificate[] = [];
  ca.forEach((entry, i) => {
    const blocks = typeof entry === 'string' ? entry.match(PEM_BLOCK) : null;
    if (!blocks)
      throw new InvalidArgumentError(`${optionName}[${i}] must be a PEM certificate (-----BEGIN CERTIFICATE-----)`);
    for (const pem of blocks) {
      try {
        extra.push(new X509Certificate(pem));
      } catch {
        throw new InvalidArgumentError(`${optionName}[${i}] holds a PEM block that is not a valid X.509 certificate`);
      }
      pems.push(pem);
    }
  });
  const trust: Trust = { secureContext: tls.createSecureContext({ ca: [...tls.rootCertificates, ...pems] }), extra };
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
  cache.set(key, trust);
  return trust;
}

/** Whether a certificate (by SHA-256 fingerprint) is one of the system roots. */
export function isSystemRoot(fingerprint256: string): boolean {
  systemFingerprints ??= new Set(tls.rootCertificates.map((pem) => new X509Certificate(pem).fingerprint256));
  return systemFingerprints.has(fingerprint256);
}
