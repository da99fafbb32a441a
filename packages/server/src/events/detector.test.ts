import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BlockingMethod, Outcome } from 'blockwatch/model';
import { createDetector } from './detector.ts';
import { evaluateDetection } from './evaluate.ts';
import { buildHistory } from './history.ts';
import { describeBracket, summarizeEvent } from './summarize.ts';
import { generateSynthetic } from './synthetic.ts';
import type { BlockingEvent, Observation } from './types.ts';

const T0 = Date.UTC(2014, 10, 20, 0, 0, 0);
const HOUR = 3600_000;
const URL_A = 'https://news.example.kz/article/1';

/** One verdict per network per round, every `cadenceH` hours: `pattern[asn][round]` = a/b/d/u. */
function stream(
  patterns: Record<number, string>,
  options: { cadenceH?: number; method?: BlockingMethod; cc?: string; input?: string } = {},
): Observation[] {
  const out: Observation[] = [];
  const outcomes: Record<string, Outcome> = { a: 'accessible', b: 'blocked', d: 'down', u: 'unknown' };
  for (const [asn, pattern] of Object.entries(patterns)) {
    [...pattern].forEach((c, round) => {
      if (c === '.') return;
      const timeMs = T0 + round * (options.cadenceH ?? 4) * HOUR;
      const outcome = outcomes[c];
      out.push({
        id: `m-${asn}-${round}`,
        timeMs,
        cc: options.cc ?? 'KZ',
        asn: Number(asn),
        input: options.input ?? URL_A,
        domain: new URL(options.input ?? URL_A).hostname,
        outcome,
        methods: outcome === 'blocked' ? [options.method ?? 'tls'] : [],
        confirmed: false,
      });
    });
  }
  return out;
}

function run(observations: Observation[]): BlockingEvent[] {
  const detector = createDetector();
  const events = new Map<string, BlockingEvent>();
  for (const e of detector.ingest(observations).events) events.set(e.id, e);
  return [...events.values()];
}

