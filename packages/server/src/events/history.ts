/**
 * The history of one URL (or domain, or messaging service) in one country: per network, a timeline of states built
 * from its verdicts and the detector's episodes, and the one-sentence answer to "since when is this blocked here?".
 * Pure.
 *
 * Inside a detected episode the state is "blocked" (leaks are counted, not shown as flips); outside, a lone
 * "blocked" verdict the detector did not accept is counted as noise inside an "accessible" segment, unless no
 * accessible verdict followed it yet: then the network is "suspected" (too little evidence either way). Each segment
 * keeps its verdict counts and a few measurement ids as evidence.
 */
import type { BlockingMethod, Outcome } from 'blockwatch/model';
import { serviceNameOf } from './subject.ts';
import { describeBracket, summarizeEvent } from './summarize.ts';
import type { BlockingEvent, MeasurementRef, NetworkEpisode, Observation } from './types.ts';

/** `suspected`: blocked verdicts after the last accessible one, not (yet) enough evidence for the detector. */
export type TimelineState = 'accessible' | 'blocked' | 'suspected' | 'down' | 'unknown';

export interface HistorySegment {
  state: TimelineState;
  fromMs: number;
  toMs: number;
  /** Verdicts in the segment, by outcome. */
  counts: Record<Outcome, number>;
  methods: BlockingMethod[];
  first: MeasurementRef;
  last: MeasurementRef;
  /** Up to `EVIDENCE_PER_SEGMENT` measurement ids, the first ones. */
  evidence: string[];
  /** The event this blocked segment belongs to. */
  eventId?: string;
}

export interface NetworkHistory {
  asn: number;
  current: TimelineState;
  lastMeasuredMs: number;
  measurements: number;
  segments: HistorySegment[];
}

export interface History {
  cc: string;
  input?: string;
  domain?: string;
  answer: string;
  networks: NetworkHistory[];
  events: BlockingEvent[];
}

const EVIDENCE_PER_SEGMENT = 20;

function inEpisode(ep: NetworkEpisode, timeMs: number): boolean {
  return ep.onset.after.timeMs <= timeMs && (ep.end === null || timeMs < ep.end.after.timeMs);
}

export function buildHistory(
  target: { cc: string; input?: string; domain?: string },
  observations: readonly Observation[],
  events: readonly BlockingEvent[],
): History {
  const episodes = new Map<number, { ep: NetworkEpisode; eventId: string }[]>();
  for (const e of events) {
    for (const ep of e.networks)
      (episodes.get(ep.asn) ?? episodes.set(ep.asn, []).get(ep.asn)!).push({ ep, eventId: e.id });
  }
  const byNetwork = new Map<number, Observation[]>();
  for (const o of [...observations].sort((a, b) => a.timeMs - b.timeMs)) {
    (byNetwork.get(o.asn) ?? byNetwork.set(o.asn, []).get(o.asn)!).push(o);
  }
  const networks: NetworkHistory[] = [];
  for (const [asn, list] of [...byNetwork.entries()].sort((a, b) => a[0] - b[0])) {
    const segments: HistorySegment[] = [];
    let lastAccessibleMs = Number.NEGATIVE_INFINITY;
    for (const o of list) if (o.outcome === 'accessible') lastAccessibleMs = o.timeMs;
    for (const o of list) {
      const hit = (episodes.get(asn) ?? []).find((x) => x.ep.asn === asn && inEpisode(x.ep, o.timeMs));
      const lone = o.outcome === 'blocked' ? (o.timeMs > lastAccessibleMs ? 'suspected' : 'accessible') : o.outcome;
      const state: TimelineState = hit ? 'blocked' : lone;
      let seg = segments[segments.length - 1];
      if (!seg || seg.state !== state || seg.eventId !== hit?.eventId) {
        seg = {
          state,
          fromMs: o.timeMs,
          toMs: o.timeMs,
          counts: { accessible: 0, blocked: 0, down: 0, unknown: 0 },
          methods: [],
          first: { id: o.id, timeMs: o.timeMs },
          last: { id: o.id, timeMs: o.timeMs },
          evidence: [],
          ...(hit ? { eventId: hit.eventId } : {}),
        };
        segments.push(seg);
      }
      seg.toMs = o.timeMs;
      seg.last = { id: o.id, timeMs: o.timeMs };
      seg.counts[o.outcome]++;
      if (state === 'blocked' || state === 'suspected') {
        for (const m of o.methods) if (!seg.methods.includes(m)) seg.methods.push(m);
      }
      if (seg.evidence.length < EVIDENCE_PER_SEGMENT) seg.evidence.push(o.id);
    }
    const last = list[list.length - 1];
    networks.push({
      asn,
      current: segments[segments.length - 1].state,
      lastMeasuredMs: last.timeMs,
      measurements: list.length,
      segments,
    });
  }
  return { ...target, answer: answerSince(target, networks, events), networks, events: [...events] };
}

/** The one-sentence answer for a target (a URL, a domain, a service) in a country. */
export function answerSince(
  target: { cc: string; input?: string; domain?: string },
  networks: readonly NetworkHistory[],
  events: readonly BlockingEvent[],
): string {
  const service = target.input === undefined ? null : serviceNameOf(target.input);
  const what = service ?? target.input ?? target.domain ?? 'this target';
  if (networks.length === 0) return `No measurements of ${what} in ${target.cc}.`;
  const open = events.filter((e) => e.status === 'open').sort((a, b) => a.onset.after.timeMs - b.onset.after.timeMs);
  if (open.length > 0) return `${summarizeEvent(open[0])}.`;
  const n = networks.length;
  const since = Math.min(...networks.map((x) => x.segments[0].fromMs));
  const closed = [...events].sort((a, b) => b.onset.after.timeMs - a.onset.after.timeMs)[0];
  const nets = `${n} network${n === 1 ? '' : 's'}`;
  if (closed?.end) {
    const was = summarizeEvent(closed, { named: false }).replace(/^Was /, 'it was ');
    return `${service ? `${service} not` : 'Not'} blocked in ${target.cc} now: ${was}; accessible since ${describeBracket(closed.end)} (${nets} measured).`;
  }
  const suspected = networks.filter((x) => x.current === 'suspected').length;
  const doubt = suspected
    ? ` (${suspected} of them shows blocked verdicts not yet confirmed by enough measurements)`
    : '';
  const of = service ? ` of ${service}` : '';
  return `No blocking${of} detected in ${target.cc} on ${nets} measured since ${new Date(since).toISOString().slice(0, 10)}${doubt}.`;
}
