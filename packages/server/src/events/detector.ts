/**
 * The event detector: pure and synchronous. Feed it observations in time order; it returns what changed (events,
 * evidence rows, series states) for the caller to persist. Restore it from the persisted series and open events to
 * resume after a restart; a rebuild feeds it all history from an empty state and gets the same events.
 *
 *   observation ─▶ throttling check (network baseline) ─▶ series (cc, asn, URL): two one-sided CUSUMs
 *                                                           │ onset / end crossings, corroborated by siblings
 *                                                           ▼
 *                                                 group (cc, URL): the open country event and its networks
 *
 * Design choices (see docs/events.md): one CUSUM per network and URL on the log-likelihood ratio of each verdict;
 * thresholds lowered when other networks of the same URL and country show blocking at the same time (censorship is
 * usually central, noise is not correlated across networks); brackets from the CUSUM change-point estimate (the
 * start of the excursion that crossed), so a leak inside an episode does not move its onset.
 */
import type { BlockingMethod, EvidenceStrength } from 'blockwatch/model';
import { eventIdOf, groupKeyOf, seriesKeyOf } from './ids.ts';
import { type Llrs, llrsOf, resolveParams } from './params.ts';
import { type NetworkBaseline, ThrottleBaselines } from './throttling.ts';
import type {
  BlockingEvent,
  DetectorChanges,
  DetectorParams,
  EvidenceRow,
  MeasurementRef,
  NetworkEpisode,
  Observation,
  SeriesState,
} from './types.ts';

interface Group {
  cc: string;
  input: string;
  series: Map<number, SeriesState>;
  open: BlockingEvent | null;
}

export interface DetectorSnapshot {
  series: SeriesState[];
  openEvents: BlockingEvent[];
  baselines: NetworkBaseline[];
}

export interface Detector {
  /** Processes observations (sorted by time inside the call); returns what changed. */
  ingest(observations: Iterable<Observation>): DetectorChanges & { baselines: NetworkBaseline[] };
  /** Everything needed to resume. */
  snapshot(): DetectorSnapshot;
  readonly params: DetectorParams;
}

