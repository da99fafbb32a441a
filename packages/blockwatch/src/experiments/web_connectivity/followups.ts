/**
 * Decoy follow-ups: one timeout, reset or EOF after the ClientHello (or after a plain-HTTP request) cannot tell a
 * censor from a flaky path. So, on a fresh connection to the same address, the probe asks with a decoy name
 * (OONI's sni_blocking control name, `example.com`) and, only if the server answers it, once more with the real
 * name. Decoy answered and real name failed again: the network filters by the name.
 *
 *   TLS:  connect → handshake SNI=example.com (certificate not checked) ─ answered? → connect → handshake SNI=real
 *   HTTP: GET Host: example.com (no redirect, body capped)               ─ response? → the real GET once more
 *
 * Bounds: at most `MAX_FOLLOWUP_ENDPOINTS` per measurement, each step (connect, handshake, request) at most
 * min(`FOLLOWUP_STEP_MS`, the probe's TLS step limit) and never past the
 * measurement's budget; none starts with less than `MIN_FOLLOWUP_BUDGET_MS` left (a decoy cut short by the budget
 * would read as an unreachable address). The handshakes and requests use the probe's own primitives and failure
 * strings, on a trace that shares the measurement's clock but records no network events and no OONI records:
 * the results go to `x_sni_followups` / `x_host_followups` only (docs/probe.md).
 */
import { isIP } from 'node:net';
import type { HostFollowup, HttpTransaction, SniFollowup } from '../../model/index.ts';
import { formatEndpoint, httpGet, type Trace, tcpConnect, tlsHandshake } from '../../netx/index.ts';
import { decoyAnsweredHttp, decoyAnsweredTls, FOLLOWUP_FAILURES, splitEndpoint } from '../../verdict/index.ts';

/** OONI's sni_blocking control name, also Hyperquack's: a name no censor has reason to filter. */
export const DECOY_NAME = 'example.com';
export const MAX_FOLLOWUP_ENDPOINTS = 2;
export const FOLLOWUP_STEP_MS = 5_000;
export const MIN_FOLLOWUP_BUDGET_MS = 2_000;
/** The decoy and the retry are asked whether they answer, not for the page. */
const FOLLOWUP_BODY_BYTES = 1024;

