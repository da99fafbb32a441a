/**
 * Synthetic web_connectivity measurements in the v0.5 shape, one per censorship mechanism of OONI's taxonomy
 * (dns.nxdomain, dns.injection.*, tcp.*, tls.reset, tls.timeout, tls.mitm, http.blockpage, down, ok).
 *
 * Why: the reference data has real measurements for only some mechanisms, and the analyst labels and the 2024
 * Kazakhstan report come without raw measurements. These builders let tests and the accuracy report check that
 * each mechanism is named as such. Pure data; no I/O.
 */

export const MECHANISMS = [
  'ok',
  'down',
  'dns.nxdomain',
  'dns.injection.blockpage',
  'dns.injection.bogon',
  'tcp.timeout',
  'tcp.refused',
  'tls.reset',
  'tls.timeout',
  'tls.mitm',
  'http.blockpage',
  'http.reset',
] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export interface SyntheticOptions {
  host?: string;
  /** the legitimate address (the control resolves it) */
  ip?: string;
  scheme?: 'http' | 'https';
  probeCc?: string;
}

const PAGE = `<html><head><title>Independent News Today</title></head><body>${'<p>news</p>'.repeat(400)}</body></html>`;
const BLOCK_PAGE =
  '<html><head><title>Access denied</title></head><body>Access to this resource is restricted. See <a href="http://eais.rkn.gov.ru/">eais.rkn.gov.ru</a></body></html>';

/** A measurement of `host` in which the censor applies `mechanism`. */
export function syntheticMeasurement(mechanism: Mechanism, options: SyntheticOptions = {}): Record<string, unknown> {
  const host = options.host ?? 'news.example';
  const ip = options.ip ?? '93.184.216.34';
  const scheme =
    options.scheme ?? (mechanism === 'http.blockpage' || mechanism === 'dns.injection.blockpage' ? 'http' : 'https');
  const url = `${scheme}://${host}/`;
  const port = scheme === 'https' ? 443 : 80;
  const tags = ['depth=0', 'fetch_body=true', 'classic'];
  const down = mechanism === 'down';

  let answers: string[] = [ip];
  let dnsFailure: string | null = null;
  if (mechanism === 'dns.nxdomain') {
    answers = [];
    dnsFailure = 'dns_nxdomain_error';
  } else if (mechanism === 'dns.injection.blockpage') answers = ['10.10.34.35'];
  else if (mechanism === 'dns.injection.bogon') answers = ['127.0.0.2'];
  else if (down) {
    answers = [];
    dnsFailure = 'dns_nxdomain_error';
  }
  const target = answers[0];
  const endpoint = target ? `${target}:${port}` : '';

  let tcpFailure: string | null = null;
  if (mechanism === 'tcp.timeout') tcpFailure = 'generic_timeout_error';
  if (mechanism === 'tcp.refused') tcpFailure = 'connection_refused';
  if (mechanism === 'dns.injection.bogon') tcpFailure = 'connection_refused';
  let tlsFailure: string | null = null;
  if (mechanism === 'tls.reset') tlsFailure = 'connection_reset';
  if (mechanism === 'tls.timeout') tlsFailure = 'generic_timeout_error';

  const fetched = !dnsFailure && !tcpFailure && !tlsFailure;
  const blockPage = mechanism === 'http.blockpage' || mechanism === 'dns.injection.blockpage';
  const httpFailure = !fetched
    ? (dnsFailure ?? tcpFailure ?? tlsFailure)
    : mechanism === 'http.reset'
      ? 'connection_reset'
      : null;
  const body = blockPage ? BLOCK_PAGE : PAGE;

  const tcp = target
    ? [
        {
          ip: target,
          port,
          status: { success: !tcpFailure, failure: tcpFailure },
          t0: 0.1,
          t: 0.2,
          tags,
          transaction_id: 2,
        },
      ]
    : [];
  const tls =
    scheme === 'https' && target && !tcpFailure
      ? [
          {
            network: 'tcp',
            address: endpoint,
            server_name: host,
            failure: tlsFailure,
            peer_certificates: [],
            t0: 0.2,
            t: 0.3,
            tags,
            transaction_id: 2,
            ...(mechanism === 'tls.mitm' ? { x_validated_by_extra_ca: true } : {}),
          },
        ]
      : [];
  const requests =
    target && !tcpFailure && !tlsFailure
      ? [
          {
            network: 'tcp',
            address: endpoint,
            alpn: '',
            failure: httpFailure,
            request: { url, method: 'GET', headers: {}, headers_list: [], body: '', body_is_truncated: false },
            response:
              httpFailure === null
                ? {
                    code: 200,
                    headers: { 'Content-Type': 'text/html' },
                    headers_list: [],
                    body,
                    body_is_truncated: false,
                  }
                : null,
            t0: 0.3,
            t: 0.5,
            tags,
            transaction_id: 2,
          },
        ]
      : [];
  const controlEndpoint = `${ip}:${port}`;
  return {
    annotations: {},
    data_format_version: '0.2.0',
    input: url,
    measurement_start_time: '2024-05-14 23:37:18',
    probe_asn: 'AS9198',
    probe_cc: options.probeCc ?? 'KZ',
    probe_ip: '127.0.0.1',
    probe_network_name: 'JSC Kazakhtelecom',
    report_id: `synthetic_${mechanism}`,
    software_name: 'blockwatch',
    software_version: '0.1.0',
    test_name: 'web_connectivity',
    test_runtime: 1,
    test_start_time: '2024-05-14 23:37:17',
    test_version: '0.5.28',
    test_keys: {
      queries: [
        {
          engine: 'getaddrinfo',
          hostname: host,
          query_type: 'ANY',
          resolver_address: '',
          failure: dnsFailure,
          answers: dnsFailure ? null : answers.map((a) => ({ answer_type: 'A', ipv4: a, ttl: null })),
          t0: 0,
          t: 0.1,
          tags: ['depth=0', 'classic'],
          transaction_id: 1,
        },
      ],
      tcp_connect: tcp,
      tls_handshakes: tls,
      requests,
      control_failure: null,
      control: down
        ? {
            tcp_connect: {},
            dns: { failure: 'dns_name_error', addrs: [] },
            http_request: { body_length: -1, failure: 'dns_lookup_error', title: '', headers: {}, status_code: -1 },
          }
        : {
            tcp_connect: { [controlEndpoint]: { status: true, failure: null } },
            ...(scheme === 'https'
              ? { tls_handshake: { [controlEndpoint]: { server_name: host, status: true, failure: null } } }
              : {}),
            dns: { failure: null, addrs: [ip] },
            http_request: {
              body_length: PAGE.length,
              failure: null,
              title: 'Independent News Today',
              headers: { 'Content-Type': 'text/html' },
              status_code: 200,
            },
            ip_info: { [ip]: { asn: 15133, flags: 11 } },
          },
    },
  };
}
