/**
 * Schema migrations: `migrations/NNN-name.sql`, applied in order, each recorded in `schema_migrations`.
 * Numbers 001–099 belong to the store, 100–199 to event detection; both live in the same folder.
 *
 * The SQL is written once for the embedded engine; `clusterize` rewrites it for a ClickHouse cluster:
 *   CREATE TABLE t {{ON_CLUSTER}} (…) ENGINE = XMergeTree(args) …
 *     → CREATE TABLE t_local ON CLUSTER c (…) ENGINE = ReplicatedXMergeTree('/clickhouse/tables/{shard}/{database}/t_local', '{replica}', args) …
 *     + CREATE TABLE t ON CLUSTER c AS t_local ENGINE = Distributed(c, currentDatabase(), t_local, shardingKey)
 *   CREATE MATERIALIZED VIEW v {{ON_CLUSTER}} TO t AS SELECT … FROM s …
 *     → … v ON CLUSTER c TO t_local AS SELECT … FROM s_local … (views run on each shard, on local inserts)
 *   ALTER TABLE t {{ON_CLUSTER}} …  → the same ALTER on t_local and on t (indexes, projections and settings:
 *                                    on t_local only)
 * Reads and inserts keep using the plain name (the Distributed table); statements must stay in these forms.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { BlockwatchError } from 'blockwatch/errors.ts';
import { OBSERVATION_COLUMNS } from './observation-columns.ts';

// The SQL stays in src/ (the build emits only JavaScript): this path is the same from src/store and dist/store.
export const MIGRATIONS_DIR = new URL('../../src/store/migrations/', import.meta.url).pathname;

export interface Migration {
  version: number;
  name: string;
  statements: string[];
  checksum: string;
}

const FILE_NAME = /^(\d{3})-([a-z0-9-]+)\.sql$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits a file into statements at semicolons that end a line. */
export function splitStatements(sql: string): string[] {
  return sql
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((s) =>
      s
        .split('\n')
        .filter((line) => !line.trim().startsWith('--'))
        .join('\n')
        .trim(),
    )
    .filter((s) => s.length > 0);
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const seen = new Map<number, string>();
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (!match) throw new BlockwatchError('BW_ERR_STORE', `migration file name '${file}' is not NNN-name.sql`);
    const version = Number(match[1]);
    const clash = seen.get(version);
    if (clash) throw new BlockwatchError('BW_ERR_STORE', `migrations '${clash}' and '${file}' share number ${version}`);
    seen.set(version, file);
    const text = readFileSync(join(dir, file), 'utf8');
    migrations.push({
      version,
      name: match[2]!,
      statements: splitStatements(text),
      checksum: createHash('sha256').update(text).digest('hex').slice(0, 16),
    });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/** Rewrites one statement for the deployment: embedded (no cluster) or a named cluster. */
export function clusterize(statement: string, cluster?: string): string[] {
  if (!cluster) return [statement.replace(/ ?\{\{ON_CLUSTER\}\}/g, '')];
  if (!IDENT.test(cluster)) throw new BlockwatchError('BW_ERR_STORE', `cluster name '${cluster}' is not an identifier`);
  const on = `ON CLUSTER ${cluster}`;

  const table = /^CREATE TABLE IF NOT EXISTS (\w+) \{\{ON_CLUSTER\}\}/.exec(statement);
  if (table) {
    const name = table[1]!;
    const local = `${name}_local`;
    const engine = /ENGINE = (\w*MergeTree)(?:\(([^)]*)\))?/.exec(statement);
    if (!engine) throw new BlockwatchError('BW_ERR_STORE', `table ${name}: no MergeTree engine to replicate`);
    const args = [`'/clickhouse/tables/{shard}/{database}/${local}'`, `'{replica}'`];
    if (engine[2]?.trim()) args.push(engine[2].trim());
    const localStatement = statement
      .replace(table[0], `CREATE TABLE IF NOT EXISTS ${local} ${on}`)
      .replace(engine[0], `ENGINE = Replicated${engine[1]}(${args.join(', ')})`);
    // Duplicates of one measurement must land on the same shard for ReplacingMergeTree to merge them.
    const shardKey = /\bmeasurement_uid String\b/.test(statement) ? 'cityHash64(measurement_uid)' : 'rand()';
    const distributed = `CREATE TABLE IF NOT EXISTS ${name} ${on} AS ${local} ENGINE = Distributed(${cluster}, currentDatabase(), ${local}, ${shardKey})`;
    return [localStatement, distributed];
  }

  const view = /^CREATE MATERIALIZED VIEW IF NOT EXISTS (\w+) \{\{ON_CLUSTER\}\} TO (\w+) AS/.exec(statement);
  if (view) {
    const body = statement
      .slice(view[0].length)
      .replace(/\b(FROM|JOIN)\s+(\w+)/g, (_, keyword: string, source: string) => `${keyword} ${source}_local`);
    return [`CREATE MATERIALIZED VIEW IF NOT EXISTS ${view[1]} ${on} TO ${view[2]}_local AS${body}`];
  }

  const alter = /^ALTER TABLE (\w+) \{\{ON_CLUSTER\}\}/.exec(statement);
  if (alter) {
    const rest = statement.slice(alter[0].length);
    const local = `ALTER TABLE ${alter[1]}_local ${on}${rest}`;
    // Indexes, projections and MergeTree settings belong to the local tables; a Distributed table has none.
    if (/^\s+(ADD (INDEX|PROJECTION)|MATERIALIZE (INDEX|PROJECTION)|MODIFY SETTING)\b/.test(rest)) return [local];
    return [local, `ALTER TABLE ${alter[1]} ${on}${rest}`];
  }
  if (statement.includes('{{ON_CLUSTER}}')) {
    throw new BlockwatchError('BW_ERR_STORE', `cannot rewrite for a cluster: ${statement.slice(0, 80)}…`);
  }
  return [statement];
}

