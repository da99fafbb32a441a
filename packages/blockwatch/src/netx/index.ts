/**
 * netx: the network primitives (DNS over the system resolver, UDP and DoH; TCP connect; TLS handshake; HTTP GET
 * through a pinned address). Each returns OONI-shaped records; network failures are data (a failure string made by
 * `classify.ts`), never exceptions. Only programmer errors and bad input throw (BlockwatchError).
 *
 * NOTE: bodies are being implemented; the signatures are the contract.
 */
import type * as net from 'node:net';
import type * as tls from 'node:tls';
import type { Trace } from '../measure/trace.ts';
import type { DnsQuery, Failure, HttpTransaction, Operation, TcpConnect, TlsHandshake } from '../model/index.ts';

export type { Trace } from '../measure/trace.ts';
export { createTrace } from '../measure/trace.ts';

const notImplemented = (): never => {
  throw new Error('not implemented');
};

export interface LookupSystemOptions {
  trace: Trace;
  timeoutMs?: number;
  signal?: AbortSignal;
}
export function lookupSystem(_hostname: string, _opts: LookupSystemOptions): Promise<DnsQuery> {
  return notImplemented();
}

export interface LookupUdpOptions {
  trace: Trace;
  /** "ip", "ip:port" or "[v6]:port" */
  resolver: string;
  queryType: 'A' | 'AAAA';
  timeoutMs?: number;
  lingerMs?: number;
  signal?: AbortSignal;
}
export function lookupUdp(
  _hostname: string,
  _opts: LookupUdpOptions,
): Promise<{ query: DnsQuery; duplicates: DnsQuery[] }> {
  return notImplemented();
}

export interface LookupDohOptions {
  trace: Trace;
  url: string;
  queryType: 'A' | 'AAAA';
  timeoutMs?: number;
  ca?: string[];
  resolve?: Map<string, string>;
  signal?: AbortSignal;
}
export function lookupDoh(_hostname: string, _opts: LookupDohOptions): Promise<DnsQuery> {
  return notImplemented();
}

export interface TcpConnectOptions {
  trace: Trace;
  timeoutMs?: number;
  signal?: AbortSignal;
}
export function tcpConnect(
  _ip: string,
  _port: number,
  _opts: TcpConnectOptions,
): Promise<{ record: TcpConnect; socket?: net.Socket }> {
  return notImplemented();
}

export interface TlsHandshakeOptions {
  trace: Trace;
  address: string;
  serverName: string;
  alpn?: string[];
  ca?: string[];
  timeoutMs?: number;
  signal?: AbortSignal;
}
export function tlsHandshake(
  _socket: net.Socket,
  _opts: TlsHandshakeOptions,
): Promise<{ record: TlsHandshake; tlsSocket?: tls.TLSSocket }> {
  return notImplemented();
}

export interface HttpGetOptions {
  trace: Trace;
  /** pinned IP for the first host */
  address?: string;
  resolveHost?: (host: string) => Promise<string | null>;
  headers?: Record<string, string>;
  ca?: string[];
  timeoutMs?: number;
  maxBodyBytes?: number;
  maxRedirects?: number;
  signal?: AbortSignal;
}
export function httpGet(
  _url: string,
  _opts: HttpGetOptions,
): Promise<{ requests: HttpTransaction[]; failure: string | null }> {
  return notImplemented();
}

export function classifyError(_err: unknown, _operation: Operation): Failure {
  return notImplemented();
}

export function extractTitle(_body: string): string {
  return notImplemented();
}