describe('event detection (pure)', () => {
  test('a URL blocked on one network: onset bracket is last accessible → first blocked', () => {
    const events = run(stream({ 9198: 'aaaaaabbbbbb' }));
    assert.equal(events.length, 1);
    const [e] = events;
    assert.equal(e.status, 'open');
    assert.deepEqual(
      e.networks.map((n) => n.asn),
      [9198],
    );
    assert.equal(e.onset.before?.id, 'm-9198-5');
    assert.equal(e.onset.after.id, 'm-9198-6');
    // three blocked verdicts in a row are needed on a network alone
    assert.equal(e.networks[0].detected.id, 'm-9198-8');
    assert.deepEqual(e.methods, ['tls']);
  });

  test('one-off blocked verdicts, and a site down for everyone, make no event', () => {
    assert.deepEqual(run(stream({ 1: 'aaabaaaabaaaabaa', 2: 'aaaaaaaaaaaaaaaa' })), []);
    assert.deepEqual(run(stream({ 1: 'aaaddddddaaaa', 2: 'aaaddddddaaaa', 3: 'aaaddddddaaaa' })), []);
    // down for everyone, with a flaky control making a few verdicts "blocked" at once
    assert.deepEqual(run(stream({ 1: 'aaadbddbdaaaa', 2: 'aaaddbdddaaaa', 3: 'aaaddddbdaaaa' })), []);
  });

  test('central blocking on several networks is corroborated: detected within two rounds, scope exact', () => {
    const events = run(stream({ 1: 'aaaaabbbbbb', 2: 'aaaaabbbbbb', 3: 'aaaaabbbbbb', 4: 'aaaaaaaaaaa' }));
    assert.equal(events.length, 1);
    const [e] = events;
    assert.deepEqual(e.networks.map((n) => n.asn).sort(), [1, 2, 3]);
    assert.deepEqual(e.networksMeasured, [1, 2, 3, 4]);
    for (const n of e.networks)
      assert.ok(Number(n.detected.id.split('-')[2]) <= 6, `${n.asn} detected at ${n.detected.id}`);
    assert.match(
      summarizeEvent(e),
      /^Blocked in KZ since 2014-11-20 between 16:00 and 20:00 UTC on 3 of 4 networks \(TLS\)$/,
    );
  });

  test('an end needs a run of accessible verdicts; a single leak does not split the episode', () => {
    const events = run(stream({ 7: 'aaaabbbbabbbbbaaaaaa' }));
    assert.equal(events.length, 1);
    const [e] = events;
    assert.equal(e.status, 'closed');
    assert.equal(e.end?.before?.id, 'm-7-13');
    assert.equal(e.end?.after.id, 'm-7-14');
    assert.equal(e.networks[0].accessibleCount, 1);
    assert.match(
      summarizeEvent(e),
      /^Was blocked in KZ from .* until 2014-11-22 between 04:00 and 08:00 UTC on 1 of 1 network \(TLS\)$/,
    );
  });

  test('blocked from the first measurement: the bracket has no lower bound', () => {
    const [e] = run(stream({ 5: 'bbbbb' }));
    assert.equal(e.onset.before, null);
    assert.equal(describeBracket(e.onset), 'at least 2014-11-20 00:00 UTC');
  });

  test('a fingerprint-confirmed block page is decisive on its own', () => {
    const obs = stream({ 3: 'aaab' }, { method: 'http_blockpage' });
    obs[3].confirmed = true;
    const [e] = run(obs);
    assert.equal(e.networks[0].detected.id, 'm-3-3');
    assert.ok(e.confidence > 0.99);
  });

  test('verdicts weigh by their evidence: certain alone, strong with a second, weak with two more', () => {
    const withStrength = (pattern: string, strength: 'certain' | 'strong' | 'weak', method: BlockingMethod) =>
      stream({ 3: pattern }, { method }).map((o) => (o.outcome === 'blocked' ? { ...o, strength } : o));
    // an answer that proves itself forged (a bogon, a known block-page address) is decisive
    assert.equal(run(withStrength('aaab', 'certain', 'dns'))[0]?.networks[0].detected.id, 'm-3-3');
    // a block page twice in a row is enough on one network; once is not
    assert.equal(run(withStrength('aaabb', 'strong', 'http_blockpage'))[0]?.networks[0].detected.id, 'm-3-4');
    assert.deepEqual(run(withStrength('aaabaaaa', 'strong', 'http_blockpage')), []);
    // timeouts still need three
    assert.equal(run(withStrength('aaabbb', 'weak', 'tcp_ip'))[0]?.networks[0].detected.id, 'm-3-5');
    // a strong verdict followed by a weak one of another kind is not a censor answering the same way
    const mixed = withStrength('aaabbaaaa', 'strong', 'tls');
    mixed[4] = { ...mixed[4], methods: ['tcp_ip'], strength: 'weak' };
    assert.deepEqual(run(mixed), []);
  });

  test('a network that measured first is detected when a second network confirms, not at its own third verdict', () => {
    // network 1 measures every 2 h, network 2 every 6 h: 1's two blocked verdicts wait for 2's first (an injected
    // reset: strong evidence)
    const fast = stream({ 1: 'aaaaaabb......' }, { cadenceH: 2 });
    const slow = stream({ 2: 'aaab..' }, { cadenceH: 6 }).map((o) =>
      o.outcome === 'blocked' ? { ...o, strength: 'strong' as const } : o,
    );
    const [e] = run([...fast, ...slow]);
    const n1 = e?.networks.find((n) => n.asn === 1);
    assert.equal(n1?.detected.id, 'm-2-3', "detected at the other network's verdict, after two of its own");
  });

  test('one weak verdict on another network does not corroborate two weak ones (what noise does daily)', () => {
    const fast = stream({ 1: 'aaaaaabbaaaa' }, { cadenceH: 2 });
    const slow = stream({ 2: 'aaabaa' }, { cadenceH: 6 });
    assert.deepEqual(run([...fast, ...slow]), []);
  });

  test('restoring from a snapshot mid-stream gives the same events as one pass', () => {
    const obs = generateSynthetic({ seed: 7, countries: 1, urlsPerCountry: 12, days: 10 }).observations;
    const whole = createDetector().ingest(obs).events;
    const first = createDetector();
    const half = Math.floor(obs.length / 2);
    const events = new Map(first.ingest(obs.slice(0, half)).events.map((e) => [e.id, structuredClone(e)]));
    const resumed = createDetector({ restore: JSON.parse(JSON.stringify(first.snapshot())) });
    for (const e of resumed.ingest(obs.slice(half)).events) events.set(e.id, e);
    const canon = (list: BlockingEvent[]) => JSON.stringify([...list].sort((a, b) => (a.id < b.id ? -1 : 1)));
    assert.ok(whole.length > 0);
    assert.equal(canon([...events.values()]), canon(whole));
  });

  test('throttling: a target far slower than the network baseline becomes an event', () => {
    const obs: Observation[] = [];
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 8; i++) {
        const input = `https://site${i}.example.org/`;
        const slow = i === 0 && round >= 15 ? 10 : 1;
        obs.push({
          id: `t-${round}-${i}`,
          timeMs: T0 + round * HOUR + i * 1000,
          cc: 'KZ',
          asn: 9198,
          input,
          domain: `site${i}.example.org`,
          outcome: 'accessible',
          methods: [],
          confirmed: false,
          tlsHandshakeMs: (150 + ((round * 7 + i * 13) % 40)) * slow,
        });
      }
    }
    const events = run(obs);
    assert.equal(events.length, 1);
    assert.equal(events[0].input, 'https://site0.example.org/');
    assert.deepEqual(events[0].methods, ['throttling']);
    assert.equal(events[0].onset.after.id, 't-15-0');
    assert.match(summarizeEvent(events[0]), /^Throttled in KZ since/);
  });

  test('history: per-network timeline and the answer sentence', () => {
    const obs = stream({ 1: 'aaaabbbbbb', 2: 'aaaabbbbbb', 3: 'aaaaaaaaaa' });
    const events = run(obs);
    const h = buildHistory({ cc: 'KZ', input: URL_A }, obs, events);
    assert.deepEqual(
      h.networks.map((n) => [n.asn, n.current]),
      [
        [1, 'blocked'],
        [2, 'blocked'],
        [3, 'accessible'],
      ],
    );
    assert.deepEqual(
      h.networks[0].segments.map((s) => [s.state, s.counts.accessible, s.counts.blocked]),
      [
        ['accessible', 4, 0],
        ['blocked', 0, 6],
      ],
    );
    assert.match(h.answer, /^Blocked in KZ since 2014-11-20 between 12:00 and 16:00 UTC on 2 of 3 networks \(TLS\)\.$/);
    // Blocked verdicts too few to be an event, with nothing accessible after them: suspected, not accessible.
    const few = stream({ 1: 'aaab', 2: 'abaa' });
    const h2 = buildHistory({ cc: 'KZ', input: URL_A }, few, run(few));
    assert.deepEqual(
      h2.networks.map((n) => [n.asn, n.current, n.segments.map((s) => s.state).join(',')]),
      [
        [1, 'suspected', 'accessible,suspected'],
        [2, 'accessible', 'accessible'],
      ],
    );
    assert.match(
      h2.answer,
      /^No blocking detected in KZ on 2 networks measured since 2014-11-20 \(1 of them shows blocked verdicts not yet confirmed/,
    );
  });

  test('a service: its sentences and its history answer name it, and it shares nothing with a URL', () => {
    const asService = (obs: Observation[]) => obs.map((o) => ({ ...o, input: 'telegram', domain: '' }));
    const open = asService(stream({ 1: 'aaaabbbbbb', 2: 'aaaabbbbbb', 3: 'aaaaaaaaaa' }, { method: 'tcp_ip' }));
    // the same verdicts on a URL in the same batch: two events, one per subject
    const both = run([...open, ...stream({ 1: 'aaaabbbbbb', 2: 'aaaabbbbbb', 3: 'aaaaaaaaaa' })]);
    assert.deepEqual(both.map((e) => e.input).sort(), [URL_A, 'telegram']);
    const [e] = run(open);
    assert.equal(e.domain, '');
    assert.equal(
      summarizeEvent(e),
      'Telegram blocked in KZ since 2014-11-20 between 12:00 and 16:00 UTC on 2 of 3 networks (TCP/IP)',
    );
    assert.match(
      buildHistory({ cc: 'KZ', input: 'telegram' }, open, [e]).answer,
      /^Telegram blocked in KZ since .*\.$/,
    );

    const ended = asService(stream({ 1: 'aaaabbbbbbaaaaaa', 2: 'aaaabbbbbbaaaaaa' }, { method: 'tcp_ip' }));
    const [closed] = run(ended);
    assert.match(
      summarizeEvent(closed),
      /^Telegram was blocked in KZ from 2014-11-20 between 12:00 and 16:00 UTC until .* on 2 of 2 networks \(TCP\/IP\)$/,
    );
    assert.match(
      buildHistory({ cc: 'KZ', input: 'telegram' }, ended, [closed]).answer,
      /^Telegram not blocked in KZ now: it was blocked in KZ from .*; accessible since .* \(2 networks measured\)\.$/,
    );
    const quiet = asService(stream({ 1: 'aaaa' }));
    assert.match(
      buildHistory({ cc: 'KZ', input: 'telegram' }, quiet, run(quiet)).answer,
      /^No blocking of Telegram detected in KZ on 1 network measured since 2014-11-20\.$/,
    );
    assert.equal(buildHistory({ cc: 'KZ', input: 'signal' }, [], []).answer, 'No measurements of Signal in KZ.');
  });

  test('accuracy goals on synthetic streams with realistic noise (small seed set)', () => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    const rounds: number[] = [];
    for (const seed of [11, 12]) {
      const data = generateSynthetic({ seed, countries: 2, urlsPerCountry: 30, days: 20 });
      const ev = evaluateDetection(data.truth, run(data.observations), data.observations);
      tp += ev.network.truePositives;
      fp += ev.network.falsePositives;
      fn += ev.network.falseNegatives;
      rounds.push(ev.network.delayMeasurements.median);
    }
    assert.ok(tp > 40, `too few true episodes to judge (${tp})`);
    assert.ok(tp / (tp + fp) >= 0.95, `precision ${tp / (tp + fp)}`);
    assert.ok(tp / (tp + fn) >= 0.95, `recall ${tp / (tp + fn)}`);
    for (const r of rounds) assert.ok(r <= 2, `median delay ${r} rounds`);
  });
});
