/**
 * `http_remote`: Hyperquack against one server inside the target network. The control domains make the template;
 * the test domain is tried up to `attempts` times (stopping at a response matching the template); after failed
 * tries a control is sent at once and, when that fails too, once more after `statefulWaitMs` (a censor that
 * punishes the connection for a while: stateful blocking). HTTP names the domain in the Host header, HTTPS in the
 * SNI (Censored Planet's HTTPS probe compares the handshake and the certificate).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Trace } from '../measure/trace.ts';
import type { RemoteAnalyzeOptions } from './analyze-dns.ts';
import { analyzeRemoteHttp, matchesTemplate, type QuackAttempt, type QuackProtocol } from './analyze-http.ts';
import type { InfraHost } from './infra.ts';
import type { PaceKey } from './pacer.ts';
import { emptyRecords, handshakeAt, pageAt, type Records } from './verify.ts';

export const HTTP_ATTEMPTS = 5;

export interface HttpRunContext extends RemoteAnalyzeOptions {
  controlDomains: string[];
  attempts: number;
  statefulWaitMs: number;
  timeoutMs: number;
  signal?: AbortSignal;
  pace: (keys: PaceKey[]) => Promise<unknown>;
  serverKeys: (server: InfraHost) => PaceKey[];
  trace: Trace;
}

export interface HttpRemoteResult {
  protocol: QuackProtocol;
  port: number;
  controls: QuackAttempt[];
  attempts: QuackAttempt[];
  postControls: QuackAttempt[];
  records: Records;
  verdict: ReturnType<typeof analyzeRemoteHttp>;
}

export const defaultPortOf = (protocol: QuackProtocol) => (protocol === 'https' ? 443 : 80);

export async function measureHttpRemote(
  server: InfraHost,
  domain: string,
  protocol: QuackProtocol,
  ctx: HttpRunContext,
): Promise<HttpRemoteResult> {
  const port = server.port ?? defaultPortOf(protocol);
  const records = emptyRecords();
  const opts = { trace: ctx.trace, timeoutMs: ctx.timeoutMs, ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const request = async (name: string): Promise<QuackAttempt> => {
    await ctx.pace(ctx.serverKeys(server));
    if (protocol === 'http') return { domain: name, ...(await pageAt(server.address, port, name, opts, records)) };
    const h = await handshakeAt(server.address, port, name, opts, records);
    return {
      domain: name,
      failure: h.failure,
      ...(h.failedOperation ? { failedOperation: h.failedOperation } : {}),
      ...(h.tlsVersion ? { tlsVersion: h.tlsVersion } : {}),
      ...(h.certSha256 ? { certSha256: h.certSha256 } : {}),
    };
  };
  const controls: QuackAttempt[] = [];
  for (const c of ctx.controlDomains) controls.push(await request(c));
  const template = controls.find((c) => c.failure === null);
  const attempts: QuackAttempt[] = [];
  const postControls: QuackAttempt[] = [];
  if (template && controls.every((c) => c.failure === null)) {
    for (let i = 0; i < ctx.attempts && !ctx.signal?.aborted; i++) {
      const a = await request(domain);
      attempts.push(a);
      if (matchesTemplate(a, template, protocol)) break;
    }
    if (!attempts.some((a) => matchesTemplate(a, template, protocol)) && !ctx.signal?.aborted) {
      const first = ctx.controlDomains[0] as string;
      const immediate = await request(first);
      postControls.push(immediate);
      if (!matchesTemplate(immediate, template, protocol) && ctx.statefulWaitMs > 0) {
        await sleep(ctx.statefulWaitMs, undefined, ctx.signal ? { signal: ctx.signal } : {}).catch(() => undefined);
        postControls.push(await request(first));
      }
    }
  }
  const verdict = analyzeRemoteHttp(
    {
      protocol,
      domain,
      server: { address: server.address, port, asn: server.asn, cc: server.cc },
      controls,
      attempts,
      postControls,
    },
    ctx,
  );
  return { protocol, port, controls, attempts, postControls, records, verdict };
}
