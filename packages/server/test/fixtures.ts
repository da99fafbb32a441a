/** Shared test material: temp directories, the shared reference data, small measurements and verdicts. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Measurement, Verdict } from 'blockwatch/model';

export const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
export const SHARED_DATA = new URL('../../../../shared/data/', import.meta.url).pathname;
export const OONI_MEASUREMENTS = join(SHARED_DATA, 'ooni/measurements');
export const BLOCKWATCH_BIN = join(REPO_ROOT, 'packages/blockwatch/bin/blockwatch.js');
/** A real `blockwatch remote` run against the lab, and the lab's ASN registry (its reserved addresses as public). */
export const REMOTE_LAB_RECORDS = new URL('./remote/lab-isp1.jsonl', import.meta.url).pathname;
export const REMOTE_LAB_REGISTRY = new URL('./remote/lab-registry.json', import.meta.url).pathname;

export function tempDir(prefix = 'bw-server-'): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

let counter = 0;

/** A minimal, valid web_connectivity measurement; `overrides` replace envelope fields. */
export function makeMeasurement(overrides: Record<string, unknown> = {}): Measurement<Record<string, unknown>> {
  counter++;
  return {
    annotations: {},
    data_format_version: '0.2.0',
    input: `https://site${counter}.example.com/`,
    measurement_start_time: '2026-11-20 10:00:00',
    probe_asn: 'AS12345',
    probe_cc: 'IR',
    probe_ip: '192.0.2.7',
    probe_network_name: 'Example Net',
    report_id: '20261120T100000Z_webconnectivity_IR_12345_n1_abcdefghijklmnop',
    resolver_asn: 'AS12345',
    resolver_ip: '192.0.2.53',
    resolver_network_name: 'Example Net',
    software_name: 'blockwatch',
    software_version: '0.1.0',
    test_helpers: null,
    test_keys: { blocking: false, accessible: true, queries: [], tcp_connect: [], requests: [] },
    test_name: 'web_connectivity',
    test_runtime: 1.5,
    test_start_time: '2026-11-20 09:59:00',
    test_version: '0.4.3',
    ...overrides,
  };
}

export function makeVerdict(overrides: Partial<Verdict> = {}): Verdict {
  return {
    engine: 'classic-0.4',
    blocking: false,
    accessible: true,
    outcome: 'accessible',
    anomaly: false,
    confirmed: false,
    failure: false,
    method: null,
    methods: [],
    fingerprints: [],
    layers: { dns: { status: 'ok', evidence: [] } },
    classic: {
      dns_consistency: 'consistent',
      body_length_match: true,
      body_proportion: 1,
      status_code_match: true,
      headers_match: true,
      title_match: true,
    },
    explanation: 'The page loaded as the control saw it.',
    ...overrides,
  };
}

export const BLOCKED_VERDICT: Partial<Verdict> = {
  blocking: 'dns',
  accessible: false,
  outcome: 'blocked',
  anomaly: true,
  confirmed: true,
  method: 'dns',
  methods: ['dns'],
  fingerprints: [
    { name: 'ooni.ir_4', scope: 'nat', location: 'dns', pattern_type: 'full', matched: '10.10.34.35', confirms: true },
  ],
  layers: { dns: { status: 'blocked', evidence: ['answer 10.10.34.35 matches fingerprint ooni.ir_4'] } },
  explanation: 'DNS answered 10.10.34.35, the Iranian block page address.',
};
