/**
 * One human sentence (or a few) per verdict, citing addresses, ASNs and fingerprints, e.g.
 * "DNS answered 10.10.34.35, a known block page address (ooni.ir_4); the control resolved 93.184.216.34 in AS15133."
 */
import type {
  BlockingMethod,
  ClassicBlocking,
  FingerprintMatch,
  LayerResult,
  Outcome,
  SiteFault,
} from '../model/verdict.ts';
import { parseIp } from './bogons.ts';
import type { AsnOf, Lookup } from './dns-compare.ts';
import type { FollowupFinding } from './followups.ts';
import type { HttpComparison } from './http-compare.ts';
import { endpointKey, type MeasurementView } from './input.ts';
import type { InterceptionFinding } from './interception.ts';
import { hopLookupFailure } from './layers.ts';

export interface ExplainInputs {
  view: MeasurementView;
  lookup: Lookup;
  asnOf: AsnOf;
  describeAsn?: (asn: number) => string | null;
  outcome: Outcome;
  methods: BlockingMethod[];
  layers: { dns?: LayerResult; tcp?: LayerResult; tls?: LayerResult; http?: LayerResult };
  fingerprints: FingerprintMatch[];
  interception: InterceptionFinding | null;
  bogons: string[];
  controlFetched: boolean;
  /** OONI's classic verdict, to say where and why ours differs */
  classic?: { blocking: ClassicBlocking; accessible: boolean | null; http?: HttpComparison };
  /** the site refused this client or is broken for everyone */
  siteFault?: SiteFault | null;
  /** the last hop's failure (its own, or the GET's refused redirect) */
  finalFailure?: string | null;
  /** what the decoy follow-ups showed (followups.ts) */
  followups?: FollowupFinding[];
}

const list = (items: string[], max = 3) =>
  items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;

