/**
 * OONI's measurement format (df-000 base + ts-017 web_connectivity test keys), as TypeScript types.
 *
 * Conventions (style-anchors §5):
 * - a field that is absent was not measured; `failure: null` means the operation succeeded; a string is the failure;
 * - times (`t0`, `t`) are seconds relative to `measurement_start_time`;
 * - every record carries a `transaction_id`;
 * - consumers accept `null` or a missing key anywhere (real OONI data has both), so readers must be defensive.
 *
 * The runtime schema that validates these shapes is `schema.ts`.
 */
import type { Failure } from './failures.ts';
import type { Operation } from './operations.ts';

/** A UTF-8 string, or binary data as base64 (`MaybeBinaryData` in the OONI spec). */
export type MaybeBinary = string | { format: 'base64'; data: string };

export interface DnsAnswer {
  answer_type: 'A' | 'AAAA' | 'CNAME' | string;
  ipv4?: string;
  ipv6?: string;
  hostname?: string;
  ttl: number | null;
  asn?: number;
  as_org_name?: string;
}

export interface DnsQuery {
  hostname: string;
  query_type: 'A' | 'AAAA' | 'ANY' | 'CNAME' | string;
  /** getaddrinfo | udp | doh (ours); OONI also has system, golang_net_resolver, tcp, dot */
  engine: string;
  /** "1.1.1.1:53", a DoH URL, or "" for the system resolver */
  resolver_address: string;
  failure: Failure | string | null;
  rcode?: number;
  answers: DnsAnswer[] | null;
  raw_response?: string;
  t0: number;
  t: number;
  tags?: string[];
  transaction_id: number;
}

export interface TcpConnect {
  ip: string;
  port: number;
  status: { success: boolean; failure: Failure | string | null; blocked?: boolean | null };
  t0: number;
  t: number;
  tags?: string[];
  transaction_id: number;
}

export interface TlsHandshake {
  network: 'tcp' | 'udp';
  address: string;
  server_name: string;
  alpn?: string[];
  failure: Failure | string | null;
  cipher_suite: string;
  tls_version: string;
  negotiated_protocol: string;
  no_tls_verify: boolean;
  /** The chain as the server sent it, leaf first, DER. */
  peer_certificates: MaybeBinary[] | null;
  t0: number;
  t: number;
  tags?: string[];
  transaction_id: number;
  /** ours: the chain verified only thanks to extra roots from `--ca` (e.g. a national interception root) */
  x_validated_by_extra_ca?: boolean;
}

export interface HttpHeadersRecord {
  headers: Record<string, MaybeBinary>;
  headers_list: [string, MaybeBinary][];
}

export interface HttpRequestRecord extends HttpHeadersRecord {
  url: string;
  method: string;
  body: MaybeBinary | null;
  body_is_truncated: boolean;
  x_transport?: string;
}

export interface HttpResponseRecord extends HttpHeadersRecord {
  code: number;
  body: MaybeBinary | null;
  body_is_truncated: boolean;
  /** ours: full length of the body as received (even when truncated), bytes */
  x_body_length?: number;
  /** ours: hex SHA-256 of the bytes read */
  x_body_sha256?: string;
  /** ours: page title (see measure/title.ts) */
  x_title?: string;
}

export interface HttpTransaction {
  network: string;
  address: string;
  alpn: string;
  failure: Failure | string | null;
  request: HttpRequestRecord;
  response: HttpResponseRecord | null;
  t0: number;
  t: number;
  tags?: string[];
  transaction_id: number;
  /** which step of the hop failed (connect, tls_handshake, http_round_trip, read), when `failure` is set */
  x_failed_operation?: Operation;
}

export interface NetworkEvent {
  operation: string;
  address?: string;
  proto?: string;
  failure: Failure | string | null;
  num_bytes?: number;
  t0?: number;
  t: number;
  tags?: string[];
  transaction_id?: number;
}

/** The control helper's answer (OONI TH protocol, web-connectivity.md §3). */
export interface ControlResponse {
  tcp_connect: Record<string, { status: boolean; failure: string | null }>;
  tls_handshake?: Record<
    string,
    {
      server_name: string;
      status: boolean;
      failure: string | null;
      /** ours: issuer (RFC 4514, as @peculiar/x509 prints it) of the leaf certificate the helper received */
      x_issuer?: string | null;
    }
  >;
  quic_handshake?: Record<string, unknown>;
  http_request: {
    body_length: number;
    discovered_h3_endpoint?: string;
    failure: string | null;
    title: string;
    headers: Record<string, string>;
    status_code: number;
  };
  http3_request?: unknown;
  dns: { failure: string | null; addrs: string[] };
  ip_info?: Record<string, { asn: number; flags: number }>;
}

