/**
 * The control request (OONI `THRequest`, web-connectivity.md §3): validated once, where it comes in.
 *
 * A bad request never reaches the measurement: `parseControlRequest` returns the first problem with the field
 * that holds it, written the way a reader finds it in the JSON (`tcp_connect[2]`, `http_request_headers.Accept[0]`).
 * Unknown keys are accepted and ignored, so newer probes keep working.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { formatEndpoint } from '../netx/validate.ts';

/** At most this many `tcp_connect` entries: a probe lists each resolved address on two ports. */
export const MAX_TCP_CONNECT = 64;
const MAX_URL_LENGTH = 8192;
const MAX_HEADER_VALUES = 8;
const MAX_HEADER_VALUE_LENGTH = 1024;

/** The request headers the helper forwards when it fetches the page (OONI forwards exactly these). */
export const FORWARDED_HEADERS = ['User-Agent', 'Accept', 'Accept-Language'] as const;

export interface Endpoint {
  ip: string;
  port: number;
}

export interface ControlRequestInput {
  url: URL;
  /** The URL host without IPv6 brackets. */
  host: string;
  /** The forwarded headers present in the request (first value each). */
  headers: Record<string, string>;
  /** The probe's endpoints, deduplicated, in request order. */
  probeEndpoints: Endpoint[];
}

export type ParseResult = { ok: true; request: ControlRequestInput } | { ok: false; error: string; field: string };

/** Parses "1.2.3.4:80" or "[2001:db8::1]:443"; null when it is not an IP literal with a port. */
export function parseEndpoint(text: string): Endpoint | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return null;
  const ip = match[1] ?? match[2];
  const port = Number(match[3]);
  const family = isIP(ip);
  if (family === 0 || (family === 6) !== (match[1] !== undefined)) return null;
  if (port < 1 || port > 65535) return null;
  return { ip, port };
}

/** The inverse of `parseEndpoint` (netx's formatter): the key OONI uses in `tcp_connect` and `tls_handshake`. */
export { formatEndpoint };

const urlSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
  .transform((text, ctx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      ctx.issues.push({ code: 'custom', input: text, message: 'must be an absolute http:// or https:// URL' });
      return z.NEVER;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      ctx.issues.push({ code: 'custom', input: text, message: `scheme must be http or https, got '${url.protocol}'` });
      return z.NEVER;
    }
    if (!url.hostname) {
      ctx.issues.push({ code: 'custom', input: text, message: 'URL has no host' });
      return z.NEVER;
    }
    return url;
  });

const endpointSchema = z.string().transform((text, ctx) => {
  const endpoint = parseEndpoint(text);
  if (!endpoint) {
    ctx.issues.push({
      code: 'custom',
      input: text,
      message: `must be "ip:port" or "[ipv6]:port" with a port in 1-65535, got ${JSON.stringify(text.slice(0, 80))}`,
    });
    return z.NEVER;
  }
  return endpoint;
});

const headerValue = z
  .string()
  .max(MAX_HEADER_VALUE_LENGTH, `must be at most ${MAX_HEADER_VALUE_LENGTH} characters`)
  .refine((v) => !/[\r\n\0]/.test(v), 'must not contain CR, LF or NUL');

const requestSchema = z.looseObject({
  http_request: urlSchema,
  http_request_headers: z
    .record(z.string(), z.array(headerValue).max(MAX_HEADER_VALUES, `must have at most ${MAX_HEADER_VALUES} values`))
    .nullish(),
  // Go probes marshal an empty slice as null when they resolved nothing.
  tcp_connect: z.array(endpointSchema).max(MAX_TCP_CONNECT, `must have at most ${MAX_TCP_CONNECT} entries`).nullable(),
  x_quic_enabled: z.boolean().optional(),
});

/** Renders a zod path the way the JSON reads: `tcp_connect[2]`, `http_request_headers.Accept[0]`. */
export function formatField(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (/received undefined$/.test(issue.message)) return 'is required';
  return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
}

export function parseControlRequest(body: unknown): ParseResult {
  const result = requestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = formatField(issue.path);
    if (field === '(root)') return { ok: false, field, error: 'request body must be a JSON object' };
    return { ok: false, field, error: `${field} ${describeIssue(issue)}` };
  }
  const { http_request: url, http_request_headers: rawHeaders, tcp_connect: endpoints } = result.data;
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(rawHeaders ?? {})) {
    const canonical = FORWARDED_HEADERS.find((h) => h.toLowerCase() === name.toLowerCase());
    if (canonical && values.length > 0 && !(canonical in headers)) headers[canonical] = values[0];
  }
  const seen = new Set<string>();
  const probeEndpoints: Endpoint[] = [];
  for (const endpoint of endpoints ?? []) {
    const key = formatEndpoint(endpoint.ip, endpoint.port);
    if (seen.has(key)) continue;
    seen.add(key);
    probeEndpoints.push(endpoint);
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { ok: true, request: { url, host, headers, probeEndpoints } };
}
