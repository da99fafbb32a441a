/** `blockwatch quarantine list`: the acknowledged measurements the store could not take, and why. */
import { defineCommand } from 'blockwatch/cli';
import { UsageError } from 'blockwatch/errors.ts';
import { resolveSource, SOURCE_OPTIONS, table, withStore, writeJson } from '../events/cli-support.ts';
import { listQuarantine, type QuarantinedMeasurement, quarantineCount } from '../store/quarantine.ts';

export default defineCommand({
  name: 'quarantine',
  summary: 'list acknowledged measurements that could not be stored',
  usage: 'list [--limit N] [--json] [--data DIR | --clickhouse URL | --server URL]',
  details: `A measurement the collector acknowledged but the store refused is kept in quarantine with the raw JSON,
the error and the time, instead of stopping the loader or being dropped. Newest first.
Examples:
  blockwatch quarantine list --data ./blockwatch-data
  blockwatch quarantine list --server http://127.0.0.1:8080 --json   # needs the admin token`,
  positionals: true,
  options: {
    limit: { type: 'string', arg: 'N', description: 'at most N entries (default 50)', default: '50' },
    json: { type: 'boolean', description: 'print JSON, raw measurements included' },
    ...SOURCE_OPTIONS,
  },
  async run({ values, positionals }, ctx) {
    if (positionals.length !== 1 || positionals[0] !== 'list') throw new UsageError("the subcommand is 'list'");
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) {
      throw new UsageError(`--limit must be an integer 1…500, got '${values.limit}'`);
    }
    const source = resolveSource(values, ctx.env, ctx.cwd);
    const { count, results } =
      source.kind === 'server'
        ? await source.api.get<{ count: number; results: QuarantinedMeasurement[] }>('/api/v1/quarantine', {
            limit: String(limit),
          })
        : await withStore(source, async (store) => ({
            count: await quarantineCount(store),
            results: await listQuarantine(store, { limit, offset: 0 }),
          }));
    if (values.json) {
      writeJson(ctx.stdout, { count, results });
      return 0;
    }
    ctx.stdout.write(`${count} in quarantine${count > results.length ? ` (newest ${results.length} shown)` : ''}\n`);
    if (results.length) {
      const rows = [['QUARANTINED', 'UID', 'SOURCE', 'ERROR']];
      for (const r of results)
        rows.push([r.quarantined_at.slice(0, 19), r.measurement_uid, r.source, r.error.slice(0, 200)]);
      ctx.stdout.write(table(rows));
    }
    return 0;
  },
});
