/**
 * TCP connect to an IP literal. No name resolution and no happy eyeballs (they would hide IPv6-only blocking:
 * research/netns-lab-findings.md §1e), and our own deadline, since a dropped SYN otherwise waits for the kernel's
 * retries (~127 s). On success the caller owns the socket.
 */
import * as net from 'node:net';
import type { Trace } from '../measure/trace.ts';
import { OPERATIONS, type TcpConnect } from '../model/index.ts';
import { classifyError } from './classify.ts';
import { createDeadline } from './deadline.ts';
import { checkIp, checkPort, checkTimeoutMs, formatEndpoint } from './validate.ts';

export const DEFAULT_TCP_TIMEOUT_MS = 10_000;

export interface TcpConnectOptions {
  trace: Trace;
  /** default 10 000 */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function tcpConnect(
  ip: string,
  port: number,
  opts: TcpConnectOptions,
): Promise<{ record: TcpConnect; socket?: net.Socket }> {
  checkIp('ip', ip);
  checkPort('port', port);
  const timeoutMs = checkTimeoutMs('timeoutMs', opts.timeoutMs, DEFAULT_TCP_TIMEOUT_MS);
  const { trace } = opts;
  const transactionId = trace.nextId();
  const t0 = trace.now();
  const deadline = createDeadline(timeoutMs, 'connect', opts.signal);
  const connected = (failure: string | null) => {
    const record = tcpRecord(ip, port, failure, t0, trace.now(), transactionId);
    const address = formatEndpoint(ip, port);
    trace.event({
      operation: 'connect',
      address,
      proto: 'tcp',
      failure,
      t0,
      t: record.t,
      transaction_id: transactionId,
    });
    return record;
  };
  try {
    const socket = await openTcp(ip, port, deadline.signal);
    return { record: connected(null), socket };
  } catch (err) {
    return { record: connected(classifyError(err, OPERATIONS.connect)) };
  } finally {
    deadline.dispose();
  }
}

function tcpRecord(ip: string, port: number, failure: string | null, t0: number, t: number, id: number): TcpConnect {
  return { ip, port, status: { success: failure === null, failure }, t0, t, transaction_id: id };
}

/** Opens a connection; rejects with Node's error, or with the signal's reason (the socket is then destroyed). */
export function openTcp(ip: string, port: number, signal: AbortSignal): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const socket = net.connect({ host: ip, port, noDelay: true });
    const cleanup = () => {
      socket.off('connect', onConnect);
      socket.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onConnect = () => {
      cleanup();
      keepEarlyError(socket);
      resolve(socket);
    };
    const onError = (err: Error) => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(signal.reason);
    };
    socket.once('connect', onConnect);
    socket.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const earlyErrors = new WeakMap<net.Socket, Error>();

/**
 * Between our connect and the caller's next step (a TLS handshake, a destroy) a RST may arrive; an 'error' event
 * with no listener would crash the process. Keep it instead, for `socketEarlyError`.
 */
export function keepEarlyError(socket: net.Socket): void {
  socket.on('error', (err) => {
    if (!earlyErrors.has(socket)) earlyErrors.set(socket, err);
  });
}

/** The error a connected socket met while nobody was reading it, if any. */
export function socketEarlyError(socket: net.Socket): Error | undefined {
  return earlyErrors.get(socket);
}
