/**
 * Dialing for the HTTP layer: TCP to a pinned IP literal, then (for https) TLS with our own verification, as an
 * undici connector. undici never resolves names here, so the address a measurement tested is the address it
 * fetched from. Failures leave as `ClassifiedError`s, so the HTTP record carries the precise connect or TLS
 * string (connection_refused, ssl_unknown_authority, ...) rather than an undici wrapper.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import { OPERATIONS } from '../model/index.ts';
import { ClassifiedError, classifyError } from './classify.ts';
import { openTcp } from './tcp.ts';
import { negotiateTls, sentCertificates, verifyPeer } from './tls.ts';
import type { Trust } from './trust.ts';

export interface DialTarget {
  address: string;
  port: number;
  /** present for https: SNI/verification name, offered ALPN, roots */
  secure?: { serverName: string; alpn: string[]; trust: Trust };
}

/** `onConnect` hears the TCP step's outcome (null: connected; else its failure), before any TLS. */
export async function dial(
  target: DialTarget,
  signal: AbortSignal,
  onConnect?: (failure: string | null) => void,
): Promise<net.Socket | tls.TLSSocket> {
  let socket: net.Socket;
  try {
    socket = await openTcp(target.address, target.port, signal);
  } catch (err) {
    const failure = classifyError(err, OPERATIONS.connect);
    onConnect?.(failure);
    throw new ClassifiedError(failure, OPERATIONS.connect, { cause: err });
  }
  onConnect?.(null);
  if (!target.secure) return socket;
  const { serverName, alpn, trust } = target.secure;
  let tlsSocket: tls.TLSSocket;
  try {
    tlsSocket = await negotiateTls(socket, { serverName, alpn, trust }, signal);
  } catch (err) {
    throw new ClassifiedError(classifyError(err, OPERATIONS.tlsHandshake), OPERATIONS.tlsHandshake, { cause: err });
  }
  const verdict = verifyPeer(tlsSocket, sentCertificates(tlsSocket), serverName, trust, false);
  if (verdict.failure !== null) {
    tlsSocket.destroy();
    throw new ClassifiedError(verdict.failure, OPERATIONS.tlsHandshake);
  }
  return tlsSocket;
}
