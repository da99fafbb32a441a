/**
 * Imports OONI measurement files into the store (re-analysed by our engine, OONI's verdict kept beside ours)
 * or into a running server (its batch endpoint). A bad record is reported with file:line and skipped;
 * importing the same file twice changes nothing (uids are OONI's own, else derived from the content).
 * A `NAME.api_meta.json` beside `NAME.json` (OONI API metadata) supplies OONI's fastpath verdict.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measurement } from 'blockwatch/model';
import { request } from 'undici';
import type { Analyzer } from '../analysis/analyzer.ts';
import { MEASUREMENT_UID, measurementIdentity } from '../collector/ids.ts';
import { measurementProblem } from '../collector/submission.ts';
import type { AnalyzedMeasurement } from '../store/rows.ts';
import type { Store } from '../store/store.ts';
import { isApiMetadata, normalize } from './normalize.ts';
import { readRecords } from './read.ts';

export interface ImportProblem {
  file: string;
  line?: number;
  message: string;
}

export interface ImportSummary {
  files: number;
  records: number;
  imported: number;
  duplicates: number;
  skipped: number;
  /** OONI API metadata files, used as sidecars and not imported themselves */
  metadata: number;
  problems: ImportProblem[];
  unsupported: string[];
  elapsedS: number;
}

export type ImportSink =
  | { kind: 'store'; store: Store; analyzer: Analyzer }
  | { kind: 'server'; url: string; timeoutMs?: number };

export interface ImportOptions {
  sink: ImportSink;
  batchSize?: number;
  onProblem?: (problem: ImportProblem) => void;
  onProgress?: (progress: { bytes: number; totalBytes: number; records: number; file: string }) => void;
  signal?: AbortSignal;
}

interface Prepared {
  uid: string;
  measurement: Record<string, unknown>;
  ooni?: AnalyzedMeasurement['ooni'];
  /** the measurement as JSON, when already made (its canonical form) */
  json?: string;
}

function sidecarOf(file: string): Record<string, unknown> | undefined {
  const path = file.replace(/\.json$/, '.api_meta.json');
  if (path === file || !existsSync(path)) return undefined;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8'));
    return value && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

async function postBatch(
  url: string,
  measurements: unknown[],
  timeoutMs: number,
): Promise<{ accepted: number; duplicates: number }> {
  const endpoint = `${url.replace(/\/+$/, '')}/api/v1/submit`;
  for (let attempt = 0; ; attempt++) {
    const response = await request(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ measurements }),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await response.body.text();
    if (response.statusCode === 200) return JSON.parse(text) as { accepted: number; duplicates: number };
    if (response.statusCode === 429 && attempt < 20) {
      await sleep(Math.min(30, Number(response.headers['retry-after'] ?? 1)) * 1000);
      continue;
    }
    throw new Error(`server answered HTTP ${response.statusCode}: ${text.slice(0, 300)}`);
  }
}

export async function importFiles(files: string[], options: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const batchSize = options.batchSize ?? (options.sink.kind === 'store' ? 1000 : 100);
  const summary: ImportSummary = {
    files: files.length,
    records: 0,
    imported: 0,
    duplicates: 0,
    skipped: 0,
    metadata: 0,
    problems: [],
    unsupported: [],
    elapsedS: 0,
  };
  const totalBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  let bytes = 0;
  const problem = (p: ImportProblem) => {
    summary.skipped++;
    if (summary.problems.length < 1000) summary.problems.push(p);
    options.onProblem?.(p);
  };

  let batch: Prepared[] = [];
  let inserting: Promise<void> = Promise.resolve();
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    if (options.sink.kind === 'store') {
      const { store, analyzer } = options.sink;
      const analyzed: AnalyzedMeasurement[] = items.map((p) => {
        const measurement = p.measurement as Measurement<Record<string, unknown>>;
        const { verdict, observations } = analyzer.analyzeObserved(measurement);
        return {
          uid: p.uid,
          measurement,
          verdict,
          observations,
          ...(p.ooni ? { ooni: p.ooni } : {}),
          categoryCode: analyzer.categoryOf(
            typeof measurement.input === 'string' ? measurement.input : '',
            String(measurement.probe_cc),
          ),
          source: 'import',
          ...(p.json === undefined ? {} : { measurementJson: p.json }),
        };
      });
      // Pipelined: the engine inserts this batch (its own threads) while the next is read and analysed (JS).
      // One insert at a time, in order; a failure surfaces at the next flush or at the end.
      await inserting;
      inserting = store.insert(analyzed).then((r) => {
        summary.imported += r.inserted;
        summary.duplicates += r.duplicates;
      });
      inserting.catch(() => {});
    } else {
      const r = await postBatch(
        options.sink.url,
        items.map((p) => p.measurement),
        options.sink.timeoutMs ?? 60_000,
      );
      summary.imported += r.accepted - r.duplicates;
      summary.duplicates += r.duplicates;
    }
  };

  for (const file of files) {
    if (options.signal?.aborted) break;
    if (file.endsWith('.api_meta.json')) {
      summary.metadata++;
      bytes += statSync(file).size;
      continue;
    }
    const sidecar = sidecarOf(file);
    try {
      for await (const record of readRecords(file, (n) => {
        bytes += n;
      })) {
        if (options.signal?.aborted) break;
        summary.records++;
        const where = { file: basename(file), line: record.line };
        if ('error' in record) {
          problem({ ...where, message: record.error });
          continue;
        }
        if (isApiMetadata(record.value)) {
          problem({ ...where, message: 'OONI API metadata without raw_measurement: not a measurement' });
          continue;
        }
        const normalized = normalize(record.value, sidecar);
        if ('error' in normalized) {
          problem({ ...where, message: normalized.error });
          continue;
        }
        const bad = measurementProblem(normalized.measurement);
        if (bad) {
          problem({ ...where, message: `${bad.path}: ${bad.message}` });
          continue;
        }
        const m = normalized.measurement;
        const ooniUid =
          normalized.ooniUid && MEASUREMENT_UID.test(normalized.ooniUid) && options.sink.kind === 'store'
            ? normalized.ooniUid
            : null;
        const identity = ooniUid ? null : measurementIdentity(m);
        // The canonical JSON the uid hashed is the raw column's text too (when it is the whole measurement).
        const json = identity && !('measurement_uid' in m) ? identity.canonical : undefined;
        batch.push({
          uid: ooniUid ?? identity!.uid,
          measurement: m,
          ...(normalized.ooni ? { ooni: normalized.ooni } : {}),
          ...(json === undefined ? {} : { json }),
        });
        if (batch.length >= batchSize) await flush();
        options.onProgress?.({ bytes, totalBytes, records: summary.records, file });
      }
    } catch (err) {
      const message = (err as Error).message;
      if (/YAML/.test(message)) summary.unsupported.push(basename(file));
      problem({ file: basename(file), message: message.replace(`${file}: `, '') });
    }
    options.onProgress?.({ bytes, totalBytes, records: summary.records, file });
  }
  await flush();
  await inserting;
  summary.elapsedS = Math.round(performance.now() - started) / 1000;
  return summary;
}
