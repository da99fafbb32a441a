/**
 * The lab's DNS data and the answers built from it. Pure: packets in, packets out (dns-packet).
 *
 * The lab world has no real internet, so the authoritative server answers for every name: a name in the zone gets
 * its A records (no AAAA: the lab is IPv4-only, and NOERROR/empty says so honestly), anything else NXDOMAIN.
 */
import dnsPacket from 'dns-packet';

export const ZONE_TTL_S = 300;

/** ASCII name (lower case, no trailing dot) → IPv4 addresses. */
export type Zone = Map<string, string[]>;

export function addToZone(zone: Zone, name: string, address: string): void {
  const key = name.toLowerCase().replace(/\.$/, '');
  const list = zone.get(key) ?? [];
  if (!list.includes(address)) list.push(address);
  zone.set(key, list);
}

export interface DecodedQuery {
  id: number;
  name: string;
  type: string;
  packet: dnsPacket.Packet;
}

/** Decodes a query; null for anything that is not a well-formed one-question query (dropped, as real servers do). */
export function decodeQuery(buf: Buffer): DecodedQuery | null {
  try {
    const packet = dnsPacket.decode(buf);
    const q = packet.questions?.[0];
    if (packet.type !== 'query' || !q) return null;
    return { id: packet.id ?? 0, name: q.name.toLowerCase().replace(/\.$/, ''), type: q.type, packet };
  } catch {
    return null;
  }
}

export interface AnswerSpec {
  rcode?: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED';
  /** IPv4 answers for an A question (ignored for other types) */
  addresses?: string[];
  authoritative?: boolean;
  ttl?: number;
}

/** Builds a response to `query` echoing its id and question. */
export function buildResponse(query: DecodedQuery, spec: AnswerSpec): Buffer {
  const rcode = spec.rcode ?? 'NOERROR';
  const question = query.packet.questions?.[0];
  const answers: dnsPacket.Answer[] =
    rcode === 'NOERROR' && query.type === 'A'
      ? (spec.addresses ?? []).map((data) => ({
          type: 'A' as const,
          name: question?.name ?? query.name,
          ttl: spec.ttl ?? ZONE_TTL_S,
          class: 'IN' as const,
          data,
        }))
      : [];
  // dns-packet takes the rcode inside `flags` (low 4 bits); RD is echoed, RA set since every lab server recurses.
  const rcodeBits = { NOERROR: 0, NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 }[rcode];
  const rd = (query.packet.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
  const flags =
    rd | dnsPacket.RECURSION_AVAILABLE | (spec.authoritative ? dnsPacket.AUTHORITATIVE_ANSWER : 0) | rcodeBits;
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags,
    questions: query.packet.questions,
    answers,
  });
}

/** The zone's own answer to a query. */
export function answerFromZone(zone: Zone, query: DecodedQuery, authoritative: boolean): Buffer {
  const addresses = zone.get(query.name);
  if (!addresses) return buildResponse(query, { rcode: 'NXDOMAIN', authoritative });
  return buildResponse(query, { addresses, authoritative });
}
