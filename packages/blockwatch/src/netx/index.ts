/**
 * netx: the network primitives. DNS over the system resolver, UDP and DoH; TCP connect; TLS handshake; HTTP GET
 * through a pinned address. Each returns OONI-shaped records (model/measurement.ts) timed and numbered by the
 * caller's trace. Network failures are data (a failure string made by `classify.ts`), never exceptions; only bad
 * input throws (InvalidArgumentError, BW_ERR_INVALID_ARG), before any I/O.
 *
 * Design: every primitive bounds its own time (`deadline.ts`) because the kernel does not; sockets are dialled
 * to IP literals only (no happy eyeballs); TLS is verified by us, in Go's order, so OONI's strings come out.
 */

export { extractTitle } from '../measure/title.ts';
export type { Trace } from '../measure/trace.ts';
export { createTrace } from '../measure/trace.ts';
export {
  ClassifiedError,
  classifyError,
  DeadlineError,
  InterruptedError,
  scrubAddresses,
  unknownFailure,
} from './classify.ts';
export { type LookupDohOptions, lookupDoh } from './dns-over-https.ts';
export { DEFAULT_DNS_TIMEOUT_MS, type LookupSystemOptions, lookupSystem } from './dns-system.ts';
export {
  DEFAULT_LINGER_MS,
  type LookupUdpOptions,
  lookupUdp,
  MAX_DUPLICATES,
  parseResolver,
  type UdpLookupResult,
} from './dns-udp.ts';
export {
  DEFAULT_HOP_TIMEOUT_MS,
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_MAX_READ_BYTES,
  DEFAULT_MAX_REDIRECTS,
  type HttpGetOptions,
  type HttpGetResult,
  httpGet,
  type ResolvedHost,
} from './http.ts';
export { DEFAULT_TCP_TIMEOUT_MS, type TcpConnectOptions, tcpConnect } from './tcp.ts';
export { DEFAULT_ALPN, DEFAULT_TLS_TIMEOUT_MS, type TlsHandshakeOptions, tlsHandshake } from './tls.ts';
export { dnsNameProblem, formatEndpoint } from './validate.ts';
