/**
 * The OONI envelope (df-000 base data format) around Web Connectivity test keys, and the report id.
 *
 * test_version: "0.4.3". Our test keys keep v0.4.3's shape (one system lookup, TCP/TLS to every address,
 * one HTTP GET chain with requests newest first, the classic keys) so OONI tooling reads them as v0.4.3
 * measurements; the v0.5-style extras (UDP and DoH lookups, duplicate DNS replies, TLS to every address) are
 * in the keys OONI also uses for them or under `x_`. See docs/probe.md.
 */
import { randomBytes } from 'node:crypto';
import { arch, platform } from 'node:os';
import type { Measurement, WebConnectivityTestKeys } from '../model/index.ts';

export const TEST_NAME = 'web_connectivity';
export const TEST_VERSION = '0.4.3';
export const SOFTWARE_NAME = 'blockwatch';
export const SOFTWARE_VERSION = '0.1.0';

/** "YYYY-MM-DD HH:MM:SS" in UTC, as OONI writes times. */
export function formatOoniTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * OONI's new report id: `{UTC YYYYMMDDTHHMMSSZ}_{test name without underscores}_{CC}_{ASN}_n1_{16 random chars}`,
 * the random part being base64 of 12 random bytes with '+' and '/' replaced by 'o' (URL- and file-safe).
 */
export function createReportId(options: { nowMs: number; cc: string; asn: string; testName?: string }): string {
  const stamp = new Date(options.nowMs)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name = (options.testName ?? TEST_NAME).replaceAll('_', '');
  const asn = options.asn.replace(/^AS/, '');
  const random = randomBytes(12).toString('base64').replace(/[+/]/g, 'o');
  return `${stamp}_${name}_${options.cc}_${asn}_n1_${random}`;
}

export interface EnvelopeFields<TK = WebConnectivityTestKeys> {
  /** the URL or domain measured; null for input-less experiments */
  input: string | null;
  /** default web_connectivity and its version; other experiments name themselves */
  testName?: string;
  testVersion?: string;
  startMs: number;
  testStartMs: number;
  runtimeSeconds: number;
  reportId: string;
  probe: { probe_cc: string; probe_asn: string; probe_network_name: string };
  resolver: { ip: string; asn: string; networkName: string };
  helperUrl?: string;
  options?: string[];
  testKeys: TK;
}

export function createEnvelope<TK = WebConnectivityTestKeys>(f: EnvelopeFields<TK>): Measurement<TK> {
  return {
    annotations: {
      architecture: arch(),
      platform: platform(),
      engine_name: SOFTWARE_NAME,
      engine_version: SOFTWARE_VERSION,
      node_version: process.versions.node,
    },
    data_format_version: '0.2.0',
    extensions: { dnst: 0, httpt: 0, netevents: 0, tcpconnect: 0, tlshandshake: 0 },
    input: f.input,
    measurement_start_time: formatOoniTime(f.startMs),
    options: f.options ?? [],
    probe_asn: f.probe.probe_asn,
    probe_cc: f.probe.probe_cc,
    probe_ip: '127.0.0.1',
    probe_network_name: f.probe.probe_network_name,
    report_id: f.reportId,
    resolver_asn: f.resolver.asn,
    resolver_ip: f.resolver.ip,
    resolver_network_name: f.resolver.networkName,
    software_name: SOFTWARE_NAME,
    software_version: SOFTWARE_VERSION,
    test_helpers: f.helperUrl ? { backend: { address: f.helperUrl, type: 'https' } } : null,
    test_keys: f.testKeys,
    test_name: f.testName ?? TEST_NAME,
    test_runtime: f.runtimeSeconds,
    test_start_time: formatOoniTime(f.testStartMs),
    test_version: f.testVersion ?? TEST_VERSION,
  };
}
