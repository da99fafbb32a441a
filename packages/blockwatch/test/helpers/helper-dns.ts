/**
 * A tiny authoritative UDP DNS server on 127.0.0.1 for the control helper's tests: each name answers fixed
 * addresses or an rcode; unknown names get NXDOMAIN. It counts queries, so tests can tell whether it was asked.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import * as dnsPacket from 'dns-packet';

export type ZoneEntry = { a?: string[]; aaaa?: string[] } | { rcode: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' };

const RCODES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface ZoneServer {
  /** "127.0.0.1:port" */
  address: string;
  queries: string[];
  close(): Promise<void>;
}

export async function startZoneServer(zone: Record<string, ZoneEntry>): Promise<ZoneServer> {
  const socket = createSocket('udp4');
  const queries: string[] = [];
  socket.on('message', (message, remote) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    queries.push(`${question.name} ${question.type}`);
    const entry = zone[question.name.toLowerCase()] ?? { rcode: 'NXDOMAIN' };
    const rcode = 'rcode' in entry ? RCODES[entry.rcode] : RCODES.NOERROR;
    const addresses =
      'rcode' in entry
        ? []
        : question.type === 'A'
          ? (entry.a ?? [])
          : question.type === 'AAAA'
            ? (entry.aaaa ?? [])
            : [];
    const answers = addresses.map((data) => ({
      type: question.type as 'A' | 'AAAA',
      name: question.name,
      ttl: 60,
      class: 'IN' as const,
      data,
    }));
    const reply = dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: [question],
      answers,
    });
    socket.send(reply, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };
}
