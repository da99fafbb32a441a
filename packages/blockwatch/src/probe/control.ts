/**
 * The control request: the probe asks a control helper (OONI test-helper protocol, web-connectivity.md §3) to
 * measure the same URL and endpoints from an unfiltered network. `POST {helper}` with
 * `{http_request, http_request_headers, tcp_connect: ["ip:port", …]}`; the answer becomes `control`, any problem
 * becomes `control_failure` (a failure string). Bounded in time (deadline) and memory (response size).
 */
import { isIP } from 'node:net';
import { Agent, request } from 'undici';
import { z } from 'zod';
import type { ControlRequest, ControlResponse, Failure, KnownFailure } from '../model/index.ts';
import { classifyError } from '../netx/classify.ts';
import { createDeadline } from '../netx/deadline.ts';
import { formatEndpoint } from '../netx/validate.ts';
import { pinKey, type ResolvePins, urlPort } from './resolve-pins.ts';

/** A helper answer is a few KiB; 4 MiB is generous and still bounds a hostile helper. */
const MAX_CONTROL_BYTES = 4 << 20;

export interface ControlResult {
  control?: ControlResponse;
  control_failure: Failure | null;
  /** The probe's public address when the helper reports it (scrubbed from the measurement, never stored). */
  clientAddress?: string;
}

/** OONI lists each address on the URL's port, plus 443 for plain http so the helper reports TLS validity. */
export function buildControlRequest(url: string, addresses: string[], headers: Record<string, string>): ControlRequest {
  const parsed = new URL(url);
  const ports = parsed.port ? [urlPort(parsed)] : parsed.protocol === 'https:' ? [443] : [443, 80];
  const endpoints: string[] = [];
  for (const ip of addresses) for (const port of ports) endpoints.push(formatEndpoint(ip, port));
  return {
    http_request: url,
    http_request_headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    tcp_connect: [...new Set(endpoints)],
    x_quic_enabled: false,
  };
}

// Only what the analysis reads is checked; the rest passes through as the helper sent it.
const controlSchema = z.looseObject({
  tcp_connect: z.record(z.string(), z.looseObject({ status: z.boolean(), failure: z.string().nullable() })),
  http_request: z.looseObject({
    body_length: z.number(),
    failure: z.string().nullable(),
    status_code: z.number(),
  }),
  dns: z.looseObject({ failure: z.string().nullable(), addrs: z.array(z.string()) }),
});

const FAILURE_BAD_STATUS: KnownFailure = 'http_unexpected_status_code';
const FAILURE_TOO_LARGE: KnownFailure = 'http_response_too_large';
const FAILURE_BAD_JSON: KnownFailure = 'json_parse_error';

export interface ControlClientOptions {
  helperUrl: string;
  ca?: string[];
  pins?: ResolvePins;
  userAgent: string;
}

/**
 * A connection pool to one helper, kept for a whole run: a run of many URLs reuses its connections instead of
 * paying a handshake (and a pool's setup and teardown) per measurement.
 */
export interface ControlClient {
  request(request: ControlRequest, timeoutMs: number, signal?: AbortSignal): Promise<ControlResult>;
  close(): Promise<void>;
}

export function createControlClient(options: ControlClientOptions): ControlClient {
  const helper = new URL(options.helperUrl);
  const pinned = options.pins?.get(pinKey(helper.hostname, urlPort(helper)));
  const connect: Record<string, unknown> = {
    ...(options.ca ? { ca: options.ca } : {}),
    // --resolve applies to the helper too (a lab helper has a name but no public DNS).
    ...(pinned?.length
      ? {
          lookup: (_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
            const family = isIP(pinned[0]);
            if (opts?.all) cb(null, [{ address: pinned[0], family }]);
            else cb(null, pinned[0], family);
          },
        }
      : {}),
  };
  const agent = new Agent({ connect: connect as Agent.Options['connect'] });
  return {
    request: (request, timeoutMs, signal) =>
      postControl({ helper, agent, userAgent: options.userAgent, request, timeoutMs, ...(signal ? { signal } : {}) }),
    // destroy, not close: a hostile helper must not keep a finished run waiting
    close: () => agent.destroy().catch(() => {}),
  };
}

/** One control request with its own connection pool (a single measurement; runs use `createControlClient`). */
export async function requestControl(
  options: ControlClientOptions & { request: ControlRequest; timeoutMs: number; signal?: AbortSignal },
): Promise<ControlResult> {
  const client = createControlClient(options);
  try {
    return await client.request(options.request, options.timeoutMs, options.signal);
  } finally {
    await client.close();
  }
}

async function postControl(options: {
  helper: URL;
  agent: Agent;
  userAgent: string;
  request: ControlRequest;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<ControlResult> {
  const { helper, agent } = options;
  // One timer and one listener, removed in `finally` (AbortSignal.any would tie every request to the run's signal).
  const deadline = createDeadline(options.timeoutMs, 'control request', options.signal);
  const signal = deadline.signal;
  try {
    const response = await request(helper, {
      method: 'POST',
      dispatcher: agent,
      signal,
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      headers: { 'content-type': 'application/json', 'user-agent': options.userAgent },
      body: JSON.stringify(options.request),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > MAX_CONTROL_BYTES) {
        response.body.destroy();
        return { control_failure: FAILURE_TOO_LARGE };
      }
      chunks.push(chunk);
    }
    if (response.statusCode !== 200) return { control_failure: FAILURE_BAD_STATUS };
    let json: unknown;
    try {
      json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return { control_failure: FAILURE_BAD_JSON };
    }
    const parsed = controlSchema.safeParse(json);
    if (!parsed.success) return { control_failure: FAILURE_BAD_JSON };
    const control = parsed.data as unknown as ControlResponse & Record<string, unknown>;
    // A helper may tell the probe its public address (useful for scrubbing); it must not be stored.
    let clientAddress: string | undefined;
    for (const key of ['x_client_ip', 'client_ip', 'x_probe_ip']) {
      const v = control[key];
      if (typeof v === 'string' && isIP(v)) clientAddress = v;
      delete control[key];
    }
    return { control, control_failure: null, ...(clientAddress ? { clientAddress } : {}) };
  } catch (err) {
    // Our own abort reasons (DeadlineError / InterruptedError) classify exactly; undici's wrappers less so.
    return { control_failure: classifyError(signal.aborted ? signal.reason : err, 'http_round_trip') };
  } finally {
    deadline.dispose();
  }
}
