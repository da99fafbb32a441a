/**
 * One ClickHouse client for both deployments: `@clickhouse/client` over chdb's in-process connection
 * (embedded, a data directory) or over HTTP to a ClickHouse server. Every query the server runs goes
 * through the same client API, so the SQL is the same in both modes.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { BlockwatchError, InvalidArgumentError } from 'blockwatch/errors.ts';

export type StoreLocation = { dataDir: string } | { url: string; cluster?: string };

/** Settings pinned on every query so the embedded engine and any server version answer alike. */
const PINNED_SETTINGS = {
  // 64-bit integers unquoted in JSON: the default on 26.7, not on older servers (counts stay < 2^53).
  output_format_json_quote_64bit_integers: 0,
  date_time_input_format: 'best_effort',
} as const;

/**
 * Inserts rows already written as JSONEachRow lines. The embedded engine gets the bytes as they are (chdb's raw
 * insert: no copy into a JS string, no SQL text of the size of the batch, parsed on the engine's thread); a
 * server gets them as the request body.
 */
export type InsertLines = (table: string, lines: Buffer, settings?: Record<string, string | number>) => Promise<void>;

export interface OpenedClient {
  client: ClickHouseClient;
  insertLines: InsertLines;
}

/** The part of chdb's connection used for raw inserts (`connection.chdb.rawInsert`). */
interface ChdbRawInsert {
  chdb: {
    rawInsert(params: {
      table: string;
      values: Buffer;
      format: 'JSONEachRow';
      settings?: Record<string, string | number>;
    }): Promise<unknown>;
  };
}

export async function openClient(location: StoreLocation): Promise<OpenedClient> {
  if ('dataDir' in location) {
    const path = resolve(location.dataDir, 'clickhouse');
    mkdirSync(path, { recursive: true });
    // chdb is loaded lazily: a server deployment never loads the 500 MB engine.
    const { createChdbConnection } = await import('chdb/connection');
    let connection: ReturnType<typeof createChdbConnection>;
    try {
      connection = createChdbConnection({ path });
    } catch (err) {
      // chdb reports a held lock only as "Failed to create connection" (the reason goes to stderr).
      throw new BlockwatchError(
        'BW_ERR_STORE',
        `cannot open the embedded store in ${path}: ${(err as Error).message} (is another blockwatch process using this --data directory?)`,
        { cause: err },
      );
    }
    // chdb declares the Connection contract from @clickhouse/client-common 1.23.0, the client bundles 1.23.1's
    // copy of the same interface: identical at run time, distinct nominal types for TypeScript.
    type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
    const client = createClient({
      connection: connection as unknown as ClientConnection,
      clickhouse_settings: PINNED_SETTINGS,
      log: { level: ClickHouseLogLevel.OFF },
    });
    const raw = connection as unknown as ChdbRawInsert;
    const insertLines: InsertLines = async (table, lines, settings) => {
      if (lines.length === 0) return;
      await raw.chdb.rawInsert({
        table,
        values: lines,
        format: 'JSONEachRow',
        settings: { ...PINNED_SETTINGS, ...settings },
      });
    };
    return { client, insertLines };
  }
  let url: URL;
  try {
    url = new URL(location.url);
  } catch {
    throw new InvalidArgumentError(
      `--clickhouse must be a URL such as http://user:password@host:8123/db, got '${location.url}'`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError(`--clickhouse must be an http(s) URL, got '${url.protocol}'`);
  }
  // On a cluster, inserts into Distributed tables return only once the shards have the rows: the
  // acknowledgement (and the next batch's duplicate check) must not run ahead of the data.
  const settings = location.cluster ? { ...PINNED_SETTINGS, insert_distributed_sync: 1 as const } : PINNED_SETTINGS;
  // The client's own logger prints stack traces for expected conditions; errors are reported by the caller.
  const client = createClient({
    url,
    clickhouse_settings: settings,
    request_timeout: 60_000,
    log: { level: ClickHouseLogLevel.OFF },
  });
  const ping = await client.ping();
  if (!ping.success) {
    await client.close();
    throw new BlockwatchError('BW_ERR_STORE', `cannot reach ClickHouse at ${url.host}: ${ping.error.message}`);
  }
  const insertLines: InsertLines = async (table, lines, settings) => {
    if (lines.length === 0) return;
    const { stream } = await client.exec({
      query: `INSERT INTO ${table} FORMAT JSONEachRow`,
      values: Readable.from([lines], { objectMode: false }),
      ...(settings ? { clickhouse_settings: settings } : {}),
    });
    // The answer is empty, but only a response read to its end frees the connection for the next request.
    stream.resume();
    await finished(stream);
  };
  return { client, insertLines };
}
