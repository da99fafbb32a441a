/**
 * A test PKI made in-process (ECDSA P-256, WebCrypto + @peculiar/x509), so TLS tests need no files on disk and
 * no network. One `TestPki` holds:
 *   ca               the "real" root that tests pass as extra trust (`ca: [pki.ca.certPem]`)
 *   interceptionCa   a second root, standing in for a national interception CA
 *   issue()          leaf certificates for DNS names and IP addresses, signed by either root, any validity window
 * plus ready-made leaves: `localhost` (see LOCAL_NAMES), `expired`, `wrongName`, `intercepted`.
 * Generation takes a few ms per certificate; `getTestPki()` builds one per process and reuses it.
 */
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata API loaded first.
import '@abraham/reflection';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

export interface TestCertificate {
  /** PEM of the certificate itself */
  certPem: string;
  /** PKCS#8 PEM private key */
  keyPem: string;
  /** leaf + issuer PEMs, what a server sends as `cert` */
  chainPem: string;
  /** DER of the certificate, base64 (what `peer_certificates` records) */
  derBase64: string;
}

export interface TestCa extends TestCertificate {
  name: string;
  keys: CryptoKeyPair;
  certificate: x509.X509Certificate;
}

export interface IssueOptions {
  /** DNS names and IP literals for the subjectAltName */
  names: string[];
  ca?: TestCa;
  notBefore?: Date;
  notAfter?: Date;
}

export interface TestPki {
  ca: TestCa;
  interceptionCa: TestCa;
  /** valid for localhost, 127.0.0.1, ::1, example.test, *.example.test, doh.test and blocked.test, signed by `ca` */
  localhost: TestCertificate;
  /** same names, expired yesterday */
  expired: TestCertificate;
  /** valid, signed by `ca`, but only for wrong-name.invalid */
  wrongName: TestCertificate;
  /** valid names, signed by the interception CA */
  intercepted: TestCertificate;
  issue(opts: IssueOptions): Promise<TestCertificate>;
}

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
}

function generateKeys(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function createCa(name: string): Promise<TestCa> {
  const keys = await generateKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 365 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certPem = certificate.toString('pem');
  return {
    name,
    keys,
    certificate,
    certPem,
    keyPem: await keyPem(keys.privateKey),
    chainPem: certPem,
    derBase64: Buffer.from(certificate.rawData).toString('base64'),
  };
}

async function issueCertificate(ca: TestCa, opts: IssueOptions): Promise<TestCertificate> {
  const keys = await generateKeys();
  const altNames = opts.names.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n }));
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${opts.names[0] ?? 'blockwatch test'}`,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING_ALGORITHM,
    notBefore: opts.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: opts.notAfter ?? new Date(Date.now() + 30 * DAY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(altNames),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  const certPem = certificate.toString('pem');
  return {
    certPem,
    keyPem: await keyPem(keys.privateKey),
    chainPem: `${certPem}\n${ca.certPem}`,
    derBase64: Buffer.from(certificate.rawData).toString('base64'),
  };
}

/** Names the ready-made leaves cover (OpenSSL will not match a wildcard directly under a one-label name like `*.test`). */
export const LOCAL_NAMES = [
  'localhost',
  '127.0.0.1',
  '::1',
  'example.test',
  '*.example.test',
  'doh.test',
  'blocked.test',
];

export async function createTestPki(): Promise<TestPki> {
  const ca = await createCa('blockwatch test root');
  const interceptionCa = await createCa('blockwatch test interception root');
  const issue = (opts: IssueOptions) => issueCertificate(opts.ca ?? ca, opts);
  const [localhost, expired, wrongName, intercepted] = await Promise.all([
    issue({ names: LOCAL_NAMES }),
    issue({
      names: LOCAL_NAMES,
      notBefore: new Date(Date.now() - 60 * DAY_MS),
      notAfter: new Date(Date.now() - DAY_MS),
    }),
    issue({ names: ['wrong-name.invalid'] }),
    issue({ names: LOCAL_NAMES, ca: interceptionCa }),
  ]);
  return { ca, interceptionCa, localhost, expired, wrongName, intercepted, issue };
}

let shared: Promise<TestPki> | undefined;
/** One PKI per test process (certificates are immutable, so sharing is safe). */
export function getTestPki(): Promise<TestPki> {
  shared ??= createTestPki();
  return shared;
}
