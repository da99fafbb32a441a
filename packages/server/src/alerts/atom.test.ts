import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BlockingEvent } from '../events/types.ts';
import { escapeXml, renderAtomFeed } from './atom.ts';

test('escapeXml escapes markup and drops what XML 1.0 forbids, keeping every other character', () => {
  assert.equal(escapeXml(`<a href="x">&'</a>`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;');
  assert.equal(escapeXml('a\u0000b\u0007c\u001fd\uFFFEe\uD800f'), 'abcdef');
  assert.equal(escapeXml('tab\tnl\ncr\r Қазақстан 🇰🇿'), 'tab\tnl\ncr\r Қазақстан 🇰🇿');
});

test('a feed has the elements Atom 1.0 requires, with or without entries', () => {
  const empty = renderAtomFeed([], {
    scope: 'KZ',
    selfUrl: 'http://127.0.0.1/f?probe_cc=KZ&x=1',
    baseUrl: 'http://127.0.0.1',
    nowMs: Date.UTC(2026, 0, 2),
  });
  for (const element of [
    '<id>http://127.0.0.1/f?probe_cc=KZ&amp;x=1</id>',
    '<title>',
    '<updated>2026-01-02T00:00:00Z</updated>',
    '<author><name>blockwatch</name></author>',
    'rel="self"',
  ]) {
    assert.ok(empty.includes(element), element);
  }
  const event = {
    id: 'ev_0123456789abcdef',
    cc: 'KZ',
    input: 'https://x.example/',
    domain: 'x.example',
    status: 'closed',
    methods: ['tls'],
    onset: {
      before: { id: 'a', timeMs: Date.UTC(2026, 0, 1, 6) },
      after: { id: 'b', timeMs: Date.UTC(2026, 0, 1, 10) },
    },
    end: { before: { id: 'c', timeMs: Date.UTC(2026, 0, 3, 6) }, after: { id: 'd', timeMs: Date.UTC(2026, 0, 3, 8) } },
    networks: [{ asn: 9198, status: 'closed' }],
    networksMeasured: [9198, 21299],
    confidence: 0.99,
    detectedAtMs: Date.UTC(2026, 0, 1, 14),
    updatedAtMs: Date.UTC(2026, 0, 3, 8),
    evidenceCount: 7,
  } as unknown as BlockingEvent;
  const feed = renderAtomFeed([event], { scope: 'KZ', selfUrl: 'http://h/f', baseUrl: 'http://h', nowMs: 0 });
  assert.match(feed, /<entry>\n {4}<id>http:\/\/h\/api\/v1\/events\/ev_0123456789abcdef#closed<\/id>/);
  assert.match(
    feed,
    /<title>x.example: Was blocked in KZ from 2026-01-01 between 06:00 and 10:00 UTC until 2026-01-03 between 06:00 and 08:00 UTC on 1 of 2 networks \(TLS\)<\/title>/,
  );
  assert.match(feed, /<updated>2026-01-03T08:00:00Z<\/updated>\n {4}<published>2026-01-01T14:00:00Z<\/published>/);
  assert.equal((feed.match(/<updated>/g) ?? []).length, 2);

  // a service event: the sentence names the service, so the title is the sentence, and no "URL: telegram"
  const telegram = { ...event, id: 'ev_fedcba9876543210', input: 'telegram', domain: '' } as BlockingEvent;
  const serviceFeed = renderAtomFeed([telegram], { scope: 'RU', selfUrl: 'http://h/f', baseUrl: 'http://h', nowMs: 0 });
  assert.match(serviceFeed, /<title>Telegram was blocked in KZ from 2026-01-01 /);
  assert.match(serviceFeed, /\nService: Telegram\n/);
  assert.doesNotMatch(serviceFeed, /URL: telegram|<title>: /);
});
