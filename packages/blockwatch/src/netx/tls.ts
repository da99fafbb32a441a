/**
 * TLS handshake on an existing socket, with SNI and ALPN, recording what OONI records (version, cipher, ALPN, the
 * certificates exactly as the server sent them) and classifying verification the way Go (and so OONI) does:
 * leaf validity period first (`ssl_invalid_certificate`), then the name (`ssl_invalid_hostname`), then the chain
 * (`ssl_unknown_authority`, ...). We handshake with `rejectUnauthorized: false` so the certificates of a failed
 * verification (e.g. an interception certificate) are still recorded as evidence.
 */
import type { X509Certificate } from 'node:crypto';
import type * as net from 'node:net';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { toBase64Binary } from '../measure/binary.ts';
import type { Trace } from '../measure/trace.ts';
import { type Failure, OPERATIONS, type TlsHandshake } from '../model/index.ts';
import { classifyError } from './classify.ts';
import { createDeadline } from './deadline.ts';
import { keepEarlyError, socketEarlyError } from './tcp.ts';
import { isSystemRoot, type Trust, trustFor } from './trust.ts';
import { checkTimeoutMs } from './validate.ts';

export const DEFAULT_TLS_TIMEOUT_MS = 10_000;
export const DEFAULT_ALPN = ['h2', 'http/1.1'];

export interface TlsHandshakeOptions {
  trace: Trace;
  /** "ip:port" the socket is connected to (recorded) */
  address: string;
  /** SNI and the name the certificate must match; an IP literal sends no SNI and is checked against IP SANs */
  serverName: string;
  /** ALPN offered; default h2, http/1.1 (as OONI) */
  alpn?: string[];
  /** extra PEM roots, trusted in addition to the system roots */
  ca?: string[];
  /** default 10 000 */
  timeoutMs?: number;
  /**
   * Verify the certificate (default true). false: a completed handshake is a success whatever the certificate,
   * recorded with `no_tls_verify: true` (a decoy name's handshake only asks whether the server answers).
   */
  verify?: boolean;
  signal?: AbortSignal;
}

export async function tlsHandshake(
  socket: net.Socket,
  opts: TlsHandshakeOptions,
): Promise<{ record: TlsHandshake; tlsSocket?: tls.TLSSocket }> {
  const timeoutMs = checkTimeoutMs('timeoutMs', opts.timeoutMs, DEFAULT_TLS_TIMEOUT_MS);
  const trust = trustFor(opts.ca);
  const alpn = opts.alpn ?? DEFAULT_ALPN;
  const { trace } = opts;
  const transactionId = trace.nextId();
  const t0 = trace.now();
  const record: TlsHandshake = {
    network: 'tcp',
    address: opts.address,
    server_name: opts.serverName,
    alpn,
    failure: null,
    cipher_suite: '',
    tls_version: '',
    negotiated_protocol: '',
    no_tls_verify: opts.verify === false,
    peer_certificates: null,
    t0,
    t: t0,
    transaction_id: transactionId,
  };
  const deadline = createDeadline(timeoutMs, 'TLS handshake', opts.signal);
  // The handshake's bytes on the wire each way, as two events at its end (the connection's counters).
  const wireEvents = () => {
    for (const [operation, n] of [
      ['write', socket.bytesWritten],
      ['read', socket.bytesRead],
    ] as const) {
      const e = { operation, address: opts.address, failure: null, t: record.t, transaction_id: transactionId };
      if (n > 0) trace.event({ ...e, num_bytes: n });
    }
  };
  try {
    const tlsSocket = await negotiateTls(socket, { serverName: opts.serverName, alpn, trust }, deadline.signal);
    const sent = sentCertificates(tlsSocket);
    const verdict: PeerVerdict =
      opts.verify === false
        ? { failure: null, validatedByExtraCa: false }
        : verifyPeer(tlsSocket, sent, opts.serverName, trust);
    Object.assign(record, describeSession(tlsSocket, sent), { failure: verdict.failure, t: trace.now() });
    if (trust.extra.length > 0 && verdict.failure === null && opts.verify !== false)
      record.x_validated_by_extra_ca = verdict.validatedByExtraCa;
    wireEvents();
    if (verdict.failure !== null) {
      tlsSocket.destroy();
      return { record };
    }
    return { record, tlsSocket };
  } catch (err) {
    socket.destroy();
    record.failure = classifyError(err, OPERATIONS.tlsHandshake);
    record.t = trace.now();
    wireEvents();
    return { record };
  } finally {
    deadline.dispose();
  }
}

export interface NegotiateParams {
  serverName: string;
  alpn: string[];
  trust: Trust;
}

