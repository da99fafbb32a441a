/**
 * The running detector: restores its state from the store, follows every stored batch (`onStored`), persists what
 * changed and tells listeners (alerts) which events opened or closed. Also the batch rebuild over all history.
 * Batches are processed one at a time, in arrival order.
 */
import type { AnalyzedMeasurement } from '../store/rows.ts';
import type { Logger, Store } from '../store/store.ts';
import { createDetector, type Detector } from './detector.ts';
import {
  clearEvents,
  latestInsertedAt,
  loadProgress,
  loadSnapshot,
  readObservations,
  saveChanges,
  saveProgress,
} from './event-store.ts';
import { observationOf } from './observation.ts';
import type { BlockingEvent, DetectorParams, Observation } from './types.ts';

export type EventChange = 'opened' | 'updated' | 'closed';

export interface EventTransition {
  change: EventChange;
  event: BlockingEvent;
}

export type TransitionListener = (transitions: EventTransition[]) => void | Promise<void>;

export interface RebuildProgress {
  measurements: number;
  events: number;
}

export interface EventService {
  /**
   * Restores the detector, subscribes to stored batches, and catches up on what was stored while it was not
   * running (an offline import, a crash between a batch and its events). Catch-up sends no alerts: it is history.
   */
  start(options?: { background?: boolean }): Promise<void>;
  /** Resolves when the catch-up started by `start` is done (at once if there was none). */
  caughtUp(): Promise<void>;
  /** Feeds observations (the onStored path, also usable directly). */
  ingest(observations: Observation[]): Promise<EventTransition[]>;
  /** Clears the detector's tables and replays all stored measurements in time order. */
  rebuild(options?: { onProgress?: (p: RebuildProgress) => void; signal?: AbortSignal }): Promise<RebuildProgress>;
  onTransition(listener: TransitionListener): () => void;
  stop(): void;
}

export function createEventService(
  store: Store,
  options: { log?: Logger; params?: Partial<DetectorParams> } = {},
): EventService {
  let detector: Detector = createDetector({ params: options.params });
  const listeners = new Set<TransitionListener>();
  const openIds = new Set<string>();
  let unsubscribe: (() => void) | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  let catchUp: Promise<void> = Promise.resolve();

  /** Runs `work` after everything queued before it (batches and rebuilds never interleave). */
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = queue.then(work, work);
    queue = run.catch(() => {});
    return run;
  }

  async function ingestNow(observations: Observation[]): Promise<EventTransition[]> {
    if (observations.length === 0) return [];
    const changes = detector.ingest(observations);
    await saveChanges(store, changes);
    const transitions: EventTransition[] = [];
    for (const event of changes.events) {
      const wasOpen = openIds.has(event.id);
      if (event.status === 'open') {
        openIds.add(event.id);
        transitions.push({ change: wasOpen ? 'updated' : 'opened', event });
      } else {
        openIds.delete(event.id);
        if (!wasOpen) transitions.push({ change: 'opened', event });
        transitions.push({ change: 'closed', event });
      }
    }
    for (const listener of listeners) {
      try {
        await listener(transitions);
      } catch (err) {
        options.log?.error({ err }, 'an event listener failed');
      }
    }
    return transitions;
  }

  return {
    async start(startOptions = {}) {
      const snapshot = await loadSnapshot(store);
      detector = createDetector({ params: options.params, restore: snapshot });
      for (const e of snapshot.openEvents) openIds.add(e.id);
      // The catch-up range is fixed before subscribing: later batches come through onStored.
      const [from, upTo] = await Promise.all([loadProgress(store), latestInsertedAt(store)]);
      unsubscribe = store.onStored((batch) =>
        serial(async () => {
          await ingestNow(
            batch.items.map((item: AnalyzedMeasurement) => observationOf(item)).filter((o) => o !== null),
          );
          // "YYYY-MM-DD HH:MM:SS.mmm" sorts as time.
          const newest = batch.rows
            .map((r) => r.inserted_at)
            .sort()
            .at(-1);
          if (newest) await saveProgress(store, newest);
        }),
      );
      if (upTo && (!from || upTo > from)) {
        catchUp = serial(async () => {
          let n = 0;
          for await (const page of readObservations(store, { insertedAfter: from, insertedUpTo: upTo })) {
            await saveChanges(store, detector.ingest(page));
            n += page.length;
          }
          await saveProgress(store, upTo);
          openIds.clear();
          for (const e of detector.snapshot().openEvents) openIds.add(e.id);
          options.log?.info({ caughtUp: n }, 'event detector caught up');
        });
      }
      options.log?.info({ series: snapshot.series.length, open: openIds.size }, 'event detector resumed');
      // A server must not wait for a long catch-up before it listens (a large import would time its start-up
      // out); a command that reads events right after does.
      if (!startOptions.background) await catchUp;
      else catchUp.catch((err) => options.log?.error({ err }, 'event catch-up failed'));
    },

    caughtUp() {
      return catchUp;
    },

    ingest(observations) {
      return serial(() => ingestNow(observations));
    },

    rebuild({ onProgress, signal } = {}) {
      return serial(async () => {
        const upTo = await latestInsertedAt(store);
        await clearEvents(store);
        const fresh = createDetector({ params: options.params });
        const progress: RebuildProgress = { measurements: 0, events: 0 };
        const seen = new Set<string>();
        for await (const page of readObservations(store, { insertedUpTo: upTo })) {
          signal?.throwIfAborted();
          const changes = fresh.ingest(page);
          await saveChanges(store, changes);
          for (const e of changes.events) seen.add(e.id);
          progress.measurements += page.length;
          progress.events = seen.size;
          onProgress?.({ ...progress });
        }
        if (upTo) await saveProgress(store, upTo);
        detector = fresh;
        openIds.clear();
        for (const e of fresh.snapshot().openEvents) openIds.add(e.id);
        return progress;
      });
    },

    onTransition(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stop() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
