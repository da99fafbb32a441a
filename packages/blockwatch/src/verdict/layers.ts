/**
 * The per-layer view (OONI v0.5 / pipeline v5 style): DNS, TCP, TLS and HTTP each ok / blocked / down / unknown,
 * with short, sorted evidence strings; and the blocking methods that follow from them. A layer whose failures are
 * explained by a lower layer (connections to a forged DNS answer) is not blamed a second time.
 */
import type { BlockingMethod, ClassicBlocking, FingerprintMatch, LayerResult, SiteFault } from '../model/verdict.ts';
import { BLOCKING_METHODS } from '../model/verdict.ts';
import type { AsnOf, Lookup } from './dns-compare.ts';
import { isNxdomain, isSystemLookup } from './dns-compare.ts';
import { type FollowupFinding, hopTlsFinding, httpFinding, tlsFindings } from './followups.ts';
import type { HttpComparison } from './http-compare.ts';
import { endpointKey, type HttpView, type MeasurementView, splitEndpoint } from './input.ts';
import type { InterceptionFinding } from './interception.ts';
import { findBrokenSite, findSiteRestriction } from './site-faults.ts';
import { findSlowTransfer, findStalledTransfer, type TransferBaseline } from './transfer.ts';

export interface LayerInputs {
  view: MeasurementView;
  lookup: Lookup;
  asnOf: AsnOf;
  classic: {
    blocking: ClassicBlocking;
    accessible: boolean | null;
    dns_consistency: string | null;
    decisive: string | null;
    /** the final response against the control's page (OONI's comparison keys) */
    http?: HttpComparison;
  };
  invalidAddrs: string[];
  bogons: string[];
  fingerprints: FingerprintMatch[];
  interception: InterceptionFinding | null;
  /** the control fetched the page (its HTTP request succeeded) */
  controlFetched: boolean;
  /** the same site's transfer rate on other networks (for throttling of a complete transfer) */
  transferBaseline?: TransferBaseline;
}

export interface LayerView {
  layers: { dns?: LayerResult; tcp?: LayerResult; tls?: LayerResult; http?: LayerResult };
  methods: BlockingMethod[];
  /** the final page matched a false-positive fingerprint: the site's own answer (a CAPTCHA, a CDN error) */
  falsePositivePage: boolean;
  /** the site itself refused this client or is broken for everyone: not censorship */
  siteFault: SiteFault | null;
  /** the failure of the last hop: its own, or the GET's when the last response was a redirect it did not follow */
  finalFailure: string | null;
  /** what the decoy follow-ups of the failed handshakes and of the final request showed (followups.ts) */
  followups: FollowupFinding[];
}

/** Fingerprints that count as evidence of a block page (not known false positives, not vague words). */
export const isBlockingFingerprint = (m: FingerprintMatch) => m.scope !== 'fp' && m.scope !== 'vbw';

/**
 * Our own page comparison, where OONI's is too lenient: its header heuristic ignores every common header, so a
 * block page with only common headers "matches" any site. Two independent differences (title and length) or a
 * different status make a different page; with an answer the control does not confirm, one difference does.
 */
function pageDiffers(http: HttpComparison | undefined, dnsSuspect: boolean): string | null {
  if (!http) return null;
  const diffs = differences(http, false);
  const decisive = http.status_code_match === false || diffs.length >= 2 || (dnsSuspect && diffs.length >= 1);
  return decisive ? diffs.join(', ') : null;
}

/** What differs from the control's page, by the comparison keys (OONI's header names only when asked). */
function differences(http: HttpComparison, withHeaders: boolean): string[] {
  const diffs: string[] = [];
  if (http.status_code_match === false) diffs.push('status');
  if (http.title_match === false) diffs.push('title');
  if (http.body_length_match === false) diffs.push(`${Math.round(http.body_proportion * 100)}% of its length`);
  if (withHeaders && http.headers_match === false) diffs.push('header names');
  return diffs;
}

/** A failed lookup of a redirect hop's host (not the input's), which the classic v0.5 walk counts as DNS blocking. */
export function hopLookupFailure(view: MeasurementView): { host: string; failure: string } | null {
  for (const q of view.queries) {
    if (!isSystemLookup(q) || q.failure === null || (q.depth === 0 && q.hostname === view.host)) continue;
    if (q.hostname === '' || q.hostname === view.host) continue;
    if (q.queryType === 'AAAA' && q.failure === 'dns_no_answer') continue;
    return { host: q.hostname, failure: q.failure };
  }
  return null;
}

