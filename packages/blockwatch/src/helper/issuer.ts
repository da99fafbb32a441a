/**
 * The issuer of an endpoint's leaf certificate, reported as `x_issuer` next to each TLS handshake so the verdict
 * engine can tell a probe-side interception CA from the site's real one. Parsed with the same library (and so the
 * same string form, RFC 4514) the verdict engine uses on the probe's certificates, so equal issuers compare equal.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import '@abraham/reflection';
import { X509Certificate } from '@peculiar/x509';
import type { MaybeBinary } from '../model/index.ts';

/** The leaf's issuer name, or null when there is no certificate or it does not parse. */
export function leafIssuer(peerCertificates: readonly MaybeBinary[] | null | undefined): string | null {
  const leaf = peerCertificates?.[0];
  if (leaf === undefined) return null;
  const base64 = typeof leaf === 'string' ? leaf : leaf.data;
  try {
    return new X509Certificate(Buffer.from(base64, 'base64')).issuer;
  } catch {
    return null; // a server may send garbage; the handshake record already says what failed
  }
}