export function createDetector(
  options: { params?: Partial<DetectorParams>; restore?: DetectorSnapshot } = {},
): Detector {
  const params = resolveParams(options.params);
  const llr = llrsOf(params);
  const groups = new Map<string, Group>();
  const baselines = new ThrottleBaselines(params, options.restore?.baselines);
  const openById = new Map<string, BlockingEvent>();
  for (const e of options.restore?.openEvents ?? []) if (e.status === 'open') openById.set(e.id, e);
  for (const s of options.restore?.series ?? []) {
    const group = groupOf(groups, s.cc, s.input);
    group.series.set(s.asn, s);
    // A series' open episode and the event's copy are one object in memory; JSON made them two: relink.
    const event = s.eventId ? openById.get(s.eventId) : undefined;
    const episode = event?.networks.find(
      (n) => n.asn === s.asn && n.status === 'open' && n.onset.after.id === s.episode?.onset.after.id,
    );
    if (s.phase === 'blocked' && episode) {
      s.episode = episode;
    } else if (s.phase === 'blocked') {
      // The event was lost (a crash between writes): start the series afresh rather than carry a dangling episode.
      s.phase = 'unknown';
      s.episode = null;
      s.eventId = null;
      s.downScore = 0;
      s.pending = [];
    }
  }
  for (const e of openById.values()) groupOf(groups, e.cc, e.input).open = e;

  function ingest(observations: Iterable<Observation>) {
    const sorted = [...observations].sort((a, b) => a.timeMs - b.timeMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const changedEvents = new Map<string, BlockingEvent>();
    const changedSeries = new Map<string, SeriesState>();
    const evidence: EvidenceRow[] = [];
    const touchedNetworks = new Set<string>();
    const out = { changedEvents, changedSeries, evidence };
    for (const raw of sorted) {
      const assessment = baselines.assess(raw);
      if (raw.tlsHandshakeMs !== undefined || raw.throughputKbps !== undefined)
        touchedNetworks.add(`${raw.cc}|${raw.asn}`);
      const o = assessment.throttled
        ? { ...raw, outcome: 'blocked' as const, methods: ['throttling' as BlockingMethod], confirmed: false }
        : raw;
      step(groupOf(groups, o.cc, o.input), o, out);
    }
    return {
      events: [...changedEvents.values()],
      evidence,
      series: [...changedSeries.values()],
      baselines: baselines.snapshot(touchedNetworks),
    };
  }

  interface Out {
    changedEvents: Map<string, BlockingEvent>;
    changedSeries: Map<string, SeriesState>;
    evidence: EvidenceRow[];
  }

  function step(group: Group, o: Observation, out: Out): void {
    let s = group.series.get(o.asn);
    if (!s) {
      s = newSeries(o);
      group.series.set(o.asn, s);
    }
    s.lastTimeMs = Math.max(s.lastTimeMs, o.timeMs);
    s.measured++;
    const downElsewhere = o.outcome === 'blocked' && !o.confirmed && siteDownForEveryone(group, s, o.timeMs);
    s.lastOutcome = o.outcome;
    out.changedSeries.set(s.key, s);
    if (group.open && !group.open.networksMeasured.includes(o.asn)) {
      group.open.networksMeasured = [...group.open.networksMeasured, o.asn].sort((a, b) => a - b);
      out.changedEvents.set(group.open.id, group.open);
    }
    if (o.outcome !== 'blocked' && o.outcome !== 'accessible') return; // down / unknown: no evidence either way
    if (downElsewhere) return;
    const ref: MeasurementRef = { id: o.id, timeMs: o.timeMs };
    if (s.phase === 'blocked') stepBlocked(group, s, o, ref, endRatio(s, o), out);
    else stepReachable(group, s, o, ref, o.outcome === 'accessible' ? llr.accessible : blockedLlr(o), out);
  }

  /** A blocked verdict weighs what its evidence proves: a confirmed or forged answer far more than a timeout. */
  function blockedLlr(o: Observation): number {
    if (o.confirmed || o.strength === 'certain') return llr.confirmed;
    return o.strength === 'strong' ? llr.strong : llr.blocked;
  }

  /** Phases unknown/accessible: watch for an onset. */
  function stepReachable(group: Group, s: SeriesState, o: Observation, ref: MeasurementRef, ratio: number, out: Out) {
    const before = s.upScore;
    // Blocking is consistent: the same mechanism answers every time. One-off failures are not: a blocked verdict
    // whose methods share none with the excursion's so far counts half.
    if (
      o.outcome === 'blocked' &&
      before > 0 &&
      o.methods.length > 0 &&
      !o.methods.some((m) => s.pendingMethodCounts[m])
    )
      ratio *= 0.5;
    // The kind of evidence is as consistent (a forged answer every time, or a timeout every time): a verdict of the
    // other kind counts half as well.
    if (o.outcome === 'blocked' && before > 0 && s.pendingStrength != null && strengthClass(o) !== s.pendingStrength)
      ratio *= 0.5;
    // A verdict that weighs more alone than added to the excursion so far (a strong one after weak noise of
    // another kind) starts a new excursion: the CUSUM's own restart, which the halving above would otherwise defeat.
    const alone = o.outcome === 'blocked' ? blockedLlr(o) : 0;
    const restart = o.outcome === 'blocked' && before > 0 && alone > before + ratio;
    s.upScore = restart ? alone : Math.max(0, s.upScore + ratio);
    if (o.outcome === 'blocked') {
      if (before === 0 || restart) resetPending(s);
      if (s.pending.length < params.maxPending) s.pending.push(ref);
      s.runStart ??= ref;
      s.pendingStrength ??= strengthClass(o);
      s.pendingMethods = countMethods(s.pendingMethodCounts, o.methods);
      s.pendingConfirmed ||= o.confirmed;
      if (crossesOnset(group, s, o.timeMs)) openEpisode(group, s, ref, out);
      // Siblings that were suspect now have a blocked or suspect network beside them: re-judge them at once, so
      // a network that measured first is not kept waiting for its own third verdict.
      for (const sib of group.series.values()) {
        if (sib !== s && sib.phase !== 'blocked' && sib.pending.length > 0 && sib.upScore > 0) {
          if (crossesOnset(group, sib, o.timeMs)) openEpisode(group, sib, ref, out);
        }
      }
    } else if (s.upScore === 0) {
      s.phase = 'accessible';
      s.lastSteady = ref;
      resetPending(s);
    } else {
      s.pendingAccessible++;
      s.runStart = null;
    }
  }

  /** Phase blocked: watch for an end. */
  function stepBlocked(group: Group, s: SeriesState, o: Observation, ref: MeasurementRef, ratio: number, out: Out) {
    const episode = s.episode!;
    const event = group.open;
    const before = s.downScore;
    s.downScore = Math.max(0, s.downScore - ratio);
    if (o.outcome === 'blocked') {
      episode.blockedCount++;
      episode.methods = countMethods(episode.methodCounts, o.methods);
      episode.evidenceLlr += ratio;
      episode.confirmedByFingerprint ||= o.confirmed;
      if (s.downScore === 0) {
        s.lastSteady = ref;
        resetPending(s);
      } else {
        s.runStart = null;
      }
      if (event) {
        out.evidence.push({ eventId: event.id, asn: s.asn, measurementId: o.id, timeMs: o.timeMs, role: 'blocked' });
        event.evidenceCount++;
        refreshEvent(group, event, o.timeMs);
        out.changedEvents.set(event.id, event);
      }
      return;
    }
    episode.accessibleCount++;
    if (before === 0) resetPending(s);
    if (s.pending.length < params.maxPending) s.pending.push(ref);
    s.runStart ??= ref;
    if (s.downScore < params.endThreshold) {
      if (event) out.changedEvents.set(event.id, event);
      return;
    }
    // End of the episode. The bracket spans the whole ambiguity: from the last blocked verdict before the
    // excursion to the first accessible verdict after its last blocked one (a late blocked verdict may be noise,
    // or the true end).
    episode.status = 'closed';
    episode.accessibleCount -= s.pending.length;
    episode.end = { before: s.lastSteady, after: s.runStart ?? s.pending[0] };
    s.phase = 'accessible';
    s.lastSteady = ref;
    s.episode = null;
    s.eventId = null;
    s.upScore = 0;
    s.downScore = 0;
    resetPending(s);
    if (!event) return;
    out.evidence.push({
      eventId: event.id,
      asn: s.asn,
      measurementId: episode.end.after.id,
      timeMs: episode.end.after.timeMs,
      role: 'end_after',
    });
    event.evidenceCount++;
    if (event.networks.every((n) => n.status === 'closed')) {
      event.status = 'closed';
      event.end = event.networks.reduce<NetworkEpisode['end']>(
        (latest, n) => (!latest || n.end!.after.timeMs > latest.after.timeMs ? n.end : latest),
        null,
      );
      group.open = null;
    }
    refreshEvent(group, event, o.timeMs);
    out.changedEvents.set(event.id, event);
  }

  /**
   * The end test compares "accessible again" with "still blocked at the rate this episode has shown": intermittent
   * blocking (a share of connections filtered) then needs a longer run of accessible verdicts to end than clean
   * blocking does, instead of being split into many short episodes.
   */
  function endRatio(s: SeriesState, o: Observation): number {
    const episode = s.episode!;
    const prior = 10;
    // The rate is estimated from the episode before the current end excursion (its own verdicts would dilute it).
    const leaks = episode.accessibleCount - s.pending.length;
    const rate = Math.min(
      params.blockedRate,
      (episode.blockedCount + prior * params.blockedRate) / (episode.blockedCount + leaks + prior),
    );
    const p1 = o.confirmed ? Math.max(rate, 1 - params.falseConfirmedRate) : rate;
    if (o.outcome === 'accessible') return Math.log((1 - p1) / (1 - params.falseBlockedRate));
    return Math.log(p1 / (o.confirmed ? params.falseConfirmedRate : params.falseBlockedRate));
  }

  function crossesOnset(group: Group, s: SeriesState, nowMs: number): boolean {
    if (s.pending.length === 0) return false;
    const myStart = s.pending[0].timeMs;
    const strong = s.upScore >= llr.strong - 1e-9;
    let corroborated = false;
    let sameRound = 0;
    let openedSameRound = 0;
    let openedFirmly = 0;
    let openedNear = 0;
    for (const sib of group.series.values()) {
      if (sib === s || nowMs - sib.lastTimeMs > params.corroborationWindowMs) continue;
      const opened = sib.phase === 'blocked' && sib.episode ? sib.episode : null;
      const sibStart = opened
        ? opened.onset.after.timeMs
        : sib.upScore > 0 && sib.pending.length > 0
          ? sib.pending[0].timeMs
          : null;
      if (sibStart === null) continue;
      const apart = Math.abs(sibStart - myStart);
      const near = apart <= params.corroborationWindowMs;
      const sameTime = apart <= params.quorumWindowMs;
      if (sameTime) sameRound++;
      if (opened) {
        // An open episode elsewhere corroborates even when it began days ago: partial blocking reaches the
        // networks of a country days apart.
        corroborated = true;
        if (near) openedNear++;
        if (sameTime) openedSameRound++;
        if (sameTime && opened.evidenceLlr >= params.openedSupportLlr) openedFirmly++;
      } else if (near && sib.upScore >= params.suspectSupportLlr) {
        // A suspect network corroborates once it holds more than one weak verdict: one-off weak verdicts on two
        // networks at once are what noise produces on some URL every day.
        corroborated = true;
      }
    }
    let threshold = corroborated ? params.corroboratedOnsetThreshold : params.onsetThreshold;
    // One clean blocked verdict is enough beside a quorum of networks changing in the same round, two networks that
    // opened in it, or one that opened in it on firm evidence (central blocking seen a little later here).
    const single = sameRound >= params.quorumNetworks || openedSameRound >= 2 || openedFirmly >= 1;
    if (single) threshold = Math.min(threshold, llr.blocked - 1e-9);
    // One strong verdict is enough where another network opened an episode in the last day and a half; without
    // that, strong evidence shortens the wait to a second verdict, it does not replace it (one-off strong faults
    // exist: a reset, a CDN's odd answer). Certain evidence is decisive alone.
    const strongBeside = strong && openedNear >= 1;
    if (strongBeside) threshold = Math.min(threshold, llr.strong - 1e-9);
    const decisive = single || strongBeside || s.pendingConfirmed || s.upScore >= llr.confirmed - 1e-9;
    if (s.pending.length < 2 && !decisive) return false;
    return s.upScore >= threshold;
  }

  /**
   * A site down for everyone: most other networks' latest verdicts on this URL are "down". Then a "blocked" verdict
   * is more likely the outage seen through a flaky control than censorship, and it is not counted.
   */
  function siteDownForEveryone(group: Group, s: SeriesState, nowMs: number): boolean {
    let down = 0;
    let recent = 0;
    for (const sib of group.series.values()) {
      if (sib === s || nowMs - sib.lastTimeMs > params.corroborationWindowMs || !sib.lastOutcome) continue;
      recent++;
      if (sib.lastOutcome === 'down') down++;
    }
    return recent > 0 && down * 2 >= recent;
  }

  function openEpisode(group: Group, s: SeriesState, detected: MeasurementRef, out: Out): void {
    const first = s.pending[0];
    // Onset bracket: from the last accessible verdict before the excursion to the first blocked verdict after its
    // last accessible one, so a leak or an early false positive inside the excursion widens it instead of
    // placing the onset wrongly.
    const episode: NetworkEpisode = {
      asn: s.asn,
      status: 'open',
      onset: { before: s.lastSteady, after: s.runStart ?? first },
      end: null,
      methods: s.pendingMethods,
      methodCounts: s.pendingMethodCounts,
      blockedCount: s.pending.length,
      accessibleCount: s.pendingAccessible,
      evidenceLlr: s.upScore,
      detected,
      confirmedByFingerprint: s.pendingConfirmed,
    };
    let event = group.open;
    if (!event) {
      event = {
        id: eventIdOf(group.cc, group.input, first.id),
        cc: group.cc,
        input: group.input,
        domain: s.domain,
        status: 'open',
        methods: [],
        onset: episode.onset,
        end: null,
        networks: [],
        networksMeasured: [],
        confidence: 0,
        detectedAtMs: detected.timeMs,
        updatedAtMs: detected.timeMs,
        evidenceCount: 0,
      };
      group.open = event;
      // Networks that measured the URL since the onset count as measured during the event.
      for (const sib of group.series.values()) if (sib.lastTimeMs >= first.timeMs) event.networksMeasured.push(sib.asn);
      event.networksMeasured.sort((a, b) => a - b);
    }
    event.networks.push(episode);
    if (!event.networksMeasured.includes(s.asn))
      event.networksMeasured = [...event.networksMeasured, s.asn].sort((a, b) => a - b);
    if (episode.onset.after.timeMs < event.onset.after.timeMs) event.onset = episode.onset;
    if (s.lastSteady) {
      out.evidence.push({
        eventId: event.id,
        asn: s.asn,
        measurementId: s.lastSteady.id,
        timeMs: s.lastSteady.timeMs,
        role: 'onset_before',
      });
      event.evidenceCount++;
    }
    for (const p of s.pending) {
      out.evidence.push({ eventId: event.id, asn: s.asn, measurementId: p.id, timeMs: p.timeMs, role: 'blocked' });
      event.evidenceCount++;
    }
    s.phase = 'blocked';
    s.episode = episode;
    s.eventId = event.id;
    s.upScore = 0;
    s.downScore = 0;
    s.lastSteady = s.pending[s.pending.length - 1];
    resetPending(s);
    refreshEvent(group, event, detected.timeMs);
    out.changedEvents.set(event.id, event);
  }

  function snapshot(): DetectorSnapshot {
    const series: SeriesState[] = [];
    const openEvents: BlockingEvent[] = [];
    for (const g of groups.values()) {
      series.push(...g.series.values());
      if (g.open) openEvents.push(g.open);
    }
    return { series, openEvents, baselines: baselines.snapshot() };
  }

  return { ingest, snapshot, params };
}

function groupOf(groups: Map<string, Group>, cc: string, input: string): Group {
  const key = groupKeyOf(cc, input);
  let g = groups.get(key);
  if (!g) {
    g = { cc, input, series: new Map(), open: null };
    groups.set(key, g);
  }
  return g;
}

function newSeries(o: Observation): SeriesState {
  return {
    key: seriesKeyOf(o.cc, o.asn, o.input),
    cc: o.cc,
    asn: o.asn,
    input: o.input,
    domain: o.domain,
    phase: 'unknown',
    upScore: 0,
    downScore: 0,
    lastSteady: null,
    pending: [],
    pendingMethods: [],
    pendingMethodCounts: {},
    pendingConfirmed: false,
    pendingAccessible: 0,
    runStart: null,
    episode: null,
    eventId: null,
    lastTimeMs: o.timeMs,
    lastOutcome: null,
    measured: 0,
  };
}

/** Strong or weak, for the consistency check (certain counts as strong: the same forged answer). */
function strengthClass(o: Observation): EvidenceStrength {
  return o.confirmed || o.strength === 'certain' || o.strength === 'strong' ? 'strong' : 'weak';
}

function resetPending(s: SeriesState): void {
  s.pending = [];
  s.pendingStrength = null;
  s.pendingMethods = [];
  s.pendingMethodCounts = {};
  s.pendingConfirmed = false;
  s.pendingAccessible = 0;
  s.runStart = null;
}

/** Adds one verdict's methods to the counts; returns the methods, most frequent first (ties: first seen). */
function countMethods(
  counts: Partial<Record<BlockingMethod, number>>,
  add: readonly BlockingMethod[],
): BlockingMethod[] {
  for (const m of add) counts[m] = (counts[m] ?? 0) + 1;
  const order = Object.keys(counts) as BlockingMethod[];
  return order
    .map((m, i) => [m, counts[m] ?? 0, i] as const)
    .sort((a, b) => b[1] - a[1] || a[2] - b[2])
    .map(([m]) => m);
}

/** Recomputes the event's derived fields: methods (by how many networks saw them) and confidence. */
function refreshEvent(_group: Group, event: BlockingEvent, nowMs: number): void {
  const counts = new Map<BlockingMethod, number>();
  for (const n of event.networks) {
    for (const m of n.methods) counts.set(m, (counts.get(m) ?? 0) + (n.methodCounts[m] ?? 0));
  }
  event.methods = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([m]) => m);
  event.confidence = confidenceOf(event.networks);
  event.updatedAtMs = Math.max(event.updatedAtMs, nowMs);
}

/**
 * Confidence: each network's evidence as a posterior probability with prior odds e^-4 against blocking (so two
 * blocked verdicts alone give ≈ 0.86, three ≈ 0.99), combined as independent witnesses.
 */
export function confidenceOf(networks: readonly NetworkEpisode[]): number {
  let doubt = 1;
  for (const n of networks) {
    const p = n.confirmedByFingerprint ? 0.999 : 1 / (1 + Math.exp(-(Math.min(n.evidenceLlr, 40) - 4)));
    doubt *= 1 - p;
  }
  return Math.round((1 - doubt) * 1000) / 1000;
}

export type { Llrs };
