/**
 * Scores detected events against known change points (synthetic truth): precision, recall, detection delay in
 * measurements and hours, and whether the onset/end brackets contain the true change time. Pure.
 *
 * Matching, per (country, network, URL): a detected episode is a true positive when it overlaps a truth episode of
 * the same kind (blocking or throttling) that no earlier detected episode matched; a second detected episode on the
 * same truth episode (a split) counts as a false positive. A truth episode is "detectable" when its network made at
 * least three evidence-carrying measurements (accessible or blocked verdicts) during it; recall is over those.
 */
import type { TruthEpisode } from './synthetic.ts';
import type { BlockingEvent, NetworkEpisode, Observation } from './types.ts';

export interface DelayStats {
  count: number;
  median: number;
  p90: number;
  max: number;
}

export interface LevelScore {
  truth: number;
  detectable: number;
  detected: number;
  truePositives: number;
  falsePositives: number;
  falseNegatives: number;
  precision: number;
  recall: number;
  /** Share of matched episodes whose onset bracket contains the true onset. */
  onsetBracketHit: number;
  /** Share of matched, ended episodes whose end bracket contains the true end. */
  endBracketHit: number;
  /** Measurements of the network from the true onset to the detection, inclusive (1 = the first one). */
  delayMeasurements: DelayStats;
  delayHours: DelayStats;
  /** Share of detections within two measurement rounds of the onset. */
  withinTwoRounds: number;
  /** The same, for blocking that began on two or more networks within 36 h (central) and on one network alone. */
  withinTwoRoundsMultiNetwork: number;
  withinTwoRoundsSingleNetwork: number;
  delayMeasurementsSingleNetwork: DelayStats;
  /** Each matched episode with a known onset: its network's measurements from the onset to the detection. */
  onsets: { truth: TruthEpisode; rounds: number; multiNetwork: boolean }[];
}

export interface Evaluation {
  network: LevelScore;
  throttling: LevelScore;
  country: {
    truth: number;
    detected: number;
    precision: number;
    recall: number;
    scopeJaccard: number;
    delayHours: DelayStats;
  };
}

