/**
 * The OONI-format records of remote measurements (docs/remote.md): the df-000 envelope with `test_name`
 * `dns_remote` or `http_remote` and `annotations.vantage: "remote"`. `probe_asn`/`probe_cc` name the network that
 * was measured (the resolver's or server's), as they name the probe's network in Web Connectivity, so the store,
 * events and the UI group remote evidence with in-network evidence of the same network.
 */
import { randomBytes } from 'node:crypto';
import type { Measurement } from '../model/index.ts';
import { formatOoniTime, SOFTWARE_NAME, SOFTWARE_VERSION } from '../probe/envelope.ts';
import type { QuackProtocol } from './analyze-http.ts';
import type { InfraHost } from './infra.ts';
import type { DnsRemoteResult } from './measure-dns.ts';
import type { HttpRemoteResult } from './measure-http.ts';

export const DNS_REMOTE = 'dns_remote';
export const HTTP_REMOTE = 'http_remote';
export const REMOTE_TEST_VERSION = '0.1.0';
export const REMOTE_TEST_NAMES: readonly string[] = [DNS_REMOTE, HTTP_REMOTE];

/** True for a record measured from outside the network it describes (by test name, or its annotation). */
export function isRemoteMeasurement(m: { test_name?: unknown; annotations?: unknown }): boolean {
  const vantage = (m.annotations as { vantage?: unknown } | undefined)?.vantage;
  return vantage === 'remote' || REMOTE_TEST_NAMES.includes(String(m.test_name));
}

export interface EnvelopeContext {
  startMs: number;
  runtimeSeconds: number;
  reportId: string;
  /** the unfiltered network the run is measured from, when known */
  vantageAsn?: string;
}

/** One report id per run and test: `{time}_{test}_{ZZ}_0_n1_{random}` (the run spans many networks). */
export function createRemoteReportId(nowMs: number, testName: string): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}_${testName.replaceAll('_', '')}_ZZ_0_n1_${randomBytes(12).toString('base64').replace(/[+/]/g, 'o')}`;
}

function envelope<TK>(
  testName: string,
  input: string,
  host: InfraHost,
  ctx: EnvelopeContext,
  testKeys: TK,
  resolverIp = '',
): Measurement<TK> {
  return {
    annotations: {
      engine_name: SOFTWARE_NAME,
      engine_version: SOFTWARE_VERSION,
      vantage: 'remote',
      ...(ctx.vantageAsn ? { vantage_asn: ctx.vantageAsn } : {}),
    },
    data_format_version: '0.2.0',
    input,
    measurement_start_time: formatOoniTime(ctx.startMs),
    probe_asn: `AS${host.asn}`,
    probe_cc: host.cc,
    probe_ip: '127.0.0.1',
    probe_network_name: '',
    report_id: ctx.reportId,
    resolver_asn: resolverIp ? `AS${host.asn}` : 'AS0', // OONI's spelling of "no resolver"; the store refuses ''
    resolver_ip: resolverIp,
    resolver_network_name: '',
    software_name: SOFTWARE_NAME,
    software_version: SOFTWARE_VERSION,
    test_helpers: null,
    test_keys: testKeys,
    test_name: testName,
    test_runtime: ctx.runtimeSeconds,
    test_start_time: formatOoniTime(ctx.startMs),
    test_version: REMOTE_TEST_VERSION,
  };
}

export function dnsRemoteRecord(
  resolver: InfraHost,
  domain: string,
  controlDomain: string,
  result: DnsRemoteResult,
  ctx: EnvelopeContext,
) {
  return envelope(
    DNS_REMOTE,
    domain,
    resolver,
    ctx,
    {
      vantage: 'remote',
      domain,
      control_domain: controlDomain,
      resolver: { address: resolver.address, asn: `AS${resolver.asn}`, cc: resolver.cc },
      queries: result.queries,
      control_resolvers: result.controlQueries,
      tcp_connect: result.verification.tcp_connect,
      tls_handshakes: result.verification.tls_handshakes,
      requests: result.verification.requests,
      x_blockwatch_verdict: result.verdict,
    },
    resolver.address,
  );
}

/** The input of an http_remote record is the URL a browser would fetch, so it lines up with Web Connectivity. */
export const remoteUrl = (protocol: QuackProtocol, domain: string) => `${protocol}://${domain}/`;

export function httpRemoteRecord(server: InfraHost, domain: string, result: HttpRemoteResult, ctx: EnvelopeContext) {
  // bodies are in `requests`; the tries keep theirs, so the record can be re-analysed with fingerprints
  const strip = ({ body: _body, ...rest }: { body?: string }) => rest;
  return envelope(HTTP_REMOTE, remoteUrl(result.protocol, domain), server, ctx, {
    vantage: 'remote',
    domain,
    protocol: result.protocol,
    server: { address: server.address, port: result.port, asn: `AS${server.asn}`, cc: server.cc },
    // the reduced views the verdict compared (bodies are in `requests`)
    controls: result.controls.map(strip),
    attempts: result.attempts,
    post_controls: result.postControls.map(strip),
    tcp_connect: result.records.tcp_connect,
    tls_handshakes: result.records.tls_handshakes,
    requests: result.records.requests,
    x_blockwatch_verdict: result.verdict,
  });
}
