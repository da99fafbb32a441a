/**
 * The seed story as data, and the judgement of what the observatory found. Pure: no I/O.
 *
 * 20–28 November 2014 on a lab clock: three Kazakh-like ISPs, a news story on a Daily Mail-like site, and from
 * 24 November 10:00 UTC each ISP blocks the story in its own way. DNS and the TLS server name carry only the host
 * name, so ISPs 1 and 3 block the story's host (www.dailymail.lab) while the site's front page on dailymail.lab and
 * the other news sites stay reachable; the HTTP block page of ISP 2 can only be seen on plain http://. The story is
 * therefore measured as https:// and http://, and a network counts as blocking the story when it blocks either.
 */
import type { BlockingMethod } from 'blockwatch/model';

export const STORY_PATH = '/news/article-2846481/Officials-accused-over-missing-lake-funds.html';
export const STORY_URLS = [`https://www.dailymail.lab${STORY_PATH}`, `http://www.dailymail.lab${STORY_PATH}`] as const;

/** The test list: the story, and news pages that must stay reachable (Citizen Lab categories). */
export const TEST_LIST: readonly { url: string; category_code: string; notes: string }[] = [
  { url: STORY_URLS[0], category_code: 'NEWS', notes: 'the story' },
  { url: STORY_URLS[1], category_code: 'NEWS', notes: 'the story over plain HTTP' },
  { url: 'https://dailymail.lab/', category_code: 'NEWS', notes: 'front page of the same publication' },
  { url: 'https://www.azattyq.lab/', category_code: 'NEWS', notes: 'Azattyq (RFE/RL Kazakh service)' },
  { url: 'https://eurasianet.lab/', category_code: 'NEWS', notes: 'EurasiaNet' },
];

export const REPLAY_START_MS = Date.UTC(2014, 10, 20, 0, 0);
export const REPLAY_END_MS = Date.UTC(2014, 10, 29, 0, 0);
export const SWITCH_MS = Date.UTC(2014, 10, 24, 10, 0);

/** Which policy each ISP switches on at SWITCH_MS, and the method the verdicts must show for it. */
export const SWITCH_ON: Record<string, { policy: string; method: BlockingMethod }> = {
  isp1: { policy: 'demo-isp1-dns.json', method: 'dns' },
  isp2: { policy: 'demo-isp2-http.json', method: 'http_blockpage' },
  isp3: { policy: 'demo-isp3-tls.json', method: 'tls' },
};

/** The lab times of the probe rounds: every `everyHours` from the start of the replay, at most `maxRounds`. */
export function roundTimes(everyHours: number, maxRounds = Number.POSITIVE_INFINITY): number[] {
  const times: number[] = [];
  for (let t = REPLAY_START_MS; t < REPLAY_END_MS && times.length < maxRounds; t += everyHours * 3_600_000) {
    times.push(t);
  }
  return times;
}

/** A Citizen Lab-format CSV (RFC 4180 quoting where needed). */
export function testListCsv(entries = TEST_LIST): string {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = entries.map((e) =>
    [e.url, e.category_code, 'News Media', '2014-11-19', 'blockwatch demo', e.notes].map(field).join(','),
  );
  return `url,category_code,category_description,date_added,source,notes\n${rows.join('\n')}\n`;
}

/** The slice of an event (as the API returns it) the judgement reads. */
export interface EventView {
  id: string;
  input: string;
  summary: string;
  methods: BlockingMethod[];
  networks: { asn: number; status: string; methods: BlockingMethod[] }[];
}

export interface NetworkFinding {
  ispId: string;
  asn: number;
  org: string;
  expected: BlockingMethod;
  /** methods the events of the story's URLs show for this network, with the URL that showed them */
  found: { input: string; methods: BlockingMethod[] }[];
  ok: boolean;
}

export interface StoryFinding {
  networks: NetworkFinding[];
  /** every network blocks the story with its expected method */
  ok: boolean;
  /** events of URLs that must not be blocked (the front page, other sites): over-blocking by the lab or the engine */
  unexpected: EventView[];
}

/** Compares the detected events with what the ISPs did. */
export function judgeStory(
  events: readonly EventView[],
  isps: readonly { id: string; asn: number; org: string }[],
): StoryFinding {
  const story = events.filter((e) => (STORY_URLS as readonly string[]).includes(e.input));
  const networks = isps.map((isp): NetworkFinding => {
    const expected = SWITCH_ON[isp.id]?.method;
    const found = story.flatMap((e) =>
      e.networks.filter((n) => n.asn === isp.asn).map((n) => ({ input: e.input, methods: n.methods })),
    );
    return {
      ispId: isp.id,
      asn: isp.asn,
      org: isp.org,
      expected,
      found,
      ok: found.some((f) => f.methods.includes(expected)),
    };
  });
  const unexpected = events.filter((e) => !(STORY_URLS as readonly string[]).includes(e.input));
  return { networks, ok: networks.every((n) => n.ok) && unexpected.length === 0, unexpected };
}

/** The story's host, as remote measurement tests it (domains, not paths). */
export const STORY_HOST = new URL(STORY_URLS[0]).hostname;
/** Remote measurement's list: the story's host, and the publication's front page that must stay reachable. */
export const REMOTE_LIST = [`https://${STORY_HOST}/`, 'https://dailymail.lab/'] as const;

/** One row of the remote summary (blockwatch/remote/summary.ts), as far as the judgement reads it. */
export interface RemoteRowView {
  test_name: string;
  network: string;
  target: string;
  outcome: string;
  method: string | null;
}

export interface RemoteCorroboration {
  ispId: string;
  asn: number;
  /** the remote rows of the story's host that found it blocked in this network */
  blocked: RemoteRowView[];
  /** remote evidence shows the network's own method: the event is corroborated from outside */
  corroborates: boolean;
}

/** Whether measurements from outside (nobody inside the ISPs) saw each network block the story's host its way. */
export function corroborateRemotely(
  rows: readonly RemoteRowView[],
  isps: readonly { id: string; asn: number }[],
): RemoteCorroboration[] {
  const story = (r: RemoteRowView) =>
    r.target === STORY_HOST || new URL(`${r.target}`, 'http://x').hostname === STORY_HOST;
  return isps.map((isp) => {
    const blocked = rows.filter((r) => r.network === `AS${isp.asn}` && r.outcome === 'blocked' && story(r));
    const expected = SWITCH_ON[isp.id]?.method;
    return { ispId: isp.id, asn: isp.asn, blocked, corroborates: blocked.some((r) => r.method === expected) };
  });
}
