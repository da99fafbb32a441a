/**
 * Re-analysis of stored remote records (the server does not take a submitted verdict on trust): rebuilds the pure
 * analyses' inputs from a `dns_remote` or `http_remote` record, and shapes the result as a `Verdict` for the store
 * (`engine: "remote-0.1"`, OONI's classic keys derived from the method). Pure: no `node:*`, no I/O.
 */
import type { ClassicBlocking, DnsQuery, Verdict } from '../model/index.ts';
import { noClassicKeys } from '../verdict/index.ts';
// leafIssuer reads only `certificates` of the handshake view
import type { TlsView } from '../verdict/input.ts';
import { leafIssuer } from '../verdict/interception.ts';
import {
  type AddressCheck,
  analyzeRemoteDns,
  type DnsAnswerView,
  type RemoteAnalyzeOptions,
  type RemoteVerdict,
  remoteVerdict,
} from './analyze-dns.ts';
import { analyzeRemoteHttp, type QuackAttempt, type QuackProtocol } from './analyze-http.ts';

type Keys = Record<string, unknown>;
const list = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const addressesOf = (q: DnsQuery) =>
  (q.answers ?? []).flatMap((a) => (a.answer_type === 'A' && a.ipv4 ? [a.ipv4] : []));
const view = (q: DnsQuery): DnsAnswerView => ({ failure: q.failure ?? null, addrs: addressesOf(q) });
const hostOf = (endpoint: unknown) => String(endpoint ?? '').replace(/:\d+$/, '');
const asnNumber = (v: unknown) => Number(String(v ?? '').replace(/^AS/i, '')) || 0;

function reanalyzeDns(tk: Keys, options: RemoteAnalyzeOptions): RemoteVerdict {
  const queries = list<DnsQuery>(tk.queries);
  const tagged = (tag: string) => queries.filter((q) => q.tags?.includes(tag));
  const before = tagged('control_before')[0];
  const after = tagged('control_after')[0];
  const resolver = (tk.resolver ?? {}) as Keys;
  const checks = new Map<string, AddressCheck>();
  for (const h of list<Keys>(tk.tls_handshakes)) {
    const address = hostOf(h.address);
    const leaf = list<{ data?: unknown }>(h.peer_certificates)[0]?.data;
    const tlsIssuer = typeof leaf === 'string' ? leafIssuer({ certificates: [leaf] } as TlsView) : null;
    checks.set(address, { address, tlsFailure: (h.failure as string | null) ?? null, tlsIssuer });
  }
  for (const c of list<Keys>(tk.tcp_connect)) {
    const status = (c.status ?? {}) as Keys;
    const address = String(c.ip ?? '');
    if (status.failure && !checks.has(address)) checks.set(address, { address, tlsFailure: String(status.failure) });
  }
  for (const r of list<Keys>(tk.requests)) {
    const address = hostOf(r.address);
    const check = checks.get(address) ?? { address, tlsFailure: 'not measured' };
    check.httpBodySha256 = ((r.response as Keys | null)?.x_body_sha256 as string | undefined) ?? null;
    checks.set(address, check);
  }
  return analyzeRemoteDns(
    {
      domain: String(tk.domain ?? ''),
      resolver: {
        address: String(resolver.address ?? ''),
        asn: asnNumber(resolver.asn),
        cc: String(resolver.cc ?? ''),
      },
      controlBefore: before ? view(before) : { failure: 'not measured', addrs: [] },
      ...(after ? { controlAfter: view(after) } : {}),
      attempts: tagged('test').map(view),
      controls: list<DnsQuery>(tk.control_resolvers).map(view),
      checks: [...checks.values()],
    },
    options,
  );
}

function reanalyzeHttp(tk: Keys, options: RemoteAnalyzeOptions): RemoteVerdict {
  const server = (tk.server ?? {}) as Keys;
  return analyzeRemoteHttp(
    {
      protocol: (tk.protocol === 'https' ? 'https' : 'http') as QuackProtocol,
      domain: String(tk.domain ?? ''),
      server: {
        address: String(server.address ?? ''),
        port: Number(server.port) || 0,
        asn: asnNumber(server.asn),
        cc: String(server.cc ?? ''),
      },
      controls: list<QuackAttempt>(tk.controls),
      attempts: list<QuackAttempt>(tk.attempts),
      postControls: list<QuackAttempt>(tk.post_controls),
    },
    options,
  );
}

/** OONI's classic `blocking` for a remote method (dns, tcp_ip, http-failure, http-diff). */
function classicBlocking(v: RemoteVerdict): ClassicBlocking {
  if (v.outcome === 'accessible') return false;
  switch (v.method) {
    case 'dns':
      return 'dns';
    case 'tcp_ip':
      return 'tcp_ip';
    case 'tls':
    case 'http_failure':
      return 'http-failure';
    case 'http_blockpage':
    case 'tls_interception':
      return 'http-diff';
    default:
      return null;
  }
}

/** The verdict of a remote record, or null when the record is not one. Never throws. */
export function analyzeRemoteRecord(measurement: unknown, options: RemoteAnalyzeOptions = {}): Verdict | null {
  const m = (measurement ?? {}) as Keys;
  const tk = (m.test_keys ?? {}) as Keys;
  let remote: RemoteVerdict;
  try {
    if (m.test_name === 'dns_remote') remote = reanalyzeDns(tk, options);
    else if (m.test_name === 'http_remote') remote = reanalyzeHttp(tk, options);
    else return null;
  } catch (err) {
    remote = remoteVerdict('unknown', [], {}, 'Cannot analyse this remote measurement.', {
      reason: `internal error while analysing: ${(err as Error)?.message ?? String(err)}`,
    });
  }
  const blocking = classicBlocking(remote);
  return {
    engine: 'remote-0.1',
    blocking,
    accessible: remote.outcome === 'accessible' ? true : remote.outcome === 'blocked' ? false : null,
    ...remote,
    classic: noClassicKeys(),
  };
}
