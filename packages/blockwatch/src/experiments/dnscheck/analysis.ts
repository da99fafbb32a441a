/**
 * dnscheck's analysis, pure: each resolver's answers for the domain against the control's, and each DoH
 * endpoint's failure against the control's view of that endpoint.
 *
 *   resolver tampering (method dns): a bogon answer the control does not give (certain); two different replies to
 *     one UDP query (an on-path injector answered first: strong); answers sharing neither an address nor an AS
 *     with the control's (weak); NXDOMAIN or silence where the control resolves the name (weak).
 *   DoH blocking (method tls / tcp_ip / http_failure, by the step that failed): the DoH endpoint failed while the
 *     control reached it (TCP, and TLS with the same SNI); without a control view only an injected reset counts.
 * A resolver that answered consistently is fine; nothing to compare (no control, every lookup failed) is unknown.
 */
import type { BlockingMethod, ClassicBlocking, LayerResult, Outcome, Verdict } from '../../model/verdict.ts';
import { answersAgree } from '../../verdict/dns-compare.ts';
import { isBogon, noClassicKeys } from '../../verdict/index.ts';
import { strengthOf } from '../../verdict/strength.ts';
import type { Observation } from '../experiment.ts';

/** The observation target of the control's answers and of its view of a DoH endpoint. */
export const CONTROL = 'control';
export const controlOf = (resolver: string) => `control:${resolver}`;
/** Late UDP replies to a resolver's queries. */
export const lateOf = (resolver: string) => `late:${resolver}`;

export interface DnscheckOptions {
  domain: string;
  asnOf?: (ip: string) => number | null;
  isPublicOverride?: (ip: string) => boolean;
}

interface Finding {
  resolver: string;
  method: BlockingMethod;
  evidence: string[];
  failure: string | null;
  sentence: string;
}

const INJECTED = new Set(['connection_reset']);
const isNx = (f: string | null) => f === 'dns_nxdomain_error';

/** The resolvers measured, in the order their rows appear (system first as written by the probe). */
export function resolversOf(rows: Observation[]): string[] {
  const seen: string[] = [];
  for (const o of rows) {
    if (o.target.includes('://') && !seen.includes(o.target)) seen.push(o.target);
  }
  return seen.filter((t) => !t.startsWith('control') && !t.startsWith('late:'));
}

function sameSet(a: string[], b: string[]): boolean {
  const x = [...new Set(a)].sort().join(',');
  return x === [...new Set(b)].sort().join(',');
}

export function analyzeDnscheck(rows: Observation[], o: DnscheckOptions): Verdict {
  const control = rows.filter((r) => r.target === CONTROL && r.step === 'dns');
  const controlAddrs = control.flatMap((r) => r.answers ?? []);
  const controlResolves = controlAddrs.length > 0;
  const controlFailure = control.length > 0 && !controlResolves ? (control[0]?.failure ?? 'dns_no_answer') : null;
  const bogon = (ip: string) => isBogon(ip) && !o.isPublicOverride?.(ip) && !controlAddrs.includes(ip);
  const asnOf = (ip: string) => o.asnOf?.(ip) ?? 0;
  const findings: Finding[] = [];
  let answered = 0;
  let compared = 0;
  const resolvers = resolversOf(rows);
  for (const resolver of resolvers) {
    const mine = rows.filter((r) => r.target === resolver);
    const lookups = mine.filter((r) => r.step === 'dns' && r.domain === o.domain);
    const answers = lookups.flatMap((r) => r.answers ?? []);
    const failure = answers.length
      ? null
      : (lookups.find((r) => r.failure)?.failure ?? mine.find((r) => r.failure)?.failure ?? null);
    const isDoh = resolver.startsWith('https://');
    if (answers.length) {
      answered++;
      const forged = [...new Set(answers.filter(bogon))];
      const late = rows.filter((r) => r.target === lateOf(resolver) && (r.answers ?? []).length > 0);
      const injected = late.some((r) => !sameSet(r.answers ?? [], answers));
      if (forged.length) {
        findings.push({
          resolver,
          method: 'dns',
          failure: null,
          evidence: forged.map((ip) => `answer ${ip} is a bogon`),
          sentence: `${resolver} answered ${forged.join(', ')} (bogons)`,
        });
      } else if (injected) {
        const other = late.flatMap((r) => r.answers ?? []).filter((ip) => !answers.includes(ip));
        findings.push({
          resolver,
          method: 'dns',
          failure: null,
          evidence: [`two replies to one query: ${answers.join(', ')} first, then ${other.join(', ')}`],
          sentence: `${resolver} sent two different replies to one query (${answers.join(', ')}, then ${other.join(', ')}): an injector answered first`,
        });
      } else if (controlResolves) {
        compared++;
        if (!answersAgree(answers, controlAddrs, asnOf)) {
          findings.push({
            resolver,
            method: 'dns',
            failure: null,
            evidence: [
              `answers ${answers.join(', ')} share no address or AS with the control's ${controlAddrs.join(', ')}`,
            ],
            sentence: `${resolver} answered ${answers.join(', ')}, unlike the control (${controlAddrs.join(', ')})`,
          });
        }
      }
      continue;
    }
    if (failure === null) continue;
    if (isDoh) {
      const step = mine.find((r) => r.failure === failure && r.step !== 'dns')?.step;
      const view = rows.filter((r) => r.target === controlOf(resolver));
      const reached = view.length > 0 && view.every((r) => r.failure === null);
      if (reached || INJECTED.has(failure)) {
        const method: BlockingMethod = step === 'tcp' ? 'tcp_ip' : step === 'tls' ? 'tls' : 'http_failure';
        findings.push({
          resolver,
          method,
          failure,
          evidence: [`${resolver}: ${failure}${reached ? ' (the control reaches it)' : ''}`],
          sentence: `the DoH endpoint ${resolver} failed with ${failure}${reached ? ' while the control reaches it' : ''}`,
        });
      }
      continue;
    }
    if (controlResolves && !failure.startsWith('unknown_failure')) {
      findings.push({
        resolver,
        method: 'dns',
        failure,
        evidence: [`${resolver}: ${failure} (the control resolves ${o.domain})`],
        sentence: `${resolver} ${isNx(failure) ? 'denied that the name exists' : `failed with ${failure}`} while the control resolves it`,
      });
    }
  }
  return verdictOf(o, rows, findings, { answered, compared, resolvers: resolvers.length, controlFailure });
}

