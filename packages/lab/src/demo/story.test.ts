import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTestList } from 'blockwatch/probe/test-list.ts';
import { createPlan } from '../plan.ts';
import { DEFAULT_SITES } from '../sites.ts';
import {
  corroborateRemotely,
  type EventView,
  judgeStory,
  roundTimes,
  STORY_HOST,
  STORY_PATH,
  STORY_URLS,
  SWITCH_MS,
  TEST_LIST,
  testListCsv,
} from './story.ts';

const isps = createPlan(3).isps;
const event = (input: string, networks: [number, EventView['methods']][]): EventView => ({
  id: `ev_${input.length}`,
  input,
  summary: '',
  methods: networks.flatMap(([, m]) => m),
  networks: networks.map(([asn, methods]) => ({ asn, status: 'open', methods })),
});

test('the default replay is 20–28 November 2014 every 6 h: 36 rounds, the switch between two of them', () => {
  const times = roundTimes(6);
  assert.equal(times.length, 36);
  assert.equal(new Date(times[0]).toISOString(), '2014-11-20T00:00:00.000Z');
  assert.equal(new Date(times[35]).toISOString(), '2014-11-28T18:00:00.000Z');
  assert.equal(times.filter((t) => t < SWITCH_MS).length, 18);
  assert.equal(roundTimes(24, 3).length, 3);
});

test('the test list is a Citizen Lab CSV the probe reads back, and the story page exists in the lab', () => {
  const entries = parseTestList(testListCsv(), 'demo.csv');
  assert.deepEqual(
    entries.map((e) => e.url),
    TEST_LIST.map((e) => e.url),
  );
  assert.ok(entries.every((e) => e.category_code === 'NEWS'));
  const dailymail = DEFAULT_SITES.find((s) => s.aliases?.includes('www.dailymail.lab'));
  assert.ok(dailymail?.pages?.[STORY_PATH], 'the story page is served by the lab');
});

test('the story counts as found only when every network shows its own method on one of the story URLs', () => {
  const [https, http] = STORY_URLS;
  const found = judgeStory(
    [
      event(https, [
        [isps[0].asn, ['dns']],
        [isps[2].asn, ['tls']],
      ]),
      event(http, [[isps[1].asn, ['http_blockpage']]]),
    ],
    isps,
  );
  assert.equal(found.ok, true);
  assert.deepEqual(
    found.networks.map((n) => n.ok),
    [true, true, true],
  );

  // isp3 seen blocking, but not by the method it used: not what the ISPs did.
  const wrongMethod = judgeStory(
    [
      event(https, [
        [isps[0].asn, ['dns']],
        [isps[2].asn, ['tcp_ip']],
      ]),
      event(http, [[isps[1].asn, ['http_blockpage']]]),
    ],
    isps,
  );
  assert.equal(wrongMethod.ok, false);
  assert.equal(wrongMethod.networks[2].ok, false);

  // An event on a page that stayed reachable is over-blocking by someone: never a success.
  const overBlocking = judgeStory(
    [
      event(https, [
        [isps[0].asn, ['dns']],
        [isps[2].asn, ['tls']],
      ]),
      event(http, [[isps[1].asn, ['http_blockpage']]]),
      event('https://dailymail.lab/', [[isps[0].asn, ['dns']]]),
    ],
    isps,
  );
  assert.equal(overBlocking.ok, false);
  assert.equal(overBlocking.unexpected.length, 1);
  assert.equal(judgeStory([], isps).ok, false);
});

test('remote evidence corroborates a network only with its own method on the story host', () => {
  const isps = [
    { id: 'isp1', asn: 9198 },
    { id: 'isp2', asn: 206026 },
    { id: 'isp3', asn: 21299 },
  ];
  const rows = [
    { test_name: 'dns_remote', network: 'AS9198', target: STORY_HOST, outcome: 'blocked', method: 'dns' },
    {
      test_name: 'http_remote',
      network: 'AS206026',
      target: `http://${STORY_HOST}/`,
      outcome: 'blocked',
      method: 'http_blockpage',
    },
    {
      test_name: 'http_remote',
      network: 'AS21299',
      target: 'https://dailymail.lab/',
      outcome: 'blocked',
      method: 'tls',
    },
  ];
  assert.deepEqual(
    corroborateRemotely(rows, isps).map((c) => [c.ispId, c.corroborates]),
    [
      ['isp1', true],
      ['isp2', true],
      ['isp3', false], // the front page, not the story's host
    ],
  );
});