const TLS_INTERFERENCE = new Set(['connection_reset', 'eof_error', 'generic_timeout_error', 'ssl_failed_handshake']);
const ipv6Broken = (ip: string, failure: string | null) =>
  ip.includes(':') && (failure === 'network_unreachable' || failure === 'host_unreachable');

function layer(status: LayerResult['status'], evidence: string[], failure?: string | null): LayerResult {
  const out: LayerResult = { status, evidence: [...new Set(evidence)].sort() };
  if (failure !== undefined) out.failure = failure;
  return out;
}

export function deriveLayers(input: LayerInputs): LayerView {
  const { view, lookup, classic, fingerprints } = input;
  const methods = new Set<BlockingMethod>();
  const layers: LayerView['layers'] = {};
  const control = view.controlFailure === null ? view.control : null;
  const controlDns = control?.dns ?? null;
  const invalid = new Set(input.invalidAddrs);

  const final: HttpView | undefined = view.requests[0];
  const finalIp = final ? splitEndpoint(final.address).ip : '';
  const falsePositives = fingerprints.filter((m) => m.location !== 'dns' && m.scope === 'fp');
  const httpFingerprints = fingerprints.filter((m) => m.location !== 'dns' && isBlockingFingerprint(m));
  const confirmedPage = httpFingerprints.some((m) => m.confirms);
  // The site (its CDN) refusing this client: a challenge, a geo or legal restriction. A confirmed block page wins.
  const restriction = confirmedPage ? null : findSiteRestriction(final, fingerprints);
  // A known false positive (a CDN's CAPTCHA or error page) is the site's own answer, unless a confirming
  // block-page fingerprint says otherwise.
  const clearedAsFalsePositive = (falsePositives.length > 0 || restriction !== null) && !confirmedPage;
  const blockPageFingerprints = clearedAsFalsePositive ? [] : httpFingerprints;
  // Our probe records a refused redirect (bad Location, too many hops) on the GET, not on its last response.
  const finalFailure =
    final?.failure ?? (final && final.status >= 300 && final.status < 400 ? view.recordedHttpFailure : null);
  const broken = restriction ? null : findBrokenSite(final, finalFailure, control);
  const siteFault = restriction ?? broken;
  const hopLookup = hopLookupFailure(view);
  const followups: FollowupFinding[] = [];
  /** a follow-up showed the handshake (or request) succeed on a retry: its first failure proves nothing */
  let transientTls = false;
  let transientHttp = false;

  /** A cleartext page served from an unconfirmed answer that is not the control's page: the answer was forged. */
  function pageFromForgedAnswer(): string | null {
    if (!final || finalFailure !== null || !final.url.startsWith('http://') || !input.controlFetched) return null;
    if (clearedAsFalsePositive) return null;
    if (finalIp && !invalid.has(finalIp)) return null;
    const from = finalIp || lookup.addrs[0] || 'the answer';
    if (blockPageFingerprints.length > 0)
      return `the page served from ${from} matches block page fingerprint ${blockPageFingerprints[0]?.name}`;
    const diff = pageDiffers(classic.http, true);
    return diff ? `the page served from ${from} differs from the control's (${diff})` : null;
  }

  // --- DNS ---
  const dnsFingerprints = fingerprints.filter((m) => m.location === 'dns' && isBlockingFingerprint(m));
  let dnsBlocked = false;
  if (lookup.measured) {
    const ev: string[] = [];
    let status: LayerResult['status'];
    // A lookup that returned no address is a failure, not an answer to compare.
    const probeFailure = lookup.failure ?? (lookup.addrs.length === 0 ? 'dns_no_answer' : null);
    if (probeFailure === null) ev.push(`probe answers ${lookup.addrs.join(' ')}`);
    else ev.push(`probe lookup failed: ${probeFailure}`);
    if (controlDns) {
      ev.push(
        controlDns.failure === null
          ? `control answers ${controlDns.addrs.join(' ') || '(none)'}`
          : `control lookup failed: ${controlDns.failure}`,
      );
    }
    for (const m of dnsFingerprints) ev.push(`answer ${m.matched} matches fingerprint ${m.name}`);
    const foreignBogons = input.bogons.filter((ip) => !controlDns?.addrs.includes(ip));
    for (const ip of foreignBogons) ev.push(`answer ${ip} is a bogon`);
    if (hopLookup) ev.push(`lookup of redirect hop ${hopLookup.host} failed: ${hopLookup.failure}`);
    // Only the hop's lookup is in question: the input's answers are the control's (or vouched for).
    const hopOnly =
      hopLookup !== null &&
      finalFailure !== null &&
      probeFailure === null &&
      !lookup.addrs.some((ip) => invalid.has(ip));
    if (
      dnsFingerprints.length > 0 ||
      foreignBogons.length > 0 ||
      (classic.blocking === 'dns' && classic.accessible === false && !restriction && !hopOnly)
    ) {
      status = 'blocked';
    } else if (!controlDns) status = 'unknown';
    else if (probeFailure !== null && controlDns.failure !== null) status = 'down';
    else if (lookup.failure !== null) status = classic.blocking === false ? 'ok' : 'blocked';
    else if (probeFailure !== null) status = classic.blocking === 'dns' ? 'blocked' : 'unknown';
    else if (hopOnly && input.controlFetched) {
      ev.push(`the control fetched the page through ${hopLookup?.host}`);
      status = 'blocked';
    } else if (lookup.addrs.some((ip) => invalid.has(ip))) {
      // Different answers alone are the everyday CDN case: only the following layers can tell.
      ev.push('answers differ from the control (not vouched for by address, ASN or TLS)');
      const page = pageFromForgedAnswer();
      if (page) {
        ev.push(page);
        status = 'blocked';
      } else status = 'ok';
    } else status = 'ok';
    dnsBlocked = status === 'blocked';
    if (dnsBlocked) methods.add('dns');
    layers.dns = layer(status, ev, probeFailure);
  }

  // Addresses from a forged answer: later failures on them are consequences, not separate blocking.
  const masked = (ip: string) =>
    dnsBlocked && (invalid.has(ip) || input.bogons.includes(ip) || !controlDns?.addrs.includes(ip));

  // --- TCP (depth 0) ---
  const connects = view.tcp.filter((c) => c.depth === 0 && !ipv6Broken(c.ip, c.failure));
  if (connects.length > 0) {
    const ok = connects.filter((c) => c.failure === null);
    const ev: string[] = [];
    let status: LayerResult['status'];
    let failure: string | null = null;
    if (ok.length > 0) {
      status = 'ok';
      for (const c of ok) ev.push(`connected to ${endpointKey(c.ip, c.port)}`);
    } else {
      failure = connects[0]?.failure ?? null;
      const relevant = connects.filter((c) => !masked(c.ip));
      for (const c of connects) {
        const th = control?.tcp.get(endpointKey(c.ip, c.port));
        ev.push(
          `${endpointKey(c.ip, c.port)}: ${c.failure}${th ? (th.status ? ', control connected' : `, control failed: ${th.failure}`) : ''}`,
        );
      }
      const thOk = relevant.some((c) => control?.tcp.get(endpointKey(c.ip, c.port))?.status === true);
      const thKnown = relevant.some((c) => control?.tcp.has(endpointKey(c.ip, c.port)));
      // OONI v0.5: a failure the control sees at the same endpoint is expected (site down), whatever v0.4 says.
      if (relevant.length === 0) status = 'unknown';
      else if (thOk) status = 'blocked';
      else if (thKnown) status = 'down';
      else if (classic.blocking === 'tcp_ip') status = 'blocked';
      else status = control && input.controlFetched ? 'blocked' : 'unknown';
    }
    if (status === 'blocked') methods.add('tcp_ip');
    layers.tcp = layer(status, ev, failure);
  }

  // --- TLS (depth 0 handshakes) ---
  const handshakes = view.tls.filter((h) => h.depth === 0);
  if (handshakes.length > 0 || input.interception) {
    const ev: string[] = [];
    let status: LayerResult['status'] = 'unknown';
    let failure: string | null = null;
    const ok = handshakes.filter((h) => h.failure === null);
    if (input.interception) {
      status = 'blocked';
      ev.push(input.interception.evidence);
      methods.add('tls_interception');
      failure = handshakes.find((h) => h.address === input.interception?.address)?.failure ?? null;
    } else if (ok.length > 0) {
      status = 'ok';
      for (const h of ok) ev.push(`handshake with ${h.address} (SNI ${h.serverName}) succeeded`);
    } else {
      const relevant = handshakes.filter((h) => !masked(splitEndpoint(h.address).ip));
      failure = handshakes[0]?.failure ?? null;
      let thOk = false;
      let thFailed = false;
      for (const h of handshakes) {
        const th = control?.tls.get(h.address);
        ev.push(
          `${h.address} (SNI ${h.serverName}): ${h.failure}${th ? (th.status ? ', control handshake succeeded' : `, control failed: ${th.failure}`) : ''}`,
        );
      }
      for (const h of relevant) {
        const th = control?.tls.get(h.address);
        if (th?.status) thOk = true;
        else if (th) thFailed = true;
      }
      // Old controls have no per-endpoint TLS result: the control fetching the https URL vouches for TLS.
      if (!thOk && !thFailed && view.url.protocol === 'https:' && input.controlFetched) thOk = true;
      if (relevant.length === 0) status = 'unknown';
      else if (thOk) status = 'blocked';
      else if (thFailed) status = 'down';
      const found = tlsFindings(view).filter((f) => relevant.some((h) => h.address === f.address));
      followups.push(...found);
      for (const f of found) ev.push(followupEvidence(f));
      // One retry that worked outweighs the first failure, unless another address shows filtering by name.
      if (found.some((f) => f.kind === 'transient') && !found.some((f) => f.kind === 'name_filtered')) {
        transientTls = true;
        if (status === 'blocked') status = 'unknown';
      }
      if (status === 'blocked') {
        methods.add('tls');
        const kinds = [...new Set(relevant.map((h) => h.failure))].join(', ');
        ev.push(`handshake failed (${kinds}) after the ClientHello while the control's succeeded`);
      }
    }
    layers.tls = layer(status, ev, failure);
  }

  // --- HTTP (the final response, requests[0]) ---
  if (final) {
    const ev: string[] = [];
    let status: LayerResult['status'];
    const tlsBlamed = layers.tls?.status === 'blocked';
    const https = final.url.startsWith('https://');
    // A block page served from a forged answer is the DNS layer's doing: one method, not two.
    const fromForgedAnswer = dnsBlocked && finalFailure === null && (finalIp === '' || masked(finalIp));
    const fetched = () => `status ${final.status}, ${final.bodyBytes} bytes${final.url ? ` from ${final.url}` : ''}`;
    if (blockPageFingerprints.length > 0) {
      status = 'blocked';
      for (const m of blockPageFingerprints)
        ev.push(`${m.location} matches fingerprint ${m.name}${m.confirms ? ' (confirmed)' : ''}`);
      if (fromForgedAnswer) ev.push('served from the forged DNS answer');
      else methods.add('http_blockpage');
    } else if (restriction && finalFailure === null) {
      status = 'down';
      ev.push(fetched(), `${restriction.evidence}: restricted by the site`);
      if (control?.http && input.controlFetched) ev.push(`control status ${control.http.status}`);
    } else if (clearedAsFalsePositive && finalFailure === null) {
      status = 'ok';
      ev.push(fetched());
      for (const m of falsePositives)
        ev.push(`${m.location} matches false-positive fingerprint ${m.name}: the site's own page, not a block page`);
    } else if (finalFailure !== null) {
      ev.push(`fetch of ${final.url || view.input} failed: ${finalFailure}`);
      if (!control) status = 'unknown';
      else if (!input.controlFetched) {
        status = 'down';
        ev.push(broken ? broken.evidence : `control fetch failed: ${control.http?.failure ?? 'no result'}`);
      } else if (dnsBlocked || tlsBlamed || (layers.tcp?.status === 'blocked' && finalFailure === layers.tcp.failure)) {
        status = 'blocked';
        ev.push('explained by a lower layer');
      } else {
        status = 'blocked';
        const phase = failurePhase(final, view);
        const stalled = findStalledTransfer(final, finalFailure, control);
        if (stalled) {
          ev.push(stalled.evidence);
          methods.add('throttling');
        } else if (phase === 'tls_handshake' && transientTls) {
          status = 'unknown';
          ev.push('during the TLS handshake, which succeeded when retried: not counted as blocking');
        } else if (phase === 'tls_handshake') {
          // a redirect hop's handshake, followed up after the HTTP step (the first hop's are read in the TLS layer)
          const hop = hopTlsFinding(view, final);
          const found = hop && !followups.some((f) => f.address === hop.address && f.name === hop.name) ? hop : null;
          if (found) {
            followups.push(found);
            ev.push(followupEvidence(found));
          }
          if (found?.kind === 'transient') {
            transientTls = true;
            status = 'unknown';
            ev.push('during the TLS handshake, which succeeded when retried: not counted as blocking');
          } else {
            ev.push(
              final.failedOperation
                ? 'during the TLS handshake'
                : 'probably during the TLS handshake (no successful handshake with that host)',
            );
            methods.add('tls');
          }
        } else if (phase === 'connect') {
          ev.push('while connecting');
          methods.add('tcp_ip');
        } else {
          const found = httpFinding(view, final);
          if (found) {
            followups.push(found);
            ev.push(followupEvidence(found));
          }
          if (found?.kind === 'transient') {
            transientHttp = true;
            status = 'unknown';
          } else methods.add('http_failure');
        }
      }
    } else {
      ev.push(fetched());
      if (control?.http && input.controlFetched)
        ev.push(`control status ${control.http.status}, ${control.http.bodyLength} bytes`);
      const ourDiff = https ? null : pageDiffers(classic.http, dnsBlocked);
      const slow = findSlowTransfer(final, finalFailure, control, input.transferBaseline);
      if (classic.blocking === 'http-diff' || ourDiff) {
        status = 'blocked';
        const keys = classic.http ? differences(classic.http, true).join(', ') : '';
        ev.push(`the page differs from the control's (${ourDiff ?? (keys || 'OONI comparison')})`);
        if (fromForgedAnswer) ev.push('served from the forged DNS answer');
        else methods.add('http_blockpage');
      } else if (slow && !dnsBlocked) {
        status = 'blocked';
        ev.push(slow.evidence);
        methods.add('throttling');
      } else if (https || classic.accessible === true) status = 'ok';
      else if (!control) status = 'unknown';
      else if (classic.blocking === 'dns' && !input.controlFetched) status = 'unknown';
      // The page is the control's (or too close to tell): whatever DNS says, HTTP itself is fine.
      else status = 'ok';
    }
    layers.http = layer(status, ev, finalFailure);
  }

  // Keep the classic verdict and the methods in agreement: OONI's blocking always names at least one method. The
  // layer the method belongs to then says so too, so no sentence cites a layer that reads "ok".
  const ownPage = clearedAsFalsePositive || siteFault !== null;
  if (classic.blocking === 'dns' && methods.size === 0 && !ownPage) methods.add('dns');
  if (classic.blocking === 'tcp_ip' && methods.size === 0 && layers.tcp?.status !== 'down') methods.add('tcp_ip');
  if (classic.blocking === 'http-diff' && methods.size === 0 && !ownPage) methods.add('http_blockpage');
  // A failure that a retry did not repeat stays OONI's http-failure, but is no method of ours (docs/verdicts.md).
  if (classic.blocking === 'http-failure' && methods.size === 0 && !ownPage && !transientTls && !transientHttp) {
    const tls = layers.tls?.status === 'blocked';
    methods.add(tls ? 'tls' : 'http_failure');
    if (!tls && layers.http && layers.http.status !== 'blocked') {
      layers.http = layer(
        'blocked',
        [...layers.http.evidence, "OONI's classic algorithm: the probe's fetch failed where the control's succeeded"],
        layers.http.failure,
      );
    }
  }
  if (classic.blocking === 'dns' && layers.dns && layers.dns.status !== 'blocked' && isNxdomain(lookup.failure)) {
    layers.dns = layer('blocked', layers.dns.evidence, lookup.failure);
  }
  return {
    layers,
    methods: BLOCKING_METHODS.filter((m) => methods.has(m)),
    falsePositivePage: clearedAsFalsePositive && !restriction && finalFailure === null,
    siteFault,
    finalFailure,
    followups,
  };
}

