/**
 * TLS interception: a chain that validated only thanks to an extra (e.g. national) root, a leaf issuer other than
 * the one the control sees, or a certificate error where the control's handshake to the same endpoint succeeded
 * (Kazakhstan's government root, web-connectivity research and OONI's 2024 KZ report).
 */
import '@abraham/reflection';
import { X509Certificate } from '@peculiar/x509';
import type { ControlView, TlsView } from './input.ts';
import { endpointKey, splitEndpoint } from './input.ts';

const issuerCache = new Map<string, string | null>();

/** The leaf certificate's issuer DN, or null when absent or unparsable. Cached: chains repeat across measurements. */
export function leafIssuer(handshake: TlsView): string | null {
  const leaf = handshake.certificates[0];
  if (!leaf) return null;
  let issuer = issuerCache.get(leaf);
  if (issuer === undefined) {
    try {
      issuer = new X509Certificate(leaf).issuer;
    } catch {
      issuer = null;
    }
    if (issuerCache.size > 1000) issuerCache.clear();
    issuerCache.set(leaf, issuer);
  }
  return issuer;
}

/** Compares DNs written in different styles ("CN=a, O=b" vs "O=b\nCN=a"): as sorted sets of attributes. */
export function sameDistinguishedName(a: string, b: string): boolean {
  const norm = (dn: string) =>
    dn
      .split(/\s*[,\n/]\s*(?=[A-Za-z.0-9]+=)/)
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean)
      .sort()
      .join(',');
  return norm(a) === norm(b);
}

const CERTIFICATE_FAILURES = new Set(['ssl_unknown_authority', 'ssl_invalid_certificate']);

export interface InterceptionFinding {
  address: string;
  probe_issuer: string | null;
  control_issuer: string | null;
  validated_by_extra_ca: boolean;
  evidence: string;
}

/** Looks for interception on depth-0 handshakes; deterministic (first finding by address). */
export function findInterception(
  handshakes: TlsView[],
  control: ControlView | null,
  controlFetchedHttps: boolean,
): InterceptionFinding | null {
  const sorted = [...handshakes].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  for (const h of sorted) {
    if (h.depth !== 0) continue;
    const { ip, port } = splitEndpoint(h.address);
    const c = control?.tls.get(endpointKey(ip, port));
    const controlIssuer = c?.issuer ?? null;
    const probeIssuer = h.failure === null ? leafIssuer(h) : null;
    const sameAsControl = !!(probeIssuer && controlIssuer && sameDistinguishedName(probeIssuer, controlIssuer));
    // A chain that validated only thanks to an extra root (`--ca`) counts as interception only when a control
    // answered and does not see the same issuer: the extra root may be the user's own test CA.
    if (h.failure === null && h.validatedByExtraCa && control && !sameAsControl) {
      return {
        address: h.address,
        probe_issuer: probeIssuer,
        control_issuer: controlIssuer,
        validated_by_extra_ca: true,
        evidence: `tls ${h.address}: the chain validated only with an extra root certificate${controlIssuer ? `; the control sees "${controlIssuer}"` : ''}`,
      };
    }
    if (probeIssuer && controlIssuer && !sameAsControl) {
      return {
        address: h.address,
        probe_issuer: probeIssuer,
        control_issuer: controlIssuer,
        validated_by_extra_ca: false,
        evidence: `tls ${h.address}: leaf issued by "${probeIssuer}", the control sees "${controlIssuer}"`,
      };
    }
    if (h.failure !== null && CERTIFICATE_FAILURES.has(h.failure) && (c ? c.status : controlFetchedHttps)) {
      return {
        address: h.address,
        probe_issuer: leafIssuer(h),
        control_issuer: controlIssuer,
        validated_by_extra_ca: false,
        evidence: `tls ${h.address}: ${h.failure} while the control's handshake succeeded`,
      };
    }
  }
  return null;
}