function verdictOf(
  o: DnscheckOptions,
  rows: Observation[],
  findings: Finding[],
  counts: { answered: number; compared: number; resolvers: number; controlFailure: string | null },
): Verdict {
  const methods = [...new Set(findings.map((f) => f.method))];
  const layers: Verdict['layers'] = {};
  for (const f of findings) {
    const layer = f.method === 'dns' ? 'dns' : f.method === 'tcp_ip' ? 'tcp' : f.method === 'tls' ? 'tls' : 'http';
    const known: LayerResult = layers[layer] ?? { status: 'blocked', evidence: [] };
    known.evidence.push(...f.evidence);
    if (f.failure && known.failure == null) known.failure = f.failure;
    layers[layer] = known;
  }
  if (!layers.dns && counts.answered > 0) layers.dns = { status: 'ok', evidence: [] };
  const blocking: ClassicBlocking = methods.includes('dns')
    ? 'dns'
    : methods.includes('tcp_ip')
      ? 'tcp_ip'
      : methods.length
        ? 'http-failure'
        : false;
  let outcome: Outcome;
  if (findings.length) outcome = 'blocked';
  else if (counts.controlFailure && isNx(counts.controlFailure)) outcome = 'down';
  else if (counts.answered > 0) outcome = 'accessible';
  else outcome = 'unknown';
  const unknownFailure = rows.some((r) => r.failure?.startsWith('unknown_failure'));
  const verdict: Verdict = {
    engine: 'dnscheck-0.1',
    blocking: outcome === 'unknown' ? null : blocking,
    accessible: outcome === 'unknown' ? null : findings.length === 0 && outcome !== 'down',
    outcome,
    anomaly: findings.length > 0,
    confirmed: false,
    failure: outcome === 'unknown' || unknownFailure,
    method: methods[0] ?? null,
    methods,
    fingerprints: [],
    layers,
    classic: noClassicKeys(),
    explanation:
      outcome === 'blocked'
        ? `Resolving ${o.domain} looks tampered with: ${findings.map((f) => f.sentence).join('; ')}.`
        : outcome === 'down'
          ? `${o.domain} does not exist: the control gets ${counts.controlFailure} too.`
          : outcome === 'accessible'
            ? `${counts.answered} of ${counts.resolvers} resolvers answered for ${o.domain}${counts.compared ? ', consistently with the control' : ' (no control to compare with: only bogons would show)'}.`
            : `No resolver answered for ${o.domain} and nothing to compare with.`,
  };
  if (outcome === 'blocked') verdict.strength = strengthOf({ methods, confirmed: false, layers });
  if (findings.some((f) => f.evidence.some((e) => e.startsWith('two replies')))) {
    if (verdict.strength === 'weak') verdict.strength = 'strong';
  }
  if (outcome === 'unknown') verdict.reason = 'no resolver answered and no control view decides';
  return verdict;
}