function stats(values: number[]): DelayStats {
  if (values.length === 0) return { count: 0, median: Number.NaN, p90: Number.NaN, max: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { count: s.length, median: at(0.5), p90: at(0.9), max: s[s.length - 1] };
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

export function evaluateDetection(
  truth: TruthEpisode[],
  events: BlockingEvent[],
  observations: Observation[],
): Evaluation {
  // Evidence-carrying measurement times per series.
  const times = new Map<string, number[]>();
  const evidenceTimes = new Map<string, number[]>();
  for (const o of observations) {
    const key = `${o.cc}|${o.asn}|${o.input}`;
    (times.get(key) ?? times.set(key, []).get(key)!).push(o.timeMs);
    if (o.outcome === 'accessible' || o.outcome === 'blocked')
      (evidenceTimes.get(key) ?? evidenceTimes.set(key, []).get(key)!).push(o.timeMs);
  }
  for (const list of [...times.values(), ...evidenceTimes.values()]) list.sort((a, b) => a - b);
  const detected: { event: BlockingEvent; ep: NetworkEpisode }[] = [];
  for (const event of events) for (const ep of event.networks) detected.push({ event, ep });

  const level = (kind: 'block' | 'throttle'): LevelScore => {
    // The most frequent method names the episode (noise can add others).
    const isKind = (ep: NetworkEpisode) => (kind === 'throttle') === (ep.methods[0] === 'throttling');
    const mine = detected.filter((d) => isKind(d.ep)).sort((a, b) => a.ep.onset.after.timeMs - b.ep.onset.after.timeMs);
    const truths = truth.filter((t) => t.kind === kind);
    const matched = new Set<TruthEpisode>();
    let tp = 0;
    let fp = 0;
    let onsetHits = 0;
    let endHits = 0;
    let ended = 0;
    const delayM: number[] = [];
    const delayMulti: number[] = [];
    const delaySingle: number[] = [];
    const delayH: number[] = [];
    const onsets: LevelScore['onsets'] = [];
    for (const { event, ep } of mine) {
      const start = ep.onset.after.timeMs;
      const stop = ep.end?.after.timeMs ?? Number.POSITIVE_INFINITY;
      const t = truths.find(
        (x) =>
          !matched.has(x) &&
          x.cc === event.cc &&
          x.asn === ep.asn &&
          x.input === event.input &&
          start < (x.endMs ?? Number.POSITIVE_INFINITY) &&
          (x.onsetMs ?? Number.NEGATIVE_INFINITY) < stop,
      );
      if (!t) {
        fp++;
        continue;
      }
      matched.add(t);
      tp++;
      const onsetT = t.onsetMs ?? Number.NEGATIVE_INFINITY;
      if (onsetT > (ep.onset.before?.timeMs ?? Number.NEGATIVE_INFINITY) && onsetT <= ep.onset.after.timeMs)
        onsetHits++;
      if (t.endMs !== null && ep.end) {
        ended++;
        if (t.endMs > (ep.end.before?.timeMs ?? Number.NEGATIVE_INFINITY) && t.endMs <= ep.end.after.timeMs) endHits++;
      }
      if (t.onsetMs !== null) {
        const series = times.get(`${event.cc}|${ep.asn}|${event.input}`) ?? [];
        const rounds = series.filter((x) => x >= t.onsetMs! && x <= ep.detected.timeMs).length;
        delayM.push(rounds);
        const together = truths.filter(
          (x) =>
            x !== t &&
            x.cc === t.cc &&
            x.input === t.input &&
            x.onsetMs !== null &&
            Math.abs(x.onsetMs - t.onsetMs!) <= 36 * 3600_000,
        ).length;
        (together > 0 ? delayMulti : delaySingle).push(rounds);
        onsets.push({ truth: t, rounds, multiNetwork: together > 0 });
        delayH.push((ep.detected.timeMs - t.onsetMs) / 3600_000);
      }
    }
    const detectable = truths.filter((t) => {
      const ev = evidenceTimes.get(`${t.cc}|${t.asn}|${t.input}`) ?? [];
      return (
        ev.filter((x) => x >= (t.onsetMs ?? Number.NEGATIVE_INFINITY) && (t.endMs === null || x < t.endMs)).length >= 3
      );
    });
    const fn = detectable.filter((t) => !matched.has(t)).length;
    const recall = ratio(detectable.length - fn, detectable.length);
    return {
      truth: truths.length,
      detectable: detectable.length,
      detected: mine.length,
      truePositives: tp,
      falsePositives: fp,
      falseNegatives: fn,
      precision: ratio(tp, tp + fp),
      recall,
      onsetBracketHit: ratio(onsetHits, tp),
      endBracketHit: ratio(endHits, ended),
      delayMeasurements: stats(delayM),
      delayHours: stats(delayH),
      withinTwoRounds: ratio(delayM.filter((d) => d <= 2).length, delayM.length),
      withinTwoRoundsMultiNetwork: ratio(delayMulti.filter((d) => d <= 2).length, delayMulti.length),
      withinTwoRoundsSingleNetwork: ratio(delaySingle.filter((d) => d <= 2).length, delaySingle.length),
      delayMeasurementsSingleNetwork: stats(delaySingle),
      onsets,
    };
  };

  return { network: level('block'), throttling: level('throttle'), country: countryLevel(truth, events) };
}

/** Country level: truth events are unions of overlapping truth network episodes per (country, URL). */
function countryLevel(truth: TruthEpisode[], events: BlockingEvent[]): Evaluation['country'] {
  type Span = { cc: string; input: string; from: number; to: number; asns: Set<number> };
  const spans: Span[] = [];
  const byGroup = new Map<string, TruthEpisode[]>();
  for (const t of truth.filter((x) => x.kind === 'block')) {
    const k = `${t.cc}|${t.input}`;
    (byGroup.get(k) ?? byGroup.set(k, []).get(k)!).push(t);
  }
  for (const list of byGroup.values()) {
    list.sort((a, b) => (a.onsetMs ?? Number.NEGATIVE_INFINITY) - (b.onsetMs ?? Number.NEGATIVE_INFINITY));
    let cur: Span | null = null;
    for (const t of list) {
      const from = t.onsetMs ?? Number.NEGATIVE_INFINITY;
      const to = t.endMs ?? Number.POSITIVE_INFINITY;
      if (cur && from <= cur.to) {
        cur.to = Math.max(cur.to, to);
        cur.asns.add(t.asn);
      } else {
        cur = { cc: t.cc, input: t.input, from, to, asns: new Set([t.asn]) };
        spans.push(cur);
      }
    }
  }
  const blockEvents = events.filter((e) => e.methods[0] !== 'throttling');
  const matched = new Set<Span>();
  let tp = 0;
  const jaccard: number[] = [];
  const delays: number[] = [];
  for (const e of [...blockEvents].sort((a, b) => a.onset.after.timeMs - b.onset.after.timeMs)) {
    const stop = e.end?.after.timeMs ?? Number.POSITIVE_INFINITY;
    const s = spans.find(
      (x) => !matched.has(x) && x.cc === e.cc && x.input === e.input && e.onset.after.timeMs < x.to && x.from < stop,
    );
    if (!s) continue;
    matched.add(s);
    tp++;
    const got = new Set(e.networks.map((n) => n.asn));
    const inter = [...got].filter((a) => s.asns.has(a)).length;
    jaccard.push(inter / (got.size + s.asns.size - inter));
    if (Number.isFinite(s.from)) delays.push((e.detectedAtMs - s.from) / 3600_000);
  }
  return {
    truth: spans.length,
    detected: blockEvents.length,
    precision: ratio(tp, blockEvents.length),
    recall: ratio(tp, spans.length),
    scopeJaccard: jaccard.length ? jaccard.reduce((a, b) => a + b, 0) / jaccard.length : 1,
    delayHours: stats(delays),
  };
}
