/**
 * Remote DNS analysis (Satellite-style): one domain asked of one resolver inside the target network, judged against
 * trusted control resolvers and against what the answered addresses serve. Pure: no `node:*` imports, no I/O.
 *
 * Design (Censored Planet Satellite, docs/remote.md)
 * - The resolver must answer a control domain correctly before (and, when the test failed, after) the test query:
 *   the "sandwich". Without that, a timeout or SERVFAIL says nothing about censorship: the verdict is `unknown`.
 * - An answer differing from the control resolvers' is not yet tampering: CDNs and geo-DNS answer by location.
 *   An answer is verified when it is a control address, shares a control answer's ASN, or serves the domain: a
 *   TLS certificate for the name that a trusted root signs, or the same page as a control address. Only answers
 *   that nothing verifies are tampering.
 * - Outcomes and methods are the shared vocabulary (model/verdict.ts), so remote and in-network evidence read alike.
 */
import type { BlockingMethod, LayerResult, Outcome, Verdict } from '../model/verdict.ts';
import { isBogon } from '../verdict/bogons.ts';
import type { FingerprintSet } from '../verdict/fingerprints.ts';

/** One DNS exchange as recorded: null failure = an answer (possibly with no address). */
export interface DnsAnswerView {
  failure: string | null;
  addrs: string[];
}

/** What the verification step saw at one answered address (Satellite's fetch). */
export interface AddressCheck {
  address: string;
  /** TLS with SNI = the domain: null = a certificate for the name from a trusted root; else the failure string */
  tlsFailure: string | null;
  /** the certificate's issuer, for the explanation */
  tlsIssuer?: string | null;
  /** HTTP GET with Host = the domain: sha256 and title of the body, when a response came */
  httpBodySha256?: string | null;
  httpTitle?: string | null;
  httpBody?: string | null;
}

export interface RemoteDnsInput {
  domain: string;
  /** the resolver under test */
  resolver: { address: string; asn: number; cc: string };
  /** the control domain asked before the test: the resolver must answer it with an address */
  controlBefore: DnsAnswerView;
  /** asked after a failed test (absent when the test got answers) */
  controlAfter?: DnsAnswerView;
  /** the test query attempts in order (Satellite stops at the first answer with an address) */
  attempts: DnsAnswerView[];
  /** the same domain asked of each trusted control resolver */
  controls: DnsAnswerView[];
  /** verification of answered addresses (and of the control answers they are compared with) */
  checks: AddressCheck[];
}

export interface RemoteAnalyzeOptions {
  asnOf?: (ip: string) => number | null;
  fingerprints?: FingerprintSet;
  /** addresses to treat as public although they are bogons (the lab's 198.18.0.0/15 plan) */
  isPublicOverride?: (ip: string) => boolean;
}

/** The remote verdict: the in-network verdict's shared keys (same vocabulary), plus why it is unknown. */
export type RemoteVerdict = Pick<
  Verdict,
  'outcome' | 'anomaly' | 'confirmed' | 'failure' | 'method' | 'methods' | 'fingerprints' | 'layers' | 'explanation'
> & { reason?: string };

/** Builds a verdict: blocked ⇔ some method; unknown ⇔ failure (no evidence either way). */
export function remoteVerdict(
  outcome: Outcome,
  methods: BlockingMethod[],
  layers: RemoteVerdict['layers'],
  explanation: string,
  extra: Partial<RemoteVerdict> = {},
): RemoteVerdict {
  return {
    outcome,
    anomaly: outcome === 'blocked',
    confirmed: false,
    failure: outcome === 'unknown',
    method: methods[0] ?? null,
    methods,
    fingerprints: [],
    layers,
    explanation,
    ...extra,
  };
}

const NXDOMAIN = 'dns_nxdomain_error';
const hasAddress = (a: DnsAnswerView | undefined) => !!a && a.failure === null && a.addrs.length > 0;

/** The attempt that decides: the first with an address, else the last one. */
function decisiveAttempt(attempts: DnsAnswerView[]): DnsAnswerView | undefined {
  return attempts.find(hasAddress) ?? attempts[attempts.length - 1];
}

function verdictOf(
  outcome: Outcome,
  layer: LayerResult | undefined,
  explanation: string,
  extra: Partial<RemoteVerdict> = {},
): RemoteVerdict {
  return remoteVerdict(outcome, outcome === 'blocked' ? ['dns'] : [], layer ? { dns: layer } : {}, explanation, extra);
}

/** Why an answered address counts as genuine, or null when nothing vouches for it. */
function verifiedBy(
  ip: string,
  control: { addrs: Set<string>; asns: Set<number>; pages: Set<string> },
  check: AddressCheck | undefined,
  asnOf: (ip: string) => number,
): string | null {
  if (control.addrs.has(ip)) return 'a control resolver gives it too';
  const asn = asnOf(ip);
  if (asn !== 0 && control.asns.has(asn)) return `AS${asn} also serves the control answers`;
  if (check?.tlsFailure === null) return 'it presents a trusted certificate for the name';
  if (check?.httpBodySha256 && control.pages.has(check.httpBodySha256)) return 'it serves the same page';
  return null;
}

