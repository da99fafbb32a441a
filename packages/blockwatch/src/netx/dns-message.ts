/**
 * DNS wire messages (RFC 1035) for the UDP and DoH engines: building a query and turning a response into the
 * OONI `DnsQuery` fields (answers with the CNAME chain and TTLs, numeric rcode, the failure it implies,
 * the raw message as evidence).
 */
import { randomInt } from 'node:crypto';
import * as dnsPacket from 'dns-packet';
import { toBase64Binary } from '../measure/binary.ts';
import type { DnsAnswer, DnsQuery } from '../model/index.ts';
import { classifyDnsResponse } from './classify.ts';

export type AddressQueryType = 'A' | 'AAAA';

const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
];

export interface EncodedQuery {
  id: number;
  bytes: Buffer;
}

/** A recursive query with a random id (the id is what an off-path injector has to guess). */
export function encodeQuery(hostname: string, queryType: AddressQueryType, id = randomInt(0, 65536)): EncodedQuery {
  const bytes = dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: queryType, name: hostname, class: 'IN' }],
  });
  return { id, bytes };
}

export type DecodedResponse = Pick<DnsQuery, 'failure' | 'rcode' | 'answers' | 'raw_response'> & {
  id: number;
  questionName: string;
};

/** Decodes a response; `null` when the bytes are not a DNS response at all. */
export function decodeResponse(bytes: Buffer, queryType: AddressQueryType): DecodedResponse | null {
  let packet: dnsPacket.DecodedPacket;
  try {
    packet = dnsPacket.decode(bytes);
  } catch {
    return null;
  }
  if (packet.type !== 'response') return null;
  const rcode = (packet.flags ?? 0) & 0x0f;
  const answers: DnsAnswer[] = [];
  let addressCount = 0;
  for (const a of packet.answers ?? []) {
    const ttl = 'ttl' in a ? (a.ttl ?? null) : null;
    if (a.type === 'A' && typeof a.data === 'string') {
      answers.push({ answer_type: 'A', ipv4: a.data, ttl });
      if (queryType === 'A') addressCount++;
    } else if (a.type === 'AAAA' && typeof a.data === 'string') {
      answers.push({ answer_type: 'AAAA', ipv6: a.data, ttl });
      if (queryType === 'AAAA') addressCount++;
    } else if (a.type === 'CNAME' && typeof a.data === 'string') {
      answers.push({ answer_type: 'CNAME', hostname: a.data, ttl });
    }
  }
  const failure = classifyDnsResponse(RCODE_NAMES[rcode] ?? `RCODE${rcode}`, addressCount);
  return {
    id: packet.id ?? -1,
    questionName: packet.questions?.[0]?.name ?? '',
    failure,
    rcode,
    // OONI writes `answers: null` on failure
    answers: failure === null ? answers : null,
    raw_response: (toBase64Binary(bytes) as { data: string }).data,
  };
}