export function explain(x: ExplainInputs): string {
  const { view } = x;
  const control = view.controlFailure === null ? view.control : null;
  const asnText = (ip: string) => {
    const asn = x.asnOf(ip);
    if (!asn) return '';
    let org: string | null = null;
    try {
      org = x.describeAsn?.(asn) ?? null;
    } catch {}
    return ` in AS${asn}${org ? ` (${org})` : ''}`;
  };
  const controlResolved = () => {
    const dns = control?.dns;
    if (!dns) return '';
    if (dns.failure !== null)
      return `; the control's lookup failed${x.lookup.failure !== null ? ' too' : ''} (${dns.failure})`;
    // Old controls list CNAMEs among the addresses: cite addresses when there are any.
    const ips = dns.addrs.filter((a) => parseIp(a) !== null);
    const shown = ips.length > 0 ? ips : dns.addrs;
    if (shown.length === 0) return '; the control resolved no address';
    const first = shown[0] as string;
    return `; the control resolved ${list(shown, 2)}${ips.length > 0 ? asnText(first) : ''}`;
  };
  const sentences: string[] = [];
  const followups = x.followups ?? [];
  const transient = followups.filter((f) => f.kind === 'transient').map(transientSentence);
  for (const method of x.methods) {
    switch (method) {
      case 'dns': {
        const fps = x.fingerprints.filter((m) => m.location === 'dns' && m.scope !== 'fp' && m.scope !== 'vbw');
        if (fps.length > 0) {
          const addrs = [...new Set(fps.map((m) => m.matched))];
          sentences.push(
            `DNS answered ${list(addrs)}, a known block page address (${list([...new Set(fps.map((m) => m.name))])})${controlResolved()}`,
          );
        } else if (x.lookup.failure !== null) {
          sentences.push(`The DNS lookup of ${view.host} failed with ${x.lookup.failure}${controlResolved()}`);
        } else if (x.lookup.addrs.length === 0) {
          sentences.push(`The DNS lookup of ${view.host} returned no address (dns_no_answer)${controlResolved()}`);
        } else if (x.bogons.length > 0) {
          sentences.push(`DNS answered ${list(x.bogons)}, a private or reserved (bogon) address${controlResolved()}`);
        } else {
          const controlAddrs = new Set(control?.dns?.addrs ?? []);
          const unconfirmed = x.lookup.addrs.filter((ip) => !controlAddrs.has(ip));
          const hop = hopLookupFailure(view);
          const page = x.layers.dns?.evidence.find((e) => e.startsWith('the page served from'));
          if (hop && !page) {
            // The input's lookup is not the one in question: name the redirect hop whose lookup failed.
            sentences.push(
              `The DNS lookup of ${hop.host}, a redirect hop of ${view.host}, failed with ${hop.failure}${x.controlFetched ? ' while the control fetched the page' : ''}; ${view.host} itself resolved to ${list(x.lookup.addrs, 2)}${unconfirmed.length === 0 ? ', as for the control' : ''}`,
            );
          } else if (unconfirmed.length === 0) {
            sentences.push(
              `OONI's classic algorithm calls this DNS blocking, but the probe's answers for ${view.host} (${list(x.lookup.addrs, 2)}) are the control's`,
            );
          } else {
            const first = unconfirmed[0] as string;
            sentences.push(
              `DNS answered ${list(unconfirmed)}${asnText(first)}, which the control does not confirm${controlResolved()}${page ? `, and ${page}` : ''}`,
            );
          }
        }
        break;
      }
      case 'tcp_ip': {
        const failed = view.tcp.filter((c) => c.depth === 0 && c.failure !== null);
        const endpoints = [...new Set(failed.map((c) => endpointKey(c.ip, c.port)))];
        sentences.push(
          `Every TCP connection to ${list(endpoints, 2)} failed (${x.layers.tcp?.failure ?? 'failure'})${x.controlFetched ? ' while the control connected' : ''}`,
        );
        break;
      }
      case 'tls': {
        const filtered = followups.find((f) => f.layer === 'tls' && f.kind === 'name_filtered');
        if (filtered) {
          sentences.push(
            nameFilteredSentence(filtered, x.controlFetched, filtered.name !== view.host ? view.host : null),
          );
          break;
        }
        const failed = view.tls.filter((h) => h.depth === 0 && h.failure !== null);
        const endpoints = [...new Set(failed.map((h) => h.address))];
        const failure = x.layers.tls?.failure ?? failed[0]?.failure ?? 'failure';
        sentences.push(
          endpoints.length > 0
            ? `The TLS handshake with ${list(endpoints, 2)} (SNI ${failed[0]?.serverName || view.host}) failed with ${failure} while the control's handshake succeeded: SNI-based TLS blocking`
            : `The HTTPS fetch of ${hostOf(view.requests[0]?.url) ?? view.host} failed with ${view.requests[0]?.failure ?? failure}${view.requests[0]?.failedOperation === 'tls_handshake' ? ' during the TLS handshake' : ''} while the control's fetch succeeded: TLS blocking`,
        );
        const unreachable = followups.find((f) => f.layer === 'tls' && f.kind === 'address_unreachable');
        if (unreachable) sentences.push(unreachableSentence(unreachable));
        break;
      }
      case 'tls_interception': {
        const i = x.interception;
        if (i?.validated_by_extra_ca)
          sentences.push(
            `The TLS certificate for ${view.host}${i.probe_issuer ? `, issued by "${i.probe_issuer}",` : ''} validated only with an extra root certificate: the connection is intercepted`,
          );
        else if (i?.control_issuer && i.probe_issuer)
          sentences.push(
            `The TLS certificate for ${view.host} was issued by "${i.probe_issuer}" but the control sees "${i.control_issuer}": the connection is intercepted`,
          );
        else
          sentences.push(
            `The TLS certificate for ${view.host} was rejected (${x.layers.tls?.failure ?? 'invalid'})${i?.probe_issuer ? `, issued by "${i.probe_issuer}"` : ''}, while the control's handshake succeeded: likely interception`,
          );
        break;
      }
      case 'http_blockpage': {
        const fps = x.fingerprints.filter((m) => m.location !== 'dns' && m.scope !== 'fp' && m.scope !== 'vbw');
        if (fps.length > 0)
          sentences.push(
            `The page matches the block page fingerprint ${list([...new Set(fps.map((m) => m.name))])}${fps.some((m) => m.confirms) ? ' (confirmed)' : ''}`,
          );
        else {
          const final = view.requests[0];
          const th = control?.http;
          sentences.push(
            `The page (status ${final?.status ?? '?'}, ${final?.bodyBytes ?? 0} bytes) differs from the control's (status ${th?.status ?? '?'}, ${th?.bodyLength ?? '?'} bytes)`,
          );
        }
        break;
      }
      case 'http_failure': {
        const filtered = followups.find((f) => f.layer === 'http' && f.kind === 'name_filtered');
        if (filtered) {
          sentences.push(nameFilteredSentence(filtered, x.controlFetched));
          break;
        }
        sentences.push(
          `Fetching the page failed with ${x.finalFailure ?? view.recordedHttpFailure ?? 'an unrecorded failure'} while the control fetched it`,
        );
        const unreachable = followups.find((f) => f.layer === 'http' && f.kind === 'address_unreachable');
        if (unreachable) sentences.push(unreachableSentence(unreachable));
        break;
      }
      case 'throttling': {
        const stall = x.layers.http?.evidence.find((e) => e.startsWith('the body stalled after '));
        const slow = x.layers.http?.evidence.find((e) => e.startsWith('the body arrived at '));
        sentences.push(
          stall
            ? `The page began to arrive, then ${stall.replace(/ while the control read it all$/, '')}, while the control read the whole page: throttling`
            : slow
              ? `The page arrived whole, but ${slow.slice('the body arrived '.length)}: throttling`
              : 'The transfer was far slower than the network baseline',
        );
        break;
      }
    }
  }
  // With nothing else decided, the retry that worked is the explanation; otherwise it follows the main sentence.
  if (x.outcome === 'unknown' && x.methods.length === 0) sentences.push(...transient);
  if (sentences.length === 0) {
    const final = view.requests[0];
    switch (x.outcome) {
      case 'accessible':
        if (final?.failure === null && final.url.startsWith('https://'))
          sentences.push(`The page was fetched over HTTPS with a valid certificate (status ${final.status})`);
        else if (
          final?.failure === null &&
          x.layers.http?.evidence.some((e) => e.includes('false-positive fingerprint'))
        )
          sentences.push(`The page was fetched (status ${final.status})`);
        else if (final?.failure === null)
          sentences.push(`The page was fetched (status ${final.status}) and matches the control's`);
        else if (x.lookup.failure !== null) sentences.push(`The name does not exist for the probe nor for the control`);
        else sentences.push('The site is accessible');
        break;
      case 'down':
        sentences.push(downSentence(x));
        break;
      case 'blocked':
        sentences.push('A block page fingerprint matched');
        break;
      case 'unknown':
        if (view.controlFailure !== null)
          sentences.push(
            `The control measurement failed (control_failure: ${view.controlFailure}): nothing to compare with`,
          );
        else if (!view.control) sentences.push('The measurement has no control data: nothing to compare with');
        else sentences.push('The evidence is not conclusive either way');
        break;
    }
  }
  if (x.outcome === 'accessible' && x.layers.http?.evidence.some((e) => e.includes('false-positive fingerprint'))) {
    const names = [...new Set(x.fingerprints.filter((m) => m.scope === 'fp').map((m) => m.name))];
    sentences.push(
      `The page matches the false-positive fingerprint ${list(names)} (a CDN's own CAPTCHA or error page), not a block page`,
    );
  }
  if (!(x.outcome === 'unknown' && x.methods.length === 0)) sentences.push(...transient);
  const differs = classicDiffers(x);
  if (differs) sentences.push(differs);
  const confirmedOnly = x.fingerprints.filter((m) => m.confirms);
  if (
    x.methods.length > 0 &&
    confirmedOnly.length > 0 &&
    !sentences.some((s) => s.includes(confirmedOnly[0]?.name ?? '\0'))
  )
    sentences.push(`Confirmed by fingerprint ${list([...new Set(confirmedOnly.map((m) => m.name))])}`);
  return `${sentences.join('. ')}.`;
}

