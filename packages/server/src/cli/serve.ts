import { join, resolve } from 'node:path';
import { defineCommand } from 'blockwatch/cli';
import { UsageError } from 'blockwatch/errors.ts';
import { analyzerOptionsFor, createAnalyzer } from '../analysis/analyzer.ts';
import { createTransferBaselines, keepFresh, type TransferBaselines } from '../analysis/transfer-baselines.ts';
import { buildServer, DEFAULT_WEB_DIR } from '../api/app.ts';
import { openStore } from '../store/store.ts';
import { ASN_REGISTRY_OPTION, STORE_OPTIONS, storeLocation } from './store-options.ts';

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new UsageError(`--listen must be HOST:PORT (e.g. 127.0.0.1:8080), got '${value}'`);
  return { host: (m[1] ?? m[2])!, port };
}

export default defineCommand({
  name: 'serve',
  summary: 'run the collector, API and web UI',
  usage: '[--data DIR | --clickhouse URL [--cluster NAME]] [--listen HOST:PORT] [options]',
  details: `
Accepts measurements (OONI collector protocol and POST /api/v1/submit), stores them with their verdicts, and
serves the API (/api/v1/…, OpenAPI at /api/openapi.json) and the web UI. Ctrl-C stops cleanly: open requests
finish and every accepted measurement is loaded into the store before exit.

The admin token can also come from BLOCKWATCH_ADMIN_TOKEN (keeps it out of the process list).`,
  options: {
    ...STORE_OPTIONS,
    ...ASN_REGISTRY_OPTION,
    listen: { type: 'string', arg: 'HOST:PORT', description: 'address to listen on', default: '127.0.0.1:8080' },
    spool: {
      type: 'string',
      arg: 'DIR',
      description: 'spool directory (default DATA/spool; needed with --clickhouse)',
    },
    'admin-token': { type: 'string', arg: 'TOKEN', description: 'enables administrative endpoints (Bearer token)' },
    web: { type: 'string', arg: 'DIR', description: 'built web UI to serve (default packages/web/dist)' },
    'rate-limit': { type: 'string', arg: 'N', description: 'requests per second per client (0 = off)', default: '20' },
    quiet: { type: 'boolean', description: 'no request log' },
  },
  async run({ values }, ctx) {
    const location = storeLocation(values, ctx.cwd);
    const dataDir = 'dataDir' in location ? location.dataDir : undefined;
    const { host, port } = parseListen(values.listen ?? '127.0.0.1:8080');
    const rate = Number(values['rate-limit']);
    if (!Number.isFinite(rate) || rate < 0)
      throw new UsageError(`--rate-limit must be a number >= 0, got '${values['rate-limit']}'`);
    const spoolDir = values.spool ? resolve(ctx.cwd, values.spool) : dataDir ? join(dataDir, 'spool') : undefined;
    if (!spoolDir) throw new UsageError('--clickhouse needs --spool DIR (a local directory for accepted measurements)');
    const adminToken = values['admin-token'] ?? ctx.env.BLOCKWATCH_ADMIN_TOKEN;
    // The same site's transfer rate on other networks, for the throttling check: read from the store once it is open.
    let baselines: TransferBaselines | undefined;
    const analyzer = createAnalyzer({
      ...analyzerOptionsFor(values.reference ? resolve(ctx.cwd, values.reference) : undefined, ctx.env),
      transferBaseline: (cc, domain, asn, timeMs) => baselines?.lookup(cc, domain, asn, timeMs),
      ...(dataDir ? { geoCacheDir: join(dataDir, 'geo') } : {}),
      ...(values['asn-registry'] ? { asnRegistryFile: resolve(ctx.cwd, values['asn-registry']) } : {}),
    });
    const store = await openStore({ location });
    baselines = createTransferBaselines(store);
    const stopBaselines = keepFresh(baselines, 15 * 60_000, (err) =>
      ctx.stderr.write(`transfer baselines not refreshed: ${err.message}\n`),
    );
    const app = await buildServer({
      store,
      analyzer,
      spoolDir,
      adminToken,
      rateLimit: rate === 0 ? false : { perSecond: rate, burst: Math.max(10, rate * 10) },
      webDir: values.web ? resolve(ctx.cwd, values.web) : DEFAULT_WEB_DIR,
      // --quiet drops the request log, not the errors: a failing store must say why
      logger: { level: values.quiet ? 'error' : 'info' },
    });
    let address: string;
    try {
      address = await app.listen({ host, port });
    } catch (err) {
      stopBaselines();
      await app.close();
      await store.close();
      throw new UsageError(`cannot listen on ${host}:${port}: ${(err as Error).message}`);
    }
    const where = dataDir ?? ('url' in location ? location.url.replace(/\/\/[^@/]*@/, '//') : '');
    ctx.stdout.write(
      `blockwatch serving on ${address} (store: ${where}${analyzer.fingerprintCount ? '' : ', no fingerprints'})\n`,
    );
    if (ctx.signal.aborted) return 0;
    await new Promise<void>((done) => ctx.signal.addEventListener('abort', () => done(), { once: true }));
    ctx.stderr.write('stopping: finishing requests and loading the spool into the store…\n');
    stopBaselines();
    await app.close();
    await store.close();
    return 0;
  },
});
