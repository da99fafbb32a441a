/**
 * Reads OONI measurement files as a stream of records, each with its line number: JSONL (one measurement per
 * line, OONI's can format) or JSON (one document or an array), plain or gzip. Memory stays bounded for JSONL
 * (readline over a gunzip stream); a JSON document is read whole, up to `MAX_JSON_BYTES`.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { BlockwatchError } from 'blockwatch/errors.ts';

export type RawRecord = { line: number; value: unknown } | { line: number; error: string };

export const MAX_JSON_BYTES = 512 * 1024 * 1024;
/** Longest JSONL line accepted (a measurement with large bodies is a few MB). */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

export function formatOf(file: string): 'json' | 'jsonl' | 'yaml' | 'unknown' {
  const name = file.toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return 'jsonl';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.yaml') || name.endsWith('.yml')) return 'yaml';
  return 'unknown';
}

function openText(file: string, onBytes: (n: number) => void): NodeJS.ReadableStream {
  const raw = createReadStream(file);
  raw.on('data', (chunk) => onBytes((chunk as Buffer).length));
  if (!file.toLowerCase().endsWith('.gz')) return raw.setEncoding('utf8');
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip).setEncoding('utf8');
}

async function* jsonLines(file: string, onBytes: (n: number) => void, firstLine = 1): AsyncGenerator<RawRecord> {
  const lines = createInterface({ input: openText(file, onBytes), crlfDelay: Number.POSITIVE_INFINITY });
  let line = firstLine - 1;
  for await (const text of lines) {
    line++;
    if (!text.trim()) continue;
    if (text.length > MAX_LINE_CHARS) {
      yield { line, error: `line longer than ${MAX_LINE_CHARS} characters` };
      continue;
    }
    try {
      yield { line, value: JSON.parse(text) };
    } catch (err) {
      yield { line, error: `not valid JSON: ${(err as Error).message}` };
    }
  }
}

async function readWhole(file: string, onBytes: (n: number) => void): Promise<string> {
  let text = '';
  for await (const chunk of openText(file, onBytes)) {
    text += chunk as string;
    if (text.length > MAX_JSON_BYTES) {
      throw new BlockwatchError(
        'BW_ERR_INVALID_INPUT',
        `${file}: JSON document larger than ${MAX_JSON_BYTES} bytes (use JSONL)`,
      );
    }
  }
  return text;
}

/** Yields every record of a file; `onBytes` reports progress in (compressed) bytes read. */
export async function* readRecords(file: string, onBytes: (n: number) => void = () => {}): AsyncGenerator<RawRecord> {
  const format = formatOf(file);
  if (format === 'yaml') {
    throw new BlockwatchError(
      'BW_ERR_INVALID_INPUT',
      `${file}: YAML reports (OONI's pre-2016 format) are not supported`,
    );
  }
  if (format !== 'json') {
    yield* jsonLines(file, onBytes);
    return;
  }
  const text = await readWhole(file, onBytes);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // A .json file holding one measurement per line is common: read it as JSONL (line numbers stay exact).
    yield* jsonLines(file, () => {});
    return;
  }
  if (Array.isArray(doc)) {
    // Line numbers of array items are not known; number them by position (1-based) instead.
    for (let i = 0; i < doc.length; i++) yield { line: i + 1, value: doc[i] };
  } else yield { line: 1, value: doc };
}