/**
 * Why the site is down, from the layer that is down and the control's own result at that layer: a restriction or a
 * broken site first, then DNS, TCP, TLS and HTTP in that order (the first step that failed on both sides).
 */
function downSentence(x: ExplainInputs): string {
  const { view } = x;
  const control = view.controlFailure === null ? view.control : null;
  const fault = x.siteFault;
  if (fault?.kind === 'site_restriction') {
    const th = control?.http;
    const controlGot =
      th && th.failure === null && th.status > 0 ? `; the control got the page (status ${th.status})` : '';
    return `Restricted by the site, not blocked by the network: ${fault.evidence}${controlGot}`;
  }
  if (fault) return `The site is broken for everyone, not blocked: ${fault.evidence}`;
  if (x.lookup.failure !== null && control?.dns?.failure)
    return `${view.host} does not resolve for the probe (${x.lookup.failure}) nor for the control (${control.dns.failure}): the site is down, not blocked`;
  if (x.layers.tcp?.status === 'down') {
    const failed = view.tcp.filter((c) => c.depth === 0 && c.failure !== null);
    const th = failed.map((c) => control?.tcp.get(endpointKey(c.ip, c.port))).find((r) => r && !r.status);
    return `The site looks down: every connection to ${list([...new Set(failed.map((c) => endpointKey(c.ip, c.port)))], 2)} failed (${x.layers.tcp.failure ?? 'failure'}) and the control could not connect either${th?.failure ? ` (${th.failure})` : ''}, so this is not blocking`;
  }
  if (x.layers.tls?.status === 'down') {
    const failed = view.tls.filter((h) => h.depth === 0 && h.failure !== null);
    const th = failed.map((h) => control?.tls.get(h.address)).find((r) => r && !r.status);
    return `The site looks down: the TLS handshake with ${list([...new Set(failed.map((h) => h.address))], 2)} failed (${x.layers.tls.failure ?? 'failure'}) and the control's handshake failed too${th?.failure ? ` (${th.failure})` : ''}, so this is not blocking`;
  }
  const th = control?.http;
  if (th && th.failure !== null)
    return `The site looks down: ${x.finalFailure ? `the fetch failed (${x.finalFailure}) and ` : ''}the control's fetch failed too (${th.failure}), so this is not blocking`;
  if (control?.dns?.failure)
    return `The site looks down: the control's lookup failed too (${control.dns.failure}), so this is not blocking`;
  return 'The site looks down for the control too, so this is not blocking';
}

