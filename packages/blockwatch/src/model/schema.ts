/**
 * The measurement schema (zod), used by the probe to check what it writes and by import and the collector to
 * check what they accept. It follows what real OONI data carries: `null` or a missing key is allowed almost
 * everywhere, unknown `x_*` keys pass through, and only the envelope fields a collector needs are required.
 */
import { z } from 'zod';

const nullish = <T extends z.ZodTypeAny>(t: T) => t.nullable().optional();
const failure = z
  .union([z.string(), z.literal(false)])
  .nullable()
  .optional();
const maybeBinary = z.union([z.string(), z.object({ format: z.literal('base64'), data: z.string() })]);

const dnsAnswer = z.looseObject({
  answer_type: z.string(),
  ipv4: z.string().optional(),
  ipv6: z.string().optional(),
  hostname: z.string().optional(),
  ttl: nullish(z.number()),
  asn: nullish(z.number()),
});

const dnsQuery = z.looseObject({
  hostname: nullish(z.string()),
  query_type: nullish(z.string()),
  engine: nullish(z.string()),
  resolver_address: nullish(z.string()),
  failure,
  answers: nullish(z.array(dnsAnswer)),
  t: nullish(z.number()),
});

const tcpConnect = z.looseObject({
  ip: z.string(),
  port: z.number().int().min(0).max(65535),
  status: z.looseObject({ success: z.boolean(), failure, blocked: nullish(z.boolean()) }),
  t: nullish(z.number()),
});

const tlsHandshake = z.looseObject({
  address: nullish(z.string()),
  server_name: nullish(z.string()),
  failure,
  cipher_suite: nullish(z.string()),
  tls_version: nullish(z.string()),
  negotiated_protocol: nullish(z.string()),
  peer_certificates: nullish(z.array(maybeBinary)),
  t: nullish(z.number()),
});

const headers = nullish(z.record(z.string(), z.union([maybeBinary, z.array(z.string())])));
const headersList = nullish(z.array(z.tuple([z.string(), maybeBinary])));

const httpTransaction = z.looseObject({
  failure,
  request: nullish(
    z.looseObject({
      url: nullish(z.string()),
      method: nullish(z.string()),
      headers,
      headers_list: headersList,
    }),
  ),
  response: nullish(
    z.looseObject({
      code: nullish(z.number()),
      headers,
      headers_list: headersList,
      body: nullish(maybeBinary),
      body_is_truncated: nullish(z.boolean()),
    }),
  ),
  t: nullish(z.number()),
});

export const webConnectivityTestKeysSchema = z.looseObject({
  queries: nullish(z.array(dnsQuery)),
  tcp_connect: nullish(z.array(tcpConnect)),
  tls_handshakes: nullish(z.array(tlsHandshake)),
  requests: nullish(z.array(httpTransaction)),
  control: nullish(z.looseObject({})),
  control_failure: nullish(z.string()),
  dns_experiment_failure: nullish(z.string()),
  http_experiment_failure: nullish(z.string()),
  dns_consistency: nullish(z.string()),
  body_length_match: nullish(z.boolean()),
  body_proportion: nullish(z.number()),
  status_code_match: nullish(z.boolean()),
  headers_match: nullish(z.boolean()),
  title_match: nullish(z.boolean()),
  blocking: nullish(z.union([z.literal(false), z.string()])),
  accessible: nullish(z.boolean()),
});

const MAX_STRING = 1 << 20;
const shortString = z.string().max(MAX_STRING);

export const measurementSchema = z
  .looseObject({
    annotations: nullish(z.record(z.string(), z.unknown())),
    data_format_version: shortString,
    input: nullish(z.union([shortString, z.array(shortString)])),
    measurement_start_time: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/, 'expected "YYYY-MM-DD HH:MM:SS" (UTC)'),
    probe_asn: z.string().regex(/^AS\d+$/, 'expected "AS" followed by a number'),
    probe_cc: z.string().regex(/^[A-Z]{2}$/, 'expected a two-letter country code'),
    probe_ip: nullish(shortString),
    probe_network_name: nullish(shortString),
    report_id: nullish(shortString),
    software_name: nullish(shortString),
    software_version: nullish(shortString),
    test_keys: z.looseObject({}).nullable(),
    test_name: z.string().regex(/^[a-z0-9_]+$/, 'expected a snake_case test name'),
    test_runtime: nullish(z.number()),
    test_start_time: nullish(shortString),
    test_version: nullish(shortString),
  })
  .superRefine((m, ctx) => {
    if (m.test_name === 'web_connectivity' && m.test_keys) {
      const r = webConnectivityTestKeysSchema.safeParse(m.test_keys);
      if (!r.success) {
        for (const issue of r.error.issues) {
          ctx.addIssue({ code: 'custom', message: issue.message, path: ['test_keys', ...issue.path] });
        }
      }
    }
  });

export type ValidationResult = { ok: true } | { ok: false; path: string; message: string };

/** Validates a parsed measurement; on failure names the first bad field as a dotted path ("test_keys.queries.0.t"). */
export function validateMeasurement(value: unknown): ValidationResult {
  const r = measurementSchema.safeParse(value);
  if (r.success) return { ok: true };
  const issue = r.error.issues[0];
  const path = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
  return { ok: false, path, message: issue?.message ?? 'invalid measurement' };
}