/** A follow-up as a layer's evidence line: what the decoy and the retry answered. */
function followupEvidence(f: FollowupFinding): string {
  const tls = f.layer === 'tls';
  const decoy = tls
    ? `decoy handshake with ${f.decoy} to ${f.address}`
    : `decoy request with Host ${f.decoy} to ${f.address}`;
  const retry = `the retry with ${tls ? 'SNI' : 'Host'} ${f.name}`;
  switch (f.kind) {
    case 'name_filtered':
      // a TLS decoy's answer may be an alert: say which
      return `${decoy} was answered${tls ? ` (${f.decoyFailure ?? 'completed'})` : ''}; ${retry} failed again: ${f.retryFailure}`;
    case 'address_unreachable':
      return `${decoy} failed too: ${f.decoyFailure}`;
    case 'transient':
      return `${decoy} was answered and ${retry} succeeded: the first failure was transient`;
  }
}

/**
 * Which step of the final hop failed: as recorded (`x_failed_operation`), else inferred for an https redirect hop
 * to another host that got no response, with a reset/EOF/stall and no successful handshake with that host (the
 * probe's own TLS step covers only the input's host).
 */
function failurePhase(final: HttpView, view: MeasurementView): string | null {
  if (final.failedOperation) return final.failedOperation;
  if (!final.url.startsWith('https://') || final.status > 0 || final.failure === null) return null;
  if (!TLS_INTERFERENCE.has(final.failure)) return null;
  let host = '';
  try {
    host = new URL(final.url).hostname;
  } catch {
    return null;
  }
  // Only a redirect hop to another host: the input's own failures are judged by its handshake records.
  // A handshake record for that host that failed is the same event seen twice; only a successful one clears TLS.
  if (host === view.host || view.tls.some((h) => h.serverName === host && h.failure === null)) return null;
  return 'tls_handshake';
}
