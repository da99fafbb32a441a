/**
 * The failure vocabulary: OONI's df-007 strings, which every record uses.
 *
 * Design: a closed set. A string is never renamed or reused, because stored measurements and
 * analyses compare them verbatim. Strings are produced in exactly one place
 * (`netx/classify.ts`); everything else only compares against these constants.
 * Anything unclassified becomes `unknown_failure: <scrubbed message>`.
 */
export const FAILURES = [
  // DNS
  'dns_nxdomain_error',
  'dns_no_answer',
  'dns_refused_error',
  'dns_servfail_error',
  'dns_server_misbehaving',
  'dns_bogon_error',
  'dns_reply_with_wrong_query_id',
  'dns_temporary_failure',
  'dns_non_recoverable_failure',
  'android_dns_cache_no_data',
  // connect / read / write
  'connection_refused',
  'connection_reset',
  'connection_aborted',
  'connection_already_closed',
  'host_unreachable',
  'network_unreachable',
  'network_down',
  'network_reset',
  'eof_error',
  // TLS
  'ssl_invalid_hostname',
  'ssl_unknown_authority',
  'ssl_invalid_certificate',
  'ssl_failed_handshake',
  // HTTP
  'http_request_failed',
  'http_unexpected_redirect_url',
  'http_unexpected_status_code',
  'http_invalid_redirect_location_host',
  'http_too_many_redirects',
  'http_response_too_large',
  'http_invalid_response',
  // catch-alls
  'generic_timeout_error',
  'interrupted',
  'json_parse_error',
] as const;

export type KnownFailure = (typeof FAILURES)[number];
/** A failure string: a known one, or `unknown_failure: <text>`. */
export type Failure = KnownFailure | `unknown_failure: ${string}`;

/** Legacy strings the control helper speaks (OONI TH protocol), see web-connectivity.md §4 and §7. */
export const TH_FAILURES = [
  'connection_refused_error',
  'connect_error',
  'generic_timeout_error',
  'dns_name_error',
  'dns_server_failure',
  'dns_lookup_error',
  'unknown_error',
] as const;
export type ThFailure = (typeof TH_FAILURES)[number];

const known = new Set<string>(FAILURES);
export function isFailure(value: unknown): value is Failure {
  return typeof value === 'string' && (known.has(value) || value.startsWith('unknown_failure'));
}