/** Runs the handshake (no verdict yet); rejects with Node's error or the signal's reason (socket destroyed). */
export function negotiateTls(socket: net.Socket, params: NegotiateParams, signal: AbortSignal): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      socket.destroy();
      reject(signal.reason);
      return;
    }
    if (socket.destroyed || !socket.writable) {
      // the connection died before the handshake started (e.g. a RST right after accept)
      reject(
        socketEarlyError(socket) ??
          Object.assign(new Error('socket closed before the TLS handshake'), { code: 'ERR_SOCKET_CLOSED' }),
      );
      socket.destroy();
      return;
    }
    const tlsSocket = tls.connect({
      socket,
      // RFC 6066: SNI carries names only; an IP literal is verified against the IP SANs instead
      servername: isIP(params.serverName) ? undefined : params.serverName,
      ALPNProtocols: params.alpn.length > 0 ? params.alpn : undefined,
      secureContext: params.trust.secureContext,
      rejectUnauthorized: false,
      // the name is checked by verifyPeer (in Go's order); Node's own check would guess a name for IP literals
      checkServerIdentity: () => undefined,
    });
    const cleanup = () => {
      tlsSocket.off('secureConnect', onSecure);
      tlsSocket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onSecure = () => {
      cleanup();
      keepEarlyError(tlsSocket); // the caller owns it now; an error before it listens must not crash the process
      resolve(tlsSocket);
    };
    const onError = (err: Error) => {
      cleanup();
      tlsSocket.destroy();
      reject(err);
    };
    const onAbort = () => {
      cleanup();
      tlsSocket.destroy();
      reject(signal.reason);
    };
    tlsSocket.once('secureConnect', onSecure);
    tlsSocket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The certificates the peer sent, leaf first.
 * QUIRK: `getPeerCertificate(true)` appends the trust anchor from the local store, so it does not tell what the
 * server sent; the X509Certificate chain from `getPeerX509Certificate()` links only certificates the peer sent.
 * QUIRK: on Node 20 `getPeerX509Certificate()` consumes OpenSSL's peer chain: a second call returns undefined.
 * So it is called exactly once per socket, here.
 */
export function sentCertificates(tlsSocket: tls.TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<string>();
  for (let c = tlsSocket.getPeerX509Certificate(); c && !seen.has(c.fingerprint256); c = c.issuerCertificate) {
    seen.add(c.fingerprint256);
    out.push(c);
  }
  return out;
}

export interface PeerVerdict {
  failure: Failure | null;
  /** the chain is valid only because of an extra (non-system) root */
  validatedByExtraCa: boolean;
}

/**
 * Go's order: leaf validity period, then name, then chain. `sent` comes from `sentCertificates`.
 * `checkExtraCa: false` skips working out which root validated the chain (a signature check) when nobody records it.
 */
export function verifyPeer(
  tlsSocket: tls.TLSSocket,
  sent: readonly X509Certificate[],
  serverName: string,
  trust: Trust,
  checkExtraCa = true,
): PeerVerdict {
  const leaf = sent[0];
  const fail = (code: string): PeerVerdict => ({
    failure: classifyError({ code }, OPERATIONS.tlsHandshake),
    validatedByExtraCa: false,
  });
  if (!leaf) return fail('ERR_SSL_NO_PEER_CERTIFICATE');
  const now = Date.now();
  if (now < Date.parse(leaf.validFrom)) return fail('CERT_NOT_YET_VALID');
  if (now > Date.parse(leaf.validTo)) return fail('CERT_HAS_EXPIRED');
  const nameMatches = isIP(serverName)
    ? leaf.checkIP(serverName) !== undefined
    : leaf.checkHost(serverName) !== undefined;
  if (!nameMatches) return fail('ERR_TLS_CERT_ALTNAME_INVALID');
  if (!tlsSocket.authorized) return fail(String(tlsSocket.authorizationError ?? 'CERT_UNTRUSTED'));
  return {
    failure: null,
    validatedByExtraCa: checkExtraCa && trust.extra.length > 0 && anchoredAtExtraRoot(sent, trust),
  };
}

function anchoredAtExtraRoot(sent: readonly X509Certificate[], trust: Trust): boolean {
  const isExtra = (c: X509Certificate) =>
    trust.extra.some((x) => x.fingerprint256 === c.fingerprint256) && !isSystemRoot(c.fingerprint256);
  if (sent.some(isExtra)) return true;
  const top = sent[sent.length - 1];
  // the server did not send the root: was the top of what it sent issued by one of the extra roots?
  return (
    top !== undefined &&
    trust.extra.some(
      (root) => !isSystemRoot(root.fingerprint256) && top.checkIssued(root) && top.verify(root.publicKey),
    )
  );
}

/** Version, cipher, ALPN and the certificates as sent (leaf first, DER base64). */
export function describeSession(
  tlsSocket: tls.TLSSocket,
  sent: readonly X509Certificate[],
): Pick<TlsHandshake, 'cipher_suite' | 'tls_version' | 'negotiated_protocol' | 'peer_certificates'> {
  return {
    cipher_suite: tlsSocket.getCipher()?.standardName ?? '',
    tls_version: tlsSocket.getProtocol() ?? '',
    negotiated_protocol: tlsSocket.alpnProtocol || '',
    peer_certificates: sent.length > 0 ? sent.map((c) => toBase64Binary(c.raw)) : null,
  };
}
