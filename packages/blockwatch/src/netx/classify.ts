/**
 * Mapping Node errors to OONI failure strings: the ONLY place a failure string is made.
 *
 * Design (after ooni/probe-cli `netxlite/classify.go`): classify by `err.code` and `err.errno`, never by message
 * text; an error that already carries a failure (`ClassifiedError`) passes through unchanged, so the innermost
 * classification wins; undici wrappers are unwrapped to their `cause`; anything left over becomes
 * `unknown_failure: <message with IP addresses removed>`. What Node reports for each censorship technique was
 * measured in a netns lab (research/netns-lab-findings.md §3); docs/failures.md lists every string.
 */
import { isIP } from 'node:net';
import type { Failure, Operation } from '../model/index.ts';

/** An error whose failure string is already known (made here); `classifyError` returns it as is. */
export class ClassifiedError extends Error {
  readonly failure: Failure;
  readonly operation: Operation;
  constructor(failure: Failure, operation: Operation, options?: { cause?: unknown }) {
    super(failure, options);
    this.name = 'ClassifiedError';
    this.failure = failure;
    this.operation = operation;
  }
}

/** Our own deadline fired (connect, handshake, read or total budget): always `generic_timeout_error`. */
export class DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(what: string) {
    super(`${what} timed out`);
    this.name = 'TimeoutError';
  }
}

/** The caller aborted the measurement (its AbortSignal): `interrupted`. */
export class InterruptedError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(options?: { cause?: unknown }) {
    super('the operation was interrupted', options);
    this.name = 'AbortError';
  }
}

// libuv's getaddrinfo errno for EAI_NODATA (uv-errno.h): Node folds it and EAI_NONAME (-3008) into ENOTFOUND.
const UV_EAI_NODATA = -3007;

const BY_CODE: Record<string, Failure> = {
  // connect / read / write (errno names, Linux)
  ECONNREFUSED: 'connection_refused',
  ECONNABORTED: 'connection_aborted',
  EHOSTUNREACH: 'host_unreachable',
  ENETUNREACH: 'network_unreachable',
  ENETDOWN: 'network_down',
  ENETRESET: 'network_reset',
  EPIPE: 'connection_reset',
  ENOTCONN: 'connection_already_closed',
  ERR_SOCKET_CLOSED: 'connection_already_closed',
  ETIMEDOUT: 'generic_timeout_error',
  // DNS: c-ares codes (dns.Resolver) and getaddrinfo codes (dns.lookup)
  ENODATA: 'dns_no_answer',
  ESERVFAIL: 'dns_servfail_error',
  EREFUSED: 'dns_refused_error',
  ETIMEOUT: 'generic_timeout_error',
  EFORMERR: 'dns_server_misbehaving',
  EBADRESP: 'dns_server_misbehaving',
  EAI_AGAIN: 'dns_temporary_failure',
  EAI_FAIL: 'dns_non_recoverable_failure',
  // certificate verification (OpenSSL verify codes as Node names them)
  CERT_HAS_EXPIRED: 'ssl_invalid_certificate',
  CERT_NOT_YET_VALID: 'ssl_invalid_certificate',
  CERT_REVOKED: 'ssl_invalid_certificate',
  CERT_REJECTED: 'ssl_invalid_certificate',
  CERT_UNTRUSTED: 'ssl_unknown_authority',
  CERT_SIGNATURE_FAILURE: 'ssl_invalid_certificate',
  INVALID_CA: 'ssl_invalid_certificate',
  INVALID_PURPOSE: 'ssl_invalid_certificate',
  PATH_LENGTH_EXCEEDED: 'ssl_invalid_certificate',
  UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: 'ssl_invalid_certificate',
  ERROR_IN_CERT_NOT_BEFORE_FIELD: 'ssl_invalid_certificate',
  ERROR_IN_CERT_NOT_AFTER_FIELD: 'ssl_invalid_certificate',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT: 'ssl_unknown_authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'ssl_unknown_authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'ssl_unknown_authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'ssl_unknown_authority',
  ERR_TLS_CERT_ALTNAME_INVALID: 'ssl_invalid_hostname',
  // TLS alert 112 "unrecognized_name": the server (or a middlebox) refuses the SNI; Go reports a hostname error
  ERR_SSL_TLSV1_UNRECOGNIZED_NAME: 'ssl_invalid_hostname',
  ERR_SSL_TLSV1_ALERT_UNRECOGNIZED_NAME: 'ssl_invalid_hostname',
  // undici
  UND_ERR_CONNECT_TIMEOUT: 'generic_timeout_error',
  UND_ERR_HEADERS_TIMEOUT: 'generic_timeout_error',
  UND_ERR_BODY_TIMEOUT: 'generic_timeout_error',
  // a declared Content-Length that never arrives: the peer closed early
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'eof_error',
  UND_ERR_HEADERS_OVERFLOW: 'http_invalid_response',
  UND_ERR_RES_EXCEEDED_MAX_SIZE: 'http_response_too_large',
  UND_ERR_INFO: 'http_invalid_response',
  // our own errors
  EOF: 'eof_error',
};

interface ErrorLike {
  code?: unknown;
  errno?: unknown;
  name?: unknown;
  message?: unknown;
  cause?: unknown;
  syscall?: unknown;
}

/** Turns any error into the failure string for `operation`. Never throws. */
export function classifyError(err: unknown, operation: Operation): Failure {
  return classifyDepth(err, operation, 0);
}

