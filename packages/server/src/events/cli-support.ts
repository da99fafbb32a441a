/**
 * What the `events`, `history` and `registry` commands share: where the data is (an embedded store in --data DIR,
 * a ClickHouse server, or a running blockwatch server's API) and small output helpers.
 */
import type { OptionSpec } from 'blockwatch/cli';
import { BlockwatchError, UsageError } from 'blockwatch/errors.ts';
import { STORE_OPTIONS, storeLocation } from '../cli/store-options.ts';
import { openStore, type Store } from '../store/store.ts';
import { createEventService } from './service.ts';

export const SOURCE_OPTIONS = {
  // The same store options as `serve` and `import`, so every command finds the same data by default.
  data: STORE_OPTIONS.data,
  clickhouse: STORE_OPTIONS.clickhouse,
  cluster: STORE_OPTIONS.cluster,
  server: { type: 'string', arg: 'URL', description: 'ask a running blockwatch server (its HTTP API) instead' },
  'admin-token': {
    type: 'string',
    arg: 'TOKEN',
    description: 'admin token for --server writes (default: $BLOCKWATCH_ADMIN_TOKEN)',
  },
} as const satisfies Record<string, OptionSpec>;

export interface SourceValues {
  data?: string;
  clickhouse?: string;
  cluster?: string;
  server?: string;
  'admin-token'?: string;
}

export type Source = { kind: 'store'; open: () => Promise<Store> } | { kind: 'server'; api: ApiClient };

export function resolveSource(values: SourceValues, env: NodeJS.ProcessEnv, cwd: string): Source {
  const given = [values.data, values.clickhouse, values.server].filter((v) => v !== undefined).length;
  if (given > 1) throw new UsageError('give only one of --data, --clickhouse and --server');
  if (values.server !== undefined) {
    let base: URL;
    try {
      base = new URL(values.server);
    } catch {
      throw new UsageError(`--server must be a URL such as http://127.0.0.1:8080, got '${values.server}'`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new UsageError('--server must be an http(s) URL');
    return { kind: 'server', api: createApiClient(base, values['admin-token'] ?? env.BLOCKWATCH_ADMIN_TOKEN) };
  }
  const location = storeLocation(values, cwd);
  return { kind: 'store', open: () => openStore({ location }) };
}

/**
 * Runs `work` with an open store and always closes it. With `catchUp`, events are first brought up to date with
 * what was stored since the detector last ran (e.g. `blockwatch import` without a server), as `serve` does on start.
 */
export async function withStore<T>(
  source: Source & { kind: 'store' },
  work: (store: Store) => Promise<T>,
  options: { catchUp?: boolean } = {},
): Promise<T> {
  const store = await source.open();
  try {
    if (options.catchUp) {
      const service = createEventService(store);
      await service.start();
      service.stop();
    }
    return await work(store);
  } finally {
    await store.close();
  }
}

export interface ApiClient {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  post<T>(
    path: string,
    body?: { bytes: Uint8Array; type: string },
    query?: Record<string, string | undefined>,
  ): Promise<T>;
}

function createApiClient(base: URL, token: string | undefined): ApiClient {
  async function call<T>(
    method: string,
    path: string,
    query: Record<string, string | undefined> = {},
    body?: { bytes: Uint8Array; type: string },
  ) {
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': body.type } : {}),
        },
        body: body ? new Blob([new Uint8Array(body.bytes)]) : undefined,
        signal: AbortSignal.timeout(600_000),
      });
    } catch (err) {
      throw new BlockwatchError(
        'BW_ERR_NOT_FOUND',
        `cannot reach ${base.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? message;
      } catch {}
      const code =
        response.status === 400 ? 'BW_ERR_INVALID_ARG' : response.status === 404 ? 'BW_ERR_NOT_FOUND' : 'BW_ERR_STORE';
      throw new BlockwatchError(code, `${method} ${url.pathname}: HTTP ${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
  return {
    get: (path, query) => call('GET', path, query),
    post: (path, body, query) => call('POST', path, query, body),
  };
}

/** Country code option → validated value. */
export function ccOption(value: string | undefined, required: boolean): string | undefined {
  if (value === undefined) {
    if (required) throw new UsageError('--cc is required (a country code such as KZ)');
    return undefined;
  }
  const cc = value.toUpperCase();
  if (!/^[A-Z]{2}$/.test(cc)) throw new UsageError(`--cc must be a two-letter country code, got '${value}'`);
  return cc;
}

export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Fixed-width table for terminals. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return `${rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n')}\n`;
}