/** Where OONI's classic keys and our outcome disagree, say why the classic algorithm decided as it did. */
function classicDiffers(x: ExplainInputs): string | null {
  const c = x.classic;
  if (!c) return null;
  if (c.accessible === true && x.outcome === 'blocked') {
    const h = c.http;
    const because =
      x.view.requests[0]?.url.startsWith('https://') === true
        ? 'the final page came over HTTPS'
        : h?.status_code_match
          ? `the status code and ${h.body_length_match ? 'the body length' : h.headers_match ? 'the header names it compares (common ones are ignored)' : 'the title'} match the control's`
          : 'its comparison with the control passed';
    return `OONI's classic algorithm calls this accessible because ${because}; ${x.methods.includes('dns') ? 'the DNS answer and the page show a block page' : "the page itself is not the control's"}`;
  }
  if (typeof c.blocking === 'string' && x.outcome === 'down' && x.siteFault?.kind === 'site_restriction') {
    return `OONI's classic algorithm calls this ${c.blocking} blocking because the page differs from the control's; the difference is the site's own answer to this client`;
  }
  if (typeof c.blocking === 'string' && (x.outcome === 'down' || x.outcome === 'accessible')) {
    return x.outcome === 'down'
      ? `OONI's v0.4 classic algorithm calls this ${c.blocking} blocking because the probe failed; the control failed the same way, so it is down`
      : `OONI's classic algorithm calls this ${c.blocking} blocking because the page differs from the control's; it is the site's own page all the same`;
  }
  if (c.blocking === null && c.accessible === null && x.outcome === 'blocked' && x.view.requests.length === 0) {
    return "OONI's classic algorithm gives no verdict here because the probe fetched nothing (it does not dial a forged loopback or private answer)";
  }
  return null;
}

const TWICE: Record<string, string> = {
  generic_timeout_error: 'timed out twice',
  connection_reset: 'was reset twice',
  eof_error: 'was cut off twice (eof_error)',
};

/** "timed out twice", or both failures when they differ. */
function failedTwice(first: string, retry: string | null | undefined): string {
  if (retry === first) return TWICE[first] ?? `failed twice with ${first}`;
  return `failed with ${first}, then again with ${retry}`;
}

function what(f: FollowupFinding, name: string): string {
  return f.layer === 'tls' ? `The TLS handshake with ${name}` : `The HTTP request with Host ${name}`;
}

/** What a name filter at the follow-up's layer reads. */
const filteredBy = (f: FollowupFinding) => (f.layer === 'tls' ? 'server name' : 'Host header');

/** `hopOf`: the measured URL's host when the follow-up was of a redirect hop to another host. */
function nameFilteredSentence(f: FollowupFinding, controlFetched: boolean, hopOf: string | null = null): string {
  const control = controlFetched ? ` and the control reached the site` : '';
  const hop = hopOf ? `, a redirect hop of ${hopOf},` : '';
  return `${what(f, f.name)}${hop} to ${f.address} ${failedTwice(f.firstFailure, f.retryFailure)}, while one with ${f.decoy} to the same address was answered${control}: the network filters by ${filteredBy(f)}`;
}

function unreachableSentence(f: FollowupFinding): string {
  const layer = f.layer === 'tls' ? 'TLS' : 'HTTP';
  return `${what(f, f.decoy)} to the same address failed too (${f.decoyFailure}): the address itself is unreachable for ${layer} from this network, which does not show filtering by ${filteredBy(f)}`;
}

function transientSentence(f: FollowupFinding): string {
  return `${what(f, f.name)} to ${f.address} first failed with ${f.firstFailure}, then succeeded when retried (after one with ${f.decoy} was answered): the failure was transient, not blocking by ${filteredBy(f)}`;
}

function hostOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}
