/**
 * An event's remote evidence on a real store: the lab fixture's remote records (AS9198: meduza.lab's ClientHello
 * dropped, seen by http_remote on https://) corroborate an event on that network, not on one nobody measured from
 * outside; records of other countries and of other times stay out.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REMOTE_LAB_RECORDS, REMOTE_LAB_REGISTRY, tempDir } from '../../test/fixtures.ts';
import { createAnalyzer } from '../analysis/analyzer.ts';
import { importFiles } from '../import/importer.ts';
import { openStore, type Store } from '../store/store.ts';
import { corroboratedNetworks, remoteEvidence } from './remote-evidence.ts';
import type { BlockingEvent } from './types.ts';

const dir = tempDir();
let store: Store;

before(async () => {
  store = await openStore({ location: { dataDir: join(dir.path, 'data') } });
  await importFiles([REMOTE_LAB_RECORDS], {
    sink: { kind: 'store', store, analyzer: createAnalyzer({ asnRegistryFile: REMOTE_LAB_REGISTRY }) },
  });
});
after(async () => {
  await store?.close();
  dir.remove();
});

function event(domain: string, onsetMs: number, endMs?: number): BlockingEvent {
  const ref = (timeMs: number) => ({ id: 'm', timeMs });
  return {
    cc: 'KZ',
    domain,
    input: `https://${domain}/`,
    onset: { before: ref(onsetMs), after: ref(onsetMs + 1) },
    end: endMs === undefined ? null : { before: ref(endMs - 1), after: ref(endMs) },
    networks: [{ asn: 9198 }, { asn: 21299 }],
  } as unknown as BlockingEvent;
}

test('remote measurements of the domain during the event corroborate the networks they saw blocking', async () => {
  const start = Date.parse('2026-12-03T00:00:00Z');
  const found = await remoteEvidence(store, event('meduza.lab', start));
  assert.deepEqual(
    found.rows.map((r) => [r.test_name, r.input, r.probe_asn, r.outcome]).sort(),
    [
      ['dns_remote', 'meduza.lab', 9198, 'accessible'],
      ['http_remote', 'http://meduza.lab/', 9198, 'accessible'],
      ['http_remote', 'https://meduza.lab/', 9198, 'blocked'],
    ],
    'KZ only: the public resolver (NL) is not in the event country',
  );
  assert.deepEqual(found.corroborated, [9198]);
  // an event that ended before the remote round has no remote evidence
  assert.deepEqual((await remoteEvidence(store, event('meduza.lab', start - 86_400_000, start))).rows, []);
  assert.deepEqual(corroboratedNetworks(event('x.lab', start), []), []);
});