const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations {{ON_CLUSTER}} (
  version UInt32, name String, checksum String, applied_at DateTime('UTC')
) ENGINE = ReplacingMergeTree ORDER BY version`;

/** Applies every migration not yet recorded; returns the versions applied now. */
export async function migrate(
  client: ClickHouseClient,
  options: { cluster?: string; dir?: string } = {},
): Promise<number[]> {
  const run = async (statement: string) => {
    for (const sql of clusterize(statement, options.cluster)) await client.command({ query: sql });
  };
  await run(MIGRATIONS_TABLE);
  const done = await client.query({ query: 'SELECT version FROM schema_migrations', format: 'JSONEachRow' });
  const applied = new Set((await done.json<{ version: number }>()).map((r) => r.version));
  const now: number[] = [];
  for (const migration of loadMigrations(options.dir)) {
    if (applied.has(migration.version)) continue;
    // Statements are idempotent (IF NOT EXISTS), so a migration cut short by a crash simply runs again.
    for (const statement of migration.statements) {
      try {
        await run(statement);
      } catch (err) {
        throw new BlockwatchError(
          'BW_ERR_STORE',
          `migration ${String(migration.version).padStart(3, '0')}-${migration.name} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [
        {
          version: migration.version,
          name: migration.name,
          checksum: migration.checksum,
          applied_at: Math.floor(Date.now() / 1000),
        },
      ],
      format: 'JSONEachRow',
    });
    now.push(migration.version);
  }
  return now;
}

/**
 * Adds the observation columns the measurements table lacks (`ADD COLUMN IF NOT EXISTS`, so a race with another
 * process is harmless); returns the columns added now. A store already up to date issues no statement.
 */
export async function addObservationColumns(client: ClickHouseClient, cluster?: string): Promise<string[]> {
  if (OBSERVATION_COLUMNS.length === 0) return [];
  const result = await client.query({
    query: "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'measurements'",
    format: 'JSONEachRow',
  });
  const present = new Set((await result.json<{ name: string }>()).map((r) => r.name));
  const added: string[] = [];
  for (const c of OBSERVATION_COLUMNS) {
    if (present.has(c.column)) continue;
    const statement = `ALTER TABLE measurements {{ON_CLUSTER}} ADD COLUMN IF NOT EXISTS ${c.column} ${c.type}`;
    try {
      for (const sql of clusterize(statement, cluster)) await client.command({ query: sql });
    } catch (err) {
      throw new BlockwatchError('BW_ERR_STORE', `adding column ${c.column}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    added.push(c.column);
  }
  return added;
}
