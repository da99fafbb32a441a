/**
 * The verdict: what the one analysis engine (`verdict/`) says about a measurement.
 *
 * This type is the contract between analysis, store, event detection and the UI.
 * `blocking` and `accessible` keep exactly OONI's classic meaning; everything else is ours.
 */

/** OONI's classic `blocking` key. */
export type ClassicBlocking = false | 'dns' | 'tcp_ip' | 'http-failure' | 'http-diff' | null;

/**
 * Our blocking methods, finer than OONI's: TLS is its own type, interception is told apart,
 * and a fingerprinted block page is named as such.
 */
export const BLOCKING_METHODS = [
  'dns', // tampered answer (block-page address, bogon, localhost), NXDOMAIN, injected reply
  'tcp_ip', // connect timeout / refused / unreachable to addresses the control reaches
  'tls', // reset, FIN or stall after the ClientHello (SNI filtering)
  'tls_interception', // a chain issued by another CA than the control sees / only a national root validates it
  'http_blockpage', // an HTTP block page (fingerprinted or different from the control's page)
  'http_failure', // reset / EOF / timeout during the HTTP exchange
  'throttling', // handshake or throughput far below the network's baseline
] as const;
export type BlockingMethod = (typeof BLOCKING_METHODS)[number];

/**
 * Why a site failed by its own doing: the outcome is `down` (not censorship) and `site_fault` says which.
 * `site_restriction`: the site (a CDN's challenge, a geo or legal restriction, HTTP 451) refused this client;
 * `broken_redirect`: a redirect whose Location cannot be followed; `redirect_limit`: more redirects than any client
 * follows; `tls_misconfiguration`: a certificate the control rejects the same way.
 */
export const SITE_FAULTS = ['site_restriction', 'broken_redirect', 'redirect_limit', 'tls_misconfiguration'] as const;
export type SiteFaultKind = (typeof SITE_FAULTS)[number];

export interface SiteFault {
  kind: SiteFaultKind;
  /** A short, machine-stable reason, e.g. "status 503 with cf-ray: a Cloudflare challenge". */
  evidence: string;
  /** Who restricts: the CDN or service recognised, or the entity a 451's `Link: rel="blocked-by"` names. */
  by?: string;
}

/** Per-layer result, as in OONI's v0.5 analysis: ok / blocked / down / unknown; absent layer = not measured. */
export type LayerStatus = 'ok' | 'blocked' | 'down' | 'unknown';

export interface LayerResult {
  status: LayerStatus;
  /** Short machine-stable reasons, e.g. "answer 10.10.34.35 matches fingerprint ooni.ir_4". */
  evidence: string[];
  /** The decisive probe-side failure string, if any. */
  failure?: string | null;
}

export interface FingerprintMatch {
  name: string;
  scope: string;
  /** dns | body | header.location | header.server | … */
  location: string;
  pattern_type: 'full' | 'prefix' | 'contains' | 'regexp';
  /** The value that matched (an address, a header value, a body excerpt). */
  matched: string;
  /** true when this match confirms blocking (OONI rule: scope isp/nat, or cc in expected_countries). */
  confirms: boolean;
}

/**
 * How much a `blocked` verdict proves by the kind of its evidence, for event detection:
 * `certain`: a fingerprint confirms it; `strong`: positive evidence of an interferer (a forged DNS answer, a block
 * page, a certificate that is not the site's, a reset injected right after the ClientHello); `weak`: an absence
 * that one-off faults also produce (a timeout, a failed lookup, a refused connection, an EOF).
 */
export const EVIDENCE_STRENGTHS = ['certain', 'strong', 'weak'] as const;
export type EvidenceStrength = (typeof EVIDENCE_STRENGTHS)[number];

/** The outcome a timeline shows: what event detection consumes. */
export type Outcome = 'accessible' | 'blocked' | 'down' | 'unknown';

export interface ClassicKeys {
  dns_consistency: 'consistent' | 'inconsistent' | null;
  body_length_match: boolean | null;
  body_proportion: number;
  status_code_match: boolean | null;
  headers_match: boolean | null;
  title_match: boolean | null;
  x_status?: number;
  x_dns_flags?: number;
  x_blocking_flags?: number;
  x_null_null_flags?: number;
}

export interface Verdict {
  /**
   * Which algorithm produced `blocking`/`accessible`: OONI's v0.4 classic, or v0.5's mapping; `remote-0.1` for
   * remote measurements (dns_remote, http_remote: docs/remote.md), whose classic keys are derived from the method;
   * one id per other experiment (experiments/<name>/), whose `blocking`/`accessible` re-derive OONI's test_keys;
   * `none` when no analysis ran (an unregistered test_name, unreadable test keys: `reason` says which).
   */
  engine:
    | 'classic-0.4'
    | 'lte-0.5'
    | 'remote-0.1'
    | 'telegram-0.1'
    | 'whatsapp-0.1'
    | 'signal-0.1'
    | 'dnscheck-0.1'
    | 'none';
  // --- OONI's classic meaning ---
  blocking: ClassicBlocking;
  accessible: boolean | null;
  // --- ours ---
  outcome: Outcome;
  /** OONI fastpath meaning: something looks wrong (blocking is a string, or a fingerprint matched). */
  anomaly: boolean;
  /** A block-page fingerprint confirms blocking. */
  confirmed: boolean;
  /** The measurement failed to produce evidence either way (OONI "failure"). */
  failure: boolean;
  /** For `blocked` verdicts: how much the evidence proves (see EVIDENCE_STRENGTHS); absent otherwise. */
  strength?: EvidenceStrength;
  /** The main method (first of `methods`), or null. */
  method: BlockingMethod | null;
  methods: BlockingMethod[];
  fingerprints: FingerprintMatch[];
  layers: { dns?: LayerResult; tcp?: LayerResult; tls?: LayerResult; http?: LayerResult };
  /** Set when the outcome is `down` because of the site itself (see SITE_FAULTS). */
  site_fault?: SiteFault;
  interception?: { probe_issuer: string | null; control_issuer: string | null; validated_by_extra_ca: boolean };
  classic: ClassicKeys;
  /** One human sentence (or a few) explaining the verdict, citing addresses, ASNs, fingerprints. */
  explanation: string;
  /** When the verdict is null/unknown because the input could not be analysed: why. */
  reason?: string;
}
