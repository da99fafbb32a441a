/**
 * `blockwatch update`: downloads current Citizen Lab test lists, OONI blocking fingerprints and Signal's root CA
 * (from Signal-Desktop's production.json, see signal-ca.ts) into the data directory. All or nothing: every file goes to a temporary name and is checked (fingerprints parse, test lists
 * have the expected header) before any is renamed into place, so a failed or partial update changes nothing.
 * Downloads are bounded in time and size; a redirect loop or a stalled server ends with a precise error.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BlockwatchError } from '../errors.ts';
import { parseFingerprintCsv } from '../verdict/index.ts';
import { FINGERPRINT_FILES, testListPath } from './data-dir.ts';
import { SIGNAL_CONFIG_UPSTREAM, signalCaFromConfig, signalCaPath } from './signal-ca.ts';

export const UPSTREAM = {
  fingerprints: 'https://raw.githubusercontent.com/ooni/blocking-fingerprints/main',
  testLists: 'https://raw.githubusercontent.com/citizenlab/test-lists/master/lists',
  signalConfig: SIGNAL_CONFIG_UPSTREAM,
} as const;

export interface UpdateOptions {
  dir: string;
  /** Test lists to fetch, e.g. ["global", "kz"]. */
  lists: string[];
  /**
   * A mirror laid out like the reference data: `BASE/fingerprints/fingerprints_{dns,http}.csv` and
   * `BASE/test-lists/<name>.csv`, plus Signal-Desktop's `BASE/signal/production.json`. Default: the upstream GitHub repositories.
   */
  from?: string;
  timeoutMs?: number;
  maxBytes?: number;
  signal?: AbortSignal;
  onProgress?: (message: string) => void;
}

export interface UpdatedFile {
  path: string;
  url: string;
  bytes: number;
  /** rows for fingerprints and test lists, 1 for Signal's root */
  rows: number;
}

interface Planned {
  url: string;
  target: string;
  check: (text: string) => number;
  /** what is written instead of the body (Signal's root out of its configuration), checked; default the body */
  extract?: (text: string) => string;
}

function checkTestList(url: string) {
  return (text: string) => {
    const header = text.slice(0, 200).split(/\r?\n/, 1)[0] ?? '';
    if (!header.startsWith('url,category_code'))
      throw new BlockwatchError(
        'BW_ERR_DOWNLOAD',
        `${url} is not a Citizen Lab test list (header '${header.slice(0, 60)}')`,
      );
    return text.split('\n').filter((l) => l.trim()).length - 1;
  };
}

function plan(options: UpdateOptions): Planned[] {
  const base = options.from?.replace(/\/+$/, '');
  const fpBase = base ? `${base}/fingerprints` : UPSTREAM.fingerprints;
  const listBase = base ? `${base}/test-lists` : UPSTREAM.testLists;
  const out: Planned[] = (['dns', 'http'] as const).map((kind) => {
    const url = `${fpBase}/${FINGERPRINT_FILES[kind]}`;
    return {
      url,
      target: join(options.dir, FINGERPRINT_FILES[kind]),
      check: (text: string) => {
        try {
          return parseFingerprintCsv(text, kind).length;
        } catch (err) {
          throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: ${(err as Error).message}`);
        }
      },
    };
  });
  for (const name of options.lists) {
    if (!/^[a-z0-9_-]+$/i.test(name))
      throw new BlockwatchError(
        'BW_ERR_INVALID_ARG',
        `test list name '${name}' is not valid (expected e.g. global, kz)`,
      );
    const url = `${listBase}/${name.toLowerCase()}.csv`;
    out.push({ url, target: testListPath(options.dir, name.toLowerCase()), check: checkTestList(url) });
  }
  const signalUrl = base ? `${base}/signal/production.json` : UPSTREAM.signalConfig;
  out.push({
    url: signalUrl,
    target: signalCaPath(options.dir),
    check: () => 1,
    extract: (text) => signalCaFromConfig(text, signalUrl),
  });
  return out;
}

/** Downloads one URL with a deadline and a size cap; network errors become one readable BW_ERR_DOWNLOAD. */
async function download(url: string, timeoutMs: number, maxBytes: number, signal?: AbortSignal): Promise<Buffer> {
  const deadline = AbortSignal.timeout(timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let response: Response;
  try {
    response = await fetch(url, { signal: combined, redirect: 'follow' });
  } catch (err) {
    if (deadline.aborted)
      throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: no answer within ${timeoutMs / 1000} s`);
    if (signal?.aborted) throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: interrupted`);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new BlockwatchError(
      'BW_ERR_DOWNLOAD',
      `cannot reach ${new URL(url).host} (${code}): are you offline? Nothing was changed; --from URL updates from a mirror`,
    );
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const reader = response.body?.getReader();
    for (;;) {
      if (!reader) break;
      const { done, value: chunk } = await reader.read();
      if (done) break;
      total += chunk.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => {});
        throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: larger than ${maxBytes} bytes, refused`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (err) {
    if (BlockwatchError.is(err)) throw err;
    if (deadline.aborted)
      throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: body not received within ${timeoutMs / 1000} s`);
    throw new BlockwatchError('BW_ERR_DOWNLOAD', `${url}: the transfer failed (${(err as Error).message})`);
  }
  return Buffer.concat(chunks);
}

export async function updateData(options: UpdateOptions): Promise<UpdatedFile[]> {
  const planned = plan(options);
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const staged: { temp: string; target: string; file: UpdatedFile }[] = [];
  const suffix = `.tmp-${process.pid}-${Date.now()}`;
  try {
    for (const p of planned) {
      options.onProgress?.(`downloading ${p.url}`);
      const downloaded = await download(p.url, timeoutMs, maxBytes, options.signal);
      const body = p.extract ? Buffer.from(p.extract(downloaded.toString('utf8'))) : downloaded;
      const text = body.toString('utf8');
      const rows = p.check(text);
      mkdirSync(dirname(p.target), { recursive: true });
      const temp = `${p.target}${suffix}`;
      writeFileSync(temp, body);
      staged.push({ temp, target: p.target, file: { path: p.target, url: p.url, bytes: body.length, rows } });
    }
  } catch (err) {
    for (const s of staged) rmSync(s.temp, { force: true });
    throw err;
  }
  // Every file arrived and checked: now swap them in (rename is atomic per file).
  for (const s of staged) renameSync(s.temp, s.target);
  return staged.map((s) => s.file);
}