export function analyzeRemoteDns(input: RemoteDnsInput, options: RemoteAnalyzeOptions = {}): RemoteVerdict {
  const { domain, resolver } = input;
  const asnOf = (ip: string) => options.asnOf?.(ip) ?? 0;
  const who = `resolver ${resolver.address} (AS${resolver.asn})`;
  if (!hasAddress(input.controlBefore)) {
    return verdictOf(
      'unknown',
      undefined,
      `The ${who} did not answer the control domain (${input.controlBefore.failure ?? 'no address'}): not a usable resolver for this test.`,
      { reason: 'the resolver failed the control query before the test' },
    );
  }
  const controlAnswers = input.controls.filter(hasAddress);
  const test = decisiveAttempt(input.attempts);
  if (!test) return verdictOf('unknown', undefined, 'No test query was sent.', { reason: 'no test query' });

  if (!hasAddress(test)) {
    const failure = test.failure ?? 'dns_no_answer';
    if (controlAnswers.length === 0) {
      // The control resolvers cannot resolve it either: the name is down (or does not exist), not censored.
      const outcome: Outcome = input.controls.every((c) => c.failure === NXDOMAIN) ? 'down' : 'unknown';
      return verdictOf(
        outcome,
        {
          status: outcome === 'down' ? 'down' : 'unknown',
          evidence: [`control resolvers: no address either`],
          failure,
        },
        `${domain} does not resolve at the control resolvers either (${failure} from the ${who}).`,
        outcome === 'unknown' ? { reason: 'the control resolvers failed too' } : {},
      );
    }
    if (failure !== NXDOMAIN && !hasAddress(input.controlAfter)) {
      return verdictOf(
        'unknown',
        { status: 'unknown', evidence: ['the control query after the test failed too'], failure },
        `The ${who} failed for ${domain} (${failure}) and then for the control domain as well: the resolver, not the name, may be the problem.`,
        { reason: 'the resolver failed the control query after the test' },
      );
    }
    return verdictOf(
      'blocked',
      { status: 'blocked', evidence: [`${failure} while the control resolvers resolve it`], failure },
      `The ${who} answers ${failure} for ${domain} after ${input.attempts.length} attempt(s), while it answers the control domain and the control resolvers resolve ${domain}.`,
    );
  }

  const isBogonAddr = (ip: string) => isBogon(ip) && !options.isPublicOverride?.(ip);
  const fingerprints = (options.fingerprints?.size ?? 0) > 0 ? matchAnswers(test.addrs, resolver.cc, options) : [];
  const bogons = test.addrs.filter(isBogonAddr);
  if (bogons.length > 0 || fingerprints.length > 0) {
    const evidence = [
      ...bogons.map((ip) => `answer ${ip} is a bogon`),
      ...fingerprints.map((f) => `answer ${f.matched} matches fingerprint ${f.name}`),
    ];
    return verdictOf(
      'blocked',
      { status: 'blocked', evidence },
      `The ${who} answers ${test.addrs.join(', ')} for ${domain}: ${evidence.join('; ')}.`,
      { fingerprints, confirmed: fingerprints.some((f) => f.confirms) },
    );
  }

  const checks = new Map(input.checks.map((c) => [c.address, c]));
  const controlAddrs = new Set(controlAnswers.flatMap((c) => c.addrs));
  const control = {
    addrs: controlAddrs,
    asns: new Set([...controlAddrs].map(asnOf).filter((a) => a !== 0)),
    pages: new Set(
      [...controlAddrs].map((ip) => checks.get(ip)?.httpBodySha256).filter((h): h is string => typeof h === 'string'),
    ),
  };
  const reasons = test.addrs.map((ip) => ({ ip, why: verifiedBy(ip, control, checks.get(ip), asnOf) }));
  const verified = reasons.filter((r) => r.why !== null);
  if (verified.length > 0) {
    const evidence = verified.map((r) => `answer ${r.ip}: ${r.why}`);
    return verdictOf(
      'accessible',
      { status: 'ok', evidence },
      `The ${who} answers ${test.addrs.join(', ')} for ${domain}; genuine: ${evidence.join('; ')}.`,
    );
  }
  if (controlAnswers.length === 0) {
    return verdictOf(
      'unknown',
      { status: 'unknown', evidence: ['no control resolver resolved the name'] },
      `The ${who} answers ${test.addrs.join(', ')} for ${domain}, but no control resolver resolves it to compare.`,
      { reason: 'no control answers' },
    );
  }
  const unchecked = test.addrs.filter((ip) => !checks.has(ip));
  if (unchecked.length === test.addrs.length) {
    return verdictOf(
      'unknown',
      { status: 'unknown', evidence: test.addrs.map((ip) => `answer ${ip}: not verified`) },
      `The ${who} answers ${test.addrs.join(', ')} for ${domain}, unlike the control resolvers; the addresses were not verified.`,
      { reason: 'answers differ from the control and were not verified' },
    );
  }
  const evidence = test.addrs.map((ip) => {
    const c = checks.get(ip);
    if (!c) return `answer ${ip}: not verified`;
    const issuer = c.tlsIssuer ? ` (issuer ${c.tlsIssuer})` : '';
    return `answer ${ip} (AS${asnOf(ip)}) is not a control answer and fails TLS for the name: ${c.tlsFailure}${issuer}`;
  });
  const pageFingerprints =
    (options.fingerprints?.size ?? 0) > 0
      ? input.checks
          .filter((c) => test.addrs.includes(c.address) && c.httpBody)
          .flatMap((c) => options.fingerprints?.matchBody(c.httpBody as string, resolver.cc) ?? [])
      : [];
  return verdictOf(
    'blocked',
    { status: 'blocked', evidence },
    `The ${who} answers ${test.addrs.join(', ')} for ${domain}; the control resolvers answer ${[...controlAddrs].join(', ')}. ${evidence.join('; ')}.`,
    { fingerprints: pageFingerprints, confirmed: pageFingerprints.some((f) => f.confirms) },
  );
}

function matchAnswers(addrs: string[], cc: string, options: RemoteAnalyzeOptions): Verdict['fingerprints'] {
  return addrs.flatMap((ip) => options.fingerprints?.matchDnsAnswer(ip, cc) ?? []);
}