function classifyDepth(err: unknown, operation: Operation, depth: number): Failure {
  if (err instanceof ClassifiedError) return err.failure;
  if (typeof err !== 'object' || err === null) return unknownFailure(String(err));
  const e = err as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';

  // Wrappers (undici SocketError/RequestAbortedError, Node AbortError) name their reason in `cause`.
  if (depth < 4 && e.cause !== undefined && isWrapper(e, code)) {
    return classifyDepth(e.cause, operation, depth + 1);
  }
  if (code === 'ECONNRESET') {
    // QUIRK: a peer FIN during the TLS handshake surfaces as ECONNRESET *without* errno/syscall ("socket
    // disconnected before secure TLS connection was established"); a real RST carries errno -104.
    return e.errno === undefined && e.syscall === undefined ? 'eof_error' : 'connection_reset';
  }
  if (code === 'ENOTFOUND') {
    // getaddrinfo: errno tells NXDOMAIN from "no A/AAAA"; c-ares ENOTFOUND (no errno) is NXDOMAIN.
    return e.errno === UV_EAI_NODATA ? 'dns_no_answer' : 'dns_nxdomain_error';
  }
  if (code === 'UND_ERR_SOCKET') return 'eof_error'; // "other side closed" / "closed" with no underlying error
  const known = BY_CODE[code];
  if (known) return known;
  // llhttp could not parse the response; QUIRK: undici 7 often leaves `code` undefined, so the class name decides
  if (code.startsWith('HPE_') || e.name === 'HTTPParserError') return 'http_invalid_response';
  if (code.startsWith('ERR_SSL_') || code === 'ERR_TLS_HANDSHAKE_TIMEOUT') {
    return code === 'ERR_TLS_HANDSHAKE_TIMEOUT' ? 'generic_timeout_error' : 'ssl_failed_handshake';
  }
  if (e.name === 'TimeoutError') return 'generic_timeout_error';
  if (code === 'ABORT_ERR' || code === 'UND_ERR_ABORTED' || e.name === 'AbortError') return 'interrupted';
  return unknownFailure(typeof e.message === 'string' && e.message ? e.message : code || 'unknown error');
}

function isWrapper(e: ErrorLike, code: string): boolean {
  return (
    code === 'UND_ERR_SOCKET' ||
    code === 'UND_ERR_ABORTED' ||
    code === 'ABORT_ERR' ||
    code === 'UND_ERR_CONNECT' ||
    e.name === 'AbortError' ||
    (code === '' && e.cause instanceof Error)
  );
}

/** The fallback: OONI's `unknown_failure: <text>`, with addresses scrubbed so no IP leaks into a report. */
export function unknownFailure(message: string): Failure {
  return `unknown_failure: ${scrubAddresses(message)}`;
}

/** OONI's exact string when a redirect chain exceeds the limit (webconnectivitylte). */
export function tooManyRedirectsFailure(): Failure {
  return 'unknown_failure: stopped after too many redirects';
}

/** A redirect whose Location has no host (`Location: http:///x`): OONI's dedicated string. */
export function redirectLocationFailure(kind: 'empty_host' | 'bad_scheme'): Failure {
  return kind === 'empty_host' ? 'http_invalid_redirect_location_host' : 'http_unexpected_redirect_url';
}

/** The failure a DNS response implies (rcode first, then "no address of the asked type"), or null. */
export function classifyDnsResponse(rcode: string | undefined, addressCount: number): Failure | null {
  switch (rcode ?? 'NOERROR') {
    case 'NOERROR':
      return addressCount > 0 ? null : 'dns_no_answer';
    case 'NXDOMAIN':
      return 'dns_nxdomain_error';
    case 'SERVFAIL':
      return 'dns_servfail_error';
    case 'REFUSED':
      return 'dns_refused_error';
    default:
      return 'dns_server_misbehaving'; // FORMERR, NOTIMP, YXDOMAIN…: the server did not answer the question
  }
}

/** A DNS server that answered something that is not a DNS answer (DoH: wrong status, type or body). */
export function dnsServerMisbehavingFailure(): Failure {
  return 'dns_server_misbehaving';
}

/** An address the caller refuses to dial (private, loopback…): OONI's bogon string. */
export function bogonAddressFailure(): Failure {
  return 'dns_bogon_error';
}

/** A DNS lookup that has no address to give back (caller-side resolution said "nothing"). */
export function noAddressFailure(): Failure {
  return 'dns_no_answer';
}

// Candidate tokens: hex digits, dots and colons, optionally bracketed and followed by a port; each is then checked
// with isIP, so times ("12:30") and versions ("1.2") survive.
const ADDRESS_CANDIDATE = /\[?[0-9a-f:.]{2,}\]?(?::\d{1,5})?/gi;

function isAddressToken(token: string): boolean {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(token);
  if (bracketed) return isIP(bracketed[1] ?? '') !== 0;
  if (isIP(token) !== 0) return true;
  const withoutPort = token.replace(/:\d{1,5}$/, '');
  return isIP(withoutPort) === 4;
}

/** Removes IPv4 and IPv6 addresses (with ports) from free text, as OONI's scrubber does. */
export function scrubAddresses(text: string): string {
  return text.replace(ADDRESS_CANDIDATE, (m) => (isAddressToken(m) ? '[scrubbed]' : m));
}
