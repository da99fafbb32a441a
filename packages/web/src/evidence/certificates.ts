/**
 * Reads the TLS chain a probe recorded (DER, base64 in OONI's `peer_certificates`) into what a reader checks:
 * subject, issuer, validity, names, SHA-256. Loaded only on the measurement page (ASN.1 code is not small).
 * Certificate fields are attacker-controlled text: they are returned as plain strings and rendered as text.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, id_ce_subjectAltName, type Name, SubjectAlternativeName } from '@peculiar/asn1-x509';

export interface CertificateSummary {
  subject: string;
  issuer: string;
  notBefore: string | null;
  notAfter: string | null;
  dnsNames: string[];
  selfSigned: boolean;
  sha256: string | null;
  error?: string;
}

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'E',
};

/** RFC 4514 order (most specific first, as `CN=…, O=…, C=…`), the form the control helper reports. */
function nameText(name: Name): string {
  return [...name]
    .reverse()
    .flatMap((rdn) => rdn.map((attr) => `${SHORT_NAMES[attr.type] ?? attr.type}=${attr.value.toString()}`))
    .join(', ');
}

function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  // WebCrypto exists only in secure contexts (https, localhost); elsewhere the hash is simply not shown.
  if (!globalThis.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Two distinguished names are the same issuer when they have the same attributes, whatever their order. */
export function sameName(a: string, b: string): boolean {
  const parts = (s: string) =>
    s
      .split(/,\s*/)
      .map((p) => p.trim())
      .sort()
      .join(',');
  return parts(a) === parts(b);
}

export async function summarizeCertificate(base64: string): Promise<CertificateSummary> {
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = base64ToBytes(base64);
  } catch {
    return {
      subject: '',
      issuer: '',
      notBefore: null,
      notAfter: null,
      dnsNames: [],
      selfSigned: false,
      sha256: null,
      error: 'not base64',
    };
  }
  try {
    const cert = AsnConvert.parse(bytes, Certificate);
    const tbs = cert.tbsCertificate;
    const san = tbs.extensions?.find((e) => e.extnID === id_ce_subjectAltName);
    const dnsNames = san
      ? AsnConvert.parse(san.extnValue.buffer, SubjectAlternativeName)
          .map((g) => g.dNSName ?? g.iPAddress ?? null)
          .filter((n): n is string => typeof n === 'string')
      : [];
    const subject = nameText(tbs.subject);
    const issuer = nameText(tbs.issuer);
    return {
      subject,
      issuer,
      notBefore: tbs.validity.notBefore.getTime().toISOString(),
      notAfter: tbs.validity.notAfter.getTime().toISOString(),
      dnsNames: dnsNames.slice(0, 50),
      selfSigned: subject === issuer,
      sha256: await sha256(bytes),
    };
  } catch (err) {
    return {
      subject: '',
      issuer: '',
      notBefore: null,
      notAfter: null,
      dnsNames: [],
      selfSigned: false,
      sha256: await sha256(bytes).catch(() => null),
      error: `not a certificate: ${(err as Error).message}`,
    };
  }
}