export interface FollowupContext {
  trace: Trace;
  /** milliseconds left of the measurement's budget */
  remainingMs: () => number;
  /** the probe's own step limit: a follow-up step never waits longer than the step it follows up */
  stepLimitMs?: number;
  ca?: string[];
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** Who gets a follow-up: a failure without an answer, while slots and budget last. Claims the slot. */
export function createFollowupGate(ctx: FollowupContext, max = MAX_FOLLOWUP_ENDPOINTS) {
  let left = max;
  return (failure: string | null): boolean => {
    if (failure === null || !FOLLOWUP_FAILURES.has(failure)) return false;
    if (left <= 0 || ctx.remainingMs() < MIN_FOLLOWUP_BUDGET_MS || ctx.signal?.aborted) return false;
    left--;
    return true;
  };
}

/** The measurement's clock and nothing else: follow-ups must not add network events or transaction ids. */
function quietTrace(trace: Trace): Trace {
  let id = 1;
  return {
    zeroMs: trace.zeroMs,
    now: () => trace.now(),
    nextId: () => id++,
    event: () => {},
    networkEvents: () => [],
  };
}

const stepMs = (ctx: FollowupContext) =>
  Math.max(1, Math.floor(Math.min(FOLLOWUP_STEP_MS, ctx.stepLimitMs ?? FOLLOWUP_STEP_MS, ctx.remainingMs())));

/** One connect + handshake; the failure of whichever step failed, null when the handshake completed. */
async function handshakeOnce(
  ip: string,
  port: number,
  serverName: string,
  alpn: string[],
  verify: boolean,
  ctx: FollowupContext,
  trace: Trace,
): Promise<string | null> {
  const { record, socket } = await tcpConnect(ip, port, { trace, timeoutMs: stepMs(ctx), signal: ctx.signal });
  if (!socket || !record.status.success) {
    socket?.destroy();
    return record.status.failure ?? 'unknown_failure: connect failed without a failure';
  }
  try {
    const tls = await tlsHandshake(socket, {
      trace,
      address: formatEndpoint(ip, port),
      serverName,
      alpn,
      verify,
      ...(ctx.ca ? { ca: ctx.ca } : {}),
      timeoutMs: stepMs(ctx),
      signal: ctx.signal,
    });
    tls.tlsSocket?.destroy();
    return tls.record.failure;
  } finally {
    socket.destroy();
  }
}

export async function followUpSni(
  ip: string,
  port: number,
  serverName: string,
  alpn: string[],
  ctx: FollowupContext,
): Promise<SniFollowup> {
  const trace = quietTrace(ctx.trace);
  const t0 = trace.now();
  const decoyFailure = await handshakeOnce(ip, port, DECOY_NAME, alpn, false, ctx, trace);
  const out: SniFollowup = {
    address: formatEndpoint(ip, port),
    server_name: serverName,
    decoy_server_name: DECOY_NAME,
    decoy_failure: decoyFailure,
    t0,
    t: t0,
  };
  if (decoyAnsweredTls(decoyFailure))
    out.retry_failure = await handshakeOnce(ip, port, serverName, alpn, true, ctx, trace);
  out.t = trace.now();
  return out;
}

/**
 * A hop that failed without an answer after TCP connected (so its address is known), at one of `operations`, on a
 * URL of `protocol`: the hop's address and URL, or null.
 */
function failedHop(
  hop: HttpTransaction | undefined,
  operations: readonly string[],
  protocol: 'http:' | 'https:',
): { address: string; url: URL } | null {
  if (!hop || hop.failure === null || !FOLLOWUP_FAILURES.has(hop.failure) || !hop.address) return null;
  if (!operations.includes(hop.x_failed_operation ?? '')) return null;
  try {
    const url = new URL(hop.request.url);
    return url.protocol === protocol ? { address: hop.address, url } : null;
  } catch {
    return null;
  }
}

/**
 * The final hop's address and host when its TLS handshake failed without an answer (a redirect to another host
 * whose ClientHello a censor drops), unless a follow-up of that address and name already ran (the first hop's
 * own handshakes are followed up where they are made).
 */
export function hopTlsFollowupTarget(
  hop: HttpTransaction | undefined,
  followedUp: readonly { address: string; serverName: string }[],
): { ip: string; port: number; host: string } | null {
  const failed = failedHop(hop, ['tls_handshake'], 'https:');
  if (!failed) return null;
  const { address, url } = failed;
  // an IP literal sends no server name: nothing to filter by, nothing to follow up
  if (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0) return null;
  if (followedUp.some((f) => f.address === address && f.serverName === url.hostname)) return null;
  const { ip, port } = splitEndpoint(address);
  return { ip, port, host: url.hostname };
}

/** The failed hop's address and host, when it is a plain-HTTP request that failed after TCP connected. */
export function hostFollowupTarget(hop: HttpTransaction | undefined): { address: string; ip: string; url: URL } | null {
  const failed = failedHop(hop, ['http_round_trip', 'read'], 'http:');
  return failed ? { ...failed, ip: splitEndpoint(failed.address).ip } : null;
}

/** One request, no redirect followed, the body barely read: its own failure and status code. */
async function requestOnce(
  url: URL,
  ip: string,
  ctx: FollowupContext,
  trace: Trace,
): Promise<{ failure: string | null; status: number | null }> {
  const { requests, failure } = await httpGet(url.href, {
    trace,
    address: ip,
    ...(ctx.headers ? { headers: ctx.headers } : {}),
    timeoutMs: stepMs(ctx),
    maxRedirects: 0,
    maxBodyBytes: FOLLOWUP_BODY_BYTES,
    maxReadBytes: FOLLOWUP_BODY_BYTES,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const hop = requests[requests.length - 1];
  const status = hop?.response?.code ?? null;
  // a redirect the follow-up does not follow is an answer, not the chain's failure
  return { failure: hop ? hop.failure : failure, status: status !== null && status > 0 ? status : null };
}

export async function followUpHost(
  target: { address: string; ip: string; url: URL },
  ctx: FollowupContext,
): Promise<HostFollowup> {
  const { ip, url } = target;
  const trace = quietTrace(ctx.trace);
  const t0 = trace.now();
  const decoyUrl = new URL(`http://${DECOY_NAME}/`);
  decoyUrl.port = url.port;
  const decoy = await requestOnce(decoyUrl, ip, ctx, trace);
  const out: HostFollowup = {
    address: target.address,
    host: url.host,
    decoy_host: decoyUrl.host,
    decoy_failure: decoy.failure,
    t0,
    t: t0,
  };
  if (decoy.status !== null) out.decoy_status_code = decoy.status;
  if (decoyAnsweredHttp(decoy.status)) {
    const retry = await requestOnce(url, ip, ctx, trace);
    out.retry_failure = retry.failure;
    if (retry.status !== null) out.retry_status_code = retry.status;
  }
  out.t = trace.now();
  return out;
}
