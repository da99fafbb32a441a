/**
 * The lab's runtime PKI (@peculiar/x509 over WebCrypto): a lab root that plays the public Web PKI, per-site leaf
 * certificates (valid, expired, wrong-name, self-signed), and a "national root" with an intermediate that the
 * ISP interception proxies use to forge certificates (Kazakhstan 2019: "Qaznet Trust Network" / "Security
 * Certificate"). ECDSA P-256 keys: generating them takes a millisecond, so forged certificates can be made on demand.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import '@abraham/reflection';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

/** A certificate with its private key, both PEM. `chain` is the issuer chain to send after the leaf (PEM). */
export interface CertifiedKey {
  cert: string;
  key: string;
  chain: string[];
  subject: string;
}

/** An authority that can issue certificates. */
export interface Authority extends CertifiedKey {
  signingKey: CryptoKey;
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await crypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

export interface AuthorityOptions {
  /** X.500 name, e.g. "C=KZ, CN=Qaznet Trust Network" */
  subject: string;
  /** issue under this authority (an intermediate); self-signed root when absent */
  issuer?: Authority;
  validDays?: number;
}

export async function createAuthority(opts: AuthorityOptions): Promise<Authority> {
  const keys = await generateKeys();
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + (opts.validDays ?? 3650) * DAY_MS);
  const extensions = [
    new x509.BasicConstraintsExtension(true, opts.issuer ? 0 : undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  const cert = opts.issuer
    ? await x509.X509CertificateGenerator.create({
        subject: opts.subject,
        issuer: opts.issuer.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: opts.issuer.signingKey,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        name: opts.subject,
        notBefore,
        notAfter,
        keys,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions,
      });
  const pem = pemOf(cert);
  return {
    cert: pem,
    key: await privateKeyPem(keys.privateKey),
    chain: opts.issuer ? [opts.issuer.cert, ...opts.issuer.chain].filter((c) => !isSelfSigned(c)) : [],
    subject: opts.subject,
    signingKey: keys.privateKey,
  };
}

/** PEM with a final newline, so certificates can be concatenated into a chain. */
function pemOf(cert: x509.X509Certificate): string {
  return `${cert.toString('pem').trimEnd()}\n`;
}

function isSelfSigned(pem: string): boolean {
  const c = new x509.X509Certificate(pem);
  return c.subject === c.issuer;
}

export interface LeafOptions {
  /** DNS names (ASCII) and/or IP addresses for the SAN; the first is the CN */
  names: string[];
  /** the issuer; a self-signed leaf when absent */
  issuer?: Authority;
  /** validity relative to now, in days (negative = in the past) */
  notBeforeDays?: number;
  notAfterDays?: number;
}

export async function issueLeaf(opts: LeafOptions): Promise<CertifiedKey> {
  if (opts.names.length === 0) throw new Error('issueLeaf: at least one name is needed');
  const keys = await generateKeys();
  const subject = `CN=${opts.names[0]}`;
  const notBefore = new Date(Date.now() + (opts.notBeforeDays ?? -1) * DAY_MS);
  const notAfter = new Date(Date.now() + (opts.notAfterDays ?? 365) * DAY_MS);
  const san = new x509.SubjectAlternativeNameExtension(
    opts.names.map((n) => (isIP(n) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })),
  );
  const extensions = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    san,
  ];
  const cert = opts.issuer
    ? await x509.X509CertificateGenerator.create({
        subject,
        issuer: opts.issuer.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: opts.issuer.signingKey,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        name: subject,
        notBefore,
        notAfter,
        keys,
        signingAlgorithm: SIGNING_ALGORITHM,
        extensions,
      });
  const chain = opts.issuer ? [opts.issuer.cert, ...opts.issuer.chain].filter((c) => !isSelfSigned(c)) : [];
  return { cert: pemOf(cert), key: await privateKeyPem(keys.privateKey), chain, subject };
}

/** Re-imports an authority saved as PEM (cert + PKCS#8 key), so daemons can issue with it. */
export async function loadAuthority(saved: CertifiedKey): Promise<Authority> {
  const der = Buffer.from(saved.key.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
  const signingKey = await crypto.subtle.importKey('pkcs8', der, KEY_ALGORITHM, false, ['sign']);
  return { ...saved, signingKey };
}

/** The lab's authorities, created once per `lab up`. */
export interface LabAuthorities {
  /** plays the public Web PKI: probes and the helper trust it (NODE_EXTRA_CA_CERTS) */
  labRoot: Authority;
  /** the government-mandated root (Qaznet-like): trusted only when a probe is given it with --ca */
  nationalRoot: Authority;
  /** issues the forged certificates */
  nationalIntermediate: Authority;
  /** unrelated CA for the ISPs' own HTTPS block pages: nobody trusts it */
  ispRoot: Authority;
}

export async function createLabAuthorities(): Promise<LabAuthorities> {
  const labRoot = await createAuthority({ subject: 'C=NL, O=blockwatch lab, CN=Lab Public Root CA' });
  const nationalRoot = await createAuthority({
    subject: 'C=KZ, O=Lab Qaznet, CN=Qaznet Trust Network (lab)',
    validDays: 30 * 365,
  });
  const nationalIntermediate = await createAuthority({
    subject: 'C=KZ, CN=Security Certificate (lab)',
    issuer: nationalRoot,
    validDays: 75,
  });
  const ispRoot = await createAuthority({ subject: 'C=KZ, O=Lab ISP Filtering, CN=Filter Appliance CA' });
  return { labRoot, nationalRoot, nationalIntermediate, ispRoot };
}

/** A site certificate with the requested fault. */
export async function issueSiteCert(
  authorities: Pick<LabAuthorities, 'labRoot'>,
  names: string[],
  fault: 'valid' | 'expired' | 'wrong-name' | 'self-signed',
): Promise<CertifiedKey> {
  switch (fault) {
    case 'valid':
      return issueLeaf({ names, issuer: authorities.labRoot });
    case 'expired':
      return issueLeaf({ names, issuer: authorities.labRoot, notBeforeDays: -400, notAfterDays: -30 });
    case 'wrong-name':
      return issueLeaf({ names: [`unrelated-${names[0]}`], issuer: authorities.labRoot });
    case 'self-signed':
      return issueLeaf({ names });
  }
}

export function toCertifiedKey(a: Authority): CertifiedKey {
  return { cert: a.cert, key: a.key, chain: a.chain, subject: a.subject };
}