export interface ControlRequest {
  http_request: string;
  http_request_headers: Record<string, string[]>;
  tcp_connect: string[];
  x_quic_enabled?: boolean;
}

/**
 * ours (`x_sni_followups`): the follow-up of a TLS handshake that failed with a timeout, reset or EOF after TCP
 * connected, on a fresh connection to the same address: a handshake with a decoy server name (certificate not
 * checked), then, only if the server answered it, one more with the real name. The server answered the decoy when
 * `decoy_failure` is null (handshake completed) or an `ssl_*` failure (a TLS alert or record came back). These
 * handshakes are not in `tls_handshakes`: OONI's algorithm must not read them. See docs/probe.md.
 */
export interface SniFollowup {
  /** "ip:port", as the failed handshake's `address` */
  address: string;
  /** the real SNI, as the failed handshake's `server_name` */
  server_name: string;
  decoy_server_name: string;
  /** null: the decoy handshake completed; else its failure (connect or handshake) */
  decoy_failure: Failure | string | null;
  /** absent: the retry did not run (the decoy got no answer); null: the retry succeeded (certificate verified) */
  retry_failure?: Failure | string | null;
  t0: number;
  t: number;
}

/**
 * ours (`x_host_followups`): the same for a plain-HTTP request that failed with a timeout, reset or EOF after TCP
 * connected: one request to the same address with a decoy Host, then, only if it got an HTTP response
 * (`decoy_status_code`), the real request once more. No redirect is followed; bodies are read only a little.
 */
export interface HostFollowup {
  /** "ip:port", as the failed request's `address` */
  address: string;
  /** the failed request's host (its URL's host, with a port when not 80) */
  host: string;
  decoy_host: string;
  /** the decoy request's own failure (null: a response came back and was read) */
  decoy_failure: Failure | string | null;
  /** the decoy response's status code; absent when no response came back */
  decoy_status_code?: number;
  /** absent: the retry did not run; null: the retry got a response */
  retry_failure?: Failure | string | null;
  retry_status_code?: number;
  t0: number;
  t: number;
}

export interface WebConnectivityTestKeys {
  agent?: 'redirect' | 'agent';
  client_resolver?: string | null;
  retries?: number | null;
  socksproxy?: null;
  queries: DnsQuery[] | null;
  tcp_connect: TcpConnect[] | null;
  tls_handshakes?: TlsHandshake[] | null;
  network_events?: NetworkEvent[] | null;
  requests: HttpTransaction[] | null;
  control?: ControlResponse | null;
  control_failure: string | null;
  x_control_request?: ControlRequest | null;
  dns_experiment_failure: string | null;
  http_experiment_failure: string | null;
  // The classic verdict keys (computed by the engine that produced the measurement).
  dns_consistency: 'consistent' | 'inconsistent' | 'reverse_match' | null;
  body_length_match: boolean | null;
  body_proportion: number;
  status_code_match: boolean | null;
  headers_match: boolean | null;
  title_match: boolean | null;
  blocking: false | 'dns' | 'tcp_ip' | 'http-failure' | 'http-diff' | null;
  accessible: boolean | null;
  x_status?: number;
  x_dns_flags?: number;
  x_blocking_flags?: number;
  x_null_null_flags?: number;
  /** ours: UDP answers that arrived after the first one for the same query (on-path injection evidence) */
  x_dns_duplicate_responses?: DnsQuery[];
  /** ours: decoy-SNI follow-ups of failed TLS handshakes (absent: none ran) */
  x_sni_followups?: SniFollowup[];
  /** ours: decoy-Host follow-ups of a failed plain-HTTP request (absent: none ran) */
  x_host_followups?: HostFollowup[];
  /** ours: the full blockwatch verdict, written by the probe (see model/verdict.ts) */
  x_blockwatch_verdict?: unknown;
  [key: `x_${string}`]: unknown;
}

export interface Measurement<TK = WebConnectivityTestKeys> {
  annotations: Record<string, unknown>;
  data_format_version: string;
  extensions?: Record<string, number>;
  input: string | null;
  measurement_start_time: string;
  probe_asn: string;
  probe_cc: string;
  probe_ip: string;
  probe_network_name: string;
  report_id: string;
  resolver_asn: string;
  resolver_ip: string;
  resolver_network_name: string;
  software_name: string;
  software_version: string;
  test_helpers: Record<string, unknown> | null;
  test_keys: TK;
  test_name: string;
  test_runtime: number;
  test_start_time: string;
  test_version: string;
  /** assigned by a collector, absent in what a probe writes */
  measurement_uid?: string;
  options?: string[];
  [key: string]: unknown;
}

export type WebConnectivityMeasurement = Measurement<WebConnectivityTestKeys>;
