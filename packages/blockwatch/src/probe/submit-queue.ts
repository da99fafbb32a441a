/**
 * Submission to a collector (`POST {url}/api/v1/submit`, body `{"measurements":[…]}`, answered 200
 * `{"accepted":n}` once the measurements are durable), through a queue on disk: measurements are written to
 * `<config dir>/queue/` first and a batch file is deleted only after the collector accepted it, so a collector
 * that is down, or a probe that is interrupted, loses nothing; the next run (or the next retry) sends them.
 *
 * Retries use exponential backoff with jitter (0.5 s doubling, at most 30 s between attempts) until the
 * caller's time budget runs out. A batch the collector refuses for good (400, 413, 422: retrying cannot help) is
 * set aside as `<batch>.rejected` for inspection, so it cannot hold back the batches after it.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { createDeadline } from '../netx/deadline.ts';

/** Measurements per POST: keeps each request well under a collector's body limit. */
const BATCH_SIZE = 100;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_ANSWER_BYTES = 64 << 10;

export interface SubmitQueue {
  dir: string;
  /** Writes measurements to the queue (durably, one batch file per call). */
  enqueue(measurements: readonly unknown[]): void;
  /** How many measurements are waiting. */
  pending(): number;
  /**
   * Sends every queued batch; retries with backoff until `budgetMs` is spent.
   * Returns what was accepted and what is still queued (to be sent by a later run).
   */
  flush(options?: {
    budgetMs?: number;
    signal?: AbortSignal;
    onRetry?: (error: string, waitMs: number) => void;
  }): Promise<{
    accepted: number;
    pending: number;
    /** measurements in batches the collector refused for good (kept as `*.rejected` files) */
    rejected: number;
    lastError: string | null;
  }>;
}

/** HTTP statuses that say the batch itself is wrong: sending it again cannot succeed. */
const PERMANENT_STATUSES = new Set([400, 413, 422]);

class RejectedBatchError extends Error {}

function batchFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .sort();
  } catch {
    return [];
  }
}

function readBatch(path: string): unknown[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as unknown);
}

/** One POST; resolves the number accepted, rejects with a short reason. */
async function postBatch(endpoint: string, measurements: unknown[], signal?: AbortSignal): Promise<number> {
  const deadline = createDeadline(REQUEST_TIMEOUT_MS, 'submission', signal);
  let response: Awaited<ReturnType<typeof request>>;
  let text: string;
  try {
    response = await request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ measurements }),
      signal: deadline.signal,
      headersTimeout: REQUEST_TIMEOUT_MS,
      bodyTimeout: REQUEST_TIMEOUT_MS,
    });
    // A collector answers a few bytes; a longer answer is cut short rather than held in memory.
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        response.body.destroy();
        break;
      }
    }
    text = Buffer.concat(chunks).toString('utf8');
  } finally {
    deadline.dispose();
  }
  if (PERMANENT_STATUSES.has(response.statusCode)) {
    throw new RejectedBatchError(`collector refused the batch (HTTP ${response.statusCode}): ${text.slice(0, 200)}`);
  }
  if (response.statusCode !== 200) {
    throw new Error(`collector answered HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
  }
  let accepted: unknown;
  try {
    accepted = (JSON.parse(text) as { accepted?: unknown }).accepted;
  } catch {
    throw new Error('collector answer is not JSON');
  }
  if (typeof accepted !== 'number') throw new Error('collector answer has no "accepted" count');
  return accepted;
}

export function createSubmitQueue(options: { dir: string; collectorUrl: string; nowMs?: () => number }): SubmitQueue {
  const dir = options.dir;
  const endpoint = `${options.collectorUrl.replace(/\/+$/, '')}/api/v1/submit`;
  const nowMs = options.nowMs ?? Date.now;
  let sequence = 0;
  return {
    dir,
    enqueue(measurements) {
      if (measurements.length === 0) return;
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < measurements.length; i += BATCH_SIZE) {
        // Sortable names keep submission in measurement order; write + rename so a crash leaves no half file.
        // time, then a counter (two batches in one millisecond), then randomness (two processes)
        const name = `${String(nowMs()).padStart(15, '0')}-${String(sequence++).padStart(6, '0')}-${randomBytes(4).toString('hex')}.jsonl`;
        const body = `${measurements
          .slice(i, i + BATCH_SIZE)
          .map((m) => JSON.stringify(m))
          .join('\n')}\n`;
        writeFileSync(join(dir, `${name}.tmp`), body);
        renameSync(join(dir, `${name}.tmp`), join(dir, name));
      }
    },
    pending() {
      return batchFiles(dir).reduce((n, f) => n + readBatch(join(dir, f)).length, 0);
    },
    async flush({ budgetMs = 60_000, signal, onRetry } = {}) {
      const deadline = Date.now() + budgetMs;
      let accepted = 0;
      let rejected = 0;
      let lastError: string | null = null;
      let backoffMs = 500;
      for (const file of batchFiles(dir)) {
        const path = join(dir, file);
        let batch: unknown[];
        try {
          batch = readBatch(path);
        } catch {
          // A corrupt batch (disk trouble) must not block the others: keep it aside for inspection.
          renameSync(path, `${path}.corrupt`);
          continue;
        }
        for (;;) {
          if (signal?.aborted) return { accepted, pending: this.pending(), rejected, lastError };
          try {
            accepted += await postBatch(endpoint, batch, signal);
            unlinkSync(path);
            lastError = null;
            backoffMs = 500;
            break;
          } catch (err) {
            lastError = (err as Error).message || String(err);
            if (err instanceof RejectedBatchError) {
              renameSync(path, `${path}.rejected`);
              rejected += batch.length;
              break;
            }
            const waitMs = Math.min(30_000, backoffMs) * (0.75 + Math.random() * 0.5);
            if (Date.now() + waitMs > deadline) return { accepted, pending: this.pending(), rejected, lastError };
            onRetry?.(lastError, waitMs);
            await sleep(waitMs, undefined, signal ? { signal } : {}).catch(() => {});
            backoffMs *= 2;
          }
        }
      }
      return { accepted, pending: this.pending(), rejected, lastError };
    },
  };
}
