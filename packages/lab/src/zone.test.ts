import assert from 'node:assert/strict';
import { test } from 'node:test';
import dnsPacket from 'dns-packet';
import { addToZone, answerFromZone, buildResponse, decodeQuery, type Zone } from './zone.ts';

const query = (name: string, type: 'A' | 'AAAA') =>
  decodeQuery(
    dnsPacket.encode({
      type: 'query',
      id: 4242,
      flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ type, name, class: 'IN' }],
    }),
  );

test('answers A records from the zone, NOERROR/empty for AAAA, NXDOMAIN elsewhere', () => {
  const zone: Zone = new Map();
  addToZone(zone, 'Azattyq.lab.', '198.18.2.11');
  const a = dnsPacket.decode(answerFromZone(zone, query('azattyq.lab', 'A')!, true)) as dnsPacket.DecodedPacket & {
    rcode: string;
  };
  assert.equal(a.id, 4242);
  assert.equal(a.rcode, 'NOERROR');
  assert.deepEqual(
    a.answers?.map((x) => (x as { data: string }).data),
    ['198.18.2.11'],
  );
  assert.ok(a.flag_aa);
  const aaaa = dnsPacket.decode(
    answerFromZone(zone, query('azattyq.lab', 'AAAA')!, false),
  ) as dnsPacket.DecodedPacket & { rcode: string };
  assert.equal(aaaa.rcode, 'NOERROR');
  assert.equal(aaaa.answers?.length, 0);
  const nx = dnsPacket.decode(answerFromZone(zone, query('nowhere.lab', 'A')!, false)) as dnsPacket.DecodedPacket & {
    rcode: string;
  };
  assert.equal(nx.rcode, 'NXDOMAIN');
});

test('forged answers echo the question and recursion-desired flag', () => {
  const q = query('meduza.lab', 'A')!;
  const r = dnsPacket.decode(buildResponse(q, { addresses: ['10.10.34.35'], ttl: 60 })) as dnsPacket.DecodedPacket;
  assert.equal(r.questions?.[0].name, 'meduza.lab');
  assert.ok(r.flag_rd);
  assert.equal((r.answers?.[0] as { ttl?: number } | undefined)?.ttl, 60);
});

test('ignores packets that are not one-question queries', () => {
  assert.equal(decodeQuery(Buffer.from('not dns')), null);
});
