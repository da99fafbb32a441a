/**
 * Event detection: "blocked since when, where, how".
 *
 * Purpose: turn the stream of verdicts into blocking events per (country, URL) and per (country, messaging
 * service) with their networks, methods, onset and end brackets, confidence and evidence; answer "since when is
 * this blocked here?" in one sentence. Which tests feed events, and what a service event's subject is: `subject.ts`.
 *
 * Design: a pure, synchronous detector (`detector.ts`: per-network CUSUM on verdict log-likelihood ratios,
 * corroborated across networks; `throttling.ts`: robust per-network timing baselines) whose whole state is JSON,
 * so it is persisted after every batch and restored on start; I/O lives in `event-store.ts` (tables of migration
 * 100) and `service.ts` (follows the store's stored batches, rebuilds from history). See docs/events.md.
 *
 * Operations: incremental detection (onStored), rebuild (`blockwatch events rebuild`), queries for the API and the
 * CLI (`routes.ts`, `cli/events.ts`, `cli/history.ts`), summaries (`summarize.ts`), timelines (`history.ts`),
 * synthetic streams and scoring for the accuracy report (`synthetic.ts`, `evaluate.ts`).
 */
export { confidenceOf, createDetector, type Detector, type DetectorSnapshot } from './detector.ts';
export { type Evaluation, evaluateDetection } from './evaluate.ts';
export {
  type EventFilter,
  getEvent,
  listEvents,
  loadSnapshot,
  readObservations,
  readTargetObservations,
} from './event-store.ts';
export { buildHistory, type History, type HistorySegment, type NetworkHistory } from './history.ts';
export { observationFromRow, observationOf, timingsOf } from './observation.ts';
export { DEFAULT_PARAMS, resolveParams } from './params.ts';
export { createEventsPlugin, eventsPlugin } from './routes.ts';
export { createEventService, type EventService, type EventTransition } from './service.ts';
export { EVENT_TEST_NAMES, type Subject, serviceNameOf, subjectOf, testNameOfSubject } from './subject.ts';
export { describeBracket, METHOD_LABELS, summarizeEvent } from './summarize.ts';
export { generateSynthetic, type SyntheticOptions, type TruthEpisode } from './synthetic.ts';
export type * from './types.ts';
